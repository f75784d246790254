import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openBackup } from '../../src/container/reader.js';
import { concatByteList } from '../../src/internal/bytes.js';
import { encodeVarint } from '../../src/internal/wire.js';
import { handBuilt } from './helpers.js';

// A file whose plaintext is a BackupInfo then millions of empty frames (one zero byte each): a
// few KiB of ciphertext that inflates to megabytes of one-byte messages. The reader must hand
// them out as the consumer pulls, not split a whole inflated chunk into millions of views first.
describe('a backup of millions of empty frames', () => {
  const key = { hmacKey: new Uint8Array(32).fill(1), aesKey: new Uint8Array(32).fill(2) };
  const info = Uint8Array.of(0x08, 0x01);
  const emptyFrames = 8_000_000;
  const plaintext = concatByteList([encodeVarint(info.length), info, new Uint8Array(emptyFrames)]);
  const file = handBuilt(new Uint8Array(gzipSync(plaintext)), key);

  it('is small on disk', () => {
    expect(file.length).toBeLessThan(64 * 1024);
  });

  it('releases its first frames without holding a view per frame of the whole chunk', async () => {
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const opened = await openBackup(file, { key });
    let n = 0;
    let peak = 0;
    for await (const frame of opened.frames) {
      expect(frame.length).toBe(0);
      if (++n % 100_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      if (n === 1_000_000) break;
    }
    peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    expect(n).toBe(1_000_000);
    // Eight million views would take several hundred MiB of heap; lazily split, far less.
    expect(peak).toBeLessThan(200 * 2 ** 20);
  });
});
