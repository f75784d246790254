/**
 * The native-stream inflate (streamInflate.ts, used by the WebCrypto backend) against fflate's
 * (the pure backend) through the container's gzip reader: the same plaintext, the same trailer
 * and padding report, and the same error codes on damaged members, for many paddings and
 * chunkings. In Chromium the native path runs (asserted); in Node, whose DecompressionStream does
 * not reject junk, the fallback runs and must agree too.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pureBackend } from '../../src/backends/pure.js';
import { hasRawDecompressionStream, streamInflate } from '../../src/backends/streamInflate.js';
import type { CryptoBackend } from '../../src/backends/types.js';
import { webCryptoBackend } from '../../src/backends/webcrypto.js';
import { GzipReader, GzipWriter } from '../../src/container/gzip.js';
import { concatByteList } from '../../src/internal/bytes.js';
import { fixedBytes } from '../helpers/prng.js';
import { chunked, sameBytes } from './helpers.js';

const isChromium = typeof navigator !== 'undefined' && /Chrome\//.test(navigator.userAgent);

/** A gzip member of `plain` written by the container's writer at `level`, flushing every `flushEvery` bytes. */
function member(plain: Uint8Array, level: number, flushEvery = 0): Uint8Array {
  const parts: Uint8Array[] = [];
  const gz = new GzipWriter(pureBackend, level, (c) => parts.push(c.slice()));
  const step = flushEvery || plain.length || 1;
  for (let o = 0; o < plain.length; o += step) {
    gz.write(plain.subarray(o, o + step));
    if (flushEvery) gz.flush();
  }
  gz.finish();
  return concatByteList(parts);
}

/** Text-like bytes (compressible) mixed with noise. */
function sample(n: number, seed: number): Uint8Array {
  const noise = fixedBytes(n, seed);
  const words = new TextEncoder().encode('the quick brown fox jumps over the lazy dog 0123456789 ');
  return noise.map((b, i) => (b < 40 ? b : words[(i * 7 + (b >> 4)) % words.length]!));
}

interface Outcome {
  plain?: Uint8Array;
  trailer?: { length: number; nonZero: number };
  code?: string;
  message?: string;
}

async function read(backend: CryptoBackend, input: Uint8Array, chunks: Uint8Array[]): Promise<Outcome> {
  const out: Uint8Array[] = [];
  const gz = new GzipReader(backend, (c) => void out.push(c.slice()), 2 ** 31);
  try {
    for (const c of chunks) await gz.push(c);
    const trailer = gz.end();
    return { plain: concatByteList(out), trailer: { length: trailer.length, nonZero: trailer.nonZero } };
  } catch (e) {
    const code = (e as { code?: string }).code ?? `not a BackupError: ${String(e)}`;
    return { code, message: code === 'DECOMPRESSION_FAILED' ? undefined : String(e) };
  } finally {
    void input;
  }
}

function splitEvery(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < data.length; o += size) out.push(data.subarray(o, o + size));
  return out.length ? out : [data];
}

async function sameOnBoth(input: Uint8Array, chunks: Uint8Array[], what = ''): Promise<Outcome> {
  const ours = await read(webCryptoBackend, input, chunks);
  const pure = await read(pureBackend, input, chunks);
  expect([what, ours.code, ours.message]).toEqual([what, pure.code, pure.message]);
  expect(ours.trailer).toEqual(pure.trailer);
  if (pure.plain !== undefined) expect(sameBytes(ours.plain!, pure.plain)).toBe(true);
  return pure;
}

