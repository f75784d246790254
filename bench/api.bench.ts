/**
 * BackupWriter benchmark (`npm run bench -- api`): the high-level writer on a synthetic account,
 * on the Node backend, with the output discarded. It answers two questions of issue 7:
 * - how fast the whole writer path is (ordering checks, exclusion policy, protobuf encoding,
 *   compression, encryption) next to generating the same chat items alone and to the container
 *   writer fed the already-encoded frames (its lower bound);
 * - whether memory grows with the number of chat items: the same account at two sizes
 *   (SBACKUP_BENCH_API_MESSAGES, default 50,000 and 10x that), RSS growth measured in a fresh
 *   process each, so the larger run cannot inherit the smaller one's heap.
 */

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateSyntheticAccount } from '../src/testing/synthetic.js';
import { BackupWriter } from '../src/api/writer.js';
import { encryptBackupStream } from '../src/container/writer.js';
import { encodeBackupInfo, encodeFrame } from '../src/frames/codec.js';
import { nodeBackend } from '../src/node/backend.js';
import { recordResult } from './results.js';

const SMALL = Number(process.env.SBACKUP_BENCH_API_MESSAGES ?? 50_000);
const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

/** One measurement in this process: `mode` is gen | writer | container. */
async function measure(
  mode: string,
  messages: number,
): Promise<{ seconds: number; frameBytes: number; rssGrowth: number }> {
  const account = generateSyntheticAccount({ messages, attachments: 300 });
  global.gc?.();
  const base = rssMiB();
  let peak = base;
  const sample = () => {
    peak = Math.max(peak, rssMiB());
  };
  const timer = setInterval(sample, 20);
  const start = performance.now();
  let frameBytes = 0;
  if (mode === 'gen') {
    for (const item of account.chatItems()) frameBytes += encodeFrame({ chatItem: item }).length;
  } else if (mode === 'writer') {
    const writer = new BackupWriter({
      purpose: 'remote',
      key: { recoveryKey: account.recoveryKey, aci: account.aci },
      backend: nodeBackend,
    });
    const result = await writer.writeTo(account.backupContent(), () => sample());
    frameBytes = result.frameBytes;
  } else {
    // The container alone, fed frames encoded on the fly from the same records (no policy, no checks).
    const content = account.backupContent();
    async function* frames() {
      yield encodeFrame({ account: content.account });
      for (const r of (content.recipients ?? []) as Iterable<object>) yield encodeFrame({ recipient: r });
      for (const c of (content.chats ?? []) as Iterable<object>) yield encodeFrame({ chat: c });
      for (const item of account.chatItems()) {
        const f = encodeFrame({ chatItem: item });
        frameBytes += f.length;
        yield f;
      }
    }
    const key = { hmacKey: new Uint8Array(32).fill(1), aesKey: new Uint8Array(32).fill(2) };
    for await (const _ of encryptBackupStream(encodeBackupInfo(content.backupInfo), frames(), {
      key,
      backend: nodeBackend,
    })) {
      sample();
    }
  }
  const seconds = (performance.now() - start) / 1000;
  clearInterval(timer);
  sample();
  return { seconds, frameBytes, rssGrowth: peak - base };
}

const [, , child, childMode, childMessages] = process.argv;
if (child === '--child') {
  const r = await measure(childMode!, Number(childMessages));
  process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  const run = (mode: string, messages: number) => {
    const p = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--child', mode, String(messages)], {
      encoding: 'utf8',
    });
    if (p.status !== 0) throw new Error(`bench child failed: ${p.stderr}`);
    return JSON.parse(p.stdout.trim().split('\n').pop()!) as Awaited<ReturnType<typeof measure>>;
  };
  console.log(`BackupWriter on a synthetic account (node backend, remote purpose, output discarded)`);
  console.log('messages   case                         MB/s of frames   s      RSS growth MiB');
  for (const messages of [SMALL, SMALL * 10]) {
    const gen = run('gen', messages);
    const container = run('container', messages);
    const writer = run('writer', messages);
    for (const [name, r] of [
      ['generate + encode items only', gen],
      ['container (frames pre-encoded)', container],
      ['BackupWriter (everything)', writer],
    ] as const) {
      const mbps = r.frameBytes / 1e6 / r.seconds;
      console.log(
        `${String(messages).padStart(8)}   ${name.padEnd(30)} ${mbps.toFixed(1).padStart(8)}   ${r.seconds.toFixed(2).padStart(6)}   ${r.rssGrowth.toFixed(1).padStart(8)}`,
      );
    }
    if (messages === SMALL * 10) {
      recordResult({
        bench: 'api',
        op: 'write',
        impl: 'BackupWriter',
        mbps: writer.frameBytes / 1e6 / writer.seconds,
        note: `${messages} messages`,
      });
    }
  }
}
