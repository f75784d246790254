/**
 * Issue 13 through the CLI: bounded memory and few writes on millions of empty frames, outputs
 * that never replace an input and never loosen a mode, `-` / FIFOs / devices, limits that stop
 * a gzip bomb, a lock between two `local create` processes, and every failure one plain line.
 */

import { spawn, spawnSync } from 'node:child_process';
import { chmod, link, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { encryptBackupStream } from '../../src/container/writer.js';
import { isBackupError } from '../../src/errors.js';
import { encodeBackupInfo, encodeFrame } from '../../src/frames/codec.js';
import { createLocalBackup, localBackupKeys } from '../../src/incremental/localFolder.js';
import { encodeFilesList } from '../../src/incremental/localFormat.js';
import { LOCK_NAME } from '../../src/incremental/lock.js';
import { concatBytes } from '../../src/internal/bytes.js';
import { encodeVarint } from '../../src/internal/wire.js';
import { deriveBackupId, deriveBackupKey, deriveMessageBackupKey } from '../../src/keys/hierarchy.js';
import { fsStorage } from '../../src/node/fsStorage.js';
import { cli } from '../helpers/cli.js';
import { ACI, AEP, makeFrames, makeMedia, mediaSource, T0 } from '../incremental/fixtures.js';

const KEY = ['--aep', AEP, '--aci', ACI];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-rel-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the real executable. */
function run(
  args: string[],
  options: { node?: string[]; stdout?: 'pipe' | 'ignore' } = {},
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.node ?? []), '--import', 'tsx', 'src/cli/bin.ts', ...args], {
      stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

const INFO = encodeBackupInfo({ version: 1n, backupTimeMs: BigInt(T0) });
const messageKey = () => {
  const backupKey = deriveBackupKey(AEP);
  return deriveMessageBackupKey(backupKey, deriveBackupId(backupKey, ACI));
};

/** An encrypted backup of `count` empty frames (each one zero byte in the plaintext). */
async function emptyFramesBackup(count: number): Promise<Uint8Array> {
  function* frames() {
    const empty = new Uint8Array(0);
    for (let i = 0; i < count; i++) yield empty;
  }
  const parts: Uint8Array[] = [];
  for await (const c of encryptBackupStream(INFO, frames(), { key: messageKey() })) parts.push(c);
  return concatBytes(...parts);
}

async function writeTemp(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('bounded memory and few writes', () => {
  it('decrypt of 3 M empty frames runs in a 96 MB heap (it used to grow without bound: 4.8 GB for 30 M)', async () => {
    const input = await writeTemp('empty3m.bin', await emptyFramesBackup(3_000_000));
    expect((await stat(input)).size).toBeLessThan(100_000);
    const out = join(dir, 'empty3m.binproto');
    const r = await run(['decrypt', ...KEY, input, out], { node: ['--max-old-space-size=96'] });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const bytes = await readFile(out);
    expect(bytes.length).toBe(1 + INFO.length + 3_000_000);
    expect(bytes.subarray(1 + INFO.length).every((b) => b === 0)).toBe(true);
  }, 120_000);

  it('local restore of 1 M empty frames takes seconds (two writes per frame took 58 s)', async () => {
    const folder = join(dir, 'restore-empty');
    function* frames() {
      yield concatBytes(encodeVarint(INFO.length), INFO);
      yield new Uint8Array(1_000_000); // a million zero-length frames
    }
    await createLocalBackup(fsStorage(folder, { durable: false }), {
      key: { recoveryKey: AEP, aci: ACI },
      frames: () => frames(),
      media: () => undefined,
      now: T0,
    });
    const out = join(dir, 'restored-empty');
    const started = Date.now();
    const r = await cli(['local', 'restore', ...KEY, folder, '--out', out]);
    const seconds = (Date.now() - started) / 1000;
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, frames: 1_000_000 });
    expect((await stat(join(out, 'frames.binproto'))).size).toBe(1 + INFO.length + 1_000_000);
    expect(seconds).toBeLessThan(20);
  }, 120_000);
});

