/**
 * The node backend compresses large segments in parallel in the thread pool and hands their
 * output out in order: a multi-MiB backup (segments well above the 32 KiB thread-pool threshold,
 * more of them than may run at once) must read back exactly on every backend and with zlib.
 */

import { gunzipSync } from 'node:zlib';
import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pureBackend } from '../../src/backends/pure.js';
import { webCryptoBackend } from '../../src/backends/webcrypto.js';
import { encryptBackup } from '../../src/container/writer.js';
import { nodeBackend } from '../../src/node/backend.js';
import { delimited, equalBytes, frame, INFO, KEY, readAll, text } from './helpers.js';

describe('node backend, parallel deflate', () => {
  it('a 6 MiB backup round-trips on every backend and through node:zlib', async () => {
    const frames = [frame(1, text('account')), frame(2, text('self'))];
    let seed = 7;
    // Mostly chat items, with a few recipients in between (isolated, flushed blocks).
    for (let i = 0; frames.length < 40000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const body = text(`message ${i} ${'word '.repeat(seed % 60)} ${seed.toString(36)}`);
      frames.push(frame(i % 5000 === 4999 ? 2 : 4, body));
    }
    frames.push(frame(4, new Uint8Array(3 * 2 ** 20).fill(0x62)));
    const file = await encryptBackup(INFO, frames, { key: KEY, backend: nodeBackend, padding: 'none' });
    for (const backend of [nodeBackend, pureBackend, webCryptoBackend]) {
      const r = await readAll(file, { key: KEY, backend });
      expect(r.ok, backend.name).toBe(true);
      expect(r.seen.length).toBe(frames.length + 1);
      for (const [i, f] of frames.entries()) if (!equalBytes(r.seen[i + 1]!, f)) expect.fail(`frame ${i} differs`);
    }
    const d = createDecipheriv('aes-256-cbc', KEY.aesKey, file.subarray(0, 16));
    const plain = Buffer.concat([d.update(file.subarray(16, file.length - 32)), d.final()]);
    expect(equalBytes(gunzipSync(plain), delimited(INFO, frames))).toBe(true);
  });
});
