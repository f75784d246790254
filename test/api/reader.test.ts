import { describe, expect, it } from 'vitest';
import { BackupReader } from '../../src/api/reader.js';
import { encryptBackup } from '../../src/container/writer.js';
import { encodeBackupInfo, encodeFrame } from '../../src/frames/codec.js';

const messageBackupKey = { hmacKey: new Uint8Array(32).fill(1), aesKey: new Uint8Array(32).fill(2) };
const pointer = { locatorInfo: { key: new Uint8Array(64).fill(3), plaintextHash: new Uint8Array(32).fill(4) } };

async function backupWithRootKey(mediaRootBackupKey: Uint8Array | undefined): Promise<Uint8Array> {
  const info = encodeBackupInfo({
    version: 1n,
    backupTimeMs: 1n,
    ...(mediaRootBackupKey === undefined ? {} : { mediaRootBackupKey }),
  });
  return encryptBackup(info, [encodeFrame({ account: { username: 'a' } })], { key: messageBackupKey });
}

describe('BackupReader.attachmentNames', () => {
  it('derives the names from a 32-byte mediaRootBackupKey', async () => {
    const reader = await BackupReader.open(await backupWithRootKey(new Uint8Array(32).fill(9)), {
      key: messageBackupKey,
    });
    const names = reader.attachmentNames(pointer)!;
    expect(names.mediaName).toBe('04'.repeat(32) + '03'.repeat(64));
    expect(names.mediaId).toHaveLength(15);
  });

  // The file authenticates, but what it holds is data, not an argument: a BackupError, not a RangeError.
  for (const [what, rootKey] of [
    ['missing', undefined],
    ['16 bytes', new Uint8Array(16)],
  ] as const) {
    it(`throws BackupError INVALID_BACKUP when the backup's mediaRootBackupKey is ${what}`, async () => {
      const reader = await BackupReader.open(await backupWithRootKey(rootKey), { key: messageBackupKey });
      expect(() => reader.attachmentNames(pointer)).toThrow(
        expect.objectContaining({ name: 'BackupError', code: 'INVALID_BACKUP' }),
      );
    });
  }
});
