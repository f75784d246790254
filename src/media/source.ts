/**
 * Where streamed media bytes come from. One-time sources (`AsyncIterable`, `ReadableStream`) are
 * read once; re-readable sources (bytes, a Blob, or `{ length, open() }`) can be read twice,
 * which lets a decryptor check the MAC before it releases any plaintext.
 */

import {
  type BlobLike,
  type ByteSource,
  isBlobLike,
  isReadableStream,
  isReopenable,
  iterateBytes,
  type RereadableSource,
} from '../internal/stream.js';
import { STREAM_PIECE } from './constants.js';

export type { BlobLike, ByteSource, RereadableSource };
export { isRereadable } from '../internal/stream.js';

async function* fromBlob(blob: BlobLike): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < blob.size; offset += 16 * STREAM_PIECE) {
    yield new Uint8Array(await blob.slice(offset, Math.min(blob.size, offset + 16 * STREAM_PIECE)).arrayBuffer());
  }
}

/** Opens one read of `source` as an async iterable of chunks. */
export function openSource(source: ByteSource | RereadableSource, name = 'source'): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) return iterateBytes([source], name);
  if (isReopenable(source)) return iterateBytes(source.open(), name);
  if (isReadableStream(source)) return iterateBytes(source, name);
  if (isBlobLike(source)) return fromBlob(source);
  if (
    typeof source === 'object' &&
    source !== null &&
    (Symbol.asyncIterator in source || Symbol.iterator in (source as object))
  ) {
    return iterateBytes(source as AsyncIterable<Uint8Array>, name);
  }
  throw new TypeError(
    `"${name}" expected Uint8Array, Blob, { length, open() }, an (async) iterable or a ReadableStream`,
  );
}
