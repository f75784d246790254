import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import { concatBytes, toHex, utf8 } from '../../src/internal/bytes.js';
import { withFaults } from '../../src/testing/faults.js';
import { createLocalBackup } from '../../src/incremental/localFolder.js';
import { listLocalBackups, openLocalSnapshot, verifyLocalBackup } from '../../src/incremental/localRead.js';
import { type BackupStorage, MemoryStorage, readAll } from '../../src/incremental/storage.js';
import { nodeBackend } from '../../src/node/backend.js';
import { fsStorage } from '../../src/node/fsStorage.js';
import { ACI, AEP, makeFrames, makeMedia, mediaSource, T0 } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-fs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const keys = { key: { recoveryKey: AEP, aci: ACI }, backend: nodeBackend };

// The same contract for every storage.
for (const [label, make] of [
  ['memory', () => new MemoryStorage()],
  ['fs', () => fsStorage(join(dir, 'root'))],
] as const) {
  describe(`BackupStorage contract: ${label}`, () => {
    it('put/get/stat/list/children/rename/delete', async () => {
      const s: BackupStorage = make();
      expect(await s.put('a/b/c', [utf8('hello '), utf8('world')])).toBe(11);
      expect(await readAll(s, 'a/b/c')).toEqual(utf8('hello world'));
      expect(await s.stat('a/b/c')).toBe(11);
      expect(await s.stat('a/b')).toBeUndefined();
      expect(await s.stat('nope')).toBeUndefined();
      await s.put('a/d', [new Uint8Array(3)]);
      expect((await s.list('a')).sort((x, y) => x.name.localeCompare(y.name))).toEqual([
        { name: 'a/b/c', size: 11 },
        { name: 'a/d', size: 3 },
      ]);
      expect((await s.children('a')).sort()).toEqual(['b', 'd']);
      expect(await s.children('missing')).toEqual([]);
      // A put replaces; a failed put leaves the old content.
      await s.put('a/d', [utf8('new')]);
      async function* boom(): AsyncGenerator<Uint8Array> {
        yield utf8('partial');
        throw new Error('source failed');
      }
      await expect(s.put('a/d', boom())).rejects.toThrow('source failed');
      expect(await readAll(s, 'a/d')).toEqual(utf8('new'));
      // Directory rename moves everything; it never replaces an existing directory.
      await s.rename('a', 'z');
      expect((await s.list('z')).map((e) => e.name).sort()).toEqual(['z/b/c', 'z/d']);
      await s.put('y/q', [utf8('q')]);
      await expect(s.rename('z', 'y')).rejects.toSatisfy((e) => isBackupError(e, 'STORAGE_ERROR'));
      await expect(s.rename('nothing', 'x')).rejects.toSatisfy((e) => isBackupError(e, 'NOT_FOUND'));
      await expect(readAll(s, 'nothing')).rejects.toSatisfy((e) => isBackupError(e, 'NOT_FOUND'));
      await s.delete('z');
      await s.delete('z');
      expect(await s.list('z')).toEqual([]);
      await expect(s.stat('../etc/passwd')).rejects.toThrow(TypeError);
      await expect(s.put('a//b', [])).rejects.toThrow(TypeError);
    });
  });
}

