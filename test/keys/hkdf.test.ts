import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/internal/bytes.js';
import { hkdfSha256 } from '../../src/keys/hkdf.js';

const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

// RFC 5869 appendix A, the SHA-256 cases (A.1-A.3).
describe('HKDF-SHA256 (RFC 5869 appendix A)', () => {
  it('A.1 basic test case', () => {
    const okm = hkdfSha256(new Uint8Array(22).fill(0x0b), range(0x00, 0x0c), range(0xf0, 0xf9), 42);
    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });
  it('A.2 longer inputs and outputs', () => {
    const okm = hkdfSha256(range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82);
    expect(toHex(okm)).toBe(
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
    );
  });
  it('A.3 zero-length salt and info', () => {
    const okm = hkdfSha256(new Uint8Array(22).fill(0x0b), new Uint8Array(0), new Uint8Array(0), 42);
    expect(toHex(okm)).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  });
  it('an absent salt equals 32 zero bytes', () => {
    const ikm = fromHex('00112233');
    expect(hkdfSha256(ikm, undefined, new Uint8Array(0), 32)).toEqual(
      hkdfSha256(ikm, new Uint8Array(32), new Uint8Array(0), 32),
    );
  });
  it('rejects bad arguments with TypeError / RangeError', () => {
    expect(() => hkdfSha256('x' as unknown as Uint8Array, undefined, new Uint8Array(0), 32)).toThrow(TypeError);
    expect(() => hkdfSha256(new Uint8Array(1), undefined, new Uint8Array(0), 0)).toThrow(RangeError);
    expect(() => hkdfSha256(new Uint8Array(1), undefined, new Uint8Array(0), 255 * 32 + 1)).toThrow(RangeError);
  });
});
