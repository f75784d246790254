/**
 * A local backup folder in the layout Signal's apps use (docs/format.md §13; Signal-Android
 * app/src/main/java/org/thoughtcrime/securesms/backup/v2/local/LocalArchiver.kt, Signal-Desktop
 * ts/services/backups/util/localBackup.node.ts):
 *
 * ```
 * files/<2 hex>/<hex(SHA-256(plaintextHash ‖ localKey))>   each medium, attachment format under localKey
 * signal-backup-YYYY-MM-DD-HH-mm-ss/                       one directory per snapshot
 *   main       the encrypted backup (legacy layout, legacy MessageBackupKey)
 *   metadata   the backup id, encrypted with the local metadata key
 *   files      the local media names this snapshot references
 * ```
 *
 * `createLocalBackup` writes only the media the folder lacks (or holds with the wrong size), then
 * the snapshot under a temporary name renamed into place, and only then prunes old snapshots and
 * deletes media no kept snapshot references. Every step is safe to interrupt: a run that stops
 * anywhere leaves every earlier snapshot whole, and the next run cleans up and completes.
 */

import { defaultBackend } from '../backends/auto.js';
import type { CryptoBackend } from '../backends/types.js';
import { encryptBackupStream, type PaddingScheme } from '../container/writer.js';
import { BackupError } from '../errors.js';
import { splitBackupStream } from '../frames/stream.js';
import { constantTimeEqual, toHex } from '../internal/bytes.js';
import {
  type Aci,
  deriveBackupId,
  deriveBackupKey,
  deriveLocalMetadataKey,
  deriveMessageBackupKey,
  type SplitKey,
} from '../keys/hierarchy.js';
import { encryptAttachmentStream } from '../media/attachment.js';
import { localBackupFileName } from '../media/names.js';
import { type ByteSource, iterateBytes } from '../internal/stream.js';
import type { RereadableSource } from '../media/source.js';
import type { RandomSource } from '../random.js';
import {
  decodeFilesList,
  encodeFilesList,
  encodeLocalMetadata,
  parseSnapshotName,
  SNAPSHOT_PREFIX,
  snapshotName,
  TEMPORARY_SUFFIX,
} from './localFormat.js';
import { planMedia } from './plan.js';
import { backupInfoTime, localLocatorsOfFrameBytes, type MediaLocator } from './references.js';
import { type BackupStorage, readAll } from './storage.js';

/** Directory of the shared media store. */
const FILES_DIR = 'files';
/** Snapshots kept after a run, counting the new one (Android `deleteOldBackups(limit = 2)`). */
export const DEFAULT_KEEP_SNAPSHOTS = 2;
/** Media encrypted and written at once. */
const DEFAULT_CONCURRENCY = 4;
/** Length of the shard directory name (`files/<name[0:2]>/`). */
const SHARD_LENGTH = 2;

/** The secrets that open a local backup. */
export interface LocalBackupKeyOptions {
  /** The account's recovery key (account entropy pool). */
  recoveryKey: string;
  /** The account's ACI. */
  aci: Aci;
}

/** What {@link createLocalBackup} asks the caller for: the plaintext of one medium. */
export interface LocalMediaRequest {
  /** LocatorInfo.plaintextHash: SHA-256 of the plaintext (how media are matched to files). */
  readonly plaintextHash: Uint8Array;
  /** The same, as lowercase hex. */
  readonly plaintextHashHex: string;
  /** Plaintext size in bytes. */
  readonly size: number;
  /** MIME type from the FilePointer, when it has one (informative). */
  readonly contentType?: string;
  /** The medium's local file name. */
  readonly localName: string;
}

/** Returns a medium's plaintext, or `undefined` when the caller does not have it. */
export type LocalMediaSource = (
  request: LocalMediaRequest,
) => ByteSource | RereadableSource | undefined | Promise<ByteSource | RereadableSource | undefined>;

/** Progress of a long step. */
export interface LocalBackupProgress {
  /** The step running: reading the frames, writing media, writing the snapshot, pruning, verifying or restoring. */
  readonly phase: 'scan' | 'media' | 'snapshot' | 'cleanup' | 'verify' | 'restore';
  /** Units done so far (frames, media or files, depending on the phase). */
  readonly done: number;
  /** Units in the step; 0 when unknown (the `scan` phase). */
  readonly total: number;
}

