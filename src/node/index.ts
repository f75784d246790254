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
