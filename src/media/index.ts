/** `sbackup/media`: the attachment format, names and ids, the media tier, and the incremental MAC. */

export {
  type AttachmentInfo,
  AttachmentDecryptor,
  AttachmentEncryptor,
  type DecryptAttachmentOptions,
  type DecryptAttachmentStreamOptions,
  type DecryptProgressiveOptions,
  decryptAttachment,
  decryptAttachmentProgressive,
  decryptAttachmentStream,
  type EncryptAttachmentOptions,
  type EncryptAttachmentStreamOptions,
  type EncryptedAttachment,
  encryptAttachment,
  encryptAttachmentStream,
  generateAttachmentKey,
  splitAttachmentKey,
} from './attachment.js';
export * as mediaConstants from './constants.js';
export {
  IncrementalMacDigester,
  IncrementalMacVerifier,
  incrementalMac,
  incrementalMacChunkSize,
  incrementalMacDigestSize,
  verifyIncrementalMac,
} from './incrementalMac.js';
export {
  localBackupFileName,
  localBackupFilePath,
  type MediaTierKeys,
  mediaIdToBase64Url,
  mediaName,
  mediaTierKeys,
  thumbnailMediaName,
} from './names.js';
export { cbcHmacSize, ciphertextSize, mediaTierCiphertextSize, paddedSize } from './padding.js';
export {
  type DecryptThumbnailOptions,
  decryptFromMediaTier,
  decryptFromMediaTierStream,
  decryptThumbnail,
  encryptForMediaTier,
  encryptForMediaTierStream,
  encryptThumbnail,
  type MediaTierOptions,
  thumbnailAttachmentKey,
} from './tier.js';
