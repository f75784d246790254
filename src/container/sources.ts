/**
 * Where a backup file is read from. Verifying the MAC before releasing any frame means reading
 * the file twice, so a source must be re-readable: bytes in memory, a `Blob`/`File`, or a factory
 * that opens the data again (as libsignal's reader factory does). Node adds file paths in
 * `sbackup/node`.
 */

/** A stream of chunks: an async iterable or a WHATWG `ReadableStream`. */
export type ByteStream = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** A source that can be opened more than once, each time yielding the same `length` bytes. */
export interface ReopenableSource {
  /** Exact length of the data in bytes. */
  readonly length: number;
  /** Opens the data from its start. Called once per pass. */
  open(): ByteStream;
}

/** What the reader accepts: bytes, a `Blob`/`File`, or a {@link ReopenableSource}. */
export type BackupSource = Uint8Array | Blob | ReopenableSource;

/** Internal view of a source: its length and a way to read from an offset. */
export interface RandomAccessSource {
  readonly length: number;
  read(offset: number): AsyncIterable<Uint8Array>;
}

/** Size of the chunks cut from in-memory data (large enough for WebCrypto calls to pay off). */
const MEMORY_CHUNK = 1 << 20;

/** Iterates a `ReadableStream` or an async iterable alike. */
export async function* iterate(stream: ByteStream): AsyncGenerator<Uint8Array> {
  if (typeof (stream as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (stream as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
      // Cancelling tells the producer we stopped early; harmless after the end.
      await (stream as ReadableStream<Uint8Array>).cancel().catch(() => {});
    }
  }
  yield* stream as AsyncIterable<Uint8Array>;
}

async function* skip(chunks: AsyncIterable<Uint8Array>, offset: number): AsyncGenerator<Uint8Array> {
  let toSkip = offset;
  for await (const chunk of chunks) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('"source" must yield Uint8Array chunks');
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
    return {
      length: source.length,
      async *read(offset) {
        for (let o = offset; o < source.length; o += MEMORY_CHUNK) yield source.subarray(o, o + MEMORY_CHUNK);
      },
    };
  }
  if (isBlob(source)) {
    return {
      length: source.size,
      read: (offset) => iterate(source.slice(offset).stream() as ReadableStream<Uint8Array>),
    };
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
    return { length: reopenable.length, read: (offset) => skip(iterate(reopenable.open()), offset) };
  }
  throw new TypeError('"source" expected Uint8Array, Blob or { length, open() }');
}

/**
 * Re-cuts a stream into chunks of at least `min` bytes (except the last), copying only small
 * chunks; big ones pass through.
 */
export async function* coalesce(chunks: AsyncIterable<Uint8Array>, min: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    if (size === 0 && chunk.length >= min) {
      yield chunk;
      continue;
    }
    parts.push(chunk);
    size += chunk.length;
    if (size >= min) {
      const out = new Uint8Array(size);
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      yield out;
      parts = [];
      size = 0;
    }
  }
  if (size > 0) {
    const out = new Uint8Array(size);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    yield out;
  }
}
