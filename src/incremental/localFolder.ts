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
 *
 * **What the folder owns.** Only names it can prove are its own are ever deleted or replaced:
 * media named `files/<xx>/<64 lowercase hex>` in their right shard `xx`, snapshot directories
 * named `signal-backup-YYYY-MM-DD-HH-mm-ss` (and their `-tmp` forms) holding `main`, `metadata`
 * and `files`, the lock (`.sbackup-lock`, see lock.ts), and the storage's temporary files of those
 * names. Anything else (a user's `files/notes.txt`, `files/sub/photo.jpg`, a file inside a
 * snapshot directory) is left alone and reported as `foreign`. `.nomedia` (Android's, and written
 * by a run when absent) is neither deleted nor reported. A run holds the folder's lock from its first step to its last, so two
 * runs never clean up what the other is writing.
 */

import { defaultBackend } from '../backends/auto.js';
import type { CryptoBackend } from '../backends/types.js';
import { encryptBackupStream, type PaddingScheme } from '../container/writer.js';
import type { RecoveryKeyInput } from '../keys/input.js';
import { normalizeRecoveryKey } from '../keys/recoveryKey.js';
import { BackupError } from '../errors.js';
import { decodeFrame } from '../frames/codec.js';
import { type FrameStreamOptions, splitBackupStream } from '../frames/stream.js';
import { constantTimeEqual, toHex } from '../internal/bytes.js';
import {
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
  isLocalMediaName,
  parseSnapshotName,
  snapshotName,
  TEMPORARY_SUFFIX,
} from './localFormat.js';
import { type HeldLock, isLockName, staleTakeoverFiles, withFolderLock } from './lock.js';
import { planMedia } from './plan.js';
import { backupInfoTime, localLocatorsOfFrameBytes, type MediaLocator } from './references.js';
import { type BackupStorage, readAll, type StorageEntry, temporaryTarget } from './storage.js';

/** Directory of the shared media store. */
const FILES_DIR = 'files';
/** Snapshots kept after a run, counting the new one (Android `deleteOldBackups(limit = 2)`). */
export const DEFAULT_KEEP_SNAPSHOTS = 2;
/** Media encrypted and written at once. */
const DEFAULT_CONCURRENCY = 4;
/** Length of the shard directory name (`files/<name[0:2]>/`). */
const SHARD_LENGTH = 2;
/** The files of a snapshot directory. */
const SNAPSHOT_FILES: readonly string[] = ['main', 'metadata', 'files'];
/** Files Signal's apps keep in the folder that are not ours but never foreign (Android's `.nomedia`). */
const NOMEDIA = '.nomedia';
const CLIENT_FILES: ReadonlySet<string> = new Set([NOMEDIA]);
/** Foreign names listed in a summary at most (the count is always exact). */
export const MAX_FOREIGN_REPORTED = 100;

/** The key of a local backup folder, in the `key` option as everywhere else. */
export interface LocalBackupKeyOptions {
  /**
   * The recovery key (as Signal displays it or canonical) and, to create a snapshot, the ACI.
   * Reading needs the recovery key alone: the backup id comes from the snapshot's `metadata`,
   * and a given ACI is checked against it. A forward-secrecy token is not used (local snapshots
   * use the legacy MessageBackupKey).
   */
  key: RecoveryKeyInput;
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
  /** Largest frame accepted in `frames`, in bytes; default the frame stream's (`DEFAULT_MAX_FRAME_BYTES`). */
  maxFrameBytes?: number;
  /**
   * The 16-byte backup id the snapshot's `metadata` names (e.g. read from another snapshot of
   * the account), instead of the one derived from `key.aci`; with both, they must agree.
   */
  backupId?: Uint8Array;
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
  /**
   * Names in the folder that are not the folder's own (left alone), sorted, at most
   * 100; {@link CreateLocalBackupResult.foreignCount} counts them all.
   */
  foreign: string[];
  /** How many foreign names the folder holds. */
  foreignCount: number;
}

/** The keys a local backup uses, derived from the recovery key and ACI. */
export interface LocalBackupKeys {
  /** The 32-byte backup key, derived from the recovery key. */
  backupKey: Uint8Array;
  /** The 16-byte backup id, derived from the backup key and the ACI; absent without an ACI. */
  backupId: Uint8Array | undefined;
  /** The legacy MessageBackupKey (no forward-secrecy token), as local backups use; absent without an ACI. */
  messageBackupKey: SplitKey | undefined;
  /** The 32-byte key that encrypts the snapshot's `metadata` file. */
  localMetadataKey: Uint8Array;
}

