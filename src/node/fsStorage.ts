/**
 * A {@link BackupStorage} on the local file system: the default home of a local backup folder.
 * Writes go to a hidden temporary sibling that is flushed to disk (fsync) and renamed over the
 * target, so a crash or power loss leaves the old file or the new one, never a mix; directory
 * renames are single `rename(2)` calls, followed by an fsync of the parent directory.
 */

import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BackupError } from '../errors.js';
import { assertStorageName, type BackupStorage, type StorageEntry } from '../incremental/storage.js';
import { type ByteSource, iterateBytes } from '../internal/stream.js';

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
  const code = (e as NodeJS.ErrnoException)?.code ?? 'EIO';
  return new BackupError('STORAGE_ERROR', `cannot ${what} ${name} in the backup folder (${code})`, { name, cause: e });
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
  // Directories this storage created (saves a mkdir per file); forgotten when anything is deleted or renamed.
  const madeDirectories = new Set<string>();

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
        if (entry.isDirectory()) await walk(path, name, out);
        else if (entry.isFile()) {
          try {
            out.push({ name, size: (await stat(path)).size });
          } catch (e) {
            // Deleted between readdir and stat: not there any more.
            if (!isNotFound(e)) throw storageError(e, 'list', name);
          }
        }
      }),
    );
  }

  return {
    async put(name: string, data: ByteSource): Promise<number> {
      assertStorageName(name);
      const target = full(name);
      const tmp = join(dirname(target), `.${name.split('/').pop()}.${randomBytes(6).toString('hex')}.tmp`);
      let handle: FileHandle | undefined;
      let written = 0;
      try {
        const parent = dirname(target);
        if (!madeDirectories.has(parent)) {
          await mkdir(parent, { recursive: true });
          madeDirectories.add(parent);
        }
        handle = await open(tmp, 'wx').catch(async (e) => {
          // Someone removed the directory since: make it again.
          if (!isNotFound(e)) throw e;
          await mkdir(parent, { recursive: true });
          return open(tmp, 'wx');
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
        await rename(tmp, target);
        if (durable) await syncDirectory(dirname(target));
        return written;
      } catch (e) {
        await handle?.close().catch(() => {});
        await rm(tmp, { force: true }).catch(() => {});
        if (e instanceof BackupError || e instanceof TypeError || e instanceof RangeError) throw e;
        if (typeof (e as NodeJS.ErrnoException)?.code === 'string') throw storageError(e, 'write', name);
        throw e;
      }
    },

    async *get(name: string): AsyncGenerator<Uint8Array> {
      assertStorageName(name);
      let handle: FileHandle;
      try {
        handle = await open(full(name), 'r');
      } catch (e) {
        if (isNotFound(e)) throw new BackupError('NOT_FOUND', `no such file in the backup folder: ${name}`, { name });
        throw storageError(e, 'read', name);
      }
      try {
        for (;;) {
          const buffer = new Uint8Array(READ_CHUNK);
          const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null);
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
        const s = await stat(full(name));
        return s.isFile() ? s.size : undefined;
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw storageError(e, 'stat', name);
      }
    },

    async list(prefix: string): Promise<StorageEntry[]> {
      assertStorageName(prefix, 'prefix', true);
      const out: StorageEntry[] = [];
      await walk(prefix === '' ? root : full(prefix), prefix, out);
      return out;
    },

    async children(prefix: string): Promise<string[]> {
      assertStorageName(prefix, 'prefix', true);
      try {
        return await readdir(prefix === '' ? root : full(prefix));
      } catch (e) {
        if (isNotFound(e)) return [];
        throw storageError(e, 'list', prefix || '/');
      }
    },

    async delete(name: string): Promise<void> {
      assertStorageName(name);
      madeDirectories.clear();
      try {
        await rm(full(name), { recursive: true, force: true });
      } catch (e) {
        throw storageError(e, 'delete', name);
      }
    },

    async rename(from: string, to: string): Promise<void> {
      assertStorageName(from, 'from');
      assertStorageName(to, 'to');
      const source = full(from);
      const target = full(to);
      madeDirectories.clear();
      try {
        const s = await stat(source);
        if (s.isDirectory()) {
          // rename(2) would replace an empty directory; the interface says a directory replaces nothing.
          const exists = await stat(target).then(
            () => true,
            (e) => (isNotFound(e) ? false : Promise.reject(e)),
          );
          if (exists) throw new BackupError('STORAGE_ERROR', `cannot rename ${from}: ${to} exists`, { name: to });
        }
        await mkdir(dirname(target), { recursive: true });
        await rename(source, target);
        if (durable) await syncDirectory(dirname(target));
      } catch (e) {
        if (e instanceof BackupError) throw e;
        if (isNotFound(e))
          throw new BackupError('NOT_FOUND', `no such file in the backup folder: ${from}`, { name: from });
        throw storageError(e, 'rename', from);
      }
    },
  };
}
