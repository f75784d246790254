/**
 * The static server of `sbackup view`: serves the built viewer (dist/viewer) on 127.0.0.1 only,
 * with a Content-Security-Policy that lets the page load its own files and nothing else (no
 * request leaves the machine: the viewer reads the backup from the person's disk in the page).
 * Only GET and HEAD of the viewer's own files; a request naming another host (DNS rebinding) is
 * refused.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The policy sent with every response (the page also carries it in a `<meta>` for static hosting). */
export const VIEWER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  'media-src blob:',
  "connect-src 'none'",
  "worker-src 'self'",
  "font-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * The built viewer's directory: next to the CLI in the package (dist/viewer), or the repository's
 * dist/viewer when run from the sources; `undefined` when it has not been built.
 */
export function viewerDirectory(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  const candidates = [
    resolve(here, '../../viewer'),
    resolve(here, '../../../dist/viewer'),
    resolve(here, '../../../../dist/viewer'),
  ];
  return candidates.find((d) => existsSync(join(d, 'index.html')));
}

/** A running viewer server. */
export interface ViewServer {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops it. */
  close(): Promise<void>;
}

/** Options of {@link startViewServer}. */
export interface ViewServerOptions {
  /** The directory to serve (default {@link viewerDirectory}). */
  root?: string;
  /** The port (default 0: any free port). */
  port?: number;
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Uint8Array,
  type = 'text/plain; charset=utf-8',
  head = false,
) {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.length,
    'Content-Security-Policy': VIEWER_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
  res.end(head ? undefined : body);
}

/**
 * Starts the server on 127.0.0.1.
 *
 * @throws {Error} when the viewer has not been built (no index.html), or the port is taken.
 */
export async function startViewServer(options: ViewServerOptions = {}): Promise<ViewServer> {
  const root = options.root ?? viewerDirectory();
  if (root === undefined || !existsSync(join(root, 'index.html'))) {
    throw new Error('the viewer is not built (run npm run build:viewer)');
  }
  const base = resolve(root);
  let port = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 421, 'wrong host\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(res, 400, 'bad request\n');
    }
    if (path === '/') path = '/index.html';
    const ext = path.slice(path.lastIndexOf('.'));
    const file = resolve(base, `.${path}`);
    if (!file.startsWith(base + sep) || path.split('/').some((s) => s.startsWith('.')) || TYPES[ext] === undefined) {
      return send(res, 404, 'not found\n');
    }
    let body: Uint8Array;
    try {
      body = await readFile(file);
    } catch {
      return send(res, 404, 'not found\n');
    }
    send(res, 200, body, TYPES[ext], req.method === 'HEAD');
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, 'internal error\n'));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
