/**
 * Container benchmark (`npm run bench -- container`): encrypt and decrypt a synthetic chat-like
 * backup (bench/chat-backup.ts, 64 MiB by default; SBACKUP_BENCH_MIB to change) on every backend,
 * next to a reference pipeline hand-built from node:zlib and node:crypto streams at the same gzip
 * level, and libsignal-client's validate() on a valid backup of the same size (corpus chat items
 * repeated). MB/s are of uncompressed frames (10^6 bytes/s). Prints ratios and peak RSS.
 */

import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { pureBackend } from '../src/backends/pure.js';
import type { CryptoBackend } from '../src/backends/types.js';
import { webCryptoBackend } from '../src/backends/webcrypto.js';
import { openBackup } from '../src/container/reader.js';
import { DEFAULT_GZIP_LEVEL, encryptBackup, encryptBackupToBytes } from '../src/container/writer.js';
import { decodeBackupInfo, decodeFrame } from '../src/frames/codec.js';
import { encodeVarint, readVarint32 } from '../src/internal/wire.js';
import { nodeBackend } from '../src/node/backend.js';
import { chatBackup } from './chat-backup.js';

const MIB = Number(process.env.SBACKUP_BENCH_MIB ?? 64);
const LEVEL = Number(process.env.SBACKUP_BENCH_LEVEL ?? DEFAULT_GZIP_LEVEL);
const key = { hmacKey: randomBytes(32), aesKey: randomBytes(32) };
const rssMiB = () => process.resourceUsage().maxRSS / 1024;

function time<T>(f: () => Promise<T>): Promise<[T, number]> {
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  return f().then((v) => [v, (performance.now() - t0) / 1000]);
}

const { backupInfo, frames, size } = chatBackup(MIB * 2 ** 20);
const rssBase = rssMiB();
const mbs = (s: number) => size / 1e6 / s;
console.log(
  `synthetic backup: ${frames.length} frames, ${(size / 2 ** 20).toFixed(1)} MiB uncompressed, gzip level ${LEVEL}`,
);

function* delimitedChunks(): Generator<Uint8Array> {
  const parts: Uint8Array[] = [encodeVarint(backupInfo.length), backupInfo];
  let n = 0;
  for (const f of frames) {
    parts.push(encodeVarint(f.length), f);
    n += f.length;
    if (n >= 65536) {
      yield Buffer.concat(parts);
      parts.length = 0;
      n = 0;
    }
  }
  yield Buffer.concat(parts);
}

/** Reference encrypt: node streams, gzip -> cipher -> hmac, output discarded. */
async function referenceEncrypt(): Promise<Uint8Array> {
  const iv = randomBytes(16);
  const mac = createHmac('sha256', key.hmacKey).update(iv);
  const out: Buffer[] = [iv];
  await pipeline(
    Readable.from(delimitedChunks()),
    createGzip({ level: LEVEL, chunkSize: 65536 }),
    createCipheriv('aes-256-cbc', key.aesKey, iv),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        mac.update(chunk);
        out.push(chunk);
        cb();
      },
    }),
  );
  out.push(mac.digest());
  return Buffer.concat(out);
}

/** Reference decrypt: MAC pass, then decipher -> gunzip -> varint split (counting frames). */
async function referenceDecrypt(file: Uint8Array): Promise<number> {
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
        let data = held.length ? Buffer.concat([held, chunk]) : chunk;
        let pos = 0;
        for (;;) {
          const v = readVarint32(data, pos);
          if (!v.ok || v.next + v.value > data.length) break;
          pos = v.next + v.value;
          count++;
        }
        held = data.subarray(pos);
        data = held;
        cb();
      },
    }),
  );
  return count;
}

async function ourEncrypt(backend: CryptoBackend): Promise<number> {
  let n = 0;
  for await (const c of encryptBackup(backupInfo, frames, { key, backend, level: LEVEL })) n += c.length;
  return n;
}

async function ourDecrypt(file: Uint8Array, backend: CryptoBackend): Promise<number> {
  const b = await openBackup(file, { key, backend });
  let n = 0;
  for await (const _ of b.frames) n++;
  return n;
}

