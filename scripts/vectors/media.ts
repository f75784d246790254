/**
 * vectors/media/*.json: positive and negative cases for attachments, the media tier, media names
 * and ids, and the incremental MAC. Inputs and randomness are fixed. Values are computed by
 * sbackup with the pure backend; the generator first checks the implementation against
 * libsignal known answers and refuses to write if one differs. The
 * attachment cases are cross-checked by an independent node:crypto implementation
 * (test/media/vectors.node.test.ts) and the ids and MACs by libsignal-client (test/interop/media.test.ts).
 */

import { pureBackend } from '../../src/backends/pure.js';
import { fromHex, toHex } from '../../src/internal/bytes.js';
import { encryptAttachment } from '../../src/media/attachment.js';
import { incrementalMac } from '../../src/media/incrementalMac.js';
import {
  localBackupFileName,
  localBackupFilePath,
  mediaName,
  mediaTierKeys,
  thumbnailMediaName,
} from '../../src/media/names.js';
import { encryptForMediaTier, encryptThumbnail } from '../../src/media/tier.js';
import { fixedBytes } from '../../test/helpers/prng.js';

const backend = pureBackend;

function flip(b: Uint8Array, at: number): Uint8Array {
  const c = b.slice();
  c[at]! ^= 0x01;
  return c;
}

function check(what: string, got: string, want: string): void {
  if (got !== want) throw new Error(`media vectors: ${what} is ${got}, the reference says ${want}`);
}

const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;