describe('local backup folder on disk', () => {
  it('creates, reuses, verifies, restores; leftovers of a crash are cleaned', async () => {
    const root = join(dir, 'SignalBackups');
    const storage = fsStorage(root);
    const media = makeMedia(12, 21);
    const frames = makeFrames(media);
    const first = await createLocalBackup(storage, { ...keys, frames, media: mediaSource(media), now: T0 });
    expect(first.mediaWritten).toBe(12);
    // The files are where Signal's apps look for them.
    const shards = await readdir(join(root, 'files'));
    expect(shards.every((s) => /^[0-9a-f]{2}$/.test(s))).toBe(true);
    expect((await readdir(join(root, first.snapshot))).sort()).toEqual(['files', 'main', 'metadata']);
    // Debris of an interrupted run: a temporary snapshot directory and a temporary media file.
    await mkdir(join(root, 'signal-backup-2099-01-01-00-00-00-tmp'));
    await writeFile(join(root, 'signal-backup-2099-01-01-00-00-00-tmp', 'main'), 'x');
    const medium = (await readdir(join(root, 'files', shards[0]!)))[0]!;
    await writeFile(join(root, 'files', shards[0]!, `.${medium}.1234.tmp`), 'partial');
    // Not ours: a temporary-looking name that stands for no media name is the user's.
    await writeFile(join(root, 'files', shards[0]!, '.abc.1234.tmp'), 'mine');
    const second = await createLocalBackup(storage, { ...keys, frames, media: () => undefined, now: T0 + 1000 });
    expect(second).toMatchObject({ mediaWritten: 0, mediaReused: 12, mediaBytesWritten: 0, filesDeleted: 1 });
    expect(second.foreign).toEqual([`files/${shards[0]}/.abc.1234.tmp`]);
    expect(await readFile(join(root, 'files', shards[0]!, '.abc.1234.tmp'), 'utf8')).toBe('mine');
    expect(second.snapshotsDeleted).toEqual(['signal-backup-2099-01-01-00-00-00-tmp']);
    const v = await verifyLocalBackup(storage, { ...keys, decryptMedia: 5 });
    expect(v).toMatchObject({ ok: true, frames: 12, media: 12, mediaDecrypted: 5 });
    const opened = await openLocalSnapshot(storage, keys);
    let count = 0;
    for await (const _ of opened.frames) count++;
    expect(count).toBe(12);
    for (const m of media) {
      const entry = [...opened.media.values()].find((e) => toHex(e.plaintextHash) === toHex(m.plaintextHash))!;
      const parts: Uint8Array[] = [];
      for await (const c of opened.readMedia(entry)) parts.push(c);
      expect(concatBytes(...parts)).toEqual(m.plaintext);
    }
    expect((await listLocalBackups(storage)).map((s) => s.name)).toEqual([second.snapshot, first.snapshot]);
    // The main file on disk is what the storage returns.
    expect(new Uint8Array(await readFile(join(root, first.snapshot, 'main')))).toEqual(
      await readAll(storage, `${first.snapshot}/main`),
    );
  });

  it('fault injection on disk: every interruption leaves the previous snapshot verifying, and a re-run completes', async () => {
    const root = join(dir, 'faults');
    const first = makeMedia(3, 31, [10, 4000]);
    const second = [...first.slice(1), ...makeMedia(2, 32, [900])];
    const base = fsStorage(root, { durable: false });
    await createLocalBackup(base, { ...keys, frames: makeFrames(first), media: mediaSource(first), now: T0 });
    const counter = withFaults(new MemoryStorage(), { failAfter: Number.POSITIVE_INFINITY });
    // Count on a memory copy of the same run shape (same number of operations).
    for (const e of await base.list('')) await counter.put(e.name, [await readAll(base, e.name)]);
    const before = counter.operations;
    await createLocalBackup(counter, {
      ...keys,
      frames: makeFrames(second),
      media: mediaSource(second),
      now: T0 + 1000,
      concurrency: 1,
    });
    const total = counter.operations - before;
    const snapshot0 = (await listLocalBackups(base))[0]!.name;
    for (let k = 0; k < total; k += 1) {
      const copy = join(dir, `copy-${k}`);
      const store = fsStorage(copy, { durable: false });
      for (const e of await base.list('')) await store.put(e.name, [await readAll(base, e.name)]);
      const run = createLocalBackup(withFaults(store, { failAfter: k }), {
        ...keys,
        frames: makeFrames(second),
        media: mediaSource(second),
        now: T0 + 1000,
        concurrency: 1,
      });
      // The last 2 operations release the lock: the run has succeeded, the stale lock is taken over next time.
      if (k >= total - 2) await expect(run).resolves.toBeDefined();
      else await expect(run).rejects.toSatisfy((e) => isBackupError(e, 'STORAGE_ERROR'));
      const names = (await listLocalBackups(store)).map((s) => s.name);
      if (names.includes(snapshot0)) {
        expect((await verifyLocalBackup(store, { ...keys, snapshot: snapshot0, decryptMedia: true })).problems).toEqual(
          [],
        );
      } else {
        expect(names).toHaveLength(2);
      }
      const rerun = await createLocalBackup(store, {
        ...keys,
        frames: makeFrames(second),
        media: mediaSource(second),
        now: T0 + 2000,
      });
      expect(
        (await verifyLocalBackup(store, { ...keys, snapshot: rerun.snapshot, decryptMedia: true })).problems,
      ).toEqual([]);
      await rm(copy, { recursive: true, force: true });
    }
  });
});