describe('safe outputs', () => {
  it('decrypt same.bin same.bin (or a hard link to it) is refused and the backup kept', async () => {
    const input = await writeTemp('same.bin', await emptyFramesBackup(3));
    const before = await readFile(input);
    const r = await cli(['decrypt', ...KEY, input, input]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`sbackup decrypt: the output ${input} is the input ${input}; write to another file\n`);
    const hard = join(dir, 'same-link.bin');
    await link(input, hard);
    expect((await cli(['decrypt', ...KEY, input, hard])).code).toBe(2);
    const soft = join(dir, 'same-symlink.bin');
    await symlink(input, soft);
    expect((await cli(['decrypt', ...KEY, soft, input])).code).toBe(2);
    expect(await readFile(input)).toEqual(before);
    // media decrypt too.
    const m = await cli(['media', 'decrypt', '--key', 'ab'.repeat(64), '--size', '1', input, hard]);
    expect(m.code).toBe(2);
    expect(await readFile(input)).toEqual(before);
  });

  it('plaintext is created 0600; a replaced file never gets a looser mode', async () => {
    const input = await writeTemp('modes.bin', await emptyFramesBackup(2));
    const fresh = join(dir, 'modes-new.binproto');
    expect((await cli(['decrypt', ...KEY, input, fresh])).code).toBe(0);
    expect(await mode(fresh)).toBe(0o600);
    const wide = await writeTemp('modes-wide.binproto', 'old');
    await chmod(wide, 0o644);
    expect((await cli(['decrypt', ...KEY, input, wide])).code).toBe(0);
    expect(await mode(wide)).toBe(0o600);
    const strict = await writeTemp('modes-strict.binproto', 'old');
    await chmod(strict, 0o400);
    expect((await cli(['decrypt', ...KEY, input, strict])).code).toBe(0);
    expect(await mode(strict)).toBe(0o400);
    // An encrypted output keeps the mode of the file it replaces.
    const plain = await writeTemp('modes-plain.binproto', concatBytes(encodeVarint(INFO.length), INFO));
    const enc = await writeTemp('modes-enc.bin', 'old');
    await chmod(enc, 0o640);
    expect((await cli(['encrypt', ...KEY, plain, enc])).code).toBe(0);
    expect(await mode(enc)).toBe(0o640);
    // local restore: files 0600, directories 0700.
    const folder = join(dir, 'modes-folder');
    const media = makeMedia(2, 90);
    await createLocalBackup(fsStorage(folder), {
      key: { recoveryKey: AEP, aci: ACI },
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0,
    });
    const out = join(dir, 'modes-restored');
    expect((await cli(['local', 'restore', ...KEY, folder, '--out', out])).code).toBe(0);
    expect(await mode(out)).toBe(0o700);
    expect(await mode(join(out, 'media'))).toBe(0o700);
    expect(await mode(join(out, 'frames.binproto'))).toBe(0o600);
    for (const f of await readdir(join(out, 'media'))) expect(await mode(join(out, 'media', f))).toBe(0o600);
  });

  it('--no-clobber refuses to replace', async () => {
    const input = await writeTemp('noclobber.bin', await emptyFramesBackup(2));
    const out = await writeTemp('noclobber.binproto', 'keep');
    const r = await cli(['decrypt', ...KEY, '--no-clobber', input, out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`sbackup decrypt: ${out} exists (--no-clobber); remove it or choose another name\n`);
    expect(await readFile(out, 'utf8')).toBe('keep');
    expect((await readdir(dir)).filter((n) => n.startsWith('noclobber.binproto.'))).toEqual([]);
  });

  it('- writes to stdout, and so does /dev/stdout', async () => {
    const input = await writeTemp('stdout.bin', await emptyFramesBackup(1000));
    const file = join(dir, 'stdout.binproto');
    expect((await cli(['decrypt', ...KEY, input, file])).code).toBe(0);
    for (const target of ['-', '/dev/stdout']) {
      const r = await run(['decrypt', ...KEY, input, target]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(new Uint8Array(r.stdout)).toEqual(new Uint8Array(await readFile(file)));
    }
  }, 60_000);

  it('a FIFO is written in place (not replaced by a regular file)', async () => {
    const input = await writeTemp('fifo.bin', await emptyFramesBackup(10));
    const fifo = join(dir, 'out.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = new Promise<Buffer>((resolve, reject) => {
      const child = spawn('cat', [fifo]);
      const parts: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => parts.push(d));
      child.on('error', reject);
      child.on('close', () => resolve(Buffer.concat(parts)));
    });
    const r = await cli(['decrypt', ...KEY, input, fifo]);
    expect(r.code).toBe(0);
    expect((await reader).length).toBe(1 + INFO.length + 10);
    expect((await stat(fifo)).isFIFO()).toBe(true);
  });
});

