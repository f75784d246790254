/**
 * A {@link HostedSpool} in a private temporary file (Node only): the encrypted backup waits there
 * between writing and uploading, or downloading and opening, instead of in memory. The file is
 * created 0600 in its own 0700 directory and removed by `dispose`.
 */

import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostedSpool } from '../hosted/job.js';
import { fileSource } from './file.js';

/**
 * A spool in a temporary file under `dir` (the system's temporary directory when absent).
 * Pass `() => fileSpool()` as `spool` to `hostedBackup` / `hostedRestore`.
 */
export function fileSpool(dir: string = tmpdir()): HostedSpool {
  let folder: string | undefined;
  let handle: FileHandle | undefined;
  let opening: Promise<FileHandle> | undefined;
  const path = () => join(folder!, 'backup');
  const ensure = () => {
    opening ??= (async () => {
      folder = await mkdtemp(join(dir, 'sbackup-spool-'));
      handle = await open(path(), 'wx', 0o600);
      return handle;
    })();
    return opening;
  };
  return {
    async write(chunk) {
      const h = await ensure();
      let done = 0;
      while (done < chunk.length) {
        const { bytesWritten } = await h.write(chunk, done, chunk.length - done);
        done += bytesWritten;
      }
    },
    async finish() {
      const h = await ensure();
      await h.close();
      handle = undefined;
      return fileSource(path());
    },
    async dispose() {
      await handle?.close().catch(() => {});
      handle = undefined;
      if (folder !== undefined) await rm(folder, { recursive: true, force: true });
    },
  };
}