/**
 * Derives the keys of a local backup.
 *
 * @throws {BackupError} `INVALID_RECOVERY_KEY`. @throws {TypeError | RangeError} on a malformed ACI.
 */
export function localBackupKeys(options: LocalBackupKeyOptions): LocalBackupKeys {
  const key = options?.key;
  if (typeof key !== 'object' || key === null || typeof key.recoveryKey !== 'string') {
    throw new TypeError('"key" expected { recoveryKey, aci? }');
  }
  const backupKey = deriveBackupKey(normalizeRecoveryKey(key.recoveryKey));
  const backupId = key.aci === undefined ? undefined : deriveBackupId(backupKey, key.aci);
  return {
    backupKey,
    backupId,
    messageBackupKey: backupId === undefined ? undefined : deriveMessageBackupKey(backupKey, backupId),
    localMetadataKey: deriveLocalMetadataKey(backupKey),
  };
}

/** `files/<name[0:2]>/<name>`. */
export function mediaFilePath(localName: string): string {
  return `${FILES_DIR}/${localName.slice(0, SHARD_LENGTH)}/${localName}`;
}

/** The local media name a path under `files/` holds (in its right shard), or `undefined` for anything else. */
function localNameOfPath(path: string): string | undefined {
  const parts = path.split('/');
  if (parts.length !== 3 || parts[0] !== FILES_DIR) return undefined;
  const name = parts[2]!;
  return isLocalMediaName(name) && parts[1] === name.slice(0, SHARD_LENGTH) ? name : undefined;
}

/** The snapshot a `<snapshot>-tmp` directory name stands for, or `undefined`. */
function temporarySnapshotOf(name: string): string | undefined {
  if (!name.endsWith(TEMPORARY_SUFFIX)) return undefined;
  const base = name.slice(0, -TEMPORARY_SUFFIX.length);
  return parseSnapshotName(base) === undefined ? undefined : base;
}

/** True for a file of a snapshot directory (`<dir>/main|metadata|files`) or the storage's temporary of one. */
function isOwnSnapshotFile(dir: string, path: string): boolean {
  const name = temporaryTarget(path) ?? path;
  return name.startsWith(`${dir}/`) && SNAPSHOT_FILES.includes(name.slice(dir.length + 1));
}

/** Complete snapshot directories, newest first. */
export async function snapshotNames(storage: BackupStorage): Promise<string[]> {
  const names: string[] = [];
  for (const n of await storage.children('')) {
    // A file with a snapshot's name is not a snapshot (and not ours).
    if (parseSnapshotName(n) !== undefined && (await storage.stat(n)) === undefined) names.push(n);
  }
  return names.sort().reverse();
}

/** What a folder holds, sorted by owner (internal: the readers report `foreign` too). */
export interface FolderContents {
  /** Snapshot directories, newest first. */
  readonly snapshots: string[];
  /** `<snapshot>-tmp` directories (unfinished runs, interrupted prunes). */
  readonly temporarySnapshots: string[];
  /** Media files (own names in their right shard). */
  readonly media: StorageEntry[];
  /** The storage's temporary files of media names (interrupted writes). */
  readonly mediaDebris: string[];
  /** Everything else, sorted. */
  readonly foreign: string[];
}

/**
 * Sorts what the folder holds into its own names and foreign ones (never touches anything).
 *
 * @throws {BackupError} `STORAGE_ERROR` from the storage (`files/` or a shard being a symbolic link, for the file system).
 */
