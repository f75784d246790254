import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IncrementalMacDigester,
  IncrementalMacVerifier,
  incrementalMac,
  incrementalMacChunkSize,
  incrementalMacDigestSize,
  verifyIncrementalMac,
} from '../../src/media/incrementalMac.js';
import { BACKENDS, bytes, codeOf, collect, hex, split, unhex } from './backends.js';

// Known answers from libsignal's tests (reference notes, format section 7).
const KAT_KEY = unhex('a83481457efecc69ad1342e21d9c0297f71debbf5c9304b4c1b2e433c1a78f98');
const KAT_INPUT = new TextEncoder().encode('this is a test input to the incremental mac stream');
const KAT_DIGEST =
  '84892f70600e549fb72879667a9d96a273f144b698ff9ef5a76062a56061a909' +
  '884f6d9f42918a9e476ed518c4ac8f714bd33f045152ae049877fd3d1b0db25a';
const KAT_INPUT_2 = new TextEncoder().encode('this is a test input to the incremental mac stream 👋');
const KAT_DIGEST_2 =
  '84892f70600e549fb72879667a9d96a273f144b698ff9ef5a76062a56061a909' +
  'ac028f107e1306e1ec8d17c989fa3430d88d7b294d00828a65a2acb3efa31a1f';

describe('incrementalMacChunkSize (libsignal inferChunkSize)', () => {
  it('matches the table in the reference notes', () => {
    const KiB = 1024;
    const MiB = 1024 * KiB;
    const table: [number, number][] = [
      [0, 64 * KiB],
      [KiB, 64 * KiB],
      [10 * KiB, 64 * KiB],
      [100 * KiB, 64 * KiB],
      [MiB, 64 * KiB],
      [10 * MiB, 64 * KiB],
      [20 * MiB, 80 * KiB],
      [100 * MiB, 400 * KiB],
      [200 * MiB, 800 * KiB],
      [256 * MiB, MiB],
      [512 * MiB, 2 * MiB],
      [4 * 1024 * MiB, 2 * MiB],
    ];
    for (const [size, chunk] of table) expect(incrementalMacChunkSize(size), `size ${size}`).toBe(chunk);
  });

  it('rejects bad sizes', () => {
    expect(() => incrementalMacChunkSize(-1)).toThrow(RangeError);
    expect(() => incrementalMacDigestSize(10, 0)).toThrow(RangeError);
  });
});

