/**
 * Every failure sbackup reports about *data* (a key, a file, a frame) is a {@link BackupError}
 * with a stable `code`. Callers branch on `code`, never on `instanceof` alone: two copies of
 * this package can be loaded side by side and their classes differ.
 *
 * Wrong *arguments* (a number where bytes were expected, a key of the wrong length) are
 * programming errors and throw the built-in `TypeError` / `RangeError`, naming the argument.
 */

/** The stable error codes. New codes may be added in minor versions; existing ones never change. */
export type BackupErrorCode =
  // recovery key (account entropy pool)
  | 'INVALID_RECOVERY_KEY'
  // forward-secrecy metadata and token pairs
  | 'INVALID_METADATA'
  | 'TOKEN_DECRYPT_FAILED'
  // container (the encrypted backup file)
  | 'NOT_A_BACKUP'
  | 'UNSUPPORTED_VERSION'
  | 'TRUNCATED'
  | 'MAC_MISMATCH'
  | 'BAD_PADDING'
  | 'DECOMPRESSION_FAILED'
  | 'LIMIT_EXCEEDED'
  // frames
  | 'EMPTY_INPUT'
  | 'TRUNCATED_FRAME'
  | 'FRAME_TOO_LARGE'
  | 'INVALID_VARINT'
  | 'INVALID_FRAME'
  | 'INVALID_JSON'
  // media
  | 'DIGEST_MISMATCH'
  | 'PLAINTEXT_HASH_MISMATCH'
  | 'SIZE_MISMATCH'
  // writer and validator
  | 'INVALID_BACKUP'
  | 'ORDER_VIOLATION'
  // storage
  | 'STORAGE_ERROR'
  | 'NOT_FOUND'
  // another run holds the local backup folder's lock (details.holder: host, pid, startedAt)
  | 'LOCKED'
  // hosted backups: a malformed zero-knowledge object (length, version, non-canonical encoding)
  | 'INVALID_CREDENTIAL'
  // hosted backups: a well-formed credential response whose day or issuance proof is wrong
  | 'VERIFICATION_FAILED';

/** Extra facts attached to an error, for programs (never secrets). */
export interface BackupErrorDetails {
  /** Byte offset in the stream where the problem was found, when known. */
  offset?: number;
  /** Index of the frame (0 = BackupInfo, 1 = first Frame), when known. */
  frameIndex?: number;
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
  [key: string]: unknown;
}

/** The one error class for bad data. See {@link BackupErrorCode}. */
export class BackupError extends Error {
  /** Always `'BackupError'`, also across copies of the package (what {@link isBackupError} checks). */
  override readonly name = 'BackupError';
  /** The stable code to branch on. */
  readonly code: BackupErrorCode;
  /** Facts for programs (offset, frame index, cause); never secrets. */
  readonly details: BackupErrorDetails;

  constructor(code: BackupErrorCode, message: string, details: BackupErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.details = details;
  }
}

/** True when `e` is a {@link BackupError} (from any copy of this package), optionally of one code. */
export function isBackupError(e: unknown, code?: BackupErrorCode): e is BackupError {
  if (typeof e !== 'object' || e === null) return false;
  const candidate = e as { name?: unknown; code?: unknown };
  if (candidate.name !== 'BackupError' || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}
