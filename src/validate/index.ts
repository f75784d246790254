/** Semantic validation of backups with libsignal-client 0.103.0's rules, and the comparable form. */

import type { SplitKey } from '../keys/hierarchy.js';
import { openBackup } from '../container/reader.js';
import type { BackupSource } from '../container/sources.js';
import { type ByteSource, type FrameStreamOptions, splitBackupStream } from '../frames/stream.js';
import { BackupValidator, type ValidationResult, type ValidatorOptions } from './validator.js';

export {
  ERROR_FINDING_CODES,
  type ErrorFindingCode,
  FINDING_CODES,
  type FindingCode,
  isReferenceFindingCode,
  REFERENCE_FINDING_CODES,
  type ReferenceFindingCode,
  UNKNOWN_CONTENT_CODES,
  type UnknownContentCode,
  WARNING_FINDING_CODES,
  type WarningFindingCode,
} from './codes.js';
export { comparableBackup, comparableString } from './comparable.js';
export type { Finding, Purpose } from './context.js';
export {
  BackupValidator,
  type UnknownFieldFinding,
  type ValidationResult,
  type ValidatorOptions,
} from './validator.js';

/**
 * Validates an unencrypted backup (varint-delimited BackupInfo + Frames, a `.binproto`) in
 * bounded memory.
 * @throws {BackupError} when the byte stream itself is malformed (`EMPTY_INPUT`, `TRUNCATED_FRAME`,
 *   `INVALID_VARINT`, `FRAME_TOO_LARGE`); semantic problems are findings, not exceptions.
 * @throws {RangeError} on bad options.
 */
export async function validateFrames(
  source: ByteSource | Uint8Array,
  options: ValidatorOptions & FrameStreamOptions = {},
): Promise<ValidationResult> {
  const v = new BackupValidator(options);
  const src: ByteSource = source instanceof Uint8Array ? [source] : source;
  for await (const m of splitBackupStream(src, options)) {
    if (m.index === 0) v.addBackupInfo(m.bytes);
    else v.addFrame(m.bytes);
  }
  return v.finish();
}

/**
 * Decrypts (MAC first) and validates an encrypted backup file.
 * @throws {BackupError} from the container (`MAC_MISMATCH`, `NOT_A_BACKUP`, …) or the frame stream.
 * @throws {TypeError | RangeError} on bad arguments.
 */
export async function validateEncryptedBackup(
  source: BackupSource,
  key: SplitKey,
  options: ValidatorOptions = {},
): Promise<ValidationResult> {
  const v = new BackupValidator(options);
  const opened = await openBackup(source, { key });
  v.addBackupInfo(opened.backupInfo);
  for await (const f of opened.frames) v.addFrame(f);
  return v.finish();
}
