/**
 * Attachment encrypt and decrypt of a 100 MiB file per backend, streamed from and to disk, next to
 * a node:crypto reference (createCipheriv + createHmac + createHash streaming) measured in the same
 * run. Prints MB/s, ratio to the reference, and peak RSS (sampled), which must not grow with the
 * file size. SBACKUP_BENCH_MEDIA_MIB sets the size (default 100); SBACKUP_BENCH_BACKENDS filters.
 */

import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pureBackend } from '../src/backends/pure.js';
import type { CryptoBackend } from '../src/backends/types.js';
import { webCryptoBackend } from '../src/backends/webcrypto.js';
import { decryptAttachmentStream, encryptAttachmentStream } from '../src/media/attachment.js';
import { paddedSize } from '../src/media/padding.js';
import { nodeBackend } from '../src/node/backend.js';
import { recordResult } from './results.js';

const MiB = 1024 * 1024;
const size = Number(process.env.SBACKUP_BENCH_MEDIA_MIB ?? 100) * MiB;
const wanted = (process.env.SBACKUP_BENCH_BACKENDS ?? 'node,webcrypto,pure').split(',');
const backends: CryptoBackend[] = [nodeBackend, webCryptoBackend, pureBackend].filter((b) => wanted.includes(b.name));

let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
function resetPeak(): void {
  (globalThis as { gc?: () => void }).gc?.();
  peak = process.memoryUsage().rss;
}

async function writeAll(path: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const out = createWriteStream(path);
  for await (const c of chunks) if (!out.write(c)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
}

async function* refEncrypt(path: string, key: Buffer, iv: Buffer): AsyncGenerator<Uint8Array> {
  const c = createCipheriv('aes-256-cbc', key.subarray(0, 32), iv);
  const mac = createHmac('sha256', key.subarray(32));
  const digest = createHash('sha256');
  const plain = createHash('sha256');
  const emit = (b: Buffer) => {
    mac.update(b);
    digest.update(b);
    return b;
  };
  yield emit(Buffer.from(iv));
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) {
    n += chunk.length;
    plain.update(chunk);
    yield emit(c.update(chunk));
  }
  const pad = Buffer.alloc(paddedSize(n) - n);
  yield emit(c.update(pad));
  yield emit(c.final());
  const tag = mac.digest();
  digest.update(tag);
  yield tag;
  plain.digest();
  digest.digest();
}

async function* refDecrypt(path: string, key: Buffer, total: number, plainSize: number): AsyncGenerator<Uint8Array> {
  // MAC pass, then decrypt pass, as ours does for a file.
  const mac = createHmac('sha256', key.subarray(32));
  let seen = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) {
    const take = Math.max(0, Math.min(chunk.length, total - 32 - seen));
    mac.update(chunk.subarray(0, take));
    seen += chunk.length;
  }
  mac.digest();
  let d: ReturnType<typeof createDecipheriv> | undefined;
  let out = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: MiB, start: 0, end: total - 33 })) {
    let body = chunk as Buffer;
    if (d === undefined) {
      d = createDecipheriv('aes-256-cbc', key.subarray(0, 32), body.subarray(0, 16));
      body = body.subarray(16);
    }
    const p = d.update(body);
    const keep = Math.min(p.length, plainSize - out);
    out += keep;
    yield p.subarray(0, keep);
  }
  d?.final();
}

async function time(label: string, fn: () => Promise<void>): Promise<{ mbps: number; rss: number }> {
  resetPeak();
  const t = performance.now();
  await fn();
  const s = (performance.now() - t) / 1000;
  const r = { mbps: size / 1e6 / s, rss: peak };
  console.log(`  ${label.padEnd(28)} ${r.mbps.toFixed(1).padStart(8)} MB/s   peak RSS ${(r.rss / MiB).toFixed(0)} MiB`);
  return r;
}

const dir = await mkdtemp(join(tmpdir(), 'sbackup-bench-media-'));
const input = join(dir, 'in.bin');
const key = randomBytes(64);
const iv = randomBytes(16);
{
  const out = createWriteStream(input);
  for (let i = 0; i < size; i += MiB) out.write(randomBytes(Math.min(MiB, size - i)));
  await new Promise<void>((r) => out.end(() => r()));
}
const fileSource = (p: string) => ({
  length: statSync(p).size,
  open: () => createReadStream(p, { highWaterMark: MiB }) as AsyncIterable<Uint8Array>,
});
console.log(
  `attachment of ${size / MiB} MiB, streamed file to file (baseline RSS ${(process.memoryUsage().rss / MiB).toFixed(0)} MiB)`,
);
const ref = {
  enc: await time('node:crypto reference encrypt', () => writeAll(join(dir, 'ref.enc'), refEncrypt(input, key, iv))),
  dec: { mbps: 0, rss: 0 },
};
const total = (await stat(join(dir, 'ref.enc'))).size;
ref.dec = await time('node:crypto reference decrypt', () =>
  writeAll(join(dir, 'ref.dec'), refDecrypt(join(dir, 'ref.enc'), key, total, size)),
);
const note = `media: one ${size / MiB} MiB attachment, streamed file to file`;
const reference = 'node:crypto reference';
recordResult({ bench: 'media', op: 'encrypt', impl: reference, mbps: ref.enc.mbps, reference: true, note });
recordResult({ bench: 'media', op: 'decrypt', impl: reference, mbps: ref.dec.mbps, reference: true, note });
for (const backend of backends) {
  const enc = await time(`${backend.name} encrypt`, () =>
    writeAll(
      join(dir, `${backend.name}.enc`),
      encryptAttachmentStream(fileSource(input).open(), key, { iv, size, backend }),
    ),
  );
  const dec = await time(`${backend.name} decrypt`, () =>
    writeAll(
      join(dir, `${backend.name}.dec`),
      decryptAttachmentStream(fileSource(join(dir, `${backend.name}.enc`)), key, { size, backend }),
    ),
  );
  for (const [op, r, base] of [
    ['encrypt', enc, ref.enc],
    ['decrypt', dec, ref.dec],
  ] as const) {
    recordResult({ bench: 'media', op, impl: backend.name, mbps: r.mbps, ratio: r.mbps / base.mbps, note });
  }
  console.log(
    `  ${backend.name}: encrypt ${(enc.mbps / ref.enc.mbps).toFixed(2)}x, decrypt ${(dec.mbps / ref.dec.mbps).toFixed(2)}x of node:crypto`,
  );
}
clearInterval(sampler);
await rm(dir, { recursive: true, force: true });
