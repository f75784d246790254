/**
 * sbackup: Signal's backup format for every JavaScript runtime.
 *
 * This file is the whole public surface of the core entry point, listed by name so it can be
 * reviewed in one place. Node-only additions live in `sbackup/node`.
 */

// Errors and randomness
export { BackupError, type BackupErrorCode, type BackupErrorDetails, isBackupError } from './errors.js';
export { type RandomSource, setRandomSource } from './random.js';

// Keys: recovery key, key hierarchy, forward secrecy
export {
  type Aci,
  type BackupIdKeyPair,
  type BackupMetadata,
  type CreateMetadataOptions,
  type MetadataPair,
  type PairSecrets,
  type SplitKey,
  type TokenEncryptionKey,
  assertRecoveryKey,
  createBackupMetadata,
  decodeBackupMetadata,
  decryptForwardSecrecyToken,
  deriveBackupId,
  deriveBackupIdKeyPair,
  deriveBackupKey,
  deriveForwardSecrecyEncryptionKey,
  deriveForwardSecrecyPassword,
  deriveLocalMetadataKey,
  deriveMediaEncryptionKey,
  deriveMediaId,
  deriveMessageBackupKey,
  deriveSvrKey,
  deriveThumbnailTransitKey,
  encodeBackupMetadata,
  encryptForwardSecrecyToken,
  formatRecoveryKey,
  generateMediaRootKey,
  generateRecoveryKey,
  hkdfSha256,
  isValidRecoveryKey,
  keyConstants,
  normalizeRecoveryKey,
  recoverForwardSecrecyToken,
} from './keys/index.js';
