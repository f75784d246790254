/**
 * vectors/container/ on the node:crypto/node:zlib backend, and the positive vectors checked by an
 * independent pipeline (node:crypto HMAC and AES-CBC, node:zlib inflate) that shares no code
 * with sbackup's reader.
 */

import { createDecipheriv, createHash, createHmac } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import decryptVectors from '../../vectors/container/decrypt.json' with { type: 'json' };
import encryptVectors from '../../vectors/container/encrypt.json' with { type: 'json' };
import { fromHex } from '../../src/internal/bytes.js';
import { nodeBackend } from '../../src/node/backend.js';
import { encryptCase, vectorSuite } from './vectorSuite.js';

vectorSuite(nodeBackend);

const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** node:crypto and node:zlib: MAC, decrypt, inflate the first gzip member (plain header only). */
function open(file: Uint8Array, layout: string, keys: typeof encryptVectors.keys) {
  const key = keys[layout as 'legacy' | 'modern'];
  let body = file;
  if (layout === 'modern') {
    // "SBACKUP\x01", a one- or two-byte varint length, the metadata.
    let len = file[8]!;
    let o = 9;
    if (len & 0x80) len = (len & 0x7f) | (file[o++]! << 7);
    body = file.subarray(o + len);
  }
  const tag = createHmac('sha256', fromHex(key.hmacKey))
    .update(body.subarray(0, body.length - 32))
    .digest();
  expect(tag.equals(body.subarray(body.length - 32))).toBe(true);
  const d = createDecipheriv('aes-256-cbc', fromHex(key.aesKey), body.subarray(0, 16));
  const padded = Buffer.concat([d.update(body.subarray(16, body.length - 32)), d.final()]);
  let o = 10;
  if (padded[3]! & 8) o = padded.indexOf(0, o) + 1;
  const r = inflateRawSync(padded.subarray(o), { info: true }) as unknown as {
    buffer: Buffer;
    engine: { bytesWritten: number };
  };
  return { plaintext: r.buffer, compressedLength: o + r.engine.bytesWritten + 8, padded };
}

describe('container vectors, independent check (node:crypto + node:zlib)', () => {
  it('encrypt.json: each file decrypts to its plaintext, with the stated gzip member and padding', async () => {
    for (const c of encryptVectors.cases) {
      const file = await encryptCase(c, nodeBackend);
      const o = open(file, c.layout, encryptVectors.keys);
      const plaintext = encryptVectors.plaintexts[c.plaintext as keyof typeof encryptVectors.plaintexts];
      expect(o.plaintext.toString('hex'), c.description).toBe(plaintext);
      expect(o.compressedLength).toBe(c.compressedLength);
      expect(hex(o.padded.subarray(0, o.compressedLength))).toBe(c.compressedSha256);
      expect(o.padded.length - o.compressedLength).toBe(c.paddingLength);
      expect(o.padded.subarray(o.compressedLength).every((b) => b === 0)).toBe(true);
      // Level 0: stored blocks only (BTYPE 00), so the member is longer than the plaintext.
      expect(c.compressedLength).toBeGreaterThan(o.plaintext.length);
      if (c.padding === 'randomized') expect(c.compressedLength + c.paddingLength).toBeGreaterThanOrEqual(65536);
    }
  });

  it('decrypt.json: each file decrypts to its plaintext', () => {
    for (const c of decryptVectors.cases) {
      const o = open(fromHex(c.file), c.layout, decryptVectors.keys);
      expect(hex(o.plaintext), c.description).toBe(c.expected.plaintextSha256);
    }
  });
});
