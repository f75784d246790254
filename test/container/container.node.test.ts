/** The container on the node:crypto/node:zlib backend, read back by every backend; Node file sources. */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pureBackend } from '../../src/backends/pure.js';
import { webCryptoBackend } from '../../src/backends/webcrypto.js';
import { encryptBackup } from '../../src/container/writer.js';
import { nodeBackend } from '../../src/node/backend.js';
import { fileSource } from '../../src/node/file.js';
import { INFO, KEY, readAll, sampleFrames } from './helpers.js';
import { containerSuite, METADATA } from './suite.js';

const ALL = [pureBackend, webCryptoBackend, nodeBackend];
containerSuite(nodeBackend, ALL);

describe('node file source', () => {
  it('reads a backup file from disk in two passes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sbackup-'));
    try {
      const frames = sampleFrames(20);
      const file = await encryptBackup(INFO, frames, { key: KEY, metadata: METADATA, backend: nodeBackend });
      const path = join(dir, 'backup.bin');
      await writeFile(path, file);
      for (const backend of ALL) {
        const r = await readAll(await fileSource(path), { key: KEY, backend });
        expect(r.ok).toBe(true);
        expect(r.seen.length).toBe(frames.length + 1);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
