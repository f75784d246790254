/** Our AES-256-CBC against node:crypto (OpenSSL) on random keys, IVs and lengths. */

import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blockWords, cbcDecrypt, cbcEncrypt, expandKey256 } from '../../src/backends/aes.js';
import { pureBackend } from '../../src/backends/pure.js';
import { concatByteList } from '../../src/internal/bytes.js';

describe('AES-256-CBC (aes.ts) against node:crypto', () => {
  it('random keys, IVs and lengths, with and without padding', () => {
    for (let i = 0; i < 60; i++) {
      const key = randomBytes(32);
      const iv = randomBytes(16);
      const blocks = randomBytes(16 * ((i * 37) % 300));
      const ref = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false).update(blocks);
      const k = expandKey256(key);
      const ct = cbcEncrypt(k, blockWords(iv), blocks);
      expect(Buffer.from(ct).equals(ref)).toBe(true);
      expect(Buffer.from(cbcDecrypt(k, blockWords(iv), ct)).equals(blocks)).toBe(true);
      const plain = randomBytes(i * 13);
      const c = createCipheriv('aes-256-cbc', key, iv);
      const whole = Buffer.concat([c.update(plain), c.final()]);
      const enc = pureBackend.aesCbcEncrypt(key, iv);
      expect(Buffer.from(concatByteList([enc.update(plain), enc.final()])).equals(whole)).toBe(true);
    }
  });
});
