/** Validates a whole backup, encrypted or not: the function the root entry exports. */

import type { CryptoBackend } from '../backends/types.js';
import { type OpenBackupOptions, openBackup } from '../container/reader.js';
import type { RereadableSource } from '../container/sources.js';
import { type FrameStreamOptions, splitBackupStream } from '../frames/stream.js';
import type { ByteSource } from '../internal/stream.js';
import type { BackupKeyInput } from '../keys/input.js';
import { BackupValidator, type ValidationResult, type ValidatorOptions } from './validator.js';

/** Options of {@link validateBackup}. */
export interface ValidateBackupOptions extends ValidatorOptions, FrameStreamOptions {
  /**
   * The key of an encrypted backup file: the file is decrypted (its MAC verified first) and its
   * frames validated. Without a key, the source is an unencrypted backup (varint-delimited
   * BackupInfo and Frames, a `.binproto`).
   */
  key?: BackupKeyInput;
  /** Largest decompressed length of an encrypted file, as {@link OpenBackupOptions.maxDecompressedBytes}. */
  maxDecompressedBytes?: number;
  /** Backend for an encrypted file; the runtime's fastest when absent. */
  backend?: CryptoBackend;
}

/**
 * Validates a backup with libsignal-client 0.103.0's rules, in bounded memory: an encrypted file
 * when `options.key` is given, else an unencrypted `.binproto`. Semantic problems are findings in
 * the result, not exceptions.
 *
 * @throws {BackupError} when the bytes cannot be read as a backup at all: from the container
 *   (`MAC_MISMATCH`, `NOT_A_BACKUP`, `TRUNCATED`, ...) or the frame stream (`EMPTY_INPUT`,
 *   `TRUNCATED_FRAME`, `INVALID_VARINT`, `FRAME_TOO_LARGE`).
 * @throws {TypeError | RangeError} on bad arguments.
 */
export async function validateBackup(
  source: RereadableSource | ByteSource,
  options: ValidateBackupOptions = {},
): Promise<ValidationResult> {
  const v = new BackupValidator(options);
  if (options.key !== undefined) {
    const opened = await openBackup(source as RereadableSource, {
      key: options.key,
      ...(options.maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes: options.maxDecompressedBytes }),
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
    });
    v.pushBackupInfo(opened.backupInfo);
    for await (const f of opened.frames) v.push(f);
    return v.finish();
  }
  const src: ByteSource = source instanceof Uint8Array ? [source] : (source as ByteSource);
  for await (const m of splitBackupStream(src, options)) {
    if (m.index === 0) v.pushBackupInfo(m.bytes);
    else v.push(m.bytes);
  }
  return v.finish();
}
