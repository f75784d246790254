import { describe, expect, it } from 'vitest';
import { checkReceiptPresentation, MIN_PRESENTATION_LENGTH } from '../../src/validate/receipt.js';

const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => Number.parseInt(b, 16)));
// RFC 9496 appendix A.1: the ristretto255 generator and 2B; A.2: bad encodings (non-canonical
// field element, negative field element, and one that does not decode).
const B = hex('e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76');
const B2 = hex('6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919');
const IDENTITY = new Uint8Array(32);
const NON_CANONICAL = hex('00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff');
const NEGATIVE = hex('0100000000000000000000000000000000000000000000000000000000000000');
const NOT_ON_CURVE = hex('26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371');

/** reserved 0 | 5 points | u64 LE proof length | proof | expiration u64 | level u64 | serial[16] (zkgroup). */
function presentation(points: Uint8Array[], proof = 3, extra = 0, reserved = 0): Uint8Array {
  const out = new Uint8Array(1 + 160 + 8 + proof + 32 + extra);
  out[0] = reserved;
  for (const [i, p] of points.entries()) out.set(p, 1 + 32 * i);
  new DataView(out.buffer).setUint32(161, proof, true);
  return out;
}
const good = [B, B2, IDENTITY, B, B2];

describe('gift badge receipt credential presentation (structure)', () => {
  it('accepts valid points, any proof length, and reports no trailing bytes', () => {
    expect(checkReceiptPresentation(presentation(good))).toEqual({ trailing: 0 });
    expect(checkReceiptPresentation(presentation(good, 0))).toEqual({ trailing: 0 });
    expect(MIN_PRESENTATION_LENGTH).toBe(201);
  });

  it('accepts bytes after the last field but counts them (libsignal 0.103.0 accepts them)', () => {
    expect(checkReceiptPresentation(presentation(good, 3, 5))).toEqual({ trailing: 5 });
  });

  it('rejects a non-zero reserved byte', () => {
    expect(checkReceiptPresentation(presentation(good, 3, 0, 1)).problem).toMatch(/reserved/);
  });

  for (const [what, bad] of [
    ['non-canonical', NON_CANONICAL],
    ['negative', NEGATIVE],
    ['undecodable', NOT_ON_CURVE],
  ] as const) {
    it(`rejects a ${what} point encoding, naming the proof element`, () => {
      const pts = [...good];
      pts[2] = bad;
      expect(checkReceiptPresentation(presentation(pts)).problem).toMatch(/C_y1/);
    });
  }

  it('rejects a presentation shorter than its fixed parts or its proof length', () => {
    expect(checkReceiptPresentation(new Uint8Array(200)).problem).toMatch(/200 bytes/);
    const p = presentation(good, 10);
    expect(checkReceiptPresentation(p.subarray(0, p.length - 1)).problem).toMatch(/proof length/);
    const huge = presentation(good);
    new DataView(huge.buffer).setUint32(165, 1, true); // length >= 2^32
    expect(checkReceiptPresentation(huge).problem).toMatch(/proof length/);
  });
});