export async function folderContents(storage: BackupStorage): Promise<FolderContents> {
  const snapshots: string[] = [];
  const temporarySnapshots: string[] = [];
  const foreign: string[] = [];
  let hasFiles = false;
  for (const name of await storage.children('')) {
    // Snapshots and `files` are directories: a file of such a name is someone else's.
    const dirName =
      parseSnapshotName(name) !== undefined || temporarySnapshotOf(name) !== undefined || name === FILES_DIR;
    if (dirName && (await storage.stat(name)) !== undefined) foreign.push(name);
    else if (parseSnapshotName(name) !== undefined) snapshots.push(name);
    else if (temporarySnapshotOf(name) !== undefined) temporarySnapshots.push(name);
    else if (name === FILES_DIR) hasFiles = true;
    else if (isLockName(name) || isLockName(temporaryTarget(name) ?? '') || CLIENT_FILES.has(name)) continue;
    else foreign.push(name);
  }
  for (const dir of [...snapshots, ...temporarySnapshots]) {
    for (const entry of await storage.list(dir)) if (!isOwnSnapshotFile(dir, entry.name)) foreign.push(entry.name);
  }
  const media: StorageEntry[] = [];
  const mediaDebris: string[] = [];
  if (hasFiles) {
    for (const entry of await storage.list(FILES_DIR)) {
      if (localNameOfPath(entry.name) !== undefined) media.push(entry);
      else if (localNameOfPath(temporaryTarget(entry.name) ?? '') !== undefined) mediaDebris.push(entry.name);
      else foreign.push(entry.name);
    }
  }
  snapshots.sort().reverse();
  return { snapshots, temporarySnapshots, media, mediaDebris, foreign: foreign.sort() };
}

/**
 * Deletes a snapshot directory's own files (`main` first, so it never looks whole again), then the
 * directory when nothing foreign is left in it. Returns the foreign names left in place.
 */
async function deleteSnapshotDirectory(storage: BackupStorage, dir: string): Promise<string[]> {
  const entries = (await storage.list(dir)).map((e) => e.name);
  const foreign = entries.filter((n) => !isOwnSnapshotFile(dir, n));
  if (foreign.length === 0) {
    await storage.delete(dir);
    return [];
  }
  const own = entries.filter((n) => isOwnSnapshotFile(dir, n));
  const rank = (n: string) => {
    const i = SNAPSHOT_FILES.indexOf(n.slice(dir.length + 1));
    return i < 0 ? SNAPSHOT_FILES.length : i;
  };
  for (const name of own.sort((a, b) => rank(a) - rank(b))) await storage.delete(name);
  return foreign;
}

/** Summary fields of the foreign names (sorted, capped list and exact count). */
export function foreignSummary(foreign: readonly string[]): { foreign: string[]; foreignCount: number } {
  return { foreign: foreign.slice(0, MAX_FOREIGN_REPORTED), foreignCount: foreign.length };
}

/** Fails when the lock was lost (taken over by a run that took this one for dead): no destructive step follows. */
async function assertLockHeld(lock: HeldLock): Promise<void> {
  if (!(await lock.stillHeld())) {
    throw new BackupError(
      'LOCKED',
      'another run took over the backup folder lock; this run stopped before cleaning up',
    );
  }
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
  stream: FrameStreamOptions,
): Promise<{ backupInfo: Uint8Array; media: Map<string, LocalMedium>; frames: number; digest: Uint8Array }> {
  const hash = backend.sha256();
  const media = new Map<string, LocalMedium>();
  let backupInfo: Uint8Array | undefined;
  let timeMs = 0;
  let count = 0;
  for await (const message of splitBackupStream(hashing(openFrames(frames), hash), stream)) {
    if (message.index === 0) {
      backupInfo = message.bytes;
      timeMs = backupInfoTime(message.bytes).timeMs;
      continue;
    }
    count++;
    // Every frame must decode (strings UTF-8, nesting within limits): never write a snapshot that cannot be restored.
    decodeFrameAt(message.bytes, message.index);
    for (const l of localLocatorsOfFrameBytes(message.bytes, message.index, timeMs)) addMedium(media, l, backend);
    if (count % 1000 === 0) onFrame(count);
  }
  return { backupInfo: backupInfo!, media, frames: count, digest: hash.digest() };
}

