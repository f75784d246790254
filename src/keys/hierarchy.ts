/**
 * The backup key hierarchy: recovery key -> BackupKey -> BackupId, key pair, MessageBackupKey,
 * local metadata key; media root key -> media ids and media keys. Every function is pure and
 * synchronous; see docs/format.md for the diagram.
 */

import { assertBytes, assertString, concatBytes, utf8, uuidToBytes } from '../internal/bytes.js';
import { randomBytes, type RandomSource } from '../random.js';
import {
  ACI_LENGTH,
  BACKUP_ID_LENGTH,
  BACKUP_KEY_LENGTH,
  FORWARD_SECRECY_TOKEN_LENGTH,
  LABEL_BACKUP_ID,
  LABEL_BACKUP_KEY,
  LABEL_LOCAL_METADATA_KEY,
  LABEL_MEDIA_ENCRYPTION_KEY,
  LABEL_MEDIA_ID,
  LABEL_MESSAGE_BACKUP_KEY_FORWARD_SECRECY,
  LABEL_MESSAGE_BACKUP_KEY_LEGACY,
  LABEL_SVR_KEY,
  LABEL_THUMBNAIL_TRANSIT_KEY,
  MEDIA_ID_LENGTH,
  SPLIT_KEY_HALF,
} from './constants.js';
import { hkdfSha256 } from './hkdf.js';
import { assertRecoveryKey } from './recoveryKey.js';

/** A 64-byte key split into its HMAC-SHA256 key and its AES-256 key. */
export interface SplitKey {
  /** 32-byte HMAC-SHA256 key. */
  readonly hmacKey: Uint8Array;
  /** 32-byte AES-256 key. */
  readonly aesKey: Uint8Array;
}

/** An ACI as a UUID string or its 16 bytes. */
export type Aci = string | Uint8Array;

/** Splits 64 bytes as `hmacKey = [0, 32)`, `aesKey = [32, 64)` (the MessageBackupKey and media-tier order). */
function splitHmacFirst(data: Uint8Array): SplitKey {
  return { hmacKey: data.slice(0, SPLIT_KEY_HALF), aesKey: data.slice(SPLIT_KEY_HALF) };
}

export function aciBytes(aci: Aci): Uint8Array {
  if (typeof aci === 'string') return uuidToBytes(aci, 'aci');
  assertBytes(aci, 'aci', ACI_LENGTH);
  return aci;
}

function recoveryKeyBytes(recoveryKey: string): Uint8Array {
  assertRecoveryKey(recoveryKey);
  return utf8(recoveryKey);
}

/**
 * The 32-byte BackupKey: HKDF(ikm = the recovery key's ASCII, no salt, "20240801_SIGNAL_BACKUP_KEY").
 *
 * @throws {BackupError} `INVALID_RECOVERY_KEY` when `recoveryKey` is not canonical (see `normalizeRecoveryKey`).
 */
export function deriveBackupKey(recoveryKey: string): Uint8Array {
  return hkdfSha256(recoveryKeyBytes(recoveryKey), undefined, utf8(LABEL_BACKUP_KEY), BACKUP_KEY_LENGTH);
}

/**
 * The 32-byte SVR master key: HKDF(recovery key, no salt, "20240801_SIGNAL_SVR_MASTER_KEY").
 *
 * @throws {BackupError} `INVALID_RECOVERY_KEY` when `recoveryKey` is not canonical.
 */
export function deriveSvrKey(recoveryKey: string): Uint8Array {
  return hkdfSha256(recoveryKeyBytes(recoveryKey), undefined, utf8(LABEL_SVR_KEY), BACKUP_KEY_LENGTH);
}

/**
 * The 16-byte BackupId the server knows the backup by: HKDF(backupKey, no salt,
 * "20241024_SIGNAL_BACKUP_ID:" || ACI).
 *
 * @param aci the account's ACI, as a UUID string or 16 bytes.
 * @throws {RangeError} when `backupKey` is not 32 bytes or `aci` not 16 bytes.
 * @throws {TypeError} when `aci` is not a UUID string or bytes.
 */
export function deriveBackupId(backupKey: Uint8Array, aci: Aci): Uint8Array {
  assertBytes(backupKey, 'backupKey', BACKUP_KEY_LENGTH);
  return hkdfSha256(backupKey, undefined, concatBytes(utf8(LABEL_BACKUP_ID), aciBytes(aci)), BACKUP_ID_LENGTH);
}

/**
 * The 32-byte key that encrypts a local backup's `metadata` file:
 * HKDF(backupKey, no salt, "20241011_SIGNAL_LOCAL_BACKUP_METADATA_KEY").
 *
 * @throws {RangeError} when `backupKey` is not 32 bytes.
 */
