/**
 * Browser benchmark (`npm run bench -- browser`): the container's encrypt and decrypt in real
 * Chromium (playwright driving /usr/bin/chromium or $CHROMIUM_PATH; never downloads a browser),
 * for each backend that runs there (webcrypto: crypto.subtle AES-CBC + DecompressionStream
 * inflate; pure: our AES + fflate + noble), on the realistic synthetic backup of the container
 * benchmark (bench/chat-backup.ts `syntheticBackup`, SBACKUP_BENCH_MIB MiB, default 24). Beside
 * each figure: the hand-built Node pipeline (node:zlib + node:crypto streams, the container
 * benchmark's reference) measured in the same run, rounds interleaved; ratios are paired per
 * round, medians printed. The page is served from 127.0.0.1 (a secure context: crypto.subtle).
 * MB/s are of uncompressed frames (10^6 bytes/s).
 */

import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip, createGzip } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright';
import { DEFAULT_GZIP_LEVEL, encryptBackup } from '../src/container/writer.js';
import { readVarint32 } from '../src/internal/wire.js';
import { nodeBackend } from '../src/node/backend.js';
import { syntheticBackup } from './chat-backup.js';
import { recordResult } from './results.js';

const MIB = Number(process.env.SBACKUP_BENCH_MIB ?? 24);
const ROUNDS = Math.max(1, Number(process.env.SBACKUP_BENCH_ROUNDS ?? 3));
const LEVEL = DEFAULT_GZIP_LEVEL;
/** `webcrypto-fflate` and `pure-noble`: the two backends as they were before this work (same run). */
const BACKENDS = ['webcrypto', 'webcrypto-fflate', 'pure', 'pure-noble'] as const;

const input = await syntheticBackup(MIB * 2 ** 20);
const size = input.plaintext.length;
const key = { hmacKey: new Uint8Array(randomBytes(32)), aesKey: new Uint8Array(randomBytes(32)) };
const file = await encryptBackup(input.backupInfo, input.frames, { key, backend: nodeBackend, level: LEVEL });
const messages = input.frames.length + 1;
console.log(
  `synthetic account backup, ${messages} messages, ${(size / 2 ** 20).toFixed(1)} MiB uncompressed, ` +
    `file ${(file.length / 2 ** 20).toFixed(1)} MiB, gzip level ${LEVEL}, ${ROUNDS} rounds`,
);

/** The Node pipeline, encrypt: varint-framed plaintext -> createGzip -> createCipheriv -> HMAC. */
async function nodeEncrypt(): Promise<void> {
  const iv = randomBytes(16);
  const mac = createHmac('sha256', key.hmacKey).update(iv);
  async function* pieces() {
    for (let i = 0; i < size; i += 65536) yield input.plaintext.subarray(i, i + 65536);
  }
  await pipeline(
    Readable.from(pieces()),
    createGzip({ level: LEVEL, chunkSize: 65536 }),
    createCipheriv('aes-256-cbc', key.aesKey, iv),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        mac.update(chunk);
        cb();
      },
    }),
  );
  mac.digest();
}

/** The Node pipeline, decrypt: MAC pass, then createDecipheriv -> createGunzip -> varint split. */
async function nodeDecrypt(): Promise<void> {
  const body = file.subarray(0, file.length - 32);
  const mac = createHmac('sha256', key.hmacKey);
  for (let i = 0; i < body.length; i += 1 << 20) mac.update(body.subarray(i, i + (1 << 20)));
  if (!timingSafeEqual(mac.digest(), file.subarray(file.length - 32))) throw new Error('mac');
  let count = 0;
  let held: Buffer = Buffer.alloc(0);
  async function* pieces() {
    for (let i = 16; i < body.length; i += 1 << 20) yield body.subarray(i, Math.min(body.length, i + (1 << 20)));
  }
  await pipeline(
    Readable.from(pieces()),
    createDecipheriv('aes-256-cbc', key.aesKey, body.subarray(0, 16)),
    createGunzip({ chunkSize: 65536 }),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        const data = held.length ? Buffer.concat([held, chunk]) : chunk;
        let pos = 0;
        for (;;) {
          const v = readVarint32(data, pos);
          if (!v.ok || v.next + v.value > data.length) break;
          pos = v.next + v.value;
          count++;
        }
        held = data.subarray(pos);
        cb();
      },
    }),
  );
  if (count !== messages) throw new Error(`node pipeline: ${count} messages, expected ${messages}`);
}

