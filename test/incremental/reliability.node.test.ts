/**
 * The local folder on disk (issue 13, case 1 and 2): symbolic links are never followed for
 * writing or deleting, and the lock knows this host's processes.
 */

import { spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import { createLocalBackup } from '../../src/incremental/localFolder.js';
import { verifyLocalBackup } from '../../src/incremental/localRead.js';
import { LOCK_NAME } from '../../src/incremental/lock.js';
import { nodeBackend } from '../../src/node/backend.js';
import { fsStorage } from '../../src/node/fsStorage.js';
import { ACI, AEP, makeFrames, makeMedia, mediaSource, T0 } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-rel-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const keys = { key: { recoveryKey: AEP, aci: ACI }, backend: nodeBackend };

/** Every file under `path` with its content (links not followed). */
async function snapshotTree(path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(p: string, rel: string) {
    for (const e of await readdir(p, { withFileTypes: true })) {
      const full = join(p, e.name);
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(full, r);
      else if (e.isSymbolicLink()) out[r] = '-> link';
      else out[r] = await readFile(full, 'utf8');
    }
  }
  await walk(path, '');
  return out;
}

async function userFiles(): Promise<string> {
  const target = join(dir, 'precious');
  await mkdir(join(target, 'deep'), { recursive: true });
  await writeFile(join(target, 'a.txt'), 'keep me');
  await writeFile(join(target, 'deep', 'b.jpg'), 'and me');
  await writeFile(join(target, 'a'.repeat(64)), 'even one named like a medium');
  return target;
}

describe('symbolic links in the folder', () => {
  it('files/ being a link is an error naming it; nothing under its target is written or deleted', async () => {
    const media = makeMedia(3, 70);
    const root = join(dir, 'backups');
    await createLocalBackup(fsStorage(root), {
      ...keys,
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0,
    });
    const target = await userFiles();
    const before = await snapshotTree(target);
    await rm(join(root, 'files'), { recursive: true });
    await symlink(target, join(root, 'files'));
    const run = createLocalBackup(fsStorage(root), {
      ...keys,
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0 + 1000,
    });
    await expect(run).rejects.toSatisfy(
      (e) =>
        isBackupError(e, 'STORAGE_ERROR') &&
        /^files in the backup folder is a symbolic link/.test((e as Error).message),
    );
    expect(await snapshotTree(target)).toEqual(before);
  });

  it('a shard being a link is an error naming it; its target is untouched', async () => {
    const media = makeMedia(3, 71);
    const root = join(dir, 'backups');
    await createLocalBackup(fsStorage(root), {
      ...keys,
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0,
    });
    const target = await userFiles();
    const before = await snapshotTree(target);
    await symlink(target, join(root, 'files', '00'));
    await expect(
      createLocalBackup(fsStorage(root), {
        ...keys,
        frames: makeFrames(media),
        media: mediaSource(media),
        now: T0 + 1000,
        keepSnapshots: 1,
      }),
    ).rejects.toThrow(/^files\/00 in the backup folder is a symbolic link/);
    expect(await snapshotTree(target)).toEqual(before);
  });

  it('a snapshot directory being a link is never pruned through; a foreign link at the root is left alone', async () => {
    const media = makeMedia(2, 72);
    const root = join(dir, 'backups');
    await createLocalBackup(fsStorage(root), {
      ...keys,
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0,
    });
    const target = await userFiles();
    const before = await snapshotTree(target);
    await symlink(target, join(root, 'signal-backup-2000-01-01-00-00-00'));
    await expect(
      createLocalBackup(fsStorage(root), {
        ...keys,
        frames: makeFrames(media),
        media: mediaSource(media),
        now: T0 + 1000,
        keepSnapshots: 1,
      }),
    ).rejects.toThrow(/signal-backup-2000-01-01-00-00-00 in the backup folder is a symbolic link/);
    expect(await snapshotTree(target)).toEqual(before);
    await rm(join(root, 'signal-backup-2000-01-01-00-00-00'));
    await symlink(target, join(root, 'my-link'));
    const r = await createLocalBackup(fsStorage(root), {
      ...keys,
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0 + 2000,
      keepSnapshots: 1,
    });
    expect(r.foreign).toEqual(['my-link']);
    expect((await lstat(join(root, 'my-link'))).isSymbolicLink()).toBe(true);
    expect(await snapshotTree(target)).toEqual(before);
    expect((await verifyLocalBackup(fsStorage(root), { ...keys, decryptMedia: true })).ok).toBe(true);
  });

  it('a medium name that is a link is an error, not a write through it', async () => {
    const media = makeMedia(1, 73, [100]);
    const root = join(dir, 'backups');
    const first = await createLocalBackup(fsStorage(root), {
      ...keys,
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0,
    });
    expect(first.mediaWritten).toBe(1);
    const shard = (await readdir(join(root, 'files')))[0]!;
    const name = (await readdir(join(root, 'files', shard)))[0]!;
    const target = join(dir, 'outside.txt');
    await writeFile(target, 'outside');
    await rm(join(root, 'files', shard, name));
    await symlink(target, join(root, 'files', shard, name));
    await expect(
      createLocalBackup(fsStorage(root), {
        ...keys,
        frames: makeFrames(media),
        media: mediaSource(media),
        now: T0 + 1000,
      }),
    ).rejects.toThrow(/is a symbolic link/);
    expect(await readFile(target, 'utf8')).toBe('outside');
  });
});

describe('the lock on disk', () => {
  const lock = (pid: number, host = hostname()) =>
    JSON.stringify({ host, pid, startedAt: '2025-01-01T00:00:00.000Z', operation: 'create', token: '12'.repeat(16) });

  it('a lock left by a process of this host that has exited is taken over', async () => {
    const root = join(dir, 'backups');
    await mkdir(root);
    // A pid that certainly ran and has ended.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    await writeFile(join(root, LOCK_NAME), lock(Number(child.stdout.toString())));
    const media = makeMedia(1, 74);
    await createLocalBackup(fsStorage(root), {
      ...keys,
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0,
    });
    // No lock or takeover file is left behind (.nomedia is the folder's own, written on create).
    expect((await readdir(root)).filter((n) => n.startsWith('.') && n !== '.nomedia')).toEqual([]);
  });

  it('a lock of a live process, or of another host, stops the run (exit with a message naming it)', async () => {
    const root = join(dir, 'backups');
    await mkdir(root);
    const media = makeMedia(1, 75);
    const run = () =>
      createLocalBackup(fsStorage(root), { ...keys, frames: makeFrames(media), media: mediaSource(media), now: T0 });
    await writeFile(join(root, LOCK_NAME), lock(process.ppid));
    await expect(run()).rejects.toThrow(new RegExp(`in use by sbackup create \\(pid ${process.ppid} on `));
    await writeFile(join(root, LOCK_NAME), lock(1, 'another-host.example'));
    await expect(run()).rejects.toSatisfy(
      (e) => isBackupError(e, 'LOCKED') && (e as Error).message.includes('another-host.example'),
    );
    expect(await readFile(join(root, LOCK_NAME), 'utf8')).toBe(lock(1, 'another-host.example'));
  });

  it('create() is atomic: of many racing callers exactly one wins', async () => {
    const root = join(dir, 'race');
    const storages = Array.from({ length: 8 }, () => fsStorage(root, { durable: false }));
    const wins = await Promise.all(storages.map((s, i) => s.create('x', new Uint8Array([i]))));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await readdir(root)).sort()).toEqual(['x']);
  });
});
