/**
 * Opening a local backup folder the way a person has it: the SignalBackups folder, its parent or
 * one snapshot directory; the recovery key alone, from a file or a prompt; `.nomedia`; metadata
 * as third-party writers make it (written here by hand from the layout facts: no version field,
 * a 16-byte IV).
 */

import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readHiddenLine } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { uuidToBytes } from '../../src/internal/bytes.js';
import { deriveBackupId, deriveBackupKey } from '../../src/keys/hierarchy.js';
import { findLocalBackup } from '../../src/node/findBackup.js';
import { ACI, AEP, makeFrames, makeMedia, T0 } from '../incremental/fixtures.js';
import { cli } from '../helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-find-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const OLD = 'signal-backup-2025-06-15-15-06-40';
const NEW = 'signal-backup-2025-06-15-15-06-45';

/** Two snapshots in <dir>/phone/SignalBackups, made by `local create`. */
async function makeFolder(): Promise<{ parent: string; root: string }> {
  const media = makeMedia(3, 7);
  await writeFile(join(dir, 'in.binproto'), makeFrames(media));
  await mkdir(join(dir, 'media'));
  for (const [i, m] of media.entries()) await writeFile(join(dir, 'media', `m${i}`), m.plaintext);
  const parent = join(dir, 'phone');
  const root = join(parent, 'SignalBackups');
  for (const now of [T0, T0 + 5000]) {
    const r = await cli([
      'local',
      'create',
      ...['--aep', AEP, '--aci', ACI, '--frames', join(dir, 'in.binproto'), '--media', join(dir, 'media')],
      ...['--to', root, '--now', String(now)],
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
  return { parent, root };
}

/** Protobuf by hand: `Metadata { [version = 1;] backupId = 2 { iv = 1; encryptedId = 2 } }`. */
function handMadeMetadata(opts: { version?: number; ivLength: 12 | 16 }): Uint8Array {
  const backupKey = deriveBackupKey(AEP);
  const backupId = deriveBackupId(backupKey, uuidToBytes(ACI));
  const metadataKey = new Uint8Array(
    hkdfSync('sha256', backupKey, new Uint8Array(0), '20241011_SIGNAL_LOCAL_BACKUP_METADATA_KEY', 32),
  );
  const iv = randomBytes(opts.ivLength);
  // A 12-byte nonce runs with a 32-bit counter from 0; an old Desktop's 16-byte IV is the whole counter block.
  const counter = opts.ivLength === 12 ? Buffer.concat([iv, Buffer.alloc(4)]) : iv;
  const c = createCipheriv('aes-256-ctr', metadataKey, counter);
  const encrypted = Buffer.concat([c.update(backupId), c.final()]);
  const inner = Buffer.concat([Buffer.of(0x0a, iv.length), iv, Buffer.of(0x12, encrypted.length), encrypted]);
  const version = opts.version === undefined ? Buffer.alloc(0) : Buffer.of(0x08, opts.version);
  return Buffer.concat([version, Buffer.of(0x12, inner.length), inner]);
}

const verifyJson = (r: { stdout: string }) =>
  JSON.parse(r.stdout) as { ok: boolean; snapshot: string; problems: { code: string }[] };

describe('finding the backup folder', () => {
  it('opens the SignalBackups folder, its parent, or one snapshot directory, with the key alone', async () => {
    const { parent, root } = await makeFolder();
    // As Android lays it out: every shard directory made in advance.
    for (let i = 0; i < 256; i++)
      await mkdir(join(root, 'files', i.toString(16).padStart(2, '0')), { recursive: true });

    expect(await findLocalBackup(root)).toEqual({ root });
    expect(await findLocalBackup(parent)).toEqual({ root });
    expect(await findLocalBackup(join(root, OLD))).toEqual({ root, snapshot: OLD });

    for (const [path, snapshot] of [
      [root, NEW],
      [parent, NEW],
      [join(root, OLD), OLD],
    ] as const) {
      const r = await cli(['local', 'verify', '--aep', AEP, path]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(verifyJson(r)).toMatchObject({ ok: true, snapshot });
    }
    const listed = JSON.parse((await cli(['local', 'list', parent])).stdout);
    expect(listed.snapshots.map((s: { name: string }) => s.name)).toEqual([NEW, OLD]);

    // --snapshot picks another; a different one than the directory given is a usage error.
    expect(verifyJson(await cli(['local', 'verify', '--aep', AEP, parent, '--snapshot', OLD])).snapshot).toBe(OLD);
    const clash = await cli(['local', 'verify', '--aep', AEP, join(root, OLD), '--snapshot', NEW]);
    expect(clash.code).toBe(2);

    const out = join(dir, 'restored');
    const restore = await cli(['local', 'restore', '--aep', AEP, join(root, OLD), '--out', out]);
    expect(restore.code).toBe(0);
    expect(JSON.parse(restore.stdout)).toMatchObject({ ok: true, snapshot: OLD, media: 3 });
  });

  it('defaults to the newest complete snapshot', async () => {
    const { root } = await makeFolder();
    await rm(join(root, NEW, 'files'));
    const r = await cli(['local', 'verify', '--aep', AEP, root]);
    expect(r.code).toBe(0);
    expect(verifyJson(r).snapshot).toBe(OLD);
  });

  it('reads metadata without a version field, and with a 16-byte IV; refuses a newer version', async () => {
    const { root } = await makeFolder();
    const metadata = join(root, NEW, 'metadata');
    for (const m of [handMadeMetadata({ ivLength: 12 }), handMadeMetadata({ version: 1, ivLength: 16 })]) {
      await writeFile(metadata, m);
      const r = await cli(['local', 'verify', '--aep', AEP, root]);
      expect(r.code).toBe(0);
      expect(verifyJson(r)).toMatchObject({ ok: true, snapshot: NEW });
    }
    await writeFile(metadata, handMadeMetadata({ version: 2, ivLength: 12 }));
    const r = await cli(['local', 'verify', '--aep', AEP, root]);
    expect(r.code).toBe(1);
    expect(verifyJson(r).problems.map((p) => p.code)).toContain('UNSUPPORTED_VERSION');
  });

  it('an empty or unrecognised folder is an error saying what was looked for', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const r = await cli(['local', 'list', empty]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('is empty');
    expect(r.stderr).toContain('signal-backup-YYYY-MM-DD-HH-mm-ss');

    await writeFile(join(empty, 'notes.txt'), 'x');
    await mkdir(join(empty, 'signal-backup-latest'));
    for (const args of [
      ['local', 'list', empty],
      ['local', 'verify', '--aep', AEP, empty],
      ['chats', '--aep', AEP, empty],
      ['export', '--aep', AEP, empty, '--to', join(dir, 'x')],
    ]) {
      const u = await cli(args);
      expect(u.code).toBe(1);
      expect(u.stderr).toMatch(/^sbackup .*is not a Signal backup folder: looked for .*\n$/);
    }
    const emptySignal = join(dir, 'p', 'SignalBackups');
    await mkdir(emptySignal, { recursive: true });
    const e = await cli(['local', 'list', join(dir, 'p')]);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('holds no snapshot');
  });
});

describe('.nomedia', () => {
  it('is written on create when absent, and a user-made one is kept and never foreign', async () => {
    const { root } = await makeFolder();
    expect((await stat(join(root, '.nomedia'))).size).toBe(0);
    const v = verifyJson(await cli(['local', 'verify', '--aep', AEP, root])) as unknown as { foreign: string[] };
    expect(v.foreign).toEqual([]);

    await writeFile(join(root, '.nomedia'), 'mine');
    const again = await cli([
      'local',
      'create',
      ...['--aep', AEP, '--aci', ACI, '--frames', join(dir, 'in.binproto'), '--media', join(dir, 'media')],
      ...['--to', root, '--now', String(T0 + 10_000)],
    ]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).foreign).toEqual([]);
    expect(await readFile(join(root, '.nomedia'), 'utf8')).toBe('mine');
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual(['.nomedia']);
  });
});

describe('the recovery key', () => {
  it('comes from --key-file (display form, first line)', async () => {
    const { root } = await makeFolder();
    const display = AEP.toUpperCase().match(/.{4}/g)!.join(' ');
    await writeFile(join(dir, 'key.txt'), `${display}\nanything after the first line\n`);
    const r = await cli(['local', 'verify', '--key-file', join(dir, 'key.txt'), root]);
    expect(r.code).toBe(0);
    expect(verifyJson(r).ok).toBe(true);

    const both = await cli(['local', 'verify', '--aep', AEP, '--key-file', join(dir, 'key.txt'), root]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');

    await writeFile(join(dir, 'bad.txt'), 'not a key at all\n');
    const bad = await cli(['local', 'verify', '--key-file', join(dir, 'bad.txt'), root]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^sbackup .*--key-file: .*\n$/);
    expect(bad.stderr).not.toContain('not a key at all');
  });

  it('is asked for when stdin is a terminal, and refused plainly when it is not', async () => {
    const { root } = await makeFolder();
    const noKey = await cli(['local', 'verify', root]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('stdin is not a terminal');

    let stdout = '';
    let stderr = '';
    const prompts: string[] = [];
    const code = await runCli(['local', 'verify', root], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: {},
      readStdin: async () => '',
      promptSecret: async (p) => {
        prompts.push(p);
        return AEP;
      },
    });
    expect(code).toBe(0);
    expect(prompts).toHaveLength(1);
    expect(JSON.parse(stdout).ok).toBe(true);
    expect(stderr + stdout).not.toContain(AEP);
  });

  it('the hidden prompt reads one line and never writes it', async () => {
    const input = new PassThrough();
    let written = '';
    const line = readHiddenLine(input, { write: (s: string) => (written += s) }, 'Key: ');
    input.write(`${AEP}\n`);
    expect(await line).toBe(AEP);
    expect(written).toBe('Key: \n');

    const closed = new PassThrough();
    const cancelled = readHiddenLine(closed, { write: () => {} }, 'Key: ');
    closed.end();
    await expect(cancelled).rejects.toThrow('no recovery key given');
  });
  // A real terminal: util-linux `script` gives the command a pseudo-terminal as stdin, so the
  // prompt must turn echo off; what the terminal shows afterwards must not contain the key.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.runIf(hasScript)('on a real terminal the key is asked for with echo off', { timeout: 60_000 }, async () => {
    const { root } = await makeFolder();
    const command = [process.execPath, '--import', 'tsx', 'src/cli/bin.ts', 'local', 'verify', root]
      .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
      .join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'SBACKUP_AEP')),
    });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString('utf8');
      if (/recovery key/i.test(screen) && !child.stdin.writableEnded) child.stdin.end(`${AEP}\r`);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(screen).toMatch(/recovery key/i);
    expect(screen).toMatch(/"ok":\s*true/);
    expect(screen).not.toContain(AEP);
    expect(screen.replaceAll(/\s/g, '')).not.toContain(AEP.slice(0, 16));
    expect(code).toBe(0);
  });
});
