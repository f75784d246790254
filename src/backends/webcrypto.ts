/**
 * The WebCrypto backend: AES-256-CBC through `crypto.subtle` (hardware AES in browsers, Deno, Bun
 * and Node), DEFLATE decompression through `DecompressionStream('deflate-raw')` where it can be
 * used (streamInflate.ts; fflate elsewhere), everything else as in the pure backend. WebCrypto
 * has no streaming hash or HMAC, so those stay on noble; it has no streaming CBC either, so
 * streams are built by chaining one-shot calls (see below). `crypto.subtle` and
 * `DecompressionStream` are looked up on first use, never at import time.
 */

import { BackupError } from '../errors.js';
import { assertBytes, concatBytes } from '../internal/bytes.js';
import { AES_BLOCK, BlockBuffer, stripPkcs7 } from './cbc.js';
import { pureBackend } from './pure.js';
import { streamInflate } from './streamInflate.js';
import type { CbcStream, CryptoBackend } from './types.js';

const EMPTY = new Uint8Array(0);

type Buf = Uint8Array<ArrayBuffer>;

function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (s === undefined) {
    throw new Error('sbackup: the webcrypto backend needs globalThis.crypto.subtle (a secure context in browsers)');
  }
  return s;
}

/** True when this runtime offers WebCrypto's subtle API (checked when called, not at import). */
export function hasWebCrypto(): boolean {
  return (globalThis as { crypto?: { subtle?: unknown } }).crypto?.subtle !== undefined;
}

function importKey(key: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey('raw', key as Buf, { name: 'AES-CBC' }, false, ['encrypt', 'decrypt']);
}

/** Checks and copies a 32-byte AES key now; imports it into WebCrypto on the first call, once. */
function lazyKey(rawKey: Uint8Array): () => Promise<CryptoKey> {
  assertBytes(rawKey, 'key', 32);
  const keyBytes = rawKey.slice();
  let key: Promise<CryptoKey> | undefined;
  return () => (key ??= importKey(keyBytes));
}

async function encryptCbc(key: CryptoKey, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().encrypt({ name: 'AES-CBC', iv: iv as Buf }, key, data as Buf));
}

/**
 * CBC without padding on WebCrypto, which only knows PKCS#7: append the ciphertext block that
 * decrypts to a full padding block after `blocks` (one extra encrypt of nothing with IV = the
 * last ciphertext block), so that WebCrypto strips exactly that block.
 */
async function decryptBlocks(key: CryptoKey, iv: Uint8Array, blocks: Uint8Array): Promise<Uint8Array> {
  const last = blocks.subarray(blocks.length - AES_BLOCK);
  const padBlock = await encryptCbc(key, last, EMPTY);
  const input = concatBytes(blocks, padBlock);
  return new Uint8Array(await subtle().decrypt({ name: 'AES-CBC', iv: iv as Buf }, key, input as Buf));
}

function encryptStream(rawKey: Uint8Array, iv: Uint8Array): CbcStream {
  const key = lazyKey(rawKey);
  assertBytes(iv, 'iv', AES_BLOCK);
  let chain = iv.slice();
  const buffer = new BlockBuffer();
  return {
    async update(data) {
      const blocks = buffer.take(data, false);
      if (blocks.length === 0) return EMPTY;
      // WebCrypto always pads: drop the padding block it adds, chain on the last real block.
      const out = (await encryptCbc(await key(), chain, blocks)).subarray(0, blocks.length);
      chain = out.slice(out.length - AES_BLOCK);
      return out;
    },
    async final() {
      return encryptCbc(await key(), chain, buffer.rest);
    },
  };
}

function decryptStream(rawKey: Uint8Array, iv: Uint8Array): CbcStream {
  const key = lazyKey(rawKey);
  assertBytes(iv, 'iv', AES_BLOCK);
  let chain = iv.slice();
  const buffer = new BlockBuffer();
  return {
    async update(data) {
      const blocks = buffer.take(data, true);
      if (blocks.length === 0) return EMPTY;
      const out = await decryptBlocks(await key(), chain, blocks);
      chain = blocks.slice(blocks.length - AES_BLOCK);
      return out;
    },
    async final() {
      const last = buffer.rest;
      if (last.length !== AES_BLOCK) {
        throw new BackupError('TRUNCATED', 'ciphertext is not a whole number of AES blocks (file truncated)');
      }
      // Our own constant-time PKCS#7 check, so every backend fails alike.
      return stripPkcs7(await decryptBlocks(await key(), chain, last));
    },
  };
}

/** The WebCrypto backend: `crypto.subtle` AES-CBC, native or fflate inflate, fflate deflate, noble hashes. */
export const webCryptoBackend: CryptoBackend = {
  ...pureBackend,
  name: 'webcrypto',
  aesCbcEncrypt: encryptStream,
  aesCbcDecrypt: decryptStream,
  createInflate: streamInflate,
};
