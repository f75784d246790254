/**
 * Media plaintexts from a directory of files under any names, matched to the frames'
 * attachments by content (SHA-256 = LocatorInfo.plaintextHash). Files are indexed by size on
 * first use, and only files whose size matches a requested medium are hashed, each at most once,
 * so an incremental run that needs a few media reads a few files.
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalMediaRequest, LocalMediaSource } from '../incremental/localFolder.js';
import type { RereadableSource } from '../media/source.js';

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function* readFileChunks(path: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const b = chunk as Buffer;
    yield new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
}

/**
 * A {@link LocalMediaSource} over the files under `dir` (recursively).
 *
 * @throws {TypeError} when `dir` is not a string.
 */
export function directoryMediaSource(dir: string): LocalMediaSource & {
  /** Files hashed so far (each at most once); shows how much of the directory a run read. */
  readonly filesHashed: number;
} {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('"dir" expected a directory path');
  let bySize: Promise<Map<number, string[]>> | undefined;
  // One hash per file, shared by concurrent requests.
  const hashes = new Map<string, Promise<string>>();
  const index = async (): Promise<Map<number, string[]>> => {
    const map = new Map<number, string[]>();
    const walk = async (d: string): Promise<void> => {
      const entries = await readdir(d, { withFileTypes: true });
      await Promise.all(
        entries.map(async (entry) => {
          const path = join(d, entry.name);
          if (entry.isDirectory()) await walk(path);
          else if (entry.isFile()) {
            const { size } = await stat(path);
            const list = map.get(size);
            if (list === undefined) map.set(size, [path]);
            else list.push(path);
          }
        }),
      );
    };
    await walk(dir);
    // Concurrent stats finish in any order; sort so the same directory always gives the same answers.
    for (const list of map.values()) list.sort();
    return map;
  };
  const source = async (request: LocalMediaRequest): Promise<RereadableSource | undefined> => {
    bySize ??= index();
    const candidates = (await bySize).get(request.size) ?? [];
    let found: string | undefined;
    for (const path of candidates) {
      let h = hashes.get(path);
      if (h === undefined) {
        h = sha256File(path);
        hashes.set(path, h);
      }
      if ((await h) === request.plaintextHashHex) {
        found = path;
        break;
      }
    }
    if (found === undefined) return undefined;
    const path = found;
    return { length: request.size, open: () => readFileChunks(path) };
  };
  return Object.defineProperty(source, 'filesHashed', { get: () => hashes.size }) as LocalMediaSource & {
    readonly filesHashed: number;
  };
}
