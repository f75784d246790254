/**
 * Runs vectors/container/*.json against one backend: byte-exact level-0 encryption, decryption of
 * files made by other compressors, and every negative case with its error class and what was
 * released before it. Shared by vectors.test.ts (pure, WebCrypto; Node and Chromium) and
 * vectors.node.test.ts (node:crypto/node:zlib).
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import decryptVectors from '../../vectors/container/decrypt.json' with { type: 'json' };
import encryptVectors from '../../vectors/container/encrypt.json' with { type: 'json' };
import negativeVectors from '../../vectors/container/negative.json' with { type: 'json' };
import type { CryptoBackend } from '../../src/backends/types.js';
import { openBackup } from '../../src/container/reader.js';
import { encryptBackup, type PaddingScheme } from '../../src/container/writer.js';
import { concatByteList, fromHex, toHex } from '../../src/internal/bytes.js';
import { encodeVarint } from '../../src/internal/wire.js';
import type { SplitKey } from '../../src/keys/hierarchy.js';
import { splitDelimited } from '../helpers/delimited.js';
import { codeOf, readAll } from './helpers.js';

type KeyName = 'legacy' | 'modern';

function keyOf(keys: Record<KeyName, { hmacKey: string; aesKey: string }>, name: string): SplitKey {
  const k = keys[name as KeyName];
  return { hmacKey: fromHex(k.hmacKey), aesKey: fromHex(k.aesKey) };
}

/** Our writer's output for an encrypt.json case, on `backend`. */
export async function encryptCase(c: (typeof encryptVectors.cases)[number], backend: CryptoBackend) {
  const plaintext = fromHex(encryptVectors.plaintexts[c.plaintext as keyof typeof encryptVectors.plaintexts]);
  const [info, ...frames] = splitDelimited(plaintext);
  const draw = 'normalDraw' in c ? (c.normalDraw as number) : undefined;
  const estimate = 'estimatedTotalLength' in c ? (c.estimatedTotalLength as number) : undefined;
  return encryptBackup(info!, frames, {
    key: keyOf(encryptVectors.keys, c.layout),
    ...(c.layout === 'modern' ? { metadata: fromHex(encryptVectors.metadata) } : {}),
    level: c.level,
    iv: fromHex(c.iv),
    padding: c.padding as PaddingScheme,
    ...(draw === undefined ? {} : { normal: () => draw }),
    ...(estimate === undefined ? {} : { estimatedTotalLength: estimate }),
    backend,
  });
}

export function vectorSuite(backend: CryptoBackend): void {
  describe(`container vectors on the ${backend.name} backend`, () => {
    it('encrypt.json: the same file bytes, chunk by chunk or at once', async () => {
      expect(encryptVectors.cases.length).toBeGreaterThanOrEqual(7);
      for (const c of encryptVectors.cases) {
        const file = await encryptCase(c, backend);
        expect(file.length, c.description).toBe(c.fileLength);
        expect(toHex(sha256(file)), c.description).toBe(c.fileSha256);
        if ('file' in c) expect(toHex(file)).toBe(c.file);
        const r = await readAll(file, { key: keyOf(encryptVectors.keys, c.layout), backend });
        expect(r.ok, c.description).toBe(true);
        if (r.ok) expect(r.backup.trailer?.paddingLength).toBe(c.paddingLength);
      }
    });

    it('decrypt.json: every file opens to its plaintext', async () => {
      for (const c of decryptVectors.cases) {
        const r = await readAll(fromHex(c.file), { key: keyOf(decryptVectors.keys, c.layout), backend });
        expect(r.ok, `${c.description}: ${r.ok ? '' : codeOf(r.error)}`).toBe(true);
        if (!r.ok) continue;
        const plaintext = concatByteList(r.seen.flatMap((m) => [encodeVarint(m.length), m]));
        expect(toHex(sha256(plaintext)), c.description).toBe(c.expected.plaintextSha256);
        expect(r.seen.length - 1).toBe(c.expected.frameCount);
        expect(r.seen[0]!.length).toBe(c.expected.backupInfoLength);
        expect(r.backup.layout).toBe(c.layout);
        if (c.layout === 'modern') expect(r.backup.metadata).toBeDefined();
        expect(r.backup.trailer, c.description).toEqual({
          paddingLength: c.expected.paddingLength,
          nonZeroPaddingBytes: c.expected.nonZeroPaddingBytes,
        });
      }
    });

    it('negative.json: the named error, and nothing released beyond what the case allows', async () => {
      expect(negativeVectors.cases.length).toBeGreaterThanOrEqual(30);
      for (const c of negativeVectors.cases) {
        const options = 'options' in c ? (c.options as { maxDecompressedBytes?: number; maxFrameBytes?: number }) : {};
        const r = await readAll(fromHex(c.file), { key: keyOf(negativeVectors.keys, c.key), backend, ...options });
        expect(codeOf(r.ok ? undefined : r.error), c.description).toBe(c.error);
        expect(r.seen.length, c.description).toBeLessThanOrEqual(c.mayRelease);
      }
    });

    it('negative.json: damage is found before anything is released, in one-byte chunks too', async () => {
      for (const c of negativeVectors.cases.filter((x) => x.mayRelease === 0)) {
        const bytes = fromHex(c.file);
        const source = {
          length: bytes.length,
          async *open() {
            for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
          },
        };
        const consumer: Uint8Array[] = [];
        let code = 'none';
        try {
          const b = await openBackup(source, { key: keyOf(negativeVectors.keys, c.key), backend });
          consumer.push(b.backupInfo);
          for await (const f of b.frames) consumer.push(f);
        } catch (e) {
          code = codeOf(e);
        }
        expect(code, c.description).toBe(c.error);
        expect(consumer, c.description).toEqual([]);
      }
    });
  });
}
