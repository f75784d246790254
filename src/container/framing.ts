/**
 * The plaintext inside the gzip member: varint32-length-prefixed messages, BackupInfo first, then
 * Frames (docs/format.md §7). This module splits a stream of decompressed chunks into messages, with
 * a size limit so that a forged length cannot make us buffer gigabytes.
 */

import { concatBytes } from '../internal/bytes.js';
import { emptyInput, frameTooLarge, invalidLengthPrefix, truncatedFrame } from '../internal/frameErrors.js';
import { encodeVarint, MAX_VARINT32_BYTES, readVarint32, varintLength } from '../internal/wire.js';

const EMPTY = new Uint8Array(0);

/**
 * Splits decompressed bytes into messages; index 0 is the BackupInfo. Internal to the container:
 * unlike the public `FrameSplitter` of `sbackup/frames`, which copies every message out, this one
 * hands out views into the inflated chunk (the reader's hot path), in bounded batches. Both build
 * their errors with internal/frameErrors.ts, so they report a problem in the same words.
 */
export class ChunkSplitter {
  private held: Uint8Array = EMPTY;
  /** Bytes of the message being assembled across chunks. */
  private partial: Uint8Array | undefined;
  private partialFilled = 0;
  /** Messages emitted so far. */
  count = 0;
  /** Plaintext bytes pushed before the current call. */
  private total = 0;
  /** Plaintext offset of the length prefix of the message being assembled (or held). */
  private start = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Splits `chunk`, returning the complete messages it finishes (views into `chunk` when possible). */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.pushSome(chunk, out, Number.POSITIVE_INFINITY);
    return out;
  }

  /**
   * Splits at most `max` messages off `chunk` into `out` and returns the unsplit rest of the chunk
   * (`undefined` when it is used up), to be passed back in before any later chunk. A reader hands
   * out one batch before it splits the next, so a chunk of millions of tiny messages (a few KiB of
   * ciphertext can inflate to tens of MiB of empty frames) never sits in memory as millions of views.
   */
  pushSome(chunk: Uint8Array, out: Uint8Array[], max: number): Uint8Array | undefined {
    const rest = this.split(chunk, out, max);
    this.total += chunk.length - (rest?.length ?? 0);
    return rest;
  }

  private split(chunk: Uint8Array, out: Uint8Array[], max: number): Uint8Array | undefined {
    /** Plaintext offset of data[0], for error details. */
    let base = this.total;
    let data = chunk;
    if (this.partial !== undefined) {
      const need = this.partial.length - this.partialFilled;
      const take = Math.min(need, data.length);
      this.partial.set(data.subarray(0, take), this.partialFilled);
      this.partialFilled += take;
      base += take;
      data = data.subarray(take);
      if (this.partialFilled < this.partial.length) return undefined;
      out.push(this.partial);
      this.partial = undefined;
      this.count++;
    }
    if (this.held.length > 0) {
      data = concatBytes(this.held, data);
      base -= this.held.length;
      this.held = EMPTY;
    }
    let pos = 0;
    while (pos < data.length) {
      // The held bytes are an incomplete varint, so the first message always ends inside `chunk`:
      // a rest returned here is a suffix of `chunk`.
      if (out.length >= max) return data.subarray(pos);
      const v = readVarint32(data, pos);
      if (!v.ok) {
        if (v.reason === 'truncated') {
          this.held = data.slice(pos);
          this.start = base + pos;
          return undefined;
        }
        throw invalidLengthPrefix(
          this.count,
          base + pos,
          v.reason === 'too-large' ? 'exceeds 2^32-1' : `is longer than ${MAX_VARINT32_BYTES} bytes`,
        );
      }
      if (v.value > this.maxFrameBytes) throw frameTooLarge(this.count, base + pos, v.value, this.maxFrameBytes);
      const end = v.next + v.value;
      if (end <= data.length) {
        out.push(data.subarray(v.next, end));
        this.count++;
        pos = end;
        continue;
      }
      this.start = base + pos;
      this.partial = new Uint8Array(v.value);
      this.partial.set(data.subarray(v.next));
      this.partialFilled = data.length - v.next;
      return undefined;
    }
    return undefined;
  }

  /**
   * Checks that the plaintext ended between messages and held at least the BackupInfo.
   *
   * @throws {BackupError} `TRUNCATED_FRAME` when it ended inside a message, `EMPTY_INPUT` when it held none.
   */
  finish(): void {
    if (this.partial !== undefined) {
      throw truncatedFrame(this.count, this.start, `has ${this.partialFilled} of its ${this.partial.length} bytes`);
    }
    if (this.held.length > 0) throw truncatedFrame(this.count, this.start, 'ends inside its length prefix');
    if (this.count === 0) throw emptyInput();
  }
}