export function deriveLocalMetadataKey(backupKey: Uint8Array): Uint8Array {
  assertBytes(backupKey, 'backupKey', BACKUP_KEY_LENGTH);
  return hkdfSha256(backupKey, undefined, utf8(LABEL_LOCAL_METADATA_KEY), 32);
}

/**
 * The key that encrypts and authenticates the backup file, split HMAC key first, AES key second.
 * Without a token: the legacy key, HKDF(backupKey, no salt, "20241007_..._MESSAGE_BACKUP:" || backupId).
 * With a 32-byte forward-secrecy token: HKDF(backupKey, salt = token, "20250708_..._MESSAGE_BACKUP:" || backupId).
 *
 * @throws {RangeError} when a key, id or token has the wrong length.
 */
export function deriveMessageBackupKey(
  backupKey: Uint8Array,
  backupId: Uint8Array,
  forwardSecrecyToken?: Uint8Array,
): SplitKey {
  assertBytes(backupKey, 'backupKey', BACKUP_KEY_LENGTH);
  assertBytes(backupId, 'backupId', BACKUP_ID_LENGTH);
  if (forwardSecrecyToken === undefined) {
    const info = concatBytes(utf8(LABEL_MESSAGE_BACKUP_KEY_LEGACY), backupId);
    return splitHmacFirst(hkdfSha256(backupKey, undefined, info, 2 * SPLIT_KEY_HALF));
  }
  assertBytes(forwardSecrecyToken, 'forwardSecrecyToken', FORWARD_SECRECY_TOKEN_LENGTH);
  const info = concatBytes(utf8(LABEL_MESSAGE_BACKUP_KEY_FORWARD_SECRECY), backupId);
  return splitHmacFirst(hkdfSha256(backupKey, forwardSecrecyToken, info, 2 * SPLIT_KEY_HALF));
}

/**
 * A new media root key: 32 random bytes, made once per account and stored in every backup's
 * `BackupInfo.mediaRootBackupKey`. Media ids and keys derive from it, not from the recovery key.
 */
export function generateMediaRootKey(random?: RandomSource): Uint8Array {
  return randomBytes(BACKUP_KEY_LENGTH, random);
}

/**
 * The 15-byte media id of a media name: HKDF(mediaRootKey, no salt, "20241007_SIGNAL_BACKUP_MEDIA_ID:" || UTF-8(mediaName)).
 *
 * @throws {RangeError} when `mediaRootKey` is not 32 bytes.
 * @throws {TypeError} when `mediaName` is not a string.
 */
export function deriveMediaId(mediaRootKey: Uint8Array, mediaName: string): Uint8Array {
  assertBytes(mediaRootKey, 'mediaRootKey', BACKUP_KEY_LENGTH);
  assertString(mediaName, 'mediaName');
  return hkdfSha256(mediaRootKey, undefined, concatBytes(utf8(LABEL_MEDIA_ID), utf8(mediaName)), MEDIA_ID_LENGTH);
}

/**
 * The media-tier encryption key of a media id, split HMAC key first, AES key second:
 * HKDF(mediaRootKey, no salt, "20241007_SIGNAL_BACKUP_ENCRYPT_MEDIA:" || mediaId, 64).
 *
 * @throws {RangeError} when `mediaRootKey` is not 32 bytes or `mediaId` not 15 bytes.
 */
export function deriveMediaEncryptionKey(mediaRootKey: Uint8Array, mediaId: Uint8Array): SplitKey {
  assertBytes(mediaRootKey, 'mediaRootKey', BACKUP_KEY_LENGTH);
  assertBytes(mediaId, 'mediaId', MEDIA_ID_LENGTH);
  const info = concatBytes(utf8(LABEL_MEDIA_ENCRYPTION_KEY), mediaId);
  return splitHmacFirst(hkdfSha256(mediaRootKey, undefined, info, 2 * SPLIT_KEY_HALF));
}

/**
 * The thumbnail transit key of a thumbnail's media id, split HMAC key first, AES key second
 * (libsignal's documented order): HKDF(mediaRootKey, no salt, "20241030_SIGNAL_BACKUP_ENCRYPT_THUMBNAIL:" || mediaId, 64).
 *
 * @throws {RangeError} when `mediaRootKey` is not 32 bytes or `mediaId` not 15 bytes.
 */
export function deriveThumbnailTransitKey(mediaRootKey: Uint8Array, mediaId: Uint8Array): SplitKey {
  assertBytes(mediaRootKey, 'mediaRootKey', BACKUP_KEY_LENGTH);
  assertBytes(mediaId, 'mediaId', MEDIA_ID_LENGTH);
  const info = concatBytes(utf8(LABEL_THUMBNAIL_TRANSIT_KEY), mediaId);
  return splitHmacFirst(hkdfSha256(mediaRootKey, undefined, info, 2 * SPLIT_KEY_HALF));
}
