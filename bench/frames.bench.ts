/**
 * Frames benchmark: encode and decode of chat-like frames (ChatItem with a ~100-character text,
 * three 64-bit ids/timestamps, incoming details, a quote on 15%), frames/s and MB/s.
 *
 * Reference, measured in the same run on the same frames: protobufjs's own Reader/Writer on the
 * same generated static code (64-bit fields as numbers, unknown fields discarded), i.e. what the
 * codec would cost without the bigint and unknown-field layer. Also: stream framing over 64 KiB
 * chunks and JSON Lines export. Size with SBACKUP_BENCH_FRAMES (default 50 000).
 */

import $protobuf from 'protobufjs/minimal.js';
import {
  BackupStreamDecoder,
  decodeFrame,
  encodeBackup,
  encodeFrame,
  type Frame,
  frameToJson,
} from '../src/frames/index.js';
import { signal } from '../src/frames/generated/schema.js';
import { mulberry32 } from '../test/helpers/prng.js';

const N = Number(process.env.SBACKUP_BENCH_FRAMES ?? 50_000);
const ROUNDS = 5;

const WORDS =
  'the a to and you I it of in is that for on with this be have are not at was so just but what we can do my'.split(
    ' ',
  );

function chatFrames(n: number, big: boolean): Frame[] {
  const r = mulberry32(1);
  const int = (v: number) => (big ? BigInt(v) : v) as bigint;
  const out: Frame[] = [];
  let t = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    t += Math.floor(r() * 120_000);
    let body = '';
    while (body.length < 20 + r() * 160) body += `${WORDS[Math.floor(r() * WORDS.length)]} `;
    out.push({
      chatItem: {
        chatId: int(1 + Math.floor(r() * 40)),
        authorId: int(1 + Math.floor(r() * 300)),
        dateSent: int(t),
        incoming: { dateReceived: int(t + 900), dateServerSent: int(t + 400), read: r() < 0.9, sealedSender: true },
        standardMessage: {
          text: { body },
          ...(r() < 0.15
            ? { quote: { targetSentTimestamp: int(t - 5000), authorId: int(2), text: { body: body.slice(0, 30) } } }
            : {}),
        },
      },
    });
  }
  return out;
}

function time(f: () => void): number {
  globalThis.gc?.();
  const t0 = performance.now();
  f();
  return (performance.now() - t0) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const frames = chatFrames(N, true);
const numberFrames = chatFrames(N, false);
const encoded = frames.map(encodeFrame);
const totalBytes = encoded.reduce((a, b) => a + b.length, 0);
const backup = encodeBackup({ backupInfo: { version: 1n }, frames });
const FrameCodec = signal.backup.Frame;

const cases: Record<string, () => void> = {
  'encode (sbackup, bigint)': () => {
    for (const f of frames) encodeFrame(f);
  },
  'encode (reference: protobufjs Writer, numbers)': () => {
    for (const f of numberFrames) FrameCodec.encode(f).finish();
  },
  'decode (sbackup, bigint, unknowns kept)': () => {
    for (const b of encoded) decodeFrame(b);
  },
  'decode (reference: protobufjs Reader)': () => {
    for (const b of encoded) FrameCodec.decode(b);
  },
  'stream decode, 64 KiB chunks': () => {
    const d = new BackupStreamDecoder();
    for (let i = 0; i < backup.length; i += 65536) d.push(backup.subarray(i, i + 65536));
    d.finish();
  },
  'stream encode (encodeBackup)': () => {
    encodeBackup({ backupInfo: { version: 1n }, frames });
  },
  'JSON (frameToJson + stringify)': () => {
    for (const f of frames) JSON.stringify(frameToJson(f));
  },
};

const samples: Record<string, number[]> = {};
for (const name of Object.keys(cases)) cases[name]!(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, f] of Object.entries(cases)) (samples[name] ??= []).push(time(f));
}

console.log(`frames: ${N} chat-like frames, ${(totalBytes / N).toFixed(1)} B/frame avg, ${ROUNDS} rounds (median)`);
console.log(
  `protobufjs ${($protobuf as unknown as { util: { Long: unknown } }).util.Long ? 'with' : 'without'} long.js`,
);
const rows: [string, number, number][] = [];
for (const [name, s] of Object.entries(samples)) {
  const sec = median(s);
  rows.push([name, N / sec / 1000, totalBytes / sec / 1e6]);
}
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`${'case'.padEnd(width)}  k frames/s     MB/s`);
for (const [name, kfps, mbps] of rows) {
  console.log(`${name.padEnd(width)}  ${kfps.toFixed(0).padStart(10)}  ${mbps.toFixed(1).padStart(7)}`);
}
const rate = (name: string) => rows.find((r) => r[0] === name)![1];
console.log(
  `ratio encode sbackup/reference: ${(rate('encode (sbackup, bigint)') / rate('encode (reference: protobufjs Writer, numbers)')).toFixed(2)}`,
);
console.log(
  `ratio decode sbackup/reference: ${(rate('decode (sbackup, bigint, unknowns kept)') / rate('decode (reference: protobufjs Reader)')).toFixed(2)}`,
);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
