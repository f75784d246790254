/**
 * `npm run bench -- cli`: start-up of the `sbackup` executable (the built dist/node/cli.js) beside
 * a bare `node -e 0`, in interleaved runs (the order rotates every round), reported as the median
 * time each command adds to a bare Node start. Commands: `keygen`, `decrypt` of a small backup
 * (a few KiB: start-up dominates), `--help` (loads every command's module). Target (issue 12):
 * `keygen` and `decrypt` add at most 50 ms. Run `npm run build` first.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptBackup } from '../src/container/writer.js';
import { encodeBackupInfo, encodeFrame } from '../src/frames/codec.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'node', 'cli.js');
if (!existsSync(cli)) {
  console.error('bench cli: dist/node/cli.js is missing: run npm run build first');
  process.exit(1);
}
const ROUNDS = Number(process.env.SBACKUP_BENCH_CLI_ROUNDS ?? 15);
const AEP = 'm'.repeat(64);
const ACI = '11111111-1111-1111-1111-111111111111';

const dir = mkdtempSync(join(tmpdir(), 'sbackup-cli-bench-'));
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
} finally {
  rmSync(dir, { recursive: true, force: true });
}
