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
  exportTakeoutToDirectory,
  exportToDirectory,
  type MediaBytes,
  type MissingMedium,
  type TakeoutToDirectoryOptions,
} from './export.js';

// A local backup folder found the way Signal Android finds one
export { findLocalBackup, type LocalBackupLocation } from './findBackup.js';

// Hosted backups: Signal's chat WebSocket (HTTP/2 extended CONNECT or HTTP/1.1) and the gRPC
// anonymous backup service
export { connectNodeChatWebSocket, type NodeChatWebSocketOptions, openNodeChatWebSocket } from './chatWebSocket.js';
export {
  type CopyMediaNumbering,
  GRPC_MEDIA_BATCH_LIMIT,
  GRPC_MOCK_SERVER_27_OPTIONS,
  GrpcArchiveApi,
  type GrpcArchiveOptions,
  type GrpcProbeOptions,
  type GrpcServerProbe,
  probeGrpc,
  probeGrpcServer,
} from './grpcArchive.js';

// `sbackup view`: the browser viewer's files served on 127.0.0.1 with its Content-Security-Policy
export { startViewServer, VIEWER_CSP, type ViewServer, type ViewServerOptions, viewerDirectory } from './viewServer.js';

// Hosted backups over Node's TLS (a private CA for a test server) and a spool file for uploads
export { type NodeTlsOptions, nodeCdnFetch, nodeTusHttpStack, type StreamingTusHttpStack } from './hostedHttp.js';
export { fileSpool } from './hostedSpool.js';
