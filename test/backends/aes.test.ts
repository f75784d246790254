/**
 * Our table-based AES-256-CBC (src/backends/aes.ts) against FIPS 197's known answer, NIST SP
 * 800-38A's CBC vectors, and noble's AES on property-generated keys, IVs, lengths and chunkings
 * (through the pure backend's streams). node:crypto is compared in aes.node.test.ts.
 */

import { cbc } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockWords, cbcDecrypt, cbcEncrypt, expandKey256 } from '../../src/backends/aes.js';
import { pureBackend } from '../../src/backends/pure.js';
import { concatByteList } from '../../src/internal/bytes.js';
import { hex, unhex } from '../media/backends.js';
import { chunked, sameBytes } from './helpers.js';

describe('AES-256 (aes.ts)', () => {
  it('FIPS 197 appendix C.3: the AES-256 example block', () => {
    const key = expandKey256(unhex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'));
    const plain = unhex('00112233445566778899aabbccddeeff');
    const ct = cbcEncrypt(key, new Int32Array(4), plain);
    expect(hex(ct)).toBe('8ea2b7ca516745bfeafc49904b496089');
    expect(hex(cbcDecrypt(key, new Int32Array(4), ct))).toBe(hex(plain));
  });

  it('NIST SP 800-38A F.2.5/F.2.6: CBC-AES256, four blocks, and the chaining value after each call', () => {
    const key = expandKey256(unhex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'));
    const iv = unhex('000102030405060708090a0b0c0d0e0f');
    const plain = unhex(
      '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
    );
    const expected =
      'f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b';
    const chain = blockWords(iv);
    const ct = concatByteList([
      cbcEncrypt(key, chain, plain.subarray(0, 16)),
      cbcEncrypt(key, chain, plain.subarray(16)),
    ]);
    expect(hex(ct)).toBe(expected);
    expect(chain).toEqual(blockWords(ct, 48));
    const back = blockWords(iv);
    const pt = concatByteList([cbcDecrypt(key, back, ct.subarray(0, 32)), cbcDecrypt(key, back, ct.subarray(32))]);
    expect(hex(pt)).toBe(hex(plain));
    expect(back).toEqual(blockWords(ct, 48));
  });

  it('rejects partial blocks and keys of the wrong length', () => {
    const key = expandKey256(new Uint8Array(32));
    expect(() => cbcEncrypt(key, new Int32Array(4), new Uint8Array(15))).toThrow(RangeError);
    expect(() => cbcDecrypt(key, new Int32Array(4), new Uint8Array(17))).toThrow(RangeError);
    expect(() => expandKey256(new Uint8Array(16))).toThrow(RangeError);
  });

  it('does not modify its input, whatever its alignment', () => {
    const buf = new Uint8Array(16 * 9 + 3).map((_, i) => i * 7);
    const input = buf.subarray(3);
    const copy = input.slice();
    const key = expandKey256(new Uint8Array(32).fill(9));
    const ct = cbcEncrypt(key, new Int32Array(4), input);
    expect(input).toEqual(copy);
    expect(cbcDecrypt(key, new Int32Array(4), ct)).toEqual(copy);
  });

  it('property: the pure backend streams equal noble one-shot CBC (PKCS#7) for any key, IV, length, chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 700 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (key, iv, plain, cuts) => {
          const expected = cbc(key, iv).encrypt(plain);
          const enc = pureBackend.aesCbcEncrypt(key, iv);
          const ct = concatByteList([...chunked(plain, cuts).map((c) => enc.update(c)), enc.final()]);
          expect(hex(ct)).toBe(hex(expected));
          const dec = pureBackend.aesCbcDecrypt(key, iv);
          const pt = concatByteList([...chunked(ct, cuts).map((c) => dec.update(c)), dec.final()]);
          expect(hex(pt)).toBe(hex(plain));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('large inputs in chunks of 1 byte .. 4 MiB equal noble', () => {
    const key = new Uint8Array(32).map((_, i) => 255 - i);
    const iv = new Uint8Array(16).map((_, i) => i * 3);
    const plain = new Uint8Array(4 * 2 ** 20 + 37).map((_, i) => (i * 2654435761) >>> 24);
    const expected = cbc(key, iv).encrypt(plain);
    for (const size of [4 * 2 ** 20, 65536 + 5, 4093]) {
      const enc = pureBackend.aesCbcEncrypt(key, iv);
      const parts: Uint8Array[] = [];
      for (let o = 0; o < plain.length; o += size) parts.push(enc.update(plain.subarray(o, o + size)));
      parts.push(enc.final());
      expect(sameBytes(concatByteList(parts), expected)).toBe(true);
      const dec = pureBackend.aesCbcDecrypt(key, iv);
      const out: Uint8Array[] = [];
      for (let o = 0; o < expected.length; o += size) out.push(dec.update(expected.subarray(o, o + size)));
      out.push(dec.final());
      expect(sameBytes(concatByteList(out), plain)).toBe(true);
    }
    // One byte at a time over a short prefix (the whole 4 MiB byte by byte would be slow).
    const short = plain.subarray(0, 333);
    const enc = pureBackend.aesCbcEncrypt(key, iv);
    const parts: Uint8Array[] = [];
    for (const b of short) parts.push(enc.update(Uint8Array.of(b)));
    parts.push(enc.final());
    expect(sameBytes(concatByteList(parts), cbc(key, iv).encrypt(short))).toBe(true);
  });

  it('bad padding and truncation fail as before', () => {
    const key = new Uint8Array(32).fill(1);
    const iv = new Uint8Array(16).fill(2);
    // A block that decrypts to a wrong padding: encrypt a block ending in 0x00 without padding.
    const bad = cbc(key, iv, { disablePadding: true }).encrypt(new Uint8Array(16));
    const dec = pureBackend.aesCbcDecrypt(key, iv);
    dec.update(bad);
    expect(() => dec.final()).toThrow(expect.objectContaining({ code: 'BAD_PADDING' }));
    const cut = pureBackend.aesCbcDecrypt(key, iv);
    cut.update(bad.subarray(0, 15));
    expect(() => cut.final()).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
  });
});
