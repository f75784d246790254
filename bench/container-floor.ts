/**
 * The chunked floor of the container benchmarks: the native primitives a streaming reader or
 * writer cannot avoid, run one after the other on this thread in the chunk sizes a streaming
 * implementation works in (bounded memory), with no framing, no per-frame work and no overlap:
 *
 * - decrypt: pass 1 reads the file in 1 MiB pieces and HMACs them; pass 2 reads it again,
 *   AES-256-CBC-decrypts each piece, gunzips the result (a node:zlib stream with 256 KiB output
 *   buffers, each write awaited before the next piece is decrypted) and writes each output to a
 *   file;
 * - encrypt: gzips 1 MiB pieces of the plaintext at the given level (a node:zlib stream, each
 *   write awaited), encrypts and MACs the compressed bytes as they come, and writes them.
 *
 * Each primitive's time is summed separately (`steps`), so the report can show where the floor's
 * time goes. The one-shot floor (bench/container.bench.ts) is no lower bound for a streaming
 * path: one call over 24 MiB allocates its output at once, and fresh memory is slow on this VM.
 * This one is tighter: a streaming path can beat it only by overlapping work (zlib's thread
 * pool, the second core). node:zlib has no public synchronous streaming call (its `*Sync`
 * functions are one-shot), so (de)compression goes through a stream, as any streaming Node
 * code's must: one thread-pool trip per piece is part of this floor.
 */

import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { createGunzip, createGzip, type Gunzip, type Gzip } from 'node:zlib';

/** Milliseconds per primitive. */
export type Steps = Record<string, number>;

/** Where the floor reads the encrypted file (or the plaintext) from. */
export type FloorInput = Uint8Array | { path: string; length: number };

const PIECE = 1 << 20;
/** Output buffers of the inflater. */
const INFLATE_OUT = 256 * 1024;

/** A zlib stream fed one piece at a time: `push` resolves with the output of that piece. */
function pieceByPiece(z: Gunzip | Gzip) {
  const outs: Buffer[] = [];
  // gunzip ends by itself at the end of the member (the padding after it is ignored); a write
  // after that never calls back, so 'end' settles it too.
  let ended = false;
  const waiting = new Set<() => void>();
  z.on('data', (c: Buffer) => outs.push(c));
  z.once('end', () => {
    ended = true;
    for (const w of waiting) w();
  });
  const take = () => outs.splice(0);
  const settle = (data: Uint8Array | undefined) =>
    new Promise<Buffer[]>((resolve, reject) => {
      if (ended || data?.length === 0) return resolve(take());
      const done = () => {
        waiting.delete(done);
        z.off('error', fail);
        resolve(take());
      };
      const fail = (e: Error) => {
        waiting.delete(done);
        reject(e);
      };
      waiting.add(done);
      z.once('error', fail);
      if (data === undefined) z.end();
      else z.write(data, (e) => (e ? fail(e) : done()));
    });
  return { push: (data: Uint8Array) => settle(data), end: () => settle(undefined) };
}

async function timedAsync<T>(steps: Steps, name: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  steps[name] = (steps[name] ?? 0) + performance.now() - t0;
  return r;
}

function timer(steps: Steps) {
  return <T>(name: string, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    steps[name] = (steps[name] ?? 0) + performance.now() - t0;
    return r;
  };
}

