/** `sbackup/keys`: recovery key, key hierarchy, forward-secrecy token pairs and metadata (docs/format.md §1-§3). */

export * as keyConstants from './constants.js';
export { hkdfSha256 } from './hkdf.js';
export {
  assertRecoveryKey,
  formatRecoveryKey,
  generateRecoveryKey,
  isValidRecoveryKey,
  normalizeRecoveryKey,
} from './recoveryKey.js';
export { type BackupIdKeyPair, deriveBackupIdKeyPair } from './backupIdKeyPair.js';
export {
  type Aci,
  type SplitKey,
  deriveBackupId,
  deriveBackupKey,
  deriveLocalMetadataKey,
  deriveMediaEncryptionKey,
  deriveMediaId,
  deriveMessageBackupKey,
  deriveSvrKey,
  deriveThumbnailTransitKey,
  generateMediaRootKey,
} from './hierarchy.js';
export {
  type CreateMetadataOptions,
  type PairSecrets,
  type TokenEncryptionKey,
  createBackupMetadata,
  decryptForwardSecrecyToken,
  deriveForwardSecrecyEncryptionKey,
  deriveForwardSecrecyPassword,
  encryptForwardSecrecyToken,
  recoverForwardSecrecyToken,
} from './forwardSecrecy.js';
export { type BackupMetadata, type MetadataPair, decodeBackupMetadata, encodeBackupMetadata } from './metadata.js';
export {
  type BackupKeyInput,
  isRecoveryKeyInput,
  type MessageBackupKey,
  type RecoveryKeyInput,
  resolveMessageBackupKey,
} from './input.js';
