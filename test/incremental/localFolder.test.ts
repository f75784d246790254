import { ctr } from '@noble/ciphers/aes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { openBackup } from '../../src/container/reader.js';
import { isBackupError } from '../../src/errors.js';
import { splitBackupStream } from '../../src/frames/stream.js';
import { concatBytes, toHex } from '../../src/internal/bytes.js';
import {
  deriveBackupId,
  deriveBackupKey,
  deriveLocalMetadataKey,
  deriveMessageBackupKey,
} from '../../src/keys/hierarchy.js';
import { decryptAttachment } from '../../src/media/attachment.js';
import { ciphertextSize } from '../../src/media/padding.js';
import { withFaults } from '../../src/testing/faults.js';
import { createLocalBackup, mediaFilePath } from '../../src/incremental/localFolder.js';
import { decodeFilesList, decodeLocalMetadata } from '../../src/incremental/localFormat.js';
import { listLocalBackups, openLocalSnapshot, verifyLocalBackup } from '../../src/incremental/localRead.js';
import { type BackupStorage, MemoryStorage, readAll } from '../../src/incremental/storage.js';
import { ACI, AEP, makeFrames, makeMedia, mediaSource, T0, type TestMedium } from './fixtures.js';

const keys = { key: { recoveryKey: AEP, aci: ACI } };

/** Everything a restore gives back: the frames as a .binproto, and each medium's plaintext by hash. */
async function restoreAll(storage: BackupStorage, snapshot?: string) {
  const opened = await openLocalSnapshot(storage, { ...keys, ...(snapshot === undefined ? {} : { snapshot }) });
  const frames: Uint8Array[] = [opened.backupInfo];
  for await (const f of opened.frames) frames.push(f);
  const media = new Map<string, Uint8Array>();
  for (const entry of opened.media.values()) {
    const parts: Uint8Array[] = [];
    for await (const c of opened.readMedia(entry)) parts.push(c);
    media.set(toHex(entry.plaintextHash), concatBytes(...parts));
  }
  return { snapshot: opened.snapshot, frames, media };
}

async function messages(binproto: Uint8Array): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const m of splitBackupStream([binproto])) out.push(m.bytes);
  return out;
}

function expectRestored(restored: Awaited<ReturnType<typeof restoreAll>>, frames: Uint8Array[], media: TestMedium[]) {
  expect(restored.frames).toEqual(frames);
  expect(restored.media.size).toBe(new Set(media.map((m) => toHex(m.plaintextHash))).size);
  for (const m of media) expect(restored.media.get(toHex(m.plaintextHash))).toEqual(m.plaintext);
}

