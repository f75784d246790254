/**
 * The incremental MAC (libsignal `incremental_mac`): one running HMAC-SHA256 over a stream, whose
 * state is finalized at every chunk boundary. The digest is the MAC of each whole-chunk prefix,
 * then the MAC of the whole stream; a player can then check each chunk of a video as it arrives.
 * Signal's clients compute it over the encrypted attachment (IV through MAC) with the attachment's
 * MAC key, choosing the chunk size from the encrypted length.
 */

import { defaultBackend } from '../backends/auto.js';
import type { CryptoBackend, Hasher } from '../backends/types.js';
import { BackupError } from '../errors.js';
import { assertBytes, concatByteList, constantTimeEqual } from '../internal/bytes.js';
import {
  INCREMENTAL_MAC_ENTRY_SIZE,
  INCREMENTAL_MAC_MAX_CHUNK,
  INCREMENTAL_MAC_MIN_CHUNK,
  INCREMENTAL_MAC_TARGET_CHUNKS,
} from './constants.js';
import { type ByteSource, openSource } from './source.js';

function assertChunkSize(chunkSize: number): void {
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0) {
    throw new RangeError(`"chunkSize" expected a positive integer, got ${String(chunkSize)}`);
  }
}

/**
 * The chunk size Signal's clients use for `dataSize` bytes (libsignal `inferChunkSize`):
 * 64 KiB below 16 MiB, then `ceil(dataSize / 256)`, at most 2 MiB.
 *
 * @throws {RangeError} when `dataSize` is not a non-negative safe integer.
 */
export function incrementalMacChunkSize(dataSize: number): number {
  if (!Number.isSafeInteger(dataSize) || dataSize < 0) {
    throw new RangeError(`"dataSize" expected a non-negative integer, got ${String(dataSize)}`);
  }
  const even = Math.ceil(dataSize / INCREMENTAL_MAC_TARGET_CHUNKS);
  return Math.min(INCREMENTAL_MAC_MAX_CHUNK, Math.max(INCREMENTAL_MAC_MIN_CHUNK, even));
}

/**
 * The length of an incremental-MAC digest of `dataSize` bytes: 32 bytes per whole chunk plus 32
 * for the final MAC (an exact multiple of the chunk size ends with two equal MACs).
 *
 * @throws {RangeError} when an argument is not a valid size.
 */
export function incrementalMacDigestSize(dataSize: number, chunkSize: number): number {
  assertChunkSize(chunkSize);
  if (!Number.isSafeInteger(dataSize) || dataSize < 0) {
    throw new RangeError(`"dataSize" expected a non-negative integer, got ${String(dataSize)}`);
  }
  return INCREMENTAL_MAC_ENTRY_SIZE * (Math.floor(dataSize / chunkSize) + 1);
}

/**
 * Computes an incremental-MAC digest as data is pushed (libsignal `DigestingPassThrough`).
 * Synchronous with every backend (hashes always are).
 */
export class IncrementalMacDigester {
  private readonly mac: Hasher;
  private readonly macs: Uint8Array[] = [];
  private filled = 0;
  private done = false;

  /**
   * @param key the MAC key (the attachment's 32-byte HMAC key).
   * @param chunkSize bytes per chunk, e.g. `incrementalMacChunkSize(ciphertextSize(size))`.
   * @throws {TypeError} when `key` is not bytes. @throws {RangeError} when `chunkSize` is not positive.
   */
  constructor(
    key: Uint8Array,
    readonly chunkSize: number,
    backend: CryptoBackend = defaultBackend(),
  ) {
    assertBytes(key, 'key');
    assertChunkSize(chunkSize);
    this.mac = backend.hmacSha256(key);
  }

  /** Adds bytes. @throws {Error} after `finish()`. */
  push(data: Uint8Array): void {
    if (this.done) throw new Error('IncrementalMacDigester: push() after finish()');
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(this.chunkSize - this.filled, data.length - offset);
      this.mac.update(data.subarray(offset, offset + take));
      offset += take;
      this.filled += take;
      if (this.filled === this.chunkSize) {
        this.macs.push(this.mac.clone().digest());
        this.filled = 0;
      }
    }
  }

  /** Finishes: the boundary MACs followed by the final MAC. @throws {Error} when called twice. */
  finish(): Uint8Array {
    if (this.done) throw new Error('IncrementalMacDigester: finish() called twice');
    this.done = true;
    this.macs.push(this.mac.digest());
    return concatByteList(this.macs);
  }
}

/**
 * The incremental-MAC digest of `data` in one call.
 *
 * @throws {TypeError} when `key` or `data` is not bytes. @throws {RangeError} when `chunkSize` is not positive.
 */
