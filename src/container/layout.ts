/**
 * The outer layout of an encrypted backup file (docs/format.md §4):
 *
 * - modern: `"SBACKUP\x01" || varint(len) || MetadataPb || IV || C || MAC`
 * - legacy: `IV || C || MAC`
 *
 * where `C` is AES-256-CBC/PKCS#7 of the padded gzip stream and `MAC` = HMAC-SHA256(IV || C).
 * A legacy file has no magic number, so any bytes might be one: "not a backup" can only be said
 * of files too short to hold an IV, one cipher block and a MAC, or of files that start like a
 * modern one but break its rules.
 */

import { BackupError } from '../errors.js';
import { concatBytes } from '../internal/bytes.js';
import { encodeVarint, MAX_VARINT32_BYTES, readVarint32 } from '../internal/wire.js';
import { type BackupMetadata, decodeBackupMetadata } from '../keys/metadata.js';

/**
 * `"SBACKUP" 0x01`, the first 8 bytes of a modern file (libsignal
 * rust/message-backup/src/frame/forward_secrecy.rs), as text: a string cannot be changed in
 * place, so no caller can make the reader misreport files (use `MAGIC` inside the package).
 */
export const BACKUP_MAGIC = 'SBACKUP\x01';
/** The magic number's bytes; internal, never exported from an entry point (a Uint8Array is mutable). */
export const MAGIC = /* @__PURE__ */ Uint8Array.of(0x53, 0x42, 0x41, 0x43, 0x4b, 0x55, 0x50, 0x01);
/** Length of the magic number, including its version byte. */
export const MAGIC_LENGTH = 8;
/** The only structural version libsignal reads (the magic's last byte). */
export const MODERN_VERSION = 1;
/** AES-CBC IV length, written in clear before the ciphertext (docs/format.md §4-§5). */
export const BACKUP_IV_LENGTH = 16;
/** HMAC-SHA256 tag length, the last bytes of the file (docs/format.md §4-§5). */
export const BACKUP_MAC_LENGTH = 32;
/** AES block size (FIPS 197). */
export const BLOCK_LENGTH = 16;
/** The smallest body: IV, one cipher block (PKCS#7 always adds one), MAC. */
export const BACKUP_MIN_BODY_LENGTH = BACKUP_IV_LENGTH + BLOCK_LENGTH + BACKUP_MAC_LENGTH;
/** Longest metadata header we read: libsignal's MetadataPb with two pairs is about 190 bytes. */
export const MAX_METADATA_LENGTH = 64 * 1024;

/** Which of the two layouts a file uses. */
export type BackupLayout = 'modern' | 'legacy';

/** The unencrypted part of a backup file, and where its encrypted body starts. */
export interface BackupHeader {
  /** `modern` (`SBACKUP\x01` and a metadata header) or `legacy` (no header). */
  readonly layout: BackupLayout;
  /** Decoded metadata (modern layout only). */
  readonly metadata?: BackupMetadata;
  /** The metadata's encoded bytes, as stored (modern layout only). */
  readonly metadataBytes?: Uint8Array;
  /** Offset of the IV: 0 for legacy files, after the metadata for modern ones. */
  readonly bodyOffset: number;
}

