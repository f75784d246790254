import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { fromUtf8, isUtf8 as bytesIsUtf8, resetUtf8CodecsForTests, utf8 } from '../../src/internal/bytes.js';
import { decodeUtf8, encodeUtf8, isUtf8, utf8Length, writeUtf8 } from '../../src/internal/utf8.js';

// The oracle: the runtime's own WHATWG codecs (Node's ICU, Chromium's).
const nativeEncoder = new TextEncoder();
const fatalDecoder = new TextDecoder('utf-8', { fatal: true });
const fatalKeepBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const looseDecoder = new TextDecoder('utf-8');
const looseKeepBom = new TextDecoder('utf-8', { ignoreBOM: true });

/** What the native decoder gives: the string, or 'throws' (it throws a TypeError). */
function native(decoder: TextDecoder, bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
    return 'throws';
  }
}

function ours(bytes: Uint8Array, options: Parameters<typeof decodeUtf8>[1]): string {
  try {
    return decodeUtf8(bytes, options);
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
    return 'throws';
  }
}

function expectSameDecoding(bytes: Uint8Array): void {
  expect(ours(bytes, {})).toBe(native(fatalDecoder, bytes));
  expect(ours(bytes, { keepBom: true })).toBe(native(fatalKeepBom, bytes));
  expect(ours(bytes, { fatal: false })).toBe(native(looseDecoder, bytes));
  expect(ours(bytes, { fatal: false, keepBom: true })).toBe(native(looseKeepBom, bytes));
  expect(isUtf8(bytes)).toBe(native(fatalKeepBom, bytes) !== 'throws');
}

/** Strings of any UTF-16 code units: lone surrogates, pairs, BMP and ASCII mixed. */
const anyText = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  ),
  maxLength: 200,
});

/** Byte strings near valid UTF-8: a valid encoding with a few bytes replaced, inserted or removed. */
const nearUtf8 = fc
  .tuple(anyText, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 }))))
  .map(([text, edits]) => {
    const bytes = [...nativeEncoder.encode(text)];
    for (const [at, value, kind] of edits) {
      const i = bytes.length === 0 ? 0 : at % bytes.length;
      if (kind === 0 && bytes.length > 0) bytes[i] = value;
      else if (kind === 1) bytes.splice(i, 0, value);
      else bytes.splice(i, 1);
    }
    return new Uint8Array(bytes);
  });

describe('encodeUtf8 (no TextEncoder needed)', () => {
  it('property: the same bytes as TextEncoder, lone surrogates as U+FFFD', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const expected = nativeEncoder.encode(text);
        expect(encodeUtf8(text)).toEqual(expected);
        expect(utf8Length(text)).toBe(expected.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes at an offset and returns the end', () => {
    const out = new Uint8Array(10).fill(0xaa);
    expect(writeUtf8('é€', out, 2)).toBe(7);
    expect([...out]).toEqual([0xaa, 0xaa, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xaa, 0xaa, 0xaa]);
  });

  it('lone and reversed surrogates, and a pair split by another character', () => {
    for (const text of ['\ud800', '\udc00', 'a\udbffb', '\udc00\ud800', '\ud83d\ud83d\ude00', '\ud83dx\ude00', '😀']) {
      expect([...encodeUtf8(text)], JSON.stringify(text)).toEqual([...nativeEncoder.encode(text)]);
    }
  });
});

