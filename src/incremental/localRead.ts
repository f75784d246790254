/**
 * Reading a local backup folder: list its snapshots, verify one (MAC, frames, media present with
 * the right size, optionally every medium decrypted), and open one for restore (frames streamed
 * after the MAC verified; each medium found by its FilePointer and decrypted).
 */

import type { CryptoBackend } from '../backends/types.js';
import { defaultBackend } from '../backends/auto.js';
import { openBackup, openBackupSinglePass } from '../container/reader.js';
import { BackupError, isBackupError } from '../errors.js';
import { constantTimeEqual } from '../internal/bytes.js';
import { deriveMessageBackupKey } from '../keys/hierarchy.js';
import { decryptAttachmentStream } from '../media/attachment.js';
import { localBackupFileName } from '../media/names.js';
import { ciphertextSize } from '../media/padding.js';
import { randomBytes, type RandomSource } from '../random.js';
import {
  decodeFrameAt,
  folderContents,
  foreignSummary,
  type LocalBackupKeyOptions,
  type LocalBackupKeys,
  localBackupKeys,
  mediaFilePath,
  snapshotNames,
} from './localFolder.js';
import { decodeFilesList, decodeLocalMetadata, parseSnapshotName } from './localFormat.js';
import { backupInfoTime, localLocatorsOfFrameBytes, type MediaLocator } from './references.js';
import { type BackupStorage, readAll } from './storage.js';

/** One snapshot in a folder listing. */
export interface LocalSnapshotInfo {
  /** Directory name, `signal-backup-YYYY-MM-DD-HH-mm-ss`. */
  readonly name: string;
  /** The time in its name (UTC), ms since the epoch. */
  readonly timeMs: number;
  /** Bytes of `main`, `metadata` and `files` together. */
  readonly bytes: number;
  /** Bytes of `main`. */
  readonly mainBytes: number;
  /** Media it lists, or `undefined` when its list is missing or unreadable. */
  readonly mediaCount: number | undefined;
  /** All three files are present. */
  readonly complete: boolean;
}

/**
 * The folder's snapshots, newest first (temporary directories of unfinished runs are not listed).
 *
 * @throws {BackupError} `STORAGE_ERROR` from the storage.
 */
export async function listLocalBackups(storage: BackupStorage): Promise<LocalSnapshotInfo[]> {
  const out: LocalSnapshotInfo[] = [];
  for (const name of await snapshotNames(storage)) {
    const sizes = await Promise.all(['main', 'metadata', 'files'].map((f) => storage.stat(`${name}/${f}`)));
    let mediaCount: number | undefined;
    if (sizes[2] !== undefined) {
      try {
        mediaCount = decodeFilesList(await readAll(storage, `${name}/files`)).length;
      } catch (e) {
        if (!isBackupError(e, 'INVALID_FRAME')) throw e;
      }
    }
    out.push({
      name,
      timeMs: parseSnapshotName(name)!,
      bytes: sizes.reduce<number>((a, s) => a + (s ?? 0), 0),
      mainBytes: sizes[0] ?? 0,
      mediaCount,
      complete: sizes.every((s) => s !== undefined),
    });
  }
  return out;
}

/** Options naming the snapshot to read. */
export interface LocalSnapshotOptions extends LocalBackupKeyOptions {
  /** Snapshot directory; default the newest. */
  snapshot?: string;
  /** Crypto backend (default `defaultBackend()`). */
  backend?: CryptoBackend;
  /** Largest decompressed `main` accepted, in bytes (a gzip bomb stops there); the reader's default otherwise. */
  maxDecompressedBytes?: number;
  /** Largest frame accepted, in bytes; the reader's default otherwise. */
  maxFrameBytes?: number;
}

function limits(options: LocalSnapshotOptions): { maxDecompressedBytes?: number; maxFrameBytes?: number } {
  return {
    ...(options.maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes: options.maxDecompressedBytes }),
    ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
  };
}

/** A medium a snapshot's frames reference and the folder should hold. */
export interface LocalMediaEntry {
  /** The medium's local file name: `hex(SHA-256(plaintextHash ‖ localKey))`. */
  readonly localName: string;
  /** `files/<xx>/<localName>`. */
  readonly path: string;
  /** LocatorInfo.plaintextHash: SHA-256 of the plaintext. */
  readonly plaintextHash: Uint8Array;
  /** LocatorInfo.localKey: the key its file is encrypted under. */
  readonly localKey: Uint8Array;
  /** Plaintext size in bytes. */
  readonly size: number;
  /** MIME type from the FilePointer, when it has one (informative). */
  readonly contentType?: string;
}

