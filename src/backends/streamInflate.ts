/**
 * Raw DEFLATE decompression through the runtime's native `DecompressionStream('deflate-raw')`
 * (zlib inside browsers), for the WebCrypto backend. The container needs to know exactly where
 * the DEFLATE stream ends (the gzip trailer and the padding follow it), which the web API does not
 * report; what it does (Chromium, and the Compression Streams spec) is reject a write that holds
 * bytes after the end ("junk"), after the output before the end has been delivered. So:
 *
 * - the bytes that may hold the end are never written in bulk: the last 8 bytes of the input seen
 *   so far and the run of zero bytes before them (the gzip trailer is 8 bytes, and writers pad
 *   with zeros) are held back until more input comes;
 * - when those held bytes can hold a trailer that fits the output so far (its length field in
 *   range), they are written one at a time: the first byte the stream rejects is the first byte
 *   after its end, exactly;
 * - if the end still comes inside a bulk write (non-zero bytes after the trailer, which no known
 *   writer produces), the output of that write is collected from read requests issued in
 *   advance, and the end is the first place where a trailer whose length field matches the
 *   output starts. This fallback is exact for every file whose compressed data does not contain
 *   those four bytes by chance (probability about 2^-32 per byte of the last write): a crafted
 *   file could make it report a different padding length, or fail its CRC check, never change
 *   the plaintext.
 *
 * Where `DecompressionStream('deflate-raw')` is missing or does not reject junk (Node's web
 * streams ignore it), fflate is used instead; the check runs once, at first use.
 */

import { BackupError } from '../errors.js';
import { concatByteList, concatBytes } from '../internal/bytes.js';
import { fflateInflate } from './flate.js';
import type { InflateStream } from './types.js';

const EMPTY = new Uint8Array(0);
/** Length of the gzip trailer (CRC-32 and ISIZE, RFC 1952 section 2.3.1). */
const TRAILER = 8;
/** Most bytes of zero run held back (beyond it, zeros are written in bulk; the fallback applies). */
const MAX_HELD = 1 << 20;
/** Input kept to locate the end exactly by replaying it (fflate) if the fallback is needed. */
const HISTORY_MAX = 1 << 20;
/** Read requests kept waiting, so that output is delivered (not queued) while a write runs. */
const READS_AHEAD = 32;
/**
 * Generous bound on DEFLATE's expansion: a length/distance pair of 2 bits can stand for 258
 * bytes, so at most 1032 output bytes per input byte (plus one pair in flight).
 */
const maxOutput = (inputBytes: number): number => 1032 * inputBytes + 258;

type Ctor = new (format: 'deflate-raw') => TransformStream<Uint8Array, Uint8Array>;

function nativeCtor(): Ctor | undefined {
  return (globalThis as { DecompressionStream?: Ctor }).DecompressionStream;
}

let support: Promise<boolean> | undefined;

/**
 * Whether `DecompressionStream('deflate-raw')` exists here and rejects bytes after the end of the
 * stream (what {@link streamInflate} relies on). Checked once, when first asked.
 */
export function hasRawDecompressionStream(): Promise<boolean> {
  support ??= probe();
  return support;
}

async function probe(): Promise<boolean> {
  const Ds = nativeCtor();
  if (Ds === undefined) return false;
  try {
    const ds = new Ds('deflate-raw');
    const writer = ds.writable.getWriter();
    const reader = ds.readable.getReader();
    // A waiting read request lets the writes through (the readable side has no buffer).
    reader.read().catch(() => {});
    // An empty final block with fixed codes ("03 00"), then one byte of junk.
    const first = await writer.write(Uint8Array.of(3, 0)).then(
      () => true,
      () => false,
    );
    const junk = await writer.write(Uint8Array.of(1)).then(
      () => false,
      () => true,
    );
    // Never wait for that read: on a stream that ignores junk it would wait for ever.
    writer.abort().catch(() => {});
    return first && junk;
  } catch {
    return false;
  }
}

function corrupt(cause: unknown): BackupError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new BackupError('DECOMPRESSION_FAILED', `gzip data is corrupt (${message})`, { cause });
}

