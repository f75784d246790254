/**
 * `sbackup/node`: what only Node can do. File sources and sinks, the node:crypto / node:zlib
 * backend, and the local backup folder on disk. Everything in the core entry works in Node too.
 */

export { nodeBackend } from './backend.js';

// Encrypted backup file (issue 4): files on disk as reader sources
export { fileSource } from './file.js';

// Incremental media (issue 6): the local backup folder on disk
export { type FsStorageOptions, fsStorage } from './fsStorage.js';
export { directoryMediaSource } from './mediaDirectory.js';

// Chats exported for people (HTML, JSON, JSON Lines) into a directory, with their media
export {
  type ExportFormat,
  type ExportMediaSource,
  type ExportSummary,
  type ExportToDirectoryOptions,
  exportToDirectory,
  type MediaBytes,
  type MissingMedium,
} from './export.js';

// A local backup folder found the way Signal Android finds one
export { findLocalBackup, type LocalBackupLocation } from './findBackup.js';
