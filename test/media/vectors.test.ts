import { describe, expect, it } from 'vitest';
import { decryptAttachment, encryptAttachment } from '../../src/media/attachment.js';
import { IncrementalMacVerifier, incrementalMac } from '../../src/media/incrementalMac.js';
import {
  localBackupFileName,
  localBackupFilePath,
  mediaName,
  mediaTierKeys,
  thumbnailMediaName,
} from '../../src/media/names.js';
import { decryptFromMediaTier, decryptThumbnail, encryptForMediaTier } from '../../src/media/tier.js';
import attachments from '../../vectors/media/attachments.json' with { type: 'json' };
import incremental from '../../vectors/media/incremental-mac.json' with { type: 'json' };
import names from '../../vectors/media/names.json' with { type: 'json' };
import tier from '../../vectors/media/tier.json' with { type: 'json' };
import { BACKENDS, codeOf, hex, unhex } from './backends.js';

describe.each(BACKENDS.map((b) => [b.name, b] as const))('vectors/media (%s)', (_n, backend) => {
  it('attachments: encrypt to the same bytes, decrypt back', async () => {
    for (const c of attachments.cases) {
      const e = await encryptAttachment(unhex(c.plaintext), unhex(c.key), { iv: unhex(c.iv), backend });
      expect(hex(e.ciphertext)).toBe(c.ciphertext);
      expect(hex(e.plaintextHash)).toBe(c.plaintextHash);
      expect(hex(e.digest)).toBe(c.digest);
      expect(hex(e.incrementalMac!)).toBe(c.incrementalMac);
      expect(e.incrementalMacChunkSize).toBe(c.incrementalMacChunkSize);
      expect(e.paddedSize).toBe(c.paddedSize);
      expect(mediaName(e.plaintextHash, unhex(c.key))).toBe(c.mediaName);
      const back = await decryptAttachment(unhex(c.ciphertext), unhex(c.key), {
        size: c.size,
        digest: unhex(c.digest),
        plaintextHash: unhex(c.plaintextHash),
        backend,
      });
      expect(hex(back)).toBe(c.plaintext);
    }
  });

  it('attachments: every negative case fails with its code', async () => {
    for (const c of attachments.negative as {
      description: string;
      key: string;
      size: number;
      ciphertext: string;
      digest?: string;
      plaintextHash?: string;
      error: string;
    }[]) {
      const code = await codeOf(() =>
        decryptAttachment(unhex(c.ciphertext), unhex(c.key), {
          size: c.size,
          backend,
          ...(c.digest ? { digest: unhex(c.digest) } : {}),
          ...(c.plaintextHash ? { plaintextHash: unhex(c.plaintextHash) } : {}),
        }),
      );
      expect(code, c.description).toBe(c.error);
    }
  });

  it('names and ids', () => {
    const root = unhex(names.mediaRootKey);
    for (const c of names.cases) {
      expect(mediaName(unhex(c.plaintextHash), unhex(c.key))).toBe(c.mediaName);
      expect(thumbnailMediaName(c.mediaName)).toBe(c.thumbnailMediaName);
      const k = mediaTierKeys(root, c.mediaName);
      expect(hex(k.mediaId)).toBe(c.mediaId);
      expect(k.mediaIdBase64Url).toBe(c.mediaIdBase64Url);
      expect(hex(k.mediaEncryptionKey.hmacKey)).toBe(c.mediaEncryptionKey.hmacKey);
      expect(hex(k.mediaEncryptionKey.aesKey)).toBe(c.mediaEncryptionKey.aesKey);
      const t = mediaTierKeys(root, c.thumbnailMediaName);
      expect(hex(t.mediaId)).toBe(c.thumbnailMediaId);
      expect(t.mediaIdBase64Url).toBe(c.thumbnailMediaIdBase64Url);
      expect(hex(t.thumbnailTransitKey.hmacKey)).toBe(c.thumbnailTransitKey.hmacKey);
      expect(hex(t.thumbnailTransitKey.aesKey)).toBe(c.thumbnailTransitKey.aesKey);
      expect(localBackupFileName(unhex(c.plaintextHash), unhex(c.localKey), backend)).toBe(c.localBackupFileName);
      expect(localBackupFilePath(unhex(c.plaintextHash), unhex(c.localKey), backend)).toBe(c.localBackupFilePath);
    }
  });

  it('media tier: objects, negatives, and a thumbnail', async () => {
    const root = unhex(tier.mediaRootKey);
    for (const c of tier.cases) {
      expect(hex(await encryptForMediaTier(unhex(c.transit), root, c.mediaName, { iv: unhex(c.iv), backend }))).toBe(
        c.object,
      );
      expect(hex(await decryptFromMediaTier(unhex(c.object), root, c.mediaName, { backend }))).toBe(c.transit);
    }
    for (const c of tier.negative) {
      expect(
        await codeOf(() => decryptFromMediaTier(unhex(c.object), root, c.mediaName, { backend })),
        c.description,
      ).toBe(c.error);
    }
    const t = tier.thumbnail;
    const transit = await decryptFromMediaTier(unhex(t.object), root, thumbnailMediaName(t.mediaName), { backend });
    expect(hex(transit)).toBe(t.transit);
    expect(hex(await decryptThumbnail(transit, root, t.mediaName, { size: t.size, backend }))).toBe(t.plaintext);
  });

  it('incremental MAC: digests, and negatives rejected', () => {
    const key = unhex(incremental.key);
    for (const c of incremental.cases) {
      expect(hex(incrementalMac(unhex(c.data), key, c.chunkSize, backend))).toBe(c.digest);
    }
    for (const c of incremental.negative) {
      let code = 'none';
      try {
        const v = new IncrementalMacVerifier(key, c.chunkSize, unhex(c.digest), backend);
        v.push(unhex(c.data));
        v.finish();
      } catch (e) {
        code = (e as { code?: string }).code ?? String(e);
      }
      expect(code, c.description).toBe(c.error);
    }
  });
});