const le32 = (b: Uint8Array, o: number): number =>
  (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** Where the bytes that may hold the end start: the last 8 and the zeros before them. */
function heldStart(all: Uint8Array): number {
  let i = all.length - TRAILER;
  const floor = Math.max(0, all.length - TRAILER - MAX_HELD);
  while (i > floor && all[i - 1] === 0) i--;
  return Math.max(0, i);
}

type Read = Promise<ReadableStreamReadResult<Uint8Array>>;
const NOT_YET = Symbol('not yet');

/** A raw DEFLATE decompressor on `DecompressionStream` (see the module comment). */
class NativeInflate implements InflateStream {
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Read requests issued in advance, oldest first (they are fulfilled in this order). */
  private readonly reads: Read[] = [];
  private readonly output: Uint8Array[] = [];
  /** Output bytes so far, modulo 2^32 (the gzip trailer's ISIZE). */
  private produced = 0;
  /** Input received but not yet written (it may hold the end of the stream). */
  private held: Uint8Array = EMPTY;
  /** Every byte written so far, while they total at most {@link HISTORY_MAX} (then dropped). */
  private history: Uint8Array[] | undefined = [];
  private historyBytes = 0;
  /** Output bytes handed out by `push` so far. */
  private returned = 0;
  private done = false;
  private after: Uint8Array = EMPTY;

  constructor(Ds: Ctor) {
    const ds = new Ds('deflate-raw');
    this.writer = ds.writable.getWriter();
    this.reader = ds.readable.getReader();
    this.topUp();
  }

  get ended(): boolean {
    return this.done;
  }

  get rest(): Uint8Array {
    return this.after;
  }

  private topUp(): void {
    while (this.reads.length < READS_AHEAD) {
      const read = this.reader.read();
      // Rejections are expected once the stream fails; they are seen through `write`.
      read.catch(() => {});
      this.reads.push(read);
    }
  }

  /** Takes the output already delivered (read requests already fulfilled), in order. */
  private async collect(): Promise<void> {
    while (this.reads.length > 0) {
      // A read request fulfilled while the write ran is already settled, so it wins the race.
      let r: ReadableStreamReadResult<Uint8Array> | typeof NOT_YET;
      try {
        r = await Promise.race([this.reads[0]!, Promise.resolve(NOT_YET)]);
      } catch {
        break;
      }
      if (r === NOT_YET) break;
      this.reads.shift();
      if (r.done) break;
      this.output.push(r.value);
      this.produced = (this.produced + r.value.length) >>> 0;
    }
  }

  /** Writes `bytes`; returns the error when the stream rejects them, after collecting the output. */
  private async write(bytes: Uint8Array): Promise<unknown> {
    if (this.history !== undefined) {
      this.historyBytes += bytes.length;
      if (this.historyBytes <= HISTORY_MAX) this.history.push(bytes.slice());
      else this.history = undefined;
    }
    let error: unknown;
    try {
      await this.writer.write(bytes);
    } catch (e) {
      error = e ?? new Error('rejected');
    }
    await this.collect();
    if (error === undefined) this.topUp();
    return error;
  }

  private finish(rest: Uint8Array): void {
    this.done = true;
    this.after = rest.slice();
    this.held = EMPTY;
    this.writer.abort().catch(() => {});
  }

  private drain(): Uint8Array {
    const out = this.output.length === 1 ? this.output[0]! : concatByteList(this.output);
    this.output.length = 0;
    this.returned += out.length;
    return out;
  }

  /**
   * Locates the end exactly by inflating everything written so far again with fflate (small
   * streams only), then `after` (input not written); returns the output not yet handed out.
   */
  private replay(error: unknown, after: Uint8Array): Uint8Array {
    const inf = fflateInflate();
    const out = inf.push(concatByteList([...this.history!, after])) as Uint8Array;
    if (!inf.ended) throw corrupt(error);
    this.finish(inf.rest);
    this.output.length = 0;
    const rest = out.subarray(this.returned);
    this.returned += rest.length;
    return rest;
  }

  /** True when `held` could hold a trailer whose length field fits the output so far. */
  private mayEndIn(held: Uint8Array): boolean {
    for (let q = 0; q + TRAILER <= held.length; q++) {
      const extra = (le32(held, q + 4) - this.produced) >>> 0;
      if (extra <= maxOutput(q)) return true;
    }
    return false;
  }

  async push(data: Uint8Array): Promise<Uint8Array> {
    if (this.done) throw new Error('inflate stream already ended');
    const all = this.held.length === 0 ? data : concatBytes(this.held, data);
    const cut = heldStart(all);
    this.held = all.slice(cut);
    if (cut > 0) {
      const error = await this.write(all.subarray(0, cut));
      if (error !== undefined) {
        // The end may lie inside this write (bytes after the trailer are not zeros).
        if (this.history !== undefined) return this.replay(error, all.subarray(cut));
        // A large stream: the first trailer whose length field matches the output.
        for (let q = 0; q < cut && q + TRAILER <= all.length; q++) {
          if (le32(all, q + 4) === this.produced && (this.produced !== 0 || le32(all, q) === 0)) {
            this.finish(all.subarray(q));
            return this.drain();
          }
        }
        throw corrupt(error);
      }
    }
    if (this.mayEndIn(this.held)) {
      const held = this.held;
      this.held = EMPTY;
      for (let i = 0; i < held.length; i++) {
        const error = await this.write(held.subarray(i, i + 1));
        if (error === undefined) continue;
        // Rejected: junk (the stream ended after byte i - 1) if a trailer matching the output
        // starts here, else corrupt data.
        const room = held.length - i;
        const matches = room >= TRAILER ? le32(held, i + 4) === this.produced : /junk/i.test(String(error));
        if (!matches) throw corrupt(error);
        this.finish(held.subarray(i));
        return this.drain();
      }
    }
    return this.drain();
  }
}

/**
 * A raw DEFLATE decompressor on the runtime's `DecompressionStream` where it can report where the
 * stream ends (see {@link hasRawDecompressionStream}), else fflate's. Same output and the same
 * errors (`DECOMPRESSION_FAILED`) either way.
 */
export function streamInflate(): InflateStream {
  let engine: InflateStream | undefined;
  const start = async (): Promise<InflateStream> => {
    if (engine !== undefined) return engine;
    const Ds = nativeCtor();
    engine = Ds !== undefined && (await hasRawDecompressionStream()) ? new NativeInflate(Ds) : fflateInflate();
    return engine;
  };
  return {
    async push(data) {
      return (engine ?? (await start())).push(data);
    },
    get ended() {
      return engine?.ended ?? false;
    },
    get rest() {
      return engine?.rest ?? EMPTY;
    },
  };
}
