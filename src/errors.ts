/**
 * Every failure sbackup reports about *data* (a key, a file, a frame) is a {@link BackupError}
 * with a stable `code`. Callers branch on `code`, never on `instanceof` alone: two copies of
 * this package can be loaded side by side and their classes differ.
 *
 * Wrong *arguments* (a number where bytes were expected, a key of the wrong length) are
 * programming errors and throw the built-in `TypeError` / `RangeError`, naming the argument.
 */

import type { LockHolder } from './incremental/lock.js';
import type { FindingCode, ReferenceFindingCode } from './validate/codes.js';

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
  | 'VERIFICATION_FAILED'
  // hosted backups: the server refused the login, the presentation or its signature (401/403)
  | 'AUTH_FAILED'
  // hosted backups: the backup or media would exceed the space the level allows (413)
  | 'QUOTA_EXCEEDED'
  // hosted backups: too many requests (429); details.retryAfterMs when the server said
  | 'RATE_LIMITED'
  // hosted backups: the connection failed, timed out or closed, or the server had an error (5xx)
  | 'NETWORK'
  // hosted backups: the server answered something the protocol does not allow (status, body)
  | 'SERVER_ERROR';

/**
 * The details each code carries, for programs (never secrets). Every field is optional unless
 * said otherwise: a code is thrown from several places and not all of them know everything.
 * Every code may carry `cause`, the underlying error when one error wraps another (it is also the
 * standard `Error.cause`).
 */