describe('every failure is one plain line', () => {
  it('JSON nested 5,000 deep: INVALID_JSON naming the depth (it was a RangeError / "max depth exceeded")', async () => {
    let item = '{"chatId":"1","authorId":"1","dateSent":"1"}';
    for (let i = 0; i < 5000; i++) item = `{"chatId":"1","authorId":"1","dateSent":"1","revisions":[${item}]}`;
    const input = await writeTemp('deep.jsonproto', `[{"version":"1","backupTimeMs":"1"},{"chatItem":${item}}]`);
    const r = await cli(['frames', 'from-json', input, join(dir, 'deep.binproto')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^sbackup frames from-json: frame 1: Frame\.chatItem\.revisions.*deeper than 100 levels\n$/,
    );
  });

  it('frames from-json "a\\ud800b": INVALID_JSON before anything is written', async () => {
    const input = await writeTemp('surrogate.jsonproto', '[{"version":"1"},{"account":{"username":"a\\ud800b"}}]');
    const out = join(dir, 'surrogate.binproto');
    const r = await cli(['frames', 'from-json', input, out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sbackup frames from-json: frame 1: Frame\.account\.username: .*lone UTF-16 surrogate/);
    await expect(stat(out)).rejects.toThrow();
  });

  it('ENOSPC: "not enough space on the device to write /dev/full"', async () => {
    const input = await writeTemp('enospc.bin', await emptyFramesBackup(10));
    const r = await cli(['decrypt', ...KEY, input, '/dev/full']);
    expect(r).toMatchObject({
      code: 1,
      stderr: 'sbackup decrypt: not enough space on the device to write /dev/full\n',
    });
    // A device is written in place, never replaced (as root, a rename over /dev/full or /dev/null would replace the device node).
    expect((await stat('/dev/full')).isCharacterDevice()).toBe(true);
    expect((await cli(['decrypt', ...KEY, input, '/dev/null'])).code).toBe(0);
    expect((await stat('/dev/null')).isCharacterDevice()).toBe(true);
  });

  it('EISDIR, as input or as output', async () => {
    const input = await writeTemp('eisdir.bin', await emptyFramesBackup(1));
    const d = join(dir, 'a-directory');
    await mkdir(d);
    expect(await cli(['decrypt', ...KEY, d, join(dir, 'x.binproto')])).toMatchObject({
      code: 1,
      stderr: `sbackup decrypt: ${d} is a directory, not a file\n`,
    });
    expect(await cli(['decrypt', ...KEY, input, d])).toMatchObject({
      code: 1,
      stderr: `sbackup decrypt: ${d} is a directory, not a file\n`,
    });
    expect((await cli(['frames', 'stats', d])).stderr).toBe(`sbackup frames stats: ${d} is a directory, not a file\n`);
  });

  it('EACCES and EROFS are plain sentences', async () => {
    const input = await writeTemp('eacces.bin', await emptyFramesBackup(1));
    // /sys refuses new files even to root.
    const r = await cli(['decrypt', ...KEY, input, '/sys/sbackup-test.binproto']);
    expect(r).toMatchObject({
      code: 1,
      stderr: 'sbackup decrypt: permission denied: cannot create /sys/sbackup-test.binproto\n',
    });
    // A read-only file system cannot be made here without privileges: the mapping, through a command.
    const failing = command({
      summary: '',
      usage: '',
      async run() {
        throw Object.assign(new Error('EROFS: read-only file system, open'), {
          code: 'EROFS',
          syscall: 'open',
          path: '/mnt/ro/out.bin',
        });
      },
    });
    const e = await failing
      .run([], { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, readStdin: async () => '' })
      .catch((x) => x);
    expect(isBackupError(e, 'STORAGE_ERROR')).toBe(true);
    expect(e.message).toBe('/mnt/ro/out.bin is on a read-only file system (cannot open it)');
  });

  it('a files list naming ../x: verify prints its report (INVALID_FRAME), exit 1', async () => {
    const folder = join(dir, 'dotdot');
    const media = makeMedia(2, 91);
    const r0 = await createLocalBackup(fsStorage(folder), {
      key: { recoveryKey: AEP, aci: ACI },
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0,
    });
    await writeFile(join(folder, r0.snapshot, 'files'), encodeFilesList(['../x']));
    const r = await cli(['local', 'verify', ...KEY, folder]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ code: 'INVALID_FRAME', path: `${r0.snapshot}/files` }),
    );
  });
});