/** Builds the modern header `MAGIC || varint(len) || metadata`. */
export function encodeModernHeader(metadataBytes: Uint8Array): Uint8Array {
  return concatBytes(MAGIC, encodeVarint(metadataBytes.length), metadataBytes);
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array, length = prefix.length): boolean {
  if (bytes.length < length) return false;
  for (let i = 0; i < length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/**
 * The number of leading bytes {@link parseBackupHeader} needs (it asks again with a bigger prefix).
 * Returns a number larger than `prefix.length` while more bytes are needed.
 */
export function headerBytesNeeded(prefix: Uint8Array): number {
  if (prefix.length < MAGIC_LENGTH) return MAGIC_LENGTH;
  if (!startsWith(prefix, MAGIC)) return MAGIC_LENGTH;
  const v = readVarint32(prefix, MAGIC_LENGTH);
  if (!v.ok) return v.reason === 'truncated' ? MAGIC_LENGTH + MAX_VARINT32_BYTES : MAGIC_LENGTH;
  return v.next + Math.min(v.value, MAX_METADATA_LENGTH + 1);
}

/**
 * Reads the header of a file of `totalLength` bytes from its first bytes (`prefix`, as many as
 * {@link headerBytesNeeded} asks for, or the whole file if shorter) and checks the sizes
 * (unless `checkBody` is false: a stream of unknown length).
 *
 * @throws {BackupError} `NOT_A_BACKUP` (too short for any backup), `UNSUPPORTED_VERSION` ("SBACKUP"
 *   with another version byte), `TRUNCATED` (the header or body is cut short, or the body is not
 *   a whole number of blocks), `INVALID_METADATA` (the metadata breaks libsignal's rules).
 */
export function parseBackupHeader(prefix: Uint8Array, totalLength: number, checkBody = true): BackupHeader {
  if (totalLength === 0) throw new BackupError('NOT_A_BACKUP', 'the file is empty');
  let header: BackupHeader;
  if (
    totalLength >= MAGIC_LENGTH &&
    prefix.length >= MAGIC_LENGTH &&
    startsWith(prefix, MAGIC, MAGIC_LENGTH - 1) &&
    prefix[MAGIC_LENGTH - 1] !== MODERN_VERSION
  ) {
    throw new BackupError(
      'UNSUPPORTED_VERSION',
      `backup file version ${prefix[MAGIC_LENGTH - 1]} is not supported (only version ${MODERN_VERSION})`,
    );
  }
  if (startsWith(prefix, MAGIC)) {
    const v = readVarint32(prefix, MAGIC_LENGTH, Math.min(prefix.length, totalLength));
    if (!v.ok) {
      if (v.reason === 'truncated') throw new BackupError('TRUNCATED', 'the file ends inside its metadata header');
      throw new BackupError('INVALID_METADATA', 'backup metadata: the length prefix is not a valid varint');
    }
    if (v.value > MAX_METADATA_LENGTH) {
      throw new BackupError(
        'INVALID_METADATA',
        `backup metadata: ${v.value} bytes long (at most ${MAX_METADATA_LENGTH})`,
      );
    }
    const end = v.next + v.value;
    if (end > totalLength || end > prefix.length) {
      throw new BackupError('TRUNCATED', 'the file ends inside its metadata header', { offset: totalLength });
    }
    const metadataBytes = prefix.slice(v.next, end);
    header = { layout: 'modern', metadata: decodeBackupMetadata(metadataBytes), metadataBytes, bodyOffset: end };
  } else {
    if (checkBody && totalLength < BACKUP_MIN_BODY_LENGTH) {
      throw new BackupError(
        'NOT_A_BACKUP',
        `not a backup file: ${totalLength} bytes is too short (at least ${BACKUP_MIN_BODY_LENGTH}) and there is no "SBACKUP" header`,
      );
    }
    header = { layout: 'legacy', bodyOffset: 0 };
  }
  if (checkBody) checkBodyLength(totalLength - header.bodyOffset);
  return header;
}

/** Throws `TRUNCATED` unless `bodyLength` can be `IV || whole blocks || MAC`. */
export function checkBodyLength(bodyLength: number): void {
  if (bodyLength < BACKUP_MIN_BODY_LENGTH) {
    throw new BackupError(
      'TRUNCATED',
      `the encrypted part is ${bodyLength} bytes, too short to hold an IV, a cipher block and a MAC (file truncated)`,
    );
  }
  if ((bodyLength - BACKUP_IV_LENGTH - BACKUP_MAC_LENGTH) % BLOCK_LENGTH !== 0) {
    throw new BackupError(
      'TRUNCATED',
      'the ciphertext is not a whole number of AES blocks (file truncated or damaged)',
    );
  }
}
