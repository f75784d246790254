import { describe, expect, it } from 'vitest';
import { encodeBackupInfo, encodeFrame, type Frame } from '../../src/frames/codec.js';
import { BackupValidator } from '../../src/validate/validator.js';

// 0xFF never occurs in UTF-8, 0xC0 0xAF is an overlong "/", 0xED 0xA0 0x80 encodes the surrogate
// U+D800 (RFC 3629, sections 3 and 10). libsignal refuses such frames ("Invalid UTF-8 sequence").
const info = encodeBackupInfo({
  version: 1n,
  backupTimeMs: 1_731_715_200_000n,
  mediaRootBackupKey: new Uint8Array(32),
});

/** Frame { account (1) { givenName (4): <bytes> } }, written by hand from the protobuf encoding. */
const accountWithName = (name: number[]) => Uint8Array.of(0x0a, name.length + 2, 0x22, name.length, ...name);

function validate(frames: (Uint8Array | Frame)[], backupInfo: Uint8Array = info) {
  const v = new BackupValidator();
  v.pushBackupInfo(backupInfo);
  for (const f of frames) v.push(f);
  return v.finish();
}

describe('strings that are not UTF-8', () => {
  it('accepts the same frame with valid UTF-8 (2-byte é)', () => {
    const r = validate([accountWithName([0x61, 0xc3, 0xa9])]);
    expect(r.errors.map((e) => e.code)).not.toContain('INVALID_UTF8');
    expect(r.errors.map((e) => e.code)).not.toContain('UNREADABLE_FRAME');
  });

  for (const [what, seq] of [
    ['byte 0xFF', [0x61, 0xff]],
    ['overlong "/"', [0xc0, 0xaf]],
    ['encoded surrogate', [0xed, 0xa0, 0x80]],
    ['truncated sequence', [0x61, 0xe2, 0x82]],
    ['stray continuation byte', [0x80, 0x61]],
  ] as const) {
    it(`rejects a frame whose string field holds a ${what}, naming the field and the frame`, () => {
      const r = validate([accountWithName([...seq])]);
      expect(r.ok).toBe(false);
      const e = r.errors.find((x) => x.code === 'INVALID_UTF8');
      expect(e).toBeDefined();
      expect(e!.frame).toBe(1);
      expect(e!.message).toContain('Frame.account.givenName');
    });
  }

  it('names a string deep inside a chat item and in a repeated field', () => {
    // Frame { chatItem (4) { standardMessage (11) { text (2) { body (1): "a" 0xFF } } } }
    const body = [0x0a, 0x02, 0x61, 0xff];
    const text = [0x12, body.length, ...body];
    const std = [0x5a, text.length, ...text];
    const frame = Uint8Array.of(0x22, std.length, ...std);
    const r = validate([frame]);
    expect(r.errors.find((x) => x.code === 'INVALID_UTF8')?.message).toContain(
      'Frame.chatItem.standardMessage.text.body',
    );
    // AccountData.accountSettings (9) .preferredReactionEmoji (8, repeated): second item bad.
    const settings = [0x42, 0x01, 0x61, 0x42, 0x01, 0xff];
    const account = [0x4a, settings.length, ...settings];
    const r2 = validate([Uint8Array.of(0x0a, account.length, ...account)]);
    expect(r2.errors.find((x) => x.code === 'INVALID_UTF8')?.message).toContain(
      'Frame.account.accountSettings.preferredReactionEmoji[1]',
    );
  });

  it('rejects a BackupInfo whose app version is not UTF-8', () => {
    // BackupInfo { version (1): 1, currentAppVersion (4): 0xFF }
    const r = validate([], Uint8Array.of(0x08, 0x01, 0x22, 0x01, 0xff));
    const e = r.errors.find((x) => x.code === 'INVALID_UTF8');
    expect(e?.frame).toBe(0);
    expect(e?.message).toContain('BackupInfo.currentAppVersion');
  });

  it('rejects a frame given as an object whose string holds a lone surrogate', () => {
    const frame: Frame = { account: { givenName: 'a\uD800b', profileKey: new Uint8Array(32) } };
    const r = validate([frame]);
    const e = r.errors.find((x) => x.code === 'INVALID_UTF8');
    expect(e?.message).toContain('Frame.account.givenName');
    // The encoder refuses it (it has no UTF-8 form); the bytes an encoder without that check wrote
    // (the surrogate's 3-byte form ed a0 80, here patched into U+0800's e0 a0 80) are not UTF-8.
    expect(() => encodeFrame(frame)).toThrow(/lone UTF-16 surrogate/);
    const bytes = encodeFrame({ account: { givenName: 'a\u0800b', profileKey: new Uint8Array(32) } });
    bytes[bytes.findIndex((b, i) => b === 0xe0 && bytes[i + 1] === 0xa0 && bytes[i + 2] === 0x80)] = 0xed;
    expect(validate([bytes]).errors.map((x) => x.code)).toContain('INVALID_UTF8');
    // A proper surrogate pair (U+1F600) is fine either way.
    const ok: Frame = { account: { givenName: '\uD83D\uDE00', profileKey: new Uint8Array(32) } };
    expect(validate([ok]).errors.map((x) => x.code)).not.toContain('INVALID_UTF8');
    expect(validate([encodeFrame(ok)]).errors.map((x) => x.code)).not.toContain('INVALID_UTF8');
  });
});
