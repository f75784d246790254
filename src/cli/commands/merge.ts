/** `sbackup merge`: two backups of one account merged into a new local backup folder. */

import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { BackupReader } from '../../api/reader.js';
import { BackupWriter } from '../../api/writer.js';
import { BackupError } from '../../errors.js';
import { decodeBackupInfo, decodeFrame, type Frame } from '../../frames/codec.js';
import { createLocalBackup, folderContents, localBackupKeys, mediaFilePath } from '../../incremental/localFolder.js';
import { decodeLocalMetadata } from '../../incremental/localFormat.js';
import { openLocalSnapshot } from '../../incremental/localRead.js';
import { type BackupStorage, readAll } from '../../incremental/storage.js';
import { constantTimeEqual } from '../../internal/bytes.js';
import { deriveBackupId, deriveMessageBackupKey } from '../../keys/hierarchy.js';
import { decryptAttachmentStream } from '../../media/attachment.js';
import { ciphertextSize } from '../../media/padding.js';
import { type LocalMediumQuery, type MergedBackup, type MergeSource, mergeBackups } from '../../merge/merge.js';
import { nodeBackend } from '../../node/backend.js';
import { fileSource } from '../../node/file.js';
import { findLocalBackup } from '../../node/findBackup.js';
import { fsStorage } from '../../node/fsStorage.js';
import {
  aciOption,
  type CliContext,
  command,
  EXIT_OK,
  hexOption,
  limitOptions,
  limitsOf,
  parse,
  printJson,
  recoveryKeyOption,
  UsageError,
} from '../io.js';

/** One opened input. */
interface Input {
  /** What the summary says about it. */
  describe: { path: string; kind: 'folder' | 'file'; snapshot?: string; backupTimeMs: string };
  source: MergeSource;
  /** The backup id its snapshot's metadata names (folders). */
  backupId: Uint8Array | undefined;
  /** The folder's storage (folders). */
  storage: BackupStorage | undefined;
  /** The folder's root, resolved (folders), or the file, resolved. */
  root: string;
}

interface Keys {
  recoveryKey: string;
  aci: Uint8Array | undefined;
}

async function* decoded(frames: AsyncIterable<Uint8Array>): AsyncGenerator<Frame> {
  for await (const f of frames) yield decodeFrame(f);
}

async function openInput(
  path: string,
  which: 'older' | 'newer',
  keys: Keys,
  values: Record<string, string | boolean | undefined>,
): Promise<Input> {
  const info = await stat(path);
  const snapshotOption = values[`${which}-snapshot`] as string | undefined;
  const token = hexOption(values[`${which}-fs-token`] as string | undefined, `${which}-fs-token`, 32);
  const limits = limitsOf(values as { 'max-decompressed-bytes'?: string; 'max-frame-bytes'?: string });
  if (info.isDirectory()) {
    if (token !== undefined) throw new UsageError(`--${which}-fs-token is for a backup file, not a folder`);
    const found = await findLocalBackup(path);
    if (snapshotOption !== undefined && found.snapshot !== undefined && snapshotOption !== found.snapshot) {
      throw new UsageError(`--${which}-snapshot ${snapshotOption} differs from the snapshot directory given`);
    }
    const storage = fsStorage(found.root);
    const options = {
      key: { recoveryKey: keys.recoveryKey, ...(keys.aci === undefined ? {} : { aci: keys.aci }) },
      backend: nodeBackend,
      ...limits,
    };
    const wanted = snapshotOption ?? found.snapshot;
    // The first open picks the snapshot (and checks the MAC); every pass reads that one again.
    let first: Awaited<ReturnType<typeof openLocalSnapshot>> | undefined = await openLocalSnapshot(storage, {
      ...options,
      ...(wanted === undefined ? {} : { snapshot: wanted }),
    });
    const snapshot = first.snapshot;
    const backupInfo = decodeBackupInfo(first.backupInfo);
    let backupId: Uint8Array | undefined;
    try {
      const lk = localBackupKeys({ key: { recoveryKey: keys.recoveryKey } });
      backupId = decodeLocalMetadata(lk.localMetadataKey, await readAll(storage, `${snapshot}/metadata`));
    } catch (e) {
      if ((e as BackupError)?.code === 'STORAGE_ERROR') throw e;
    }
    return {
      describe: { path, kind: 'folder', snapshot, backupTimeMs: String(backupInfo.backupTimeMs ?? 0) },
      backupId,
      storage,
      root: resolve(found.root),
      source: {
        backupInfo,
        frames: () =>
          (async function* () {
            const opened = first ?? (await openLocalSnapshot(storage, { ...options, snapshot }));
            first = undefined;
            yield* decoded(opened.frames);
          })(),
      },
    };
  }
  if (snapshotOption !== undefined) throw new UsageError(`--${which}-snapshot is for a backup folder, not a file`);
  if (keys.aci === undefined) throw new UsageError(`the ${which} backup is a file: its key needs --aci`);
  const backupKey = localBackupKeys({ key: { recoveryKey: keys.recoveryKey } }).backupKey;
  const key = deriveMessageBackupKey(backupKey, deriveBackupId(backupKey, keys.aci), token);
  const source = await fileSource(path);
  let first: BackupReader | undefined = await BackupReader.open(source, { key, backend: nodeBackend, ...limits });
  const backupInfo = first.backupInfo;
  return {
    describe: { path, kind: 'file', backupTimeMs: String(backupInfo.backupTimeMs ?? 0) },
    backupId: undefined,
    storage: undefined,
    root: resolve(path),
    source: {
      backupInfo,
      frames: () =>
        (async function* () {
          const reader = first ?? (await BackupReader.open(source, { key, backend: nodeBackend, ...limits }));
          first = undefined;
          yield* reader.frames();
        })(),
    },
  };
}

