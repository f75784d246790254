/** The hook `sbackup merge` needs in createLocalBackup: a snapshot named by a known backup id, without the ACI. */

import { describe, expect, it } from 'vitest';
import { BackupWriter } from '../../src/api/writer.js';
import { createLocalBackup, localBackupKeys } from '../../src/incremental/localFolder.js';
import { decodeLocalMetadata } from '../../src/incremental/localFormat.js';
import { verifyLocalBackup } from '../../src/incremental/localRead.js';
import { MemoryStorage } from '../../src/incremental/storage.js';
import { concatByteList } from '../../src/internal/bytes.js';
import { generateSyntheticAccount } from '../../src/testing/synthetic.js';
import { KEY } from './fixtures.js';

describe('createLocalBackup with backupId', () => {
  const acc = generateSyntheticAccount({ seed: 8, contacts: 2, groups: 0, messages: 10, attachments: 0 });
  const frames = async () => {
    const parts: Uint8Array[] = [];
    for await (const c of new BackupWriter({ purpose: 'remote', key: KEY }).plaintext(acc.backupContent()))
      parts.push(c);
    return concatByteList(parts);
  };
  const aciId = localBackupKeys({ key: { recoveryKey: acc.recoveryKey, aci: acc.aci } }).backupId!;

  it("writes the given id in the metadata, and the snapshot opens as the ACI's", async () => {
    const storage = new MemoryStorage();
    const r = await createLocalBackup(storage, {
      key: { recoveryKey: acc.recoveryKey },
      backupId: aciId,
      frames: await frames(),
      media: () => undefined,
    });
    const { localMetadataKey } = localBackupKeys({ key: { recoveryKey: acc.recoveryKey } });
    expect(decodeLocalMetadata(localMetadataKey, storage.files.get(`${r.snapshot}/metadata`)!)).toEqual(aciId);
    const v = await verifyLocalBackup(storage, { key: { recoveryKey: acc.recoveryKey, aci: acc.aci } });
    expect(v.problems).toEqual([]);
  });

  it('refuses an id that differs from the ACI, a malformed id, and neither', async () => {
    const common = { frames: await frames(), media: () => undefined };
    await expect(
      createLocalBackup(new MemoryStorage(), {
        ...common,
        key: { recoveryKey: acc.recoveryKey, aci: acc.aci },
        backupId: new Uint8Array(16).fill(1),
      }),
    ).rejects.toThrow(/differs/);
    await expect(
      createLocalBackup(new MemoryStorage(), {
        ...common,
        key: { recoveryKey: acc.recoveryKey },
        backupId: new Uint8Array(15),
      }),
    ).rejects.toThrow(TypeError);
    await expect(
      createLocalBackup(new MemoryStorage(), { ...common, key: { recoveryKey: acc.recoveryKey } }),
    ).rejects.toThrow(/backupId/);
  });
});
