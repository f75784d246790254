/**
 * Where a backup file is read from. Verifying the MAC before releasing any frame means reading
 * the file twice, so a source must be re-readable: bytes in memory, a `Blob`/`File`, or a factory
 * that opens the data again (as libsignal's reader factory does). Node adds file paths in
 * `sbackup/node`.
 */

import { type ByteSource, iterateBytes } from '../internal/stream.js';

/** A source that can be opened more than once, each time yielding the same `length` bytes. */
export interface ReopenableSource {
  /** Exact length of the data in bytes. */
  readonly length: number;
  /** Opens the data from its start. Called once per pass. */
  open(): ByteSource;
  /**
   * Optional faster pass: reads from `offset` to the end into `buffer`, yielding views of it,
   * each valid only until the next is requested (the reader reuses one buffer per pass instead
   * of a fresh chunk per read). `fileSource` in `sbackup/node` provides it.
   */
  readInto?(offset: number, buffer: Uint8Array): AsyncIterable<Uint8Array>;
}

/** What the reader accepts: bytes, a `Blob`/`File`, or a {@link ReopenableSource}. */
export type BackupSource = Uint8Array | Blob | ReopenableSource;

/** Internal view of a source: its length and a way to read from an offset. */
export interface RandomAccessSource {
  readonly length: number;
  /** Chunks from `offset` to the end; the caller may keep them. */
  read(offset: number): AsyncIterable<Uint8Array>;
  /** Like {@link read}, but each chunk is valid only until the next is requested. */
  scan(offset: number): AsyncIterable<Uint8Array>;
}

/** Size of the chunks cut from in-memory data (large enough for WebCrypto calls to pay off). */
const MEMORY_CHUNK = 1 << 20;
/** Size of the buffer a `readInto` pass reuses. */
const SCAN_CHUNK = 1 << 20;

async function* skip(chunks: AsyncIterable<Uint8Array>, offset: number): AsyncGenerator<Uint8Array> {
  let toSkip = offset;
  for await (const chunk of chunks) {
    if (toSkip >= chunk.length) {
      toSkip -= chunk.length;
      continue;
    }
    yield toSkip > 0 ? chunk.subarray(toSkip) : chunk;
    toSkip = 0;
  }
}

function isBlob(value: unknown): value is Blob {
  const B = (globalThis as { Blob?: typeof Blob }).Blob;
  return B !== undefined && value instanceof B;
}

/**
 * Normalizes a {@link BackupSource}.
 *
 * @throws {TypeError} when `source` is none of the accepted kinds.
 */
export function toRandomAccess(source: BackupSource): RandomAccessSource {
  if (source instanceof Uint8Array) {
    const read = async function* (offset: number) {
      for (let o = offset; o < source.length; o += MEMORY_CHUNK) yield source.subarray(o, o + MEMORY_CHUNK);
    };
    return { length: source.length, read, scan: read };
  }
  if (isBlob(source)) {
    const read = (offset: number) => iterateBytes(source.slice(offset).stream() as ReadableStream<Uint8Array>);
    return { length: source.size, read, scan: read };
  }
  const candidate = source as Partial<ReopenableSource> | null;
  if (
    candidate !== null &&
    typeof candidate === 'object' &&
    typeof candidate.open === 'function' &&
    Number.isSafeInteger(candidate.length) &&
    (candidate.length as number) >= 0
  ) {
    const reopenable = candidate as ReopenableSource;
    const read = (offset: number) => skip(iterateBytes(reopenable.open()), offset);
    const readInto = reopenable.readInto;
    const scan =
      typeof readInto === 'function'
        ? (offset: number) => iterateBytes(readInto.call(reopenable, offset, new Uint8Array(SCAN_CHUNK)))
        : read;
    return { length: reopenable.length, read, scan };
  }
  throw new TypeError('"source" expected Uint8Array, Blob or { length, open() }');
}

/**
 * Re-cuts a stream into chunks of at least `min` bytes (except the last): big chunks pass
 * through; small ones are copied at once into the chunk being gathered, so that no input chunk is
 * referenced after the next one is requested (sources may reuse their buffers).
 */
export async function* coalesce(chunks: AsyncIterable<Uint8Array>, min: number): AsyncGenerator<Uint8Array> {
  let gathered: Uint8Array | undefined;
  let size = 0;
  for await (const chunk of chunks) {
    if (size === 0 && chunk.length >= min) {
      yield chunk;
      continue;
    }
    if (gathered === undefined || size + chunk.length > gathered.length) {
      const bigger = new Uint8Array(Math.max(2 * min, size + chunk.length));
      if (gathered !== undefined) bigger.set(gathered.subarray(0, size));
      gathered = bigger;
    }
    gathered.set(chunk, size);
    size += chunk.length;
    if (size >= min) {
      yield gathered.subarray(0, size);
      gathered = undefined;
      size = 0;
    }
  }
  if (size > 0) yield gathered!.subarray(0, size);
}
