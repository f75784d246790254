/**
 * Nothing lost (issue 13): the local folder touches only its own names, one writer at a time,
 * only well-formed frames are written, verify decodes every frame and notices a rollback. Runs on
 * the in-memory storage (Node and browsers); the file-system cases (symbolic links, processes)
 * are in reliability.node.test.ts.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encryptBackup } from '../../src/container/writer.js';
import { isBackupError } from '../../src/errors.js';
import { encodeFrame } from '../../src/frames/codec.js';
import { splitBackupStream } from '../../src/frames/stream.js';
import { concatBytes, toHex, utf8 } from '../../src/internal/bytes.js';
import { encodeVarint } from '../../src/internal/wire.js';
import { withFaults } from '../../src/testing/faults.js';
import { createLocalBackup, localBackupKeys, pruneLocalBackups } from '../../src/incremental/localFolder.js';
import { encodeFilesList } from '../../src/incremental/localFormat.js';
import { listLocalBackups, openLocalSnapshot, verifyLocalBackup } from '../../src/incremental/localRead.js';
import { LOCK_NAME } from '../../src/incremental/lock.js';
import {
  type BackupStorage,
  MemoryStorage,
  readAll,
  type StorageProcesses,
  temporaryName,
} from '../../src/incremental/storage.js';
import { ACI, AEP, makeFrames, makeMedia, mediaSource, T0, type TestMedium } from './fixtures.js';

/** More runs of the property tests in the reliability suite (`SBACKUP_FUZZ_SCALE=10`). */
const SCALE = Math.max(
  1,
  Number((globalThis as { process?: { env?: Record<string, string> } }).process?.env?.SBACKUP_FUZZ_SCALE ?? 1) || 1,
);

const keys = { key: { recoveryKey: AEP, aci: ACI } };
const S0 = 'signal-backup-2025-06-15-15-06-40';
const S1 = 'signal-backup-2025-06-15-15-06-41';

function copyOf(storage: MemoryStorage): MemoryStorage {
  const out = new MemoryStorage();
  for (const [k, v] of storage.files) out.files.set(k, v);
  return out;
}

async function messages(binproto: Uint8Array): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const m of splitBackupStream([binproto])) out.push(m.bytes);
  return out;
}

/** Verifies a snapshot (all media decrypted) and checks that it restores to `frames` and `media`. */
async function expectWhole(storage: BackupStorage, snapshot: string, frames: Uint8Array, media: TestMedium[]) {
  const v = await verifyLocalBackup(storage, { ...keys, snapshot, decryptMedia: true });
  expect(v.problems).toEqual([]);
  const opened = await openLocalSnapshot(storage, { ...keys, snapshot });
  const got: Uint8Array[] = [opened.backupInfo];
  for await (const f of opened.frames) got.push(f);
  expect(got).toEqual(await messages(frames));
  const byHash = new Map<string, Uint8Array>();
  for (const entry of opened.media.values()) {
    const parts: Uint8Array[] = [];
    for await (const c of opened.readMedia(entry)) parts.push(c);
    byHash.set(toHex(entry.plaintextHash), concatBytes(...parts));
  }
  for (const m of media) expect(byHash.get(toHex(m.plaintextHash))).toEqual(m.plaintext);
}

/** A storage that forwards to `inner` and claims to be process `pid` of `host`. */
function asProcess(inner: BackupStorage, processes: StorageProcesses): BackupStorage {
  return {
    put: (n, d) => inner.put(n, d),
    get: (n) => inner.get(n),
    stat: (n) => inner.stat(n),
    list: (p) => inner.list(p),
    children: (p) => inner.children(p),
    delete: (n) => inner.delete(n),
    rename: (a, b) => inner.rename(a, b),
    create: (n, b) => inner.create(n, b),
    processes,
  };
}

function lockFile(holder: { host: string; pid: number; token?: string }): Uint8Array {
  return utf8(
    JSON.stringify({
      host: holder.host,
      pid: holder.pid,
      startedAt: '2025-01-01T00:00:00.000Z',
      operation: 'create',
      token: holder.token ?? 'ab'.repeat(16),
    }),
  );
}