/** Options of {@link createLocalBackup}. */
export interface CreateLocalBackupOptions extends LocalBackupKeyOptions {
  /**
   * The backup's plaintext: the varint-delimited BackupInfo then Frames (a `.binproto`). It is
   * read twice (media first, then the snapshot), so bytes or a function that opens it again.
   */
  frames: Uint8Array | (() => ByteSource);
  /** Where the media plaintexts come from. */
  media: LocalMediaSource;
  /** Snapshots to keep, counting the new one; default {@link DEFAULT_KEEP_SNAPSHOTS}. */
  keepSnapshots?: number;
  /** The snapshot's time (ms since the epoch); default now. */
  now?: number;
  /** Write the snapshot even when some media are missing (they are left out of its list). Default false. */
  allowMissingMedia?: boolean;
  /** Media written at once; default 4. */
  concurrency?: number;
  /** Padding of the main file; default `randomized` (see the container writer). */
  padding?: PaddingScheme;
  /** Randomness for IVs, padding and the metadata (default: the installed source, else WebCrypto). */
  random?: RandomSource;
  /** Crypto backend (default `defaultBackend()`). */
  backend?: CryptoBackend;
  /** Called as each step advances (`scan` every 1000 frames, `media` per medium, then `snapshot` and `cleanup`). */
  onProgress?: (progress: LocalBackupProgress) => void;
}

/** What {@link createLocalBackup} did. */
export interface CreateLocalBackupResult {
  /** Name of the new snapshot directory. */
  snapshot: string;
  /** Frames in the backup (after the BackupInfo). */
  frames: number;
  /** Distinct local media the backup references. */
  media: number;
  /** Media files written by this run (missing ones not counted). */
  mediaWritten: number;
  /** Media the folder already held with the right size, left as they were. */
  mediaReused: number;
  /** Media the source did not have (only with `allowMissingMedia`). */
  mediaMissing: number;
  /** Bytes written: media files plus the snapshot's files. */
  bytesWritten: number;
  /** Bytes of media files written. */
  mediaBytesWritten: number;
  /** Files deleted from `files/` (unreferenced media and leftovers). */
  filesDeleted: number;
  /** Snapshot directories deleted (pruned, or left over from interrupted runs). */
  snapshotsDeleted: string[];
  /** Why cleanup was skipped, when it was (a kept snapshot's list could not be read). */
  cleanupSkipped?: string;
}

/** The keys a local backup uses, derived from the recovery key and ACI. */
export interface LocalBackupKeys {
  /** The 32-byte backup key, derived from the recovery key. */
  backupKey: Uint8Array;
  /** The 16-byte backup id, derived from the backup key and the ACI. */
  backupId: Uint8Array;
  /** The legacy MessageBackupKey (no forward-secrecy token), as local backups use. */
  messageBackupKey: SplitKey;
  /** The 32-byte key that encrypts the snapshot's `metadata` file. */
  localMetadataKey: Uint8Array;
}

/**
 * Derives the keys of a local backup.
 *
 * @throws {BackupError} `INVALID_RECOVERY_KEY`. @throws {TypeError | RangeError} on a malformed ACI.
 */
export function localBackupKeys(options: LocalBackupKeyOptions): LocalBackupKeys {
  const backupKey = deriveBackupKey(options.recoveryKey);
  const backupId = deriveBackupId(backupKey, options.aci);
  return {
    backupKey,
    backupId,
    messageBackupKey: deriveMessageBackupKey(backupKey, backupId),
    localMetadataKey: deriveLocalMetadataKey(backupKey),
  };
}

/** `files/<name[0:2]>/<name>`. */
export function mediaFilePath(localName: string): string {
  return `${FILES_DIR}/${localName.slice(0, SHARD_LENGTH)}/${localName}`;
}

/** The local media name a path under `files/` holds, or `undefined` for anything else (debris). */
function localNameOfPath(path: string): string | undefined {
  const parts = path.split('/');
  if (parts.length !== 3 || parts[0] !== FILES_DIR) return undefined;
  const name = parts[2]!;
  return /^[0-9a-f]{64}$/.test(name) && parts[1] === name.slice(0, SHARD_LENGTH) ? name : undefined;
}

/** Complete snapshot directories, newest first. */
export async function snapshotNames(storage: BackupStorage): Promise<string[]> {
  const names = (await storage.children('')).filter((n) => parseSnapshotName(n) !== undefined);
  return names.sort().reverse();
}

