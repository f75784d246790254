/** Shared helpers of the container tests (isomorphic: no node:* imports). */

import { cbc } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { gzipSync } from 'fflate';
import type { CryptoBackend } from '../../src/backends/types.js';
import { isBackupError } from '../../src/errors.js';
import { concatByteList } from '../../src/internal/bytes.js';
import { encodeBytesField } from '../../src/internal/wire.js';
import type { SplitKey } from '../../src/keys/hierarchy.js';
import { openBackup, type OpenBackupOptions } from '../../src/container/reader.js';
import type { RereadableSource } from '../../src/container/sources.js';
import { joinDelimited } from '../helpers/delimited.js';

export const KEY: SplitKey = { hmacKey: new Uint8Array(32).fill(0x11), aesKey: new Uint8Array(32).fill(0x22) };
export const OTHER_KEY: SplitKey = { hmacKey: new Uint8Array(32).fill(0x33), aesKey: new Uint8Array(32).fill(0x22) };

/** A BackupInfo-like message: version 1 (field 1 varint), a timestamp (field 2). */
export const INFO = Uint8Array.of(0x08, 0x01, 0x10, 0x80, 0xe8, 0x93, 0x92, 0xb3, 0x32);

/** A Frame with oneof member `field` carrying `payload`. */
export function frame(field: number, payload: Uint8Array): Uint8Array {
  return encodeBytesField(field, payload);
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A small, typical backup: account, recipients, a chat, chat items (a long one too). */
export function sampleFrames(items = 50): Uint8Array[] {
  const out = [frame(1, text('account: Boba')), frame(2, text('recipient self')), frame(2, text('recipient 2'))];
  out.push(frame(3, text('chat 1')));
  for (let i = 0; i < items; i++) out.push(frame(4, text(`message ${i} ${'lorem ipsum '.repeat(i % 7)}`)));
  out.push(frame(4, new Uint8Array(20000).fill(0x61)));
  out.push(frame(5, text('sticker pack')));
  return out;
}

/** Reads everything a backup releases, recording each item before the error (if any). */
export async function readAll(source: RereadableSource, options: OpenBackupOptions) {
  const seen: Uint8Array[] = [];
  try {
    const b = await openBackup(source, options);
    seen.push(b.backupInfo);
    for await (const f of b.frames) seen.push(f);
    return { ok: true as const, seen, backup: b };
  } catch (error) {
    return { ok: false as const, seen, error };
  }
}

export function codeOf(e: unknown): string {
  return isBackupError(e) ? e.code : `not a BackupError: ${String(e)}`;
}

/** varint-delimited plaintext of `info` and `frames`. */
export function delimited(info: Uint8Array, frames: Uint8Array[]): Uint8Array {
  return joinDelimited([info, ...frames]);
}

/**
 * A legacy-layout file built by hand (independently of our writer): `plaintext` encrypted with
 * noble's CBC, optionally without PKCS#7 (then `plaintext` must be whole blocks), MAC'd.
 */
export function handBuilt(plaintext: Uint8Array, key: SplitKey, pkcs7 = true): Uint8Array {
  const iv = new Uint8Array(16).fill(0x49);
  const ct = cbc(key.aesKey, iv, { disablePadding: !pkcs7 }).encrypt(plaintext);
  const body = concatByteList([iv, ct]);
  return concatByteList([body, hmac(sha256, key.hmacKey, body)]);
}

/** gzip (one member) of `data`, then `padding` (zero bytes unless given). */
export function gz(data: Uint8Array, padding: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concatByteList([gzipSync(data), padding]);
}

/** Splits bytes into a re-openable source yielding chunks of `size` (1 = byte by byte). */
export function chunked(bytes: Uint8Array, size: number) {
  return {
    length: bytes.length,
    async *open() {
      for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
    },
  };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export type NamedBackend = CryptoBackend;
