/**
 * Node's HTTP for hosted backups when the server's certificate is signed by a private CA (a test
 * server such as Signal's mock): a tus-js-client HTTP stack and a CDN fetch that trust `ca`.
 * (Node's global `fetch` takes no CA of its own.)
 */

import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { CdnFetch, CdnResponse } from '../hosted/cdn.js';

/** TLS options of the Node helpers. */
export interface NodeTlsOptions {
  /** Trusted CA certificates (PEM); the system's when absent. */
  ca?: string | Buffer | (string | Buffer)[];
  /** The TLS server name to check the certificate against (e.g. `localhost`), when not the URL's host. */
  servername?: string;
}

/**
 * tus-js-client's Node HTTP stack with the TLS options (loaded on first use of the stack).
 * Pass it as `httpStack` to `tusUpload`.
 */
export async function nodeTusHttpStack(options: NodeTlsOptions = {}) {
  const tus = await import('tus-js-client');
  return new tus.DefaultHttpStack({
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.servername === undefined ? {} : { servername: options.servername }),
  });
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
          ...(init.signal === undefined ? {} : { signal: init.signal }),
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