// The page's script: the container and the backends, bundled for the browser (the core build's
// module graph; nothing from src/node).
const here = fileURLToPath(new URL('.', import.meta.url));
const bundle = await build({
  stdin: {
    contents: `
      import { encryptBackupStream } from './src/container/writer.js';
      import { openBackup } from './src/container/reader.js';
      import { pureBackend } from './src/backends/pure.js';
      import { webCryptoBackend } from './src/backends/webcrypto.js';
      import { hasRawDecompressionStream } from './src/backends/streamInflate.js';
      import { fflateInflate } from './src/backends/flate.js';
      import { cbc } from '@noble/ciphers/aes.js';
      import { BlockBuffer, stripPkcs7 } from './src/backends/cbc.js';
      // The pure backend's CBC as it was before aes.ts (noble, one call per update): the "before" figure.
      const nobleCbc = (decrypt) => (key, iv) => {
        let chain = iv.slice();
        const buf = new BlockBuffer();
        return {
          update(data) {
            const blocks = buf.take(data, decrypt);
            if (blocks.length === 0) return new Uint8Array(0);
            const c = cbc(key, chain, { disablePadding: true });
            const out = decrypt ? c.decrypt(blocks) : c.encrypt(blocks);
            chain = (decrypt ? blocks : out).slice(-16);
            return out;
          },
          final() {
            if (!decrypt) return cbc(key, chain).encrypt(buf.rest);
            return stripPkcs7(cbc(key, chain, { disablePadding: true }).decrypt(buf.rest));
          },
        };
      };
      import { splitDelimited } from './test/helpers/delimited.js';
      // 'webcrypto-fflate' is the WebCrypto backend as it was before the native inflate (the "before" figure).
      const backends = { pure: pureBackend, webcrypto: webCryptoBackend, 'webcrypto-fflate': { ...webCryptoBackend, createInflate: fflateInflate },
        'pure-noble': { ...pureBackend, aesCbcEncrypt: nobleCbc(false), aesCbcDecrypt: nobleCbc(true) } };
      const ms = async (f) => { const t0 = performance.now(); await f(); return Math.round(performance.now() - t0); };
      let state;
      globalThis.sbBench = {
        async load(keyHex) {
          const get = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
          const [plain, file] = await Promise.all([get('/plain.bin'), get('/file.bin')]);
          const hex = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
          const [backupInfo, ...frames] = splitDelimited(plain);
          state = { backupInfo, frames, file, plainBytes: plain, key: { hmacKey: hex(keyHex[0]), aesKey: hex(keyHex[1]) } };
          return { native: await hasRawDecompressionStream(), subtle: !!globalThis.crypto?.subtle, messages: frames.length + 1 };
        },
        async encrypt(name) {
          const t0 = performance.now();
          let n = 0;
          for await (const c of encryptBackupStream(state.backupInfo, state.frames, { key: state.key, backend: backends[name], level: ${LEVEL} })) n += c.length;
          return { seconds: (performance.now() - t0) / 1000, bytes: n };
        },
        /** Milliseconds of each primitive alone over the same bytes, as the decrypt path calls them. */
        async breakdown() {
          const { file, key } = state;
          const body = file.subarray(16, file.length - 32);
          const r = {};
          r['HMAC (noble, 256 KiB updates)'] = await ms(() => {
            const h = pureBackend.hmacSha256(key.hmacKey);
            for (let o = 0; o < file.length - 32; o += 262144) h.update(file.subarray(o, Math.min(file.length - 32, o + 262144)));
            h.digest();
          });
          const webKey = await crypto.subtle.importKey('raw', key.hmacKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
          r['HMAC (WebCrypto one-shot)'] = await ms(() => crypto.subtle.sign('HMAC', webKey, file.subarray(0, file.length - 32)));
          let plain;
          for (const [name, b] of [['WebCrypto', webCryptoBackend], ['ours', pureBackend]]) {
            r['AES-CBC decrypt (' + name + ', 64 KiB updates)'] = await ms(async () => {
              const d = b.aesCbcDecrypt(key.aesKey, file.subarray(0, 16));
              const parts = [];
              for (let o = 0; o < body.length; o += 65536) parts.push(await d.update(body.subarray(o, o + 65536)));
              parts.push(await d.final());
              if (name === 'ours') { plain = new Uint8Array(parts.reduce((a, p) => a + p.length, 0)); let at = 0; for (const p of parts) { plain.set(p, at); at += p.length; } }
            });
          }
          const member = plain.subarray(10);
          for (const [name, make] of [['DecompressionStream', webCryptoBackend.createInflate], ['fflate', fflateInflate]]) {
            r['inflate (' + name + ', 64 KiB pushes)'] = await ms(async () => {
              const inf = make();
              for (let o = 0; o < member.length && !inf.ended; o += 65536) await inf.push(member.subarray(o, o + 65536));
              if (!inf.ended) throw new Error('inflate did not end');
            });
          }
          r['frame split only (splitDelimited)'] = await ms(() => splitDelimited(state.plainBytes));
          return r;
        },
        async decrypt(name) {
          const t0 = performance.now();
          const b = await openBackup(state.file, { key: state.key, backend: backends[name] });
          let n = 1;
          for await (const _ of b.frames) n++;
          return { seconds: (performance.now() - t0) / 1000, messages: n };
        },
      };`,
    resolveDir: join(here, '..'),
    sourcefile: 'browser-bench-entry.js',
    loader: 'js',
  },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  minify: false,
});
const script = bundle.outputFiles[0]!.text;

