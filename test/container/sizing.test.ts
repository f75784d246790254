/**
 * flushInterval / paddingSize / bucketed padding against the values in libsignal's tests (docs/format.md §6;
 * libsignal's MessageBackupSizing tests, and rust/message-backup/src/lib.rs `padded_length`).
 */

import { describe, expect, it } from 'vitest';
import { bucketedPaddedLength, flushInterval, paddingSigma, paddingSize } from '../../src/container/sizing.js';

describe('sizing', () => {
  it('flushInterval matches the Rust/Java/Swift test values', () => {
    const cases: [number, number][] = [
      [0, 8192],
      [1, 8192],
      [65536, 9459],
      [1048576, 37837],
      [7700000, 102533],
      [16777216, 151348],
      [200000000, 522557],
    ];
    for (const [x, want] of cases) expect(flushInterval(x), String(x)).toBe(want);
    expect(flushInterval(0, 1048576)).toBe(26754);
    expect(flushInterval(0, 16777216)).toBe(107019);
    expect(flushInterval(0, 200000000)).toBe(369504);
    expect(flushInterval(1000, 16777216)).toBe(107019);
    expect(flushInterval(16777216, 1000)).toBe(flushInterval(0, 16777216));
    expect(flushInterval(10 ** 12)).toBe(524288);
    expect(() => flushInterval(-1)).toThrow(RangeError);
  });

  it('paddingSize: sigma, the 64 KiB floor, never zero', () => {
    expect(paddingSigma(0)).toBe(4096);
    expect(paddingSigma(8192)).toBe(4096);
    expect(paddingSigma(151348)).toBe(75674);
    expect(paddingSigma(524288)).toBe(262144);
    for (let i = 0; i < 200; i++) expect(paddingSize(8192, 1000)).toBe(64536);
    // mean 3 sigma + sigma * z
    expect(paddingSize(524288, 10 ** 7, () => 0)).toBe(3 * 262144);
    expect(paddingSize(524288, 10 ** 7, () => 1.5)).toBe(4.5 * 262144);
    // draws below 1 are redrawn
    const draws = [-10, -3, 0.5];
    expect(paddingSize(8192, 10 ** 7, () => draws.shift()!)).toBe(Math.trunc(12288 + 4096 * 0.5));
    const big = Array.from({ length: 2000 }, () => paddingSize(151348, 10 ** 8));
    expect(Math.min(...big)).toBeGreaterThanOrEqual(1);
    const mean = big.reduce((a, b) => a + b, 0) / big.length;
    expect(Math.abs(mean - 3 * 75674)).toBeLessThan(10000);
  });

  it('bucketed padding: 541 minimum, 1.05 growth', () => {
    expect(bucketedPaddedLength(0)).toBe(541);
    expect(bucketedPaddedLength(130)).toBe(541);
    expect(bucketedPaddedLength(541)).toBeGreaterThanOrEqual(541);
    for (const n of [1000, 12345, 10 ** 6]) {
      const p = bucketedPaddedLength(n);
      expect(p).toBeGreaterThanOrEqual(n);
      expect(p).toBeLessThanOrEqual(Math.ceil(n * 1.05));
    }
  });
});