export interface BackupErrorDetailsMap {
  /** The recovery key is malformed. */
  INVALID_RECOVERY_KEY: {
    /** 1-based position of the first character that is not a digit or a letter a-z. */
    position?: number;
    /** The number of characters, when that is what is wrong. */
    length?: number;
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** The forward-secrecy metadata or a local snapshot's metadata file is malformed. */
  INVALID_METADATA: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** No forward-secrecy pair decrypts with the given backup key and token. */
  TOKEN_DECRYPT_FAILED: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** The bytes are not a backup file (wrong magic, too short to be one). */
  NOT_A_BACKUP: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** A format version this version of sbackup does not read. */
  UNSUPPORTED_VERSION: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** The data ends early. */
  TRUNCATED: {
    /** Byte offset where more data was expected. */
    offset?: number;
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** A MAC does not verify (wrong key, or damaged data). */
  MAC_MISMATCH: {
    /** Byte offset of the data the failed check covers (incremental MAC: the chunk's start). */
    offset?: number;
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** The decrypted padding is not valid PKCS#7. */
  BAD_PADDING: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** The gzip stream is corrupt. */
  DECOMPRESSION_FAILED: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** The backup decompresses to more than the allowed size. */
  LIMIT_EXCEEDED: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** Nothing to read (no byte, or no BackupInfo). */
  EMPTY_INPUT: StreamPosition;
  /** The input ends inside a frame or its length prefix. */
  TRUNCATED_FRAME: StreamPosition;
  /** A frame's length prefix is above the limit. */
  FRAME_TOO_LARGE: StreamPosition & {
    /** The length the prefix gives, in bytes. */
    length?: number;
    /** The limit it exceeds, in bytes. */
    limit?: number;
  };
  /** A length prefix is not a valid varint. */
  INVALID_VARINT: StreamPosition;
  /** A record does not parse as protobuf. */
  INVALID_FRAME: StreamPosition & {
    /**
     * `'invalid-utf8'` when a string field's bytes are not UTF-8; `'too-deep'` when messages nest
     * deeper than `MAX_MESSAGE_DEPTH`; `'unsafe-name'` when a snapshot's files list names
     * something that is not a local media name.
     */
    reason?: 'invalid-utf8' | 'too-deep' | 'unsafe-name';
    /** The nesting limit, for `'too-deep'`. */
    depth?: number;
  };
  /** JSON input is malformed or does not match the schema. */
  INVALID_JSON: {
    /** Index of the record (0 = BackupInfo, 1 = first Frame). */
    frameIndex?: number;
    /** 1-based line of a JSON-lines input. */
    line?: number;
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** An attachment's encrypted digest does not match. */
  DIGEST_MISMATCH: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** An attachment's plaintext hash does not match. */
  PLAINTEXT_HASH_MISMATCH: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** An attachment is not the size it is declared to be. */
  SIZE_MISMATCH: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** Content that cannot be written or used as a backup; from the writer, the validator's finding. */
  INVALID_BACKUP: RecordDetails & {
    /** The validator's finding (docs/format.md §8.3) the writer refused the record for. */
    finding?: FindingCode;
    /** `'lone-surrogate'`: a string with half of a UTF-16 pair, which has no UTF-8 form. */
    reason?: 'lone-surrogate';
    /** The field path of that string (`Frame.chatItem.standardMessage.text.body`). */
    path?: string;
    /** The index of the lone surrogate in the string. */
    index?: number;
  };
  /** A record refers to a recipient or chat not given before it. */
  ORDER_VIOLATION: RecordDetails & {
    /** The validator's finding (docs/format.md §8.3): which reference does not resolve. */
    finding: ReferenceFindingCode;
  };
  /** The storage failed (an I/O error, a directory in the way, a name taken). */
  STORAGE_ERROR: {
    /** The file or folder name in the backup folder. */
    name?: string;
    /** The file's path (CLI inputs and outputs outside a backup folder). */
    path?: string;
    /** The system error code (`ENOSPC`, `EISDIR`, `EROFS`, …), when the system gave one. */
    errno?: string;
    /** `'symlink'`: a symbolic link inside the backup folder, which sbackup never follows; `'special-file'`: a device, FIFO or socket there. */
    reason?: 'symlink' | 'special-file';
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** Another run holds the local backup folder's lock. */
  LOCKED: {
    /** The lock file's name in the folder. */
    name?: string;
    /** Who holds it (host, pid, start time), when the lock file is readable. */
    holder?: LockHolder;
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** A hosted-backup credential object is malformed (length, version, non-canonical encoding). */
  INVALID_CREDENTIAL: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** A credential response for another day, or whose issuance proof does not verify. */
  VERIFICATION_FAILED: {
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
  /** The server refused the login, the presentation or its signature. */
  AUTH_FAILED: ServerDetails;
  /** The upload would exceed the space the backup level allows. */
  QUOTA_EXCEEDED: ServerDetails;
  /** Too many requests. */
  RATE_LIMITED: ServerDetails & {
    /** How long the server asked to wait, in milliseconds, when it said. */
    retryAfterMs?: number;
  };
  /** The connection failed, timed out or closed early, or the server had an internal error. */
  NETWORK: ServerDetails;
  /** The server answered something the protocol does not allow. */
  SERVER_ERROR: ServerDetails;
  /** Something that should exist does not. */
  NOT_FOUND: {
    /** The HTTP or gRPC status, when a server said so. */
    status?: number;
    /** The request, as `METHOD /path` without query or credentials, when a server said so. */
    request?: string;
    /** The missing file's name in the backup folder. */
    name?: string;
    /** How many media files are missing. */
    missing?: number;
    /** The underlying error, when this one wraps another. */
    cause?: unknown;
  };
}

/** What a hosted-backup error knows about the call that failed (never credentials). */
interface ServerDetails {
  /** The HTTP status, or the gRPC status code for gRPC calls. */
  status?: number;
  /** The request, as `METHOD /path` (or the gRPC method) without query or credentials. */
  request?: string;
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
}

/** Where in a frame stream an error was found. */
interface StreamPosition {
  /** Byte offset in the stream where the problem was found. */
  offset?: number;
  /** Index of the frame (0 = BackupInfo, 1 = first Frame). */
  frameIndex?: number;
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
}

/** The record a writer error is about. */
interface RecordDetails {
  /** Index of the frame (0 = BackupInfo, 1 = first Frame); -1 for the backup as a whole. */
  frameIndex?: number;
  /** Type of the record: `backupInfo`, a Frame item name (`recipient`, `chatItem`, …) or `backup`. */
  frameType?: string;
  /** The recipient's id (recipients). */
  recipientId?: bigint;
  /** The chat's id (chats and chat items). */
  chatId?: bigint;
  /** The chat item's `dateSent`. */
  dateSent?: bigint;
  /** The call's id (ad-hoc calls). */
  callId?: bigint;
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
}

/** The details of code `C` (all codes' details when `C` is the whole union). */
export type BackupErrorDetails<C extends BackupErrorCode = BackupErrorCode> = BackupErrorDetailsMap[C];

/** The constructor's details argument: optional when every field of the code's details is. */
type DetailsArgument<C extends BackupErrorCode> =
  // biome-ignore lint/complexity/noBannedTypes: `{}` is the type with no required field.
  {} extends BackupErrorDetailsMap[C] ? [details?: BackupErrorDetailsMap[C]] : [details: BackupErrorDetailsMap[C]];

/**
 * The one error class for bad data. See {@link BackupErrorCode}. `C` is the code; a
 * `BackupError<'TRUNCATED'>` has the details of that code. To branch on codes with the details
 * narrowed, narrow to `AnyBackupError` (what {@link isBackupError} does) and `switch` on `code`.
 */
export class BackupError<C extends BackupErrorCode = BackupErrorCode> extends Error {
  /** Always `'BackupError'`, also across copies of the package (what {@link isBackupError} checks). */
  override readonly name = 'BackupError';
  /** The stable code to branch on. */
  readonly code: C;
  /** Facts for programs (offset, frame index, cause; see `BackupErrorDetailsMap`); never secrets. */
  readonly details: BackupErrorDetailsMap[C];

  constructor(code: C, message: string, ...[details]: DetailsArgument<C>) {
    const d = (details ?? {}) as BackupErrorDetailsMap[C] & { cause?: unknown };
    super(message, d.cause === undefined ? undefined : { cause: d.cause });
    this.code = code;
    this.details = d;
  }
}

/**
 * A {@link BackupError} of any code, as a union with one member per code: `switch (e.code)` narrows
 * `e.details` to that code's details.
 *
 * @example
 * if (isBackupError(e)) {
 *   switch (e.code) {
 *     case 'FRAME_TOO_LARGE': console.log(e.details.limit); break;
 *     case 'ORDER_VIOLATION': console.log(e.details.finding); break;
 *   }
 * }
 */
export type AnyBackupError = { [C in BackupErrorCode]: BackupError<C> }[BackupErrorCode];

/**
 * True when `e` is a {@link BackupError} (from any copy of this package), optionally of one code;
 * narrows `e` to `AnyBackupError`, or to that code's `BackupError<C>`.
 */
export function isBackupError(e: unknown): e is AnyBackupError;
export function isBackupError<C extends BackupErrorCode>(e: unknown, code?: C): e is BackupError<C>;
export function isBackupError(e: unknown, code?: BackupErrorCode): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const candidate = e as { name?: unknown; code?: unknown };
  if (candidate.name !== 'BackupError' || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}