/**
 * Checks the framing of decompressed bytes without splitting them: the byte-copy path of a
 * reader whose output is the varint-delimited stream itself (`sbackup decrypt`). It applies the
 * rules of {@link ChunkSplitter}, with the same errors and details, and hands each chunk back as
 * the bytes to write: the chunk itself (a view, no copy), except that a length prefix is always
 * written in its shortest form (as a writer re-encoding the split messages would write it; a
 * longer, non-minimal prefix is replaced) and a prefix cut by the chunk's end is held back
 * until it is complete.
 */
export class FrameScanner {
  /** Messages completed so far. */
  count = 0;
  /** Bytes of the current message still to come. */
  private remaining = 0;
  /** Length of the current message (meaningful while `remaining > 0`). */
  private length = 0;
  /** An incomplete length prefix held from the previous chunk. */
  private held: Uint8Array = EMPTY;
  /** Plaintext bytes scanned before the current call. */
  private total = 0;
  /** Plaintext offset of the length prefix of the current message (or of the held prefix). */
  private start = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Starts the message whose prefix (read as `value`) begins at plaintext offset `at`. */
  private begin(value: number, at: number): void {
    if (value > this.maxFrameBytes) throw frameTooLarge(this.count, at, value, this.maxFrameBytes);
    this.start = at;
    this.length = value;
    this.remaining = value;
    if (value === 0) this.count++;
  }

  /**
   * Checks `chunk` and appends the bytes to write for it to `out` (possibly none, usually `chunk`
   * itself). The views stay valid as long as `chunk` does.
   */
  scan(chunk: Uint8Array, out: Uint8Array[]): void {
    const base = this.total;
    this.total += chunk.length;
    let pos = 0;
    if (this.held.length > 0) {
      const held = this.held;
      const all = concatBytes(held, chunk.subarray(0, MAX_VARINT32_BYTES));
      const v = readVarint32(all, 0);
      if (!v.ok) {
        if (v.reason === 'truncated') {
          this.held = all;
          return;
        }
        throw invalidLengthPrefix(
          this.count,
          this.start,
          v.reason === 'too-large' ? 'exceeds 2^32-1' : `is longer than ${MAX_VARINT32_BYTES} bytes`,
        );
      }
      this.held = EMPTY;
      this.begin(v.value, this.start);
      out.push(encodeVarint(v.value));
      pos = v.next - held.length;
    }
    /** Start of the bytes not yet handed out. */
    let from = pos;
    const end = chunk.length;
    for (;;) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, end - pos);
        this.remaining -= take;
        pos += take;
        if (this.remaining > 0) break;
        this.count++;
      }
      if (pos >= end) break;
      // Fast path: a one- or two-byte prefix inside the chunk (every frame under 16 KiB), with
      // the limit check of `begin` inlined; anything else goes through readVarint32.
      const b0 = chunk[pos]!;
      if (b0 < 0x80 || (pos + 1 < end && chunk[pos + 1]! < 0x80 && chunk[pos + 1]! !== 0)) {
        const value = b0 < 0x80 ? b0 : (b0 & 0x7f) | (chunk[pos + 1]! << 7);
        if (value > this.maxFrameBytes) throw frameTooLarge(this.count, base + pos, value, this.maxFrameBytes);
        this.start = base + pos;
        this.length = value;
        this.remaining = value;
        pos += b0 < 0x80 ? 1 : 2;
        if (value === 0) this.count++;
        else if (pos + value < end) {
          // The whole message is in the chunk: skip it at once.
          pos += value;
          this.remaining = 0;
          this.count++;
        }
        continue;
      }
      const v = readVarint32(chunk, pos);
      if (!v.ok) {
        if (v.reason === 'truncated') {
          if (pos > from) out.push(chunk.subarray(from, pos));
          this.held = chunk.slice(pos);
          this.start = base + pos;
          return;
        }
        throw invalidLengthPrefix(
          this.count,
          base + pos,
          v.reason === 'too-large' ? 'exceeds 2^32-1' : `is longer than ${MAX_VARINT32_BYTES} bytes`,
        );
      }
      this.begin(v.value, base + pos);
      if (v.next - pos !== varintLength(v.value)) {
        // A non-minimal prefix: written in its shortest form.
        if (pos > from) out.push(chunk.subarray(from, pos));
        out.push(encodeVarint(v.value));
        from = v.next;
      }
      pos = v.next;
    }
    if (from < chunk.length) out.push(from === 0 ? chunk : chunk.subarray(from));
  }

  /**
   * Checks that the plaintext ended between messages and held at least the BackupInfo.
   *
   * @throws {BackupError} as {@link ChunkSplitter.finish}.
   */
  finish(): void {
    if (this.remaining > 0) {
      throw truncatedFrame(this.count, this.start, `has ${this.length - this.remaining} of its ${this.length} bytes`);
    }
    if (this.held.length > 0) throw truncatedFrame(this.count, this.start, 'ends inside its length prefix');
    if (this.count === 0) throw emptyInput();
  }
}

/** Longest varint prefix of a frame: a varint32. */
export const MAX_PREFIX = MAX_VARINT32_BYTES;