/** A snapshot opened for restore. */
export interface OpenedLocalSnapshot {
  /** Name of the snapshot directory opened. */
  readonly snapshot: string;
  /** The encoded BackupInfo. */
  readonly backupInfo: Uint8Array;
  /**
   * The encoded frames, after the whole file's MAC verified; iterate once. While iterating,
   * {@link OpenedLocalSnapshot.media} fills with the media they reference.
   */
  readonly frames: AsyncIterable<Uint8Array>;
  /** Media referenced by the frames read so far, by local name. */
  readonly media: ReadonlyMap<string, LocalMediaEntry>;
  /**
   * Decrypts one medium: reads its file twice (MAC, size and plaintext hash first), so no byte
   * comes out of a damaged file. Throws `NOT_FOUND` when the folder lacks it.
   */
  readMedia(entry: LocalMediaEntry): AsyncIterable<Uint8Array>;
}

/**
 * The backup id of a snapshot: the one its `metadata` names (as Android's import reads it), or,
 * when the metadata cannot be read and an ACI was given, the ACI's. Storage errors propagate.
 */
async function snapshotBackupId(storage: BackupStorage, snapshot: string, keys: LocalBackupKeys): Promise<Uint8Array> {
  try {
    return decodeLocalMetadata(keys.localMetadataKey, await readAll(storage, `${snapshot}/metadata`));
  } catch (e) {
    if (isBackupError(e, 'STORAGE_ERROR') || keys.backupId === undefined) throw e;
    return keys.backupId;
  }
}

async function pickSnapshot(storage: BackupStorage, snapshot: string | undefined): Promise<string> {
  const names = await snapshotNames(storage);
  if (snapshot !== undefined) {
    if (!names.includes(snapshot))
      throw new BackupError('NOT_FOUND', `no snapshot named ${snapshot} in the backup folder`);
    return snapshot;
  }
  if (names.length === 0) throw new BackupError('NOT_FOUND', 'the backup folder has no snapshot');
  // The newest complete one (main, metadata and files all there); when none is, the newest, whose
  // reading then says what it lacks.
  for (const name of names) {
    const sizes = await Promise.all(['main', 'metadata', 'files'].map((f) => storage.stat(`${name}/${f}`)));
    if (sizes.every((s) => s !== undefined)) return name;
  }
  return names[0]!;
}

function mediaEntry(l: MediaLocator, backend: CryptoBackend): LocalMediaEntry | undefined {
  if (l.localKey === undefined || l.plaintextHash === undefined) return undefined;
  const localName = localBackupFileName(l.plaintextHash, l.localKey, backend);
  return {
    localName,
    path: mediaFilePath(localName),
    plaintextHash: l.plaintextHash,
    localKey: l.localKey,
    size: l.size,
    ...(l.contentType === undefined ? {} : { contentType: l.contentType }),
  };
}

/**
 * Opens a snapshot for restore. The MessageBackupKey comes from the backup id in the snapshot's
 * `metadata` when it decrypts (as Android does, so a snapshot made under another ACI opens),
 * else from the given ACI.
 *
 * @throws {BackupError} `NOT_FOUND` (no such snapshot), `MAC_MISMATCH` (wrong recovery key or
 *   damaged file) and the other container and frame codes; `INVALID_METADATA` /
 *   `UNSUPPORTED_VERSION` are not thrown (the ACI's id is used instead).
 */
