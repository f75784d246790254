/**
 * Sources with `readInto` (one buffer reused for a whole pass, as `fileSource` does): the reader
 * must keep no view of a chunk once it asks for the next one, whatever the chunk sizes.
 */

import { describe, expect, it } from 'vitest';
import { pureBackend } from '../../src/backends/pure.js';
import { webCryptoBackend } from '../../src/backends/webcrypto.js';
import type { ReopenableSource } from '../../src/container/sources.js';
import { encryptBackup } from '../../src/container/writer.js';
import { codeOf, equalBytes, INFO, KEY, readAll, sampleFrames } from './helpers.js';
import { METADATA } from './suite.js';

/**
 * A source over `file` whose `readInto` yields views of at most `step` bytes of the caller's
 * buffer, and scribbles over the whole buffer before every read: a view kept too long shows up
 * as corrupt data. `open` is counted (it should not be needed).
 */
function reusingSource(file: Uint8Array, step: number) {
  const calls = { open: 0, readInto: 0 };
  const source: ReopenableSource = {
    length: file.length,
    open() {
      calls.open++;
      return (async function* () {
        yield file.slice();
      })();
    },
    async *readInto(offset, buffer) {
      calls.readInto++;
      for (let pos = offset; pos < file.length; ) {
        buffer.fill(0xa5);
        const n = Math.min(step, buffer.length, file.length - pos);
        buffer.set(file.subarray(pos, pos + n));
        pos += n;
        yield buffer.subarray(0, n);
      }
    },
  };
  return { source, calls };
}

describe('sources that reuse their buffer (readInto)', () => {
  const frames = sampleFrames(400);
  for (const backend of [pureBackend, webCryptoBackend]) {
    for (const step of [7, 4096, 100_000, 2 ** 22]) {
      it(`${backend.name}: chunks of up to ${step} bytes read back exactly`, async () => {
        const file = await encryptBackup(INFO, frames, { key: KEY, metadata: METADATA, backend });
        const { source, calls } = reusingSource(file, step);
        const r = await readAll(source, { key: KEY, backend });
        expect(r.ok).toBe(true);
        expect(r.seen.length).toBe(frames.length + 1);
        expect(equalBytes(r.seen[0]!, INFO)).toBe(true);
        for (const [i, f] of frames.entries()) if (!equalBytes(r.seen[i + 1]!, f)) expect.fail(`frame ${i} differs`);
        // Both passes went through readInto; the header prefix is read with open().
        expect(calls.readInto).toBe(2);
      });
    }
  }

  it('a flipped ciphertext byte is still a MAC mismatch, nothing released', async () => {
    const file = await encryptBackup(INFO, frames, { key: KEY, backend: pureBackend });
    file[file.length - 100]! ^= 1;
    const r = await readAll(reusingSource(file, 4096).source, { key: KEY, backend: pureBackend });
    expect(r.ok).toBe(false);
    expect(codeOf(r.ok ? undefined : r.error)).toBe('MAC_MISMATCH');
    expect(r.seen).toEqual([]);
  });
});