describe('local backup folder', () => {
  it('writes the layout Signal apps read: files/<xx>/<hex(sha256(hash||localKey))>, main, metadata, files', async () => {
    const storage = new MemoryStorage();
    const media = makeMedia(7, 1);
    const binproto = makeFrames(media);
    const r = await createLocalBackup(storage, { ...keys, frames: binproto, media: mediaSource(media), now: T0 });
    expect(r).toMatchObject({
      snapshot: 'signal-backup-2025-06-15-15-06-40',
      mediaWritten: 7,
      mediaReused: 0,
      filesDeleted: 0,
    });
    const backupKey = deriveBackupKey(AEP);
    const backupId = deriveBackupId(backupKey, ACI);
    // Media: name and content computed independently (noble SHA-256, media decrypt with localKey).
    for (const m of media) {
      const name = toHex(sha256(concatBytes(m.plaintextHash, m.localKey)));
      const blob = storage.files.get(`files/${name.slice(0, 2)}/${name}`)!;
      expect(blob.length).toBe(ciphertextSize(m.plaintext.length));
      expect(
        await decryptAttachment(blob, m.localKey, { size: m.plaintext.length, plaintextHash: m.plaintextHash }),
      ).toEqual(m.plaintext);
    }
    // main: the legacy layout under the legacy MessageBackupKey; frames byte-identical.
    const main = storage.files.get(`${r.snapshot}/main`)!;
    const opened = await openBackup(main, { key: deriveMessageBackupKey(backupKey, backupId) });
    expect(opened.layout).toBe('legacy');
    const got = [opened.backupInfo];
    for await (const f of opened.frames) got.push(f);
    expect(got).toEqual(await messages(binproto));
    // metadata: the backup id under the local metadata key; files: the media names.
    // Parsed by hand per docs/format.md §13: 08 01 (version 1), 12 20 { 0a 0c <nonce 12> 12 10 <id 16> },
    // the id under AES-256-CTR with counter block nonce || 00000000 (noble directly).
    const meta = storage.files.get(`${r.snapshot}/metadata`)!;
    expect([...meta.subarray(0, 5)]).toEqual([0x08, 0x01, 0x12, 32, 0x0a]);
    expect([meta[5], meta[18], meta[19]]).toEqual([12, 0x12, 16]);
    expect(meta.length).toBe(36);
    const counter = concatBytes(meta.subarray(6, 18), new Uint8Array(4));
    expect(ctr(deriveLocalMetadataKey(backupKey), counter).decrypt(meta.subarray(20, 36))).toEqual(backupId);
    expect(decodeLocalMetadata(deriveLocalMetadataKey(backupKey), meta)).toEqual(backupId);
    // files: each entry is varint length 66, then FilesFrame { 0a 40 <64 hex characters> } (docs/format.md §13).
    const filesBytes = storage.files.get(`${r.snapshot}/files`)!;
    expect([...filesBytes.subarray(0, 3)]).toEqual([66, 0x0a, 64]);
    expect(filesBytes.length).toBe(67 * media.length);
    const listed = decodeFilesList(filesBytes);
    expect(new Set(listed)).toEqual(new Set(media.map((m) => toHex(sha256(concatBytes(m.plaintextHash, m.localKey))))));
  });

  it('a second run with no new media writes no media bytes; 1 new medium writes only it', async () => {
    const storage = new MemoryStorage();
    const media = makeMedia(10, 2);
    const first = await createLocalBackup(storage, {
      ...keys,
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0,
    });
    // Media are written 4 at a time; the byte count must add up across workers.
    const total = media.reduce((a, m) => a + ciphertextSize(m.plaintext.length), 0);
    expect(first).toMatchObject({ mediaWritten: 10, mediaBytesWritten: total });
    expect(first.bytesWritten).toBe(
      total + [...storage.files].filter(([n]) => n.startsWith(first.snapshot)).reduce((a, [, b]) => a + b.length, 0),
    );
    const again = await createLocalBackup(storage, {
      ...keys,
      frames: makeFrames(media),
      media: () => undefined,
      now: T0 + 1000,
    });
    expect(again).toMatchObject({ mediaWritten: 0, mediaReused: 10, mediaBytesWritten: 0, filesDeleted: 0 });
    const more = [...media, ...makeMedia(1, 99, [12345])];
    const third = await createLocalBackup(storage, {
      ...keys,
      frames: makeFrames(more),
      media: mediaSource(more),
      now: T0 + 2000,
    });
    expect(third).toMatchObject({ mediaWritten: 1, mediaReused: 10, mediaBytesWritten: ciphertextSize(12345) });
    expect(third.snapshotsDeleted).toEqual(['signal-backup-2025-06-15-15-06-40']);
    expect((await listLocalBackups(storage)).map((s) => [s.name, s.mediaCount, s.complete])).toEqual([
      ['signal-backup-2025-06-15-15-06-42', 11, true],
      ['signal-backup-2025-06-15-15-06-41', 10, true],
    ]);
  });

  it('rewrites a medium held with the wrong size, and GC keeps exactly what kept snapshots reference', async () => {
    const storage = new MemoryStorage();
    const a = makeMedia(4, 3);
    const b = makeMedia(3, 4);
    await createLocalBackup(storage, { ...keys, frames: makeFrames(a), media: mediaSource(a), now: T0 });
    await createLocalBackup(storage, { ...keys, frames: makeFrames(b), media: mediaSource(b), now: T0 + 1000 });
    // Both snapshots kept: a's and b's media all present.
    expect((await storage.list('files')).length).toBe(7);
    // Damage one of b's files (truncate): the next run rewrites it.
    const victim = (await storage.list('files')).find((e) =>
      decodeFilesList(storage.files.get('signal-backup-2025-06-15-15-06-41/files')!).includes(e.name.split('/')[2]!),
    )!;
    storage.files.set(victim.name, storage.files.get(victim.name)!.subarray(0, 10));
    // A leftover of an interrupted media write (ours: the temporary of a media name) and a user's file (not ours).
    storage.files.set(`${victim.name.replace(/[^/]+$/, '')}.${victim.name.split('/')[2]}.crash.tmp`, new Uint8Array(3));
    storage.files.set('files/zz/debris.tmp', new Uint8Array(3));
    const r = await createLocalBackup(storage, {
      ...keys,
      frames: makeFrames(b),
      media: mediaSource(b),
      now: T0 + 2000,
    });
    expect(r.mediaWritten).toBe(1);
    // a's snapshot is pruned, so a's 4 media and our debris go; b's 3 stay, and so does the user's file.
    expect(r.filesDeleted).toBe(5);
    expect(r.foreign).toEqual(['files/zz/debris.tmp']);
    expect(storage.files.has('files/zz/debris.tmp')).toBe(true);
    const kept = new Set((await storage.list('files')).map((e) => e.name.split('/')[2]));
    for (const s of await listLocalBackups(storage)) {
      for (const n of decodeFilesList(storage.files.get(`${s.name}/files`)!)) expect(kept.has(n)).toBe(true);
    }
    expect((await verifyLocalBackup(storage, { ...keys, decryptMedia: true })).ok).toBe(true);
  });

  it('verify finds a wrong key, a damaged main, a missing and a corrupt medium', async () => {
    const storage = new MemoryStorage();
    const media = makeMedia(5, 5);
    const { snapshot } = await createLocalBackup(storage, {
      ...keys,
      frames: makeFrames(media),
      media: mediaSource(media),
      now: T0,
    });
    const good = await verifyLocalBackup(storage, { ...keys, decryptMedia: true });
    expect(good).toMatchObject({ ok: true, frames: 5, media: 5, mediaDecrypted: 5, problems: [] });

    const wrong = await verifyLocalBackup(storage, { key: { recoveryKey: 'z'.repeat(64), aci: ACI } });
    expect(wrong.ok).toBe(false);
    expect(wrong.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['METADATA_MISMATCH', 'MAC_MISMATCH']));

    const names = (await storage.list('files')).map((e) => e.name);
    storage.files.delete(names[0]!);
    const blob = storage.files.get(names[1]!)!.slice();
    blob[40]! ^= 1;
    storage.files.set(names[1]!, blob);
    const bad = await verifyLocalBackup(storage, { ...keys, decryptMedia: true });
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'NOT_FOUND', path: names[0] }),
        expect.objectContaining({ code: 'MAC_MISMATCH', path: names[1] }),
      ]),
    );
    // Without decrypting, the flipped bit is not seen, the missing file is.
    expect((await verifyLocalBackup(storage, keys)).problems.map((p) => p.code)).toEqual(['NOT_FOUND']);

    const main = storage.files.get(`${snapshot}/main`)!.slice();
    main[main.length - 1]! ^= 1;
    storage.files.set(`${snapshot}/main`, main);
    expect((await verifyLocalBackup(storage, keys)).problems.map((p) => p.code)).toContain('MAC_MISMATCH');
  });

  it('reads with the recovery key alone (the backup id comes from the metadata); a wrong ACI is reported', async () => {
    const storage = new MemoryStorage();
    const media = makeMedia(3, 3);
    await createLocalBackup(storage, { ...keys, frames: makeFrames(media), media: mediaSource(media), now: T0 });
    // As Signal displays it: groups of four, upper case.
    const shown = AEP.toUpperCase().replace(/(.{4})(?!$)/g, '$1 ');
    const keyOnly = await verifyLocalBackup(storage, { key: { recoveryKey: shown }, decryptMedia: true });
    expect(keyOnly).toMatchObject({ ok: true, frames: 3, media: 3, mediaDecrypted: 3, problems: [] });
    const opened = await openLocalSnapshot(storage, { key: { recoveryKey: AEP } });
    let frames = 0;
    for await (const _ of opened.frames) frames++;
    expect(frames).toBe(3);

    const otherAci = await verifyLocalBackup(storage, {
      key: { recoveryKey: AEP, aci: '22222222-2222-2222-2222-222222222222' },
    });
    expect(otherAci.problems.map((p) => p.code)).toEqual(['METADATA_MISMATCH']);

    // Without readable metadata and without an ACI there is no backup id: a typed error, not a guess.
    storage.files.set(`${(await listLocalBackups(storage))[0]!.name}/metadata`, Uint8Array.of(0xff));
    await expect(openLocalSnapshot(storage, { key: { recoveryKey: AEP } })).rejects.toMatchObject({
      code: 'INVALID_METADATA',
    });
    // Creating needs the ACI (the metadata names the backup id).
    await expect(
      createLocalBackup(new MemoryStorage(), {
        key: { recoveryKey: AEP },
        frames: makeFrames(media),
        media: mediaSource(media),
        now: T0,
      }),
    ).rejects.toThrow(TypeError);
  });

  it('refuses to write a snapshot when media are missing, unless allowed', async () => {
    const storage = new MemoryStorage();
    const media = makeMedia(3, 6);
    const partial = mediaSource(media.slice(1));
    await expect(
      createLocalBackup(storage, { ...keys, frames: makeFrames(media), media: partial, now: T0 }),
    ).rejects.toSatisfy((e) => isBackupError(e, 'NOT_FOUND'));
    expect(await listLocalBackups(storage)).toEqual([]);
    const r = await createLocalBackup(storage, {
      ...keys,
      frames: makeFrames(media),
      media: partial,
      now: T0,
      allowMissingMedia: true,
    });
    // The failed run already stored the two media it had (each atomically); they are reused.
    expect(r).toMatchObject({ mediaMissing: 1, mediaWritten: 0, mediaReused: 2 });
    const v = await verifyLocalBackup(storage, keys);
    expect(v.problems.map((p) => p.code)).toEqual(['MEDIA_NOT_LISTED']);
  });

  it('rejects a medium whose bytes differ from its plaintext hash, writing nothing for it', async () => {
    const storage = new MemoryStorage();
    const media = makeMedia(2, 7, [100]);
    const swapped = () => media[1]!.plaintext; // same size, other content
    await expect(
      createLocalBackup(storage, { ...keys, frames: makeFrames(media), media: swapped, now: T0 }),
    ).rejects.toSatisfy((e) => isBackupError(e, 'PLAINTEXT_HASH_MISMATCH'));
    const name = toHex(sha256(concatBytes(media[0]!.plaintextHash, media[0]!.localKey)));
    expect(storage.files.has(mediaFilePath(name))).toBe(false);
  });

  it('restore gives back the frames and every medium byte for byte', async () => {
    const storage = new MemoryStorage();
    const media = makeMedia(6, 8);
    const binproto = makeFrames(media);
    await createLocalBackup(storage, { ...keys, frames: binproto, media: mediaSource(media), now: T0 });
    expectRestored(await restoreAll(storage), await messages(binproto), media);
  });
});