export async function openLocalSnapshot(
  storage: BackupStorage,
  options: LocalSnapshotOptions,
): Promise<OpenedLocalSnapshot> {
  const keys = localBackupKeys(options);
  const backend = options.backend ?? defaultBackend();
  const snapshot = await pickSnapshot(storage, options.snapshot);
  const backupId = await snapshotBackupId(storage, snapshot, keys);
  const mainPath = `${snapshot}/main`;
  const length = await storage.stat(mainPath);
  if (length === undefined) throw new BackupError('NOT_FOUND', `the snapshot ${snapshot} has no main file`);
  const opened = await openBackup(
    { length, open: () => storage.get(mainPath) },
    {
      key: deriveMessageBackupKey(keys.backupKey, backupId),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
      ...limits(options),
    },
  );
  const timeMs = backupInfoTime(opened.backupInfo).timeMs;
  const media = new Map<string, LocalMediaEntry>();
  async function* frames(): AsyncGenerator<Uint8Array> {
    let index = 0;
    for await (const frame of opened.frames) {
      index++;
      for (const l of localLocatorsOfFrameBytes(frame, index, timeMs)) {
        const entry = mediaEntry(l, backend);
        if (entry !== undefined && !media.has(entry.localName)) media.set(entry.localName, entry);
      }
      yield frame;
    }
  }
  return {
    snapshot,
    backupInfo: opened.backupInfo,
    frames: frames(),
    media,
    readMedia: (entry) =>
      decryptAttachmentStream(
        { length: ciphertextSize(entry.size), open: () => storage.get(entry.path) },
        entry.localKey,
        {
          size: entry.size,
          plaintextHash: entry.plaintextHash,
          ...(options.backend === undefined ? {} : { backend: options.backend }),
        },
      ),
  };
}

/** One problem {@link verifyLocalBackup} found. */
export interface LocalBackupProblem {
  /**
   * A {@link BackupError} code, or `MEDIA_NOT_LISTED` / `METADATA_MISMATCH`, or `ROLLBACK` (the
   * snapshot holds an older backup than an earlier snapshot, or a copy of an earlier one's `main`,
   * or one older than its name by more than `maxBackupAgeMs`).
   */
  readonly code: string;
  /** What went wrong, for people. */
  readonly message: string;
  /** The file concerned, when one is. */
  readonly path?: string;
}

/** Options of {@link verifyLocalBackup}. */
export interface VerifyLocalBackupOptions extends LocalSnapshotOptions {
  /** Decrypt media too: `true` for all, a number for a random sample of that many. Default none. */
  decryptMedia?: boolean | number;
  /** Randomness of the sample. */
  random?: RandomSource;
  /**
   * Report a `ROLLBACK` when the snapshot's backup (`BackupInfo.backupTimeMs`) is older than the
   * time in its name by more than this (ms). Off by default: a snapshot made from a `.binproto`
   * exported earlier is legitimately older than its name.
   */
  maxBackupAgeMs?: number;
}

/** What {@link verifyLocalBackup} found. */
export interface LocalBackupVerification {
  /** True when no problem was found. */
  readonly ok: boolean;
  /** Name of the snapshot directory verified. */
  readonly snapshot: string;
  /** Frames read from `main` (after the BackupInfo; those before an error, if one stopped the read). */
  readonly frames: number;
  /** Media the snapshot lists. */
  readonly media: number;
  /** Media decrypted and checked. */
  readonly mediaDecrypted: number;
  /** Every problem found, in the order checked; empty when `ok`. */
  readonly problems: LocalBackupProblem[];
  /** The backup time the snapshot's BackupInfo states (ms), when its `main` could be read. */
  readonly backupTimeMs: number | undefined;
  /** Names in the folder that are not its own (left alone, not a problem), sorted, at most 100. */
  readonly foreign: string[];
  /** How many foreign names the folder holds. */
  readonly foreignCount: number;
}

/** Decode problems listed at most (the first is what matters; a damaged snapshot could have millions). */
const MAX_FRAME_PROBLEMS = 10;

function problemOf(e: unknown, path?: string): LocalBackupProblem {
  if (isBackupError(e)) return { code: e.code, message: e.message, ...(path === undefined ? {} : { path }) };
  throw e;
}

/**
 * Verifies a snapshot: its metadata names this account's backup id, its `main` authenticates
 * and its frames parse, every medium its frames reference is listed and present with the right
 * size, and (optionally) decrypts to its plaintext hash. Data problems are returned, not thrown.
 *
 * @throws {BackupError} `NOT_FOUND` when there is no such snapshot; `STORAGE_ERROR` from the storage.
 */
