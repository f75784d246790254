/**
 * A {@link BackupStorage} on the local file system: the default home of a local backup folder.
 * Writes go to a hidden temporary sibling (`.<name>.<random>.tmp`) that is flushed to disk (fsync)
 * and renamed over the target, so a crash or power loss leaves the old file or the new one, never
 * a mix; directory renames are single `rename(2)` calls, followed by an fsync of the parent
 * directory. `create` (the folder lock) links a complete temporary file to its name, which fails
 * when the name exists: exactly one of several racing processes succeeds.
 *
 * **Symbolic links are never followed below the root** (the root itself may be one): an operation
 * whose name passes through a link, or names one, fails with `STORAGE_ERROR` naming it, so a
 * `files` directory or shard that is a link cannot make a write or a deletion land outside the
 * folder. (Checked before each operation; a link swapped in by another process during the
 * operation itself is not defended against.)
 */

import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { type FileHandle, link, lstat, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { BackupError } from '../errors.js';
import {
  assertStorageName,
  type BackupStorage,
  type StorageEntry,
  type StorageProcesses,
  temporaryName,
} from '../incremental/storage.js';
import { type ByteSource, iterateBytes } from '../internal/stream.js';
import { describeErrno } from './errno.js';

/** `O_NOFOLLOW` where the platform has it (not on Windows, which has no such links in practice). */
const NO_FOLLOW = fsConstants.O_NOFOLLOW ?? 0;

/** This process, for the folder lock: host name, pid, and a liveness test by signal 0. */
const PROCESSES: StorageProcesses = {
  get host() {
    return hostname();
  },
  get pid() {
    return process.pid;
  },
  isAlive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      // EPERM: it exists but belongs to another user.
      return (e as NodeJS.ErrnoException)?.code !== 'ESRCH';
    }
  },
};

/** Read chunk size: large enough that per-call overhead vanishes, small enough to stay bounded. */
const READ_CHUNK = 1 << 20;

/** Options of {@link fsStorage}. */
export interface FsStorageOptions {
  /**
   * Flush each written file, and each directory after a rename, to the disk before going on
   * (what makes a snapshot survive a power loss). Default true; turn off only for scratch folders.
   */
  durable?: boolean;
}

function storageError(e: unknown, what: string, name: string): BackupError {
  if (e instanceof BackupError) return e;
  const code = (e as NodeJS.ErrnoException)?.code ?? 'EIO';
  return new BackupError('STORAGE_ERROR', `${describeErrno(code, what, name)} in the backup folder`, {
    name,
    errno: code,
    cause: e,
  });
}

function linkError(name: string): BackupError {
  return new BackupError(
    'STORAGE_ERROR',
    `${name} in the backup folder is a symbolic link; sbackup never follows links there (move it out of the folder)`,
    { name, reason: 'symlink' },
  );
}

function specialError(name: string): BackupError {
  return new BackupError(
    'STORAGE_ERROR',
    `${name} in the backup folder is neither a file nor a directory; sbackup leaves it alone and stops`,
    { name, reason: 'special-file' },
  );
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT';
}

async function syncDirectory(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, fsConstants.O_RDONLY);
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or flush a directory; the rename itself still happened.
  } finally {
    await handle?.close();
  }
}

/**
 * A storage rooted at directory `root` (created on the first write).
 *
 * @throws {TypeError} when `root` is not a string.
 */
