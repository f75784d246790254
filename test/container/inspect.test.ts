/** inspectBackup: header and sizes without the key; a source shorter than it claims is TRUNCATED. */

import { describe, expect, it } from 'vitest';
import { pureBackend } from '../../src/backends/pure.js';
import { inspectBackup } from '../../src/container/inspect.js';
import type { ReopenableSource } from '../../src/container/sources.js';
import { encryptBackup } from '../../src/container/writer.js';
import { toHex } from '../../src/internal/bytes.js';
import { codeOf, INFO, KEY, sampleFrames } from './helpers.js';

/** A source that claims `claimed` bytes but yields only `file`. */
function lyingSource(file: Uint8Array, claimed: number): ReopenableSource {
  return {
    length: claimed,
    open: () =>
      (async function* () {
        yield file.slice();
      })(),
  };
}

describe('inspectBackup', () => {
  it('reads the layout, IV, sizes and MAC of a legacy file', async () => {
    const file = await encryptBackup(INFO, sampleFrames(5), { key: KEY, backend: pureBackend });
    const r = await inspectBackup(file);
    expect(r.layout).toBe('legacy');
    expect(r.totalLength).toBe(file.length);
    expect(r.headerLength).toBe(0);
    expect(r.iv).toBe(toHex(file.subarray(0, 16)));
    expect(r.ciphertextLength).toBe(file.length - 16 - 32);
    expect(r.mac).toBe(toHex(file.subarray(file.length - 32)));
  });

  it('reports TRUNCATED when the source ends before its stated length', async () => {
    const file = await encryptBackup(INFO, sampleFrames(5), { key: KEY, backend: pureBackend });
    // The last 16 bytes missing (the MAC cut), and a source far shorter than stated (the IV cut too).
    for (const [data, claimed] of [
      [file.subarray(0, file.length - 16), file.length],
      [file.subarray(0, 40), file.length],
    ] as const) {
      const e = await inspectBackup(lyingSource(data, claimed)).catch((x: unknown) => x);
      expect(codeOf(e)).toBe('TRUNCATED');
    }
  });
});