describe('limits', () => {
  it('--max-decompressed-bytes stops a gzip bomb early and leaves no output', async () => {
    const big = encodeFrame({ account: { username: 'x'.repeat(1 << 20) } });
    function* frames() {
      for (let i = 0; i < 64; i++) yield big; // 64 MiB of plaintext, a few hundred KB compressed
    }
    const parts: Uint8Array[] = [];
    for await (const c of encryptBackupStream(INFO, frames(), { key: messageKey() })) parts.push(c);
    const input = await writeTemp('bomb.bin', concatBytes(...parts));
    const out = join(dir, 'bomb.binproto');
    const r = await cli(['decrypt', ...KEY, '--max-decompressed-bytes', '4M', input, out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sbackup decrypt: .*/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect((await readdir(dir)).filter((n) => n.startsWith('bomb.binproto'))).toEqual([]);
    const f = await cli(['decrypt', ...KEY, '--max-frame-bytes', '1000', input, out]);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/^sbackup decrypt: frame 1 .*above the limit of 1000/);
    for (const cmd of [
      ['validate', ...KEY],
      ['local', 'verify', ...KEY],
      ['local', 'restore', ...KEY, '--out', out],
    ]) {
      const u = await cli([...cmd, '--max-frame-bytes', 'lots', input]);
      expect(u.code, cmd.join(' ')).toBe(2);
      expect(u.stderr).toContain('--max-frame-bytes: expected a byte count');
    }
    const v = await cli(['validate', ...KEY, '--max-decompressed-bytes', '1M', input]);
    expect(v.code).toBe(1);
  }, 60_000);
});

describe('one local create at a time', () => {
  it('two processes on one folder: never both clean up; the newest snapshot verifies with all media', async () => {
    const folder = join(dir, 'two');
    const mediaDir = join(dir, 'two-media');
    await mkdir(mediaDir);
    const media = makeMedia(40, 92, [1000, 20_000, 70_000]);
    for (const [i, m] of media.entries()) await writeFile(join(mediaDir, `m${i}`), m.plaintext);
    const framesA = await writeTemp('two-a.binproto', makeFrames(media.slice(0, 25), 1, T0));
    const framesB = await writeTemp('two-b.binproto', makeFrames(media.slice(15), 2, T0 + 1000));
    const args = (frames: string, now: number) => [
      'local',
      'create',
      ...KEY,
      '--frames',
      frames,
      '--media',
      mediaDir,
      '--to',
      folder,
      '--keep',
      '1',
      '--now',
      String(now),
    ];
    const [a, b] = await Promise.all([run(args(framesA, T0 + 10_000)), run(args(framesB, T0 + 20_000))]);
    for (const r of [a, b]) {
      if (r.code !== 0) {
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^sbackup local create: the backup folder is in use by sbackup create \(pid \d+ on /);
      }
    }
    expect([a.code, b.code]).toContain(0);
    const v = await cli(['local', 'verify', ...KEY, folder, '--decrypt-media', 'all']);
    expect(v.stderr).toBe('');
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, problems: [] });
    expect(await readdir(folder)).not.toContain(LOCK_NAME);
  }, 120_000);

  it('a lock held by a live process: exit 1 naming it; nothing written', async () => {
    const folder = join(dir, 'held');
    await mkdir(folder);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await writeFile(
        join(folder, LOCK_NAME),
        JSON.stringify({
          host: (await import('node:os')).hostname(),
          pid: holder.pid,
          startedAt: 'now',
          operation: 'create',
          token: '34'.repeat(16),
        }),
      );
      const frames = await writeTemp('held.binproto', makeFrames([], 1));
      const r = await cli(['local', 'create', ...KEY, '--frames', frames, '--media', dir, '--to', folder]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `sbackup local create: the backup folder is in use by sbackup create (pid ${holder.pid} on ${(await import('node:os')).hostname()}, since now); if no such run exists, delete .sbackup-lock in the folder\n`,
      );
      expect(await readdir(folder)).toEqual([LOCK_NAME]);
    } finally {
      holder.kill();
    }
  });
});

