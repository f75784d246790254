/**
 * Sizing decisions for the compressed backup stream: where DEFLATE blocks end in the chat-item
 * region, and how many zero bytes pad the finished stream. Ports of libsignal's
 * `MessageBackupSizing` (libsignal-client >= 0.103.0 `MessageBackup.flushInterval`, `paddingSize`;
 * docs/format.md §6) and of the older bucketed `padded_length` (libsignal rust/message-backup/src/lib.rs).
 */

import { randomBytes, type RandomSource } from '../random.js';

// Constants of libsignal's MessageBackupSizing (docs/format.md §6, checked against libsignal-client 0.103.0).
/** How strongly the interval trades flush overhead against padding. */
const SENSITIVITY = 4.0;
/** Assumed cost of one flush, in compressed bytes. */
const FLUSH_COST_BYTES = 1024.0;
/** The padding's normal draw is cut at this many standard deviations. */
const TRUNCATION_SIGMAS = 3.0;
/** Noise standard deviation per unit of block size (times 1/SENSITIVITY). */
const NOISE_SCALE = 2.0;
/** Smallest flush interval, in uncompressed bytes. */
export const MIN_INTERVAL_BYTES = 8192;
/** Largest flush interval, in uncompressed bytes (512 KiB). */
export const MAX_INTERVAL_BYTES = 524288;
/** Padding brings every compressed stream to at least this size (64 KiB). */
export const MINIMUM_BACKUP_BYTES = 65536;

// Legacy bucketed padding (docs/format.md §6; libsignal rust/message-backup/src/lib.rs `padded_length`).
/** Smallest padded length of the legacy scheme. */
const BUCKET_MIN = 541;
/** Growth factor between legacy buckets. */
const BUCKET_BASE = 1.05;

/** Returns one standard normal variate N(0, 1). */
export type NormalSource = () => number;

function checkLength(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`"${name}" expected a non-negative safe integer, got ${value}`);
  }
}

function optimalInterval(total: number): number {
  return Math.sqrt((SENSITIVITY * FLUSH_COST_BYTES * total) / (TRUNCATION_SIGMAS * NOISE_SCALE));
}

/**
 * Uncompressed bytes to write before ending the current DEFLATE block, as libsignal's
 * `flushInterval`: grows with the position and is clamped to [8 KiB, 512 KiB].
 *
 * @param uncompressedLength bytes written since the chat-item region began.
 * @param estimatedTotal estimated total uncompressed length (e.g. the previous backup's); 0 or
 *   absent means "no estimate".
 * @throws {RangeError} when an argument is not a non-negative safe integer.
 */
export function flushInterval(uncompressedLength: number, estimatedTotal?: number): number {
  checkLength(uncompressedLength, 'uncompressedLength');
  if (estimatedTotal !== undefined) checkLength(estimatedTotal, 'estimatedTotal');
  const assumed =
    estimatedTotal !== undefined && estimatedTotal > 0
      ? Math.max(estimatedTotal, uncompressedLength)
      : 2 * uncompressedLength;
  return Math.min(MAX_INTERVAL_BYTES, Math.max(MIN_INTERVAL_BYTES, Math.trunc(optimalInterval(assumed))));
}

/** The standard deviation of the padding for a largest block of `maxIntervalBytes`. */
export function paddingSigma(maxIntervalBytes: number): number {
  return (NOISE_SCALE * Math.max(maxIntervalBytes, MIN_INTERVAL_BYTES)) / SENSITIVITY;
}

// 2^-53, to turn 53 random bits into a double in [0, 1).
const TWO_POW_MINUS_53 = 2 ** -53;

function uniform(random?: RandomSource): number {
  const b = randomBytes(7, random);
  // 53 bits: 5 whole bytes (40 bits) and 13 bits of the next two.
  const hi = b[0]! * 2 ** 32 + (((b[1]! << 24) | (b[2]! << 16) | (b[3]! << 8) | b[4]!) >>> 0);
  const lo = ((b[5]! << 8) | b[6]!) >>> 3;
  return (hi * 2 ** 13 + lo) * TWO_POW_MINUS_53;
}

/**
 * A standard normal source built on `random` (default: the installed secure source), by the
 * Box-Muller transform. The padding it drives hides sizes, so it must not be predictable.
 */
export function secureNormalSource(random?: RandomSource): NormalSource {
  return () => {
    const u1 = 1 - uniform(random); // (0, 1]: log(u1) is finite
    const u2 = uniform(random);
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
}

/**
 * Zero bytes to append after the gzip member, as libsignal's `paddingSize`: a normal draw of
 * mean 3 sigma and deviation sigma (sigma from the largest chat-item block), truncated at 0 and
 * redrawn until at least 1, and never less than what brings the stream to 64 KiB.
 *
 * @param maxIntervalBytes the largest DEFLATE block produced in the chat-item region, uncompressed.
 * @param compressedLength length of the compressed stream before padding.
 * @param normal the N(0, 1) source (default: {@link secureNormalSource}); tests inject a fixed one.
 * @throws {RangeError} when a length is not a non-negative safe integer.
 * @throws {Error} when `normal` keeps producing draws below 1 byte (more than 1000 times).
 */
export function paddingSize(maxIntervalBytes: number, compressedLength: number, normal?: NormalSource): number {
  checkLength(maxIntervalBytes, 'maxIntervalBytes');
  checkLength(compressedLength, 'compressedLength');
  const draw = normal ?? secureNormalSource();
  const sigma = paddingSigma(maxIntervalBytes);
  const mean = TRUNCATION_SIGMAS * sigma;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const value = mean + sigma * draw();
    // Rust's `as u64` saturates: negative (and NaN) become 0.
    const truncated = Number.isNaN(value) || value < 0 ? 0 : Math.trunc(value);
    if (truncated >= 1) return Math.max(truncated, MINIMUM_BACKUP_BYTES - compressedLength);
  }
  throw new Error('paddingSize: the normal source keeps drawing values below 1 byte');
}

/**
 * The legacy bucketed padded length (libsignal 0.101.0 `padded_length`, Signal's apps before
 * 2026): `max(541, floor(1.05 ^ ceil(log_1.05(n))))`.
 *
 * @throws {RangeError} when `n` is not a non-negative safe integer.
 */
export function bucketedPaddedLength(n: number): number {
  checkLength(n, 'n');
  const exponent = Math.ceil(Math.log(n) / Math.log(BUCKET_BASE));
  return Math.max(BUCKET_MIN, Math.floor(BUCKET_BASE ** exponent));
}
