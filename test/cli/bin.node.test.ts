import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeBackup } from '../../src/frames/stream.js';

/** Runs the real executable (src/cli/bin.ts under tsx), closing its stdout after the first bytes, as `| head -c 1` does. */
function runClosingStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.once('data', () => child.stdout.destroy());
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('sbackup executable', () => {
  it('stops quietly when its output pipe closes early (no EPIPE stack trace)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sbackup-bin-'));
    const file = join(dir, 'many.binproto');
    const frames = Array.from({ length: 50_000 }, (_, i) => ({ account: { username: `user${i}` } }));
    await writeFile(file, encodeBackup({ backupInfo: { version: 1n, backupTimeMs: 1n }, frames }));
    const { code, stderr } = await runClosingStdout(['frames', 'to-json', file]);
    expect(stderr).not.toMatch(/EPIPE|at .*\.ts:\d+/);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 30_000);
});
