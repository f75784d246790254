import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  localBackupFileName,
  localBackupFilePath,
  mediaIdToBase64Url,
  mediaName,
  mediaTierKeys,
  thumbnailMediaName,
} from '../../src/media/names.js';
import { BACKENDS, bytes, hex, unhex } from './backends.js';

// The BackupKey of libsignal's rust/account-keys/src/backup.rs tests, used as a media root key; the
// expected values below were computed with libsignal-client 0.103.0 (docs/format.md §2, §10).
const ROOT = unhex('ea26a2ddb5dba5ef9e34e1b8dea1f5ae7f255306a6d2d883e542306eaa9fe985');

describe('media names and ids', () => {
  it('mediaName is lowercase hex of plaintextHash || key (192 characters)', () => {
    const h = bytes(32, 1);
    const k = bytes(64, 2);
    const name = mediaName(h, k);
    expect(name).toHaveLength(192);
    expect(name).toBe(hex(h) + hex(k));
    expect(name).toMatch(/^[0-9a-f]+$/);
    expect(thumbnailMediaName(name)).toBe(`${name}_thumbnail`);
    expect(() => mediaName(bytes(31), k)).toThrow(RangeError);
    expect(() => mediaName(h, bytes(32))).toThrow(RangeError);
  });

  it('derives the libsignal-verified media id and keys of "example.jpg"', () => {
    const keys = mediaTierKeys(ROOT, 'example.jpg');
    expect(hex(keys.mediaId)).toBe('239cada7829564eb551a51aab15ebe');
    expect(hex(keys.mediaEncryptionKey.hmacKey)).toBe(
      '3f5d446dcb6a859bdeade4ce444c401c759c5f1fa447e8d6924b84d9318fe0d3',
    );
    expect(hex(keys.mediaEncryptionKey.aesKey)).toBe(
      '4946528194667ca4e32d5fc800e30c66dd2d27d5ded353e58dabc7d57541765d',
    );
    expect(hex(keys.thumbnailTransitKey.hmacKey)).toBe(
      'db84ac0f37bf0be80de0ff57858652d4e5b2094770287f74c552090f49a2d2dd',
    );
    expect(hex(keys.thumbnailTransitKey.aesKey)).toBe(
      'bd41a34f6dccbfc1548b4b073d28704c52555328065e06d22c231b186b2787b8',
    );
  });

  it('writes media ids as unpadded base64url (20 characters for 15 bytes)', () => {
    // 0xfb 0xff 0xbf -> "+/+/" in standard base64 -> "-_-_" in base64url
    expect(mediaIdToBase64Url(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe('-_-_');
    const id = mediaTierKeys(ROOT, 'example.jpg').mediaIdBase64Url;
    expect(id).toHaveLength(20);
    expect(id).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(mediaIdToBase64Url(Uint8Array.of(1))).toBe('AQ');
  });

  it.each(BACKENDS.map((b) => [b.name, b] as const))(
    'local backup file name is hex(SHA-256(plaintextHash || localKey)) (%s)',
    (_n, backend) => {
      const h = bytes(32, 3);
      const lk = bytes(64, 4);
      const expected = hex(sha256(new Uint8Array([...h, ...lk])));
      expect(localBackupFileName(h, lk, backend)).toBe(expected);
      expect(localBackupFilePath(h, lk, backend)).toBe(`${expected.slice(0, 2)}/${expected}`);
      expect(() => localBackupFileName(h, new Uint8Array(0), backend)).toThrow(RangeError);
    },
  );
});
