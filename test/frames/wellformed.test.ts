/**
 * Only well-formed text is written (issue 13, case 3 and 6): a lone UTF-16 surrogate (an emoji cut
 * in half by string slicing) has no UTF-8 form, so the encoder and the JSON reader reject it with
 * a BackupError naming the field instead of writing bytes no decoder accepts; nesting deeper than
 * the codec's limit is a typed error, not a stack overflow or a plain Error.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import {
  decodeBackup,
  decodeFrame,
  encodeBackup,
  encodeBackupInfo,
  encodeFrame,
  parseJsonBackup,
} from '../../src/frames/index.js';
import { loneSurrogateIndex, MAX_MESSAGE_DEPTH } from '../../src/frames/codec.js';
import { BackupReader } from '../../src/api/reader.js';
import { BackupWriter } from '../../src/api/writer.js';
import type { ChatItem } from '../../src/frames/schema.js';
import { generateSyntheticAccount } from '../../src/testing/synthetic.js';

/** More runs of the property tests in the reliability suite (`SBACKUP_FUZZ_SCALE=10`). */
const SCALE = Math.max(
  1,
  Number((globalThis as { process?: { env?: Record<string, string> } }).process?.env?.SBACKUP_FUZZ_SCALE ?? 1) || 1,
);

/** Any sequence of UTF-16 code units, lone surrogates included (fast-check's strings are well-formed). */
const codeUnits = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.constant(0x61)), {
    maxLength: 12,
  })
  .map((a) => String.fromCharCode(...a));

/** Well-formed per the Unicode definition, checked independently of the code under test. */
function wellFormed(s: string): boolean {
  return new TextDecoder('utf-8', { fatal: true }).decode(new TextEncoder().encode(s)) === s;
}

function textFrame(body: string) {
  return { chatItem: { chatId: 1n, authorId: 1n, dateSent: 1n, standardMessage: { text: { body } } } };
}

describe('lone surrogates', () => {
  it('finds them, and only them', () => {
    expect(loneSurrogateIndex('Hi \ud83d')).toBe(3);
    expect(loneSurrogateIndex('\udc00')).toBe(0);
    expect(loneSurrogateIndex('a\ud83d\ude00b')).toBe(-1);
    expect(loneSurrogateIndex('\ud83d\ude00\ude00')).toBe(2);
    expect(loneSurrogateIndex('plain')).toBe(-1);
    fc.assert(fc.property(codeUnits, (s) => (loneSurrogateIndex(s) === -1) === wellFormed(s)));
  });

  it('encodeFrame rejects "Hi \\ud83d" naming the field (it used to write ed a0 80)', () => {
    let error: unknown;
    try {
      encodeFrame(textFrame('Hi \ud83d'));
    } catch (e) {
      error = e;
    }
    expect(isBackupError(error, 'INVALID_BACKUP')).toBe(true);
    expect((error as Error).message).toContain('Frame.chatItem.standardMessage.text.body');
    expect((error as { details: Record<string, unknown> }).details).toMatchObject({
      reason: 'lone-surrogate',
      index: 3,
    });
  });

  it('names repeated fields with their index and BackupInfo fields', () => {
    const revised = {
      chatItem: {
        chatId: 1n,
        authorId: 1n,
        dateSent: 2n,
        standardMessage: { text: { body: 'fine' } },
        revisions: [textFrame('ok').chatItem, textFrame('bad \udfff').chatItem],
      },
    };
    expect(() => encodeFrame(revised)).toThrow(/Frame\.chatItem\.revisions\[1\]\.standardMessage\.text\.body/);
    expect(() => encodeBackupInfo({ version: 1n, backupTimeMs: 1n, currentAppVersion: 'v\ud800' })).toThrow(
      /BackupInfo\.currentAppVersion/,
    );
  });

  it('encodeBackup (the stream encoder) rejects them too', () => {
    expect(() =>
      encodeBackup({ backupInfo: { version: 1n, backupTimeMs: 1n }, frames: [textFrame('\ud800')] }),
    ).toThrow(/lone UTF-16 surrogate/);
  });

  it('fuzz: the encoder either rejects a string with a typed error or writes one that decodes equal', () => {
    fc.assert(
      fc.property(codeUnits, (body) => {
        let bytes: Uint8Array;
        try {
          bytes = encodeFrame(textFrame(body));
        } catch (e) {
          expect(isBackupError(e, 'INVALID_BACKUP')).toBe(true);
          expect(wellFormed(body)).toBe(false);
          return;
        }
        expect(wellFormed(body)).toBe(true);
        expect(decodeFrame(bytes).chatItem?.standardMessage?.text?.body ?? '').toBe(body);
      }),
      { numRuns: 2000 * SCALE },
    );
  });

  it('BackupWriter: a chat item cut in half mid-emoji is INVALID_BACKUP (it used to write a backup that verified but never restored)', async () => {
    const acc = generateSyntheticAccount({ seed: 7, messages: 20, attachments: 0, contacts: 2, groups: 0 });
    const key = { recoveryKey: acc.recoveryKey, aci: acc.aci };
    const run = (body: string) => {
      const content = acc.backupContent();
      const items = [...(content.chatItems as Iterable<ChatItem>)];
      const i = items.findIndex((x) => x.standardMessage?.text != null);
      items[i] = { ...items[i]!, standardMessage: { ...items[i]!.standardMessage!, text: { body } } };
      return new BackupWriter({ purpose: 'remote', key }).writeToBytes({ ...content, chatItems: items });
    };
    await expect(run('Hi \ud83d')).rejects.toSatisfy(
      (e) =>
        isBackupError(e, 'INVALID_BACKUP') && (e as Error).message.includes('Frame.chatItem.standardMessage.text.body'),
    );
    // The whole emoji is fine, and reads back.
    const { bytes } = await run('Hi \ud83d\ude00');
    const reader = await BackupReader.open(bytes, { key });
    const bodies: string[] = [];
    for await (const f of reader.frames())
      if (f.chatItem?.standardMessage?.text?.body) bodies.push(f.chatItem.standardMessage.text.body);
    expect(bodies).toContain('Hi \ud83d\ude00');
  });

  it('frames from JSON: "a\\ud800b" is INVALID_JSON with the frame and the path', () => {
    const text = '[{"version":"1","backupTimeMs":"1"},{"account":{"username":"a\\ud800b"}}]';
    let error: unknown;
    try {
      parseJsonBackup(text);
    } catch (e) {
      error = e;
    }
    expect(isBackupError(error, 'INVALID_JSON')).toBe(true);
    expect((error as Error).message).toMatch(/^frame 1: Frame\.account\.username: .*lone UTF-16 surrogate/);
    expect((error as { details: { frameIndex?: number } }).details.frameIndex).toBe(1);
  });

  it('fuzz: the JSON reader either rejects with a typed error or gives a backup that restores equal', () => {
    fc.assert(
      fc.property(codeUnits, codeUnits, (username, body) => {
        const json = JSON.stringify([
          { version: '1', backupTimeMs: '1', currentAppVersion: username },
          { account: { username } },
          { chatItem: { chatId: '1', authorId: '1', dateSent: '1', standardMessage: { text: { body } } } },
        ]);
        let bytes: Uint8Array;
        try {
          bytes = encodeBackup(parseJsonBackup(json));
        } catch (e) {
          expect(isBackupError(e, 'INVALID_JSON')).toBe(true);
          expect(wellFormed(username) && wellFormed(body)).toBe(false);
          return;
        }
        const back = decodeBackup(bytes);
        expect(back.backupInfo.currentAppVersion ?? '').toBe(username);
        expect(back.frames[0]!.account?.username ?? '').toBe(username);
        expect(back.frames[1]!.chatItem?.standardMessage?.text?.body ?? '').toBe(body);
      }),
      { numRuns: 1000 * SCALE },
    );
  });
});

