/**
 * Incremental media benchmark (issue 6).
 *
 * 1. Planner: 10^4, 10^5, 10^6 media against a listing that holds half of them plus 10% orphans;
 *    reference = building one Map of the same ids (the floor of any diff). Target: 10^6 < 2 s.
 * 2. Local backup folder on disk: a generated fixture of >= 2,000 media files (>= 500 MiB) and a
 *    chat-like frame set; the first full `createLocalBackup`, then one with 1% new media.
 *    Reference = copying the same media files with fs.copyFile (what a plain copy costs).
 *    Target: the incremental run writes only the new media and takes <= 10% of the first.
 *
 * Environment: SBACKUP_BENCH_MEDIA (count, default 2000), SBACKUP_BENCH_MEDIA_MIB (total, default
 * 512), SBACKUP_BENCH_MESSAGES (text messages, default 50000), SBACKUP_BENCH_DIR (scratch dir).
 */

import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBackupInfo, encodeFrame } from '../src/frames/codec.js';
import { createLocalBackup } from '../src/incremental/localFolder.js';
import { verifyLocalBackup } from '../src/incremental/localRead.js';
import { planMedia } from '../src/incremental/plan.js';
import { concatBytes } from '../src/internal/bytes.js';
import { encodeVarint } from '../src/internal/wire.js';
import { ciphertextSize } from '../src/media/padding.js';
import { nodeBackend } from '../src/node/backend.js';
import { fsStorage } from '../src/node/fsStorage.js';
import { directoryMediaSource } from '../src/node/mediaDirectory.js';

const MIB = 1024 * 1024;
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const COUNT = env('SBACKUP_BENCH_MEDIA', 2000);
const TOTAL_MIB = env('SBACKUP_BENCH_MEDIA_MIB', 512);
const MESSAGES = env('SBACKUP_BENCH_MESSAGES', 50_000);
const AEP = 'benchbenchbenchbenchbenchbenchbenchbenchbenchbenchbenchbenchbenc';
const ACI = '0bd1f2a3-4b5c-4d6e-8f70-8192a3b4c5d6';
const NOW = 1_750_000_000_000;
const DAY = 86_400_000;

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const ms = (t: number) => `${t.toFixed(0)} ms`;
const mbps = (bytes: number, t: number) => `${(bytes / 1e6 / (t / 1000)).toFixed(0)} MB/s`;
const rssMiB = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);

function time<T>(f: () => T): [T, number] {
  gc();
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
}