describe("the issue's cases through the real executable", () => {
  it('1: local create leaves files/notes.txt and files/sub/photo.jpg alone and lists them as foreign', async () => {
    const folder = join(dir, 'exe-foreign');
    const mediaDir = join(dir, 'exe-foreign-media');
    await mkdir(mediaDir);
    const media = makeMedia(3, 93);
    for (const [i, m] of media.entries()) await writeFile(join(mediaDir, `m${i}`), m.plaintext);
    const frames = await writeTemp('exe-foreign.binproto', makeFrames(media));
    const create = (now: number) =>
      run([
        'local',
        'create',
        ...KEY,
        '--frames',
        frames,
        '--media',
        mediaDir,
        '--to',
        folder,
        '--keep',
        '1',
        '--now',
        String(now),
      ]);
    expect((await create(T0)).code).toBe(0);
    await writeFile(join(folder, 'files', 'notes.txt'), 'notes');
    await mkdir(join(folder, 'files', 'sub'));
    await writeFile(join(folder, 'files', 'sub', 'photo.jpg'), 'photo');
    const r = await create(T0 + 1000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({
      foreign: ['files/notes.txt', 'files/sub/photo.jpg'],
      foreignCount: 2,
    });
    expect(await readFile(join(folder, 'files', 'notes.txt'), 'utf8')).toBe('notes');
    expect(await readFile(join(folder, 'files', 'sub', 'photo.jpg'), 'utf8')).toBe('photo');
    const v = await run(['local', 'verify', ...KEY, folder, '--decrypt-media', 'all']);
    expect(JSON.parse(v.stdout.toString())).toMatchObject({
      ok: true,
      foreign: ['files/notes.txt', 'files/sub/photo.jpg'],
    });
  }, 60_000);

  it('3: frames from-json with "a\\ud800b" exits 1 with one line and writes nothing', async () => {
    const input = await writeTemp('exe-surrogate.jsonproto', '[{"version":"1"},{"account":{"username":"a\\ud800b"}}]');
    const out = join(dir, 'exe-surrogate.binproto');
    const r = await run(['frames', 'from-json', input, out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sbackup frames from-json: frame 1: Frame\.account\.username: .*surrogate[^\n]*\n$/);
    await expect(stat(out)).rejects.toThrow();
  }, 30_000);

  it('5 and 6: decrypt x x is refused (exit 2); a directory as output is one plain line', async () => {
    const input = await writeTemp('exe-same.bin', await emptyFramesBackup(2));
    const before = await readFile(input);
    const r = await run(['decrypt', ...KEY, input, input]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`sbackup decrypt: the output ${input} is the input ${input}; write to another file\n`);
    expect(await readFile(input)).toEqual(before);
    const d = await run(['decrypt', ...KEY, input, dir]);
    expect(d).toMatchObject({ code: 1, stderr: `sbackup decrypt: ${dir} is a directory, not a file\n` });
  }, 30_000);

  it('7: an older main copied over the newest fails local verify --decrypt-media all', async () => {
    const folder = join(dir, 'exe-rollback');
    const mediaDir = join(dir, 'exe-rollback-media');
    await mkdir(mediaDir);
    const media = makeMedia(2, 94);
    for (const [i, m] of media.entries()) await writeFile(join(mediaDir, `m${i}`), m.plaintext);
    for (const [i, t] of [T0, T0 + 1000].entries()) {
      const frames = await writeTemp(`exe-rollback-${i}.binproto`, makeFrames(media, 1, t));
      const c = await run([
        'local',
        'create',
        ...KEY,
        '--frames',
        frames,
        '--media',
        mediaDir,
        '--to',
        folder,
        '--now',
        String(t),
      ]);
      expect(c.code).toBe(0);
    }
    const [newest, older] = (await readdir(folder))
      .filter((n) => n.startsWith('signal-backup-'))
      .sort()
      .reverse();
    await writeFile(join(folder, newest!, 'main'), await readFile(join(folder, older!, 'main')));
    const v = await run(['local', 'verify', ...KEY, folder, '--decrypt-media', 'all']);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout.toString()).problems).toEqual([expect.objectContaining({ code: 'ROLLBACK' })]);
  }, 60_000);
});

