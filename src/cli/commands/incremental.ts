/** `sbackup plan` and `sbackup local create|verify|list|restore`: incremental media. */

import { createReadStream } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BackupError } from '../../errors.js';
import { splitBackupStream } from '../../frames/stream.js';
import { deriveMediaId } from '../../keys/hierarchy.js';
import { createLocalBackup, type LocalBackupProgress } from '../../incremental/localFolder.js';
import { listLocalBackups, openLocalSnapshot, verifyLocalBackup } from '../../incremental/localRead.js';
import { type MediaReference, planMedia, type StoredObject } from '../../incremental/plan.js';
import {
  backupInfoTime,
  locatorsOfFrameBytes,
  type MediaLocator,
  mediaTierReferences,
} from '../../incremental/references.js';
import { mediaIdToBase64Url } from '../../media/names.js';
import { nodeBackend } from '../../node/backend.js';
import { fsStorage } from '../../node/fsStorage.js';
import { findLocalBackup } from '../../node/findBackup.js';
import { directoryMediaSource } from '../../node/mediaDirectory.js';
import {
  aciOption,
  type CliContext,
  command,
  EXIT_OK,
  EXIT_REJECTED,
  hex,
  inputFile,
  limitOptions,
  limitsOf,
  parse,
  printJson,
  recoveryKeyOption,
  requireOption,
  UsageError,
  writeOutput,
} from '../io.js';

/** Read size of a .binproto: small enough that a chunk of empty frames stays small in memory. */
const FRAMES_CHUNK = 64 * 1024;

const keyOptions = { aep: { type: 'string' }, 'key-file': { type: 'string' }, aci: { type: 'string' } } as const;

/**
 * The key options of a local command. Reading needs the recovery key alone (the backup id is in
 * the snapshot's metadata; a given --aci is checked against it); creating needs --aci too.
 */
async function keysOf(values: { aep?: string; 'key-file'?: string; aci?: string }, ctx: CliContext, needAci = false) {
  const recoveryKey = await recoveryKeyOption(values.aep, ctx, values['key-file']);
  const aci = needAci ? requireOption(aciOption(values.aci), 'aci') : aciOption(values.aci);
  return { key: { recoveryKey, ...(aci === undefined ? {} : { aci }) }, backend: nodeBackend };
}

/**
 * The backup folder and snapshot a reading command works on: `<path>` found as Android finds it
 * (the SignalBackups folder, its parent, or one snapshot directory), and `--snapshot`.
 */
async function locate(path: string, snapshot: string | undefined): Promise<{ root: string; snapshot?: string }> {
  const found = await findLocalBackup(path);
  if (snapshot !== undefined && found.snapshot !== undefined && snapshot !== found.snapshot) {
    throw new UsageError(`--snapshot ${snapshot} differs from the snapshot directory given (${found.snapshot})`);
  }
  const chosen = snapshot ?? found.snapshot;
  return { root: found.root, ...(chosen === undefined ? {} : { snapshot: chosen }) };
}

function integerOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name}: expected a non-negative integer`);
  }
  return Number(value);
}

/** A progress bar on stderr when it is a terminal; nothing otherwise. */
function progressBar(ctx: CliContext) {
  if (!ctx.stderr.isTTY) return { update: (_p: LocalBackupProgress) => {}, done: () => {} };
  let last = '';
  return {
    update(p: LocalBackupProgress) {
      const line =
        p.total > 0
          ? `${p.phase} [${'#'.repeat(Math.floor((25 * p.done) / p.total)).padEnd(25, '.')}] ${p.done}/${p.total}`
          : `${p.phase} ${p.done}`;
      if (line === last) return;
      last = line;
      ctx.stderr.write(`\r\x1b[K${line}`);
    },
    done() {
      if (last !== '') ctx.stderr.write('\r\x1b[K');
    },
  };
}

/** JSON cannot hold Infinity: unlimited values print as null. */
const finite = (n: number) => (Number.isFinite(n) ? n : null);

function parseInventory(text: string): StoredObject[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BackupError('INVALID_JSON', `--inventory: not JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(json)
    ? json
    : ((json as { media?: unknown; objects?: unknown })?.media ?? (json as { objects?: unknown })?.objects);
  if (!Array.isArray(list))
    throw new BackupError('INVALID_JSON', '--inventory: expected an array of {mediaId, size} (or {"media": [...]})');
  return list.map((o, i) => {
    const x = o as { mediaId?: unknown; size?: unknown; objectLength?: unknown };
    const size = x.size ?? x.objectLength;
    if (typeof x.mediaId !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new BackupError(
        'INVALID_JSON',
        `--inventory: entry ${i} needs a string mediaId and a non-negative integer size`,
      );
    }
    return { mediaId: x.mediaId, size };
  });
}

