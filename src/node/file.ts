/** Backup files on disk as re-readable sources for the reader (Node only). */

import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { ReopenableSource } from '../container/sources.js';

/** Read size for backup files: large reads keep the per-chunk cost low. */
const FILE_CHUNK = 1 << 20;

/**
 * A {@link ReopenableSource} over the file at `path` (its length is taken now; each pass opens
 * the file again; the reader checks that each pass reads exactly that length). Its `readInto`
 * reads into one buffer the reader reuses for a whole pass (no fresh memory per chunk).
 *
 * @throws {Error} the `fs` error (`ENOENT`, `EACCES`, ...) when the file cannot be stat'ed.
 */
export async function fileSource(path: string): Promise<ReopenableSource> {
  const { size } = await stat(path);
  return {
    length: size,
    open: () => createReadStream(path, { highWaterMark: FILE_CHUNK }) as AsyncIterable<Uint8Array>,
    async *readInto(offset: number, buffer: Uint8Array) {
      const handle = await open(path, 'r');
      try {
        for (let position = offset; ; ) {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
          if (bytesRead === 0) return;
          position += bytesRead;
          yield buffer.subarray(0, bytesRead);
        }
      } finally {
        await handle.close();
      }
    },
  };
}
