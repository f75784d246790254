/**
 * The plaintext inside the gzip member: varint32-length-prefixed messages, BackupInfo first, then
 * Frames (reference 3.7). This module splits a stream of decompressed chunks into messages, with
 * a size limit so that a forged length cannot make us buffer gigabytes.
 */

import { concatBytes } from '../internal/bytes.js';
import { emptyInput, frameTooLarge, invalidLengthPrefix, truncatedFrame } from '../internal/frameErrors.js';
import { MAX_VARINT32_BYTES, readVarint32 } from '../internal/wire.js';

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

/** Longest varint prefix of a frame: a varint32. */
export const MAX_PREFIX = MAX_VARINT32_BYTES;
