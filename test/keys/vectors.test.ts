import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/internal/bytes.js';
import {
  createBackupMetadata,
  deriveForwardSecrecyEncryptionKey,
  deriveForwardSecrecyPassword,
  encryptForwardSecrecyToken,
  recoverForwardSecrecyToken,
} from '../../src/keys/forwardSecrecy.js';
import { decodeBackupMetadata, encodeBackupMetadata } from '../../src/keys/metadata.js';
import {
  deriveBackupId,
  deriveBackupKey,
  deriveLocalMetadataKey,
  deriveMediaEncryptionKey,
  deriveMediaId,
  deriveMessageBackupKey,
  deriveSvrKey,
  deriveThumbnailTransitKey,
} from '../../src/keys/hierarchy.js';
import { deriveBackupIdKeyPair } from '../../src/keys/backupIdKeyPair.js';
import vectors from '../../vectors/keys.json' with { type: 'json' };

describe('vectors/keys.json', () => {
  it('holds the reference cases and our own', () => {
    expect(vectors.recoveryKeyCases.filter((c) => c.source === 'reference').length).toBeGreaterThanOrEqual(2);
    expect(vectors.recoveryKeyCases.length).toBeGreaterThanOrEqual(5);
  });

  for (const c of vectors.recoveryKeyCases) {
    it(`${c.source}: ${c.recoveryKey.slice(0, 8)}… / ${c.aci}`, () => {
      const e = c.expected as Record<string, string>;
      const bk = deriveBackupKey(c.recoveryKey);
      expect(toHex(bk)).toBe(e.backupKey);
      expect(toHex(deriveSvrKey(c.recoveryKey))).toBe(e.svrKey);
      const id = deriveBackupId(bk, c.aci);
      expect(toHex(id)).toBe(e.backupId);
      // Both ACI forms give the same result.
      expect(toHex(deriveBackupId(bk, fromHex(c.aci.replaceAll('-', ''))))).toBe(e.backupId);
      const pair = deriveBackupIdKeyPair(bk, c.aci);
      expect(toHex(pair.privateKey)).toBe(e.backupIdPrivateKey);
      expect(toHex(pair.publicKey)).toBe(e.backupIdPublicKey);
      expect(toHex(deriveLocalMetadataKey(bk))).toBe(e.localMetadataKey);
      const legacy = deriveMessageBackupKey(bk, id);
      expect(toHex(legacy.hmacKey)).toBe(e.legacyMessageBackupHmacKey);
      expect(toHex(legacy.aesKey)).toBe(e.legacyMessageBackupAesKey);
      if (c.forwardSecrecyToken !== undefined) {
        const fs = deriveMessageBackupKey(bk, id, fromHex(c.forwardSecrecyToken));
        expect(toHex(fs.hmacKey)).toBe(e.forwardSecrecyMessageBackupHmacKey);
        expect(toHex(fs.aesKey)).toBe(e.forwardSecrecyMessageBackupAesKey);
      }
      const root = fromHex(c.mediaRootKey);
      const mediaId = deriveMediaId(root, c.mediaName);
      expect(toHex(mediaId)).toBe(e.mediaId);
      const media = deriveMediaEncryptionKey(root, mediaId);
      expect(toHex(media.hmacKey)).toBe(e.mediaEncryptionHmacKey);
      expect(toHex(media.aesKey)).toBe(e.mediaEncryptionAesKey);
      const thumb = deriveThumbnailTransitKey(root, mediaId);
      expect(toHex(thumb.hmacKey)).toBe(e.thumbnailTransitHmacKey);
      expect(toHex(thumb.aesKey)).toBe(e.thumbnailTransitAesKey);
    });
  }

  for (const m of vectors.messageBackupKeyCases) {
    it(`MessageBackupKey from BackupKey ${m.backupKey.slice(0, 4)}… ${m.forwardSecrecyToken ? 'with' : 'without'} token`, () => {
      const token = 'forwardSecrecyToken' in m ? fromHex(m.forwardSecrecyToken as string) : undefined;
      const k = deriveMessageBackupKey(fromHex(m.backupKey), fromHex(m.backupId), token);
      expect(toHex(k.hmacKey)).toBe(m.expected.hmacKey);
      expect(toHex(k.aesKey)).toBe(m.expected.aesKey);
    });
  }

  it('forward-secrecy password, encryption key and token pair', () => {
    const fs = vectors.forwardSecrecy;
    const bk = fromHex(fs.backupKey);
    expect(toHex(deriveForwardSecrecyPassword(bk, fromHex(fs.password.pwSalt)))).toBe(fs.password.expected);
    const ek = deriveForwardSecrecyEncryptionKey(bk, fromHex(fs.encryptionKey.encSalt));
    expect(toHex(ek.cipherKey)).toBe(fs.encryptionKey.expectedCipherKey);
    expect(toHex(ek.hmacKey)).toBe(fs.encryptionKey.expectedHmacKey);
    const t = fs.tokenPair;
    expect(toHex(encryptForwardSecrecyToken(bk, fromHex(t.encSalt), fromHex(t.iv), fromHex(t.token)))).toBe(
      t.expectedCt,
    );
  });

  it('metadata header decodes, opens with either pair, and re-encodes identically', () => {
    const fs = vectors.forwardSecrecy;
    const bytes = fromHex(fs.metadata.encoded);
    const md = decodeBackupMetadata(bytes);
    expect(md.pairs).toHaveLength(2);
    expect(toHex(md.iv)).toBe('03'.repeat(12));
    const bk = fromHex(fs.backupKey);
    expect(toHex(recoverForwardSecrecyToken(bk, md, fromHex('01'.repeat(32))))).toBe('ab'.repeat(32));
    expect(toHex(recoverForwardSecrecyToken(bk, md, fromHex('04'.repeat(32))))).toBe('ab'.repeat(32));
    expect(toHex(encodeBackupMetadata(md))).toBe(fs.metadata.encoded);
    const again = createBackupMetadata(
      bk,
      fromHex('ab'.repeat(32)),
      [{ encSalt: fromHex('01'.repeat(32)), pwSalt: fromHex('02'.repeat(32)) }],
      {
        iv: fromHex('03'.repeat(12)),
      },
    );
    expect(toHex(again.pairs[0]!.ct)).toBe(fs.tokenPair.expectedCt);
  });
});