export async function generate(): Promise<Record<string, string>> {
  // Known answers first: mediaId("example.jpg") under the BackupKey of libsignal's
  // rust/account-keys/src/backup.rs tests (computed with libsignal-client 0.103.0), and the
  // incremental MAC of libsignal node/ts/test/IncrementalMacTest.ts.
  const refRoot = fromHex('ea26a2ddb5dba5ef9e34e1b8dea1f5ae7f255306a6d2d883e542306eaa9fe985');
  check('mediaId(example.jpg)', toHex(mediaTierKeys(refRoot, 'example.jpg').mediaId), '239cada7829564eb551a51aab15ebe');
  const katKey = fromHex('a83481457efecc69ad1342e21d9c0297f71debbf5c9304b4c1b2e433c1a78f98');
  const katInput = new TextEncoder().encode('this is a test input to the incremental mac stream');
  check(
    'incremental MAC KAT',
    toHex(incrementalMac(katInput, katKey, 32, backend)),
    '84892f70600e549fb72879667a9d96a273f144b698ff9ef5a76062a56061a909884f6d9f42918a9e476ed518c4ac8f714bd33f045152ae049877fd3d1b0db25a',
  );

  // Attachments
  const attachments = [];
  const negatives = [];
  for (const [i, size] of [0, 1, 15, 16, 540, 541, 542, 1000, 4097].entries()) {
    const key = fixedBytes(64, 100 + i);
    const iv = fixedBytes(16, 200 + i);
    const plaintext = fixedBytes(size, 300 + i);
    const e = await encryptAttachment(plaintext, key, { iv, backend });
    attachments.push({
      size,
      key: toHex(key),
      iv: toHex(iv),
      plaintext: toHex(plaintext),
      paddedSize: e.paddedSize,
      ciphertext: toHex(e.ciphertext),
      plaintextHash: toHex(e.plaintextHash),
      digest: toHex(e.digest),
      incrementalMac: toHex(e.incrementalMac!),
      incrementalMacChunkSize: e.incrementalMacChunkSize,
      mediaName: mediaName(e.plaintextHash, key),
    });
    if (size === 1000) {
      const base = { key: toHex(key), size };
      const ct = e.ciphertext;
      negatives.push(
        { description: 'flipped IV byte', ...base, ciphertext: toHex(flip(ct, 3)), error: 'MAC_MISMATCH' },
        { description: 'flipped ciphertext byte', ...base, ciphertext: toHex(flip(ct, 500)), error: 'MAC_MISMATCH' },
        { description: 'flipped MAC byte', ...base, ciphertext: toHex(flip(ct, ct.length - 1)), error: 'MAC_MISMATCH' },
        {
          description: 'truncated by one byte',
          ...base,
          ciphertext: toHex(ct.subarray(0, ct.length - 1)),
          error: 'TRUNCATED',
        },
        { description: 'only IV and MAC', ...base, ciphertext: toHex(ct.subarray(0, 48)), error: 'TRUNCATED' },
        {
          description: 'last block dropped',
          ...base,
          ciphertext: toHex(ct.subarray(0, ct.length - 16)),
          error: 'MAC_MISMATCH',
        },
        {
          description: 'wrong key',
          key: toHex(fixedBytes(64, 999)),
          size,
          ciphertext: toHex(ct),
          error: 'MAC_MISMATCH',
        },
        {
          description: 'size larger than the data',
          ...base,
          size: 2000,
          ciphertext: toHex(ct),
          error: 'SIZE_MISMATCH',
        },
        {
          description: 'size smaller than the data',
          ...base,
          size: 999,
          ciphertext: toHex(ct),
          error: 'SIZE_MISMATCH',
        },
        {
          description: 'wrong digest',
          ...base,
          ciphertext: toHex(ct),
          digest: toHex(fixedBytes(32, 5)),
          error: 'DIGEST_MISMATCH',
        },
        {
          description: 'wrong plaintext hash',
          ...base,
          ciphertext: toHex(ct),
          plaintextHash: toHex(fixedBytes(32, 6)),
          error: 'PLAINTEXT_HASH_MISMATCH',
        },
      );
    }
  }

  // Names and ids
  const root = fixedBytes(32, 400);
  const names = [];
  for (let i = 0; i < 3; i++) {
    const plaintextHash = fixedBytes(32, 500 + i);
    const key = fixedBytes(64, 600 + i);
    const localKey = fixedBytes(64, 700 + i);
    const name = mediaName(plaintextHash, key);
    const full = mediaTierKeys(root, name);
    const thumb = mediaTierKeys(root, thumbnailMediaName(name));
    names.push({
      plaintextHash: toHex(plaintextHash),
      key: toHex(key),
      mediaName: name,
      thumbnailMediaName: thumbnailMediaName(name),
      mediaId: toHex(full.mediaId),
      mediaIdBase64Url: full.mediaIdBase64Url,
      mediaEncryptionKey: {
        hmacKey: toHex(full.mediaEncryptionKey.hmacKey),
        aesKey: toHex(full.mediaEncryptionKey.aesKey),
      },
      thumbnailMediaId: toHex(thumb.mediaId),
      thumbnailMediaIdBase64Url: thumb.mediaIdBase64Url,
      thumbnailMediaEncryptionKey: {
        hmacKey: toHex(thumb.mediaEncryptionKey.hmacKey),
        aesKey: toHex(thumb.mediaEncryptionKey.aesKey),
      },
      thumbnailTransitKey: {
        hmacKey: toHex(thumb.thumbnailTransitKey.hmacKey),
        aesKey: toHex(thumb.thumbnailTransitKey.aesKey),
      },
      localKey: toHex(localKey),
      localBackupFileName: localBackupFileName(plaintextHash, localKey, backend),
      localBackupFilePath: localBackupFilePath(plaintextHash, localKey, backend),
    });
  }

  // Media tier: the outer layer over an attachment blob, and a thumbnail
  const tierCases = [];
  const tierNegatives = [];
  for (const [i, size] of [0, 700].entries()) {
    const a = attachments.find((x) => x.size === (size === 0 ? 0 : 1000))!;
    const transit = fromHex(a.ciphertext);
    const iv = fixedBytes(16, 800 + i);
    const outer = await encryptForMediaTier(transit, root, a.mediaName, { iv, backend });
    tierCases.push({ mediaName: a.mediaName, iv: toHex(iv), transit: a.ciphertext, object: toHex(outer) });
    if (i === 1) {
      tierNegatives.push(
        { description: 'flipped byte', mediaName: a.mediaName, object: toHex(flip(outer, 40)), error: 'MAC_MISMATCH' },
        {
          description: 'other media name',
          mediaName: thumbnailMediaName(a.mediaName),
          object: toHex(outer),
          error: 'MAC_MISMATCH',
        },
        {
          description: 'truncated',
          mediaName: a.mediaName,
          object: toHex(outer.subarray(0, outer.length - 5)),
          error: 'TRUNCATED',
        },
      );
    }
  }
  const thumbName = names[0]!.mediaName;
  const thumbPlain = fixedBytes(700, 900);
  const thumb = await encryptThumbnail(thumbPlain, root, thumbName, { iv: fixedBytes(16, 901), backend });
  const thumbOuter = await encryptForMediaTier(thumb.ciphertext, root, thumbnailMediaName(thumbName), {
    iv: fixedBytes(16, 902),
    backend,
  });

  // Incremental MAC with small chunks (boundaries exercised)
  const macKey = fixedBytes(32, 1000);
  const macs = [];
  for (const [size, chunkSize] of [
    [0, 32],
    [1, 32],
    [31, 32],
    [32, 32],
    [33, 32],
    [96, 32],
    [100, 7],
  ] as const) {
    const data = fixedBytes(size, 1100 + size + chunkSize);
    macs.push({ chunkSize, data: toHex(data), digest: toHex(incrementalMac(data, macKey, chunkSize, backend)) });
  }
  const d96 = macs.find((m) => m.data.length === 192)!;
  const macNegatives = [
    { description: 'flipped data byte', chunkSize: 32, data: toHex(flip(fromHex(d96.data), 40)), digest: d96.digest },
    { description: 'data truncated by one chunk', chunkSize: 32, data: d96.data.slice(0, 128), digest: d96.digest },
    { description: 'one extra byte', chunkSize: 32, data: `${d96.data}00`, digest: d96.digest },
    { description: 'digest missing its final MAC', chunkSize: 32, data: d96.data, digest: d96.digest.slice(0, 192) },
    {
      description: 'digest not a multiple of 32 bytes',
      chunkSize: 32,
      data: d96.data,
      digest: d96.digest.slice(0, 190),
    },
  ].map((n) => ({ ...n, error: 'MAC_MISMATCH' }));

  return {
    'media/attachments.json': json({
      about:
        'Signal attachment (transit) format. key: 64 bytes, AES key first. ciphertext = IV || AES-256-CBC/PKCS7(plaintext || zeros to paddedSize) || HMAC-SHA256(IV || ct). incrementalMac over the whole ciphertext with key[32:64].',
      cases: attachments,
      negative: negatives,
    }),
    'media/names.json': json({
      about:
        'mediaName = hex(plaintextHash || key); ids and keys from mediaRootKey; local file name = hex(SHA-256(plaintextHash || localKey)).',
      mediaRootKey: toHex(root),
      cases: names,
    }),
    'media/tier.json': json({
      about:
        'Media-tier objects: the transit blob encrypted again with mediaTierKeys(mediaRootKey, mediaName).mediaEncryptionKey (HMAC key first), no padding.',
      mediaRootKey: toHex(root),
      cases: tierCases,
      negative: tierNegatives,
      thumbnail: {
        mediaName: thumbName,
        plaintext: toHex(thumbPlain),
        size: thumbPlain.length,
        transit: toHex(thumb.ciphertext),
        object: toHex(thumbOuter),
      },
    }),
    'media/incremental-mac.json': json({
      about: 'libsignal incremental MAC: HMAC-SHA256 of every whole-chunk prefix, then of everything.',
      key: toHex(macKey),
      cases: macs,
      negative: macNegatives,
    }),
  };
}
