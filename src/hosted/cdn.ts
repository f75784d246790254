/**
 * Reads from Signal's CDN: the message backup at `<cdn>/backups/{backupDir}/{backupName}` and
 * media at `<cdn>/backups/{backupDir}/{mediaDir}/{mediaId}`, with the read credentials' headers.
 * Streaming: the body is handed on as it arrives. Portable over `fetch` (looked up when a read
 * starts, never at import); `nodeCdnFetch` in `sbackup/node` trusts a custom CA.
 */

import { BackupError } from '../errors.js';
import { type ByteSource, iterateBytes } from '../internal/stream.js';
import type { AbortSignalLike } from './upload.js';

/** The part of a `fetch` response a CDN read uses. */
export interface CdnResponse {
  /** The HTTP status. */
  readonly status: number;
  /** The response headers. */
  readonly headers: {
    /** A header's value, or null when absent. */
    get(name: string): string | null;
  };
  /** The body, streamed; null when there is none. */
  readonly body: ByteSource | null;
}

/** A `fetch`-like function: GET `url` with `headers`. */
export type CdnFetch = (
  url: string,
  init: { method: 'GET'; headers: Record<string, string>; signal?: AbortSignalLike },
) => Promise<CdnResponse>;

/** Options of {@link cdnRead}. */
export interface CdnReadOptions {
  /** The function that makes the request; `globalThis.fetch` when absent. */
  fetch?: CdnFetch;
  /** Aborts the read. */
  signal?: AbortSignalLike;
}

/** What {@link cdnRead} returns: the length (when the CDN said it) and the body, streamed. */
export interface CdnObject {
  /** `Content-Length`, when the CDN sent one. */
  readonly length: number | undefined;
  /** The body; read it once. */
  readonly body: AsyncIterable<Uint8Array>;
}

/** `<base>/backups/<dir>/<name...>`, each segment URL-encoded. */
export function cdnBackupUrl(base: string, ...segments: string[]): string {
  const root = base.endsWith('/') ? base.slice(0, -1) : base;
  return `${root}/backups/${segments.map(encodeURIComponent).join('/')}`;
}

function statusError(status: number, request: string): BackupError {
  const message = `the CDN answered HTTP ${status} to ${request}`;
  if (status === 401 || status === 403) return new BackupError('AUTH_FAILED', message, { status, request });
  if (status === 404) return new BackupError('NOT_FOUND', message, { status, request });
  if (status === 429) return new BackupError('RATE_LIMITED', message, { status, request });
  if (status >= 500) return new BackupError('NETWORK', message, { status, request });
  return new BackupError('SERVER_ERROR', message, { status, request });
}

/**
 * GETs one object from the CDN.
 *
 * @param url the object's URL ({@link cdnBackupUrl}).
 * @param headers the read credentials' headers (`getCdnCredentials`).
 * @throws {BackupError} `AUTH_FAILED` (401/403), `NOT_FOUND` (404), `RATE_LIMITED` (429),
 *   `NETWORK` (connection failed, 5xx), `SERVER_ERROR` (another status).
 */
export async function cdnRead(
  url: string,
  headers: Readonly<Record<string, string>>,
  options: CdnReadOptions = {},
): Promise<CdnObject> {
  const request = `GET ${new URL(url).pathname.replace(/\/backups\/.*/, '/backups/...')}`;
  const f = options.fetch ?? (globalThis as { fetch?: CdnFetch }).fetch;
  if (typeof f !== 'function') throw new TypeError('no fetch in this runtime: pass options.fetch');
  let res: CdnResponse;
  try {
    res = await f(url, {
      method: 'GET',
      headers: { ...headers },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (e) {
    throw new BackupError('NETWORK', `the CDN read failed: ${(e as Error)?.message ?? 'connection error'}`, {
      request,
      cause: e,
    });
  }
  if (res.status !== 200) {
    await cancel(res.body);
    throw statusError(res.status, request);
  }
  const len = res.headers.get('content-length');
  const length = len === null || !/^\d+$/.test(len) ? undefined : Number(len);
  const body = res.body;
  async function* read(): AsyncGenerator<Uint8Array> {
    if (body === null) return;
    let got = 0;
    try {
      for await (const chunk of iterateBytes(body, 'body')) {
        got += chunk.length;
        yield chunk;
      }
    } catch (e) {
      if (e instanceof BackupError) throw e;
      throw new BackupError('NETWORK', 'the CDN read was cut off', { request, cause: e });
    }
    if (length !== undefined && got !== length) {
      throw new BackupError('NETWORK', `the CDN sent ${got} of ${length} bytes`, { request });
    }
  }
  return { length, body: read() };
}

async function cancel(body: ByteSource | null): Promise<void> {
  const b = body as { cancel?: () => Promise<void> } | null;
  await b?.cancel?.().catch(() => {});
}

/** Reads a whole CDN object into memory (small objects; stream large ones from {@link cdnRead}). */
export async function readAllChunks(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of body) {
    parts.push(c);
    n += c.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
