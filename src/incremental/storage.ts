/**
 * Where a local backup folder lives: a small storage interface (files addressed by `/`-separated
 * names, directories implied by the names) with an in-memory implementation that works in every
 * runtime. The Node file-system implementation is `fsStorage` in `sbackup/node`. The planner
 * knows nothing of storage; the local folder code is written against this interface only.
 */

import { BackupError } from '../errors.js';
import { concatByteList } from '../internal/bytes.js';
import { type ByteSource, iterateBytes } from '../internal/stream.js';

/** A file in a storage listing. */
export interface StorageEntry {
  /** Full name from the storage root, e.g. `files/ab/ab12...`. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * A place to keep a backup folder. Names are relative, `/`-separated, with no empty, `.` or `..`
 * segment. A directory exists while some file lives under it.
 */
export interface BackupStorage {
  /**
   * Writes a file from a stream, atomically: readers see the old content or the new, never part,
   * and a failed or interrupted write leaves the old content. Replaces an existing file.
   * Resolves to the number of bytes written.
   */
  put(name: string, data: ByteSource): Promise<number>;
  /** Streams a file. Throws `BackupError('NOT_FOUND')` (on first read) when it does not exist. */
  get(name: string): AsyncIterable<Uint8Array>;
  /** The file's size, or `undefined` when there is no such file. */
  stat(name: string): Promise<number | undefined>;
  /** Every file under directory `prefix` (`''` for all), recursively, in no particular order. */
  list(prefix: string): Promise<StorageEntry[]>;
  /** Names of the files and directories directly inside directory `prefix` (`''` for the root). */
  children(prefix: string): Promise<string[]>;
  /** Deletes a file, or a directory and everything under it. Deleting nothing is not an error. */
  delete(name: string): Promise<void>;
  /**
   * Renames a file or a directory in one step. A file replaces an existing file; a directory
   * must not replace anything. Throws `NOT_FOUND` when `from` does not exist.
   */
  rename(from: string, to: string): Promise<void>;
  /**
   * Creates a small file only when nothing of that name exists, atomically: of several callers
   * (in this process or others) racing for one name, exactly one sees `true`, and no reader ever
   * sees the file half-written. Resolves `false` when the name is taken. What the folder lock is
   * built on.
   */
  create(name: string, bytes: Uint8Array): Promise<boolean>;
  /**
   * Who is running, for the folder lock: the host and process id written into a lock, and whether
   * a process of this host still runs (a lock whose process is gone is taken over). Absent for a
   * storage only one process can reach (the in-memory one): every lock is then this process's.
   */
  readonly processes?: StorageProcesses;
}

/** What the folder lock needs to know about processes (see {@link BackupStorage.processes}). */
export interface StorageProcesses {
  /** This host's name, as written into a lock. */
  readonly host: string;
  /** This process's id. */
  readonly pid: number;
  /** False only when process `pid` of this host certainly no longer runs. */
  isAlive(pid: number): boolean;
}

/** Suffix of a storage's temporary files: `.<base>.<tag>.tmp` next to the file being written. */
const TEMPORARY = /^\.(.+)\.[0-9a-z]{1,32}\.tmp$/;

/**
 * The name a storage writes a file under before it renames it into place: `.<base>.<tag>.tmp` in
 * the same directory (so the local folder can tell its own leftovers from anything else).
 *
 * @throws {TypeError} on a malformed name or a tag that is not 1-32 characters of `[0-9a-z]`.
 */
export function temporaryName(name: string, tag: string): string {
  assertStorageName(name);
  if (!/^[0-9a-z]{1,32}$/.test(tag)) throw new TypeError(`"tag" expected 1-32 characters of [0-9a-z], got ${tag}`);
  const slash = name.lastIndexOf('/');
  return `${name.slice(0, slash + 1)}.${name.slice(slash + 1)}.${tag}.tmp`;
}

/** The name a temporary file ({@link temporaryName}) stands in for, or `undefined` if `name` is not one. */
export function temporaryTarget(name: string): string | undefined {
  const slash = name.lastIndexOf('/');
  const m = TEMPORARY.exec(name.slice(slash + 1));
  return m === null ? undefined : name.slice(0, slash + 1) + m[1];
}

/**
 * Checks a storage name.
 *
 * @throws {TypeError} when `name` is not a string of non-empty `/`-separated segments without `.`,
 *   `..`, backslashes or NUL.
 */
export function assertStorageName(name: unknown, what = 'name', allowRoot = false): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`"${what}" expected a string`);
  if (name === '' && allowRoot) return;
  const bad = name.split('/').some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'));
  if (bad) throw new TypeError(`"${what}" expected a relative name of non-empty segments, got ${JSON.stringify(name)}`);
}

