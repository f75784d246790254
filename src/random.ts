/**
 * Where sbackup gets random bytes. By default it uses `globalThis.crypto.getRandomValues`,
 * looked up on first use (never at import time). Runtimes without it (some React Native set-ups)
 * call {@link setRandomSource} once at start-up, e.g. with `react-native-get-random-values`.
 * Tests use it to make output deterministic.
 */

import { assertBytes } from './internal/bytes.js';

/** Returns `length` cryptographically secure random bytes. */
export type RandomSource = (length: number) => Uint8Array;

let installed: RandomSource | undefined;

/** Installs the process-wide random source; `undefined` restores the default (WebCrypto). */
export function setRandomSource(source: RandomSource | undefined): void {
  if (source !== undefined && typeof source !== 'function') {
    throw new TypeError(`"source" expected a function, got ${typeof source}`);
  }
  installed = source;
}

// getRandomValues refuses more than 65536 bytes per call (WebCrypto spec, "QuotaExceededError").
const MAX_GET_RANDOM_VALUES = 65536;

function webCryptoRandom(length: number): Uint8Array {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (typeof c?.getRandomValues !== 'function') {
    throw new Error(
      'sbackup: no secure random source in this runtime (globalThis.crypto.getRandomValues is missing); ' +
        'call setRandomSource() with one, or pass a `random` option',
    );
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += MAX_GET_RANDOM_VALUES) {
    c.getRandomValues(out.subarray(i, Math.min(length, i + MAX_GET_RANDOM_VALUES)));
  }
  return out;
}

/**
 * Draws `length` random bytes from `source`, else the installed source, else WebCrypto.
 * Checks that the source kept its contract (a Uint8Array of the right length).
 */
export function randomBytes(length: number, source?: RandomSource): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0)
    throw new RangeError(`"length" expected a non-negative integer, got ${length}`);
  const out = (source ?? installed ?? webCryptoRandom)(length);
  assertBytes(out, 'random source output', length);
  return out;
}
