/**
 * An independent implementation of Signal's attachment format (docs/format.md §9) with node:crypto
 * (not derived from src/), checked against ours in both directions and on every backend
 * including node's.
 */

import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AttachmentDecryptor,
  AttachmentEncryptor,
  decryptAttachment,
  encryptAttachment,
} from '../../src/media/attachment.js';
import { nodeBackend } from '../../src/node/backend.js';
import { BACKENDS, codeOf, hex } from './backends.js';

function logPadSize(size: number): number {
  return Math.max(541, Math.floor(1.05 ** Math.ceil(Math.log(size) / Math.log(1.05))));
}

function nodeEncrypt(plaintext: Buffer, keys: Buffer, iv: Buffer) {
  const aes = keys.subarray(0, 32);
  const mac = keys.subarray(32, 64);
  const padded = Buffer.concat([plaintext, Buffer.alloc(Math.max(0, logPadSize(plaintext.length) - plaintext.length))]);
  const c = createCipheriv('aes-256-cbc', aes, iv);
  const ct = Buffer.concat([iv, c.update(padded), c.final()]);
  const blob = Buffer.concat([ct, createHmac('sha256', mac).update(ct).digest()]);
  return {
    blob,
    digest: createHash('sha256').update(blob).digest(),
    plaintextHash: createHash('sha256').update(plaintext).digest(),
  };
}

function nodeDecrypt(blob: Buffer, keys: Buffer, size: number): Buffer {
  const mac = createHmac('sha256', keys.subarray(32)).update(blob.subarray(0, -32)).digest();
  if (!timingSafeEqual(mac, blob.subarray(-32))) throw new Error('bad mac');
  const d = createDecipheriv('aes-256-cbc', keys.subarray(0, 32), blob.subarray(0, 16));
  return Buffer.concat([d.update(blob.subarray(16, -32)), d.final()]).subarray(0, size);
}

const ALL = [...BACKENDS, nodeBackend];

describe.each(ALL.map((b) => [b.name, b] as const))('attachment format vs node:crypto (%s)', (_n, backend) => {
  it('node:crypto decrypts what we encrypt, and we decrypt what it encrypts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(5000), async (n) => {
        const pt = randomBytes(n);
        const keys = randomBytes(64);
        const iv = randomBytes(16);
        const ours = await encryptAttachment(pt, keys, { iv, backend });
        const theirs = nodeEncrypt(pt, keys, iv);
        expect(hex(ours.ciphertext)).toBe(hex(theirs.blob));
        expect(hex(ours.digest)).toBe(hex(theirs.digest));
        expect(hex(ours.plaintextHash)).toBe(hex(theirs.plaintextHash));
        expect(hex(nodeDecrypt(Buffer.from(ours.ciphertext), keys, n))).toBe(hex(pt));
        const back = await decryptAttachment(theirs.blob, keys, {
          size: n,
          digest: theirs.digest,
          plaintextHash: theirs.plaintextHash,
          backend,
        });
        expect(hex(back)).toBe(hex(pt));
      }),
      { numRuns: 30 },
    );
  });

  it('a big attachment across many chunk boundaries', async () => {
    const pt = randomBytes(3 * 1024 * 1024 + 17);
    const keys = randomBytes(64);
    const iv = randomBytes(16);
    const ours = await encryptAttachment(pt, keys, { iv, backend });
    expect(hex(ours.digest)).toBe(hex(nodeEncrypt(pt, keys, iv).digest));
    expect(await codeOf(() => decryptAttachment(ours.ciphertext, randomBytes(64), { size: pt.length, backend }))).toBe(
      'MAC_MISMATCH',
    );
  });
});

describe('push classes on the node backend', () => {
  it('match the one-shot output', async () => {
    const pt = randomBytes(200_000);
    const keys = randomBytes(64);
    const iv = randomBytes(16);
    const enc = new AttachmentEncryptor(keys, { iv, backend: nodeBackend, size: pt.length });
    const ct = Buffer.concat([enc.push(pt.subarray(0, 1234)), enc.push(pt.subarray(1234)), enc.finish()]);
    expect(hex(ct)).toBe(hex(nodeEncrypt(pt, keys, iv).blob));
    const dec = new AttachmentDecryptor(keys, { size: pt.length, backend: nodeBackend, singlePass: true });
    expect(hex(Buffer.concat([dec.push(ct.subarray(0, 999)), dec.push(ct.subarray(999)), dec.finish()]))).toBe(hex(pt));
  });
});

describe('vectors/media/attachments.json checked by node:crypto', () => {
  it('every positive case decrypts with the independent implementation', async () => {
    const { default: v } = await import('../../vectors/media/attachments.json', { with: { type: 'json' } });
    for (const c of v.cases) {
      const keys = Buffer.from(c.key, 'hex');
      expect(nodeEncrypt(Buffer.from(c.plaintext, 'hex'), keys, Buffer.from(c.iv, 'hex')).blob.toString('hex')).toBe(
        c.ciphertext,
      );
      expect(nodeDecrypt(Buffer.from(c.ciphertext, 'hex'), keys, c.size).toString('hex')).toBe(c.plaintext);
    }
  });
});
