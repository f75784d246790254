/** Frames: the backup schema codec, the frame stream and the JSON forms. */

export {
  type BackupInfo,
  chatItemKind,
  decodeBackupInfo,
  decodeFrame,
  decodeMetadataPb,
  encodeBackupInfo,
  encodeFrame,
  encodeMetadataPb,
  FRAME_KINDS,
  type Frame,
  type FrameKind,
  frameKind,
  type MetadataPb,
} from './codec.js';
export {
  backupInfoFromJson,
  backupInfoToJson,
  backupToJsonLines,
  exportJsonLines,
  frameFromJson,
  frameToJson,
  type JsonObject,
  type JsonValue,
  parseJsonBackup,
} from './json.js';
export type {
  AccountData,
  AdHocCall,
  Chat,
  ChatFolder,
  ChatItem,
  Contact,
  FilePointer,
  Group,
  NotificationProfile,
  Recipient,
  StandardMessage,
  StickerPack,
} from './schema.js';
export { signal, svrb } from './schema.js';
export {
  type BackupRecord,
  BackupStreamDecoder,
  BackupStreamEncoder,
  type ByteSource,
  DEFAULT_MAX_FRAME_BYTES,
  type DecodedBackup,
  decodeBackup,
  decodeBackupStream,
  encodeBackup,
  encodeBackupStream,
  FrameSplitter,
  type FrameStreamOptions,
  type RawMessage,
  splitBackupStream,
} from './stream.js';
export { findUnknownBackupInfoFields, findUnknownFields, type UnknownField } from './unknown.js';
