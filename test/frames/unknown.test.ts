import { describe, expect, it } from 'vitest';
import {
  decodeBackupInfo,
  decodeFrame,
  encodeBackupInfo,
  encodeFrame,
  findUnknownBackupInfoFields,
  findUnknownFields,
  frameToJson,
} from '../../src/frames/index.js';
import { fromHex, toHex } from '../../src/internal/bytes.js';

// A Frame from a "future" schema, written by hand from the protobuf encoding rules. Unknown
// fields come after the known ones of the same message (as a newer writer emitting fields in
// number order would put them):
//   Frame.chatItem (4) {
//     chatId (1) = 1
//     standardMessage (11) {
//       text (2) { body (1) = "hi" }
//       attachments (3) { wasDownloaded (3) = true, [unknown 40 = len "ab"] }
//       [unknown 99 = varint 5]
//     }
//     [unknown 200 = i32 0x01020304]
//   }
//   [unknown 50 = i64 8 bytes]
/** Length-delimited field: tag byte(s) in hex, then the one-byte length of `body` (all bodies here are < 128 bytes). */
const len = (tag: string, body: string) => `${tag}${(body.length / 2).toString(16).padStart(2, '0')}${body}`;
const attachment = '1801' + 'c202' + '026162'; // field 3 varint 1; field 40 len 2 "ab"
const standardMessage = len('12', '0a026869') + len('1a', attachment) + '9806' + '05'; // ...; field 99 varint 5
const chatItem = '0801' + len('5a', standardMessage) + 'c50c' + '04030201';
const frameHex = len('22', chatItem) + '9103' + '0102030405060708';

describe('unknown fields', () => {
  it('a future frame survives decode -> encode byte for byte', () => {
    const frame = decodeFrame(fromHex(frameHex));
    expect(frame.chatItem!.standardMessage!.text!.body).toBe('hi');
    expect(toHex(encodeFrame(frame))).toBe(frameHex);
  });

  it('is reported with readable paths and wire types', () => {
    const report = findUnknownFields(decodeFrame(fromHex(frameHex))).map((u) => u.message);
    expect(report.sort()).toEqual(
      [
        'Frame: unknown field 50 (i64)',
        'Frame.chatItem: unknown field 200 (i32)',
        'Frame.chatItem.standardMessage: unknown field 99 (varint)',
        'Frame.chatItem.standardMessage.attachments[0]: unknown field 40 (len)',
      ].sort(),
    );
  });

  it('unknown enum numbers are kept and reported', () => {
    // Frame.account (1) { usernameLink (3) { color (3) = 99 } }
    const hex = '0a04' + '1a02' + '1863';
    const frame = decodeFrame(fromHex(hex));
    expect(toHex(encodeFrame(frame))).toBe(hex);
    const [u] = findUnknownFields(frame);
    expect(u).toMatchObject({ kind: 'enum', value: 99, path: 'Frame.account.usernameLink.color' });
  });

  it('BackupInfo unknown fields are kept and reported', () => {
    const hex = '0801' + '3801'; // version = 1, field 7 = 1
    const info = decodeBackupInfo(fromHex(hex));
    expect(toHex(encodeBackupInfo(info))).toBe(hex);
    expect(findUnknownBackupInfoFields(info).map((u) => u.message)).toEqual(['BackupInfo: unknown field 7 (varint)']);
  });

  it('a known frame reports nothing, and JSON leaves unknown fields out', () => {
    const known = decodeFrame(encodeFrame({ recipient: { id: 1n, self: {} } }));
    expect(findUnknownFields(known)).toEqual([]);
    expect(frameToJson(decodeFrame(fromHex(frameHex)))).toEqual({
      chatItem: { chatId: '1', standardMessage: { text: { body: 'hi' }, attachments: [{ wasDownloaded: true }] } },
    });
  });
});
