import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BackupErrorCode, type BackupErrorDetails, isBackupError } from '../../src/errors.js';
import {
  BackupStreamDecoder,
  BackupStreamEncoder,
  decodeBackup,
  decodeBackupStream,
  encodeBackup,
  encodeBackupStream,
  type Frame,
  FrameSplitter,
  frameToJson,
  splitBackupStream,
} from '../../src/frames/index.js';
import { concatBytes, fromHex } from '../../src/internal/bytes.js';
import { backupInfoArbitrary, frameArbitrary } from './arbitrary.js';

const info = { version: 1n, backupTimeMs: 1715636551000n, mediaRootBackupKey: new Uint8Array(32).fill(0xab) };
const frames: Frame[] = [
  { account: { profileKey: new Uint8Array(32).fill(1), givenName: 'Ann' } },
  { recipient: { id: 1n, self: {} } },
  { chat: { id: 1n, recipientId: 1n, muteUntilMs: (1n << 63n) - 1n } },
  { chatItem: { chatId: 1n, authorId: 1n, dateSent: 5n, standardMessage: { text: { body: 'x'.repeat(300) } } } },
];
const backup = encodeBackup({ backupInfo: info, frames });

function codeOf(f: () => unknown): { code?: BackupErrorCode; details?: BackupErrorDetails } {
  try {
    f();
  } catch (e) {
    if (isBackupError(e)) return { code: e.code, details: e.details };
    throw e;
  }
  return {};
}

function decodeChunked(bytes: Uint8Array, cuts: number[]) {
  const dec = new BackupStreamDecoder();
  const out = [];
  let prev = 0;
  for (const cut of [...cuts.filter((c) => c <= bytes.length).sort((a, b) => a - b), bytes.length]) {
    out.push(...dec.push(bytes.subarray(prev, cut)));
    prev = cut;
  }
  dec.finish();
  return out;
}

