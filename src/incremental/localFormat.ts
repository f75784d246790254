/**
 * The small files of a local backup snapshot (docs/format.md §13; Signal-Android
 * lib/archive/src/main/protowire/LocalArchive.proto): `metadata`
 * (`signal.backup.local.Metadata`, the backup id encrypted with the local metadata key) and
 * `files` (varint-delimited `FilesFrame { string mediaName = 1 }`, unencrypted), and the
 * snapshot directory names.
 */

import { ctr } from '@noble/ciphers/aes.js';
import { BackupError } from '../errors.js';
import { assertBytes, concatByteList, concatBytes, fromUtf8, utf8 } from '../internal/bytes.js';
import { encodeBytesField, encodeVarint, readFields, readVarint32 } from '../internal/wire.js';
import { randomBytes, type RandomSource } from '../random.js';

/** `Metadata.version` both clients write and accept (Android and Desktop `LOCAL_BACKUP_VERSION = 1`). */
export const LOCAL_BACKUP_VERSION = 1;
/** Nonce of the backup id encryption: 12 bytes, then a 32-bit big-endian counter from 0 (libsignal `Aes256Ctr32`). */
const METADATA_NONCE_LENGTH = 12;
/** An older Desktop wrote a full 16-byte IV used as the initial counter block (docs/format.md §13). */
const METADATA_LEGACY_IV_LENGTH = 16;
/** Backup ids are 16 bytes (libsignal `BackupId`). */
const BACKUP_ID_LENGTH = 16;
/** Field numbers of `signal.backup.local.Metadata` / `EncryptedBackupId` / `FilesFrame` (LocalArchive.proto). */
const FIELD_VERSION = 1;
const FIELD_BACKUP_ID = 2;
const FIELD_IV = 1;
const FIELD_ENCRYPTED_ID = 2;
const FIELD_MEDIA_NAME = 1;

/** Snapshot directory prefix (Android `signal-backup-`, Desktop's pruning pattern). */
export const SNAPSHOT_PREFIX = 'signal-backup-';
/** Suffix of a snapshot still being written (Android writes `<name>-tmp` and renames it). */
export const TEMPORARY_SUFFIX = '-tmp';
/** The names Desktop recognizes when pruning: `signal-backup-YYYY-MM-DD-HH-mm-ss`. */
const SNAPSHOT_NAME = /^signal-backup-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$/;

function crypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const counter = iv.length === METADATA_NONCE_LENGTH ? concatBytes(iv, new Uint8Array(4)) : iv;
  return ctr(key, counter).encrypt(data);
}

/**
 * Encodes a snapshot's `metadata` file: `{ version: 1, backupId: { iv, encryptedId } }` with
 * `encryptedId = AES-256-CTR(localMetadataKey, nonce12 ‖ 0^4, backupId)` and a random nonce.
 *
 * @throws {RangeError} when `localMetadataKey` is not 32 bytes or `backupId` not 16.
 */
export function encodeLocalMetadata(
  localMetadataKey: Uint8Array,
  backupId: Uint8Array,
  random?: RandomSource,
): Uint8Array {
  assertBytes(localMetadataKey, 'localMetadataKey', 32);
  assertBytes(backupId, 'backupId', BACKUP_ID_LENGTH);
  const iv = randomBytes(METADATA_NONCE_LENGTH, random);
  const inner = concatBytes(
    encodeBytesField(FIELD_IV, iv),
    encodeBytesField(FIELD_ENCRYPTED_ID, crypt(localMetadataKey, iv, backupId)),
  );
  return concatBytes(
    Uint8Array.of(FIELD_VERSION << 3),
    encodeVarint(LOCAL_BACKUP_VERSION),
    encodeBytesField(FIELD_BACKUP_ID, inner),
  );
}

/**
 * Decodes a `metadata` file and decrypts the backup id (12-byte nonces, and the 16-byte IVs of
 * older Desktop builds). There is no MAC: a wrong key gives a wrong id, which the caller compares.
 *
 * @throws {BackupError} `INVALID_METADATA` when it does not parse, `UNSUPPORTED_VERSION` when the version is above 1.
 */