describe('frames given as a stream', () => {
  it('reads a ReadableStream through its reader (engines without ReadableStream async iteration)', async () => {
    const media = makeMedia(3, 5);
    const binproto = makeFrames(media);
    // Only getReader(): what a ReadableStream offers where it is not async-iterable.
    const readerOnly = () => {
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < binproto.length; i += 100) c.enqueue(binproto.slice(i, i + 100));
          c.close();
        },
      });
      return { getReader: () => stream.getReader() } as unknown as ReadableStream<Uint8Array>;
    };
    const storage = new MemoryStorage();
    const r = await createLocalBackup(storage, { ...keys, frames: readerOnly, media: mediaSource(media), now: T0 });
    expect(r.mediaWritten).toBe(3);
    const verified = await verifyLocalBackup(storage, { ...keys });
    expect(verified.problems).toEqual([]);
    expect(verified.frames).toBeGreaterThan(0);
  });
});

describe('crash safety (fault injection at every storage operation)', () => {
  it('an interrupted create never damages the previous snapshot, and a re-run completes', async () => {
    const first = makeMedia(4, 10, [100, 3000]);
    const second = [...first.slice(2), ...makeMedia(3, 11, [700, 20_000])];
    const firstFrames = makeFrames(first, 1);
    const secondFrames = makeFrames(second, 2);
    const base = new MemoryStorage();
    await createLocalBackup(base, { ...keys, frames: firstFrames, media: mediaSource(first), now: T0 });
    const expectedFirst = await messages(firstFrames);

    // Count the operations of an uninterrupted second run.
    const probe = new MemoryStorage();
    for (const [k, v] of base.files) probe.files.set(k, v);
    const counter = withFaults(probe, { failAfter: Number.POSITIVE_INFINITY });
    await createLocalBackup(counter, {
      ...keys,
      frames: secondFrames,
      media: mediaSource(second),
      now: T0 + 1000,
      concurrency: 1,
    });
    const total = counter.operations;
    expect(total).toBeGreaterThanOrEqual(15);

    for (let k = 0; k < total; k++) {
      const store = new MemoryStorage();
      for (const [name, bytes] of base.files) store.files.set(name, bytes);
      const faulty = withFaults(store, { failAfter: k });
      const run = createLocalBackup(faulty, {
        ...keys,
        frames: secondFrames,
        media: mediaSource(second),
        now: T0 + 1000,
        concurrency: 1,
      });
      // The last 2 operations release the lock (read it, delete it): a fault there leaves a
      // stale lock the next run takes over, and the run itself has succeeded.
      if (k >= total - 2) await expect(run).resolves.toMatchObject({ snapshot: 'signal-backup-2025-06-15-15-06-41' });
      else await expect(run).rejects.toSatisfy((e) => isBackupError(e, 'STORAGE_ERROR'));
      // The first snapshot verifies and restores byte for byte (unless the run got far enough
      // to prune it, which it does only after the new snapshot is complete).
      const names = (await listLocalBackups(store)).map((s) => s.name);
      const complete = names.includes('signal-backup-2025-06-15-15-06-41');
      if (names.includes('signal-backup-2025-06-15-15-06-40')) {
        const v = await verifyLocalBackup(store, {
          ...keys,
          snapshot: 'signal-backup-2025-06-15-15-06-40',
          decryptMedia: true,
        });
        expect(v.problems).toEqual([]);
        expectRestored(await restoreAll(store, 'signal-backup-2025-06-15-15-06-40'), expectedFirst, first);
      } else {
        expect(complete).toBe(true);
      }
      if (complete) {
        const v = await verifyLocalBackup(store, {
          ...keys,
          snapshot: 'signal-backup-2025-06-15-15-06-41',
          decryptMedia: true,
        });
        expect(v.problems).toEqual([]);
      }
      // A re-run completes and leaves a verifying, restorable snapshot and no debris.
      const rerun = await createLocalBackup(store, {
        ...keys,
        frames: secondFrames,
        media: mediaSource(second),
        now: T0 + 2000,
      });
      const v = await verifyLocalBackup(store, { ...keys, snapshot: rerun.snapshot, decryptMedia: true });
      expect(v.problems).toEqual([]);
      expectRestored(await restoreAll(store, rerun.snapshot), await messages(secondFrames), second);
      const listed = new Set<string>();
      for (const s of await listLocalBackups(store)) {
        for (const n of decodeFilesList(await readAll(store, `${s.name}/files`))) listed.add(n);
      }
      expect((await store.list('files')).map((e) => e.name).sort()).toEqual([...listed].map(mediaFilePath).sort());
      expect((await store.children('')).filter((n) => n.endsWith('-tmp'))).toEqual([]);
    }
  });
});