const server = createServer((req, res) => {
  const send = (type: string, body: string | Uint8Array) => {
    res.writeHead(200, { 'content-type': type });
    res.end(body);
  };
  if (req.url === '/') send('text/html', '<!doctype html><script type="module" src="/bench.js"></script>');
  else if (req.url === '/bench.js') send('text/javascript', script);
  else if (req.url === '/plain.bin') send('application/octet-stream', input.plaintext);
  else if (req.url === '/file.bin') send('application/octet-stream', file);
  else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
});

interface Case {
  name: string;
  op: 'encrypt' | 'decrypt';
  impl: string;
  reference?: boolean;
  run: () => Promise<number>;
  times: number[];
}

try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => 'sbBench' in globalThis);
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const info = await page.evaluate(
    (k) => (globalThis as unknown as { sbBench: { load(k: string[]): Promise<unknown> } }).sbBench.load(k),
    [hex(key.hmacKey), hex(key.aesKey)],
  );
  const ua = await page.evaluate(() => navigator.userAgent);
  console.log(`page: ${JSON.stringify(info)}; ${ua.match(/Chrome\/[\d.]+/)?.[0] ?? ua}`);

  type PageRun = { seconds: number; bytes?: number; messages?: number };
  const inPage = (op: 'encrypt' | 'decrypt', name: string) => async () => {
    const r = await page.evaluate(
      ([o, n]) =>
        (globalThis as unknown as { sbBench: Record<string, (n: string) => Promise<PageRun>> }).sbBench[o]!(n!),
      [op, name] as const,
    );
    if (op === 'decrypt' && r.messages !== messages) throw new Error(`${name}: ${r.messages} messages`);
    return r.seconds;
  };
  const timed = (f: () => Promise<void>) => async () => {
    const t0 = performance.now();
    await f();
    return (performance.now() - t0) / 1000;
  };
  const cases: Case[] = [
    {
      name: 'Node pipeline encrypt (node:zlib + node:crypto)',
      op: 'encrypt',
      impl: 'node pipeline',
      reference: true,
      run: timed(nodeEncrypt),
      times: [],
    },
    {
      name: 'Node pipeline decrypt (MAC pass, then streams)',
      op: 'decrypt',
      impl: 'node pipeline',
      reference: true,
      run: timed(nodeDecrypt),
      times: [],
    },
  ];
  for (const b of BACKENDS) {
    // The inflate does not take part in encrypting: webcrypto-fflate would repeat webcrypto.
    if (b !== 'webcrypto-fflate')
      cases.push({
        name: `Chromium encrypt (${b})`,
        op: 'encrypt',
        impl: `chromium ${b}`,
        run: inPage('encrypt', b),
        times: [],
      });
    cases.push({
      name: `Chromium decrypt (${b}), 2 passes + split`,
      op: 'decrypt',
      impl: `chromium ${b}`,
      run: inPage('decrypt', b),
      times: [],
    });
  }
  // One warm-up of every case (JIT), then interleaved rounds, the order rotated every round.
  for (const c of cases) await c.run();
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round) % cases.length]!;
      (globalThis as { gc?: () => void }).gc?.();
      c.times[round] = await c.run();
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
  const steps = await page.evaluate(() =>
    (globalThis as unknown as { sbBench: { breakdown(): Promise<Record<string, number>> } }).sbBench.breakdown(),
  );
  console.log(`Chromium, each primitive alone on this file (ms): ${JSON.stringify(steps)}`);
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const note = `synthetic backup, ${(size / 2 ** 20).toFixed(0)} MiB, gzip ${LEVEL}, median of ${ROUNDS}; Chromium ${ua.match(/Chrome\/([\d.]+)/)?.[1] ?? ''} vs the Node pipeline in the same run`;
  console.log(`\n${'case'.padEnd(52)} ${'MB/s'.padStart(7)}  x Node pipeline (min-max)`);
  for (const op of ['encrypt', 'decrypt'] as const) {
    console.log(`-- ${op}`);
    const ref = cases.find((c) => c.op === op && c.reference)!;
    for (const c of cases.filter((x) => x.op === op)) {
      const ratios = c.times.map((t, i) => ref.times[i]! / t);
      const mbps = size / 1e6 / median(c.times);
      const cell =
        c === ref
          ? '1.00x'
          : `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`;
      console.log(`${c.name.padEnd(52)} ${mbps.toFixed(1).padStart(7)}  ${cell}`);
      recordResult({
        bench: 'browser',
        op,
        impl: c.impl,
        mbps,
        ...(c === ref ? { reference: true } : { ratio: median(ratios) }),
        note,
      });
    }
  }
} finally {
  await browser.close();
  server.close();
}
