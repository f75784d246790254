/**
 * `sbackup/frames`: the backup schema codec (uint64 fields are bigint), the varint-delimited frame
 * stream, the JSON forms and unknown fields. The generated message classes are in `sbackup/schema`.
 */

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
  loneSurrogateIndex,
  MAX_MESSAGE_DEPTH,
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
export {
  type BackupRecord,
  BackupStreamDecoder,
  BackupStreamEncoder,
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