/** True when `child` is `parent` or lies inside it. */
const inside = (child: string, parent: string) => {
  const r = relative(parent, child);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
};

/** Refuses an output that would touch an input, or that holds anything but leftovers of an interrupted merge. */
async function checkOutput(to: string, inputs: Input[]): Promise<void> {
  const target = resolve(to);
  for (const i of inputs) {
    if (inside(target, i.root) || inside(i.root, target)) {
      throw new UsageError(`--to ${to} overlaps the input ${i.describe.path}; merge into a new folder`);
    }
  }
  const s = await stat(target).catch(() => undefined);
  if (s === undefined) return;
  if (!s.isDirectory()) throw new UsageError(`--to ${to} is a file; name a new or empty folder`);
  const contents = await folderContents(fsStorage(target));
  if (contents.snapshots.length > 0 || contents.foreign.length > 0) {
    throw new UsageError(
      `--to ${to} is not empty; merge into a new or empty folder (the inputs and other backups are never touched)`,
    );
  }
  // Only leftovers of an interrupted run (media, temporary snapshots, the lock): this run completes it.
}

/** Where each local medium the merged backup keeps comes from. */
interface MediumSource {
  storage: BackupStorage;
  query: LocalMediumQuery;
  from: 'older' | 'newer';
}

async function plaintextOf(merged: MergedBackup, writer: BackupWriter) {
  let media = 0;
  let frames = 0;
  for await (const _ of writer.plaintext(merged.content(), (r) => {
    media = r.media.length;
    frames = r.frames;
  })) {
    // Drained: the writer checks every frame with the validator's rules.
  }
  return { media, frames };
}

