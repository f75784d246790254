/**
 * A demo-like backup for the viewer's tests, screenshots and benchmark: a synthetic account
 * written as a local backup folder (`<dir>/SignalBackups`) and as a remote-style file with a
 * forward-secrecy token (`<dir>/remote-backup.bin`).
 */

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupWriter } from '../../src/api/writer.js';
import { createLocalBackup } from '../../src/incremental/localFolder.js';
import { toHex } from '../../src/internal/bytes.js';
import { fsStorage } from '../../src/node/fsStorage.js';
import {
  generateSyntheticAccount,
  type SyntheticAccount,
  type SyntheticAccountOptions,
} from '../../src/testing/index.js';

export interface ViewerFixture {
  account: SyntheticAccount;
  /** The SignalBackups folder. */
  folder: string;
  /** The remote-style backup file (undefined when not asked for). */
  file: string | undefined;
  /** The file's forward-secrecy token, hex. */
  fsToken: string;
}

/** The fixture's forward-secrecy token (public test data). */
const FS_TOKEN = new Uint8Array(32).map((_, i) => (i * 53 + 7) & 0xff);

export async function makeViewerFixture(
  dir: string,
  options: SyntheticAccountOptions & { remote?: boolean } = {},
): Promise<ViewerFixture> {
  const { remote = true, ...accountOptions } = options;
  const account = generateSyntheticAccount(accountOptions);
  const key = { recoveryKey: account.recoveryKey, aci: account.aci };
  const folder = join(dir, 'SignalBackups');
  await mkdir(folder, { recursive: true });
  const byHash = new Map(account.attachments.map((a) => [toHex(a.plaintextHash), a.plaintext]));
  const writer = new BackupWriter({ purpose: 'remote', key, mediaLayout: 'local' });
  await createLocalBackup(fsStorage(folder, { durable: false }), {
    key,
    frames: () => writer.plaintext(account.backupContent()),
    media: (request) => byHash.get(request.plaintextHashHex),
    now: Number(account.backupInfo.backupTimeMs),
  });
  let file: string | undefined;
  if (remote) {
    file = join(dir, 'remote-backup.bin');
    const out = createWriteStream(file);
    await new BackupWriter({ purpose: 'remote', key: { ...key, forwardSecrecyToken: FS_TOKEN } }).writeTo(
      account.backupContent(),
      async (chunk) => {
        if (!out.write(chunk)) await once(out, 'drain');
      },
    );
    out.end();
    await once(out, 'finish');
  }
  return { account, folder, file, fsToken: toHex(FS_TOKEN) };
}