describe('the folder owns only its own names', () => {
  it('leaves every foreign file alone (it used to delete files/notes.txt and files/sub/photo.jpg) and reports it', async () => {
    const media = makeMedia(4, 40);
    const storage = new MemoryStorage();
    await createLocalBackup(storage, { ...keys, frames: makeFrames(media), media: mediaSource(media), now: T0 });
    const own = (await storage.list('files'))[0]!.name;
    const wrongShard = `files/00/${own.split('/')[2]}`;
    const foreign = new Map<string, Uint8Array>([
      ['files/notes.txt', utf8('my notes')],
      ['files/sub/photo.jpg', utf8('a photo')],
      [wrongShard, utf8('a medium in the wrong shard is not ours')],
      ['files/ab/ABCDEF', utf8('upper case')],
      [`${own.replace(/[^/]+$/, '')}.notours.1.tmp`, utf8('temporary-looking, of no media name')],
      ['notes.txt', utf8('at the root')],
      ['signal-backup-my-notes-tmp/x', utf8('a directory that only looks temporary')],
      [`${S0}/readme.txt`, utf8('inside a snapshot that will be pruned')],
    ]);
    for (const [k, v] of foreign) storage.files.set(k, v);
    const other = makeMedia(2, 41);
    const r = await createLocalBackup(storage, {
      ...keys,
      frames: makeFrames(other, 2),
      media: mediaSource(other),
      now: T0 + 1000,
      keepSnapshots: 1,
    });
    for (const [k, v] of foreign) expect(storage.files.get(k), k).toEqual(v);
    // Foreign names at the root are reported as they are (a foreign directory is not walked).
    const reported = [...foreign.keys()]
      .map((k) => k.replace(/^signal-backup-my-notes-tmp\/x$/, 'signal-backup-my-notes-tmp'))
      .sort();
    expect(r.foreign).toEqual(reported);
    expect(r.foreignCount).toBe(foreign.size);
    // The pruned snapshot lost its own files only; the first run's media are gone.
    expect(r.snapshotsDeleted).toEqual([S0]);
    expect([...storage.files.keys()].filter((k) => k.startsWith(`${S0}/`))).toEqual([`${S0}/readme.txt`]);
    expect(r.filesDeleted).toBe(4);
    await expectWhole(storage, r.snapshot, makeFrames(other, 2), other);
    // verify reports the same foreign names and is still ok.
    const v = await verifyLocalBackup(storage, { ...keys, snapshot: r.snapshot });
    expect(v).toMatchObject({ ok: true, foreign: reported });
    // A later run keeps all of it too (the half-pruned directory is not deleted again).
    const again = await createLocalBackup(storage, {
      ...keys,
      frames: makeFrames(other, 2),
      media: mediaSource(other),
      now: T0 + 2000,
      keepSnapshots: 1,
    });
    expect(again.snapshotsDeleted).toEqual([r.snapshot]);
    for (const [k, v] of foreign) expect(storage.files.get(k), k).toEqual(v);
  });

  it('a files list naming ../x is INVALID_FRAME in verify (not a crash) and stops media clean-up', async () => {
    const media = makeMedia(3, 42);
    const storage = new MemoryStorage();
    await createLocalBackup(storage, { ...keys, frames: makeFrames(media), media: mediaSource(media), now: T0 });
    storage.files.set(`${S0}/files`, encodeFilesList(['../x']));
    const v = await verifyLocalBackup(storage, keys);
    expect(v.ok).toBe(false);
    expect(v.problems).toContainEqual(
      expect.objectContaining({
        code: 'INVALID_FRAME',
        path: `${S0}/files`,
        message: expect.stringContaining('"../x"'),
      }),
    );
    const before = copyOf(storage).files;
    const pruned = await pruneLocalBackups(storage, 1);
    expect(pruned).toMatchObject({ filesDeleted: 0, skipped: `the media list of ${S0} cannot be read` });
    expect(storage.files).toEqual(before);
  });
});

