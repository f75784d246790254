import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/internal/bytes.js';
import { deriveMediaId } from '../../src/keys/hierarchy.js';
import { mediaIdToBase64Url, mediaName } from '../../src/media/names.js';
import { mediaTierCiphertextSize } from '../../src/media/padding.js';
import { ACI, AEP, makeFrames, makeMedia, prng, T0 } from '../incremental/fixtures.js';
import { cli } from '../helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-cli-inc-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const keyArgs = ['--aep', AEP, '--aci', ACI];

describe('sbackup local', () => {
  it('create → create (incremental) → list → verify → restore round-trips frames and media', async () => {
    const media = makeMedia(6, 41);
    const frames = makeFrames(media);
    await writeFile(join(dir, 'in.binproto'), frames);
    await mkdir(join(dir, 'media', 'sub'), { recursive: true });
    // Any names, any layout: matched by content.
    for (const [i, m] of media.entries())
      await writeFile(join(dir, 'media', i % 2 ? 'sub' : '', `IMG_${i}.bin`), m.plaintext);
    await writeFile(join(dir, 'media', 'unrelated.txt'), 'not a medium');
    const folder = join(dir, 'SignalBackups');
    const create = [
      'local',
      'create',
      ...keyArgs,
      '--frames',
      join(dir, 'in.binproto'),
      '--media',
      join(dir, 'media'),
      '--to',
      folder,
    ];

    const first = await cli([...create, '--now', String(T0)]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      snapshot: 'signal-backup-2025-06-15-15-06-40',
      mediaWritten: 6,
      mediaReused: 0,
      filesDeleted: 0,
    });

    const second = await cli([...create, '--now', String(T0 + 5000)]);
    expect(JSON.parse(second.stdout)).toMatchObject({
      mediaWritten: 0,
      mediaReused: 6,
      mediaBytesWritten: 0,
      filesHashed: 0,
    });

    const list = JSON.parse((await cli(['local', 'list', folder])).stdout);
    expect(list.snapshots.map((s: { name: string; mediaCount: number }) => [s.name, s.mediaCount])).toEqual([
      ['signal-backup-2025-06-15-15-06-45', 6],
      ['signal-backup-2025-06-15-15-06-40', 6],
    ]);
    expect(list.snapshots[0].date).toBe('2025-06-15T15:06:45.000Z');

    const verify = await cli(['local', 'verify', ...keyArgs, folder, '--decrypt-media', 'all']);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, frames: 6, media: 6, mediaDecrypted: 6, problems: [] });

    const out = join(dir, 'out');
    const restore = await cli([
      'local',
      'restore',
      ...keyArgs,
      folder,
      '--out',
      out,
      '--snapshot',
      'signal-backup-2025-06-15-15-06-40',
    ]);
    expect(restore.code).toBe(0);
    expect(JSON.parse(restore.stdout)).toMatchObject({ ok: true, frames: 6, media: 6 });
    expect(new Uint8Array(await readFile(join(out, 'frames.binproto')))).toEqual(frames);
    for (const m of media)
      expect(new Uint8Array(await readFile(join(out, 'media', toHex(m.plaintextHash))))).toEqual(m.plaintext);
    expect((await readdir(join(out, 'media'))).length).toBe(6);

    // Damage: verify reports and exits 1; a missing medium rejects create (exit 1, no snapshot).
    const shard = (await readdir(join(folder, 'files')))[0]!;
    const file = (await readdir(join(folder, 'files', shard)))[0]!;
    await rm(join(folder, 'files', shard, file));
    const bad = await cli(['local', 'verify', ...keyArgs, folder]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).problems[0]).toMatchObject({ code: 'NOT_FOUND' });
    await rm(join(dir, 'media'), { recursive: true });
    await mkdir(join(dir, 'media'));
    const missing = await cli([...create, '--now', String(T0 + 9000)]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing/);
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['local', 'create', ...keyArgs])).code).toBe(2);
    expect((await cli(['local', 'verify', ...keyArgs])).code).toBe(2);
    expect((await cli(['local', 'list'])).code).toBe(2);
    expect((await cli(['plan', '--tier', 'gold', '--frames', 'x', '--inventory', 'y'])).code).toBe(2);
    expect((await cli(['local', 'nope'])).code).toBe(2);
  });
});

describe('sbackup plan', () => {
  it('plans against a listing: keeps what is there, uploads the rest newest first, deletes orphans', async () => {
    const media = makeMedia(4, 51, [1000]);
    const frames = makeFrames(media, 7);
    await writeFile(join(dir, 'in.binproto'), frames);
    const rootKey = prng(7)(32); // makeFrames' mediaRootBackupKey
    const id = (i: number) =>
      mediaIdToBase64Url(deriveMediaId(rootKey, mediaName(media[i]!.plaintextHash, media[i]!.key)));
    const size = mediaTierCiphertextSize(1000);
    await writeFile(
      join(dir, 'inv.json'),
      JSON.stringify([
        { mediaId: id(0), size },
        { mediaId: 'AAAAAAAAAAAAAAAAAAAA', size: 5 },
      ]),
    );
    const r = await cli([
      'plan',
      '--frames',
      join(dir, 'in.binproto'),
      '--inventory',
      join(dir, 'inv.json'),
      '--tier',
      'paid',
      '--thumbnails',
      'off',
      '--now',
      String(T0),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.keep.map((k: { mediaId: string }) => k.mediaId)).toEqual([id(0)]);
    expect(p.upload.map((u: { mediaId: string }) => u.mediaId)).toEqual([id(3), id(2), id(1)]);
    expect(p.delete).toEqual([{ mediaId: 'AAAAAAAAAAAAAAAAAAAA', size: 5 }]);
    // Thumbnails of the images/videos are skipped as excluded (thumbnails off).
    expect(p.counts).toEqual({ upload: 3, keep: 1, delete: 1, skipped: 4 });
    expect(p.totals).toMatchObject({
      uploadBytes: 3 * size,
      keepBytes: size,
      deleteBytes: 5,
      quotaBytes: 107_374_182_400,
    });
    // Free tier: no quota (null in JSON), 45-day window.
    const free = JSON.parse(
      (
        await cli([
          'plan',
          '--frames',
          join(dir, 'in.binproto'),
          '--inventory',
          join(dir, 'inv.json'),
          '--tier',
          'free',
          '--now',
          String(T0),
        ])
      ).stdout,
    );
    expect(free.totals.quotaBytes).toBeNull();
    expect(free.policy).toMatchObject({ tier: 'free', mediaWindowDays: 45, thumbnails: false });
  });
});
