/**
 * One gzip member (RFC 1952) around a backend's raw DEFLATE streams: we write and read the
 * header and the CRC-32/ISIZE trailer ourselves, so every backend frames the member the same way
 * and the reader knows exactly where the member ends (libsignal ignores what follows it).
 */

import type { CryptoBackend, DeflateStream, InflateStream, MaybePromise } from '../backends/types.js';
import { BackupError } from '../errors.js';
import { concatBytes } from '../internal/bytes.js';
import { MAX_VARINT32_BYTES, writeVarint } from '../internal/wire.js';
import { storedDeflate } from './stored.js';

/**
 * The header libsignal's tools write: magic 1f 8b, method 8 (deflate), no flags, mtime 0, no
 * extra flags, OS 255 "unknown" (RFC 1952 section 2.3; docs/format.md §6).
 */
export const GZIP_HEADER = /* @__PURE__ */ Uint8Array.of(0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff);
/** CRC-32 and ISIZE, 4 bytes each, little-endian (RFC 1952 section 2.3.1). */
const TRAILER_LENGTH = 8;
// Header flag bits (RFC 1952 section 2.3.1).
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const RESERVED_FLAGS = 0xe0;
/** Longest header we accept (names and comments are unbounded in the RFC). */
const MAX_HEADER_LENGTH = 64 * 1024;
/** Compressed bytes given to the inflater at once: bounds one call's output (DEFLATE expands at most ~1032x). */
const INFLATE_SLICE = 64 * 1024;
/** Uncompressed bytes staged before they go to the compressor (fewer, larger calls). */
const DEFLATE_STAGE = 64 * 1024;

const EMPTY = new Uint8Array(0);

function le32(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
}

function readLe32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/**
 * Writes one gzip member. Output chunks go to `sink` as they appear. `write` stages input;
 * `flush` ends a DEFLATE block; `finish` ends the member. Synchronous for every shipped backend.
 */
export class GzipWriter {
  private readonly deflate: DeflateStream;
  private readonly stage = new Uint8Array(DEFLATE_STAGE);
  private staged = 0;
  private crc = 0;
  /** Uncompressed bytes written so far. */
  uncompressedLength = 0;
  /** Compressed bytes produced so far (header included). */
  compressedLength = 0;
  /** Uncompressed bytes written since the last flush. */
  sinceFlush = 0;

  constructor(
    private readonly backend: CryptoBackend,
    level: number,
    private readonly sink: (chunk: Uint8Array) => void,
  ) {
    // Level 0 is written by the core for every backend, so that its output is byte-identical.
    this.deflate = level === 0 ? storedDeflate() : backend.createDeflate(level);
    this.emit(GZIP_HEADER);
  }

  private emit(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.compressedLength += chunk.length;
    this.sink(chunk);
  }

  private async settle(v: MaybePromise<Uint8Array>): Promise<void> {
    this.emit(await v);
  }

  private drainStage(): MaybePromise<void> {
    if (this.staged === 0) return;
    const data = this.stage.subarray(0, this.staged);
    this.crc = this.backend.crc32(data, this.crc);
    this.staged = 0;
    const out = this.deflate.push(data);
    if (out instanceof Promise) return this.settle(out);
    this.emit(out);
  }

  /**
   * Fast path: stages `varint(len) || message` when both fit in the stage (nothing to compress
   * yet), and returns the bytes added; returns 0 and does nothing when they do not fit.
   */
  stageDelimited(message: Uint8Array): number {
    const n = message.length;
    if (this.staged + n + MAX_VARINT32_BYTES > this.stage.length) return 0;
    const start = this.staged;
    const at = writeVarint(this.stage, start, n);
    this.stage.set(message, at);
    this.staged = at + n;
    const added = this.staged - start;
    this.uncompressedLength += added;
    this.sinceFlush += added;
    return added;
  }

  /** Adds uncompressed bytes. */
  write(data: Uint8Array): MaybePromise<void> {
    this.uncompressedLength += data.length;
    this.sinceFlush += data.length;
    if (this.staged + data.length <= this.stage.length) {
      this.stage.set(data, this.staged);
      this.staged += data.length;
      return;
    }
    const pending = this.drainStage();
    if (pending instanceof Promise) return pending.then(() => this.writeLarge(data));
    return this.writeLarge(data);
  }

  private writeLarge(data: Uint8Array): MaybePromise<void> {
    if (data.length <= this.stage.length) {
      this.stage.set(data);
      this.staged = data.length;
      return;
    }
    this.crc = this.backend.crc32(data, this.crc);
    const out = this.deflate.push(data);
    if (out instanceof Promise) return this.settle(out);
    this.emit(out);
  }

  /** Ends the current DEFLATE block (nothing happens when nothing was written since the last one). */
  flush(): MaybePromise<void> {
    if (this.sinceFlush === 0) return;
    this.sinceFlush = 0;
    const pending = this.drainStage();
    if (pending instanceof Promise) return pending.then(() => this.settle(this.deflate.flush()));
    const out = this.deflate.flush();
    if (out instanceof Promise) return this.settle(out);
    this.emit(out);
  }

