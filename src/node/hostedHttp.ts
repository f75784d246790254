/**
 * Node's HTTP for hosted backups when the server's certificate is signed by a private CA (a test
 * server such as Signal's mock): a tus-js-client HTTP stack and a CDN fetch that trust `ca`.
 * (Node's global `fetch` takes no CA of its own.)
 */

import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { HttpRequest } from 'tus-js-client';
import type { CdnFetch, CdnResponse } from '../hosted/cdn.js';
import { isStreamedBody, type TusHttpStack } from '../hosted/upload.js';

/** TLS options of the Node helpers. */
export interface NodeTlsOptions {
  /** Trusted CA certificates (PEM); the system's when absent. */
  ca?: string | Buffer | (string | Buffer)[];
  /** The TLS server name to check the certificate against (e.g. `localhost`), when not the URL's host. */
  servername?: string;
}

/** A TUS HTTP stack that streams re-openable sources into its requests. */
export interface StreamingTusHttpStack extends TusHttpStack {
  /** Always true: bodies are piped, so an upload never holds the whole file. */
  readonly streamsBodies: true;
}

/**
 * tus-js-client's Node HTTP stack with the TLS options (loaded on first use of the stack).
 * Pass it as `httpStack` to `tusUpload`.
 */
export async function nodeTusHttpStack(options: NodeTlsOptions = {}): Promise<StreamingTusHttpStack> {
  const tus = await import('tus-js-client');
  const inner = new tus.DefaultHttpStack({
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.servername === undefined ? {} : { servername: options.servername }),
  });
  return {
    // tusUpload then hands re-openable sources over as streams: piped into the request, never whole in memory.
    streamsBodies: true,
    getName: () => 'sbackup node',
    createRequest(method: string, url: string): HttpRequest {
      const req = inner.createRequest(method, url);
      const send = req.send.bind(req);
      req.send = (body: unknown) => {
        if (!isStreamedBody(body)) return send(body);
        const stream = Object.assign(Readable.from(body.chunks, { objectMode: false }), { size: body.size });
        // A failing source must fail the request (pipe does not pass errors on).
        stream.on('error', (e) => (req.getUnderlyingObject() as { destroy?: (e: Error) => void } | null)?.destroy?.(e));
        return send(stream);
      };
      return req;
    },
  };
}

/** A {@link CdnFetch} over node:https with the TLS options; the body streams. */
export function nodeCdnFetch(options: NodeTlsOptions = {}): CdnFetch {
  return (url, init) =>
    new Promise<CdnResponse>((resolve, reject) => {
      const u = new URL(url);
      const req = (u.protocol === 'http:' ? httpRequest : httpsRequest)(
        u,
        {
          method: init.method,
          headers: init.headers,
          ...(options.ca === undefined ? {} : { ca: options.ca }),
          ...(options.servername === undefined ? {} : { servername: options.servername }),
          ...(init.signal === undefined ? {} : { signal: init.signal as AbortSignal }),
        },
        (res: IncomingMessage) => {
          resolve({
            status: res.statusCode ?? 0,
            headers: {
              get(name: string) {
                const v = res.headers[name.toLowerCase()];
                return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
              },
            },
            body: Object.assign(
              (async function* () {
                for await (const chunk of res) {
                  const b = chunk as Buffer;
                  yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
                }
              })(),
              // An unread error body is drained, so the socket is freed.
              { cancel: async () => void res.resume() },
            ),
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
}