export const plan = command({
  summary: 'plan media uploads / deletions against a media-tier listing (JSON)',
  usage: `sbackup plan --frames <in.binproto> --inventory <listing.json> --tier free|paid [--quota <bytes>] [--max-object <bytes>] [--window-days <n>] [--thumbnails on|off] [--now <ms>]

Reads the backup's frames (varint-delimited BackupInfo + Frames), derives each medium's media id
from BackupInfo.mediaRootBackupKey, and plans against the listing ([{"mediaId", "size"}], as the
media tier's list call returns). Prints the plan: upload, keep, delete, skipped (with reasons),
byte totals and quota headroom (null = unlimited). Defaults: free = no quota, 45-day window, no
thumbnails; paid = 100 GiB, no window, thumbnails; both: 101 MiB per object.`,
  async run(args, ctx) {
    const { values } = parse(
      args,
      {
        frames: { type: 'string' },
        inventory: { type: 'string' },
        tier: { type: 'string' },
        quota: { type: 'string' },
        'max-object': { type: 'string' },
        'window-days': { type: 'string' },
        thumbnails: { type: 'string' },
        now: { type: 'string' },
      },
      { min: 0, max: 0 },
    );
    const tier = requireOption(values.tier, 'tier');
    if (tier !== 'free' && tier !== 'paid') throw new UsageError('--tier: expected free or paid');
    if (values.thumbnails !== undefined && values.thumbnails !== 'on' && values.thumbnails !== 'off') {
      throw new UsageError('--thumbnails: expected on or off');
    }
    const quotaBytes = integerOption(values.quota, 'quota');
    const maxObjectBytes = integerOption(values['max-object'], 'max-object');
    const mediaWindowDays = integerOption(values['window-days'], 'window-days');
    const now = integerOption(values.now, 'now') ?? Date.now();
    const stored = parseInventory(await readFile(requireOption(values.inventory, 'inventory'), 'utf8'));
    const framesPath = requireOption(values.frames, 'frames');
    await inputFile(framesPath);

    const locators: MediaLocator[] = [];
    let rootKey: Uint8Array | undefined;
    let timeMs = 0;
    // Streamed in small chunks: one huge chunk of empty frames would be split into millions of views at once.
    const chunks = createReadStream(framesPath, { highWaterMark: FRAMES_CHUNK }) as AsyncIterable<Uint8Array>;
    for await (const m of splitBackupStream(chunks)) {
      if (m.index === 0) {
        const { info, timeMs: t } = backupInfoTime(m.bytes);
        timeMs = t;
        rootKey = info.mediaRootBackupKey ?? undefined;
      } else locators.push(...locatorsOfFrameBytes(m.bytes, m.index, timeMs));
    }
    if (rootKey === undefined || rootKey.length !== 32) {
      throw new BackupError(
        'INVALID_BACKUP',
        'the BackupInfo has no 32-byte mediaRootBackupKey; media ids cannot be derived',
      );
    }
    const key = rootKey;
    const refs: MediaReference[] = mediaTierReferences(locators).map((r) => ({
      ...r,
      mediaId: mediaIdToBase64Url(deriveMediaId(key, r.mediaName)),
    }));
    const p = planMedia(refs, stored, {
      tier,
      now,
      ...(quotaBytes === undefined ? {} : { quotaBytes }),
      ...(maxObjectBytes === undefined ? {} : { maxObjectBytes }),
      ...(mediaWindowDays === undefined ? {} : { mediaWindowDays }),
      ...(values.thumbnails === undefined ? {} : { thumbnails: values.thumbnails === 'on' }),
    });
    const item = (x: { mediaId: string; mediaName: string; bytes: number; sentAtMs: number; thumbnail: boolean }) => ({
      mediaId: x.mediaId,
      mediaName: x.mediaName,
      bytes: x.bytes,
      sentAtMs: x.sentAtMs,
      thumbnail: x.thumbnail,
    });
    printJson(ctx, {
      policy: {
        ...p.policy,
        quotaBytes: finite(p.policy.quotaBytes),
        maxObjectBytes: finite(p.policy.maxObjectBytes),
        mediaWindowDays: finite(p.policy.mediaWindowDays),
      },
      totals: { ...p.totals, quotaBytes: finite(p.totals.quotaBytes), headroomBytes: finite(p.totals.headroomBytes) },
      counts: { upload: p.upload.length, keep: p.keep.length, delete: p.delete.length, skipped: p.skipped.length },
      upload: p.upload.map((u) => ({ ...item(u), replaces: u.replaces })),
      keep: p.keep.map(item),
      delete: p.delete,
      skipped: p.skipped.map((s) => ({ ...item(s), reason: s.reason, stored: s.stored })),
    });
    return EXIT_OK;
  },
});

