/**
 * Byte streams as the runtimes hand them out, read one way everywhere. `ByteSource` (read once),
 * `RereadableSource` (read as often as needed: what a reader that checks a MAC before releasing
 * anything takes), `ReopenableSource`, `BlobLike` and `toReadableStream` are public; the
 * functions that read them are not.
 */

/** Bytes read once, in chunks: an (async) iterable, or a WHATWG `ReadableStream` (adapted lazily: React Native has none). */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>;

/** True for a WHATWG `ReadableStream` (or anything with its `getReader`). */
export function isReadableStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof x === 'object' && x !== null && typeof (x as ReadableStream).getReader === 'function';
}

function checkChunk(chunk: unknown, name: string): Uint8Array {
  if (!(chunk instanceof Uint8Array)) throw new TypeError(`"${name}" expected chunks of Uint8Array`);
  return chunk;
}

/**
 * Reads a {@link ByteSource} as an async iterable of `Uint8Array` chunks. A `ReadableStream` is
 * read with a reader (older engines have no async iterator on it) and cancelled when the consumer
 * stops early, so the producer (a download, a file) stops too.
 *
 * @throws {TypeError} naming `name` when `source` is not a byte source or yields something other
 *   than a Uint8Array (when iterated).
 */
export async function* iterateBytes(source: ByteSource, name = 'source'): AsyncGenerator<Uint8Array, void, undefined> {
  if (isReadableStream(source)) {
    const reader = source.getReader();
    let done = false;
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) {
          done = true;
          return;
        }
        yield checkChunk(next.value, name);
      }
    } finally {
      if (!done) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
  if (typeof source !== 'object' || source === null || !(Symbol.asyncIterator in source || Symbol.iterator in source)) {
    throw new TypeError(`"${name}" expected an (async) iterable of Uint8Array or a ReadableStream`);
  }
  for await (const chunk of source as AsyncIterable<Uint8Array>) yield checkChunk(chunk, name);
}

/**
 * Adapts chunks (an async iterable, such as `encryptBackupStream`'s or
 * `encryptAttachmentStream`'s output) to a WHATWG `ReadableStream`, for `fetch` bodies,
 * `Response`, or `pipeTo` a file. Pull-based: the source is read only as the consumer reads, and
 * cancelling the stream ends the source. Needs `globalThis.ReadableStream` when called (React
 * Native has none: iterate the source directly there).
 *
 * @throws {TypeError} when the runtime has no `ReadableStream`.
 */
export function toReadableStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const RS = (globalThis as { ReadableStream?: typeof ReadableStream }).ReadableStream;
  if (RS === undefined) throw new TypeError('this runtime has no ReadableStream: iterate the chunks instead');
  const it = chunks[Symbol.asyncIterator]();
  return new RS<Uint8Array>({
    async pull(controller) {
      const r = await it.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await it.return?.();
    },
  });
}

/** A `Blob`-like object (a `File`, a Blob from fetch); only `size` and `slice()` are used. */
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

/**
 * Bytes that can be read more than once: the bytes themselves, a `Blob`/`File`, or a
 * {@link ReopenableSource} (`fileSource` in `sbackup/node` makes one of a file). Readers that
 * verify a MAC before they release anything read it twice.
 */
export type RereadableSource = Uint8Array | BlobLike | ReopenableSource;

/** True for a {@link BlobLike}. */
export function isBlobLike(x: unknown): x is BlobLike {
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof Uint8Array) &&
    typeof (x as BlobLike).size === 'number' &&
    typeof (x as BlobLike).slice === 'function'
  );
}

/** True for a {@link ReopenableSource}. */
export function isReopenable(x: unknown): x is ReopenableSource {
  const c = x as Partial<ReopenableSource> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.open === 'function' &&
    Number.isSafeInteger(c.length) &&
    (c.length as number) >= 0
  );
}

/** True when `source` can be read more than once. */
export function isRereadable(source: unknown): source is RereadableSource {
  return source instanceof Uint8Array || isBlobLike(source) || isReopenable(source);
}