async function timeAsync<T>(f: () => Promise<T>): Promise<[T, number]> {
  gc();
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

function plannerBench(): void {
  console.log('\n-- planner (paid, 100 GiB quota; listing holds half the media + 10% orphans) --');
  console.log('items      plan        reference(Map)  ratio   upload/keep/delete');
  for (const n of [1e4, 1e5, 1e6]) {
    const refs = JSON.parse(
      JSON.stringify(
        Array.from({ length: n }, (_, i) => ({
          mediaName: randomBytes(96).toString('hex'),
          mediaId: randomBytes(15).toString('base64url'),
          size: 20_000 + ((i * 7919) % 5_000_000),
          sentAtMs: NOW - ((i * 1_234_567) % (400 * DAY)),
          thumbnail: i % 4 === 1,
        })),
      ),
    );
    const stored: { mediaId: string; size: number }[] = [];
    for (let i = 0; i < n; i += 2) stored.push({ mediaId: refs[i].mediaId, size: 1 });
    for (let i = 0; i < n / 10; i++) stored.push({ mediaId: randomBytes(15).toString('base64url'), size: 1 });
    const [, tRef] = time(() => new Map(refs.map((r: { mediaId: string }, i: number) => [r.mediaId, i])));
    const [plan, t] = time(() => planMedia(refs, stored, { tier: 'paid', now: NOW }));
    console.log(
      `${String(n).padEnd(10)} ${ms(t).padEnd(11)} ${ms(tRef).padEnd(15)} ${(t / tRef).toFixed(1).padStart(5)}x   ${plan.upload.length}/${plan.keep.length}/${plan.delete.length}`,
    );
    if (n === 1e6) console.log(`10^6 items in ${ms(t)}: ${t < 2000 ? 'PASS' : 'FAIL'} (target < 2000 ms)`);
  }
}

interface Medium {
  path: string;
  size: number;
  hash: Uint8Array;
  key: Uint8Array;
  localKey: Uint8Array;
  contentType: string;
  sentAtMs: number;
}

/** Photo-like sizes (50 KiB - 1.5 MiB), every 25th a video (2 - 12 MiB), scaled to the total. */
function mediaSizes(count: number, totalBytes: number): number[] {
  const raw = Array.from({ length: count }, (_, i) =>
    i % 25 === 0 ? 2 * MIB + ((i * 7_919_993) % (10 * MIB)) : 50 * 1024 + ((i * 104_729) % (1.5 * MIB)),
  );
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((s) => Math.max(1, Math.round((s * totalBytes) / sum)));
}

async function makeMedia(dir: string, sizes: number[], first: number): Promise<Medium[]> {
  await mkdir(dir, { recursive: true });
  const out: Medium[] = [];
  for (const [i, size] of sizes.entries()) {
    const data = randomBytes(size);
    const path = join(dir, `IMG_${first + i}.bin`);
    await writeFile(path, data);
    out.push({
      path,
      size,
      hash: new Uint8Array(createHash('sha256').update(data).digest()),
      key: new Uint8Array(randomBytes(64)),
      localKey: new Uint8Array(randomBytes(64)),
      contentType: (first + i) % 25 === 0 ? 'video/mp4' : 'image/jpeg',
      sentAtMs: NOW - (sizes.length - i) * 60_000,
    });
  }
  return out;
}

const delimited = (m: Uint8Array) => concatBytes(encodeVarint(m.length), m);

/** BackupInfo, then chat text messages with the media spread among them. */
function makeFrames(media: Medium[], messages: number): Uint8Array {
  const parts = [
    delimited(
      encodeBackupInfo({ version: 1n, backupTimeMs: BigInt(NOW), mediaRootBackupKey: new Uint8Array(32).fill(7) }),
    ),
  ];
  const every = Math.max(1, Math.floor(messages / Math.max(1, media.length)));
  let m = 0;
  for (let i = 0; i < messages || m < media.length; i++) {
    const withMedia = m < media.length && i % every === 0 ? media[m++] : undefined;
    parts.push(
      delimited(
        encodeFrame({
          chatItem: {
            chatId: BigInt(1 + (i % 40)),
            authorId: BigInt(1 + (i % 7)),
            dateSent: BigInt(withMedia?.sentAtMs ?? NOW - (messages - i) * 30_000),
            standardMessage: {
              text: { body: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 5))}` },
              ...(withMedia === undefined
                ? {}
                : {
                    attachments: [
                      {
                        pointer: {
                          contentType: withMedia.contentType,
                          locatorInfo: {
                            key: withMedia.key,
                            size: withMedia.size,
                            plaintextHash: withMedia.hash,
                            localKey: withMedia.localKey,
                          },
                        },
                      },
                    ],
                  }),
            },
          },
        }),
      ),
    );
  }
  return concatBytes(...parts);
}

async function folderBench(): Promise<void> {
  const scratch = await mkdtemp(join(process.env.SBACKUP_BENCH_DIR ?? tmpdir(), 'sbackup-bench-inc-'));
  try {
    const newCount = Math.max(1, Math.round(COUNT / 100));
    console.log(
      `\n-- local backup folder: ${COUNT} media, ${TOTAL_MIB} MiB, ${MESSAGES} messages; then +${newCount} media (1%) --`,
    );
    const sizes = mediaSizes(COUNT + newCount, (TOTAL_MIB * MIB * (COUNT + newCount)) / COUNT);
    const [media, tGen] = await timeAsync(() => makeMedia(join(scratch, 'media'), sizes.slice(0, COUNT), 0));
    const added = await makeMedia(join(scratch, 'media'), sizes.slice(COUNT), COUNT);
    const mediaBytes = media.reduce((a, m) => a + m.size, 0);
    const frames1 = makeFrames(media, MESSAGES);
    const frames2 = makeFrames([...media, ...added], MESSAGES + newCount);
    console.log(
      `fixture: ${(mediaBytes / MIB).toFixed(0)} MiB of media generated in ${ms(tGen)}; frames ${(frames1.length / MIB).toFixed(1)} MiB`,
    );

    // Reference: a plain copy of the same files.
    await mkdir(join(scratch, 'copy'));
    const [, tCopy] = await timeAsync(async () => {
      for (const [i, m] of media.entries()) await copyFile(m.path, join(scratch, 'copy', `copy-${i}`));
    });
    await rm(join(scratch, 'copy'), { recursive: true });

    const storage = fsStorage(join(scratch, 'SignalBackups'));
    const options = { key: { recoveryKey: AEP, aci: ACI }, backend: nodeBackend };
    const [first, t1] = await timeAsync(() =>
      createLocalBackup(storage, {
        ...options,
        frames: frames1,
        media: directoryMediaSource(join(scratch, 'media')),
        now: NOW,
      }),
    );
    const source2 = directoryMediaSource(join(scratch, 'media'));
    const [second, t2] = await timeAsync(() =>
      createLocalBackup(storage, { ...options, frames: frames2, media: source2, now: NOW + 60_000 }),
    );
    const expectedNew = added.reduce((a, m) => a + ciphertextSize(m.size), 0);

    console.log('run                 time       bytes written   media written/reused   throughput');
    console.log(
      `reference (copy)    ${ms(tCopy).padEnd(10)} ${String(mediaBytes).padEnd(15)} ${String(COUNT).padEnd(22)} ${mbps(mediaBytes, tCopy)}`,
    );
    console.log(
      `first create        ${ms(t1).padEnd(10)} ${String(first.bytesWritten).padEnd(15)} ${`${first.mediaWritten}/${first.mediaReused}`.padEnd(22)} ${mbps(mediaBytes, t1)}  (${(t1 / tCopy).toFixed(2)}x copy)`,
    );
    console.log(
      `incremental (+1%)   ${ms(t2).padEnd(10)} ${String(second.bytesWritten).padEnd(15)} ${`${second.mediaWritten}/${second.mediaReused}`.padEnd(22)} files hashed: ${source2.filesHashed}`,
    );
    const onlyNew = second.mediaWritten === newCount && second.mediaBytesWritten === expectedNew;
    console.log(
      `incremental wrote only the new media (${second.mediaBytesWritten} = ${expectedNew} bytes): ${onlyNew ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `incremental / first = ${((100 * t2) / t1).toFixed(1)}%: ${t2 <= 0.1 * t1 ? 'PASS' : 'FAIL'} (target <= 10%)`,
    );
    const [v, tv] = await timeAsync(() => verifyLocalBackup(storage, { ...options, decryptMedia: 50 }));
    console.log(`verify (sizes + 50 media decrypted): ${ms(tv)}, ok=${v.ok}`);
    console.log(`peak RSS (folder runs): ${rssMiB()} MiB`);
    if (!onlyNew || !v.ok) process.exitCode = 1;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

await folderBench();
plannerBench();
console.log(`peak RSS (with the 10^6 planner inputs and plans): ${rssMiB()} MiB`);