export const merge = command({
  summary: 'merge two backups of one account into a new local backup folder Signal accepts',
  usage: `sbackup merge <older> <newer> --to <folder> [--dry-run] [--aep <AEP> | --key-file <path>] [--aci <uuid>] [--older-snapshot <name>] [--newer-snapshot <name>] [--older-fs-token <hex>] [--newer-fs-token <hex>] [--max-decompressed-bytes <n>] [--max-frame-bytes <n>]

<older> and <newer> are local backup folders (the SignalBackups folder, the folder holding it, or
one snapshot directory; the newest complete snapshot unless --older-snapshot / --newer-snapshot)
or backup files as \`sbackup decrypt\` takes them (they need --aci, and a modern file its
--older-fs-token / --newer-fs-token). One recovery key opens both (--aep, --aep -, --key-file,
SBACKUP_AEP, or a prompt when stdin is a terminal).

The merged backup: recipients, chats and static records (sticker packs, calls, notification
profiles, chat folders) deduplicated by identity with <newer> winning; chat items deduplicated by
(chat, author, sent time), the union kept; disappearing messages that would now expire too soon
dropped; media copied once from whichever input holds them (a pointer whose medium neither folder
holds loses its local copy). Every frame is checked with libsignal's rules before anything is kept.

Output: a new local backup folder at --to (written as \`local create\` writes: media, then the
snapshot under a temporary name renamed into place). --to must not exist, be empty, or hold only
the leftovers of an interrupted merge (which this run completes); it never overlaps an input. The
snapshot's backup id is the one the newer folder's snapshot metadata names; when the newer input
is a file or its metadata cannot be read, it comes from --aci (then required). Inputs whose
snapshots name different backup ids are of different accounts and are refused. Prints a summary
JSON; --dry-run prints the counts (records, chat items kept / deduplicated / dropped, media)
without writing anything.`,
  async run(args, ctx: CliContext) {
    const { values, positionals } = parse(
      args,
      {
        aep: { type: 'string' },
        'key-file': { type: 'string' },
        aci: { type: 'string' },
        to: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'older-snapshot': { type: 'string' },
        'newer-snapshot': { type: 'string' },
        'older-fs-token': { type: 'string' },
        'newer-fs-token': { type: 'string' },
        ...limitOptions,
      },
      { min: 2, max: 2 },
    );
    const dryRun = values['dry-run'] === true;
    const to = values.to;
    if (to === undefined && !dryRun) throw new UsageError('missing option --to (or --dry-run)');
    limitsOf(values);
    const aci = aciOption(values.aci);
    const recoveryKey = await recoveryKeyOption(values.aep, ctx, values['key-file']);
    const keys: Keys = { recoveryKey, aci };
    const older = await openInput(positionals[0]!, 'older', keys, values);
    const newer = await openInput(positionals[1]!, 'newer', keys, values);
    if (older.root === newer.root && older.describe.snapshot === newer.describe.snapshot) {
      throw new UsageError('<older> and <newer> are the same backup');
    }
    if (to !== undefined) await checkOutput(to, [older, newer]);

    // The account: both snapshots must name one backup id, and it must be the ACI's when one is given.
    const local = localBackupKeys({ key: { recoveryKey, ...(aci === undefined ? {} : { aci }) } });
    if (
      older.backupId !== undefined &&
      newer.backupId !== undefined &&
      !constantTimeEqual(older.backupId, newer.backupId)
    ) {
      throw new BackupError(
        'INVALID_BACKUP',
        'the two backups are of different accounts (their snapshots name different backup ids); nothing was written',
      );
    }
    for (const input of [older, newer]) {
      if (
        input.backupId !== undefined &&
        local.backupId !== undefined &&
        !constantTimeEqual(input.backupId, local.backupId)
      ) {
        throw new BackupError(
          'INVALID_BACKUP',
          `the ${input === older ? 'older' : 'newer'} backup's snapshot names another backup id than --aci's (another account); nothing was written`,
        );
      }
    }
    const backupId = newer.backupId ?? local.backupId;
    if (backupId === undefined && !dryRun) {
      throw new UsageError("the newer backup's id cannot be read from its snapshot metadata: give --aci");
    }

    // Media: a medium is kept when a folder input holds its file with the right size (newer first).
    const media = new Map<string, MediumSource | null>();
    const hasLocalMedium = async (q: LocalMediumQuery): Promise<boolean> => {
      const known = media.get(q.localName);
      if (known !== undefined) return known !== null;
      let found: MediumSource | null = null;
      for (const [input, from] of [
        [newer, 'newer'],
        [older, 'older'],
      ] as const) {
        if (input.storage === undefined) continue;
        if ((await input.storage.stat(mediaFilePath(q.localName))) === ciphertextSize(q.size)) {
          found = { storage: input.storage, query: q, from };
          break;
        }
      }
      media.set(q.localName, found);
      return found !== null;
    };
    const merged = await mergeBackups(older.source, newer.source, { hasLocalMedium, backend: nodeBackend });
    const writer = new BackupWriter({
      purpose: 'remote',
      key: deriveMessageBackupKey(local.backupKey, backupId ?? new Uint8Array(16)),
      mediaLayout: 'local',
    });
    const mediaSummary = () => {
      const kept = [...media.values()].filter((m): m is MediumSource => m !== null);
      return {
        local: kept.length,
        fromNewer: kept.filter((m) => m.from === 'newer').length,
        fromOlder: kept.filter((m) => m.from === 'older').length,
        unavailable: [...media.values()].filter((m) => m === null).length,
      };
    };
    const inputs = { older: older.describe, newer: newer.describe };

    if (dryRun) {
      const { media: referenced, frames } = await plaintextOf(merged, writer);
      printJson(ctx, {
        dryRun: true,
        ...inputs,
        backupTimeMs: String(merged.backupInfo.backupTimeMs ?? 0),
        frames,
        counts: merged.counts,
        media: { referenced, ...mediaSummary() },
      });
      return EXIT_OK;
    }

    const result = await createLocalBackup(fsStorage(to!), {
      key: { recoveryKey },
      backupId: backupId!,
      frames: () => writer.plaintext(merged.content()),
      media: (request) => {
        const m = media.get(request.localName);
        if (m === undefined || m === null) return undefined;
        return decryptAttachmentStream(
          { length: ciphertextSize(m.query.size), open: () => m.storage.get(mediaFilePath(m.query.localName)) },
          m.query.localKey,
          { size: m.query.size, plaintextHash: m.query.plaintextHash, backend: nodeBackend },
        );
      },
      keepSnapshots: 1,
      backend: nodeBackend,
      ...(limitsOf(values).maxFrameBytes === undefined ? {} : { maxFrameBytes: limitsOf(values).maxFrameBytes }),
    });
    printJson(ctx, {
      ...inputs,
      to,
      snapshot: result.snapshot,
      backupTimeMs: String(merged.backupInfo.backupTimeMs ?? 0),
      frames: result.frames,
      counts: merged.counts,
      media: {
        ...mediaSummary(),
        written: result.mediaWritten,
        reused: result.mediaReused,
        bytesWritten: result.mediaBytesWritten,
      },
      bytesWritten: result.bytesWritten,
    });
    return EXIT_OK;
  },
});
