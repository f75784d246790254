/**
 * Finding a local backup folder on disk from the path a person gives (Node only), as Android's
 * restore accepts it: the `SignalBackups` folder itself, the folder the user chose on the phone
 * (its parent), any folder that looks like one, or one snapshot directory inside one.
 */

import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { BackupError } from '../errors.js';
import { parseSnapshotName } from '../incremental/localFormat.js';
import { errnoCode, fileError } from './errno.js';

/** Name of the folder Signal's apps create inside the folder the user chooses. */
const SIGNAL_BACKUPS = 'SignalBackups';

/** Where {@link findLocalBackup} found the backup. */
export interface LocalBackupLocation {
  /** The backup folder: the directory holding the `signal-backup-*` snapshot directories (and `files/`). */
  readonly root: string;
  /** The snapshot directory named by the path, when the path was one. */
  readonly snapshot?: string;
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw fileError(e, 'read', dir);
  }
}

/** True when `dir` holds at least one snapshot directory (`signal-backup-YYYY-MM-DD-HH-mm-ss/`). */
async function holdsSnapshots(dir: string): Promise<boolean> {
  return (await entries(dir)).some((e) => e.isDirectory() && parseSnapshotName(e.name) !== undefined);
}

/**
 * Finds the backup folder `path` names:
 * 1. a folder holding snapshot directories (`signal-backup-YYYY-MM-DD-HH-mm-ss/`, next to `files/`):
 *    the `SignalBackups` folder or one that looks like it;
 * 2. a folder holding such a `SignalBackups/` (the folder chosen on the phone);
 * 3. one snapshot directory: its parent is the backup folder, and `snapshot` names it.
 *
 * @throws {BackupError} `NOT_FOUND` when the path is a file, an empty folder, or a folder that
 *   is none of these (the message says what was looked for); `STORAGE_ERROR` when it cannot be read.
 * @throws the Node `ENOENT` error when nothing exists at `path`.
 */
export async function findLocalBackup(path: string): Promise<LocalBackupLocation> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw e;
    throw fileError(e, 'read', path);
  }
  if (!info.isDirectory()) {
    throw new BackupError('NOT_FOUND', `${path} is a file, not a backup folder (a SignalBackups folder)`);
  }
  if (await holdsSnapshots(path)) return { root: path };
  const inner = join(path, SIGNAL_BACKUPS);
  const innerInfo = await stat(inner).catch(() => undefined);
  if (innerInfo?.isDirectory()) {
    if (await holdsSnapshots(inner)) return { root: inner };
    throw new BackupError(
      'NOT_FOUND',
      `${inner} holds no snapshot (no signal-backup-YYYY-MM-DD-HH-mm-ss directory): the backup has not been made or copied yet`,
    );
  }
  const name = basename(resolve(path));
  if (parseSnapshotName(name) !== undefined) {
    return { root: dirname(resolve(path)), snapshot: name };
  }
  const empty = (await entries(path)).length === 0;
  throw new BackupError(
    'NOT_FOUND',
    `${path} ${empty ? 'is empty' : 'is not a Signal backup folder'}: looked for signal-backup-YYYY-MM-DD-HH-mm-ss snapshot directories in it or in a SignalBackups folder inside it, or for it being one snapshot directory`,
  );
}
