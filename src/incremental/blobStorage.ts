/**
 * A read-only {@link BackupStorage} over Blobs (a browser's `File` objects from a folder picker or
 * the File System Access API): each file is named by its path relative to the backup folder.
 * Nothing is read until a file is asked for, so a folder of many gigabytes costs only its listing.
 */

import { BackupError } from '../errors.js';
import type { BackupStorage, StorageEntry } from './storage.js';

/** What a blob storage needs of a file: its size and a way to read it (a `Blob` or `File`). */
export interface BlobLike {
  /** Size in bytes. */
  readonly size: number;
  /** A copy of a byte range. */
  slice(start?: number, end?: number): BlobLike;
  /** The whole content. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Bytes read per chunk when a file is streamed. */
const CHUNK = 1 << 20;

const readOnlyError = () => new BackupError('STORAGE_ERROR', 'the backup folder was opened read-only');

/** A read-only storage over named Blobs; the writing methods throw `STORAGE_ERROR`. */
export class BlobStorage implements BackupStorage {
  readonly #files = new Map<string, BlobLike>();

  /** @param files `[name, blob]` pairs, names `/`-separated and relative to the backup folder. */
  constructor(files: Iterable<readonly [string, BlobLike]>) {
    for (const [name, blob] of files) this.#files.set(name, blob);
  }

  async *get(name: string): AsyncGenerator<Uint8Array> {
    const blob = this.#files.get(name);
    if (blob === undefined) {
      throw new BackupError('NOT_FOUND', `no such file in the backup folder: ${name}`, { name });
    }
    for (let o = 0; o < blob.size; o += CHUNK) {
      yield new Uint8Array(await blob.slice(o, Math.min(blob.size, o + CHUNK)).arrayBuffer());
    }
  }

  async stat(name: string): Promise<number | undefined> {
    return this.#files.get(name)?.size;
  }

  async list(prefix: string): Promise<StorageEntry[]> {
    const p = prefix === '' ? '' : `${prefix}/`;
    const out: StorageEntry[] = [];
    for (const [name, blob] of this.#files) if (name.startsWith(p)) out.push({ name, size: blob.size });
    return out;
  }

  async children(prefix: string): Promise<string[]> {
    const p = prefix === '' ? '' : `${prefix}/`;
    const out = new Set<string>();
    for (const name of this.#files.keys()) {
      if (!name.startsWith(p)) continue;
      const rest = name.slice(p.length);
      out.add(rest.split('/', 1)[0]!);
    }
    return [...out];
  }

  put(): Promise<number> {
    return Promise.reject(readOnlyError());
  }
  delete(): Promise<void> {
    return Promise.reject(readOnlyError());
  }
  rename(): Promise<void> {
    return Promise.reject(readOnlyError());
  }
  create(): Promise<boolean> {
    return Promise.reject(readOnlyError());
  }
}
