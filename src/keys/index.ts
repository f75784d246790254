/** `sbackup/keys`: the recovery key, the key hierarchy (format §2), forward-secrecy token pairs and metadata. */

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
  type BackupMetadata,
  type CreateMetadataOptions,
  type MetadataPair,
  type PairSecrets,
  type TokenEncryptionKey,
  createBackupMetadata,
  decodeBackupMetadata,
  decryptForwardSecrecyToken,
  deriveForwardSecrecyEncryptionKey,
  deriveForwardSecrecyPassword,
  encodeBackupMetadata,
  encryptForwardSecrecyToken,
  recoverForwardSecrecyToken,
} from './forwardSecrecy.js';
export {
  type BackupKeyInput,
  isRecoveryKeyInput,
  type MessageBackupKey,
  type RecoveryKeyInput,
  resolveMessageBackupKey,
} from './input.js';