/** Pieces of [from, to) of `input`: views of memory, or reads into one reused buffer (timed as `read`). */
function* pieces(input: FloorInput, from: number, to: number, time: ReturnType<typeof timer>): Generator<Uint8Array> {
  if (input instanceof Uint8Array) {
    for (let o = from; o < to; o += PIECE) yield input.subarray(o, Math.min(to, o + PIECE));
    return;
  }
  const fd = openSync(input.path, 'r');
  const buffer = Buffer.allocUnsafe(PIECE);
  try {
    for (let o = from; o < to; ) {
      const n = time('read', () => readSync(fd, buffer, 0, Math.min(PIECE, to - o), o));
      if (n === 0) throw new Error('floor: short read');
      o += n;
      yield buffer.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

function lengthOf(input: FloorInput): number {
  return input instanceof Uint8Array ? input.length : input.length;
}

function tagOf(input: FloorInput): Uint8Array {
  const n = lengthOf(input);
  if (input instanceof Uint8Array) return input.subarray(n - 32);
  const tag = Buffer.alloc(32);
  const fd = openSync(input.path, 'r');
  try {
    readSync(fd, tag, 0, 32, n - 32);
  } finally {
    closeSync(fd);
  }
  return tag;
}

/**
 * Decrypts a legacy-layout file (`IV || C || MAC`) to `outPath`; returns the plaintext length
 * and fills `steps`.
 */
export async function chunkedFloorDecrypt(
  input: FloorInput,
  key: { hmacKey: Uint8Array; aesKey: Uint8Array },
  outPath: string,
  steps: Steps,
): Promise<number> {
  const time = timer(steps);
  const n = lengthOf(input);
  const mac = createHmac('sha256', key.hmacKey);
  for (const p of pieces(input, 0, n - 32, time)) time('HMAC', () => mac.update(p));
  if (!timingSafeEqual(mac.digest(), tagOf(input))) throw new Error('floor: MAC mismatch');
  let iv: Uint8Array | undefined;
  for (const p of pieces(input, 0, 16, time)) iv = Buffer.from(p);
  const decipher = createDecipheriv('aes-256-cbc', key.aesKey, iv!);
  const gunzip = pieceByPiece(createGunzip({ chunkSize: INFLATE_OUT }));
  const fd = openSync(outPath, 'w', 0o600);
  let total = 0;
  const write = (outs: Buffer[]) => {
    for (const out of outs) {
      time('write', () => writeSync(fd, out));
      total += out.length;
    }
  };
  try {
    for (const p of pieces(input, 16, n - 32, time)) {
      const plain = time('AES-CBC', () => decipher.update(p));
      write(await timedAsync(steps, 'gunzip', () => gunzip.push(plain)));
    }
    const last = time('AES-CBC', () => decipher.final());
    write(await timedAsync(steps, 'gunzip', () => gunzip.push(last)));
    write(await timedAsync(steps, 'gunzip', () => gunzip.end()));
  } finally {
    closeSync(fd);
  }
  return total;
}

/** Encrypts `plain` (the framed plaintext) to a legacy-layout file at `outPath`; fills `steps`. */
export async function chunkedFloorEncrypt(
  plain: FloorInput,
  key: { hmacKey: Uint8Array; aesKey: Uint8Array },
  level: number,
  outPath: string,
  steps: Steps,
): Promise<number> {
  const time = timer(steps);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key.aesKey, iv);
  const mac = createHmac('sha256', key.hmacKey).update(iv);
  const gzip = pieceByPiece(createGzip({ level, chunkSize: PIECE }));
  const fd = openSync(outPath, 'w', 0o600);
  let total = 16;
  const out = (ct: Uint8Array) => {
    if (ct.length === 0) return;
    time('HMAC', () => mac.update(ct));
    time('write', () => writeSync(fd, ct));
    total += ct.length;
  };
  const encrypt = (gz: Buffer[]) => {
    for (const g of gz) out(time('AES-CBC', () => cipher.update(g)));
  };
  try {
    writeSync(fd, iv);
    for (const p of pieces(plain, 0, lengthOf(plain), time))
      encrypt(await timedAsync(steps, 'gzip', () => gzip.push(p)));
    encrypt(await timedAsync(steps, 'gzip', () => gzip.end()));
    out(time('AES-CBC', () => cipher.final()));
    const tag = mac.digest();
    time('write', () => writeSync(fd, tag));
    total += tag.length;
  } finally {
    closeSync(fd);
  }
  return total;
}