export function fsStorage(root: string, options: FsStorageOptions = {}): BackupStorage {
  if (typeof root !== 'string' || root === '') throw new TypeError('"root" expected a directory path');
  const durable = options.durable ?? true;
  const full = (name: string) => join(root, ...name.split('/'));
  // Directories this storage created or checked (no links on their path): saves a mkdir and the
  // lstat calls per file. Forgotten when anything is deleted or renamed.
  const knownDirectories = new Set<string>();

  /**
   * Checks that no directory on the way to `name` (below the root) is a symbolic link, nor `name`
   * itself when `final`. Resolves to the kind of `name` (`undefined` when it does not exist).
   */
  async function checkPath(name: string, final: boolean): Promise<'file' | 'directory' | undefined> {
    const parts = name === '' ? [] : name.split('/');
    let prefix = '';
    for (let i = 0; i < parts.length; i++) {
      prefix = prefix === '' ? parts[i]! : `${prefix}/${parts[i]}`;
      const last = i === parts.length - 1;
      if (!last && knownDirectories.has(prefix)) continue;
      let s: import('node:fs').Stats;
      try {
        s = await lstat(full(prefix));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException)?.code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw storageError(e, 'read', prefix);
      }
      if (s.isSymbolicLink()) {
        if (last && !final) return undefined;
        throw linkError(prefix);
      }
      if (!last) {
        if (!s.isDirectory()) return undefined;
        knownDirectories.add(prefix);
      } else {
        if (s.isDirectory()) {
          knownDirectories.add(prefix);
          return 'directory';
        }
        if (s.isFile()) return 'file';
        if (final) throw specialError(prefix);
        return undefined;
      }
    }
    return 'directory'; // the root
  }

  /** Makes the directory of `name` (checked for links first). */
  async function makeParent(name: string): Promise<void> {
    const slash = name.lastIndexOf('/');
    if (slash < 0) {
      await mkdir(root, { recursive: true });
      return;
    }
    const dir = name.slice(0, slash);
    if (knownDirectories.has(dir)) return;
    const kind = await checkPath(dir, true);
    if (kind === undefined) await mkdir(full(dir), { recursive: true });
    // Check again: mkdir -p follows a link that appeared on the way.
    if ((await checkPath(dir, true)) !== 'directory') {
      throw new BackupError('STORAGE_ERROR', `${dir} in the backup folder is not a directory`, { name: dir });
    }
  }

  async function walk(dir: string, prefix: string, out: StorageEntry[]): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isNotFound(e)) return;
      throw storageError(e, 'list', prefix || '/');
    }
    // Siblings are listed concurrently: a media store has hundreds of shard directories.
    await Promise.all(
      entries.map(async (entry) => {
        const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
        const path = join(dir, entry.name);
        if (entry.isSymbolicLink()) throw linkError(name);
        if (entry.isDirectory()) await walk(path, name, out);
        else if (entry.isFile()) {
          try {
            const s = await lstat(path);
            if (s.isFile()) out.push({ name, size: s.size });
            else if (s.isSymbolicLink()) throw linkError(name);
          } catch (e) {
            // Deleted between readdir and lstat: not there any more.
            if (!isNotFound(e)) throw storageError(e, 'list', name);
          }
        } else throw specialError(name);
      }),
    );
  }

  /** Writes `data` to a fresh temporary file next to `name`; returns its storage name and size. */
  async function writeTemporary(name: string, data: ByteSource): Promise<{ tmp: string; written: number }> {
    const tmp = temporaryName(name, randomBytes(6).toString('hex'));
    let handle: FileHandle | undefined;
    let written = 0;
    try {
      await makeParent(name);
      // O_EXCL: never opens an existing file or follows a link at the temporary name.
      handle = await open(full(tmp), 'wx').catch(async (e) => {
        // Someone removed the directory since: make it again.
        if (!isNotFound(e)) throw e;
        knownDirectories.clear();
        await makeParent(name);
        return open(full(tmp), 'wx');
      });
      for await (const chunk of iterateBytes(data, 'data')) {
        let offset = 0;
        while (offset < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
          offset += bytesWritten;
        }
        written += chunk.length;
      }
      if (durable) await handle.sync();
      await handle.close();
      handle = undefined;
      return { tmp, written };
    } catch (e) {
      await handle?.close().catch(() => {});
      await rm(full(tmp), { force: true }).catch(() => {});
      throw e;
    }
  }

  function rethrow(e: unknown, what: string, name: string): never {
    if (e instanceof BackupError || e instanceof TypeError || e instanceof RangeError) throw e;
    if (typeof (e as NodeJS.ErrnoException)?.code === 'string') throw storageError(e, what, name);
    throw e;
  }

  return {
    processes: PROCESSES,

    async put(name: string, data: ByteSource): Promise<number> {
      assertStorageName(name);
      let tmp: string | undefined;
      try {
        // A link at the target would be replaced by the rename: refuse it instead.
        await checkPath(name, true);
        const w = await writeTemporary(name, data);
        tmp = w.tmp;
        await rename(full(tmp), full(name));
        tmp = undefined;
        if (durable) await syncDirectory(dirname(full(name)));
        return w.written;
      } catch (e) {
        if (tmp !== undefined) await rm(full(tmp), { force: true }).catch(() => {});
        rethrow(e, 'write', name);
      }
    },

    async create(name: string, bytes: Uint8Array): Promise<boolean> {
      assertStorageName(name);
      let tmp: string | undefined;
      try {
        if ((await checkPath(name, true)) !== undefined) return false;
        const w = await writeTemporary(name, [bytes]);
        tmp = w.tmp;
        try {
          // link(2) fails when the name exists: the atomic "create if absent" of a complete file.
          await link(full(tmp), full(name));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException)?.code;
          if (code === 'EEXIST') return false;
          if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
          // A file system without hard links: exclusive create (a reader may see it half-written).
          let handle: FileHandle;
          try {
            handle = await open(
              full(name),
              fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | NO_FOLLOW,
            );
          } catch (e2) {
            if ((e2 as NodeJS.ErrnoException)?.code === 'EEXIST') return false;
            throw e2;
          }
          try {
            await handle.write(bytes);
            if (durable) await handle.sync();
          } finally {
            await handle.close();
          }
        }
        if (durable) await syncDirectory(dirname(full(name)));
        return true;
      } catch (e) {
        rethrow(e, 'create', name);
      } finally {
        if (tmp !== undefined) await unlink(full(tmp)).catch(() => {});
      }
    },

    async *get(name: string): AsyncGenerator<Uint8Array> {
      assertStorageName(name);
      let handle: FileHandle;
      try {
        const kind = await checkPath(name, true);
        if (kind === undefined)
          throw new BackupError('NOT_FOUND', `no such file in the backup folder: ${name}`, { name });
        if (kind === 'directory') throw storageError(Object.assign(new Error(), { code: 'EISDIR' }), 'read', name);
        handle = await open(full(name), fsConstants.O_RDONLY | NO_FOLLOW);
      } catch (e) {
        if (isNotFound(e)) throw new BackupError('NOT_FOUND', `no such file in the backup folder: ${name}`, { name });
        if ((e as NodeJS.ErrnoException)?.code === 'ELOOP') throw linkError(name);
        rethrow(e, 'read', name);
      }
      try {
        for (;;) {
          const buffer = new Uint8Array(READ_CHUNK);
          let bytesRead: number;
          try {
            ({ bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null));
          } catch (e) {
            rethrow(e, 'read', name);
          }
          if (bytesRead === 0) return;
          yield bytesRead === READ_CHUNK ? buffer : buffer.subarray(0, bytesRead);
        }
      } finally {
        await handle.close();
      }
    },

    async stat(name: string): Promise<number | undefined> {
      assertStorageName(name);
      try {
        if ((await checkPath(name, true)) !== 'file') return undefined;
        return (await lstat(full(name))).size;
      } catch (e) {
        if (isNotFound(e)) return undefined;
        rethrow(e, 'stat', name);
      }
    },

    async list(prefix: string): Promise<StorageEntry[]> {
      assertStorageName(prefix, 'prefix', true);
      const kind = await checkPath(prefix, true);
      if (kind !== 'directory') return [];
      const out: StorageEntry[] = [];
      await walk(prefix === '' ? root : full(prefix), prefix, out);
      return out;
    },

    async children(prefix: string): Promise<string[]> {
      assertStorageName(prefix, 'prefix', true);
      try {
        if ((await checkPath(prefix, true)) !== 'directory') return [];
        return await readdir(prefix === '' ? root : full(prefix));
      } catch (e) {
        if (isNotFound(e)) return [];
        rethrow(e, 'list', prefix || '/');
      }
    },

    async delete(name: string): Promise<void> {
      assertStorageName(name);
      knownDirectories.clear();
      try {
        // rm does not follow links inside what it removes; a link as (or on the way to) `name` is refused.
        if ((await checkPath(name, true)) === undefined) return;
        await rm(full(name), { recursive: true, force: true });
      } catch (e) {
        rethrow(e, 'delete', name);
      }
    },

    async rename(from: string, to: string): Promise<void> {
      assertStorageName(from, 'from');
      assertStorageName(to, 'to');
      knownDirectories.clear();
      try {
        const kind = await checkPath(from, true);
        if (kind === undefined) {
          throw new BackupError('NOT_FOUND', `no such file in the backup folder: ${from}`, { name: from });
        }
        const existing = await checkPath(to, true);
        // rename(2) would replace an empty directory; the interface says a directory replaces nothing.
        if (kind === 'directory' && existing !== undefined) {
          throw new BackupError('STORAGE_ERROR', `cannot rename ${from}: ${to} exists`, { name: to });
        }
        await makeParent(to);
        await rename(full(from), full(to));
        if (durable) await syncDirectory(dirname(full(to)));
      } catch (e) {
        if (isNotFound(e))
          throw new BackupError('NOT_FOUND', `no such file in the backup folder: ${from}`, { name: from });
        rethrow(e, 'rename', from);
      } finally {
        knownDirectories.clear();
      }
    },
  };
}
