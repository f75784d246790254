/**
 * `sbackup view`'s server: 127.0.0.1 only, the viewer's own files with the CSP, nothing else
 * (no path outside the folder, no dotfile, no other host, no method but GET/HEAD); and the
 * command itself printing its URL and stopping on SIGINT.
 */

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildViewer } from '../../scripts/build-viewer.js';
import { startViewServer, VIEWER_CSP, type ViewServer } from '../../src/node/viewServer.js';

let dir: string;
let server: ViewServer;

function get(path: string, options: { host?: string; method?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (ok, fail) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path,
          method: options.method ?? 'GET',
          headers: { host: options.host ?? `127.0.0.1:${server.port}` },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (body += c));
          res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', fail);
      req.end();
    },
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-view-server-'));
  const root = join(dir, 'site');
  await mkdir(root);
  await writeFile(join(root, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(root, 'app.js'), 'export {};');
  await writeFile(join(root, '.secret.js'), 'no');
  await writeFile(join(dir, 'outside.js'), 'no');
  server = await startViewServer({ root });
});

afterAll(async () => {
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('view server', () => {
  it('serves the page and its scripts with the CSP and hardening headers', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>t</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(VIEWER_CSP);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const js = await get('/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/app.js', { method: 'HEAD' })).status).toBe(200);
  });

  it('refuses other paths, hosts and methods', async () => {
    for (const path of ['/../outside.js', '/%2e%2e/outside.js', '/.secret.js', '/missing.js', '/index.txt']) {
      expect((await get(path)).status, path).toBe(404);
    }
    expect((await get('/', { host: 'attacker.example:80' })).status).toBe(421);
    expect((await get('/', { method: 'POST' })).status).toBe(405);
  });

  it('the CSP lets the page load nothing from elsewhere', () => {
    const directives = new Map(VIEWER_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives.get('default-src')).toBe("'self'");
    expect(directives.get('connect-src')).toBe("'none'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('img-src')).toBe("'self' blob:");
    expect(directives.get('media-src')).toBe('blob:');
  });

  it('sbackup view --no-open prints the URL, serves the built viewer and stops on SIGINT', async () => {
    await buildViewer();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'view', '--no-open'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c) => (out += c));
    const url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no URL printed: ${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
        if (m !== null) {
          clearTimeout(timer);
          ok(m[0]);
        }
      });
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(VIEWER_CSP);
    expect(await response.text()).toContain('http-equiv="Content-Security-Policy"');
    const exit = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  });

  it('sbackup view rejects a bad port', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/bin.ts', 'view', '--no-open', '--port', '70000'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
    expect(code).toBe(2);
    expect(err.trim()).toBe('sbackup view: --port: expected a number 1-65535');
  });
});
