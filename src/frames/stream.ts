/**
 * The frame stream: the plaintext of a backup is `varint(len) BackupInfo` followed by any number of
 * `varint(len) Frame` (signal-backup-format.md 3.7). Lengths are varint32: a length prefix longer
 * than 5 bytes or above 2^32-1 is an error.
 *
 * Three layers, each usable alone:
 * - {@link FrameSplitter}: synchronous push splitter of length-prefixed messages (bytes in, bytes
 *   out), any chunking, memory bounded by one message;
 * - {@link BackupStreamDecoder} / {@link BackupStreamEncoder}: typed synchronous push codecs;
 * - async generators over `AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>` and one-shot
 *   helpers over a `Uint8Array`.
 */

import { BackupError } from '../errors.js';
import {
  emptyInput,
  frameTooLarge,
  invalidLengthPrefix,
  messageName,
  truncatedFrame,
} from '../internal/frameErrors.js';
import { assertBytes, concatByteList } from '../internal/bytes.js';
import { type ByteSource, iterateBytes } from '../internal/stream.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  MAX_VARINT32_BYTES,
  readVarint32,
  varintLength,
  writeVarint,
} from '../internal/wire.js';
import { type BackupInfo, decodeBackupInfo, decodeFrame, encodeBackupInfo, encodeFrame, type Frame } from './codec.js';

export { DEFAULT_MAX_FRAME_BYTES };

/** Limits of the stream decoder. */
export interface FrameStreamOptions {
  /** Largest message (BackupInfo or Frame) accepted, in bytes. Default {@link DEFAULT_MAX_FRAME_BYTES}. */
  maxFrameBytes?: number;
  /** Longest length prefix accepted, 1..5 bytes (5 = any varint32). Default 5. */
  maxVarintBytes?: number;
}

/** One length-prefixed message cut from the stream. */
export interface RawMessage {
  /** 0 for the BackupInfo, then 1, 2, … for Frames. */
  index: number;
  /** Byte offset of the message's length prefix in the stream. */
  offset: number;
  /** The message bytes (without the prefix), owned by the caller. */
  bytes: Uint8Array;
}

/** A decoded stream record: the BackupInfo first, then Frames. */
export type BackupRecord =
  | {
      /** The first message of every backup. */
      type: 'backupInfo';
      /** Always 0: the BackupInfo is message 0. */
      index: 0;
      /** Byte offset of its length prefix in the plaintext stream. */
      offset: number;
      /** Its encoded length, without the prefix. */
      size: number;
      /** The decoded message. */
      backupInfo: BackupInfo;
    }
  | {
      /** Every message after the BackupInfo. */
      type: 'frame';
      /** Its position: 1 for the first Frame. */
      index: number;
      /** Byte offset of its length prefix in the plaintext stream. */
      offset: number;
      /** Its encoded length, without the prefix. */
      size: number;
      /** The decoded message. */
      frame: Frame;
    };

export type { ByteSource };

function checkOptions(options: FrameStreamOptions): { maxFrame: number; maxVarint: number } {
  const maxFrame = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const maxVarint = options.maxVarintBytes ?? MAX_VARINT32_BYTES;
  if (!Number.isInteger(maxFrame) || maxFrame < 0 || maxFrame > 0xffffffff) {
    throw new RangeError(`"maxFrameBytes" expected an integer in 0..2^32-1, got ${maxFrame}`);
  }
  if (!Number.isInteger(maxVarint) || maxVarint < 1 || maxVarint > MAX_VARINT32_BYTES) {
    throw new RangeError(`"maxVarintBytes" expected an integer in 1..5, got ${maxVarint}`);
  }
  return { maxFrame, maxVarint };
}

const what = messageName;

/**
 * Synchronous push splitter: feed chunks of any size with {@link FrameSplitter.push}, get the
 * complete messages, call {@link FrameSplitter.finish} at the end of input. Holds at most one
 * incomplete message (plus up to 5 prefix bytes).
 */
export class FrameSplitter {
  readonly #maxFrame: number;
  readonly #maxVarint: number;
  #offset = 0; // bytes consumed so far
  #index = 0; // index of the next message
  #start = 0; // offset of the current message's prefix
  readonly #prefix = new Uint8Array(MAX_VARINT32_BYTES);
  #prefixLength = 0;
  #body: Uint8Array | undefined; // the message being filled
  #filled = 0;

  /** @throws {RangeError} when an option is out of range. */
  constructor(options: FrameStreamOptions = {}) {
    const { maxFrame, maxVarint } = checkOptions(options);
    this.#maxFrame = maxFrame;
    this.#maxVarint = maxVarint;
  }

  /** Number of complete messages returned so far. */
  get count(): number {
    return this.#index;
  }

  /** Total bytes pushed so far. */
  get bytesRead(): number {
    return this.#offset;
  }

