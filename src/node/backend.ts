/**
 * The Node backend: OpenSSL through node:crypto (AES-NI, SHA-NI). Same bytes as the pure backend,
 * roughly 10x (HMAC) to 40x (CBC decryption) faster; see docs and bench/.
 */

import { createCipheriv, createDecipheriv, createHash, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import {
  constants as zlibConstants,
  crc32 as zlibCrc32,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  deflateRawSync,
} from 'node:zlib';
import { AES_BLOCK, badPadding } from '../backends/cbc.js';
import type {
  SyncCbcStream,
  SyncCryptoBackend,
  DeflateStream,
  Hasher,
  InflateStream,
  MaybePromise,
} from '../backends/types.js';
import { BackupError } from '../errors.js';
import { assertBytes } from '../internal/bytes.js';

const SHA256_BLOCK = 64;

const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function wrapHash(h: Hash): Hasher {
  return {
    update(data) {
      h.update(data);
    },
    digest: () => view(h.digest()),
    clone: () => wrapHash(h.copy()),
  };
}

/**
 * HMAC-SHA256 built from two SHA-256 states (RFC 2104), because node's Hmac objects cannot be
 * copied and the incremental MAC needs the MAC of every prefix.
 */
function hmacFromHashes(inner: Hash, outerPad: Uint8Array): Hasher {
  return {
    update(data) {
      inner.update(data);
    },
    digest: () => view(createHash('sha256').update(outerPad).update(inner.digest()).digest()),
    clone: () => hmacFromHashes(inner.copy(), outerPad),
  };
}

function nodeHmac(key: Uint8Array): Hasher {
  assertBytes(key, 'key');
  let k = key.length > SHA256_BLOCK ? view(createHash('sha256').update(key).digest()) : key;
  const padded = new Uint8Array(SHA256_BLOCK);
  padded.set(k);
  k = padded;
  const ipad = k.map((b) => b ^ 0x36);
  const opad = k.map((b) => b ^ 0x5c);
  return hmacFromHashes(createHash('sha256').update(ipad), opad);
}

function encryptStream(key: Uint8Array, iv: Uint8Array): SyncCbcStream {
  assertBytes(key, 'key', 32);
  assertBytes(iv, 'iv', AES_BLOCK);
  const c = createCipheriv('aes-256-cbc', key, iv);
  return { update: (d) => view(c.update(d)), final: () => view(c.final()) };
}

function decryptStream(key: Uint8Array, iv: Uint8Array): SyncCbcStream {
  assertBytes(key, 'key', 32);
  assertBytes(iv, 'iv', AES_BLOCK);
  // OpenSSL's own PKCS#7 handling holds the last block back until `final` (no copy per call);
  // its padding failure becomes the same error the pure backend raises for the same input.
  const d = createDecipheriv('aes-256-cbc', key, iv);
  let seen = 0;
  return {
    update(data) {
      seen += data.length;
      return view(d.update(data));
    },
    final() {
      if (seen === 0 || seen % AES_BLOCK !== 0) {
        throw new BackupError('TRUNCATED', 'ciphertext is not a whole number of AES blocks (file truncated)');
      }
      try {
        return view(d.final());
      } catch {
        throw badPadding();
      }
    },
  };
}

const EMPTY = new Uint8Array(0);

// Input held before it is compressed with a full flush even if no flush was asked for: bounds the
// memory of long stretches without a scheduled flush (an extra block boundary is harmless). Input
// is copied into reused buffers of this size (fresh memory is slow to touch on small VMs).
const DEFLATE_SEGMENT_MAX = 1 << 20;

/**
 * Raw DEFLATE on zlib, one job per segment between flushes, ended with Z_FULL_FLUSH: after a
 * full flush the compressor forgets the dictionary, so segments are independent and their
 * outputs, concatenated in order, form one valid DEFLATE stream. Large segments compress in
 * parallel in the thread pool (on up to 3 reused compressors, see deflateJobsMax), small ones at once
 * on this thread; output is handed out in order, possibly one or more calls later (`finish`
 * returns all the rest).
 */
function zlibDeflate(level: number): DeflateStream {
  /** Segment buffers free for reuse (each is returned once its job has read it). */
  const pool: Buffer[] = [];
  /** Idle compressors for large segments. */
  const engines: DeflateRaw[] = [];
  const jobsMax = deflateJobsMax();
  let segment: Buffer | undefined;
  let used = 0;
  /** Segments in order; each job's output is handed out only when every earlier one is out. */
  const queue: DeflateJob[] = [];
  const compress = (input: Buffer, finish: boolean, release: (() => void) | undefined): void => {
    const flush = finish ? zlibConstants.Z_FINISH : zlibConstants.Z_FULL_FLUSH;
    if (input.length < DEFLATE_ASYNC_MIN) {
      // An output buffer about the input's size (zlib's default, 16 KiB, would be mostly empty
      // for the many tiny segments around recipients, and pile up as garbage), and zlib's default
      // memLevel: a fresh state per call, and memLevel 9's larger one costs 4x more to set up.
      const chunkSize = input.length + (input.length >> 3) + 64;
      queue.push({ out: view(deflateRawSync(input, { level, finishFlush: flush, chunkSize })) });
      release?.();
      return;
    }
    // Large segments go to the thread pool: several compress at once (segments are independent
    // after a full flush) while this thread encrypts and MACs the previous ones. Each runs on a
    // compressor kept from earlier segments: a full flush already forgets the dictionary, and
    // reusing the compressor saves setting up zlib's state (a few hundred KiB) every time.
    const z = engines.pop() ?? createDeflateRaw({ level, memLevel: DEFLATE_MEM_LEVEL, chunkSize: DEFLATE_OUT_CHUNK });
    const job: DeflateJob = {};
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    job.done = new Promise<void>((resolve) => {
      let settled = false;
      const done = (error?: Error) => {
        // After an error zlib may still call the flush callback: settle once, so the segment
        // buffer goes back to the pool once and a failed compressor is never reused.
        if (settled) return;
        settled = true;
        z.off('data', onData);
        z.off('error', done);
        release?.();
        if (error) job.error = error;
        else job.out = chunks.length === 1 ? view(chunks[0]!) : view(Buffer.concat(chunks));
        if (error || finish) z.close();
        else engines.push(z);
        resolve();
      };
      z.on('data', onData);
      z.once('error', done);
      z.write(input);
      // Output of the write is emitted before the flush's callback runs.
      z.flush(flush, () => done());
    });
    queue.push(job);
  };
  const start = (finish: boolean): void => {
    if (used === 0) {
      if (finish) compress(Buffer.alloc(0), true, undefined);
      return;
    }
    const buffer = segment!;
    const input = buffer.subarray(0, used);
    segment = undefined;
    used = 0;
    compress(input, finish, () => pool.push(buffer));
  };
  const finished = (j: DeflateJob): boolean => j.out !== undefined || j.error !== undefined;
  /** Output of the finished job at the head of the queue, if any (one at a time: no joining). */
  const next = (): Uint8Array => {
    const job = queue[0];
    if (job === undefined || !finished(job)) return EMPTY;
    queue.shift();
    if (job.error) throw job.error;
    return job.out!;
  };
  const running = (): number => {
    let n = 0;
    for (const j of queue) if (!finished(j)) n++;
    return n;
  };
  /**
   * Waits while too many jobs run, then hands out the oldest finished output (the others follow
   * in later calls, which come at least once per 64 KiB of input). `all` (to finish): waits for
   * every job and hands out everything.
   */
  const collect = (all: boolean): MaybePromise<Uint8Array> => {
    if (!all) {
      if (running() <= jobsMax) return next();
      return (async () => {
        while (running() > jobsMax) await queue.find((j) => !finished(j))!.done;
        return next();
      })();
    }
    return (async () => {
      for (const j of queue) if (!finished(j)) await j.done;
      const outs: Uint8Array[] = [];
      while (queue.length > 0) outs.push(next());
      return outs.length === 1 ? outs[0]! : view(Buffer.concat(outs));
    })();
  };
  return {
    push(data) {
      if (data.length === 0) return EMPTY;
      if (used + data.length > DEFLATE_SEGMENT_MAX) start(false);
      if (data.length > DEFLATE_SEGMENT_MAX) {
        // Larger than a segment buffer: compressed on its own, from a copy (the caller may reuse `data`).
        compress(Buffer.from(data), false, undefined);
        return collect(false);
      }
      segment ??= pool.pop() ?? Buffer.allocUnsafeSlow(DEFLATE_SEGMENT_MAX);
      segment.set(data, used);
      used += data.length;
      if (used >= DEFLATE_SEGMENT_MAX) start(false);
      return collect(false);
    },
    flush() {
      start(false);
      return collect(false);
    },
    finish() {
      start(true);
      const close = (out: Uint8Array): Uint8Array => {
        for (const z of engines.splice(0)) z.close();
        return out;
      };
      const out = collect(true);
      return out instanceof Promise ? out.then(close) : close(out);
    },
  };
}

/** One segment being compressed: `out` once done, or `error`. */
interface DeflateJob {
  done?: Promise<void>;
  out?: Uint8Array;
  error?: Error;
}

/**
 * zlib's memLevel of the reused thread-pool compressors (hash table of 2^(memLevel+7) heads;
 * default 8). 9, zlib's maximum, is about 7-10% faster at level 6 on chat data and compresses
 * slightly better, for 128 KiB more per compressor; the level and the 32 KiB window stay the
 * same, and any inflater reads the result.
 */
const DEFLATE_MEM_LEVEL = 9;
/** Output buffer of the thread-pool compressors: several segments' outputs, each mostly in one piece. */
const DEFLATE_OUT_CHUNK = 1024 * 1024;
/** Segments shorter than this are compressed at once on this thread (a thread-pool trip costs more). */
const DEFLATE_ASYNC_MIN = 32 * 1024;
/**
 * Segments compressing at once in the thread pool: 3 (libuv's default pool has 4 threads) when
 * this process may run on several cores; 1 on a single core, where parallel jobs only compete
 * (measured: about 4% slower there).
 */
function deflateJobsMax(): number {
  return availableParallelism() > 1 ? 3 : 1;
}

/**
 * Raw inflate on a zlib stream. Each push writes the data and waits until zlib has consumed it,
 * so the output of that data is complete when the promise resolves. zlib stops at the end of the DEFLATE
 * stream; `bytesWritten` (input consumed) tells where that was.
 */
function zlibInflate(): InflateStream {
  // Output buffers large enough for a whole piece's output (64 KiB of input inflates to about
  // 128 KiB of chat data): one output chunk per push, nothing to join.
  const z = createInflateRaw({ chunkSize: 256 * 1024 });
  const chunks: Buffer[] = [];
  let failure: Error | undefined;
  let written = 0;
  let ended = false;
  let rest = EMPTY;
  z.on('data', (c: Buffer) => chunks.push(c));
  z.on('error', (e: Error) => {
    failure = e;
  });
  return {
    async push(data) {
      if (ended) throw new Error('inflate stream already ended');
      written += data.length;
      await new Promise<void>((resolve) => {
        const done = () => {
          z.off('error', done);
          resolve();
        };
        z.once('error', done);
        // zlib's inflate holds no output back: once the input is consumed, its output has been
        // emitted, so no flush (and no extra thread-pool round trip) is needed.
        z.write(data, () => done());
      });
      if (failure !== undefined) {
        throw new BackupError('DECOMPRESSION_FAILED', `gzip data is corrupt (${failure.message})`, { cause: failure });
      }
      if (z.bytesWritten < written || z.readableEnded) {
        ended = true;
        rest = data.slice(data.length - (written - z.bytesWritten));
        z.destroy();
      }
      const out = chunks.length === 1 ? view(chunks[0]!) : view(Buffer.concat(chunks));
      chunks.length = 0;
      return out;
    },
    get ended() {
      return ended;
    },
    get rest() {
      return rest;
    },
  };
}

/** The node:crypto / node:zlib backend. */
export const nodeBackend: SyncCryptoBackend = {
  name: 'node',
  sha256: () => wrapHash(createHash('sha256')),
  hmacSha256: nodeHmac,
  aesCbcEncrypt: encryptStream,
  aesCbcDecrypt: decryptStream,
  createDeflate: zlibDeflate,
  createInflate: zlibInflate,
  crc32: (data, crc = 0) => zlibCrc32(data, crc),
};