function openFrames(frames: Uint8Array | (() => ByteSource)): ByteSource {
  if (frames instanceof Uint8Array) return [frames];
  if (typeof frames === 'function') return frames();
  throw new TypeError('"frames" expected Uint8Array or a function that opens the frames');
}

/** A medium the snapshot references, by local name. */
interface LocalMedium {
  readonly localName: string;
  readonly plaintextHash: Uint8Array;
  readonly localKey: Uint8Array;
  readonly size: number;
  readonly contentType?: string;
  readonly sentAtMs: number;
}

/** Pass 1 over the frames: the BackupInfo, the media, the frame count, and a hash of the bytes. */
async function scanFrames(
  frames: Uint8Array | (() => ByteSource),
  backend: CryptoBackend,
  onFrame: (done: number) => void,
): Promise<{ backupInfo: Uint8Array; media: Map<string, LocalMedium>; frames: number; digest: Uint8Array }> {
  const hash = backend.sha256();
  const media = new Map<string, LocalMedium>();
  let backupInfo: Uint8Array | undefined;
  let timeMs = 0;
  let count = 0;
  for await (const message of splitBackupStream(hashing(openFrames(frames), hash))) {
    if (message.index === 0) {
      backupInfo = message.bytes;
      timeMs = backupInfoTime(message.bytes).timeMs;
      continue;
    }
    count++;
    for (const l of localLocatorsOfFrameBytes(message.bytes, message.index, timeMs)) addMedium(media, l, backend);
    if (count % 1000 === 0) onFrame(count);
  }
  return { backupInfo: backupInfo!, media, frames: count, digest: hash.digest() };
}

function addMedium(media: Map<string, LocalMedium>, l: MediaLocator, backend: CryptoBackend): void {
  if (l.localKey === undefined || l.plaintextHash === undefined) return;
  const localName = localBackupFileName(l.plaintextHash, l.localKey, backend);
  const before = media.get(localName);
  if (before !== undefined) {
    if (l.sentAtMs > before.sentAtMs) media.set(localName, { ...before, sentAtMs: l.sentAtMs });
    return;
  }
  media.set(localName, {
    localName,
    plaintextHash: l.plaintextHash,
    localKey: l.localKey,
    size: l.size,
    sentAtMs: l.sentAtMs,
    ...(l.contentType === undefined ? {} : { contentType: l.contentType }),
  });
}

async function* hashing(source: ByteSource, hash: { update(b: Uint8Array): void }): AsyncGenerator<Uint8Array> {
  for await (const chunk of iterateBytes(source, 'frames')) {
    hash.update(chunk);
    yield chunk;
  }
}

/** Pass 2: the frames after the BackupInfo, checking at the end that the bytes did not change. */
async function* framesAgain(
  frames: Uint8Array | (() => ByteSource),
  backend: CryptoBackend,
  digest: Uint8Array,
): AsyncGenerator<Uint8Array> {
  const hash = backend.sha256();
  for await (const message of splitBackupStream(hashing(openFrames(frames), hash))) {
    if (message.index > 0) yield message.bytes;
  }
  if (!constantTimeEqual(hash.digest(), digest)) {
    throw new BackupError('INVALID_BACKUP', 'the frames changed while the backup was being written');
  }
}

/** Encrypts one medium, checking at the end that it is the plaintext the frames name. */
async function* encryptMedium(
  source: ByteSource | RereadableSource,
  medium: LocalMedium,
  options: { backend: CryptoBackend; random?: RandomSource },
): AsyncGenerator<Uint8Array> {
  const it = encryptAttachmentStream(source, medium.localKey, {
    size: medium.size,
    incrementalMac: false,
    backend: options.backend,
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  for (;;) {
    const r = await it.next();
    if (r.done) {
      if (!constantTimeEqual(r.value.plaintextHash, medium.plaintextHash)) {
        throw new BackupError(
          'PLAINTEXT_HASH_MISMATCH',
          `the file given for medium ${toHex(medium.plaintextHash).slice(0, 16)}… has different content`,
        );
      }
      return;
    }
    yield r.value;
  }
}

async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== undefined) throw failure;
}

