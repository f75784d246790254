/**
 * Local backup snapshots against the oracle: the `main` file of a snapshot made from Signal's own
 * test backups is accepted by libsignal-client's `validate()` under the MessageBackupKey that
 * libsignal derives itself from the recovery key and ACI (no forward-secrecy token), which is how
 * Signal's apps open local backups.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalBackup } from '../../src/incremental/localFolder.js';
import { listLocalBackups, verifyLocalBackup } from '../../src/incremental/localRead.js';
import { MemoryStorage } from '../../src/incremental/storage.js';
import { nodeBackend } from '../../src/node/backend.js';
import { BytesInputStream, INTEROP_DIR, libsignal } from './oracle.js';

const { MessageBackupKey, Purpose, validate } = libsignal.messageBackup;
const AEP = 'm'.repeat(64);
const ACI = '11111111-1111-1111-1111-111111111111';

describe('local snapshots open in libsignal', () => {
  const corpus = join(INTEROP_DIR, 'backup-tests');
  const files = readdirSync(corpus)
    .filter((f) => f.endsWith('.binproto'))
    .sort();
  const step = Number(process.env.SBACKUP_INCREMENTAL_STEP ?? 10);

  it(`snapshot main files validate under libsignal's own key (every ${step}th of ${files.length} corpus cases)`, async () => {
    const theirs = new MessageBackupKey({ accountEntropy: AEP, aci: libsignal.address.Aci.fromUuid(ACI) });
    let checked = 0;
    for (let i = 0; i < files.length; i += step) {
      const storage = new MemoryStorage();
      const frames = new Uint8Array(readFileSync(join(corpus, files[i]!)));
      // The corpus's pointers carry no localKey, so no media are needed.
      const r = await createLocalBackup(storage, {
        key: { recoveryKey: AEP, aci: ACI },
        frames,
        media: () => undefined,
        backend: nodeBackend,
        now: 1_750_000_000_000 + i * 1000,
      });
      expect(r.media).toBe(0);
      const main = storage.files.get(`${r.snapshot}/main`)!;
      const outcome = await validate(
        theirs,
        Purpose.RemoteBackup,
        () => new BytesInputStream(main),
        BigInt(main.length),
      );
      expect(outcome.errorMessage, files[i]).toBeNull();
      expect((await verifyLocalBackup(storage, { key: { recoveryKey: AEP, aci: ACI } })).ok).toBe(true);
      expect((await listLocalBackups(storage)).length).toBe(1);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});
