/** The backends every media test runs against in this runtime (node adds its own in *.node.test.ts). */

import { pureBackend } from '../../src/backends/pure.js';
import type { CryptoBackend, SyncCryptoBackend } from '../../src/backends/types.js';
import { hasWebCrypto, webCryptoBackend } from '../../src/backends/webcrypto.js';
import { concatByteList } from '../../src/internal/bytes.js';
import { fixedBytes } from '../helpers/prng.js';

export const BACKENDS: CryptoBackend[] = hasWebCrypto() ? [pureBackend, webCryptoBackend] : [pureBackend];

/** Backends whose CBC is synchronous (the push classes need one). */
export const SYNC_BACKENDS: SyncCryptoBackend[] = [pureBackend];

export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
export const unhex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

/** Deterministic bytes, so failures reproduce. */
export function bytes(n: number, seed = 1): Uint8Array {
  return fixedBytes(n, seed);
}

/** Collects an async iterable into one array. */
export async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return concatByteList(parts);
}

/** Splits `data` at the given cut points (sorted, clamped). */
export function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(data.length, Math.max(0, c))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  out.push(data.subarray(prev));
  return out;
}

/** Runs `fn` and returns the BackupError code it threw (or 'none'). */
export async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'none';
  } catch (e) {
    return (e as { code?: string }).code ?? `not a BackupError: ${String(e)}`;
  }
}