function checkCreateOptions(options: CreateLocalBackupOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
  if (typeof options.media !== 'function') throw new TypeError('"media" expected a function');
  const keep = options.keepSnapshots ?? DEFAULT_KEEP_SNAPSHOTS;
  if (!Number.isSafeInteger(keep) || keep < 1)
    throw new RangeError(`"keepSnapshots" expected an integer >= 1, got ${keep}`);
  const c = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isSafeInteger(c) || c < 1) throw new RangeError(`"concurrency" expected an integer >= 1, got ${c}`);
  if (options.now !== undefined && !Number.isFinite(options.now)) throw new RangeError('"now" expected a time in ms');
}

/**
 * Creates a snapshot in a local backup folder; see the module comment for the steps and the
 * guarantees when a run is interrupted.
 *
 * @throws {BackupError} `NOT_FOUND` when media are missing (unless `allowMissingMedia`),
 *   `SIZE_MISMATCH` / `PLAINTEXT_HASH_MISMATCH` when a medium's bytes differ from what the frames
 *   say, the frame codes (`INVALID_FRAME`, `TRUNCATED_FRAME`, …) for bad frames, `INVALID_BACKUP`
 *   when the frames changed between the two passes, `STORAGE_ERROR` from the storage.
 * @throws {TypeError | RangeError} on bad options.
 */
export async function createLocalBackup(
  storage: BackupStorage,
  options: CreateLocalBackupOptions,
): Promise<CreateLocalBackupResult> {
  checkCreateOptions(options);
  const keys = localBackupKeys(options);
  const backend = options.backend ?? defaultBackend();
  const progress = options.onProgress ?? (() => {});
  const nowMs = options.now ?? Date.now();
  const snapshotsDeleted: string[] = [];

  // 1. Leftovers of interrupted runs: temporary snapshot directories.
  for (const name of await storage.children('')) {
    if (name.startsWith(SNAPSHOT_PREFIX) && name.endsWith(TEMPORARY_SUFFIX)) {
      await storage.delete(name);
      snapshotsDeleted.push(name);
    }
  }

  // 2. What the backup references, and what the folder holds.
  const scan = await scanFrames(options.frames, backend, (done) => progress({ phase: 'scan', done, total: 0 }));
  if (scan.backupInfo === undefined) throw new BackupError('EMPTY_INPUT', 'the frames are empty');
  const held = [];
  for (const entry of await storage.list(FILES_DIR)) {
    const localName = localNameOfPath(entry.name);
    if (localName !== undefined) held.push({ mediaId: localName, size: entry.size });
  }
  const media = [...scan.media.values()];
  const plan = planMedia(
    media.map((m) => ({ mediaName: m.localName, size: m.size, sentAtMs: m.sentAtMs, thumbnail: false })),
    held,
    {
      tier: 'paid',
      now: nowMs,
      layout: 'local',
      quotaBytes: Number.POSITIVE_INFINITY,
      maxObjectBytes: Number.POSITIVE_INFINITY,
      mediaWindowDays: Number.POSITIVE_INFINITY,
    },
  );

  // 3. Media the folder lacks, newest first.
  let mediaBytesWritten = 0;
  let done = 0;
  const missing = new Set<string>();
  const random = options.random === undefined ? {} : { random: options.random };
  await runPool(plan.upload, options.concurrency ?? DEFAULT_CONCURRENCY, async (u) => {
    const medium = media[u.index]!;
    const source = await options.media({
      plaintextHash: medium.plaintextHash,
      plaintextHashHex: toHex(medium.plaintextHash),
      size: medium.size,
      localName: medium.localName,
      ...(medium.contentType === undefined ? {} : { contentType: medium.contentType }),
    });
    if (source === undefined) missing.add(medium.localName);
    else {
      // Await first, then add: `x += await y` would read x before other workers added to it.
      const written = await storage.put(
        mediaFilePath(medium.localName),
        encryptMedium(source, medium, { backend, ...random }),
      );
      mediaBytesWritten += written;
    }
    progress({ phase: 'media', done: ++done, total: plan.upload.length });
  });
  if (missing.size > 0 && options.allowMissingMedia !== true) {
    throw new BackupError('NOT_FOUND', `${missing.size} of the backup's media are missing; no snapshot was written`, {
      missing: missing.size,
    });
  }

  // 4. The snapshot, under a temporary name, then renamed into place. Its name sorts after
  //    every existing snapshot, so pruning can never remove it.
  const existing = await snapshotNames(storage);
  let time = Math.floor(nowMs / 1000) * 1000;
  const newest = existing[0] === undefined ? undefined : parseSnapshotName(existing[0]);
  if (newest !== undefined && time <= newest) time = newest + 1000;
  const snapshot = snapshotName(time);
  const tmp = `${snapshot}${TEMPORARY_SUFFIX}`;
  progress({ phase: 'snapshot', done: 0, total: 3 });
  let bytesWritten = mediaBytesWritten;
  bytesWritten += await storage.put(
    `${tmp}/main`,
    encryptBackupStream(scan.backupInfo, framesAgain(options.frames, backend, scan.digest), {
      key: keys.messageBackupKey,
      ...(options.backend === undefined ? {} : { backend: options.backend }),
      ...(options.padding === undefined ? {} : { padding: options.padding }),
      ...random,
    }),
  );
  bytesWritten += await storage.put(`${tmp}/metadata`, [
    encodeLocalMetadata(keys.localMetadataKey, keys.backupId, options.random),
  ]);
  const listed = media.map((m) => m.localName).filter((n) => !missing.has(n));
  bytesWritten += await storage.put(`${tmp}/files`, [encodeFilesList(listed)]);
  await storage.rename(tmp, snapshot);
  progress({ phase: 'snapshot', done: 3, total: 3 });

  // 5. Only now: prune old snapshots, then media no kept snapshot references.
  const cleanup = await pruneLocalBackups(storage, options.keepSnapshots ?? DEFAULT_KEEP_SNAPSHOTS);
  snapshotsDeleted.push(...cleanup.snapshotsDeleted);
  progress({ phase: 'cleanup', done: 1, total: 1 });
  return {
    snapshot,
    frames: scan.frames,
    media: media.length,
    mediaWritten: plan.upload.length - missing.size,
    mediaReused: plan.keep.length,
    mediaMissing: missing.size,
    bytesWritten,
    mediaBytesWritten,
    filesDeleted: cleanup.filesDeleted,
    snapshotsDeleted,
    ...(cleanup.skipped === undefined ? {} : { cleanupSkipped: cleanup.skipped }),
  };
}

