/**
 * What every AES-CBC stream shares, whatever computes the cipher: whole-block buffering and the
 * PKCS#7 padding check (RFC 5652 section 6.3). In a module of its own so that the node backend
 * can use it without loading noble's AES, which only the pure backend needs.
 */

import { BackupError } from '../errors.js';
import { concatBytes } from '../internal/bytes.js';

/** AES block size in bytes (FIPS 197). */
export const AES_BLOCK = 16;

/** Buffers input so that the cipher only ever sees whole blocks; returns the whole-block prefix. */
export class BlockBuffer {
  private pending = new Uint8Array(0);
  /** Appends `data`, returns as many whole blocks as are available, keeping `holdBack` blocks if asked. */
  take(data: Uint8Array, holdBack: boolean): Uint8Array {
    const all = this.pending.length === 0 ? data : concatBytes(this.pending, data);
    let usable = all.length - (all.length % AES_BLOCK);
    if (holdBack && usable === all.length && usable > 0) usable -= AES_BLOCK;
    this.pending = all.slice(usable);
    return all.subarray(0, usable);
  }
  get rest(): Uint8Array {
    return this.pending;
  }
}

/** Removes PKCS#7 padding from the final decrypted block, or throws `BAD_PADDING`. */
export function stripPkcs7(lastBlock: Uint8Array): Uint8Array {
  const n = lastBlock[lastBlock.length - 1]!;
  let bad = n === 0 || n > AES_BLOCK ? 1 : 0;
  for (let i = 0; i < AES_BLOCK; i++) {
    // Check every padding byte without branching on the position of a mismatch.
    const inPad = i >= AES_BLOCK - n ? 1 : 0;
    bad |= inPad & (lastBlock[i] !== n ? 1 : 0);
  }
  if (bad) throw badPadding();
  return lastBlock.slice(0, AES_BLOCK - n);
}

/** The error every backend raises for invalid PKCS#7 padding (identical on all of them). */
export function badPadding(): BackupError {
  return new BackupError('BAD_PADDING', 'decrypted data has invalid PKCS#7 padding (wrong key or damaged file)');
}
