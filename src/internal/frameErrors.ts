/**
 * The errors of the varint-delimited message stream (docs/format.md §7), built in one place so
 * that the public splitter (`sbackup/frames`) and the container's internal one say the same thing
 * about the same problem. Index 0 is the BackupInfo; `offset` is the byte offset of the message's
 * length prefix in the plaintext.
 */

import { BackupError } from '../errors.js';

/** "BackupInfo" or "frame N". */
export function messageName(index: number): string {
  return index === 0 ? 'BackupInfo' : `frame ${index}`;
}

/** `FRAME_TOO_LARGE`: a length prefix above the `maxFrameBytes` limit. */
export function frameTooLarge(index: number, offset: number, length: number, limit: number): BackupError {
  return new BackupError(
    'FRAME_TOO_LARGE',
    `${messageName(index)} at byte ${offset} is ${length} bytes, above the limit of ${limit} (maxFrameBytes)`,
    { offset, frameIndex: index, length, limit },
  );
}

/** `INVALID_VARINT`: a length prefix that is not a varint32 (or longer than allowed). */
export function invalidLengthPrefix(index: number, offset: number, why: string): BackupError {
  return new BackupError('INVALID_VARINT', `length prefix of ${messageName(index)} at byte ${offset} ${why}`, {
    offset,
    frameIndex: index,
  });
}

/** `TRUNCATED_FRAME`: the stream ends inside a message or its length prefix. */
export function truncatedFrame(index: number, offset: number, detail: string): BackupError {
  return new BackupError('TRUNCATED_FRAME', `${messageName(index)} at byte ${offset} is truncated: it ${detail}`, {
    offset,
    frameIndex: index,
  });
}

/** `EMPTY_INPUT`: no message at all, not even a BackupInfo. */
export function emptyInput(): BackupError {
  return new BackupError('EMPTY_INPUT', 'the backup plaintext is empty: it holds no BackupInfo', {
    offset: 0,
    frameIndex: 0,
  });
}
