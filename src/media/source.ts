/**
 * Where streamed bytes come from. One-time sources (`AsyncIterable`, `ReadableStream`) are read
 * once; re-readable sources (bytes, a Blob, or a factory that opens the data again) can be read
 * twice, which lets a decryptor check the MAC before it releases any plaintext.
 */

import { STREAM_PIECE } from './constants.js';

/** Bytes read once, in chunks. `ReadableStream` is adapted lazily (React Native has none). */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>;

/** A `Blob`-like object (a `File`, a Blob from fetch); only `size` and `slice().arrayBuffer()` are used. */
export interface BlobLike {
  /** Length in bytes. */
  readonly size: number;
  /** A view of bytes `[start, end)`, read with `arrayBuffer()`. */
  slice(
    start?: number,
    end?: number,
  ): {
    /** The bytes of the slice. */
    arrayBuffer(): Promise<ArrayBuffer>;
  };
}

/** Bytes that can be read more than once: the bytes themselves, a Blob, or a factory that opens them again. */
export type RereadableSource = Uint8Array | BlobLike | (() => ByteSource);

function isReadableStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof x === 'object' && x !== null && typeof (x as ReadableStream).getReader === 'function';
}

function isBlobLike(x: unknown): x is BlobLike {
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof Uint8Array) &&
    typeof (x as BlobLike).size === 'number' &&
    typeof (x as BlobLike).slice === 'function'
  );
}

async function* fromReadableStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield checkChunk(value);
    }
  } finally {
    reader.releaseLock();
  }
}

async function* fromBlob(blob: BlobLike): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < blob.size; offset += 16 * STREAM_PIECE) {
    yield new Uint8Array(await blob.slice(offset, Math.min(blob.size, offset + 16 * STREAM_PIECE)).arrayBuffer());
  }
}

async function* fromIterable(it: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of it) yield checkChunk(chunk);
}

function checkChunk(chunk: unknown): Uint8Array {
  if (!(chunk instanceof Uint8Array)) throw new TypeError('"source" expected chunks of Uint8Array');
  return chunk;
}

/** True when `source` can be read twice. */
export function isRereadable(source: unknown): source is RereadableSource {
  return source instanceof Uint8Array || typeof source === 'function' || isBlobLike(source);
}

/** Opens one read of `source` as an async iterable of chunks. */
export function openSource(source: ByteSource | RereadableSource, name = 'source'): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) return fromIterable([source]);
  if (typeof source === 'function') return openSource(source(), name);
  if (isReadableStream(source)) return fromReadableStream(source);
  if (isBlobLike(source)) return fromBlob(source);
  if (
    typeof source === 'object' &&
    source !== null &&
    (Symbol.asyncIterator in source || Symbol.iterator in (source as object))
  ) {
    return fromIterable(source as AsyncIterable<Uint8Array>);
  }
  throw new TypeError(`"${name}" expected Uint8Array, Blob, AsyncIterable, ReadableStream or a function returning one`);
}
