/** The container test suite, run once per backend (by container.test.ts and container.node.test.ts). */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CryptoBackend } from '../../src/backends/types.js';
import { encodeModernHeader, MAGIC } from '../../src/container/layout.js';
import { openBackupSinglePass } from '../../src/container/reader.js';
import { encryptBackup, encryptBackupStream } from '../../src/container/writer.js';
import { toReadableStream } from '../../src/internal/stream.js';
import { concatByteList } from '../../src/internal/bytes.js';
import { encodeVarint } from '../../src/internal/wire.js';
import { type BackupMetadata, encodeBackupMetadata } from '../../src/keys/metadata.js';
import {
  chunked,
  codeOf,
  delimited,
  equalBytes,
  frame,
  gz,
  handBuilt,
  INFO,
  KEY,
  OTHER_KEY,
  readAll,
  sampleFrames,
} from './helpers.js';

export const METADATA: BackupMetadata = {
  iv: new TextEncoder().encode('iv_12_bytes_'),
  pairs: [{ ct: new Uint8Array(48).fill(0xcc), pwSalt: new Uint8Array(32).fill(0x50) }],
};

const zeroNormal = () => 0;

export function containerSuite(backend: CryptoBackend, peers: CryptoBackend[]): void {
  const opts = { key: KEY, backend };

  describe(`container on the ${backend.name} backend`, () => {
    it('round-trips both layouts, to bytes, to a stream, read by every backend', async () => {
      const frames = sampleFrames();
      for (const metadata of [undefined, METADATA, encodeBackupMetadata(METADATA)]) {
        const file = await encryptBackup(INFO, frames, { ...opts, metadata });
        expect(equalBytes(file.subarray(0, 8), MAGIC)).toBe(metadata !== undefined);
        for (const reader of peers) {
          const r = await readAll(file, { key: KEY, backend: reader });
          expect(r.ok, reader.name).toBe(true);
          expect(r.seen.length).toBe(frames.length + 1);
          expect(equalBytes(r.seen[0]!, INFO)).toBe(true);
          for (const [i, f] of frames.entries()) expect(equalBytes(r.seen[i + 1]!, f)).toBe(true);
          if (r.ok) {
            expect(r.backup.layout).toBe(metadata === undefined ? 'legacy' : 'modern');
            expect(r.backup.trailer?.nonZeroPaddingBytes).toBe(0);
          }
        }
        const streamed = new Uint8Array(
          await new Response(
            toReadableStream(
              encryptBackupStream(INFO, frames, {
                ...opts,
                metadata,
                iv: file.subarray(metadata ? 109 : 0).subarray(0, 16),
              }),
            ),
          ).arrayBuffer(),
        );
        const r2 = await readAll(streamed, { key: KEY, backend });
        expect(r2.ok).toBe(true);
      }
    });

    it('reads Blob, re-openable and byte-by-byte sources; async frame input', async () => {
      const frames = sampleFrames(5);
      async function* asyncFrames() {
        for (const f of frames) yield f;
      }
      const file = await encryptBackup(INFO, asyncFrames(), { ...opts, metadata: METADATA });
      for (const source of [new Blob([file.slice()]), chunked(file, 1), chunked(file, 17), chunked(file, 4096)]) {
        const r = await readAll(source, { key: KEY, backend });
        expect(r.ok).toBe(true);
        expect(r.seen.length).toBe(frames.length + 1);
      }
    });

    it('pads to at least 64 KiB with randomized padding; bucketed and none on request', async () => {
      const frames = sampleFrames(3);
      const rnd = await encryptBackup(INFO, frames, { ...opts, normal: zeroNormal });
      // 16 IV + ciphertext of >= 65536 bytes (PKCS#7 adds 1..16) + 32 MAC.
      expect(rnd.length).toBeGreaterThanOrEqual(16 + 65536 + 32);
      const none = await encryptBackup(INFO, frames, { ...opts, padding: 'none' });
      const bucketed = await encryptBackup(INFO, frames, { ...opts, padding: 'bucketed' });
      expect(none.length).toBeLessThan(bucketed.length);
      for (const f of [rnd, none, bucketed]) expect((await readAll(f, { key: KEY, backend })).ok).toBe(true);
    });

    it('wrong key: MAC_MISMATCH before anything is released', async () => {
      const file = await encryptBackup(INFO, sampleFrames(2), opts);
      const r = await readAll(file, { key: OTHER_KEY, backend });
      expect(codeOf(r.error)).toBe('MAC_MISMATCH');
      expect((r.error as Error).message).toMatch(/wrong recovery key .*or damaged file/);
      expect(r.seen).toEqual([]);
    });

    it('every flipped byte from the IV to the end, every truncation: rejected, nothing released', async () => {
      const file = await encryptBackup(INFO, [frame(4, new Uint8Array([1, 2, 3]))], {
        ...opts,
        metadata: METADATA,
        padding: 'none',
      });
      const bodyStart = encodeModernHeader(encodeBackupMetadata(METADATA)).length;
      for (let i = bodyStart; i < file.length; i++) {
        const bad = file.slice();
        bad[i]! ^= 0x01;
        const r = await readAll(bad, { key: KEY, backend });
        expect(codeOf(r.error), `byte ${i}`).toBe('MAC_MISMATCH');
        expect(r.seen).toEqual([]);
      }
      for (let n = 0; n < file.length; n++) {
        const r = await readAll(file.subarray(0, n), { key: KEY, backend });
        expect(['NOT_A_BACKUP', 'TRUNCATED', 'MAC_MISMATCH'], `length ${n}`).toContain(codeOf(r.error));
        if (n >= 8 && n < bodyStart) expect(codeOf(r.error), `length ${n}`).toBe('TRUNCATED');
        expect(r.seen).toEqual([]);
      }
    });

    it('header structure: magic, version, length prefix and field tags', async () => {
      const file = await encryptBackup(INFO, sampleFrames(1), { ...opts, metadata: METADATA, padding: 'none' });
      const version = file.slice();
      version[7] = 2;
      expect(codeOf((await readAll(version, opts)).error)).toBe('UNSUPPORTED_VERSION');
      for (let i = 0; i < 7; i++) {
        const bad = file.slice();
        bad[i]! ^= 0x20;
        // No magic: read as a legacy file, whose MAC (or block alignment) then fails.
        const r = await readAll(bad, opts);
        expect(['MAC_MISMATCH', 'TRUNCATED']).toContain(codeOf(r.error));
        expect(r.seen).toEqual([]);
      }
      // Length prefix (offset 8) and the tags of MetadataPb: pair (9), pair.ct (11), pair.pw_salt (61), iv (95).
      for (const [i, value] of [
        [8, 0x00],
        [8, 0x7f],
        [8, 0xff],
        [9, 0x12],
        [11, 0x1a],
        [61, 0x0a],
        [95, 0x1a],
      ] as const) {
        const bad = file.slice();
        bad[i] = value;
        const r = await readAll(bad, opts);
        expect(['INVALID_METADATA', 'TRUNCATED', 'MAC_MISMATCH'], `byte ${i}`).toContain(codeOf(r.error));
        expect(r.seen).toEqual([]);
      }
    });

    it('names the failed layer: padding, gzip, framing, limits', async () => {
      const plain = delimited(INFO, [frame(4, new Uint8Array(10))]);
      // Bad PKCS#7 under a valid MAC.
      const badPad = handBuilt(concatByteList([gz(plain), new Uint8Array(32 - (gz(plain).length % 16))]), KEY, false);
      expect(codeOf((await readAll(badPad, opts)).error)).toBe('BAD_PADDING');
      // Not gzip.
      expect(codeOf((await readAll(handBuilt(plain, KEY), opts)).error)).toBe('DECOMPRESSION_FAILED');
      // gzip cut short.
      const cut = gz(plain).subarray(0, 20);
      expect(codeOf((await readAll(handBuilt(cut, KEY), opts)).error)).toBe('DECOMPRESSION_FAILED');
      // CRC-32 wrong.
      const crc = gz(plain).slice();
      crc[crc.length - 8]! ^= 1;
      expect(codeOf((await readAll(handBuilt(crc, KEY), opts)).error)).toBe('DECOMPRESSION_FAILED');
      // Frame cut short: frame index reported; BackupInfo and earlier frames were released.
      const truncated = handBuilt(gz(concatByteList([plain, encodeVarint(50), new Uint8Array(3)])), KEY);
      const t = await readAll(truncated, opts);
      expect(codeOf(t.error)).toBe('TRUNCATED_FRAME');
      expect((t.error as { details: { frameIndex: number } }).details.frameIndex).toBe(2);
      // Huge varint length: refused before buffering.
      const huge = handBuilt(gz(concatByteList([plain, encodeVarint(0xffffffff)])), KEY);
      expect(codeOf((await readAll(huge, opts)).error)).toBe('FRAME_TOO_LARGE');
      const badVarint = handBuilt(
        gz(concatByteList([plain, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])])),
        KEY,
      );
      expect(codeOf((await readAll(badVarint, opts)).error)).toBe('INVALID_VARINT');
      // Limits.
      const big = handBuilt(gz(delimited(INFO, [frame(4, new Uint8Array(100000))])), KEY);
      expect(codeOf((await readAll(big, { ...opts, maxDecompressedBytes: 50000 })).error)).toBe('LIMIT_EXCEEDED');
      expect(codeOf((await readAll(big, { ...opts, maxFrameBytes: 1000 })).error)).toBe('FRAME_TOO_LARGE');
      // Empty plaintext inside the gzip member.
      expect(codeOf((await readAll(handBuilt(gz(new Uint8Array(0)), KEY), opts)).error)).toBe('EMPTY_INPUT');
    });

    it('ignores bytes after the gzip member (as libsignal) and reports non-zero ones', async () => {
      const plain = delimited(INFO, [frame(4, new Uint8Array(10))]);
      const file = handBuilt(gz(plain, new Uint8Array([0, 0, 7, 0, 9])), KEY);
      const r = await readAll(file, opts);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.backup.trailer).toEqual({ paddingLength: 5, nonZeroPaddingBytes: 2 });
      // A second gzip member is ignored too (libsignal reads one member).
      const two = handBuilt(concatByteList([gz(plain), gz(delimited(INFO, []))]), KEY);
      const r2 = await readAll(two, opts);
      expect(r2.seen.length).toBe(2);
    });

    it('single pass: releases frames, then MAC_MISMATCH at the end for a tampered file', async () => {
      const file = await encryptBackup(INFO, sampleFrames(3), { ...opts, padding: 'none' });
      const ok = await openBackupSinglePass(chunked(file, 1000).open(), opts);
      let n = 0;
      for await (const _ of ok.frames) n++;
      expect(n).toBe(sampleFrames(3).length);
      const bad = file.slice();
      bad[bad.length - 1]! ^= 1;
      const b = await openBackupSinglePass(chunked(bad, 1000).open(), opts);
      await expect(
        (async () => {
          for await (const _ of b.frames);
        })(),
      ).rejects.toMatchObject({ code: 'MAC_MISMATCH' });
    });

    it('rejects bad arguments with TypeError/RangeError', async () => {
      await expect(
        encryptBackup(INFO, [], { key: { hmacKey: new Uint8Array(3), aesKey: KEY.aesKey } }),
      ).rejects.toThrow(RangeError);
      await expect(encryptBackup(INFO, [], { ...opts, level: 12 })).rejects.toThrow(RangeError);
      await expect(encryptBackup(INFO, [], { ...opts, iv: new Uint8Array(3) })).rejects.toThrow(RangeError);
      const r = await readAll({ nope: 1 } as never, opts);
      expect(r.error).toBeInstanceOf(TypeError);
    });

    it('property: write -> read over random frames, keys, layouts and chunkings', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ kind: fc.integer({ min: 1, max: 8 }), body: fc.uint8Array({ maxLength: 3000 }) }), {
            maxLength: 40,
          }),
          fc.uint8Array({ minLength: 64, maxLength: 64 }),
          fc.boolean(),
          fc.constantFrom(1, 7, 16, 333, 65536),
          fc.integer({ min: 0, max: 9 }),
          async (items, keyBytes, modern, chunk, level) => {
            const key = { hmacKey: keyBytes.slice(0, 32), aesKey: keyBytes.slice(32) };
            const frames = items.map((x) => frame(x.kind, x.body));
            const out: Uint8Array[] = [];
            for await (const c of encryptBackupStream(INFO, frames, {
              key,
              backend,
              level,
              metadata: modern ? METADATA : undefined,
              padding: chunk === 1 ? 'none' : 'randomized',
            })) {
              out.push(c);
            }
            const file = concatByteList(out);
            for (const reader of peers) {
              const r = await readAll(chunked(file, chunk), { key, backend: reader });
              if (!r.ok) throw r.error;
              expect(r.seen.length).toBe(frames.length + 1);
              for (const [i, f] of frames.entries()) expect(equalBytes(r.seen[i + 1]!, f)).toBe(true);
            }
          },
        ),
        { numRuns: 25 },
      );
    });
  });
}
