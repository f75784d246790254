/**
 * Sizes of an encrypted attachment. Before encryption a plaintext is padded with zero bytes up to
 * a size bucket (a power of 1.05, at least 541 bytes) so that its length leaks little; the size
 * itself travels separately (FilePointer.LocatorInfo.size).
 */

import { AES_BLOCK_SIZE, IV_LENGTH, MAC_LENGTH, MIN_PADDED_SIZE, PADDING_BUCKET_BASE } from './constants.js';

function assertSize(size: number, name: string): void {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`"${name}" expected a non-negative integer, got ${String(size)}`);
  }
}

/**
 * The padded plaintext size for a plaintext of `size` bytes:
 * `max(541, floor(1.05 ^ ceil(log(size) / log(1.05))))`, computed in doubles exactly as Signal
 * Desktop (`logPadSize`) and Android (`PaddingInputStream.getPaddedSize`) do. `paddedSize(0)` is 541.
 *
 * @throws {RangeError} when `size` is not a non-negative safe integer.
 */
export function paddedSize(size: number): number {
  assertSize(size, 'size');
  // Math.log(0) is -Infinity, so the bucket is 0 and the minimum applies, as in the clients.
  const bucket = Math.floor(PADDING_BUCKET_BASE ** Math.ceil(Math.log(size) / Math.log(PADDING_BUCKET_BASE)));
  // Never below the size itself (guards a float result rounding under an exact power).
  return Math.max(MIN_PADDED_SIZE, bucket, size);
}

/**
 * The length of `IV || AES-256-CBC/PKCS7(data) || HMAC` for `length` bytes of data:
 * `16 + 16 * (floor(length / 16) + 1) + 32`. This is the media-tier outer layer's size for a
 * transit blob of `length` bytes (the outer layer adds no bucket padding).
 *
 * @throws {RangeError} when `length` is not a non-negative safe integer.
 */
export function cbcHmacSize(length: number): number {
  assertSize(length, 'length');
  return IV_LENGTH + AES_BLOCK_SIZE * (Math.floor(length / AES_BLOCK_SIZE) + 1) + MAC_LENGTH;
}

/**
 * The encrypted (transit) blob length of a plaintext of `size` bytes:
 * `cbcHmacSize(paddedSize(size))` (Desktop `getAttachmentCiphertextLength`).
 *
 * @throws {RangeError} when `size` is not a non-negative safe integer.
 */
export function ciphertextSize(size: number): number {
  return cbcHmacSize(paddedSize(size));
}

/**
 * The size of a media-tier object holding a plaintext of `size` bytes: the transit blob
 * encrypted once more, without bucket padding.
 *
 * @throws {RangeError} when `size` is not a non-negative safe integer.
 */
export function mediaTierCiphertextSize(size: number): number {
  return cbcHmacSize(ciphertextSize(size));
}