  /**
   * Consumes `chunk` and returns the messages it completes (possibly none).
   * @throws {BackupError} `INVALID_VARINT` for a bad length prefix, `FRAME_TOO_LARGE` above the limit.
   * @throws {TypeError} when `chunk` is not a Uint8Array.
   */
  push(chunk: Uint8Array): RawMessage[] {
    assertBytes(chunk, 'chunk');
    const out: RawMessage[] = [];
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      if (this.#body !== undefined) {
        const take = Math.min(end - pos, this.#body.length - this.#filled);
        this.#body.set(chunk.subarray(pos, pos + take), this.#filled);
        this.#filled += take;
        pos += take;
        if (this.#filled === this.#body.length) {
          out.push({ index: this.#index++, offset: this.#start, bytes: this.#body });
          this.#body = undefined;
        }
        continue;
      }
      // Reading a length prefix.
      let length: number;
      if (this.#prefixLength === 0) {
        this.#start = this.#offset + pos;
        const r = readVarint32(chunk, pos);
        if (!r.ok && r.reason === 'truncated') {
          this.#prefix.set(chunk.subarray(pos), 0);
          this.#prefixLength = end - pos;
          pos = end;
          if (this.#prefixLength >= this.#maxVarint) this.#badVarint('too-long');
          break;
        }
        if (!r.ok) this.#badVarint(r.reason);
        if (r.next - pos > this.#maxVarint) this.#badVarint('too-long');
        length = r.value;
        pos = r.next;
      } else {
        while (pos < end && this.#prefixLength < MAX_VARINT32_BYTES) {
          const b = chunk[pos++]!;
          this.#prefix[this.#prefixLength++] = b;
          if (b < 0x80) break;
        }
        const r = readVarint32(this.#prefix, 0, this.#prefixLength);
        if (!r.ok && r.reason === 'truncated') {
          if (this.#prefixLength >= this.#maxVarint) this.#badVarint('too-long');
          continue;
        }
        if (!r.ok) this.#badVarint(r.reason);
        if (r.next > this.#maxVarint) this.#badVarint('too-long');
        this.#prefixLength = 0;
        length = r.value;
      }
      if (length > this.#maxFrame) {
        throw frameTooLarge(this.#index, this.#start, length, this.#maxFrame);
      }
      if (end - pos >= length) {
        out.push({ index: this.#index++, offset: this.#start, bytes: chunk.slice(pos, pos + length) });
        pos += length;
      } else {
        this.#body = new Uint8Array(length);
        this.#filled = 0;
      }
    }
    this.#offset += end;
    return out;
  }

  /**
   * Declares the end of input.
   * @throws {BackupError} `EMPTY_INPUT` when no byte was pushed, `TRUNCATED_FRAME` when the input
   * ends inside a message or its length prefix.
   */
  finish(): void {
    if (this.#offset === 0) throw emptyInput();
    if (this.#body !== undefined || this.#prefixLength > 0) {
      const detail =
        this.#body !== undefined
          ? `has ${this.#filled} of its ${this.#body.length} bytes`
          : 'ends inside its length prefix';
      throw truncatedFrame(this.#index, this.#start, detail);
    }
  }

  #badVarint(reason: 'truncated' | 'too-long' | 'too-large'): never {
    const why = reason === 'too-large' ? 'exceeds 2^32-1' : `is longer than ${this.#maxVarint} bytes`;
    throw invalidLengthPrefix(this.#index, this.#start, why);
  }
}

/** Decodes one raw message as BackupInfo (index 0) or Frame, adding its position to any error. */
function decodeRecord(message: RawMessage): BackupRecord {
  try {
    const size = message.bytes.length;
    return message.index === 0
      ? { type: 'backupInfo', index: 0, offset: message.offset, size, backupInfo: decodeBackupInfo(message.bytes) }
      : { type: 'frame', index: message.index, offset: message.offset, size, frame: decodeFrame(message.bytes) };
  } catch (e) {
    const cause = (e as { cause?: Error }).cause;
    throw new BackupError(
      'INVALID_FRAME',
      `${what(message.index)} at byte ${message.offset} does not parse: ${cause?.message ?? (e as Error).message}`,
      { offset: message.offset, frameIndex: message.index, cause: e },
    );
  }
}

/**
 * Synchronous typed push decoder: the first record is the BackupInfo, then Frames.
 * Works in every runtime with any chunking.
 */
export class BackupStreamDecoder {
  readonly #splitter: FrameSplitter;

  /** @throws {RangeError} when an option is out of range. */
  constructor(options: FrameStreamOptions = {}) {
    this.#splitter = new FrameSplitter(options);
  }

  /**
   * Consumes `chunk` and returns the records it completes.
   * @throws {BackupError} `INVALID_VARINT`, `FRAME_TOO_LARGE`, `INVALID_FRAME` (with offset and frameIndex).
   * @throws {TypeError} when `chunk` is not a Uint8Array.
   */
  push(chunk: Uint8Array): BackupRecord[] {
    return this.#splitter.push(chunk).map(decodeRecord);
  }

  /**
   * Declares the end of input.
   * @throws {BackupError} `EMPTY_INPUT` or `TRUNCATED_FRAME`.
   */
  finish(): void {
    this.#splitter.finish();
  }
}

/** Prefixes `body` with its varint length. */
export function delimit(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(varintLength(body.length) + body.length);
  out.set(body, writeVarint(out, 0, body.length));
  return out;
}

/**
 * Synchronous typed encoder: {@link BackupStreamEncoder.backupInfo} once, then
 * {@link BackupStreamEncoder.frame} for each frame; each returns length-prefixed bytes to append.
 */
export class BackupStreamEncoder {
  #count = 0;

  /**
   * Encodes the BackupInfo (must be the first call).
   * @throws {Error} when called twice or after a frame.
   */
  backupInfo(info: BackupInfo): Uint8Array {
    if (this.#count !== 0) throw new Error('BackupInfo must be written first and only once');
    this.#count++;
    return delimit(encodeBackupInfo(info));
  }

  /**
   * Encodes one Frame.
   * @throws {Error} when no BackupInfo was written yet.
   * @throws {TypeError | RangeError} for malformed frame values (see {@link encodeFrame}).
   */
  frame(frame: Frame): Uint8Array {
    if (this.#count === 0) throw new Error('write the BackupInfo before the first frame');
    this.#count++;
    return delimit(encodeFrame(frame));
  }
}

/**
 * Splits a byte source into length-prefixed messages (BackupInfo bytes, then each Frame's bytes).
 * @throws {BackupError} `EMPTY_INPUT`, `TRUNCATED_FRAME`, `INVALID_VARINT`, `FRAME_TOO_LARGE`.
 */
export async function* splitBackupStream(
  source: ByteSource,
  options: FrameStreamOptions = {},
): AsyncGenerator<RawMessage> {
  const splitter = new FrameSplitter(options);
  for await (const chunk of iterateBytes(source)) yield* splitter.push(chunk);
  splitter.finish();
}

/**
 * Decodes a byte source into records: the BackupInfo, then each Frame, in bounded memory.
 * @throws {BackupError} `EMPTY_INPUT`, `TRUNCATED_FRAME`, `INVALID_VARINT`, `FRAME_TOO_LARGE`, `INVALID_FRAME`.
 */
export async function* decodeBackupStream(
  source: ByteSource,
  options: FrameStreamOptions = {},
): AsyncGenerator<BackupRecord> {
  for await (const message of splitBackupStream(source, options)) yield decodeRecord(message);
}

/**
 * Encodes a BackupInfo and frames into length-prefixed chunks (one per message).
 * @throws {TypeError | RangeError} for malformed values (see {@link encodeFrame}).
 */
export async function* encodeBackupStream(
  info: BackupInfo,
  frames: AsyncIterable<Frame> | Iterable<Frame>,
): AsyncGenerator<Uint8Array> {
  const encoder = new BackupStreamEncoder();
  yield encoder.backupInfo(info);
  for await (const frame of frames) yield encoder.frame(frame);
}

/** A whole backup plaintext in memory. */
export interface DecodedBackup {
  /** The first message. */
  backupInfo: BackupInfo;
  /** Every Frame, in file order. */
  frames: Frame[];
}

/**
 * Decodes a whole backup plaintext held in memory.
 * @throws {BackupError} `EMPTY_INPUT`, `TRUNCATED_FRAME`, `INVALID_VARINT`, `FRAME_TOO_LARGE`, `INVALID_FRAME`.
 * @throws {TypeError} when `bytes` is not a Uint8Array.
 */
export function decodeBackup(bytes: Uint8Array, options: FrameStreamOptions = {}): DecodedBackup {
  assertBytes(bytes, 'bytes');
  const decoder = new BackupStreamDecoder(options);
  const records = decoder.push(bytes);
  decoder.finish();
  let backupInfo: BackupInfo | undefined;
  const frames: Frame[] = [];
  for (const r of records) {
    if (r.type === 'backupInfo') backupInfo = r.backupInfo;
    else frames.push(r.frame);
  }
  return { backupInfo: backupInfo!, frames };
}

/**
 * Encodes a whole backup plaintext: `varint(len) BackupInfo` then `varint(len) Frame` for each frame.
 * @throws {TypeError | RangeError} for malformed values (see {@link encodeFrame}).
 */
export function encodeBackup(backup: DecodedBackup): Uint8Array {
  if (typeof backup !== 'object' || backup === null || !Array.isArray(backup.frames)) {
    throw new TypeError('"backup" expected { backupInfo, frames: Frame[] }');
  }
  const encoder = new BackupStreamEncoder();
  return concatByteList([encoder.backupInfo(backup.backupInfo), ...backup.frames.map((f) => encoder.frame(f))]);
}
