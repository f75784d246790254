export * as keyConstants from './constants.js';
export { hkdfSha256 } from './hkdf.js';
export {
  assertRecoveryKey,
  formatRecoveryKey,
  generateRecoveryKey,
  isValidRecoveryKey,
  normalizeRecoveryKey,
} from './recoveryKey.js';
export {
  type Aci,
  type BackupIdKeyPair,
  type SplitKey,
  deriveBackupId,
  deriveBackupIdKeyPair,
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
