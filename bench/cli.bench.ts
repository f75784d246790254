/**
 * `npm run bench -- cli`: the `sbackup` executable (the built dist/node/cli.js), run as a user runs
 * it, one process per run, in interleaved rounds (the order rotates every round).
 * 1. Start-up, beside a bare `node -e 0`, reported as the median time each command adds to a bare
 *    Node start. Commands: `keygen`, `decrypt` of a small backup (a few KiB: start-up dominates),
 *    `--help` (loads every command's module). Target (issue 12): `keygen` and `decrypt` add at
 *    most 50 ms.
 * 2. Whole commands on the realistic backup (bench/chat-backup.ts `syntheticBackup`, 24 MiB of
 *    frames; SBACKUP_BENCH_CLI_MIB to change): `sbackup encrypt` of the .binproto and `sbackup
 *    decrypt` of the encrypted file, each beside a hand-built node:zlib + node:crypto pipeline
 *    doing the same job in its own process (a small script written to the temp directory:
 *    encrypt = read, gzip at the same level, AES-256-CBC, HMAC, write the legacy layout; decrypt =
 *    an HMAC pass over the file, then read, decipher, gunzip, write). Start-up included on both
 *    sides. Ratio = pipeline time / ours, per round (paired), median. Targets (issue 17): decrypt
 *    >= 1.2x, encrypt >= 1.5x. SBACKUP_BENCH_CLI_BIG_ROUNDS rounds (default 7).
 * Run `npm run build` first.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptBackup, encryptBackupStream } from '../src/container/writer.js';
import { encodeBackupInfo, encodeFrame } from '../src/frames/codec.js';
import { nodeBackend } from '../src/node/backend.js';
import { syntheticBackup } from './chat-backup.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'node', 'cli.js');
if (!existsSync(cli)) {
  console.error('bench cli: dist/node/cli.js is missing: run npm run build first');
  process.exit(1);
}
const ROUNDS = Number(process.env.SBACKUP_BENCH_CLI_ROUNDS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'sbackup-cli-bench-'));
const AEP = 'm'.repeat(64);
const ACI = '11111111-1111-1111-1111-111111111111';

/** The hand-built pipelines, run as `node <script> <args>` (keys in hex on the command line). */
const PIPELINE_ENCRYPT = `
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
const [hmacKey, aesKey, level, input, output] = process.argv.slice(2);
const iv = randomBytes(16);
const mac = createHmac('sha256', Buffer.from(hmacKey, 'hex')).update(iv);
const out = createWriteStream(output, { highWaterMark: 1 << 20 });
out.write(iv);
await pipeline(
  createReadStream(input, { highWaterMark: 1 << 20 }),
  createGzip({ level: Number(level), chunkSize: 1 << 16 }),
  createCipheriv('aes-256-cbc', Buffer.from(aesKey, 'hex'), iv),
  new Transform({
    transform(chunk, _e, cb) { mac.update(chunk); cb(null, chunk); },
    flush(cb) { cb(null, mac.digest()); },
  }),
  out,
);
`;
const PIPELINE_DECRYPT = `
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
const [hmacKey, aesKey, input, output] = process.argv.slice(2);
const size = statSync(input).size;
const mac = createHmac('sha256', Buffer.from(hmacKey, 'hex'));
let tag;
let pos = 0;
for await (const chunk of createReadStream(input, { highWaterMark: 1 << 20 })) {
  const macEnd = size - 32;
  if (pos < macEnd) mac.update(chunk.subarray(0, Math.min(chunk.length, macEnd - pos)));
  pos += chunk.length;
  if (pos > macEnd) tag = Buffer.concat([tag ?? Buffer.alloc(0), chunk.subarray(Math.max(0, chunk.length - (pos - macEnd)))]);
}
if (!timingSafeEqual(mac.digest(), tag.subarray(tag.length - 32))) throw new Error('MAC mismatch');
const handle = await open(input, 'r');
const iv = Buffer.alloc(16);
await handle.read(iv, 0, 16, 0);
await handle.close();
await pipeline(
  createReadStream(input, { start: 16, end: size - 33, highWaterMark: 1 << 20 }),
  createDecipheriv('aes-256-cbc', Buffer.from(aesKey, 'hex'), iv),
  createGunzip({ chunkSize: 1 << 16 }),
  createWriteStream(output, { highWaterMark: 1 << 20, mode: 0o600 }),
);
`;