export function decodeLocalMetadata(localMetadataKey: Uint8Array, bytes: Uint8Array): Uint8Array {
  assertBytes(localMetadataKey, 'localMetadataKey', 32);
  assertBytes(bytes, 'bytes');
  const fields = readFields(bytes);
  const bad = (why: string) => new BackupError('INVALID_METADATA', `the snapshot's metadata file ${why}`);
  if (fields === undefined) throw bad('does not parse');
  const version = fields.find((f) => f.field === FIELD_VERSION && f.wireType === 0)?.varint ?? 0;
  // As Android: only a newer version is refused (a metadata without one, version 0, is read).
  if (version > LOCAL_BACKUP_VERSION) {
    throw new BackupError(
      'UNSUPPORTED_VERSION',
      `local backup metadata version ${version} is not supported (expected at most 1)`,
    );
  }
  const inner = fields.find((f) => f.field === FIELD_BACKUP_ID && f.wireType === 2)?.bytes;
  const innerFields = inner === undefined ? undefined : readFields(inner);
  const iv = innerFields?.find((f) => f.field === FIELD_IV && f.wireType === 2)?.bytes;
  const encrypted = innerFields?.find((f) => f.field === FIELD_ENCRYPTED_ID && f.wireType === 2)?.bytes;
  if (iv === undefined || encrypted === undefined) throw bad('has no encrypted backup id');
  if (iv.length !== METADATA_NONCE_LENGTH && iv.length !== METADATA_LEGACY_IV_LENGTH)
    throw bad(`has a ${iv.length}-byte IV`);
  if (encrypted.length !== BACKUP_ID_LENGTH) throw bad(`has a ${encrypted.length}-byte backup id`);
  return crypt(localMetadataKey, iv, encrypted);
}

/** Encodes a snapshot's `files` list: each name as a varint-delimited `FilesFrame { mediaName }`. */
export function encodeFilesList(names: readonly string[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const name of names) {
    const frame = encodeBytesField(FIELD_MEDIA_NAME, utf8(name));
    parts.push(encodeVarint(frame.length), frame);
  }
  return concatByteList(parts);
}

/**
 * Decodes a `files` list (unknown `FilesFrame` members are skipped, as the oneof may grow).
 * Every name must be a local media name (64 lowercase hex digits): a name such as `../x` could
 * otherwise point outside the folder (Android and Desktop check that paths stay inside too).
 *
 * @throws {BackupError} `INVALID_FRAME` when it does not parse or names anything but a media name.
 */
export function decodeFilesList(bytes: Uint8Array): string[] {
  assertBytes(bytes, 'bytes');
  const names: string[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const len = readVarint32(bytes, offset);
    if (!len.ok || len.next + len.value > bytes.length) {
      throw new BackupError('INVALID_FRAME', `the snapshot's files list is damaged at byte ${offset}`, { offset });
    }
    const fields = readFields(bytes.subarray(len.next, len.next + len.value));
    if (fields === undefined) {
      throw new BackupError('INVALID_FRAME', `the snapshot's files list is damaged at byte ${offset}`, { offset });
    }
    for (const f of fields) {
      if (f.field === FIELD_MEDIA_NAME && f.wireType === 2) {
        let name: string;
        try {
          name = fromUtf8(f.bytes!);
        } catch (e) {
          throw new BackupError('INVALID_FRAME', `the snapshot's files list has a name that is not UTF-8`, {
            offset,
            cause: e,
          });
        }
        if (!isLocalMediaName(name)) {
          const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
          throw new BackupError(
            'INVALID_FRAME',
            `the snapshot's files list names ${shown} at byte ${offset}, which is not a local media name (64 lowercase hex digits)`,
            { offset, reason: 'unsafe-name' },
          );
        }
        names.push(name);
      }
    }
    offset = len.next + len.value;
  }
  return names;
}

/** A local media name: lowercase hex of a SHA-256 (Android `MediaName.forLocalBackupFilename`, Desktop `getLocalBackupFileName`). */
const LOCAL_MEDIA_NAME = /^[0-9a-f]{64}$/;

/**
 * True when `name` is a local media name (64 lowercase hex digits): the only names a `files`
 * list may hold, so a list can never name a path outside `files/<xx>/`.
 */
export function isLocalMediaName(name: string): boolean {
  return LOCAL_MEDIA_NAME.test(name);
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The snapshot directory name for a time: `signal-backup-YYYY-MM-DD-HH-mm-ss` in UTC (Android's
 * `SimpleDateFormat("yyyy-MM-dd-HH-mm-ss")` in UTC).
 *
 * @throws {RangeError} when `timeMs` is not a valid time.
 */
export function snapshotName(timeMs: number): string {
  const d = new Date(timeMs);
  if (Number.isNaN(d.getTime())) throw new RangeError(`"timeMs" expected a valid time, got ${timeMs}`);
  return `${SNAPSHOT_PREFIX}${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
}

/** The time a snapshot name stands for (UTC, whole seconds), or `undefined` if it is not one. */
export function parseSnapshotName(name: string): number | undefined {
  const m = SNAPSHOT_NAME.exec(name);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  return snapshotName(t) === name ? t : undefined;
}