describe('frame stream: framing', () => {
  it('writes varint(len) BackupInfo then varint(len) Frame', () => {
    const enc = new BackupStreamEncoder();
    // BackupInfo { version: 1 } = 08 01, prefixed by its length 2.
    expect(enc.backupInfo({ version: 1n })).toEqual(fromHex('020801'));
    // Frame { recipient (2) { id (1) = 1, self (5) {} } } = 12 04 08 01 2a 00, length 6.
    expect(enc.frame({ recipient: { id: 1n, self: {} } })).toEqual(fromHex('06120408012a00'));
    expect(() => new BackupStreamEncoder().frame({})).toThrow();
  });

  it('one-shot decode gives back the frames', () => {
    const d = decodeBackup(backup);
    expect(d.backupInfo.backupTimeMs).toBe(1715636551000n);
    expect(d.frames.map(frameToJson)).toEqual(frames.map(frameToJson));
  });

  it('one byte at a time and random chunking give the same records', () => {
    const whole = decodeChunked(backup, []);
    const single = decodeChunked(
      backup,
      Array.from({ length: backup.length }, (_v, i) => i),
    );
    expect(single).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.nat(backup.length), { maxLength: 20 }), (cuts) => {
        expect(decodeChunked(backup, cuts)).toEqual(whole);
      }),
    );
  });

  it('generated backups round-trip through the encoder and any chunking', () => {
    fc.assert(
      fc.property(
        backupInfoArbitrary,
        fc.array(frameArbitrary, { maxLength: 5 }),
        fc.array(fc.nat(2000), { maxLength: 8 }),
        (bi, fs, cuts) => {
          const bytes = encodeBackup({ backupInfo: bi, frames: fs });
          const records = decodeChunked(bytes, cuts);
          expect(records.length).toBe(fs.length + 1);
          expect(encodeBackup(decodeBackup(bytes))).toEqual(bytes);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('records carry index, offset and size', () => {
    const raw = new FrameSplitter().push(backup);
    expect(raw[0]!.index).toBe(0);
    expect(raw[0]!.offset).toBe(0);
    expect(raw[1]!.offset).toBe(1 + raw[0]!.bytes.length);
    // the 300-byte text makes the last frame's prefix 2 bytes long
    const last = raw[raw.length - 1]!;
    expect(last.offset + 2 + last.bytes.length).toBe(backup.length);
  });
});

describe('frame stream: errors', () => {
  it('empty input is EMPTY_INPUT', () => {
    expect(codeOf(() => decodeBackup(new Uint8Array(0))).code).toBe('EMPTY_INPUT');
  });

  it('truncation inside a frame is TRUNCATED_FRAME with offset and frame index', () => {
    const raw = new FrameSplitter().push(backup);
    const cut = raw[2]!.offset + 3;
    const r = codeOf(() => decodeBackup(backup.subarray(0, cut)));
    expect(r.code).toBe('TRUNCATED_FRAME');
    expect(r.details).toMatchObject({ offset: raw[2]!.offset, frameIndex: 2 });
  });

  it('truncation inside a length prefix is TRUNCATED_FRAME', () => {
    expect(codeOf(() => decodeBackup(fromHex('020801ac'))).code).toBe('TRUNCATED_FRAME');
  });

  it('a length prefix over 5 bytes or above 2^32-1 is INVALID_VARINT', () => {
    expect(codeOf(() => decodeBackup(fromHex('ffffffffff01'))).code).toBe('INVALID_VARINT');
    expect(codeOf(() => decodeBackup(fromHex('ffffffff1f'))).code).toBe('INVALID_VARINT');
    // split across pushes
    const s = new FrameSplitter();
    s.push(fromHex('ffff'));
    expect(codeOf(() => s.push(fromHex('ffffff01'))).code).toBe('INVALID_VARINT');
  });

  it('maxVarintBytes and maxFrameBytes are enforced', () => {
    expect(codeOf(() => new FrameSplitter({ maxVarintBytes: 1 }).push(fromHex('8001'))).code).toBe('INVALID_VARINT');
    const r = codeOf(() => decodeBackup(backup, { maxFrameBytes: 100 }));
    expect(r.code).toBe('FRAME_TOO_LARGE');
    expect(r.details).toMatchObject({ frameIndex: 4 });
    expect(() => new FrameSplitter({ maxVarintBytes: 6 })).toThrow(RangeError);
    expect(() => new FrameSplitter({ maxFrameBytes: -1 })).toThrow(RangeError);
  });

  it('a frame that does not parse is INVALID_FRAME with its index', () => {
    const bad = concatBytes(fromHex('020801'), fromHex('0207ff'));
    const r = codeOf(() => decodeBackup(bad));
    expect(r.code).toBe('INVALID_FRAME');
    expect(r.details).toMatchObject({ offset: 3, frameIndex: 1 });
  });

  it('random bytes and random truncations give only typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeBackup(bytes);
        } catch (e) {
          expect(isBackupError(e)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.nat(backup.length - 1), (n) => {
        try {
          decodeBackup(backup.subarray(0, n));
        } catch (e) {
          expect(isBackupError(e)).toBe(true);
        }
      }),
    );
  });
});

describe('frame stream: async sources', () => {
  async function* chunks(bytes: Uint8Array, size: number) {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }

  it('decodes an async iterable and a ReadableStream', async () => {
    const fromIterable = [];
    for await (const r of decodeBackupStream(chunks(backup, 7))) fromIterable.push(r);
    expect(fromIterable.length).toBe(5);
    expect(fromIterable[0]!.type).toBe('backupInfo');

    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(backup.subarray(0, 10));
        controller.enqueue(backup.subarray(10));
        controller.close();
      },
    });
    const fromStream = [];
    for await (const r of splitBackupStream(stream)) fromStream.push(r.bytes.length);
    expect(fromStream.length).toBe(5);
  });

  it('encodes an async iterable of frames', async () => {
    async function* gen() {
      yield* frames;
    }
    const parts: Uint8Array[] = [];
    for await (const p of encodeBackupStream(info, gen())) parts.push(p);
    expect(concatBytes(...parts)).toEqual(backup);
  });

  it('rejects truncated async input', async () => {
    await expect(async () => {
      for await (const _r of decodeBackupStream(chunks(backup.subarray(0, backup.length - 1), 5))) {
        // drain
      }
    }).rejects.toMatchObject({ code: 'TRUNCATED_FRAME' });
  });
});
