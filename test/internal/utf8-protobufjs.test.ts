import fc from 'fast-check';
import $protobuf from 'protobufjs/minimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import * as ours from '../../src/internal/protobufUtf8.js';

// The oracle: protobufjs's own util.utf8, which the browser build replaces with protobufUtf8.ts.
const theirs = $protobuf.util.utf8 as unknown as typeof ours;

const anyText = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  ),
  maxLength: 120,
});

/** Bytes around a range [start, end) that is ASCII, UTF-8, nearly UTF-8 or random. */
const ranges = fc
  .tuple(
    fc.oneof(
      anyText.map((t) => new TextEncoder().encode(t)),
      fc.uint8Array({ maxLength: 100 }),
      fc.uint8Array({ maxLength: 100 }).map((b) => b.map((x) => x & 0x7f)),
      fc.constant(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])),
    ),
    fc.uint8Array({ maxLength: 4 }),
    fc.uint8Array({ maxLength: 4 }),
  )
  .map(([body, before, after]) => {
    const buf = new Uint8Array(before.length + body.length + after.length);
    buf.set(before);
    buf.set(body, before.length);
    buf.set(after, before.length + body.length);
    return { buf, start: before.length, end: before.length + body.length };
  });

function outcome(f: () => string): string {
  try {
    return f();
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
    return 'throws';
  }
}

function expectSame({ buf, start, end }: { buf: Uint8Array; start: number; end: number }): void {
  expect(outcome(() => ours.read(buf, start, end))).toBe(outcome(() => theirs.read(buf, start, end)));
  expect(outcome(() => ours.readStrict(buf, start, end))).toBe(outcome(() => theirs.readStrict(buf, start, end)));
}

describe("protobufUtf8.ts (the browser build's protobufjs util.utf8)", () => {
  it("property: length and write give protobufjs's bytes (lone surrogates as raw code units)", () => {
    fc.assert(
      fc.property(anyText, fc.nat({ max: 5 }), (text, offset) => {
        const n = theirs.length(text);
        expect(ours.length(text)).toBe(n);
        const a = new Uint8Array(offset + n + 2);
        const b = new Uint8Array(offset + n + 2);
        expect(ours.write(text, a, offset)).toBe(theirs.write(text, b, offset));
        expect(a).toEqual(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: read and readStrict decode (or fail) as protobufjs', () => {
    fc.assert(
      fc.property(ranges, (r) => expectSame(r)),
      { numRuns: 3000 },
    );
  });

  describe('without a TextDecoder', () => {
    const saved = globalThis.TextDecoder;
    afterEach(() => {
      globalThis.TextDecoder = saved;
    });

    it('property: the same results as protobufjs with one', () => {
      const samples = fc.sample(ranges, 1500);
      const expected = samples.map(({ buf, start, end }) => [
        outcome(() => theirs.read(buf, start, end)),
        outcome(() => theirs.readStrict(buf, start, end)),
      ]);
      // A fresh copy of the module, so its decoders are looked up with the global gone.
      Reflect.deleteProperty(globalThis, 'TextDecoder');
      return import('../../src/internal/protobufUtf8.js?no-textdecoder' as string).then((fresh: typeof ours) => {
        const got = samples.map(({ buf, start, end }) => [
          outcome(() => fresh.read(buf, start, end)),
          outcome(() => fresh.readStrict(buf, start, end)),
        ]);
        expect(typeof (globalThis as { TextDecoder?: unknown }).TextDecoder).toBe('undefined');
        expect(got).toEqual(expected);
        expect(expected.some(([, strict]) => strict === 'throws')).toBe(true);
      });
    });
  });
});
