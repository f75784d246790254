/** What can be learned about a backup file without its key: layout, metadata, sizes. */

import { BackupError } from '../errors.js';
import { concatByteList, toHex } from '../internal/bytes.js';
import { MAX_VARINT32_BYTES } from '../internal/wire.js';
import { BACKUP_IV_LENGTH, BACKUP_MAC_LENGTH, MAGIC_LENGTH, MAX_METADATA_LENGTH, parseBackupHeader } from './layout.js';
import { type RereadableSource, toRandomAccess } from './sources.js';

/** The result of {@link inspectBackup}; every byte string is lowercase hex. */
export interface BackupInspection {
  /** `modern` (with the forward-secrecy metadata header) or `legacy`. */
  layout: 'modern' | 'legacy';
  /** Total file length in bytes. */
  totalLength: number;
  /** Length of the unencrypted header (0 for legacy files). */
  headerLength: number;
  /** Modern layout: the metadata's 12-byte IV and its 1 or 2 forward-secrecy pairs. */
  metadata?: {
    /** The 12-byte AES-CTR nonce shared by every pair's `ct`. */
    iv: string;
    /** The forward-secrecy pairs (one, or two: previous then new). */
    pairs: {
      /** The encrypted token and its truncated HMAC (48 bytes). */
      ct: string;
      /** The 32-byte salt of the SVR-B password for this pair. */
      pwSalt: string;
    }[];
  };
  /** The body's IV (not secret). */
  iv: string;
  /** Length of the AES-CBC ciphertext (compressed stream + padding + PKCS#7). */
  ciphertextLength: number;
  /** The trailing HMAC-SHA256 tag. */
  mac: string;
}

function truncated(offset: number): BackupError {
  return new BackupError('TRUNCATED', 'the file ended before its stated length', { offset });
}

/**
 * Reads a backup's header and sizes without decrypting anything (no key needed).
 *
 * @throws {BackupError} `NOT_A_BACKUP`, `UNSUPPORTED_VERSION`, `TRUNCATED` or `INVALID_METADATA` as the reader does.
 * @throws {TypeError} when `source` is not a supported source.
 */
export async function inspectBackup(source: RereadableSource): Promise<BackupInspection> {
  const src = toRandomAccess(source);
  // Read the header prefix, then the IV; and the tag from the end.
  const head: Uint8Array[] = [];
  let size = 0;
  // Enough for the largest header we accept, and the IV after it.
  const need = Math.min(src.length, MAGIC_LENGTH + MAX_VARINT32_BYTES + MAX_METADATA_LENGTH + BACKUP_IV_LENGTH);
  for await (const chunk of src.read(0)) {
    head.push(chunk);
    size += chunk.length;
    if (size >= need) break;
  }
  if (size < need) throw truncated(size);
  const prefix = concatByteList(head);
  const header = parseBackupHeader(prefix, src.length);
  const tag = new Uint8Array(BACKUP_MAC_LENGTH);
  const macStart = src.length - BACKUP_MAC_LENGTH;
  let pos = macStart;
  for await (const chunk of src.read(pos)) {
    tag.set(chunk.subarray(0, BACKUP_MAC_LENGTH - (pos - macStart)), pos - macStart);
    pos += chunk.length;
    if (pos >= src.length) break;
  }
  if (pos < src.length) throw truncated(pos);
  const result: BackupInspection = {
    layout: header.layout,
    totalLength: src.length,
    headerLength: header.bodyOffset,
    iv: toHex(prefix.subarray(header.bodyOffset, header.bodyOffset + BACKUP_IV_LENGTH)),
    ciphertextLength: src.length - header.bodyOffset - BACKUP_IV_LENGTH - BACKUP_MAC_LENGTH,
    mac: toHex(tag),
  };
  if (header.metadata !== undefined) {
    result.metadata = {
      iv: toHex(header.metadata.iv),
      pairs: header.metadata.pairs.map((p) => ({ ct: toHex(p.ct), pwSalt: toHex(p.pwSalt) })),
    };
  }
  return result;
}