describe('decodeUtf8 (no TextDecoder needed)', () => {
  it('property: random bytes decode (or fail) exactly as TextDecoder, fatal and not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => expectSameDecoding(bytes)),
      { numRuns: 3000 },
    );
  });

  it('property: nearly valid UTF-8 decodes (or fails) exactly as TextDecoder', () => {
    fc.assert(
      fc.property(nearUtf8, (bytes) => expectSameDecoding(bytes)),
      { numRuns: 3000 },
    );
  });

  it('property: every encoded string decodes back (lone surrogates as U+FFFD)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const bytes = nativeEncoder.encode(text);
        expect(decodeUtf8(bytes, { keepBom: true })).toBe(fatalKeepBom.decode(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('the boundaries of the Encoding Standard: overlong, surrogates, above U+10FFFF, truncated, stray', () => {
    const cases = [
      [0x7f],
      [0xc0, 0x80], // overlong NUL
      [0xc1, 0xbf],
      [0xc2, 0x80],
      [0xdf, 0xbf],
      [0xe0, 0x9f, 0xbf], // overlong
      [0xe0, 0xa0, 0x80],
      [0xed, 0x9f, 0xbf],
      [0xed, 0xa0, 0x80], // U+D800
      [0xed, 0xbf, 0xbf], // U+DFFF
      [0xee, 0x80, 0x80],
      [0xef, 0xbf, 0xbf],
      [0xf0, 0x8f, 0xbf, 0xbf], // overlong
      [0xf0, 0x90, 0x80, 0x80],
      [0xf4, 0x8f, 0xbf, 0xbf], // U+10FFFF
      [0xf4, 0x90, 0x80, 0x80], // U+110000
      [0xf5, 0x80, 0x80, 0x80],
      [0xff],
      [0x80],
      [0xbf, 0x41],
      [0xe2, 0x82], // truncated at the end
      [0xe2, 0x82, 0x41],
      [0xf0, 0x9f, 0x98],
      [0xf0, 0x9f, 0x41, 0x98, 0x80],
      [0x41, 0xc3],
      [0xef, 0xbb, 0xbf], // BOM only
      [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x41], // two BOMs: only the first is dropped
      [0x41, 0xef, 0xbb, 0xbf], // not leading: kept
      [0xef, 0xbb], // half a BOM
      [],
    ];
    for (const c of cases) expectSameDecoding(new Uint8Array(c));
  });

  it('rejects with a TypeError, as the fatal TextDecoder', () => {
    expect(() => decodeUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toThrow(TypeError);
    expect(() => decodeUtf8(new Uint8Array([0x61, 0x80]))).toThrow(TypeError);
  });

  it('decodes a range of a larger buffer', () => {
    const bytes = nativeEncoder.encode('xx€yy');
    expect(decodeUtf8(bytes, {}, 2, 5)).toBe('€');
    expect(() => decodeUtf8(bytes, {}, 2, 4)).toThrow(TypeError);
  });

  it('long inputs (beyond one batch of code units) decode as TextDecoder', () => {
    const text = 'aé€😀\u0800'.repeat(5000) + 'end';
    const bytes = nativeEncoder.encode(text);
    expect(decodeUtf8(bytes)).toBe(text);
    const broken = bytes.slice();
    broken[broken.length - 10] = 0xff;
    expect(ours(broken, { fatal: false })).toBe(native(looseDecoder, broken));
    expect(() => decodeUtf8(broken)).toThrow(TypeError);
  });
});

describe('bytes.ts utf8 / fromUtf8 without the runtime codecs', () => {
  const saved = { TextEncoder: globalThis.TextEncoder, TextDecoder: globalThis.TextDecoder };

  afterEach(() => {
    Object.assign(globalThis, saved);
    resetUtf8CodecsForTests();
  });

  function withoutCodecs(): void {
    // Removed as an engine without them would have it: the globals are absent, not broken.
    Reflect.deleteProperty(globalThis, 'TextEncoder');
    Reflect.deleteProperty(globalThis, 'TextDecoder');
    resetUtf8CodecsForTests();
    expect(typeof (globalThis as { TextDecoder?: unknown }).TextDecoder).toBe('undefined');
  }

  it('property: the same results as with them, and the same failures', () => {
    const samples = fc.sample(nearUtf8, 500);
    const texts = fc.sample(anyText, 500);
    const withNative = {
      decoded: samples.map((b) => native(fatalDecoder, b)),
      encoded: texts.map((t) => utf8(t)),
      valid: samples.map((b) => bytesIsUtf8(b)),
    };
    withoutCodecs();
    const decoded = samples.map((b) => {
      try {
        return fromUtf8(b);
      } catch (e) {
        expect(e).toBeInstanceOf(TypeError);
        return 'throws';
      }
    });
    expect(decoded).toEqual(withNative.decoded);
    expect(texts.map((t) => utf8(t))).toEqual(withNative.encoded);
    expect(samples.map((b) => bytesIsUtf8(b))).toEqual(withNative.valid);
    expect(withNative.valid).toEqual(withNative.decoded.map((d) => d !== 'throws'));
    expect(withNative.decoded).toContain('throws');
  });

  it('looks the codecs up again once they are back', () => {
    withoutCodecs();
    expect(fromUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]))).toBe('hi');
    Object.assign(globalThis, saved);
    resetUtf8CodecsForTests();
    expect(fromUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]))).toBe('hi');
  });
});