describe('streamInflate (native DecompressionStream where usable)', () => {
  it('is the native path in Chromium', async () => {
    if (isChromium) expect(await hasRawDecompressionStream()).toBe(true);
    else expect(typeof (await hasRawDecompressionStream())).toBe('boolean');
  });

  it('plain members with zero, no, and non-zero padding, in chunks of 1 byte .. 4 MiB', async () => {
    const plains = [new Uint8Array(0), sample(1, 1), sample(300, 2), sample(70_000, 3), fixedBytes(200_000, 4)];
    const paddings = [
      new Uint8Array(0),
      new Uint8Array(1),
      new Uint8Array(5000),
      Uint8Array.of(7),
      Uint8Array.of(0, 0, 9, 0, 0),
      concatByteList([new Uint8Array(100), fixedBytes(300, 9)]),
    ];
    for (const [pi, plain] of plains.entries()) {
      for (const level of [0, 1, 6]) {
        const gz = member(plain, level, pi === 3 ? 9000 : 0);
        for (const pad of paddings) {
          const input = concatByteList([gz, pad]);
          const sizes = input.length <= 2000 ? [1, 7, 4096] : [4093, 65536, 4 * 2 ** 20];
          for (const size of sizes) {
            const r = await sameOnBoth(input, splitEvery(input, size), `${pi}/${level}/${pad.length}/${size}`);
            expect(r.code).toBeUndefined();
            expect(sameBytes(r.plain!, plain)).toBe(true);
            expect(r.trailer!.length).toBe(pad.length);
          }
        }
      }
    }
  });

  it('a 4 MiB member read in 4 MiB and 1 MiB chunks', async () => {
    const plain = sample(4 * 2 ** 20, 11);
    const input = concatByteList([member(plain, 6, 300_000), new Uint8Array(333)]);
    for (const size of [4 * 2 ** 20, 2 ** 20]) {
      const r = await sameOnBoth(input, splitEvery(input, size));
      expect(r.trailer).toEqual({ length: 333, nonZero: 0 });
    }
  });

  it('a member of more than 1 MiB compressed followed by non-zero padding (the length-field fallback)', async () => {
    const plain = fixedBytes(3 * 2 ** 20, 12);
    const gz = member(plain, 1, 500_000);
    expect(gz.length).toBeGreaterThan(2 ** 20);
    const input = concatByteList([gz, new Uint8Array(10), fixedBytes(1000, 13)]);
    for (const size of [65536, 4 * 2 ** 20]) {
      const r = await sameOnBoth(input, splitEvery(input, size));
      expect(r.trailer!.length).toBe(1010);
      expect(sameBytes(r.plain!, plain)).toBe(true);
    }
  });

  it('damaged members fail with the same code on both paths', async () => {
    const plain = sample(50_000, 5);
    const gz = concatByteList([member(plain, 6), new Uint8Array(64)]);
    const cases: Uint8Array[] = [];
    const flip = (at: number) => {
      const d = gz.slice();
      d[at]! ^= 0x10;
      return d;
    };
    // Bit flips in the DEFLATE data (near the end one may land in unused bits: compared only).
    for (const at of [12, 40, 500, Math.floor(gz.length / 2), gz.length - 64 - 9]) {
      const d = flip(at);
      await sameOnBoth(d, splitEvery(d, 4096));
    }
    // Bit flips in the CRC and the ISIZE.
    cases.push(flip(gz.length - 64 - 6), flip(gz.length - 64 - 2));
    // Truncations: inside the data, inside the trailer, right after the data.
    for (const n of [30, gz.length - 64 - 12, gz.length - 64 - 8, gz.length - 64 - 3]) cases.push(gz.slice(0, n));
    // Garbage instead of DEFLATE data.
    cases.push(concatByteList([gz.subarray(0, 10), fixedBytes(5000, 77)]));
    for (const [i, d] of cases.entries()) {
      for (const size of [1000, 65536]) {
        const r = await sameOnBoth(d, splitEvery(d, size));
        expect([i, r.code]).toEqual([i, expect.any(String)]);
      }
    }
  });

  it('property: random data, levels, flushes, paddings and chunkings agree with fflate', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(0, 1, 6, 9),
        fc.integer({ min: 0, max: 20_000 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (n, seed, level, flushEvery, tail, zeros, cuts) => {
          const plain = sample(n, seed);
          const input = concatByteList([member(plain, level, flushEvery), new Uint8Array(zeros), tail]);
          const r = await sameOnBoth(input, chunked(input, cuts));
          expect(r.code).toBeUndefined();
          expect(sameBytes(r.plain!, plain)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reports the end exactly when the stream ends on a chunk boundary', async () => {
    const plain = sample(20_000, 21);
    const gz = member(plain, 6);
    const body = gz.subarray(10, gz.length - 8);
    const inf = streamInflate();
    const out: Uint8Array[] = [];
    out.push(await inf.push(body));
    // The native path knows only when the next byte comes (fflate may know at once).
    const after = concatByteList([gz.subarray(gz.length - 8), new Uint8Array(64)]);
    const atOnce = inf.ended;
    if (isChromium) expect(atOnce).toBe(false);
    if (!atOnce) out.push(await inf.push(after));
    expect(inf.ended).toBe(true);
    expect(sameBytes(inf.rest, atOnce ? new Uint8Array(0) : after)).toBe(true);
    expect(sameBytes(concatByteList(out), plain)).toBe(true);
  });
});
