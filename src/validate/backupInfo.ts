/** BackupInfo, the header record (frame 0). Rules: libsignal backup.rs `PartialBackup::new`. */

import type { signal } from '../frames/generated/schema.js';
import { u64, type ValidationState } from './context.js';

/** Length of the media root backup key (backup.rs, `BackupKey` is 32 bytes). */
const MEDIA_ROOT_KEY_LENGTH = 32;

/** Checks the BackupInfo record and records the backup time for the expiration rules. */
export function checkBackupInfo(s: ValidationState, info: signal.backup.BackupInfo.$Properties): void {
  const key = info.mediaRootBackupKey;
  const n = key?.length ?? 0;
  if (n !== MEDIA_ROOT_KEY_LENGTH) {
    s.error('INVALID_MEDIA_ROOT_KEY', `mediaRootBackupKey must be ${MEDIA_ROOT_KEY_LENGTH} bytes, found ${n}`);
  }
  s.timestamp(info.backupTimeMs, 'BackupInfo.backupTimeMs');
  s.backupTimeMs = u64(info.backupTimeMs);
  if (u64(info.version) !== 1n)
    s.warn('UNUSUAL_VERSION', `BackupInfo.version is ${u64(info.version)}; Signal writes 1`);
}
