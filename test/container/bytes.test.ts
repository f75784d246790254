/**
 * The byte-copy path of the reader (`openBackupBytes`, used by `sbackup decrypt`): its output is
 * exactly the messages `openBackup` gives, each after its shortest length prefix, and a damaged
 * file fails with the same error (code, message, frame index) on both paths. FrameScanner, which
 * checks the framing on that path, is compared with ChunkSplitter under every chunking.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import { ChunkSplitter, FrameScanner } from '../../src/container/framing.js';
import { openBackupBytes } from '../../src/container/reader.js';
import { encryptBackup } from '../../src/container/writer.js';
import { concatByteList } from '../../src/internal/bytes.js';
import { encodeVarint } from '../../src/internal/wire.js';
import { joinDelimited } from '../helpers/delimited.js';
import { chunked, delimited, gz, handBuilt, INFO, KEY, OTHER_KEY, readAll, sampleFrames } from './helpers.js';

type Outcome = { chunks?: number; released?: number } & (
  | { ok: true; bytes: Uint8Array }
  | { ok: false; code: string; message: string; details: unknown }
);

function failure(e: unknown): Extract<Outcome, { ok: false }> {
  if (!isBackupError(e)) throw e;
  return { ok: false, code: e.code, message: e.message, details: e.details };
}

/** The frame path: every message openBackup releases, joined with shortest prefixes. */
async function viaMessages(source: Parameters<typeof readAll>[0], maxFrameBytes?: number): Promise<Outcome> {
  const r = await readAll(source, { key: KEY, ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }) });
  return r.ok ? { ok: true, bytes: joinDelimited(r.seen) } : failure(r.error);
}

/** The byte path. */
async function viaBytes(source: Parameters<typeof readAll>[0], maxFrameBytes?: number, key = KEY): Promise<Outcome> {
  const parts: Uint8Array[] = [];
  try {
    const b = await openBackupBytes(source, { key, ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }) });
    for await (const c of b.bytes) parts.push(c.slice());
    expect(b.trailer, 'the trailer is known at the end').toBeDefined();
    return { ok: true, bytes: concatByteList(parts), chunks: parts.length };
  } catch (e) {
    return { ...failure(e), released: parts.length };
  }
}

/** Splits `plaintext` at `cuts` and runs it through both splitters. */
function bothSplitters(plaintext: Uint8Array, cuts: number[], max: number): [Outcome, Outcome] {
  const points = [...new Set(cuts.map((c) => c % (plaintext.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, plaintext.length]) {
    chunks.push(plaintext.slice(at, p));
    at = p;
  }
  const run = (f: () => Uint8Array): Outcome => {
    try {
      return { ok: true, bytes: f() };
    } catch (e) {
      return failure(e);
    }
  };
  const messages = run(() => {
    const s = new ChunkSplitter(max);
    const out: Uint8Array[] = [];
    for (const c of chunks) for (const m of s.push(c)) out.push(m.slice());
    s.finish();
    return joinDelimited(out);
  });
  const bytes = run(() => {
    const s = new FrameScanner(max);
    const out: Uint8Array[] = [];
    for (const c of chunks) {
      const pieces: Uint8Array[] = [];
      s.scan(c, pieces);
      for (const p of pieces) out.push(p.slice());
    }
    s.finish();
    return concatByteList(out);
  });
  return [messages, bytes];
}

/** A varint written with `extra` needless continuation bytes (a valid, non-minimal encoding). */
function longVarint(value: number, extra: number): Uint8Array {
  const short = encodeVarint(value);
  if (extra === 0) return short;
  const out = new Uint8Array(short.length + extra);
  out.set(short);
  for (let i = 0; i < short.length + extra - 1; i++) out[i]! |= 0x80;
  return out;
}

describe('FrameScanner', () => {
  it('gives the bytes ChunkSplitter gives, re-prefixed, and the same errors, under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ body: fc.uint8Array({ maxLength: 300 }), extra: fc.constantFrom(0, 0, 0, 1, 3) }), {
          maxLength: 30,
        }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.constantFrom(1 << 24, 100, 0),
        fc.option(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) })),
        fc.option(fc.nat()),
        (messages, cuts, max, flip, cut) => {
          let plaintext = concatByteList(messages.flatMap((m) => [longVarint(m.body.length, m.extra), m.body]));
          if (flip !== null && plaintext.length > 0) {
            plaintext = plaintext.slice();
            plaintext[flip.at % plaintext.length] = flip.byte;
          }
          if (cut !== null) plaintext = plaintext.subarray(0, cut % (plaintext.length + 1));
          const [a, b] = bothSplitters(plaintext, cuts, max);
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('hands chunks out as views when every prefix is minimal (no copy)', () => {
    const plaintext = delimited(INFO, sampleFrames(20));
    const s = new FrameScanner(1 << 24);
    const out: Uint8Array[] = [];
    s.scan(plaintext, out);
    s.finish();
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(plaintext);
    expect(s.count).toBe(1 + sampleFrames(20).length);
  });

  it('writes a non-minimal length prefix in its shortest form', () => {
    const plaintext = concatByteList([longVarint(INFO.length, 2), INFO, longVarint(0, 4)]);
    const [a, b] = bothSplitters(plaintext, [1, 2, 3, 4, 12], 1 << 24);
    expect(b).toEqual({ ok: true, bytes: concatByteList([encodeVarint(INFO.length), INFO, Uint8Array.of(0)]) });
    expect(b).toEqual(a);
  });
});

