/**
 * Where a backup file is read from. Verifying the MAC before releasing any frame means reading
 * the file twice, so a source must be re-readable: bytes in memory, a `Blob`/`File`, or a factory
 * that opens the data again (as libsignal's reader factory does). Node adds file paths in
 * `sbackup/node`.
 */

import {
  type BlobLike,
  isBlobLike,
  isReopenable,
  iterateBytes,
  type ReopenableSource,
  type RereadableSource,
} from '../internal/stream.js';

export type { ReopenableSource, RereadableSource };

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

/** Size of the slices read from a Blob without `stream()`. */
const BLOB_SLICE = 1 << 20;

async function* blobChunks(blob: BlobLike, offset: number): AsyncGenerator<Uint8Array> {
  for (let o = offset; o < blob.size; o += BLOB_SLICE) {
    yield new Uint8Array(await blob.slice(o, Math.min(blob.size, o + BLOB_SLICE)).arrayBuffer());
  }
}

/** A real `Blob` has `stream()` on its slices: one stream per pass is faster than slice by slice. */
function streamOf(blob: BlobLike, offset: number): ReadableStream<Uint8Array> | undefined {
  const slice = blob.slice(offset) as { stream?: () => ReadableStream<Uint8Array> };
  return typeof slice.stream === 'function' ? slice.stream() : undefined;
}

/**
 * Normalizes a {@link RereadableSource}.
 *
 * @throws {TypeError} when `source` is none of the accepted kinds.
 */
export function toRandomAccess(source: RereadableSource): RandomAccessSource {
  if (source instanceof Uint8Array) {
    const read = async function* (offset: number) {
      for (let o = offset; o < source.length; o += MEMORY_CHUNK) yield source.subarray(o, o + MEMORY_CHUNK);
    };
    return { length: source.length, read, scan: read };
  }
  if (isBlobLike(source)) {
    const read = (offset: number) => {
      const stream = streamOf(source, offset);
      return stream === undefined ? blobChunks(source, offset) : iterateBytes(stream);
    };
    return { length: source.size, read, scan: read };
  }
  if (isReopenable(source)) {
    const reopenable = source;
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