try {
  const file = join(dir, 'small.backup');
  const out = join(dir, 'out.binproto');
  const info = encodeBackupInfo({
    version: 1n,
    backupTimeMs: 1_700_000_000_000n,
    mediaRootBackupKey: new Uint8Array(32),
  });
  const frames = Array.from({ length: 50 }, (_, i) => encodeFrame({ account: { username: `user${i}` } }));
  const { deriveBackupKey, deriveBackupId, deriveMessageBackupKey } = await import('../src/keys/hierarchy.js');
  const bk = deriveBackupKey(AEP);
  const key = deriveMessageBackupKey(bk, deriveBackupId(bk, ACI));
  writeFileSync(file, await encryptBackup(info, frames, { key }));

  const commands: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    'sbackup keygen': [cli, 'keygen'],
    'sbackup decrypt': [cli, 'decrypt', '--aci', ACI, file, out],
    'sbackup --help': [cli, '--help'],
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  const names = Object.keys(commands);
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]!;
      rmSync(out, { force: true });
      const t = process.hrtime.bigint();
      const p = spawnSync(process.execPath, commands[name]!, {
        env: { ...process.env, SBACKUP_AEP: AEP },
        stdio: 'pipe',
      });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (p.status !== 0) throw new Error(`${name} failed: ${p.stderr}`);
      times[name]!.push(ms);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(times['node -e 0']!);
  console.log(`CLI start-up, ${ROUNDS} interleaved rounds (medians)`);
  for (const name of names) {
    const m = median(times[name]!);
    const added = m - base;
    const target =
      name === 'sbackup keygen' || name === 'sbackup decrypt'
        ? added <= 50
          ? '  (target <= 50 ms: met)'
          : '  (target <= 50 ms: missed)'
        : '';
    console.log(
      `  ${name.padEnd(16)} ${m.toFixed(0).padStart(5)} ms${name === 'node -e 0' ? '' : `  +${added.toFixed(0)} ms${target}`}`,
    );
  }

  await wholeCommands(key);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function wholeCommands(key: { hmacKey: Uint8Array; aesKey: Uint8Array }): Promise<void> {
  const mib = Number(process.env.SBACKUP_BENCH_CLI_MIB ?? 24);
  const rounds = Number(process.env.SBACKUP_BENCH_CLI_BIG_ROUNDS ?? 7);
  const input = await syntheticBackup(mib * 2 ** 20);
  const plainPath = input.path;
  const backup = join(dir, 'big.backup');
  // The file to decrypt: written once by the library (legacy layout, default level, node backend).
  const parts: Uint8Array[] = [];
  for await (const c of encryptBackupStream(input.backupInfo, input.frames, { key, backend: nodeBackend }))
    parts.push(c);
  writeFileSync(backup, Buffer.concat(parts));
  parts.length = 0;
  const encScript = join(dir, 'pipeline-encrypt.mjs');
  const decScript = join(dir, 'pipeline-decrypt.mjs');
  writeFileSync(encScript, PIPELINE_ENCRYPT);
  writeFileSync(decScript, PIPELINE_DECRYPT);
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const outEnc = join(dir, 'out.backup');
  const outDec = join(dir, 'out-dec.binproto');
  const runs: Record<string, string[]> = {
    'pipeline encrypt': [encScript, hex(key.hmacKey), hex(key.aesKey), '6', plainPath, outEnc],
    'sbackup encrypt': [cli, 'encrypt', '--aci', ACI, plainPath, outEnc],
    'pipeline decrypt': [decScript, hex(key.hmacKey), hex(key.aesKey), backup, outDec],
    'sbackup decrypt': [cli, 'decrypt', '--aci', ACI, backup, outDec],
  };
  const names = Object.keys(runs);
  const times: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]!;
      rmSync(name.endsWith('encrypt') ? outEnc : outDec, { force: true });
      const t = process.hrtime.bigint();
      const p = spawnSync(process.execPath, runs[name]!, { env: { ...process.env, SBACKUP_AEP: AEP }, stdio: 'pipe' });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (p.status !== 0) throw new Error(`${name} failed: ${p.stderr}`);
      times[name]!.push(ms);
      // Both decryptors must write the .binproto exactly (the encryptors' outputs differ by IV).
      if (name.endsWith('decrypt') && r === 0 && !readFileSync(outDec).equals(readFileSync(plainPath)))
        throw new Error(`${name}: the output is not the original .binproto`);
    }
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const size = input.plaintext.length;
  console.log(
    `\nwhole commands on the realistic backup: ${(size / 2 ** 20).toFixed(1)} MiB .binproto, ` +
      `${(statSync(backup).size / 2 ** 20).toFixed(1)} MiB encrypted, ${rounds} interleaved rounds, start-up included`,
  );
  for (const [op, target] of [
    ['encrypt', 1.5],
    ['decrypt', 1.2],
  ] as const) {
    const ours = times[`sbackup ${op}`]!;
    const ref = times[`pipeline ${op}`]!;
    const ratios = ours.map((t, i) => ref[i]! / t);
    const ratio = median(ratios);
    for (const [name, ts] of [
      [`pipeline ${op}`, ref],
      [`sbackup ${op}`, ours],
    ] as const) {
      console.log(
        `  ${name.padEnd(17)} ${median(ts).toFixed(0).padStart(6)} ms  ${(size / 1e6 / (median(ts) / 1000)).toFixed(1).padStart(6)} MB/s`,
      );
    }
    console.log(
      `  sbackup ${op}: ${ratio.toFixed(2)}x the pipeline (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}; ` +
        `target >= ${target}x: ${ratio >= target ? 'met' : 'missed'})`,
    );
  }
}