export const localCreate = command({
  summary: 'write a snapshot into a local backup folder, copying only new media',
  usage: `sbackup local create --aep <AEP> --aci <uuid> --frames <in.binproto> --media <dir> --to <folder> [--keep <n>] [--allow-missing] [--now <ms>] [--max-frame-bytes <n>]

Writes the media the folder lacks (files under <dir> with any names, matched to the frames'
attachments by SHA-256 = plaintextHash; each encrypted under its FilePointer's localKey), then the
snapshot (main, metadata, files) under a temporary name renamed into place, then keeps the newest
<n> snapshots (default 2) and deletes media no kept snapshot references. Prints a JSON summary.
Without --allow-missing, a medium missing from <dir> rejects the run (exit 1, no snapshot).
Only the folder's own names are ever deleted; anything else is left alone and listed in
"foreign". A lock (.sbackup-lock) keeps a second run out (exit 1 naming the run that holds it).`,
  async run(args, ctx) {
    const { values } = parse(
      args,
      {
        ...keyOptions,
        frames: { type: 'string' },
        media: { type: 'string' },
        to: { type: 'string' },
        keep: { type: 'string' },
        'allow-missing': { type: 'boolean' },
        now: { type: 'string' },
        'max-frame-bytes': limitOptions['max-frame-bytes'],
      },
      { min: 0, max: 0 },
    );
    const keys = await keysOf(values, ctx, true);
    const limits = limitsOf(values);
    const framesPath = requireOption(values.frames, 'frames');
    const media = directoryMediaSource(requireOption(values.media, 'media'));
    const to = requireOption(values.to, 'to');
    const keepSnapshots = integerOption(values.keep, 'keep');
    if (keepSnapshots === 0) throw new UsageError('--keep: expected at least 1');
    const now = integerOption(values.now, 'now');
    const bar = progressBar(ctx);
    // Read twice (media first, then the snapshot), streamed: bounded memory whatever its size.
    await inputFile(framesPath, true);
    const frames = () => createReadStream(framesPath, { highWaterMark: FRAMES_CHUNK }) as AsyncIterable<Uint8Array>;
    try {
      const r = await createLocalBackup(fsStorage(to), {
        ...keys,
        ...(limits.maxFrameBytes === undefined ? {} : { maxFrameBytes: limits.maxFrameBytes }),
        frames,
        media,
        ...(keepSnapshots === undefined ? {} : { keepSnapshots }),
        ...(now === undefined ? {} : { now }),
        allowMissingMedia: values['allow-missing'] === true,
        onProgress: bar.update,
      });
      bar.done();
      printJson(ctx, { ...r, filesHashed: media.filesHashed });
    } finally {
      bar.done();
    }
    return EXIT_OK;
  },
});

const FOLDER_USAGE = `<folder> is the SignalBackups folder, the folder holding it (the one chosen on the phone), a
folder that looks like one (signal-backup-YYYY-MM-DD-HH-mm-ss snapshot directories, files/), or
one snapshot directory (then that snapshot is read); the newest complete snapshot by default,
--snapshot <name> for another. An empty or unrecognised folder exits 1. The recovery key alone
reads it (the backup id is in the snapshot's metadata; a given --aci is checked against it); it
comes from --aep <key>, --aep - (stdin), --key-file <path> (first line), SBACKUP_AEP, or, when
stdin is a terminal, a prompt with echo off.`;

export const localVerify = command({
  summary: 'verify a local backup snapshot (MAC, every frame, media present, rollback; optionally decrypt)',
  usage: `sbackup local verify [--aep <AEP> | --key-file <path>] [--aci <uuid>] <folder> [--snapshot <name>] [--decrypt-media all|<n>] [--max-age-hours <h>] [--max-decompressed-bytes <n>] [--max-frame-bytes <n>]

${FOLDER_USAGE}

Checks the snapshot: its metadata, the main file's MAC, that every frame
decodes, that every medium is listed and present with the right size, and that it is no rollback
(its backup is not older than an earlier snapshot's, its main is no copy of an earlier one; with
--max-age-hours, not older than its name by more than that); --decrypt-media decrypts all media
or a random sample of <n>. Prints {"ok", "problems", "foreign", ...}; exit 1 when a problem is
found (foreign files are listed, not problems).`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      {
        ...keyOptions,
        ...limitOptions,
        snapshot: { type: 'string' },
        'decrypt-media': { type: 'string' },
        'max-age-hours': { type: 'string' },
      },
      { min: 1, max: 1 },
    );
    // Options first (a bad one is a usage error whatever the path), then the folder, then the key.
    const limits = limitsOf(values);
    const d = values['decrypt-media'];
    const decryptMedia = d === undefined ? false : d === 'all' ? true : integerOption(d, 'decrypt-media');
    const maxAgeHours = integerOption(values['max-age-hours'], 'max-age-hours');
    const where = await locate(positionals[0]!, values.snapshot);
    const keys = await keysOf(values, ctx);
    const r = await verifyLocalBackup(fsStorage(where.root), {
      ...keys,
      ...limits,
      ...(where.snapshot === undefined ? {} : { snapshot: where.snapshot }),
      ...(decryptMedia === undefined ? {} : { decryptMedia }),
      ...(maxAgeHours === undefined ? {} : { maxBackupAgeMs: maxAgeHours * 3_600_000 }),
    });
    printJson(ctx, r);
    return r.ok ? EXIT_OK : EXIT_REJECTED;
  },
});

