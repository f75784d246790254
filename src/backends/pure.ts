/**
 * The pure-JavaScript backend: @noble/hashes, @noble/ciphers and fflate. Runs everywhere, including
 * React Native (Hermes) where neither WebCrypto's subtle API nor node:crypto exists.
 */

import { cbc } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { BackupError } from '../errors.js';
import { assertBytes, concatBytes } from '../internal/bytes.js';
import { crc32 } from '../internal/crc32.js';
import { fflateDeflate, fflateInflate } from './flate.js';
import type { Hasher, SyncCbcStream, SyncCryptoBackend } from './types.js';

/** AES block size in bytes (FIPS 197). */
export const AES_BLOCK = 16;

type NobleHash = { update(d: Uint8Array): unknown; digest(): Uint8Array; clone(): NobleHash };

function wrap(h: NobleHash): Hasher {
  return {
    update(data) {
      h.update(data);
    },
    digest: () => h.digest(),
    clone: () => wrap(h.clone()),
  };
}

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

function cbcEncryptStream(key: Uint8Array, iv: Uint8Array): SyncCbcStream {
  assertBytes(key, 'key', 32);
  assertBytes(iv, 'iv', AES_BLOCK);
  let chain = iv.slice();
  const buffer = new BlockBuffer();
  return {
    update(data) {
      const blocks = buffer.take(data, false);
      if (blocks.length === 0) return new Uint8Array(0);
      const out = cbc(key, chain, { disablePadding: true }).encrypt(blocks);
      chain = out.slice(out.length - AES_BLOCK);
      return out;
    },
    final() {
      // PKCS#7: 1..16 bytes, each equal to the count (RFC 5652 section 6.3).
      return cbc(key, chain).encrypt(buffer.rest);
    },
  };
}

function cbcDecryptStream(key: Uint8Array, iv: Uint8Array): SyncCbcStream {
  assertBytes(key, 'key', 32);
  assertBytes(iv, 'iv', AES_BLOCK);
  let chain = iv.slice();
  const buffer = new BlockBuffer();
  return {
    update(data) {
      // Hold back the last whole block: it may carry the padding.
      const blocks = buffer.take(data, true);
      if (blocks.length === 0) return new Uint8Array(0);
      const out = cbc(key, chain, { disablePadding: true }).decrypt(blocks);
      chain = blocks.slice(blocks.length - AES_BLOCK);
      return out;
    },
    final() {
      const last = buffer.rest;
      if (last.length !== AES_BLOCK) {
        throw new BackupError('TRUNCATED', 'ciphertext is not a whole number of AES blocks (file truncated)');
      }
      const plain = cbc(key, chain, { disablePadding: true }).decrypt(last);
      return stripPkcs7(plain);
    },
  };
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

/** The pure-JavaScript backend (noble for crypto, fflate for DEFLATE). */
export const pureBackend: SyncCryptoBackend = {
  name: 'pure',
  sha256: () => wrap(sha256.create() as unknown as NobleHash),
  hmacSha256: (key) => {
    assertBytes(key, 'key');
    return wrap(hmac.create(sha256, key) as unknown as NobleHash);
  },
  aesCbcEncrypt: cbcEncryptStream,
  aesCbcDecrypt: cbcDecryptStream,
  createDeflate: fflateDeflate,
  createInflate: fflateInflate,
  crc32,
};