describe('no input reaches "internal error"', () => {
  it('an error quoting bad input with a line break is still one line (JSON.parse quotes what it read)', async () => {
    // A byte 0x0a inside the excerpt JSON.parse puts in its message: found by the battery below
    // on random bytes, made deterministic here.
    const bad = await writeTemp('bat-newline.json', Uint8Array.of(0xaa, 0x9d, 0x0a, 0xef, 0x0d, 0x35, 0x0a, 0xfb));
    const r = await cli(['plan', '--frames', bad, '--inventory', bad, '--tier', 'free']);
    expect(r.code).toBe(1);
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^sbackup plan: /);
  });

  it('a battery of bad inputs through every command gives one plain line each', async () => {
    const empty = await writeTemp('bat-empty', '');
    const junk = await writeTemp(
      'bat-junk',
      new Uint8Array(4096).map((_, i) => (i * 131) & 0xff),
    );
    const trunc = await writeTemp('bat-trunc.bin', (await emptyFramesBackup(100)).subarray(0, 40));
    const deep = await writeTemp(
      'bat-deep.jsonproto',
      `[{"version":"1"},{"account":${'['.repeat(30_000)}${']'.repeat(30_000)}}]`,
    );
    const d = join(dir, 'bat-dir');
    await mkdir(d, { recursive: true });
    const out = join(dir, 'bat-out');
    const folder = join(dir, 'bat-folder');
    await mkdir(join(folder, 'signal-backup-2025-01-01-00-00-00'), { recursive: true });
    await writeFile(
      join(folder, 'signal-backup-2025-01-01-00-00-00', 'files'),
      new Uint8Array([0x0a, 0x03, 0x0a, 0x01, 0xff]),
    );
    const inputs = [empty, junk, trunc, deep, d, join(dir, 'missing')];
    const commands: ((input: string) => string[])[] = [
      (i) => ['decrypt', ...KEY, i, out],
      (i) => ['encrypt', ...KEY, i, out],
      (i) => ['inspect', i],
      (i) => ['frames', 'to-json', i],
      (i) => ['frames', 'from-json', i, out],
      (i) => ['frames', 'stats', i],
      (i) => ['validate', i],
      (i) => ['validate', ...KEY, i],
      (i) => ['media', 'decrypt', '--key', 'ab'.repeat(64), '--size', '10', i, out],
      (i) => ['media', 'tier-decrypt', '--media-root-key', 'ab'.repeat(32), '--media-name', 'x', i, out],
      (i) => ['local', 'create', ...KEY, '--frames', i, '--media', d, '--to', join(dir, 'bat-new')],
      (i) => ['local', 'verify', ...KEY, i],
      (i) => ['local', 'restore', ...KEY, i, '--out', join(dir, 'bat-restored')],
      (i) => ['local', 'list', i],
      (i) => ['plan', '--frames', i, '--inventory', i, '--tier', 'free'],
    ];
    const seen: string[] = [];
    for (const c of commands) {
      for (const i of [...inputs, folder]) {
        const args = c(i);
        const r = await cli(args);
        seen.push(`${args.slice(0, 2).join(' ')} ${i}: ${r.code}`);
        expect(r.stderr, args.join(' ')).not.toContain('internal error');
        if (r.code !== 0)
          expect(r.stderr.split('\n').filter(Boolean), args.join(' ')).toHaveLength(r.stderr === '' ? 0 : 1);
      }
    }
    expect(seen.length).toBe(commands.length * (inputs.length + 1));
  }, 120_000);
});

void runCli;
void localBackupKeys;
