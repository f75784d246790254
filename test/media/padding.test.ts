import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cbcHmacSize, ciphertextSize, mediaTierCiphertextSize, paddedSize } from '../../src/media/padding.js';

describe('paddedSize', () => {
  it('is 541 for sizes up to 541 (Desktop logPadSize minimum, size 0 included)', () => {
    for (const n of [0, 1, 2, 100, 500, 540]) expect(paddedSize(n)).toBe(541);
  });

  it('rounds up to a power of 1.05 (the formula of Desktop and Android)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 542, max: 2 ** 32 }), (n) => {
        const p = paddedSize(n);
        expect(p).toBeGreaterThanOrEqual(n);
        expect(p).toBeLessThanOrEqual(Math.ceil(n * 1.05));
        // a bucket is a fixed point: padding a padded size changes nothing
        expect(paddedSize(p)).toBe(p);
        const k = Math.ceil(Math.log(n) / Math.log(1.05));
        expect(p).toBe(Math.max(541, Math.floor(1.05 ** k)));
      }),
    );
  });

  it('is monotonic', () => {
    fc.assert(
      fc.property(fc.nat(1e9), fc.nat(1e6), (a, d) => {
        expect(paddedSize(a + d)).toBeGreaterThanOrEqual(paddedSize(a));
      }),
    );
  });

  it('rejects sizes that are not non-negative integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number]) {
      expect(() => paddedSize(bad)).toThrow(RangeError);
    }
  });
});

describe('ciphertextSize', () => {
  it('is 16 + 16*(floor(P/16)+1) + 32 (Desktop getAttachmentCiphertextLength)', () => {
    // P = 541: 541/16 = 33.8 -> 34 blocks of CBC output
    expect(ciphertextSize(0)).toBe(16 + 16 * 34 + 32);
    expect(cbcHmacSize(0)).toBe(64);
    expect(cbcHmacSize(15)).toBe(64);
    expect(cbcHmacSize(16)).toBe(80);
    fc.assert(
      fc.property(fc.nat(2 ** 31), (n) => {
        expect(ciphertextSize(n)).toBe(cbcHmacSize(paddedSize(n)));
      }),
    );
  });

  it('media-tier objects add one more layer without bucket padding', () => {
    expect(mediaTierCiphertextSize(0)).toBe(cbcHmacSize(592));
    expect(mediaTierCiphertextSize(0)).toBe(16 + 16 * 38 + 32);
  });
});