export const localList = command({
  summary: 'list the snapshots of a local backup folder (JSON)',
  usage: `sbackup local list <folder>

${FOLDER_USAGE}

Prints the folder's snapshots, newest first: name, date (UTC, from the name), bytes, media count
and whether all three files are present. Needs no key (key options are accepted and ignored).`,
  async run(args, ctx) {
    const { positionals } = parse(args, { ...keyOptions }, { min: 1, max: 1 });
    const { root } = await findLocalBackup(positionals[0]!);
    const snapshots = await listLocalBackups(fsStorage(root));
    printJson(ctx, { snapshots: snapshots.map((s) => ({ ...s, date: new Date(s.timeMs).toISOString() })) });
    return EXIT_OK;
  },
});

export const localRestore = command({
  summary: 'restore a local backup snapshot: frames (.binproto) and media plaintexts',
  usage: `sbackup local restore [--aep <AEP> | --key-file <path>] [--aci <uuid>] <folder> --out <dir> [--snapshot <name>] [--no-clobber] [--max-decompressed-bytes <n>] [--max-frame-bytes <n>]

${FOLDER_USAGE}

Opens the snapshot, checks its MAC, and writes <dir>/frames.binproto
(varint-delimited BackupInfo + Frames) and each medium's plaintext as <dir>/media/<plaintextHash hex>.
Every medium is checked (MAC, size, plaintext hash) before a byte of it is written. Outputs are
plaintext: files are created 0600 and directories 0700. Prints a JSON summary; exit 1 when some
media are missing or damaged (the rest are still written).`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      {
        ...keyOptions,
        ...limitOptions,
        snapshot: { type: 'string' },
        out: { type: 'string' },
        'no-clobber': { type: 'boolean' },
      },
      { min: 1, max: 1 },
    );
    const out = requireOption(values.out, 'out');
    const limits = limitsOf(values);
    const where = await locate(positionals[0]!, values.snapshot);
    const keys = await keysOf(values, ctx);
    if (resolve(out) === resolve(where.root) || resolve(out) === resolve(positionals[0]!)) {
      throw new UsageError('--out is the backup folder itself; restore into another directory');
    }
    const opened = await openLocalSnapshot(fsStorage(where.root), {
      ...keys,
      ...limits,
      ...(where.snapshot === undefined ? {} : { snapshot: where.snapshot }),
    });
    const made = await mkdir(join(out, 'media'), { recursive: true, mode: 0o700 });
    // Directories made now are private (mkdir's mode passes through the umask; the first made is `made`).
    if (made !== undefined) {
      for (let dir = resolve(out, 'media'); ; dir = dirname(dir)) {
        await chmod(dir, 0o700);
        if (dir === resolve(made) || dirname(dir) === dir) break;
      }
    }
    const noClobber = values['no-clobber'];
    let frames = 0;
    await writeOutput(join(out, 'frames.binproto'), { plaintext: true, noClobber }, async (w) => {
      await w.writeDelimited(opened.backupInfo);
      for await (const f of opened.frames) {
        await w.writeDelimited(f);
        frames++;
      }
    });
    const bar = progressBar(ctx);
    const entries = [...opened.media.values()];
    const problems: { code: string; message: string; path: string }[] = [];
    let bytes = 0;
    let written = 0;
    for (const [i, entry] of entries.entries()) {
      try {
        await writeOutput(join(out, 'media', hex(entry.plaintextHash)), { plaintext: true, noClobber }, async (w) => {
          for await (const chunk of opened.readMedia(entry)) {
            await w.write(chunk);
            bytes += chunk.length;
          }
        });
        written++;
      } catch (e) {
        // A failing output (no space, read-only) stops the restore; a damaged medium is a problem.
        if (!(e instanceof BackupError) || e.code === 'STORAGE_ERROR') throw e;
        problems.push({ code: e.code, message: e.message, path: entry.path });
      }
      bar.update({ phase: 'restore', done: i + 1, total: entries.length });
    }
    bar.done();
    printJson(ctx, {
      ok: problems.length === 0,
      snapshot: opened.snapshot,
      frames,
      media: written,
      mediaBytes: bytes,
      problems,
    });
    return problems.length === 0 ? EXIT_OK : EXIT_REJECTED;
  },
});
