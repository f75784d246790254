/**
 * TUS uploads against a real, standalone `@tus/server` (the server Signal's mock CDN runs; it is
 * installed as the mock's dependency): creation-with-upload with the form's headers, progress,
 * the three source kinds, resume after a connection cut in the middle of a PATCH (HEAD, then
 * PATCH from the offset the server reports), and typed errors. The mock's own CDN accepts only
 * creation-with-upload (a PATCH after the creation gets 404: its ids contain slashes), which
 * test/hosted/e2e.node.test.ts shows; resume is therefore proven here.
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import { tusUpload } from '../../src/hosted/upload.js';
import { nodeTusHttpStack } from '../../src/node/hostedHttp.js';

let dir: string;
let http: HttpServer;
let base: string;
const seen: { method: string; headers: IncomingMessage['headers'] }[] = [];
/** When set, the next PATCH is cut after this many body bytes. */
let cutPatchAfter: number | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-tus-'));
  const tus = new TusServer({ path: '/files', datastore: new FileStore({ directory: dir }) });
  http = createServer((req, res) => {
    seen.push({ method: req.method ?? '', headers: req.headers });
    const refused = { '/nowhere': 404, '/denied': 401, '/full': 413 }[req.url ?? ''];
    if (refused !== undefined) {
      res.writeHead(refused).end();
      return;
    }
    if (req.method === 'PATCH' && cutPatchAfter !== undefined) {
      const limit = cutPatchAfter;
      cutPatchAfter = undefined;
      let got = 0;
      req.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= limit) req.socket.destroy();
      });
    }
    void tus.handle(req, res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/files`;
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

const form = (headers: Record<string, string> = {}) => ({ cdn: 3, key: 'k', headers, signedUploadLocation: base });

async function stored(url: string | undefined): Promise<Uint8Array> {
  const id = url!.split('/').pop()!;
  return new Uint8Array(await readFile(join(dir, id)));
}

describe('tusUpload', () => {
  it('creates with the body in the POST, with the form headers, and reports progress', async () => {
    seen.length = 0;
    const data = randomBytes(300_000);
    const progress: number[] = [];
    const r = await tusUpload(form({ 'x-signal-test': 'yes' }), new Uint8Array(data), {
      onProgress: (sent, total) => {
        expect(total).toBe(data.length);
        progress.push(sent);
      },
    });
    expect(r.bytes).toBe(data.length);
    expect(Buffer.from(await stored(r.url)).equals(data)).toBe(true);
    expect(seen.map((s) => s.method)).toEqual(['POST']);
    expect(seen[0]!.headers['x-signal-test']).toBe('yes');
    expect(seen[0]!.headers['upload-length']).toBe(String(data.length));
    expect(progress.at(-1)).toBe(data.length);
  });

  it('uploads a Blob and a re-openable source in chunks', async () => {
    const data = randomBytes(200_000);
    const blob = await tusUpload(form(), new Blob([data]), { chunkSize: 64 * 1024 });
    expect(Buffer.from(await stored(blob.url)).equals(data)).toBe(true);
    let opens = 0;
    const source = {
      length: data.length,
      async *open() {
        opens++;
        for (let i = 0; i < data.length; i += 10_000) yield new Uint8Array(data.subarray(i, i + 10_000));
      },
    };
    const r = await tusUpload(form(), source, { chunkSize: 64 * 1024 });
    expect(Buffer.from(await stored(r.url)).equals(data)).toBe(true);
    expect(opens).toBe(1);
  });

  it('resumes after the connection drops halfway through a PATCH', async () => {
    seen.length = 0;
    const data = randomBytes(400_000);
    let opens = 0;
    const source = {
      length: data.length,
      async *open() {
        opens++;
        for (let i = 0; i < data.length; i += 16_384) yield new Uint8Array(data.subarray(i, i + 16_384));
      },
    };
    cutPatchAfter = 50_000;
    const r = await tusUpload(form(), source, { chunkSize: 128 * 1024, retryDelays: [10, 10] });
    expect(Buffer.from(await stored(r.url)).equals(data)).toBe(true);
    const methods = seen.map((s) => s.method);
    // One creation only; after the cut, a HEAD asks the offset and the PATCHes continue from it.
    expect(methods.filter((m) => m === 'POST')).toHaveLength(1);
    expect(methods).toContain('HEAD');
    const head = methods.indexOf('HEAD');
    expect(methods.slice(head + 1).every((m) => m === 'PATCH')).toBe(true);
    // The source was reopened to go back to the server's offset.
    expect(opens).toBe(2);
  });

  it('streams a re-openable source into the request with the Node stack (whole file, then resume)', async () => {
    const stack = await nodeTusHttpStack();
    expect(stack.streamsBodies).toBe(true);
    const data = randomBytes(1_500_000);
    let opens = 0;
    let pulled = 0;
    const source = {
      length: data.length,
      async *open() {
        opens++;
        for (let i = 0; i < data.length; i += 65_536) {
          pulled++;
          yield new Uint8Array(data.subarray(i, i + 65_536));
        }
      },
    };
    seen.length = 0;
    const r = await tusUpload(form(), source, { httpStack: stack });
    expect(Buffer.from(await stored(r.url)).equals(data)).toBe(true);
    expect(seen.map((x) => x.method)).toEqual(['POST']);
    expect(seen[0]!.headers['content-length']).toBe(String(data.length));
    expect(opens).toBe(1);
    expect(pulled).toBe(Math.ceil(data.length / 65_536));

    seen.length = 0;
    cutPatchAfter = 100_000;
    const resumed = await tusUpload(form(), source, { httpStack: stack, chunkSize: 512 * 1024, retryDelays: [10, 10] });
    expect(Buffer.from(await stored(resumed.url)).equals(data)).toBe(true);
    expect(seen.map((x) => x.method)).toContain('HEAD');

    const short = {
      length: 100_000,
      async *open() {
        yield new Uint8Array(10);
      },
    };
    const e = await tusUpload(form(), short, { httpStack: stack, retryDelays: [] }).catch((x) => x);
    expect(isBackupError(e) ? e.code : String(e)).toBe('TRUNCATED');
  });

  it('maps a refused upload and an unreachable server to typed errors', async () => {
    const code = async (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e) => (isBackupError(e) ? e.code : String(e)),
      );
    const wrong = { ...form(), signedUploadLocation: base.replace('/files', '/nowhere') };
    expect(await code(tusUpload(wrong, new Uint8Array(10), { retryDelays: [] }))).toBe('NOT_FOUND');
    const denied = { ...form(), signedUploadLocation: base.replace('/files', '/denied') };
    expect(await code(tusUpload(denied, new Uint8Array(10), { retryDelays: [] }))).toBe('AUTH_FAILED');
    const full = { ...form(), signedUploadLocation: base.replace('/files', '/full') };
    expect(await code(tusUpload(full, new Uint8Array(10), { retryDelays: [] }))).toBe('QUOTA_EXCEEDED');
    const closed = { ...form(), signedUploadLocation: 'http://127.0.0.1:1/files' };
    expect(await code(tusUpload(closed, new Uint8Array(10), { retryDelays: [] }))).toBe('NETWORK');
    const short = {
      length: 100,
      async *open() {
        yield new Uint8Array(10);
      },
    };
    expect(await code(tusUpload(form(), short, { retryDelays: [] }))).toBe('TRUNCATED');
  });
});