/** Decodes a frame, adding its index to the error. */
export function decodeFrameAt(bytes: Uint8Array, index: number): void {
  try {
    decodeFrame(bytes);
  } catch (e) {
    if (e instanceof BackupError) {
      throw new BackupError(e.code, `frame ${index}: ${e.message}`, { ...e.details, frameIndex: index, cause: e });
    }
    throw e;
  }
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
  stream: FrameStreamOptions,
): AsyncGenerator<Uint8Array> {
  const hash = backend.sha256();
  for await (const message of splitBackupStream(hashing(openFrames(frames), hash), stream)) {
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
  const keys = withBackupId(localBackupKeys(options), options.backupId);
  if (keys.backupId === undefined)
    throw new TypeError('"key.aci" (or "backupId") is needed to create a snapshot (its metadata names the backup id)');
  return withFolderLock(storage, 'create', undefined, (lock) => createLocked(storage, options, keys, lock));
}

/** The keys with a given backup id (checked against the ACI's, when there is one). */
function withBackupId(keys: LocalBackupKeys, backupId: Uint8Array | undefined): LocalBackupKeys {
  if (backupId === undefined) return keys;
  if (!(backupId instanceof Uint8Array) || backupId.length !== 16) {
    throw new TypeError('"backupId" expected 16 bytes');
  }
  if (keys.backupId !== undefined && !constantTimeEqual(keys.backupId, backupId)) {
    throw new TypeError('"backupId" differs from the one "key.aci" gives');
  }
  return { ...keys, backupId, messageBackupKey: deriveMessageBackupKey(keys.backupKey, backupId) };
}

async function createLocked(
  storage: BackupStorage,
  options: CreateLocalBackupOptions,
  keys: LocalBackupKeys,
  lock: HeldLock,
): Promise<CreateLocalBackupResult> {
  const backend = options.backend ?? defaultBackend();
  const progress = options.onProgress ?? (() => {});
  const nowMs = options.now ?? Date.now();
  const snapshotsDeleted: string[] = [];

  // 1. Leftovers of interrupted runs: temporary snapshot directories, takeover files of the lock.
  for (const name of (await folderContents(storage)).temporarySnapshots) {
    const inside = (await storage.list(name)).map((e) => e.name);
    if (inside.length > 0 && inside.every((n) => !isOwnSnapshotFile(name, n))) continue; // only foreign files
    await deleteSnapshotDirectory(storage, name);
    snapshotsDeleted.push(name);
  }
  for (const name of await staleTakeoverFiles(storage, lock)) await storage.delete(name);

  // 2. What the backup references, and what the folder holds.
  const stream = options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes };
  const scan = await scanFrames(options.frames, backend, (done) => progress({ phase: 'scan', done, total: 0 }), stream);
  if (scan.backupInfo === undefined) throw new BackupError('EMPTY_INPUT', 'the frames are empty');
  const held = (await folderContents(storage)).media.map((entry) => ({
    mediaId: localNameOfPath(entry.name)!,
    size: entry.size,
  }));
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
  //    every existing snapshot, so pruning can never remove it. First the folder's `.nomedia`
  //    (empty, as Android writes it, so galleries skip the media), only when nothing has that name.
  await storage.create(NOMEDIA, new Uint8Array(0));
  const existing = await snapshotNames(storage);
  let time = Math.floor(nowMs / 1000) * 1000;
  const newest = existing[0] === undefined ? undefined : parseSnapshotName(existing[0]);
  if (newest !== undefined && time <= newest) time = newest + 1000;
  // A `-tmp` directory still there after step 1 holds someone else's files: never write into it.
  const taken = new Set(await storage.children(''));
  while (taken.has(`${snapshotName(time)}${TEMPORARY_SUFFIX}`) || taken.has(snapshotName(time))) time += 1000;
  const snapshot = snapshotName(time);
  const tmp = `${snapshot}${TEMPORARY_SUFFIX}`;
  progress({ phase: 'snapshot', done: 0, total: 3 });
  let bytesWritten = mediaBytesWritten;
  bytesWritten += await storage.put(
    `${tmp}/main`,
    encryptBackupStream(scan.backupInfo, framesAgain(options.frames, backend, scan.digest, stream), {
      key: keys.messageBackupKey!,
      ...(options.backend === undefined ? {} : { backend: options.backend }),
      ...(options.padding === undefined ? {} : { padding: options.padding }),
      ...random,
    }),
  );
  bytesWritten += await storage.put(`${tmp}/metadata`, [
    encodeLocalMetadata(keys.localMetadataKey, keys.backupId!, options.random),
  ]);
  const listed = media.map((m) => m.localName).filter((n) => !missing.has(n));
  bytesWritten += await storage.put(`${tmp}/files`, [encodeFilesList(listed)]);
  await storage.rename(tmp, snapshot);
  progress({ phase: 'snapshot', done: 3, total: 3 });

  // 5. Only now: prune old snapshots, then media no kept snapshot references.
  await assertLockHeld(lock);
  const cleanup = await pruneLocked(storage, options.keepSnapshots ?? DEFAULT_KEEP_SNAPSHOTS);
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
    ...foreignSummary(cleanup.foreignAll),
  };
}

