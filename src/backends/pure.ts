/**
 * The pure-JavaScript backend: our table-based AES-256 (aes.ts), @noble/hashes and fflate. Runs
 * everywhere, including React Native (Hermes) where neither WebCrypto's subtle API nor
 * node:crypto exists.
 */

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { BackupError } from '../errors.js';
import { assertBytes } from '../internal/bytes.js';
import { crc32 } from '../internal/crc32.js';
import { blockWords, cbcDecrypt, cbcEncrypt, expandKey256 } from './aes.js';
import { AES_BLOCK, BlockBuffer, stripPkcs7 } from './cbc.js';
import { fflateDeflate, fflateInflate } from './flate.js';
import type { Hasher, SyncCbcStream, SyncCryptoBackend } from './types.js';

type NobleHash = { update(d: Uint8Array): unknown; digest(): Uint8Array; clone(): NobleHash };

function wrap(h: NobleHash): Hasher {
  return {
    update(data) {
      h.update(data);
    },
    digest: () => h.digest(),
    clone: () => wrap(h.clone()),
  };
}

function cbcEncryptStream(key: Uint8Array, iv: Uint8Array): SyncCbcStream {
  assertBytes(key, 'key', 32);
  assertBytes(iv, 'iv', AES_BLOCK);
  // Expanded once; `chain` carries the last ciphertext block from call to call.
  const k = expandKey256(key);
  const chain = blockWords(iv);
  const buffer = new BlockBuffer();
  return {
    update(data) {
      const blocks = buffer.take(data, false);
      if (blocks.length === 0) return new Uint8Array(0);
      return cbcEncrypt(k, chain, blocks);
    },
    final() {
      // PKCS#7: 1..16 bytes, each equal to the count (RFC 5652 section 6.3).
      const rest = buffer.rest;
      const n = AES_BLOCK - rest.length;
      const last = new Uint8Array(AES_BLOCK).fill(n);
      last.set(rest);
      return cbcEncrypt(k, chain, last);
    },
  };
}

function cbcDecryptStream(key: Uint8Array, iv: Uint8Array): SyncCbcStream {
  assertBytes(key, 'key', 32);
  assertBytes(iv, 'iv', AES_BLOCK);
  const k = expandKey256(key);
  const chain = blockWords(iv);
  const buffer = new BlockBuffer();
  return {
    update(data) {
      // Hold back the last whole block: it may carry the padding.
      const blocks = buffer.take(data, true);
      if (blocks.length === 0) return new Uint8Array(0);
      return cbcDecrypt(k, chain, blocks);
    },
    final() {
      const last = buffer.rest;
      if (last.length !== AES_BLOCK) {
        throw new BackupError('TRUNCATED', 'ciphertext is not a whole number of AES blocks (file truncated)');
      }
      return stripPkcs7(cbcDecrypt(k, chain, last));
    },
  };
}

/** The pure-JavaScript backend (our AES, noble's hashes, fflate for DEFLATE). */
export const pureBackend: SyncCryptoBackend = {
  name: 'pure',
  sha256: () => wrap(sha256.create() as unknown as NobleHash),
  hmacSha256: (key) => {
    assertBytes(key, 'key');
    return wrap(hmac.create(sha256, key) as unknown as NobleHash);
  },
  aesCbcEncrypt: cbcEncryptStream,
  aesCbcDecrypt: cbcDecryptStream,
  createDeflate: fflateDeflate,
  createInflate: fflateInflate,
  crc32,
};