describe('one writer at a time', () => {
  it('two concurrent creates: one runs, the other is LOCKED; the newest snapshot has all its media', async () => {
    const first = makeMedia(6, 43);
    const second = makeMedia(6, 44);
    const storage = new MemoryStorage();
    const results = await Promise.allSettled([
      createLocalBackup(storage, { ...keys, frames: makeFrames(first), media: mediaSource(first), now: T0 }),
      createLocalBackup(storage, {
        ...keys,
        frames: makeFrames(second, 2),
        media: mediaSource(second),
        now: T0 + 500,
      }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const error = (refused[0] as PromiseRejectedResult).reason;
    expect(isBackupError(error, 'LOCKED')).toBe(true);
    expect(error.message).toMatch(/in use by sbackup create \(pid \d+ on this process, since /);
    const which = results[0]!.status === 'fulfilled' ? first : second;
    const snapshot = (ok[0] as PromiseFulfilledResult<{ snapshot: string }>).value.snapshot;
    await expectWhole(storage, snapshot, which === first ? makeFrames(first) : makeFrames(second, 2), which);
    expect(storage.files.has(LOCK_NAME)).toBe(false);
  });

  it('pruneLocalBackups takes the lock too', async () => {
    const storage = new MemoryStorage();
    storage.files.set(LOCK_NAME, lockFile({ host: 'elsewhere', pid: 7 }));
    await expect(pruneLocalBackups(storage, 1)).rejects.toSatisfy((e) => isBackupError(e, 'LOCKED'));
  });

  it('fuzz: two creates interleaved at every storage step never lose a medium of a kept snapshot', async () => {
    const a = makeMedia(3, 45, [10, 600]);
    const b = [...a.slice(1), ...makeMedia(2, 46, [900])];
    const base = new MemoryStorage();
    await createLocalBackup(base, { ...keys, frames: makeFrames(a), media: mediaSource(a), now: T0 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 120 }), async (schedule) => {
        const storage = copyOf(base);
        // Each run's storage calls wait for their turn: `schedule` says whose call goes next
        // (the other's when only one run is waiting).
        const queue: { run: number; go: () => void }[] = [];
        let step = 0;
        let scheduled = false;
        const pump = () => {
          if (scheduled) return;
          scheduled = true;
          setTimeout(() => {
            scheduled = false;
            if (queue.length === 0) return;
            const want = schedule[step++ % schedule.length] ? 0 : 1;
            const i = queue.findIndex((q) => q.run === want);
            queue.splice(Math.max(i, 0), 1)[0]!.go();
            if (queue.length > 0) pump();
          }, 0);
        };
        const gate = (run: number): BackupStorage => {
          const wait = () =>
            new Promise<void>((go) => {
              queue.push({ run, go });
              pump();
            });
          const wrap =
            <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
            async (...args: A): Promise<R> => {
              await wait();
              return f(...args);
            };
          return {
            put: wrap((n: string, d: Parameters<BackupStorage['put']>[1]) => storage.put(n, d)),
            async *get(n: string) {
              await wait();
              yield* storage.get(n);
            },
            stat: wrap((n: string) => storage.stat(n)),
            list: wrap((p: string) => storage.list(p)),
            children: wrap((p: string) => storage.children(p)),
            delete: wrap((n: string) => storage.delete(n)),
            rename: wrap((x: string, y: string) => storage.rename(x, y)),
            create: wrap((n: string, bytes: Uint8Array) => storage.create(n, bytes)),
          };
        };
        const results = await Promise.allSettled([
          createLocalBackup(gate(0), { ...keys, frames: makeFrames(b, 2), media: mediaSource(b), now: T0 + 1000 }),
          createLocalBackup(gate(1), { ...keys, frames: makeFrames(a, 1), media: mediaSource(a), now: T0 + 2000 }),
        ]);
        for (const r of results) if (r.status === 'rejected') expect(isBackupError(r.reason, 'LOCKED')).toBe(true);
        expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
        // Every kept snapshot verifies and restores to what its run wrote.
        for (const s of await listLocalBackups(storage)) {
          const v = await verifyLocalBackup(storage, { ...keys, snapshot: s.name, decryptMedia: true });
          expect(v.problems).toEqual([]);
        }
        expect(storage.files.has(LOCK_NAME)).toBe(false);
      }),
      { numRuns: 25 * SCALE },
    );
  }, 120_000);
});

describe('stale locks', () => {
  const processes = (host: string, pid: number, alive: Set<number>): StorageProcesses => ({
    host,
    pid,
    isAlive: (p) => alive.has(p),
  });

  it('a lock of a dead process of this host is taken over; of a live one or another host it is refused, naming the holder', async () => {
    const media = makeMedia(2, 47);
    const run = (storage: BackupStorage, now: number) =>
      createLocalBackup(storage, { ...keys, frames: makeFrames(media), media: mediaSource(media), now });
    const inner = new MemoryStorage();
    const me = asProcess(inner, processes('host-a', 100, new Set([100, 200])));
    inner.files.set(LOCK_NAME, lockFile({ host: 'host-a', pid: 200 }));
    await expect(run(me, T0)).rejects.toThrow(/in use by sbackup create \(pid 200 on host-a, since 2025-01-01/);
    inner.files.set(LOCK_NAME, lockFile({ host: 'host-b', pid: 300 }));
    await expect(run(me, T0)).rejects.toThrow(/pid 300 on host-b/);
    inner.files.set(LOCK_NAME, utf8('garbage'));
    await expect(run(me, T0)).rejects.toThrow(/unknown program/);
    // pid 300 on host-a is not running: taken over.
    inner.files.set(LOCK_NAME, lockFile({ host: 'host-a', pid: 300 }));
    const r = await run(me, T0);
    expect(inner.files.has(LOCK_NAME)).toBe(false);
    await expectWhole(inner, r.snapshot, makeFrames(media), media);
    // Our own pid with a token no run of ours holds: an earlier process that had our pid.
    inner.files.set(LOCK_NAME, lockFile({ host: 'host-a', pid: 100 }));
    await expect(run(me, T0 + 1000)).resolves.toBeDefined();
  });

  it('two runs finding one stale lock: exactly one takes it over', async () => {
    const media = makeMedia(2, 48);
    const inner = new MemoryStorage();
    inner.files.set(LOCK_NAME, lockFile({ host: 'h', pid: 9 }));
    const a = asProcess(inner, processes('h', 1, new Set([1, 2])));
    const b = asProcess(inner, processes('h', 2, new Set([1, 2])));
    const results = await Promise.allSettled(
      [a, b].map((s, i) =>
        createLocalBackup(s, { ...keys, frames: makeFrames(media), media: mediaSource(media), now: T0 + i * 1000 }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isBackupError(refused.reason, 'LOCKED')).toBe(true);
    expect([...inner.files.keys()].filter((k) => k.startsWith('.sbackup'))).toEqual([]);
  });

  it('a crash inside a takeover leaves a takeover file that the next run takes over and removes', async () => {
    const media = makeMedia(2, 49);
    const inner = new MemoryStorage();
    const token = 'cd'.repeat(16);
    inner.files.set(LOCK_NAME, lockFile({ host: 'h', pid: 9, token }));
    inner.files.set(`${LOCK_NAME}-takeover-${token}`, lockFile({ host: 'h', pid: 8, token: 'ef'.repeat(16) }));
    const me = asProcess(inner, processes('h', 1, new Set([1])));
    await createLocalBackup(me, { ...keys, frames: makeFrames(media), media: mediaSource(media), now: T0 });
    expect([...inner.files.keys()].filter((k) => k.startsWith('.sbackup'))).toEqual([]);
  });

  it('a run killed at any storage step leaves a lock the next run takes over', async () => {
    const media = makeMedia(2, 50);
    const base = new MemoryStorage();
    const counter = withFaults(copyOf(base), { failAfter: Number.POSITIVE_INFINITY });
    const opts = { ...keys, frames: makeFrames(media), media: mediaSource(media), now: T0 };
    await createLocalBackup(counter, opts);
    for (let k = 0; k < counter.operations; k++) {
      const store = copyOf(base);
      await createLocalBackup(withFaults(store, { failAfter: k }), opts).catch(() => {});
      const r = await createLocalBackup(store, { ...opts, now: T0 + 5000 });
      await expectWhole(store, r.snapshot, makeFrames(media), media);
      expect(store.files.has(LOCK_NAME)).toBe(false);
    }
  });
});

describe('only readable snapshots are written, and verify proves it', () => {
  /** A frame whose text is the bytes protobufjs wrote for 'Hi \ud83d': ed a0 80 (not UTF-8). */
  function surrogateFrame(): Uint8Array {
    const bytes = encodeFrame({
      chatItem: { chatId: 1n, authorId: 1n, dateSent: 1n, standardMessage: { text: { body: 'Hi \u0800' } } },
    });
    const out = bytes.slice();
    const at = out.findIndex((b, i) => b === 0xe0 && out[i + 1] === 0xa0 && out[i + 2] === 0x80);
    out[at] = 0xed;
    return out;
  }

  it('createLocalBackup rejects frames that do not decode before writing anything', async () => {
    const media = makeMedia(2, 51);
    const good = makeFrames(media);
    const bad = surrogateFrame();
    const frames = concatBytes(good, encodeVarint(bad.length), bad);
    const storage = new MemoryStorage();
    await expect(createLocalBackup(storage, { ...keys, frames, media: mediaSource(media), now: T0 })).rejects.toSatisfy(
      (e) => isBackupError(e, 'INVALID_FRAME') && /frame 3: .*not valid UTF-8/.test((e as Error).message),
    );
    expect(storage.files.size).toBe(0);
  });

  it('verify decodes every frame: a snapshot whose main authenticates but cannot be restored is not ok', async () => {
    const media = makeMedia(1, 52);
    const storage = new MemoryStorage();
    await createLocalBackup(storage, { ...keys, frames: makeFrames(media), media: mediaSource(media), now: T0 });
    // Re-encrypt main with a frame no decoder accepts (what an encoder without the check wrote).
    const msgs = await messages(makeFrames(media));
    const main = await encryptBackup(msgs[0]!, [...msgs.slice(1), surrogateFrame()], {
      key: localBackupKeys(keys).messageBackupKey!,
    });
    storage.files.set(`${S0}/main`, main);
    const v = await verifyLocalBackup(storage, { ...keys, decryptMedia: true });
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      expect.objectContaining({ code: 'INVALID_FRAME', message: expect.stringMatching(/^frame 2: /) }),
    ]);
  });
});

describe('rollback detection', () => {
  it('an older snapshot main copied over the newest is reported (it used to pass verify --decrypt-media all)', async () => {
    const media = makeMedia(3, 53);
    const storage = new MemoryStorage();
    const frames0 = makeFrames(media, 1, T0);
    const frames1 = makeFrames(media, 1, T0 + 1000);
    await createLocalBackup(storage, { ...keys, frames: frames0, media: mediaSource(media), now: T0 });
    await createLocalBackup(storage, { ...keys, frames: frames1, media: mediaSource(media), now: T0 + 1000 });
    expect((await verifyLocalBackup(storage, { ...keys, decryptMedia: true })).ok).toBe(true);
    storage.files.set(`${S1}/main`, storage.files.get(`${S0}/main`)!);
    const v = await verifyLocalBackup(storage, { ...keys, decryptMedia: true });
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      expect.objectContaining({
        code: 'ROLLBACK',
        path: `${S1}/main`,
        message: expect.stringContaining(`copy of the one in the earlier snapshot ${S0}`),
      }),
    ]);
  });

  it('a newest snapshot holding an older backup than an earlier one is reported', async () => {
    const media = makeMedia(2, 54);
    const storage = new MemoryStorage();
    const older = makeFrames(media, 1, T0 - 60_000);
    await createLocalBackup(storage, { ...keys, frames: makeFrames(media, 1, T0), media: mediaSource(media), now: T0 });
    await createLocalBackup(storage, { ...keys, frames: older, media: mediaSource(media), now: T0 + 1000 });
    const v = await verifyLocalBackup(storage, keys);
    expect(v.problems).toEqual([
      expect.objectContaining({
        code: 'ROLLBACK',
        message: expect.stringContaining(`older than the one in the earlier snapshot ${S0}`),
      }),
    ]);
    expect(v.backupTimeMs).toBe(T0 - 60_000);
    // The same content snapshotted twice (a stale export) is not a rollback: each main differs.
    const again = new MemoryStorage();
    for (const now of [T0, T0 + 1000]) {
      await createLocalBackup(again, { ...keys, frames: makeFrames(media), media: mediaSource(media), now });
    }
    expect((await verifyLocalBackup(again, keys)).ok).toBe(true);
  });

  it('with maxBackupAgeMs, a snapshot older than its name by more is reported', async () => {
    const media = makeMedia(1, 55);
    const storage = new MemoryStorage();
    await createLocalBackup(storage, {
      ...keys,
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0 + 7_200_000,
    });
    expect((await verifyLocalBackup(storage, { ...keys, maxBackupAgeMs: 8_000_000 })).ok).toBe(true);
    const v = await verifyLocalBackup(storage, { ...keys, maxBackupAgeMs: 3_600_000 });
    expect(v.problems).toEqual([
      expect.objectContaining({ code: 'ROLLBACK', message: expect.stringContaining('older than its name') }),
    ]);
  });
});

/** Names the folder owns by their pattern (a user putting a file exactly there gives it to the folder). */
const OWN_NAME = /^(files\/[0-9a-f]{2}\/[0-9a-f]{64}|signal-backup-\d{4}(-\d{2}){5}(-tmp)?\/(main|metadata|files))$/;

describe('property: foreign files, faults and re-runs', () => {
  const segment = fc.constantFrom(
    'notes.txt',
    'a',
    'ab',
    '00',
    'sub',
    'main',
    'files',
    '.x.1.tmp',
    'ZZ',
    S0,
    `${S0}-tmp`,
  );
  const foreignPath = fc
    .array(segment, { minLength: 1, maxLength: 3 })
    .map((parts) => parts.join('/'))
    .filter((p) => !p.startsWith('.sbackup'));

  it('every kept snapshot verifies and restores; no file the library did not create is removed or changed', async () => {
    const runs = [makeMedia(3, 60, [5, 700]), makeMedia(3, 61, [9, 1500]), makeMedia(2, 62, [30])];
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(foreignPath, { maxLength: 6 }),
        fc.array(fc.option(fc.nat({ max: 60 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 3 }),
        async (paths, faults, keep) => {
          const storage = new MemoryStorage();
          const made: { snapshot: string; frames: Uint8Array; media: TestMedium[] }[] = [];
          const foreign = new Map<string, Uint8Array>();
          for (const [i, media] of runs.entries()) {
            // Foreign files appear between runs, wherever the user puts them (never over our own names).
            for (const p of paths) {
              const name = `${i === 0 ? '' : `files/`}${p}`;
              const taken = [...storage.files.keys()].some(
                (k) => k === name || k.startsWith(`${name}/`) || name.startsWith(`${k}/`),
              );
              if (!taken && !foreign.has(name) && !OWN_NAME.test(name)) {
                foreign.set(name, utf8(`user ${name}`));
                storage.files.set(name, utf8(`user ${name}`));
              }
            }
            const frames = makeFrames(media, i + 1, T0 + i * 1000);
            const opts = { ...keys, frames, media: mediaSource(media), now: T0 + i * 1000, keepSnapshots: keep };
            const fault = faults[i];
            if (fault !== undefined)
              await createLocalBackup(withFaults(storage, { failAfter: fault }), opts).catch(() => {});
            const r = await createLocalBackup(storage, { ...opts, now: T0 + i * 1000 + 500 });
            made.push({ snapshot: r.snapshot, frames, media });
          }
          for (const [k, v] of foreign) expect(storage.files.get(k), k).toEqual(v);
          const kept = (await listLocalBackups(storage)).filter((s) => s.complete).map((s) => s.name);
          for (const m of made.filter((x) => kept.includes(x.snapshot)))
            await expectWhole(storage, m.snapshot, m.frames, m.media);
          expect(kept.length).toBeGreaterThanOrEqual(Math.min(keep, made.length));
        },
      ),
      { numRuns: 30 * SCALE },
    );
  }, 300_000);
});

describe('storage temporaries', () => {
  it('temporaryName is what faults.ts and fsStorage write, and only such names are recognized', () => {
    expect(temporaryName('files/ab/abcd', 'crash')).toBe('files/ab/.abcd.crash.tmp');
    expect(temporaryName('main', '0a1b2c3d4e5f')).toBe('.main.0a1b2c3d4e5f.tmp');
    expect(() => temporaryName('a', 'UPPER')).toThrow(TypeError);
  });
});

void readAll;
