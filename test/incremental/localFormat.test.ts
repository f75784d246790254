import { describe, expect, it } from 'vitest';
import { decodeFilesList, encodeFilesList } from '../../src/incremental/localFormat.js';
import { MemoryStorage, readAll } from '../../src/incremental/storage.js';

describe('local format at scale', () => {
  it('encodes and decodes a files list of 200,000 media names (no argument-spread limit)', () => {
    const names = Array.from({ length: 200_000 }, (_, i) => i.toString(16).padStart(64, '0'));
    const bytes = encodeFilesList(names);
    // Each entry: varint(66) | tag 0x0a | varint(64) | 64 name bytes
    // (FilesFrame { mediaName = 1 }, docs/format.md §13).
    expect(bytes.length).toBe(names.length * 67);
    expect([...bytes.subarray(0, 3)]).toEqual([66, 0x0a, 64]);
    expect(decodeFilesList(bytes)).toEqual(names);
  });

  it('MemoryStorage keeps and reads back a file streamed in 200,000 chunks', async () => {
    const storage = new MemoryStorage();
    const chunks = Array.from({ length: 200_000 }, (_, i) => Uint8Array.of(i & 0xff));
    expect(await storage.put('big', chunks)).toBe(200_000);
    const back = await readAll(storage, 'big');
    expect(back.length).toBe(200_000);
    expect(back[199_999]).toBe(199_999 & 0xff);
  });
});