export async function verifyLocalBackup(
  storage: BackupStorage,
  options: VerifyLocalBackupOptions,
): Promise<LocalBackupVerification> {
  const keys = localBackupKeys(options);
  const snapshot = await pickSnapshot(storage, options.snapshot);
  const problems: LocalBackupProblem[] = [];
  const rethrowStorage = (e: unknown) => {
    if (isBackupError(e, 'STORAGE_ERROR')) throw e;
  };
  try {
    const id = decodeLocalMetadata(keys.localMetadataKey, await readAll(storage, `${snapshot}/metadata`));
    if (keys.backupId !== undefined && !constantTimeEqual(id, keys.backupId)) {
      problems.push({
        code: 'METADATA_MISMATCH',
        message: "the metadata names another backup id than the ACI's (another account, or another key)",
      });
    }
  } catch (e) {
    rethrowStorage(e);
    problems.push(problemOf(e, `${snapshot}/metadata`));
  }
  let listed: Set<string> | undefined;
  try {
    listed = new Set(decodeFilesList(await readAll(storage, `${snapshot}/files`)));
  } catch (e) {
    rethrowStorage(e);
    problems.push(problemOf(e, `${snapshot}/files`));
  }
  let frames = 0;
  let opened: OpenedLocalSnapshot | undefined;
  let backupTimeMs: number | undefined;
  let undecodable = 0;
  try {
    opened = await openLocalSnapshot(storage, { ...options, snapshot });
    backupTimeMs = backupInfoTime(opened.backupInfo).timeMs;
    for await (const frame of opened.frames) {
      frames++;
      // Every frame must decode (not only authenticate): a snapshot that cannot be restored never verifies.
      try {
        decodeFrameAt(frame, frames);
      } catch (e) {
        if (!isBackupError(e)) throw e;
        if (++undecodable <= MAX_FRAME_PROBLEMS) problems.push(problemOf(e, `${snapshot}/main`));
      }
    }
  } catch (e) {
    rethrowStorage(e);
    problems.push(problemOf(e, `${snapshot}/main`));
  }
  if (undecodable > MAX_FRAME_PROBLEMS) {
    problems.push({
      code: 'INVALID_FRAME',
      message: `${undecodable - MAX_FRAME_PROBLEMS} more frames do not decode`,
      path: `${snapshot}/main`,
    });
  }
  if (backupTimeMs !== undefined) {
    problems.push(...(await rollbackProblems(storage, snapshot, backupTimeMs, options)));
  }
  const entries = [...(opened?.media.values() ?? [])];
  const present: LocalMediaEntry[] = [];
  for (const entry of entries) {
    if (listed !== undefined && !listed.has(entry.localName)) {
      problems.push({
        code: 'MEDIA_NOT_LISTED',
        message: 'a medium the frames reference is not in the snapshot',
        path: entry.path,
      });
      continue;
    }
    const size = await storage.stat(entry.path);
    const want = ciphertextSize(entry.size);
    if (size === undefined)
      problems.push({ code: 'NOT_FOUND', message: 'a medium is missing from files/', path: entry.path });
    else if (size !== want) {
      problems.push({
        code: 'SIZE_MISMATCH',
        message: `a medium has ${size} bytes, expected ${want}`,
        path: entry.path,
      });
    } else present.push(entry);
  }
  const referenced = new Set(entries.map((e) => e.localName));
  for (const name of listed ?? []) {
    const path = mediaFilePath(name);
    if (!referenced.has(name) && (await storage.stat(path)) === undefined) {
      problems.push({ code: 'NOT_FOUND', message: 'a listed medium is missing from files/', path });
    }
  }
  const sample = pickSample(present, options.decryptMedia, options.random);
  let mediaDecrypted = 0;
  for (const entry of sample) {
    try {
      for await (const _ of opened!.readMedia(entry)) {
        // Draining checks MAC, padding, size and plaintext hash.
      }
      mediaDecrypted++;
    } catch (e) {
      rethrowStorage(e);
      problems.push(problemOf(e, entry.path));
    }
  }
  const contents = await folderContents(storage);
  return {
    ok: problems.length === 0,
    snapshot,
    frames,
    media: listed?.size ?? 0,
    mediaDecrypted,
    problems,
    backupTimeMs,
    ...foreignSummary(contents.foreign),
  };
}

