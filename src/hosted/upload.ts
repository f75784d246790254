/**
 * TUS uploads to Signal's CDN, with `tus-js-client` (loaded when the first upload starts, so that
 * importing this module reads no global). The upload is created at the form's
 * `signedUploadLocation` with the form's headers and carries its data in the creation request
 * (creation-with-upload, what Signal's CDN and the mock's `@tus/server` accept). With a
 * `chunkSize`, the rest follows in PATCH requests, and a dropped connection resumes where the
 * server says it stopped (HEAD, then PATCH from that offset); without one, a dropped creation is
 * retried from the start (nothing of it was acknowledged).
 *
 * Sources are read as slices: bytes, a Blob, or a re-openable source (opened again from the
 * start when a retry needs earlier bytes). A re-openable source is streamed into the request
 * when the HTTP stack can take a stream (`nodeTusHttpStack` in `sbackup/node`: it marks itself
 * `streamsBodies`); with other stacks (the browser's XHR) each request body is one array, so a
 * `chunkSize` bounds the memory used.
 */

import { BackupError } from '../errors.js';
import { iterateBytes, isBlobLike, isReopenable, type ReopenableSource } from '../internal/stream.js';
import type { RereadableSource } from '../media/source.js';
import type { UploadForm } from './api.js';

/**
 * An HTTP stack as tus-js-client takes it (its `HttpStack`: `createRequest(method, url)` and
 * `getName()`). A stack whose `streamsBodies` is true receives re-openable sources as
 * {@link StreamedBody} values instead of arrays.
 */
export interface TusHttpStack {
  /** A request object as tus-js-client's `HttpRequest`. */
  createRequest(method: string, url: string): unknown;
  /** The stack's name (tus-js-client logs it). */
  getName(): string;
  /** True when request bodies may be {@link StreamedBody} values. */
  readonly streamsBodies?: boolean;
}

/** The part of an `AbortSignal` the hosted calls use. */
export interface AbortSignalLike {
  /** True once aborted. */
  readonly aborted: boolean;
  /** Adds a listener called when the signal aborts. */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  /** Removes a listener. */
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Options of {@link tusUpload}. */
export interface TusUploadOptions {
  /** Called as bytes are sent: bytes sent so far and the total. */
  onProgress?: (sent: number, total: number) => void;
  /** Bytes per request; the whole file in the creation request when absent (what the mock CDN requires). */
  chunkSize?: number;
  /** Waits in ms before each retry after a failed request; default `[0, 1000, 3000]`. */
  retryDelays?: number[];
  /** tus-js-client's HTTP stack; its default when absent (`nodeTusHttpStack` in `sbackup/node` trusts a custom CA). */
  httpStack?: TusHttpStack;
  /** Aborts the upload. */
  signal?: AbortSignalLike;
}

/** What a finished upload reports. */
export interface TusUploadResult {
  /** The upload's URL on the CDN, as the server named it. */
  url: string | undefined;
  /** Bytes uploaded. */
  bytes: number;
}

/**
 * A request body handed to an HTTP stack that streams (one whose `streamsBodies` is true, as
 * `nodeTusHttpStack` in `sbackup/node`): `size` bytes, read from `chunks` as the request is sent.
 */
export interface StreamedBody {
  /** The body's length in bytes. */
  readonly size: number;
  /** The body's bytes, read once. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

/** True for a {@link StreamedBody}. */
export function isStreamedBody(body: unknown): body is StreamedBody {
  return (
    typeof body === 'object' &&
    body !== null &&
    !(body instanceof Uint8Array) &&
    typeof (body as StreamedBody).size === 'number' &&
    typeof (body as StreamedBody).chunks?.[Symbol.asyncIterator] === 'function'
  );
}

/** A slice as tus-js-client's HTTP stacks send it: bytes with a `size`. */
type SizedBytes = Uint8Array & { size: number };

function sized(bytes: Uint8Array): SizedBytes {
  const out = bytes as SizedBytes;
  Object.defineProperty(out, 'size', { value: bytes.length });
  return out;
}

/** The length of a re-readable source. */
export function sourceLength(source: RereadableSource): number {
  if (source instanceof Uint8Array) return source.length;
  if (isBlobLike(source)) return source.size;
  if (isReopenable(source)) return source.length;
  throw new TypeError('"source" expected bytes, a Blob or a re-openable source');
}

/** Reads `[start, end)` of a re-openable source, keeping the open stream while reads move forward. */
class ReopenableSlicer {
  readonly #source: ReopenableSource;
  #it: AsyncIterator<Uint8Array> | undefined;
  #pos = 0;
  #pending: Uint8Array = new Uint8Array(0);

  constructor(source: ReopenableSource) {
    this.#source = source;
  }

  #generation = 0;

