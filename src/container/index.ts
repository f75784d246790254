/** `sbackup/container`: the encrypted backup file (format §3): layout, sizing, writer, reader, sources. */

export {
  type BackupHeader,
  type BackupLayout,
  BACKUP_IV_LENGTH,
  BACKUP_MAC_LENGTH,
  BACKUP_MAGIC,
  BACKUP_MIN_BODY_LENGTH,
  headerBytesNeeded,
  parseBackupHeader,
} from './layout.js';
export {
  MAX_INTERVAL_BYTES,
  MIN_INTERVAL_BYTES,
  MINIMUM_BACKUP_BYTES,
  type NormalSource,
  bucketedPaddedLength,
  flushInterval,
  paddingSigma,
  paddingSize,
  secureNormalSource,
} from './sizing.js';
export {
  DEFAULT_GZIP_LEVEL,
  type EncryptBackupOptions,
  type FrameInput,
  type PaddingScheme,
  encryptBackupStream,
  encryptBackup,
} from './writer.js';
export {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type BackupTrailer,
  type OpenBackupOptions,
  type OpenedBackup,
  type UnauthenticatedBackup,
  type UnauthenticatedBytes,
  openBackup,
  openBackupSinglePass,
} from './reader.js';
export { type BackupInspection, inspectBackup } from './inspect.js';
