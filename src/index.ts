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
  isValidRecoveryKey,
  keyConstants,
  normalizeRecoveryKey,
  recoverForwardSecrecyToken,
} from './keys/index.js';

// Media: attachment format, names and ids, media tier, incremental MAC
export {
  type AttachmentInfo,
  AttachmentDecryptor,
  AttachmentEncryptor,
  type BlobLike,
  type ByteSource,
  cbcHmacSize,
  ciphertextSize,
  type DecryptAttachmentOptions,
  type DecryptAttachmentStreamOptions,
  type DecryptProgressiveOptions,
  type DecryptThumbnailOptions,
  decryptAttachment,
  decryptAttachmentProgressive,
  decryptAttachmentStream,
  decryptFromMediaTier,
  decryptFromMediaTierStream,
  decryptThumbnail,
  type EncryptAttachmentOptions,
  type EncryptAttachmentStreamOptions,
  type EncryptedAttachment,
  encryptAttachment,
  encryptAttachmentStream,
  encryptForMediaTier,
  encryptForMediaTierStream,
  encryptThumbnail,
  generateAttachmentKey,
  IncrementalMacDigester,
  IncrementalMacVerifier,
  incrementalMac,
  incrementalMacChunkSize,
  incrementalMacDigestSize,
  localBackupFileName,
  localBackupFilePath,
  type MediaTierKeys,
  type MediaTierOptions,
  mediaConstants,
  mediaIdToBase64Url,
  mediaName,
  mediaTierCiphertextSize,
  mediaTierKeys,
  paddedSize,
  type RereadableSource,
  splitAttachmentKey,
  thumbnailAttachmentKey,
  thumbnailMediaName,
  verifyIncrementalMac,
} from './media/index.js';

// Frames: schema codec (uint64 fields are bigint), frame stream, JSON forms, unknown fields
export {
  type AccountData,
  type AdHocCall,
  type BackupInfo,
  type BackupRecord,
  BackupStreamDecoder,
  BackupStreamEncoder,
  backupInfoFromJson,
  backupInfoToJson,
  backupToJsonLines,
  chatItemKind,
  type Chat,
  type ChatFolder,
  type ChatItem,
  type Contact,
  DEFAULT_MAX_FRAME_BYTES,
  type DecodedBackup,
  decodeBackup,
  decodeBackupInfo,
  decodeBackupStream,
  decodeFrame,
  encodeBackup,
  encodeBackupInfo,
  encodeBackupStream,
  encodeFrame,
  exportJsonLines,
  FRAME_KINDS,
  type FilePointer,
  type Frame,
  type FrameKind,
  FrameSplitter,
  type FrameStreamOptions,
  findUnknownBackupInfoFields,
  findUnknownFields,
  frameFromJson,
  frameKind,
  frameToJson,
  type Group,
  type JsonObject,
  type JsonValue,
  type NotificationProfile,
  parseJsonBackup,
  type RawMessage,
  type Recipient,
  type StandardMessage,
  type StickerPack,
  signal,
  splitBackupStream,
  svrb,
  type UnknownField,
} from './frames/index.js';

// API: backup schedule (issue 7)
export {
  type BackupFrequency,
  type BackupScheduleDecision,
  type BackupScheduleReason,
  type BackupScheduleSettings,
  type BackupScheduleState,
  type NetworkType,
  evaluateBackupSchedule,
} from './api/schedule.js';

// Policy: ephemeral-content exclusions (issue 7)
export {
  type BackupPurpose,
  type ExclusionAction,
  type ExclusionEntry,
  type ExclusionPolicyOptions,
  type ExclusionReason,
  type ExclusionReport,
  applyExclusions,
  DISAPPEARING_LIMIT_MS,
  ExclusionPolicy,
} from './policy/exclusions.js';

// API: BackupWriter / BackupReader and the synthetic account (issue 7)
export {
  type BackupContent,
  type BackupKeyInput,
  type BackupWriteProgress,
  type BackupWriteResult,
  BackupWriter,
  type BackupWriterOptions,
  type Records,
} from './api/writer.js';
export {
  type AttachmentNames,
  type RestoredBackup,
  type BackupReadKey,
  BackupReader,
  type BackupReaderOptions,
} from './api/reader.js';
export { type BackupMedia, forEachFilePointer } from './api/media.js';
export {
  type ExtendSyntheticOptions,
  extendSyntheticAccount,
  generateSyntheticAccount,
  type SyntheticAccount,
  type SyntheticAccountOptions,
  type SyntheticAttachment,
} from './api/synthetic.js';