describe('openBackupBytes (the byte-copy path of decrypt)', () => {
  it('gives the delimited messages openBackup gives, from files our writer made', async () => {
    const frames = [...sampleFrames(200), new Uint8Array(0), new Uint8Array(70000).fill(7), ...sampleFrames(5)];
    const file = await encryptBackup(INFO, frames, { key: KEY });
    for (const source of [file, chunked(file, 13), chunked(file, 4099)]) {
      const a = await viaBytes(source);
      expect(a.ok && a.bytes).toEqual(delimited(INFO, frames));
      expect(await viaMessages(source)).toEqual({ ok: true, bytes: (a as { bytes: Uint8Array }).bytes });
    }
  });

  it('hands out large chunks, not one message at a time', async () => {
    const frames = sampleFrames(3000);
    const r = await viaBytes(await encryptBackup(INFO, frames, { key: KEY }));
    expect(r.ok).toBe(true);
    expect(r.chunks).toBeLessThan(frames.length / 50);
  });

  it('re-encodes non-minimal length prefixes as the frame path writes them', async () => {
    const plaintext = concatByteList([longVarint(INFO.length, 1), INFO, longVarint(3, 2), Uint8Array.of(1, 2, 3)]);
    const file = handBuilt(gz(plaintext), KEY);
    const a = await viaBytes(file);
    expect(a).toEqual({
      ok: true,
      bytes: concatByteList([encodeVarint(INFO.length), INFO, Uint8Array.of(3, 1, 2, 3)]),
      chunks: a.chunks,
    });
    expect(await viaMessages(file)).toEqual({ ok: true, bytes: (a as { bytes: Uint8Array }).bytes });
  });

  it('releases nothing when the MAC does not verify', async () => {
    const file = await encryptBackup(INFO, sampleFrames(), { key: KEY });
    const r = await viaBytes(file, undefined, OTHER_KEY);
    expect(r).toMatchObject({ ok: false, code: 'MAC_MISMATCH', released: 0 });
  });

  const good = delimited(INFO, sampleFrames(3));
  const damaged: [string, () => Promise<Uint8Array>, number?][] = [
    ['a frame above maxFrameBytes', async () => handBuilt(gz(good), KEY), 20],
    ['a stream cut inside a frame', async () => handBuilt(gz(good.subarray(0, good.length - 3)), KEY)],
    [
      'a stream cut inside a length prefix',
      async () => handBuilt(gz(concatByteList([good, Uint8Array.of(0x80)])), KEY),
    ],
    [
      'a length prefix of six bytes',
      async () => handBuilt(gz(concatByteList([good, Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)])), KEY),
    ],
    [
      'a length prefix above 2^32-1',
      async () => handBuilt(gz(concatByteList([good, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)])), KEY),
    ],
    ['no message at all', async () => handBuilt(gz(new Uint8Array(0)), KEY)],
    ['no gzip member', async () => handBuilt(good, KEY)],
    ['a gzip member cut short', async () => handBuilt(gz(good).subarray(0, 40), KEY)],
    [
      'a wrong CRC-32',
      async () => {
        const g = gz(good).slice();
        g[g.length - 8]! ^= 1;
        return handBuilt(g, KEY);
      },
    ],
    [
      'bad PKCS#7 padding',
      async () => handBuilt(concatByteList([gz(good), new Uint8Array(16 - (gz(good).length % 16))]), KEY, false),
    ],
    [
      'a flipped ciphertext byte',
      async () => {
        const f = (await encryptBackup(INFO, sampleFrames(), { key: KEY })).slice();
        f[100]! ^= 4;
        return f;
      },
    ],
    ['a truncated file', async () => (await encryptBackup(INFO, sampleFrames(), { key: KEY })).subarray(0, 200)],
    ['an empty file', async () => new Uint8Array(0)],
  ];
  for (const [name, make, limit] of damaged) {
    it(`fails like the frame path on ${name}`, async () => {
      const file = await make();
      const a = await viaMessages(file, limit);
      const { released: _, ...b } = (await viaBytes(file, limit)) as Outcome & { released?: number };
      expect(a.ok, 'the damage is detected').toBe(false);
      expect(b).toEqual(a);
    });
  }
});