  /** Ends the member: final block and trailer. */
  finish(): MaybePromise<void> {
    const end = (out: Uint8Array) => {
      this.emit(out);
      this.emit(le32(this.crc));
      this.emit(le32(this.uncompressedLength % 2 ** 32));
    };
    const pending = this.drainStage();
    if (pending instanceof Promise) return pending.then(async () => end(await this.deflate.finish()));
    const out = this.deflate.finish();
    if (out instanceof Promise) return out.then(end);
    end(out);
  }
}

/** What followed the gzip member in the plaintext (libsignal ignores it; we report it). */
export interface TrailingBytes {
  /** Bytes after the member (the writer's zero padding). */
  readonly length: number;
  /** How many of them are not zero. */
  readonly nonZero: number;
}

function gzipError(message: string): BackupError {
  return new BackupError('DECOMPRESSION_FAILED', `gzip: ${message}`);
}

/** Length of the gzip header at the start of `b`, or -1 when more bytes are needed. */
function headerLength(b: Uint8Array): number {
  if (b.length >= 1 && b[0] !== 0x1f) throw gzipError('not gzip data (bad magic number)');
  if (b.length >= 2 && b[1] !== 0x8b) throw gzipError('not gzip data (bad magic number)');
  if (b.length >= 3 && b[2] !== 8) throw gzipError(`unknown compression method ${b[2]}`);
  if (b.length < 10) return -1;
  const flags = b[3]!;
  if (flags & RESERVED_FLAGS) throw gzipError('reserved header flags are set');
  let o = 10;
  if (flags & FEXTRA) {
    if (b.length < o + 2) return -1;
    o += 2 + (b[o]! | (b[o + 1]! << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag) {
      const nul = b.indexOf(0, o);
      if (nul < 0) return b.length > MAX_HEADER_LENGTH ? fail() : -1;
      o = nul + 1;
    }
  }
  if (flags & FHCRC) o += 2;
  if (o > MAX_HEADER_LENGTH) fail();
  return b.length >= o ? o : -1;
}

function fail(): never {
  throw gzipError(`header longer than ${MAX_HEADER_LENGTH} bytes`);
}

/**
 * Reads one gzip member from pushed plaintext, checking its CRC-32 and length, and counts the
 * bytes after it. `onData` receives the decompressed bytes.
 */
export class GzipReader {
  private state: 'header' | 'body' | 'trailer' | 'after' = 'header';
  private held: Uint8Array = EMPTY;
  private readonly inflate: InflateStream;
  private crc = 0;
  private size = 0;
  private trailingLength = 0;
  private trailingNonZero = 0;

  constructor(
    private readonly backend: CryptoBackend,
    private readonly onData: (chunk: Uint8Array) => MaybePromise<void>,
    private readonly maxDecompressed: number,
  ) {
    this.inflate = backend.createInflate();
  }

  /** Decompressed bytes so far. */
  get decompressedLength(): number {
    return this.size;
  }

  private hold(data: Uint8Array): Uint8Array {
    if (this.held.length === 0) return data;
    const all = concatBytes(this.held, data);
    this.held = EMPTY;
    return all;
  }

  /** Feeds plaintext (the decrypted, unpadded body). */
  async push(data: Uint8Array): Promise<void> {
    let input = data;
    while (input.length > 0) {
      switch (this.state) {
        case 'header': {
          const all = this.hold(input);
          const n = headerLength(all);
          if (n < 0) {
            this.held = all.slice();
            return;
          }
          this.state = 'body';
          input = all.subarray(n);
          break;
        }
        case 'body': {
          const slice = input.subarray(0, INFLATE_SLICE);
          input = input.subarray(slice.length);
          const out = await this.inflate.push(slice);
          if (out.length > 0) await this.output(out);
          if (this.inflate.ended) {
            this.state = 'trailer';
            input = concatBytes(this.inflate.rest, input);
          }
          break;
        }
        case 'trailer': {
          const all = this.hold(input);
          if (all.length < TRAILER_LENGTH) {
            this.held = all.slice();
            return;
          }
          if (readLe32(all, 0) !== this.crc) throw gzipError('CRC-32 of the decompressed data does not match');
          if (readLe32(all, 4) !== this.size % 2 ** 32)
            throw gzipError('length of the decompressed data does not match');
          this.state = 'after';
          input = all.subarray(TRAILER_LENGTH);
          break;
        }
        case 'after': {
          this.trailingLength += input.length;
          for (let i = 0; i < input.length; i++) if (input[i] !== 0) this.trailingNonZero++;
          return;
        }
      }
    }
  }

  private async output(out: Uint8Array): Promise<void> {
    this.size += out.length;
    if (this.size > this.maxDecompressed) {
      throw new BackupError(
        'LIMIT_EXCEEDED',
        `the backup decompresses to more than ${this.maxDecompressed} bytes (raise maxDecompressedBytes to read it)`,
      );
    }
    this.crc = this.backend.crc32(out, this.crc);
    await this.onData(out);
  }

  /**
   * Checks that the member was complete and returns what followed it.
   *
   * @throws {BackupError} `DECOMPRESSION_FAILED` when the plaintext ended inside the member.
   */
  end(): TrailingBytes {
    if (this.state !== 'after') throw gzipError('the compressed stream ends early');
    return { length: this.trailingLength, nonZero: this.trailingNonZero };
  }
}
