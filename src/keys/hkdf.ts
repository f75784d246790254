/** HKDF-SHA256 (RFC 5869), the one KDF of the backup key hierarchy. */

import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes } from '../internal/bytes.js';

/** SHA-256 output length; HKDF-SHA256 can expand to at most 255 of these (RFC 5869 section 2.3). */
const HASH_LENGTH = 32;
const MAX_OUTPUT = 255 * HASH_LENGTH;

/**
 * HKDF-SHA256 extract-then-expand. An absent or empty `salt` means the RFC's default salt of
 * 32 zero bytes (what libsignal passes as `None`).
 *
 * @throws {TypeError} when `ikm`, `salt` or `info` is not a Uint8Array.
 * @throws {RangeError} when `length` is not an integer in 1..8160.
 */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array | undefined,
  info: Uint8Array,
  length: number,
): Uint8Array {
  assertBytes(ikm, 'ikm');
  if (salt !== undefined) assertBytes(salt, 'salt');
  assertBytes(info, 'info');
  if (!Number.isInteger(length) || length < 1 || length > MAX_OUTPUT) {
    throw new RangeError(`"length" expected an integer in 1..${MAX_OUTPUT}, got ${length}`);
  }
  return nobleHkdf(sha256, ikm, salt, info, length);
}
