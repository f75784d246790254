/**
 * Streaming container benchmark (`npm run bench -- container-stream`): memory stays bounded
 * whatever the size. Frames are generated on the fly (a 4 MiB synthetic chat backup, cycled), the
 * encrypted file is streamed to disk, then read back from a `fileSource` in two passes, frames
 * consumed and dropped. Reports MB/s of uncompressed frames and the RSS growth over the baseline
 * taken before the work starts (target: <= 64 MiB for a 1 GiB backup).
 * Size with SBACKUP_BENCH_STREAM_MIB (default 256; 1024 for the 1 GiB figure of issue 17:
 * `SBACKUP_BENCH_STREAM_MIB=1024 npm run bench -- container-stream`).
 * Decrypt is measured three ways, each from the file on disk: the chunked floor
 * (bench/container-floor.ts: the primitives alone, sequential, 1 MiB pieces, output written to a
 * file), the byte path (`openBackupBytes`, output written to a file: what `sbackup decrypt`
 * does) and the frame path (`openBackup`, frames counted and dropped); times are reported over
 * the chunked floor's (target <= 1.5x), with each one's RSS growth over the baseline.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { openBackup, openBackupBytes } from '../src/container/reader.js';
import { chunkedFloorDecrypt } from './container-floor.js';
import { encryptBackupStream } from '../src/container/writer.js';
import { nodeBackend } from '../src/node/backend.js';
import { fileSource } from '../src/node/file.js';
import { chatBackup } from './chat-backup.js';

const MIB = Number(process.env.SBACKUP_BENCH_STREAM_MIB ?? 256);
const target = MIB * 2 ** 20;
const key = { hmacKey: randomBytes(32), aesKey: randomBytes(32) };
const base = chatBackup(4 * 2 ** 20);
const head = base.frames.filter((f) => f[0] !== 0x22);
const items = base.frames.filter((f) => f[0] === 0x22);

let peak = 0;
const sample = () => {
  const rss = process.memoryUsage().rss;
  if (rss > peak) peak = rss;
};

/** The frames of a `target`-byte backup: the base's head once, then its chat items over and over. */
function* frames(): Generator<Uint8Array> {
  let n = 0;
  for (const f of head) {
    n += f.length;
    yield f;
  }
  for (let i = 0; n < target; i++) {
    const f = items[i % items.length]!;
    n += f.length;
    if (i % 4096 === 0) sample();
    yield f;
  }
}

(globalThis as { gc?: () => void }).gc?.();
const baseline = process.memoryUsage().rss;
peak = baseline;
const dir = await mkdtemp(join(tmpdir(), 'sbackup-bench-'));
const path = join(dir, 'backup.bin');
try {
  let frameBytes = 0;
  for (const f of frames()) frameBytes += f.length;
  const t0 = performance.now();
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  for await (const chunk of encryptBackupStream(base.backupInfo, frames(), { key, backend: nodeBackend })) {
    sample();
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const encS = (performance.now() - t0) / 1000;
  const encPeak = peak;
  const fileSize = (await stat(path)).size;

  const mib = (x: number) => (x / 2 ** 20).toFixed(0);
  /** Runs `f`, returning its seconds and the peak RSS growth over the baseline while it ran. */
  const measure = async (f: () => Promise<void>): Promise<{ s: number; growth: number }> => {
    (globalThis as { gc?: () => void }).gc?.();
    peak = process.memoryUsage().rss;
    const timer = setInterval(sample, 20);
    const t = performance.now();
    try {
      await f();
    } finally {
      clearInterval(timer);
    }
    sample();
    return { s: (performance.now() - t) / 1000, growth: peak - baseline };
  };
  const outPath = join(dir, 'plain.binproto');
  let count = 0;
  const floor = await measure(async () => {
    const n = await chunkedFloorDecrypt({ path, length: fileSize }, key, outPath, {});
    if (n < frameBytes) throw new Error(`chunked floor: ${n} bytes`);
  });
  await rm(outPath, { force: true });
  const bytes = await measure(async () => {
    const b = await openBackupBytes(await fileSource(path), { key, backend: nodeBackend });
    const fd = openSync(outPath, 'w', 0o600);
    try {
      for await (const c of b.bytes) {
        writeSync(fd, c);
        sample();
      }
    } finally {
      closeSync(fd);
    }
  });
  await rm(outPath, { force: true });
  const messages = await measure(async () => {
    const b = await openBackup(await fileSource(path), { key, backend: nodeBackend });
    for await (const _ of b.frames) {
      if (++count % 4096 === 0) sample();
    }
  });
  console.log(
    `streamed backup: ${mib(frameBytes)} MiB of frames (${count} frames), file ${mib(fileSize)} MiB, node backend`,
  );
  console.log(`encrypt to file     ${(frameBytes / 1e6 / encS).toFixed(1).padStart(7)} MB/s`);
  for (const [name, r] of [
    ['decrypt chunked floor (primitives, writes)', floor],
    ['decrypt byte path, written to a file', bytes],
    ['decrypt frame path, frames dropped', messages],
  ] as const) {
    console.log(
      `${name.padEnd(44)} ${(frameBytes / 1e6 / r.s).toFixed(1).padStart(7)} MB/s  ${(r.s / floor.s).toFixed(2)}x the chunked floor's time  RSS growth ${mib(r.growth)} MiB`,
    );
  }
  console.log(
    `RSS: baseline ${mib(baseline)} MiB; growth while encrypting ${mib(encPeak - baseline)} MiB ` +
      `(targets for 1 GiB: decrypt <= 1.5x the chunked floor, RSS growth <= 64 MiB)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
