/**
 * `sbackup/incremental`: incremental media (the upload / keep / delete planner, docs/incremental.md) and
 * the local backup folder in the layout of Signal's apps (docs/format.md §13), over a {@link BackupStorage}.
 * `sbackup/node` adds the folder on disk (`fsStorage`, `directoryMediaSource`).
 */

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
} from './plan.js';
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
  MAX_FOREIGN_REPORTED,
  type PruneResult,
  pruneLocalBackups,
} from './localFolder.js';
export { acquireFolderLock, type HeldLock, LOCK_NAME, type LockHolder } from './lock.js';
export {
  decodeFilesList,
  decodeLocalMetadata,
  encodeFilesList,
  encodeLocalMetadata,
  LOCAL_BACKUP_VERSION,
  parseSnapshotName,
  snapshotName,
  isLocalMediaName,
} from './localFormat.js';
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
} from './localRead.js';
export { forEachFilePointer, type MediaLocator, mediaTierReferences } from './references.js';
export {
  type BackupStorage,
  MemoryStorage,
  type StorageEntry,
  type StorageProcesses,
  temporaryName,
  temporaryTarget,
} from './storage.js';

// A read-only storage over Blobs (a browser's folder picker, the File System Access API)
export { BlobStorage } from './blobStorage.js';
