import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import {
  backupInfoFromJson,
  backupInfoToJson,
  backupToJsonLines,
  decodeBackup,
  encodeBackup,
  encodeFrame,
  exportJsonLines,
  frameFromJson,
  frameToJson,
  parseJsonBackup,
} from '../../src/frames/index.js';
import { backupInfoArbitrary, frameArbitrary } from './arbitrary.js';

describe('frames JSON (proto3 mapping)', () => {
  it('writes the forms libsignal writes', () => {
    // Lines 3 and 1 of libsignal rust/message-backup/tests/res/canonical-backup.takeout-export.expected.jsonl.
    expect(JSON.stringify(frameToJson({ recipient: { id: 1n, self: {} } }))).toBe('{"recipient":{"id":"1","self":{}}}');
    expect(
      JSON.stringify(
        backupInfoToJson({
          version: 1n,
          backupTimeMs: 1715636551000n,
          mediaRootBackupKey: new Uint8Array(32).fill(0xab),
        }),
      ),
    ).toBe(
      '{"version":"1","backupTimeMs":"1715636551000","mediaRootBackupKey":"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="}',
    );
  });

  it('enums by name, defaults omitted, explicit presence kept', () => {
    const json = frameToJson({
      account: {
        givenName: '',
        username: '',
        usernameLink: { color: 4 }, // OLIVE = 4 in UsernameLink.Color
        accountSettings: { readReceipts: false, phoneNumberSharingMode: 2 },
      },
    });
    // username is proto3 `optional` (kept even when empty); givenName is not.
    expect(json).toEqual({
      account: {
        username: '',
        usernameLink: { color: 'OLIVE' },
        accountSettings: { phoneNumberSharingMode: 'NOBODY' },
      },
    });
  });

  it('reads .jsonproto with comments, trailing commas and // inside strings', () => {
    const text = `// a comment
[
  { "version": "1", "backupTimeMs": "5", }, // BackupInfo
  /* block */ { "account": { "givenName": "a//b", "profileKey": "q6s/", } },
  { "recipient": { "id": 2, "self": {} } },
]`;
    const { backupInfo, frames } = parseJsonBackup(text);
    expect(backupInfo.backupTimeMs).toBe(5n);
    expect(frames[0]!.account!.givenName).toBe('a//b');
    expect(Array.from(frames[0]!.account!.profileKey!)).toEqual([0xab, 0xab, 0x3f]);
    expect(frames[1]!.recipient!.id).toBe(2n);
    expect(frames[1]!.recipient!.self).toEqual({});
  });

  it('accepts snake_case names and enum numbers', () => {
    const f = frameFromJson({ account: { given_name: 'x', username_link: { color: 3 } } });
    expect(f.account!.givenName).toBe('x');
    expect(f.account!.usernameLink!.color).toBe(3);
  });

  it('rejects bad JSON with INVALID_JSON naming the path and the frame index', () => {
    const cases: [string, RegExp][] = [
      ['{"version":"1"}\n{"chat":{"id":"-1"}}', /frame 1: Frame\.chat\.id/],
      ['{"version":"1"}\n{"chat":{"nope":1}}', /unknown field "nope"/],
      ['{"version":"1"}\n{"account":{"usernameLink":{"color":"PLAID"}}}', /PLAID/],
      ['{"version":"1"}\n{"account":{"profileKey":"***"}}', /base64/],
      ['{"version":"1"}\n{"chat":{}, "account":{}}', /oneof item/],
      ['{"version":"1"}\n{not json', /line 2/],
    ];
    for (const [text, re] of cases) {
      let caught: unknown;
      try {
        parseJsonBackup(text);
      } catch (e) {
        caught = e;
      }
      expect(isBackupError(caught, 'INVALID_JSON'), text).toBe(true);
      expect((caught as Error).message).toMatch(re);
    }
    expect(
      isBackupError(
        catchIt(() => parseJsonBackup('// only a comment\n')),
        'EMPTY_INPUT',
      ),
    ).toBe(true);
  });

  it('JSON -> binary -> JSON is the identity on our output (generated frames)', () => {
    fc.assert(
      fc.property(frameArbitrary, (frame) => {
        const json = frameToJson(frame);
        const text = JSON.stringify(json);
        const again = frameToJson(frameFromJson(JSON.parse(text)));
        expect(again).toEqual(json);
        expect(encodeFrame(frameFromJson(json))).toEqual(encodeFrame(frame));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(backupInfoArbitrary, (info) => {
        expect(backupInfoToJson(backupInfoFromJson(backupInfoToJson(info)))).toEqual(backupInfoToJson(info));
      }),
    );
  });

  it('JSONL export and import of a whole backup', async () => {
    const bytes = encodeBackup({
      backupInfo: { version: 1n },
      frames: [
        { recipient: { id: 1n, self: {} } },
        { chat: { id: 1n, recipientId: 1n, muteUntilMs: (1n << 63n) - 1n } },
      ],
    });
    const jsonl = backupToJsonLines(bytes);
    expect(jsonl.split('\n')).toEqual([
      '{"version":"1"}',
      '{"recipient":{"id":"1","self":{}}}',
      '{"chat":{"id":"1","recipientId":"1","muteUntilMs":"9223372036854775807"}}',
      '',
    ]);
    expect(encodeBackup(parseJsonBackup(jsonl))).toEqual(bytes);
    let streamed = '';
    for await (const line of exportJsonLines([bytes.subarray(0, 5), bytes.subarray(5)])) streamed += line;
    expect(streamed).toBe(jsonl);
    expect(decodeBackup(bytes).frames.length).toBe(2);
  });
});

function catchIt(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}