/** Reads a whole file into memory. @throws {BackupError} `NOT_FOUND` when it does not exist. */
export async function readAll(storage: BackupStorage, name: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of storage.get(name)) parts.push(chunk);
  return parts.length === 1 ? parts[0]! : concatByteList(parts);
}

function notFound(name: string): BackupError {
  return new BackupError('NOT_FOUND', `no such file in the backup folder: ${name}`, { name });
}

/** An in-memory {@link BackupStorage}: for tests, browsers, and staging. */
export class MemoryStorage implements BackupStorage {
  /** The files, by name (exposed for tests that damage a folder on purpose). */
  readonly files = new Map<string, Uint8Array>();

  /** @throws {TypeError} on a malformed name. */
  async put(name: string, data: ByteSource): Promise<number> {
    assertStorageName(name);
    const parts: Uint8Array[] = [];
    for await (const chunk of iterateBytes(data, 'data')) parts.push(chunk.slice());
    if (this.isDirectory(name)) throw new BackupError('STORAGE_ERROR', `a directory is in the way: ${name}`, { name });
    const bytes = concatByteList(parts);
    this.files.set(name, bytes);
    return bytes.length;
  }

  /** @throws {BackupError} `NOT_FOUND` on first read when the file does not exist. */
  async *get(name: string): AsyncGenerator<Uint8Array> {
    assertStorageName(name);
    const bytes = this.files.get(name);
    if (bytes === undefined) throw notFound(name);
    // Hand out copies in pieces, as a file would be read.
    for (let o = 0; o < bytes.length; o += 1 << 20) yield bytes.slice(o, o + (1 << 20));
  }

  /** @throws {TypeError} on a malformed name. */
  async stat(name: string): Promise<number | undefined> {
    assertStorageName(name);
    return this.files.get(name)?.length;
  }

  /** @throws {TypeError} on a malformed prefix. */
  async list(prefix: string): Promise<StorageEntry[]> {
    assertStorageName(prefix, 'prefix', true);
    const start = prefix === '' ? '' : `${prefix}/`;
    const out: StorageEntry[] = [];
    for (const [name, bytes] of this.files) if (name.startsWith(start)) out.push({ name, size: bytes.length });
    return out;
  }

  /** @throws {TypeError} on a malformed prefix. */
  async children(prefix: string): Promise<string[]> {
    assertStorageName(prefix, 'prefix', true);
    const start = prefix === '' ? '' : `${prefix}/`;
    const out = new Set<string>();
    for (const name of this.files.keys()) {
      if (name.startsWith(start)) out.add(name.slice(start.length).split('/')[0]!);
    }
    return [...out];
  }

  /** @throws {TypeError} on a malformed name. */
  async delete(name: string): Promise<void> {
    assertStorageName(name);
    this.files.delete(name);
    for (const key of [...this.files.keys()]) if (key.startsWith(`${name}/`)) this.files.delete(key);
  }

  /** @throws {BackupError} `NOT_FOUND`, or `STORAGE_ERROR` when a directory would replace something. */
  async rename(from: string, to: string): Promise<void> {
    assertStorageName(from, 'from');
    assertStorageName(to, 'to');
    const file = this.files.get(from);
    if (file !== undefined) {
      if (this.isDirectory(to))
        throw new BackupError('STORAGE_ERROR', `a directory is in the way: ${to}`, { name: to });
      this.files.delete(from);
      this.files.set(to, file);
      return;
    }
    const moving = [...this.files.keys()].filter((k) => k.startsWith(`${from}/`));
    if (moving.length === 0) throw notFound(from);
    if (this.files.has(to) || this.isDirectory(to)) {
      throw new BackupError('STORAGE_ERROR', `cannot rename ${from}: ${to} exists`, { name: to });
    }
    for (const key of moving) {
      this.files.set(to + key.slice(from.length), this.files.get(key)!);
      this.files.delete(key);
    }
  }

  /** @throws {TypeError} on a malformed name. */
  async create(name: string, bytes: Uint8Array): Promise<boolean> {
    assertStorageName(name);
    if (this.files.has(name) || this.isDirectory(name)) return false;
    this.files.set(name, bytes.slice());
    return true;
  }

  private isDirectory(name: string): boolean {
    const start = `${name}/`;
    for (const key of this.files.keys()) if (key.startsWith(start)) return true;
    return false;
  }
}
