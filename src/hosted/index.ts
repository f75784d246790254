/**
 * Hosted backups (Signal's backup service): the anonymous BackupAuthCredential and the XEdDSA
 * signatures of the backup-id key pair. Pure TypeScript on noble's ristretto255 and ed25519;
 * byte-compatible with libsignal-client.
 */

export {
  BACKUP_LEVEL_FREE,
  BACKUP_LEVEL_PAID,
  BackupAuthCredential,
  BackupAuthCredentialPresentation,
  BackupAuthCredentialRequestContext,
  type BackupCredentialType,
  type BackupLevel,
  BackupServerPublicParams,
  PRESENTATION_RANDOMNESS_LENGTH,
} from './credential.js';
export {
  XEDDSA_RANDOMNESS_LENGTH,
  XEDDSA_SIGNATURE_LENGTH,
  xeddsaSign,
  xeddsaSignWithRandom,
  xeddsaVerify,
} from './xeddsa.js';
export type {
  ArchiveAccountApi,
  ArchiveAnonymousApi,
  ArchiveApi,
  BackupInfo,
  CdnCredentials,
  CopyMediaItem,
  CopyMediaResult,
  IssuedCredential,
  IssuedCredentials,
  MediaPage,
  MediaToDelete,
  SignedPresentation,
  StoredMediaObject,
  UploadForm,
} from './api.js';

// REST over Signal's chat WebSocket (the transport; Node's HTTP/2 connector is in sbackup/node)
export type { ChatRequest, ChatResponse, ChatTransport } from './transport.js';
export {
  type ChatWebSocketOptions,
  type ConnectChatWebSocketOptions,
  chatTransportOverWebSocket,
  connectChatWebSocket,
  type WebSocketConstructor,
  type WebSocketLike,
} from './websocket.js';
export { RestArchiveApi, type RestArchiveApiOptions } from './rest.js';

// The client, uploads, CDN reads and the whole job
export { ArchiveClient, type ArchiveClientOptions, type RetryOptions } from './client.js';
export {
  type AbortSignalLike,
  type StreamedBody,
  type TusHttpStack,
  type TusUploadOptions,
  type TusUploadResult,
  tusUpload,
} from './upload.js';
export { type CdnFetch, type CdnObject, type CdnReadOptions, type CdnResponse, cdnBackupUrl, cdnRead } from './cdn.js';
export {
  type DefaultTransferOptions,
  defaultTransfer,
  type HostedBackupOptions,
  type HostedBackupProgress,
  type HostedBackupReport,
  type HostedMediaRequest,
  type HostedMediaSource,
  type HostedRestore,
  type HostedRestoreOptions,
  type HostedSpool,
  type RestoredMedium,
  type HostedTransfer,
  hostedBackup,
  hostedRestore,
  memorySpool,
} from './job.js';
export { SIGNAL_BACKUP_SERVER_PUBLIC_PARAMS } from './params.js';