const rows: [string, number][] = [];
const [refFile, refEncS] = await time(referenceEncrypt);
rows.push(['reference encrypt (node:zlib + node:crypto streams)', mbs(refEncS)]);
const [refCount, refDecS] = await time(() => referenceDecrypt(refFile));
rows.push(['reference decrypt (MAC pass, then streams)', mbs(refDecS)]);
const backends = [nodeBackend, webCryptoBackend, pureBackend];
const ourFile = await encryptBackupToBytes(backupInfo, frames, { key, backend: nodeBackend, level: LEVEL });
for (const backend of backends) {
  const [, encS] = await time(() => ourEncrypt(backend));
  rows.push([`sbackup encrypt (${backend.name})`, mbs(encS)]);
  const [count, decS] = await time(() => ourDecrypt(ourFile, backend));
  if (count !== frames.length || refCount !== frames.length + 1) throw new Error('frame count mismatch');
  rows.push([`sbackup decrypt (${backend.name})`, mbs(decS)]);
}

// libsignal validate() needs a semantically valid backup: corpus chat items, repeated to the same size.
const shared = resolve(process.env.SBACKUP_SHARED ?? '../shared');
const corpus = new Uint8Array(
  readFileSync(join(shared, 'interop/backup-tests/chat_item_standard_message_long_text_14.binproto')),
);
const messages: Uint8Array[] = [];
for (let pos = 0; pos < corpus.length; ) {
  const v = readVarint32(corpus, pos);
  if (!v.ok) break;
  messages.push(corpus.subarray(v.next, v.next + v.value));
  pos = v.next + v.value;
}
const [vInfo, ...vFrames] = messages;
const items = vFrames.filter((f) => f[0] === 0x22);
const head = vFrames.filter((f) => f[0] !== 0x22);
const validFrames = [...head];
let validSize = 0;
while (validSize < size) {
  for (const it of items) {
    validFrames.push(it);
    validSize += it.length + 3;
  }
}
const require = createRequire(import.meta.url);
const mb = require('@signalapp/libsignal-client/dist/MessageBackup.js');
const { InputStream } = require('@signalapp/libsignal-client/dist/io.js');
class Bytes extends InputStream {
  pos = 0;
  constructor(private readonly b: Uint8Array) {
    super();
  }
  async read(n: number) {
    const out = this.b.slice(this.pos, this.pos + n);
    this.pos += out.length;
    return out;
  }
  async skip(n: number) {
    this.pos += n;
  }
}
// validate() takes a MessageBackupKey: derive one from a random backupKey/backupId and use its keys.
const bk = randomBytes(32);
const bid = randomBytes(16);
const theirs = new mb.MessageBackupKey({ backupKey: new Uint8Array(bk), backupId: new Uint8Array(bid) });
const vKey = { hmacKey: theirs.hmacKey as Uint8Array, aesKey: theirs.aesKey as Uint8Array };
const vFile = await encryptBackupToBytes(vInfo!, validFrames, { key: vKey, backend: nodeBackend, level: LEVEL });
const [outcome, valS] = await time(() =>
  mb.validate(theirs, mb.Purpose.RemoteBackup, () => new Bytes(vFile), BigInt(vFile.length)),
);
if ((outcome as { errorMessage: string | null }).errorMessage !== null)
  throw new Error(`validate: ${(outcome as { errorMessage: string }).errorMessage}`);
const [, ourValS] = await time(async () => {
  const b = await openBackup(vFile, { key: vKey, backend: nodeBackend });
  for await (const _ of b.frames);
});
rows.push([
  `libsignal validate() (valid corpus backup, ${(validSize / 2 ** 20).toFixed(0)} MiB)`,
  validSize / 1e6 / valS,
]);
rows.push(['sbackup decrypt (node) on that same file', validSize / 1e6 / ourValS]);
// Closer to what validate() does: decrypt and decode every frame with the schema codec.
const [, ourParseS] = await time(async () => {
  const b = await openBackup(vFile, { key: vKey, backend: nodeBackend });
  decodeBackupInfo(b.backupInfo);
  for await (const f of b.frames) decodeFrame(f);
});
rows.push(['sbackup decrypt + decodeFrame (node) on that same file', validSize / 1e6 / ourParseS]);

const ref = { enc: mbs(refEncS), dec: mbs(refDecS) };
console.log(`\n${'case'.padEnd(62)} ${'MB/s'.padStart(8)}  ratio to reference`);
for (const [name, v] of rows) {
  const base = name.includes('encrypt') ? ref.enc : ref.dec;
  console.log(`${name.padEnd(62)} ${v.toFixed(1).padStart(8)}  ${(v / base).toFixed(2)}x`);
}
console.log(
  `\npeak RSS ${rssMiB().toFixed(0)} MiB (after generating the input: ${rssBase.toFixed(0)} MiB; input held in memory)`,
);
