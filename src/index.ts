/**
 * sbackup: Signal's backup format for every JavaScript runtime.
 *
 * The root entry holds what an app needs to write and read a backup: the recovery key, the key
 * input every call takes, `BackupWriter` and `BackupReader`, attachments, the media plan and
 * validation. Everything else is on a subpath named after its part of the format:
 * `sbackup/keys`, `sbackup/frames`, `sbackup/schema`, `sbackup/container`, `sbackup/media`,
 * `sbackup/incremental`, `sbackup/policy`, `sbackup/validate`, `sbackup/backends`,
 * `sbackup/node` (Node only) and `sbackup/testing`. This file is the whole root surface, listed
 * by name; `test/surface.node.test.ts` fails when it changes without the README.
 */

// Errors and randomness
export {
  type AnyBackupError,
  BackupError,
  type BackupErrorCode,
  type BackupErrorDetails,
  type BackupErrorDetailsMap,
  isBackupError,
} from './errors.js';
export { type RandomSource, setRandomSource } from './random.js';
export { setDefaultBackend } from './backends/auto.js';

// The recovery key, and the key every call takes
export {
  formatRecoveryKey,
  generateRecoveryKey,
  isValidRecoveryKey,
  normalizeRecoveryKey,
} from './keys/recoveryKey.js';
export { type Aci, deriveBackupKey } from './keys/hierarchy.js';
export type { BackupKeyInput, MessageBackupKey, RecoveryKeyInput } from './keys/input.js';

// Writing and reading a backup
export {
  type BackupContent,
  type BackupWriteProgress,
  type BackupWriteResult,
  BackupWriter,
  type BackupWriterOptions,
  type Records,
} from './api/writer.js';
export { type AttachmentNames, BackupReader, type BackupReaderOptions, type RestoredBackup } from './api/reader.js';
export type { BackupMedia } from './api/media.js';
export {
  type BlobLike,
  type ByteSource,
  type ReopenableSource,
  type RereadableSource,
  toReadableStream,
} from './internal/stream.js';
export type { BackupPurpose } from './policy/exclusions.js';

// The frames apps handle (the generated classes are in `sbackup/schema`)
export type { BackupInfo, Frame } from './frames/codec.js';
export type {
  AccountData,
  AdHocCall,
  Chat,
  ChatFolder,
  ChatItem,
  FilePointer,
  NotificationProfile,
  Recipient,
  StickerPack,
} from './frames/schema.js';

// Attachments
export {
  type DecryptAttachmentOptions,
  decryptAttachment,
  type EncryptAttachmentOptions,
  type EncryptedAttachment,
  encryptAttachment,
} from './media/attachment.js';

// The media plan (what to upload, keep and delete)
export { type MediaPlan, type PlanPolicy, planMedia, type StoredObject } from './incremental/plan.js';

// Validation
export { type ValidateBackupOptions, validateBackup } from './validate/backup.js';
export type { Finding } from './validate/context.js';
export type { ValidationResult } from './validate/validator.js';
