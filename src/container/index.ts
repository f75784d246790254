/** The encrypted backup file: layout, sizing, writer, reader, sources. */

export {
  type BackupHeader,
  type BackupLayout,
  IV_LENGTH as BACKUP_IV_LENGTH,
  MAC_LENGTH as BACKUP_MAC_LENGTH,
  MAGIC as BACKUP_MAGIC,
  MIN_BODY_LENGTH as BACKUP_MIN_BODY_LENGTH,
  headerBytesNeeded,
  parseHeader as parseBackupHeader,
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
  encryptBackup,
  encryptBackupToBytes,
  encryptBackupToStream,
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
export type { BackupSource, ReopenableSource } from './sources.js';
export { type BackupInspection, inspectBackup } from './inspect.js';
