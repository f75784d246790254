/**
 * Where streamed bytes come from. One-time sources (`AsyncIterable`, `ReadableStream`) are read
 * once; re-readable sources (bytes, a Blob, or a factory that opens the data again) can be read
 * twice, which lets a decryptor check the MAC before it releases any plaintext.
 */

import { type ByteSource, isReadableStream, iterateBytes } from '../internal/stream.js';
import { STREAM_PIECE } from './constants.js';

export type { ByteSource };

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

function isBlobLike(x: unknown): x is BlobLike {
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof Uint8Array) &&
    typeof (x as BlobLike).size === 'number' &&
    typeof (x as BlobLike).slice === 'function'
  );
}

async function* fromBlob(blob: BlobLike): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < blob.size; offset += 16 * STREAM_PIECE) {
    yield new Uint8Array(await blob.slice(offset, Math.min(blob.size, offset + 16 * STREAM_PIECE)).arrayBuffer());
  }
}

/** True when `source` can be read twice. */
export function isRereadable(source: unknown): source is RereadableSource {
  return source instanceof Uint8Array || typeof source === 'function' || isBlobLike(source);
}

/** Opens one read of `source` as an async iterable of chunks. */
export function openSource(source: ByteSource | RereadableSource, name = 'source'): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) return iterateBytes([source], name);
  if (typeof source === 'function') return openSource(source(), name);
  if (isReadableStream(source)) return iterateBytes(source, name);
  if (isBlobLike(source)) return fromBlob(source);
  if (
    typeof source === 'object' &&
    source !== null &&
    (Symbol.asyncIterator in source || Symbol.iterator in (source as object))
  ) {
    return iterateBytes(source as AsyncIterable<Uint8Array>, name);
  }
  throw new TypeError(`"${name}" expected Uint8Array, Blob, AsyncIterable, ReadableStream or a function returning one`);
}
