/**
 * Finding the backup folder in a list of picked files, by the rules `sbackup` uses on disk
 * (src/node/findBackup.ts): the picked folder holds snapshot directories (`SignalBackups` or one
 * that looks like it), or holds a `SignalBackups` folder (the folder chosen on the phone), or is
 * one snapshot directory. Paths start with the picked folder's name, as `webkitRelativePath` does.
 */

import { BackupError } from '../../src/errors.js';
import { parseSnapshotName } from '../../src/incremental/localFormat.js';
import type { PickedFile } from './protocol.js';

const SIGNAL_BACKUPS = 'SignalBackups';

/** Where the backup was found: its files named from the backup folder, and the snapshot named, if any. */
export interface FoundFolder {
  files: [string, File][];
  snapshot?: string;
  /** The folder picked, as the person sees it (for messages). */
  picked: string;
}

const isSnapshotDir = (segments: string[]) => segments.length >= 2 && parseSnapshotName(segments[0]!) !== undefined;

/** @throws {BackupError} `NOT_FOUND` when the files are none of the accepted shapes. */
export function findBackupFolder(picked: readonly PickedFile[]): FoundFolder {
  if (picked.length === 0) throw new BackupError('NOT_FOUND', 'the folder is empty');
  const split = picked.map((p) => ({ segments: p.path.split('/').filter((s) => s !== ''), file: p.file }));
  const top = split[0]!.segments[0] ?? '';
  const rel = split.map((s) => ({ segments: s.segments.slice(1), file: s.file }));
  if (rel.some((r) => isSnapshotDir(r.segments))) {
    return { files: rel.map((r) => [r.segments.join('/'), r.file]), picked: top };
  }
  const inner = rel
    .filter((r) => r.segments[0] === SIGNAL_BACKUPS)
    .map((r) => ({ segments: r.segments.slice(1), file: r.file }));
  if (inner.length > 0) {
    if (inner.some((r) => isSnapshotDir(r.segments))) {
      return { files: inner.map((r) => [r.segments.join('/'), r.file]), picked: `${top}/${SIGNAL_BACKUPS}` };
    }
    throw new BackupError(
      'NOT_FOUND',
      `${top}/${SIGNAL_BACKUPS} holds no snapshot (no signal-backup-YYYY-MM-DD-HH-mm-ss directory): the backup has not been made or copied yet`,
    );
  }
  if (parseSnapshotName(top) !== undefined) {
    return { files: split.map((s) => [s.segments.join('/'), s.file]), snapshot: top, picked: top };
  }
  throw new BackupError(
    'NOT_FOUND',
    `${top} is not a Signal backup folder: looked for signal-backup-YYYY-MM-DD-HH-mm-ss snapshot directories in it or in a SignalBackups folder inside it, or for it being one snapshot directory`,
  );
}