export function incrementalMac(
  data: Uint8Array,
  key: Uint8Array,
  chunkSize: number,
  backend: CryptoBackend = defaultBackend(),
): Uint8Array {
  assertBytes(data, 'data');
  const d = new IncrementalMacDigester(key, chunkSize, backend);
  d.push(data);
  return d.finish();
}

/**
 * Checks a stream against an incremental-MAC digest (libsignal `ValidatingPassThrough`) and
 * releases each chunk only after its MAC verified: `push` returns the verified bytes (whole
 * chunks), `finish` checks the final MAC and returns the last partial chunk.
 */
export class IncrementalMacVerifier {
  private readonly mac: Hasher;
  private readonly expected: Uint8Array;
  private readonly entries: number;
  private index = 0;
  private pending: Uint8Array[] = [];
  private filled = 0;
  private failed = false;
  private done = false;

  /**
   * @param key the MAC key (the attachment's 32-byte HMAC key).
   * @param chunkSize bytes per chunk (FilePointer.incrementalMacChunkSize).
   * @param digest the expected digest (FilePointer.incrementalMac).
   * @throws {TypeError} when `key` or `digest` is not bytes. @throws {RangeError} when `chunkSize` is not positive.
   * @throws {BackupError} `MAC_MISMATCH` when the digest is empty or not a multiple of 32 bytes.
   */
  constructor(
    key: Uint8Array,
    readonly chunkSize: number,
    digest: Uint8Array,
    backend: CryptoBackend = defaultBackend(),
  ) {
    assertBytes(key, 'key');
    assertBytes(digest, 'digest');
    assertChunkSize(chunkSize);
    if (digest.length === 0 || digest.length % INCREMENTAL_MAC_ENTRY_SIZE !== 0) {
      throw new BackupError('MAC_MISMATCH', 'incremental MAC has an invalid length (not a multiple of 32 bytes)');
    }
    this.mac = backend.hmacSha256(key);
    this.expected = digest.slice();
    this.entries = digest.length / INCREMENTAL_MAC_ENTRY_SIZE;
  }

  private check(mac: Uint8Array, last: boolean): void {
    const ok =
      this.index < this.entries &&
      (!last || this.index === this.entries - 1) &&
      constantTimeEqual(
        mac,
        this.expected.subarray(this.index * INCREMENTAL_MAC_ENTRY_SIZE, (this.index + 1) * INCREMENTAL_MAC_ENTRY_SIZE),
      );
    if (!ok) {
      this.failed = true;
      this.pending = [];
      throw new BackupError(
        'MAC_MISMATCH',
        last ? 'incremental MAC check failed at the end of the data' : 'incremental MAC check failed (damaged data)',
        { offset: this.index * this.chunkSize },
      );
    }
    this.index++;
  }

  /**
   * Adds bytes; returns the bytes whose chunk MAC has verified (possibly none).
   *
   * @throws {BackupError} `MAC_MISMATCH` when a chunk does not match; nothing of it is released.
   */
  push(data: Uint8Array): Uint8Array {
    if (this.failed || this.done) throw new Error('IncrementalMacVerifier: push() after failure or finish()');
    const released: Uint8Array[] = [];
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(this.chunkSize - this.filled, data.length - offset);
      const piece = data.subarray(offset, offset + take);
      this.mac.update(piece);
      this.pending.push(piece.slice());
      offset += take;
      this.filled += take;
      if (this.filled === this.chunkSize) {
        this.check(this.mac.clone().digest(), false);
        for (const p of this.pending) released.push(p);
        this.pending = [];
        this.filled = 0;
      }
    }
    return released.length === 1 ? released[0]! : concatByteList(released);
  }

  /**
   * Checks the final MAC; returns the verified last partial chunk.
   *
   * @throws {BackupError} `MAC_MISMATCH` when the data is shorter or longer than the digest says, or damaged.
   */
  finish(): Uint8Array {
    if (this.failed || this.done) throw new Error('IncrementalMacVerifier: finish() after failure or finish()');
    this.done = true;
    this.check(this.mac.digest(), true);
    const out = concatByteList(this.pending);
    this.pending = [];
    return out;
  }
}

/**
 * Verifies a one-time stream against an incremental-MAC digest, yielding each chunk only after
 * its MAC verified.
 *
 * @throws {BackupError} `MAC_MISMATCH` as soon as a chunk (or the end) does not match.
 * @throws {TypeError} when `source` is not a byte source.
 */
export async function* verifyIncrementalMac(
  source: ByteSource,
  key: Uint8Array,
  chunkSize: number,
  digest: Uint8Array,
  backend: CryptoBackend = defaultBackend(),
): AsyncGenerator<Uint8Array, void, undefined> {
  const v = new IncrementalMacVerifier(key, chunkSize, digest, backend);
  for await (const chunk of openSource(source)) {
    const out = v.push(chunk);
    if (out.length > 0) yield out;
  }
  const last = v.finish();
  if (last.length > 0) yield last;
}