/** The BackupInfo time of a snapshot's `main`, read without checking its MAC (`undefined` if it cannot be read). */
async function peekBackupTime(
  storage: BackupStorage,
  snapshot: string,
  options: VerifyLocalBackupOptions,
): Promise<number | undefined> {
  const keys = localBackupKeys(options);
  let backupId: Uint8Array;
  try {
    backupId = await snapshotBackupId(storage, snapshot, keys);
  } catch (e) {
    if (isBackupError(e, 'STORAGE_ERROR')) throw e;
    return undefined;
  }
  const source = storage.get(`${snapshot}/main`)[Symbol.asyncIterator]();
  const stream: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => source };
  try {
    const opened = await openBackupSinglePass(stream, {
      key: deriveMessageBackupKey(keys.backupKey, backupId),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
      ...limits(options),
    });
    return backupInfoTime(opened.backupInfo).timeMs;
  } catch (e) {
    if (isBackupError(e, 'STORAGE_ERROR')) throw e;
    return undefined; // damaged or unreadable: that snapshot's own verification reports it
  } finally {
    await source.return?.();
  }
}

async function sha256Of(storage: BackupStorage, name: string, backend: CryptoBackend): Promise<Uint8Array> {
  const hash = backend.sha256();
  for await (const chunk of storage.get(name)) hash.update(chunk);
  return hash.digest();
}

/**
 * Rollback checks: the snapshot's backup must not be older than the backup of an earlier
 * snapshot, its `main` must not be a copy of an earlier snapshot's (the writer never makes two
 * equal files: each has a random IV), and, with `maxBackupAgeMs`, it must not be older than its
 * name by more than that.
 */
async function rollbackProblems(
  storage: BackupStorage,
  snapshot: string,
  timeMs: number,
  options: VerifyLocalBackupOptions,
): Promise<LocalBackupProblem[]> {
  const problems: LocalBackupProblem[] = [];
  const path = `${snapshot}/main`;
  const iso = (t: number) => (Number.isFinite(t) && Math.abs(t) < 8.64e15 ? new Date(t).toISOString() : String(t));
  const nameTime = parseSnapshotName(snapshot)!;
  const maxAge = options.maxBackupAgeMs;
  if (maxAge !== undefined) {
    if (!Number.isFinite(maxAge) || maxAge < 0)
      throw new RangeError(`"maxBackupAgeMs" expected a duration >= 0 in ms, got ${maxAge}`);
    if (nameTime - timeMs > maxAge) {
      problems.push({
        code: 'ROLLBACK',
        message: `the snapshot holds a backup made at ${iso(timeMs)}, older than its name (${iso(nameTime)}) by more than the ${maxAge} ms allowed`,
        path,
      });
    }
  }
  const backend = options.backend ?? defaultBackend();
  const size = await storage.stat(path);
  let digest: Uint8Array | undefined;
  for (const earlier of (await snapshotNames(storage)).filter((n) => n < snapshot)) {
    const theirs = await peekBackupTime(storage, earlier, options);
    if (theirs !== undefined && timeMs < theirs) {
      problems.push({
        code: 'ROLLBACK',
        message: `the snapshot holds a backup made at ${iso(timeMs)}, older than the one in the earlier snapshot ${earlier} (${iso(theirs)}): an older main may have been put in its place`,
        path,
      });
    } else if (theirs === timeMs && size !== undefined && (await storage.stat(`${earlier}/main`)) === size) {
      digest ??= await sha256Of(storage, path, backend);
      if (constantTimeEqual(digest, await sha256Of(storage, `${earlier}/main`, backend))) {
        problems.push({
          code: 'ROLLBACK',
          message: `the snapshot's main file is a copy of the one in the earlier snapshot ${earlier}`,
          path,
        });
      }
    }
  }
  return problems;
}

function pickSample<T>(items: readonly T[], which: boolean | number | undefined, random?: RandomSource): T[] {
  if (which === undefined || which === false) return [];
  if (which === true) return [...items];
  if (!Number.isSafeInteger(which) || which < 0)
    throw new RangeError(`"decryptMedia" expected a boolean or a count, got ${which}`);
  const pool = [...items];
  const n = Math.min(which, pool.length);
  // Partial Fisher-Yates with 32-bit random draws (bias < 2^-20 for any realistic folder).
  for (let i = 0; i < n; i++) {
    const r = randomBytes(4, random);
    const x = ((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 0;
    const j = i + (x % (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}
