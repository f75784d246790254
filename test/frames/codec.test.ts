import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import {
  chatItemKind,
  decodeBackupInfo,
  decodeFrame,
  decodeMetadataPb,
  encodeBackupInfo,
  encodeFrame,
  encodeMetadataPb,
  type Frame,
  frameKind,
  frameToJson,
} from '../../src/frames/index.js';
import { fromHex, toHex } from '../../src/internal/bytes.js';
import { backupInfoArbitrary, frameArbitrary } from './arbitrary.js';

const MAX_INT64 = (1n << 63n) - 1n;

describe('frames codec: known wire bytes (protobuf encoding rules)', () => {
  // BackupInfo from libsignal's test cases: version=1 (field 1 varint), backupTimeMs=1715636551000
  // (field 2 varint), mediaRootBackupKey = 32 x 0xAB (field 3, length-delimited).
  const infoHex = `0801` + `10d8faa09ff731` + `1a20${'ab'.repeat(32)}`;

  it('decodes a BackupInfo written by hand', () => {
    const info = decodeBackupInfo(fromHex(infoHex));
    expect(info.version).toBe(1n);
    expect(info.backupTimeMs).toBe(1715636551000n);
    expect(toHex(info.mediaRootBackupKey!)).toBe('ab'.repeat(32));
    expect(toHex(encodeBackupInfo(info))).toBe(infoHex);
  });

  it('muteUntilMs = 2^63-1 round-trips exactly (field 6 of Chat, 9-byte varint)', () => {
    const frame: Frame = { chat: { id: 1n, recipientId: 2n, muteUntilMs: MAX_INT64 } };
    const bytes = encodeFrame(frame);
    // Frame.chat = field 3 (len 14): id=1, recipientId=2, muteUntilMs = ff ff ff ff ff ff ff ff 7f.
    expect(toHex(bytes)).toBe(`1a0e` + '0801' + '1002' + `30${'ff'.repeat(8)}7f`);
    const back = decodeFrame(bytes);
    expect(back.chat!.muteUntilMs).toBe(MAX_INT64);
    expect(typeof back.chat!.id).toBe('bigint');
  });

  it('2^64-1 is a 10-byte varint and decodes back', () => {
    const bytes = encodeFrame({ chat: { id: (1n << 64n) - 1n } });
    expect(toHex(bytes)).toBe(`1a0b08${'ff'.repeat(9)}01`);
    expect(decodeFrame(bytes).chat!.id).toBe((1n << 64n) - 1n);
  });

  it('absent 64-bit fields read as 0n, never as Long objects', () => {
    const info = decodeBackupInfo(new Uint8Array(0));
    expect(info.version).toBe(0n);
    expect(info.backupTimeMs).toBe(0n);
  });

  it('accepts safe integer numbers for 64-bit fields and rejects bad values by argument type', () => {
    expect(encodeFrame({ chat: { id: 300 as unknown as bigint } })).toEqual(encodeFrame({ chat: { id: 300n } }));
    expect(() => encodeFrame({ chat: { id: -1n } })).toThrow(RangeError);
    expect(() => encodeFrame({ chat: { id: 1n << 64n } })).toThrow(RangeError);
    expect(() => encodeFrame({ chat: { id: '5' as unknown as bigint } })).toThrow(TypeError);
    expect(() => decodeFrame('x' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('rejects bytes that are not a Frame with INVALID_FRAME', () => {
    for (const hex of ['0a', '1aff01', '07', '0a05ffff']) {
      let caught: unknown;
      try {
        decodeFrame(fromHex(hex));
      } catch (e) {
        caught = e;
      }
      expect(isBackupError(caught, 'INVALID_FRAME')).toBe(true);
    }
  });

  it('frameKind and chatItemKind name the oneof member that is set', () => {
    expect(frameKind({ recipient: { id: 1n, self: {} } })).toBe('recipient');
    expect(frameKind({})).toBeUndefined();
    expect(frameKind(decodeFrame(encodeFrame({ chatItem: { chatId: 1n, standardMessage: {} } })))).toBe('chatItem');
    expect(chatItemKind({ chatId: 1n, updateMessage: { simpleUpdate: { type: 1 } } })).toBe('updateMessage');
    expect(chatItemKind({ chatId: 1n })).toBeUndefined();
  });

  it('MetadataPb: pair (field 1) with ct (1) and pw_salt (2), iv (field 2)', () => {
    const bytes = encodeMetadataPb({ pair: [{ ct: fromHex('0102'), pwSalt: fromHex('03') }], iv: fromHex('04') });
    expect(toHex(bytes)).toBe('0a07' + '0a020102' + '120103' + '120104');
    expect(toHex(decodeMetadataPb(bytes).pair![0]!.pwSalt!)).toBe('03');
  });
});

describe('frames codec: properties over schema-generated frames', () => {
  it('encode -> decode -> encode is stable and JSON-equal', () => {
    fc.assert(
      fc.property(frameArbitrary, (frame) => {
        const bytes = encodeFrame(frame);
        const back = decodeFrame(bytes);
        expect(encodeFrame(back)).toEqual(bytes);
        expect(frameToJson(back)).toEqual(frameToJson(frame));
      }),
      { numRuns: 300 },
    );
  });

  it('BackupInfo round-trips', () => {
    fc.assert(
      fc.property(backupInfoArbitrary, (info) => {
        const bytes = encodeBackupInfo(info);
        expect(encodeBackupInfo(decodeBackupInfo(bytes))).toEqual(bytes);
      }),
    );
  });
});