describe('deep nesting', () => {
  function nested(depth: number): string {
    let item = '{"chatId":"1","authorId":"1","dateSent":"1"}';
    for (let i = 0; i < depth; i++) item = `{"chatId":"1","authorId":"1","dateSent":"1","revisions":[${item}]}`;
    return `[{"version":"1","backupTimeMs":"1"},{"chatItem":${item}}]`;
  }

  it.each([200, 5000, 20_000])('JSON nested %i deep is INVALID_JSON naming the limit (no RangeError)', (depth) => {
    let error: unknown;
    try {
      parseJsonBackup(nested(depth));
    } catch (e) {
      error = e;
    }
    expect(isBackupError(error, 'INVALID_JSON')).toBe(true);
    expect((error as Error).message).toContain(`deeper than ${MAX_MESSAGE_DEPTH} levels`);
  });

  it('what the JSON reader accepts, the encoder writes and the decoder reads', () => {
    // Frame (0) > chatItem (1) > revisions (2) ...: the deepest chain the codec handles.
    const backup = parseJsonBackup(nested(MAX_MESSAGE_DEPTH - 1));
    const bytes = encodeBackup(backup);
    expect(decodeBackup(bytes).frames).toHaveLength(1);
  });

  it('an in-memory message nested too deep is INVALID_FRAME from the encoder, not a plain Error', () => {
    let item: Record<string, unknown> = { chatId: 1n };
    for (let i = 0; i < 150; i++) item = { chatId: 1n, revisions: [item] };
    let error: unknown;
    try {
      encodeFrame({ chatItem: item });
    } catch (e) {
      error = e;
    }
    expect(isBackupError(error, 'INVALID_FRAME')).toBe(true);
    expect((error as Error).message).toContain(`deeper than ${MAX_MESSAGE_DEPTH} levels`);
  });

  it('values nested thousands deep inside a scalar field are described, not stringified', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    expect(() => parseJsonBackup(`[{"version":"1"},{"account":{"username":${deep}}}]`)).toThrow(
      /Frame\.account\.username: expected a string, got an array/,
    );
  });
});