/** What {@link pruneLocalBackups} did. */
export interface PruneResult {
  /** Names of the snapshot directories deleted, newest first. */
  snapshotsDeleted: string[];
  /** Files deleted from `files/` (media no kept snapshot lists, and the storage's leftovers of media writes). */
  filesDeleted: number;
  /** Why media cleanup was skipped (a kept snapshot's list is unreadable), when it was. */
  skipped?: string;
  /** Names in the folder that are not its own (left alone), sorted, at most 100. */
  foreign: string[];
  /** How many foreign names the folder holds. */
  foreignCount: number;
}

/**
 * Keeps the newest `keep` snapshots, then deletes the media no kept snapshot lists, holding the
 * folder's lock. Only the folder's own names are deleted (see the module comment); anything else
 * is left alone and reported in `foreign`. A snapshot is first renamed to a temporary name, so an
 * interrupted deletion never leaves a half snapshot that looks whole (a snapshot directory that
 * holds foreign files keeps them: its own files are deleted, `main` first). The kept snapshots'
 * lists are read under the lock; if one cannot be read, no media are deleted.
 *
 * @throws {BackupError} `LOCKED` when another run holds the folder, `STORAGE_ERROR` from the
 *   storage. @throws {RangeError} when `keep` < 1.
 */
export async function pruneLocalBackups(storage: BackupStorage, keep = DEFAULT_KEEP_SNAPSHOTS): Promise<PruneResult> {
  if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError(`"keep" expected an integer >= 1, got ${keep}`);
  return withFolderLock(storage, 'prune', undefined, async () => {
    const r = await pruneLocked(storage, keep);
    return {
      snapshotsDeleted: r.snapshotsDeleted,
      filesDeleted: r.filesDeleted,
      ...(r.skipped === undefined ? {} : { skipped: r.skipped }),
      ...foreignSummary(r.foreignAll),
    };
  });
}

/** {@link pruneLocalBackups} for a caller that holds the lock; `foreignAll` lists every foreign name. */
async function pruneLocked(
  storage: BackupStorage,
  keep: number,
): Promise<{ snapshotsDeleted: string[]; filesDeleted: number; skipped?: string; foreignAll: string[] }> {
  const names = await snapshotNames(storage);
  const snapshotsDeleted: string[] = [];
  for (const old of names.slice(keep)) {
    const inside = (await storage.list(old)).map((e) => e.name);
    const doomed = `${old}${TEMPORARY_SUFFIX}`;
    if (
      inside.every((n) => isOwnSnapshotFile(old, n)) &&
      (await deleteSnapshotDirectory(storage, doomed)).length === 0
    ) {
      await storage.rename(old, doomed);
      await storage.delete(doomed);
      snapshotsDeleted.push(old);
    } else if (inside.some((n) => isOwnSnapshotFile(old, n))) {
      // Moving the directory would move the user's files in it: delete only ours, in place.
      await deleteSnapshotDirectory(storage, old);
      snapshotsDeleted.push(old);
    }
  }
  const referenced = new Set<string>();
  let skipped: string | undefined;
  for (const name of names.slice(0, keep)) {
    let list: string[];
    try {
      list = decodeFilesList(await readAll(storage, `${name}/files`));
    } catch (e) {
      if ((e as BackupError)?.code === 'STORAGE_ERROR') throw e;
      skipped = `the media list of ${name} cannot be read`;
      break;
    }
    for (const n of list) referenced.add(n);
  }
  const contents = await folderContents(storage);
  let filesDeleted = 0;
  if (skipped === undefined) {
    for (const entry of contents.media) {
      if (!referenced.has(localNameOfPath(entry.name)!)) {
        await storage.delete(entry.name);
        filesDeleted++;
      }
    }
    for (const name of contents.mediaDebris) {
      await storage.delete(name);
      filesDeleted++;
    }
  }
  return {
    snapshotsDeleted,
    filesDeleted,
    ...(skipped === undefined ? {} : { skipped }),
    foreignAll: contents.foreign,
  };
}