describe.each(BACKENDS.map((b) => [b.name, b] as const))('incremental MAC (%s)', (_name, backend) => {
  it('reproduces libsignal known answers (chunk 32)', () => {
    expect(hex(incrementalMac(KAT_INPUT, KAT_KEY, 32, backend))).toBe(KAT_DIGEST);
    expect(hex(incrementalMac(KAT_INPUT_2, KAT_KEY, 32, backend))).toBe(KAT_DIGEST_2);
  });

  it('empty input gives one MAC; exact multiples end with two equal MACs', () => {
    expect(incrementalMac(new Uint8Array(0), KAT_KEY, 32, backend).length).toBe(32);
    const d = incrementalMac(KAT_INPUT.subarray(0, 32), KAT_KEY, 32, backend);
    expect(d.length).toBe(64);
    expect(hex(d.subarray(0, 32))).toBe(hex(d.subarray(32)));
    expect(hex(d.subarray(0, 32))).toBe(KAT_DIGEST.slice(0, 64));
  });

  it('does not depend on how the input is chunked', () => {
    fc.assert(
      fc.property(fc.nat(700), fc.integer({ min: 1, max: 97 }), fc.array(fc.nat(700)), (n, chunk, cuts) => {
        const data = bytes(n, n + chunk);
        const whole = incrementalMac(data, KAT_KEY, chunk, backend);
        expect(whole.length).toBe(incrementalMacDigestSize(n, chunk));
        const d = new IncrementalMacDigester(KAT_KEY, chunk, backend);
        for (const piece of split(data, cuts)) d.push(piece);
        expect(hex(d.finish())).toBe(hex(whole));
      }),
      { numRuns: 60 },
    );
  });

  it('the verifier releases exactly the data, whole chunks at a time', () => {
    fc.assert(
      fc.property(fc.nat(500), fc.integer({ min: 1, max: 64 }), fc.array(fc.nat(500)), (n, chunk, cuts) => {
        const data = bytes(n, 7 + n);
        const digest = incrementalMac(data, KAT_KEY, chunk, backend);
        const v = new IncrementalMacVerifier(KAT_KEY, chunk, digest, backend);
        const out: number[] = [];
        let fed = 0;
        for (const piece of split(data, cuts)) {
          fed += piece.length;
          const released = v.push(piece);
          out.push(...released);
          // never more than the whole chunks fed so far
          expect(out.length).toBe(Math.floor(fed / chunk) * chunk);
        }
        out.push(...v.finish());
        expect(hex(Uint8Array.from(out))).toBe(hex(data));
      }),
      { numRuns: 60 },
    );
  });

  it('rejects a flipped byte before releasing its chunk', async () => {
    const chunk = 16;
    const data = bytes(100, 3);
    const digest = incrementalMac(data, KAT_KEY, chunk, backend);
    for (let i = 0; i < data.length; i++) {
      const bad = data.slice();
      bad[i]! ^= 1;
      const v = new IncrementalMacVerifier(KAT_KEY, chunk, digest, backend);
      let released = 0;
      const code = await codeOf(() => {
        for (let j = 0; j < bad.length; j++) released += v.push(bad.subarray(j, j + 1)).length;
        released += v.finish().length;
      });
      expect(code).toBe('MAC_MISMATCH');
      // everything released lies strictly before the damaged chunk
      expect(released).toBe(Math.floor(i / chunk) * chunk);
    }
  });

  it('rejects truncated and extended data, a wrong key, and malformed digests', async () => {
    const data = bytes(64, 5);
    const digest = incrementalMac(data, KAT_KEY, 32, backend);
    const run = (input: Uint8Array, key = KAT_KEY, d = digest) =>
      codeOf(() => collect(verifyIncrementalMac([input], key, 32, d, backend)));
    expect(await run(data)).toBe('none');
    expect(await run(data.subarray(0, 63))).toBe('MAC_MISMATCH');
    expect(await run(data.subarray(0, 32))).toBe('MAC_MISMATCH');
    expect(await run(new Uint8Array(0))).toBe('MAC_MISMATCH');
    expect(await run(new Uint8Array([...data, 0]))).toBe('MAC_MISMATCH');
    expect(await run(new Uint8Array([...data, ...bytes(32, 9)]))).toBe('MAC_MISMATCH');
    expect(await run(data, bytes(32, 11))).toBe('MAC_MISMATCH');
    expect(await run(data, KAT_KEY, digest.subarray(0, 64))).toBe('MAC_MISMATCH');
    expect(await codeOf(() => new IncrementalMacVerifier(KAT_KEY, 32, new Uint8Array(0), backend))).toBe(
      'MAC_MISMATCH',
    );
    expect(await codeOf(() => new IncrementalMacVerifier(KAT_KEY, 32, new Uint8Array(33), backend))).toBe(
      'MAC_MISMATCH',
    );
  });
});

describe('IncrementalMacVerifier with tiny pushes', () => {
  it('releases a 200,000-byte chunk pushed one byte at a time (no argument-spread limit)', () => {
    const chunk = 200_000;
    const data = new Uint8Array(chunk + 10).map((_, i) => (i * 31) & 0xff);
    const v = new IncrementalMacVerifier(KAT_KEY, chunk, incrementalMac(data, KAT_KEY, chunk));
    let released = 0;
    let first: Uint8Array | undefined;
    for (let i = 0; i < chunk; i++) {
      const out = v.push(data.subarray(i, i + 1));
      released += out.length;
      if (out.length > 0) first = out;
    }
    expect(released).toBe(chunk);
    expect(first).toEqual(data.subarray(0, chunk));
    expect(v.push(data.subarray(chunk))).toHaveLength(0);
    expect(v.finish()).toEqual(data.subarray(chunk));
  });
});