// Incremental media: the upload / keep / delete planner (issue 6)
export {
  FREE_MEDIA_WINDOW_DAYS,
  MAX_OBJECT_BYTES,
  type MediaPlan,
  type MediaReference,
  type MediaTier,
  PAID_QUOTA_BYTES,
  type PlannedMedia,
  type PlanPolicy,
  type PlanTotals,
  planMedia,
  type ResolvedPlanPolicy,
  resolvePlanPolicy,
  type SkippedMedia,
  type SkipReason,
  type StoredObject,
  type StoreLayout,
  type UploadMedia,
} from './incremental/plan.js';

// Incremental media: storage and the local backup folder (issue 6)
export { type FaultOptions, type FaultyStorage, withFaults } from './incremental/faults.js';
export {
  type CreateLocalBackupOptions,
  type CreateLocalBackupResult,
  createLocalBackup,
  DEFAULT_KEEP_SNAPSHOTS,
  type LocalBackupKeyOptions,
  type LocalBackupKeys,
  type LocalBackupProgress,
  type LocalMediaRequest,
  type LocalMediaSource,
  localBackupKeys,
  type PruneResult,
  pruneLocalBackups,
} from './incremental/localFolder.js';
export {
  decodeFilesList,
  decodeLocalMetadata,
  encodeFilesList,
  encodeLocalMetadata,
  LOCAL_BACKUP_VERSION,
  parseSnapshotName,
  snapshotName,
} from './incremental/localFormat.js';
export {
  type LocalBackupProblem,
  type LocalBackupVerification,
  type LocalMediaEntry,
  type LocalSnapshotInfo,
  type LocalSnapshotOptions,
  listLocalBackups,
  type OpenedLocalSnapshot,
  openLocalSnapshot,
  type VerifyLocalBackupOptions,
  verifyLocalBackup,
} from './incremental/localRead.js';
export { type MediaLocator, mediaTierReferences } from './incremental/references.js';
export { type BackupStorage, MemoryStorage, type StorageEntry } from './incremental/storage.js';

// Encrypted backup file: writer, reader, sizing (issue 4) and the backends it runs on
export {
  BACKUP_IV_LENGTH,
  BACKUP_MAC_LENGTH,
  BACKUP_MAGIC,
  BACKUP_MIN_BODY_LENGTH,
  type BackupHeader,
  type BackupInspection,
  type BackupLayout,
  type BackupSource,
  type BackupTrailer,
  bucketedPaddedLength,
  DEFAULT_GZIP_LEVEL,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type EncryptBackupOptions,
  encryptBackup,
  encryptBackupToBytes,
  encryptBackupToStream,
  type FrameInput,
  flushInterval,
  headerBytesNeeded,
  inspectBackup,
  MAX_INTERVAL_BYTES,
  MIN_INTERVAL_BYTES,
  MINIMUM_BACKUP_BYTES,
  type NormalSource,
  type OpenBackupOptions,
  type OpenedBackup,
  openBackup,
  openBackupSinglePass,
  type PaddingScheme,
  paddingSigma,
  paddingSize,
  parseBackupHeader,
  type ReopenableSource,
  secureNormalSource,
  type UnauthenticatedBackup,
  type UnauthenticatedBytes,
} from './container/index.js';
export { defaultAsyncBackend, defaultBackend, setDefaultBackend } from './backends/auto.js';
export { pureBackend } from './backends/pure.js';
export type {
  BackendName,
  CbcStream,
  CompressionBackend,
  CryptoBackend,
  DeflateStream,
  Hasher,
  InflateStream,
  MaybePromise,
} from './backends/types.js';
export { hasWebCrypto, webCryptoBackend } from './backends/webcrypto.js';

// Validation: libsignal-client 0.103.0's semantic rules, and the comparable form
export {
  BackupValidator,
  comparableBackup,
  comparableString,
  type Finding,
  type UnknownFieldFinding,
  type ValidationResult,
  type ValidatorOptions,
  validateEncryptedBackup,
  validateFrames,
} from './validate/index.js';
