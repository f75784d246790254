import { describe, expect, it } from 'vitest';
import { encodeBackupInfo, encodeFrame, type Frame } from '../../src/frames/codec.js';
import { encodeBackup } from '../../src/frames/stream.js';
import { comparableString } from '../../src/validate/comparable.js';
import type { Purpose } from '../../src/validate/context.js';
import { validateBackup } from '../../src/validate/backup.js';
import { BackupValidator } from '../../src/validate/validator.js';

// Rules: docs/format.md §8.3 and §14 (libsignal rust/message-backup/src/backup.rs and backup/*.rs); the
// BackupInfo of libsignal's own tests is from node/ts/test/MessageBackupTest.ts.
const DAY = 86_400_000n;
const BACKUP_TIME = 1_731_715_200_000n;
const info = { version: 1n, backupTimeMs: BACKUP_TIME, mediaRootBackupKey: new Uint8Array(32).fill(0xab) };
const account: Frame = {
  account: {
    profileKey: new Uint8Array(32).fill(1),
    accountSettings: {
      phoneNumberSharingMode: 1,
      defaultSentMediaQuality: 1,
      appTheme: 1,
      callsUseLessDataSetting: 1,
    },
  },
};
const self: Frame = { recipient: { id: 1n, self: {} } };
const alice: Frame = { recipient: { id: 2n, contact: { aci: new Uint8Array(16).fill(0x11), registered: {} } } };
const chat: Frame = { chat: { id: 1n, recipientId: 2n } };
const incoming = (extra: Record<string, unknown> = {}): Frame => ({
  chatItem: {
    chatId: 1n,
    authorId: 2n,
    dateSent: BACKUP_TIME - 1000n,
    incoming: { dateReceived: BACKUP_TIME - 900n },
    standardMessage: { text: { body: 'hello' } },
    ...extra,
  },
});

function run(frames: Frame[], purpose: Purpose = 'remote') {
  const v = new BackupValidator({ purpose });
  v.pushBackupInfo(encodeBackupInfo(info));
  for (const f of frames) v.push(encodeFrame(f));
  return v.finish();
}
const codes = (frames: Frame[], purpose?: Purpose) => run(frames, purpose).errors.map((e) => e.code);
const base = [account, self, alice, chat];

describe('BackupValidator', () => {
  it('accepts a minimal backup', () => {
    const r = run([...base, incoming()]);
    expect(r).toEqual({ ok: true, errors: [], warnings: [], unknownFields: [] });
  });

  it('accepts the BackupInfo from libsignal’s own tests', () => {
    const bytes = Uint8Array.from(atob('CAEQgOiTkrMyGiAAESIzRFVmd4iZqrvM3e7/ABEiM0RVZneImaq7zN3u/w=='), (c) =>
      c.charCodeAt(0),
    );
    const v = new BackupValidator();
    v.pushBackupInfo(bytes);
    expect(v.errors).toEqual([]);
  });

  it('requires exactly one AccountData and one Self recipient', () => {
    expect(codes([self, alice])).toEqual(['MISSING_ACCOUNT_DATA']);
    expect(codes([account, account, self])).toContain('MULTIPLE_ACCOUNT_DATA');
    expect(codes([account, alice])).toEqual(['MISSING_SELF_RECIPIENT']);
  });

  it('ties each finding to its frame and type', () => {
    const r = run([account, self, { chat: { id: 1n, recipientId: 9n } }]);
    expect(r.errors).toEqual([
      { code: 'UNKNOWN_RECIPIENT', frame: 3, frameType: 'chat', message: expect.stringContaining('recipient 9') },
    ]);
  });

  it('rejects empty frames, id 0, duplicate ids and forward references', () => {
    expect(codes([...base, {}])).toEqual(['EMPTY_FRAME']);
    expect(codes([...base, { recipient: { id: 0n, releaseNotes: {} } }])).toEqual(['INVALID_RECIPIENT_ID']);
    expect(codes([...base, { recipient: { id: 2n, releaseNotes: {} } }])).toEqual(['DUPLICATE_RECIPIENT_ID']);
    expect(codes([account, self, chat, alice])).toContain('UNKNOWN_RECIPIENT');
    expect(codes([account, self, alice, incoming()])).toEqual(['UNKNOWN_CHAT']);
  });

  it('checks key and id lengths', () => {
    const badAci: Frame = { recipient: { id: 3n, contact: { aci: new Uint8Array(15), registered: {} } } };
    expect(codes([...base, badAci])).toEqual(['INVALID_ACI']);
    const group: Frame = { recipient: { id: 3n, group: { masterKey: new Uint8Array(31), snapshot: {} } } };
    expect(codes([...base, group])).toEqual(['INVALID_MASTER_KEY']);
    expect(codes([...base, { stickerPack: { packId: new Uint8Array(15), packKey: new Uint8Array(32) } }])).toEqual([
      'INVALID_STICKER_PACK_ID',
    ]);
  });

  it('applies the disappearing-message rules per purpose', () => {
    const unstarted = (ms: bigint) => incoming({ expiresInMs: ms });
    expect(codes([...base, unstarted(DAY - 1n)], 'remote')).toEqual(['EXPIRATION_TOO_SHORT']);
    expect(codes([...base, unstarted(DAY)], 'remote')).toEqual([]);
    expect(codes([...base, unstarted(DAY - 1n)], 'transfer')).toEqual([]);
    expect(codes([...base, unstarted(DAY)], 'takeout')).toEqual(['EXPIRATION_NOT_ALLOWED_FOR_PURPOSE']);
    const started = incoming({ expiresInMs: DAY, expireStartDate: BACKUP_TIME - 1n });
    expect(codes([...base, started], 'remote')).toEqual(['EXPIRATION_TOO_SOON']);
    expect(codes([...base, started], 'transfer')).toEqual([]);
    expect(codes([...base, incoming({ expireStartDate: BACKUP_TIME })])).toEqual(['EXPIRATION_MISMATCH']);
  });

  it('rejects outgoing messages not authored by Self', () => {
    const item = incoming({ incoming: null, outgoing: { dateReceived: BACKUP_TIME } });
    expect(codes([...base, item])).toEqual(['OUTGOING_NOT_FROM_SELF']);
  });

  it('validates a byte stream in one call', async () => {
    const bytes = encodeBackup({ backupInfo: info, frames: [...base, incoming()] });
    expect((await validateBackup(bytes)).ok).toBe(true);
    const bad = encodeBackup({ backupInfo: info, frames: [self, alice] });
    expect((await validateBackup(bad)).ok).toBe(false);
  });
});

describe('comparableString', () => {
  it('ignores ids, recipient order and backup time, but not content', () => {
    const a = encodeBackup({ backupInfo: info, frames: [...base, incoming()] });
    const renumbered = encodeBackup({
      backupInfo: { ...info, backupTimeMs: BACKUP_TIME + 5n },
      frames: [
        account,
        { recipient: { id: 20n, contact: { aci: new Uint8Array(16).fill(0x11), registered: {} } } },
        { recipient: { id: 10n, self: {} } },
        { chat: { id: 7n, recipientId: 20n } },
        { chatItem: { ...incoming().chatItem, chatId: 7n, authorId: 20n } },
      ],
    });
    expect(comparableString(renumbered)).toBe(comparableString(a));
    const changed = encodeBackup({
      backupInfo: info,
      frames: [...base, incoming({ standardMessage: { text: { body: 'hellO' } } })],
    });
    expect(comparableString(changed)).not.toBe(comparableString(a));
  });
});