/** What {@link pruneLocalBackups} did. */
export interface PruneResult {
  /** Names of the snapshot directories deleted, newest first. */
  snapshotsDeleted: string[];
  /** Files deleted from `files/` (media no kept snapshot lists, and debris). */
  filesDeleted: number;
  /** Why media cleanup was skipped (a kept snapshot's list is unreadable), when it was. */
  skipped?: string;
}

/**
 * Keeps the newest `keep` snapshots, then deletes every file under `files/` that no kept
 * snapshot lists. A snapshot is first renamed to a temporary name, so an interrupted deletion
 * never leaves a half snapshot that looks whole. If a kept snapshot's list cannot be read, no
 * media are deleted.
 *
 * @throws {BackupError} `STORAGE_ERROR` from the storage. @throws {RangeError} when `keep` < 1.
 */
export async function pruneLocalBackups(storage: BackupStorage, keep = DEFAULT_KEEP_SNAPSHOTS): Promise<PruneResult> {
  if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError(`"keep" expected an integer >= 1, got ${keep}`);
  const names = await snapshotNames(storage);
  const snapshotsDeleted: string[] = [];
  for (const old of names.slice(keep)) {
    const doomed = `${old}${TEMPORARY_SUFFIX}`;
    await storage.delete(doomed);
    await storage.rename(old, doomed);
    await storage.delete(doomed);
    snapshotsDeleted.push(old);
  }
  const referenced = new Set<string>();
  for (const name of names.slice(0, keep)) {
    let list: string[];
    try {
      list = decodeFilesList(await readAll(storage, `${name}/files`));
    } catch (e) {
      if ((e as BackupError)?.code === 'STORAGE_ERROR') throw e;
      return { snapshotsDeleted, filesDeleted: 0, skipped: `the media list of ${name} cannot be read` };
    }
    for (const n of list) referenced.add(n);
  }
  let filesDeleted = 0;
  for (const entry of await storage.list(FILES_DIR)) {
    const localName = localNameOfPath(entry.name);
    if (localName === undefined || !referenced.has(localName)) {
      await storage.delete(entry.name);
      filesDeleted++;
    }
  }
  return { snapshotsDeleted, filesDeleted };
}