  /**
   * Bytes `[start, end)` as chunks (views into the source's chunks). A later call that starts
   * before the current position reopens the source; an earlier range still being read then ends
   * with an error instead of reading from the new pass.
   */
  async *range(start: number, end: number): AsyncGenerator<Uint8Array> {
    if (this.#it === undefined || start < this.#pos) await this.#reopen();
    const generation = ++this.#generation;
    let left = end - start;
    while (left > 0) {
      if (generation !== this.#generation) throw new BackupError('NETWORK', 'the upload was restarted');
      if (this.#pending.length === 0) {
        const next = await this.#it!.next();
        if (next.done === true) {
          throw new BackupError(
            'TRUNCATED',
            `the upload source ended after ${this.#pos} of ${this.#source.length} bytes`,
          );
        }
        this.#pending = next.value;
      }
      const skip = Math.max(0, start - this.#pos);
      if (skip >= this.#pending.length) {
        this.#pos += this.#pending.length;
        this.#pending = new Uint8Array(0);
        continue;
      }
      const chunk = this.#pending.subarray(skip, skip + left);
      left -= chunk.length;
      this.#pos += skip + chunk.length;
      this.#pending = this.#pending.subarray(skip + chunk.length);
      yield chunk;
    }
  }

  /** Bytes `[start, end)` in one array. */
  async slice(start: number, end: number): Promise<Uint8Array> {
    const out = new Uint8Array(end - start);
    let filled = 0;
    for await (const chunk of this.range(start, end)) {
      out.set(chunk, filled);
      filled += chunk.length;
    }
    return out;
  }

  async #reopen(): Promise<void> {
    await this.close();
    this.#it = iterateBytes(this.#source.open(), 'source')[Symbol.asyncIterator]();
    this.#pos = 0;
    this.#pending = new Uint8Array(0);
  }

  async close(): Promise<void> {
    const it = this.#it;
    this.#it = undefined;
    await it?.return?.();
  }
}

/** tus-js-client's file reader over our sources. */
function fileReader(source: RereadableSource, streams: boolean) {
  const size = sourceLength(source);
  return {
    async openFile() {
      const slicer = isReopenable(source) ? new ReopenableSlicer(source) : undefined;
      return {
        size,
        async slice(start: number, end: number) {
          const e = Math.min(end, size);
          if (streams && slicer !== undefined) {
            const body: StreamedBody = { size: e - start, chunks: slicer.range(start, e) };
            return { value: body, done: e >= size };
          }
          let bytes: Uint8Array;
          if (source instanceof Uint8Array) bytes = source.subarray(start, e);
          else if (slicer !== undefined) bytes = await slicer.slice(start, e);
          else if (isBlobLike(source)) bytes = new Uint8Array(await source.slice(start, e).arrayBuffer());
          else throw new TypeError('"source" expected bytes, a Blob or a re-openable source');
          return { value: sized(bytes), done: e >= size };
        },
        close() {
          void slicer?.close();
        },
      };
    },
  };
}

/** Maps a failed upload to a BackupError (the status decides the code). */
function uploadError(error: unknown): BackupError {
  const res = (error as { originalResponse?: { getStatus(): number; getHeader(h: string): string | undefined } | null })
    .originalResponse;
  const status = res?.getStatus();
  const request = 'TUS upload';
  const message = `the CDN upload failed${status === undefined ? '' : ` (HTTP ${status})`}`;
  if (status === undefined)
    return new BackupError('NETWORK', `${message}: the connection failed`, { request, cause: error });
  if (status === 401 || status === 403) return new BackupError('AUTH_FAILED', message, { status, request });
  if (status === 413) return new BackupError('QUOTA_EXCEEDED', message, { status, request });
  if (status === 429) {
    const after = Number(res?.getHeader('Retry-After'));
    return new BackupError('RATE_LIMITED', message, {
      status,
      request,
      ...(Number.isFinite(after) && after >= 0 ? { retryAfterMs: after * 1000 } : {}),
    });
  }
  if (status === 404) return new BackupError('NOT_FOUND', message, { status, request });
  if (status >= 500) return new BackupError('NETWORK', message, { status, request });
  return new BackupError('SERVER_ERROR', message, { status, request });
}

/**
 * Uploads `source` with TUS as `form` says.
 *
 * @throws {BackupError} `NETWORK` (connection failed, or 5xx, after the retries), `AUTH_FAILED`
 *   (401/403), `QUOTA_EXCEEDED` (413), `RATE_LIMITED` (429), `NOT_FOUND` (404), `SERVER_ERROR`
 *   (another status), `TRUNCATED` (the source was shorter than its length); `NETWORK` also when
 *   `signal` aborts.
 */
export async function tusUpload(
  form: UploadForm,
  source: RereadableSource,
  options: TusUploadOptions = {},
): Promise<TusUploadResult> {
  if (typeof form?.signedUploadLocation !== 'string') throw new TypeError('"form.signedUploadLocation" expected a URL');
  const size = sourceLength(source);
  const tus = await import('tus-js-client');
  return new Promise<TusUploadResult>((resolve, reject) => {
    const upload = new tus.Upload(source as unknown as Blob, {
      endpoint: form.signedUploadLocation,
      headers: { ...form.headers },
      uploadSize: size,
      uploadDataDuringCreation: true,
      ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
      retryDelays: options.retryDelays ?? [0, 1000, 3000],
      storeFingerprintForResuming: false,
      fingerprint: async () => form.signedUploadLocation,
      removeFingerprintOnSuccess: false,
      fileReader: fileReader(source, options.httpStack?.streamsBodies === true),
      ...(options.httpStack === undefined ? {} : { httpStack: options.httpStack as import('tus-js-client').HttpStack }),
      onProgress: (sent, total) => options.onProgress?.(sent, total),
      onShouldRetry: (err) => {
        const status = err.originalResponse?.getStatus();
        // Retry a dropped connection, a lock, a rate limit and server errors; nothing else.
        return status === undefined || status === 423 || status === 429 || status >= 500;
      },
      onSuccess: () => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ url: upload.url ?? undefined, bytes: size });
      },
      onError: (err) => {
        options.signal?.removeEventListener('abort', onAbort);
        const e = err instanceof BackupError ? err : (err as { causingError?: unknown }).causingError;
        reject(e instanceof BackupError ? e : uploadError(err));
      },
    });
    const onAbort = () => {
      void upload.abort(false);
      reject(new BackupError('NETWORK', 'the upload was aborted', { request: 'TUS upload' }));
    };
    if (options.signal?.aborted === true) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    upload.start();
  });
}
