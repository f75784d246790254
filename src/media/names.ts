/**
 * How media is named and found: the media name (hex of plaintextHash || attachment key), the
 * media id on the backup media tier (derived from the media root key), and the file name of an
 * attachment in a local backup folder.
 */

import { defaultBackend } from '../backends/auto.js';
import type { CryptoBackend } from '../backends/types.js';
import { assertBytes, assertString, toBase64, toHex } from '../internal/bytes.js';
import {
  deriveMediaEncryptionKey,
  deriveMediaId,
  deriveThumbnailTransitKey,
  type SplitKey,
} from '../keys/hierarchy.js';
import { ATTACHMENT_KEY_LENGTH, HASH_LENGTH, THUMBNAIL_SUFFIX } from './constants.js';

/** Length of the 2-character shard directory of a local backup file (Desktop `localBackupPath`: `name[0:2]`). */
const LOCAL_SHARD_LENGTH = 2;

/**
 * The media name of an attachment: lowercase hex of `plaintextHash (32) || key (64)`, 192
 * characters (Desktop `getMediaName`, Android `MediaName.fromPlaintextHashAndRemoteKey`).
 *
 * @throws {TypeError | RangeError} when `plaintextHash` is not 32 bytes or `key` not 64.
 */
export function mediaName(plaintextHash: Uint8Array, key: Uint8Array): string {
  assertBytes(plaintextHash, 'plaintextHash', HASH_LENGTH);
  assertBytes(key, 'key', ATTACHMENT_KEY_LENGTH);
  return toHex(plaintextHash) + toHex(key);
}

/**
 * The media name of an attachment's thumbnail: `mediaName + "_thumbnail"`.
 *
 * @throws {TypeError} when `mediaName` is not a string.
 */
export function thumbnailMediaName(mediaName: string): string {
  assertString(mediaName, 'mediaName');
  return mediaName + THUMBNAIL_SUFFIX;
}

/**
 * A media id in the form the media tier uses in paths and requests: unpadded base64url
 * (`/backup_dir/media_dir/<id>`; 15 bytes give 20 characters either way).
 *
 * @throws {TypeError} when `mediaId` is not bytes.
 */
export function mediaIdToBase64Url(mediaId: Uint8Array): string {
  assertBytes(mediaId, 'mediaId');
  return toBase64(mediaId, true);
}

/** Everything the media tier needs for one media name. */
export interface MediaTierKeys {
  /** The 15-byte media id. */
  mediaId: Uint8Array;
  /** The media id as unpadded base64url. */
  mediaIdBase64Url: string;
  /** The outer-layer key of the object (HMAC key first, AES key second). */
  mediaEncryptionKey: SplitKey;
  /** The thumbnail transit key derived from this media id (meaningful for thumbnail media names). */
  thumbnailTransitKey: SplitKey;
}

/**
 * Derives the media id and keys of `mediaName` from the media root key (BackupInfo.mediaRootBackupKey).
 *
 * @throws {RangeError} when `mediaRootKey` is not 32 bytes. @throws {TypeError} when `mediaName` is not a string.
 */
export function mediaTierKeys(mediaRootKey: Uint8Array, mediaName: string): MediaTierKeys {
  const mediaId = deriveMediaId(mediaRootKey, mediaName);
  return {
    mediaId,
    mediaIdBase64Url: mediaIdToBase64Url(mediaId),
    mediaEncryptionKey: deriveMediaEncryptionKey(mediaRootKey, mediaId),
    thumbnailTransitKey: deriveThumbnailTransitKey(mediaRootKey, mediaId),
  };
}

/**
 * The file name of an attachment in a local backup folder:
 * `hex(SHA-256(plaintextHash || localKey))` (Desktop import, `localBackupPath`).
 *
 * @throws {TypeError | RangeError} when `plaintextHash` is not 32 bytes or `localKey` is empty.
 */
export function localBackupFileName(
  plaintextHash: Uint8Array,
  localKey: Uint8Array,
  backend: CryptoBackend = defaultBackend(),
): string {
  assertBytes(plaintextHash, 'plaintextHash', HASH_LENGTH);
  assertBytes(localKey, 'localKey');
  if (localKey.length === 0) throw new RangeError('"localKey" expected a non-empty Uint8Array');
  const h = backend.sha256();
  h.update(plaintextHash);
  h.update(localKey);
  return toHex(h.digest());
}

/**
 * The path of an attachment inside a local backup's `files` directory: `<name[0:2]>/<name>`.
 *
 * @throws {TypeError | RangeError} as {@link localBackupFileName}.
 */
export function localBackupFilePath(
  plaintextHash: Uint8Array,
  localKey: Uint8Array,
  backend: CryptoBackend = defaultBackend(),
): string {
  const name = localBackupFileName(plaintextHash, localKey, backend);
  return `${name.slice(0, LOCAL_SHARD_LENGTH)}/${name}`;
}
