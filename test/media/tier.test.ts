import { cbc } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { encryptAttachment } from '../../src/media/attachment.js';
import { mediaName, mediaTierKeys, thumbnailMediaName } from '../../src/media/names.js';
import { cbcHmacSize, mediaTierCiphertextSize } from '../../src/media/padding.js';
import {
  decryptFromMediaTier,
  decryptFromMediaTierStream,
  decryptThumbnail,
  encryptForMediaTier,
  encryptForMediaTierStream,
  encryptThumbnail,
  thumbnailAttachmentKey,
} from '../../src/media/tier.js';
import { BACKENDS, bytes, codeOf, collect, hex, split } from './backends.js';

const ROOT = bytes(32, 77);
const KEY = bytes(64, 78);
const IV = bytes(16, 79);

describe.each(BACKENDS.map((b) => [b.name, b] as const))('media tier (%s)', (_name, backend) => {
  it('adds IV || AES-CBC(media aesKey) || HMAC(media macKey) with no bucket padding', async () => {
    const pt = bytes(3000, 1);
    const transit = (await encryptAttachment(pt, KEY, { iv: IV, backend })).ciphertext;
    const name = mediaName(sha256(pt), KEY);
    const outer = await encryptForMediaTier(transit, ROOT, name, { iv: IV, backend });
    expect(outer.length).toBe(cbcHmacSize(transit.length));
    expect(outer.length).toBe(mediaTierCiphertextSize(3000));
    // independent construction with noble, keys split HMAC first
    const { hmacKey, aesKey } = mediaTierKeys(ROOT, name).mediaEncryptionKey;
    const ct = cbc(aesKey, IV).encrypt(transit);
    const expected = new Uint8Array([...IV, ...ct, ...hmac(sha256, hmacKey, new Uint8Array([...IV, ...ct]))]);
    expect(hex(outer)).toBe(hex(expected));
    expect(hex(await decryptFromMediaTier(outer, ROOT, name, { backend }))).toBe(hex(transit));
    const streamed = await collect(
      encryptForMediaTierStream(split(transit, [5, 100]), ROOT, name, { iv: IV, backend }),
    );
    expect(hex(streamed)).toBe(hex(outer));
    expect(
      hex(
        await collect(
          decryptFromMediaTierStream({ length: outer.length, open: () => split(outer, [3, 999]) }, ROOT, name, {
            backend,
          }),
        ),
      ),
    ).toBe(hex(transit));
  });

  it('rejects the wrong root key, the wrong media name, tampering and truncation', async () => {
    const transit = bytes(200, 5);
    const name = 'a'.repeat(192);
    const outer = await encryptForMediaTier(transit, ROOT, name, { backend });
    expect(await codeOf(() => decryptFromMediaTier(outer, bytes(32, 1), name, { backend }))).toBe('MAC_MISMATCH');
    expect(await codeOf(() => decryptFromMediaTier(outer, ROOT, thumbnailMediaName(name), { backend }))).toBe(
      'MAC_MISMATCH',
    );
    for (let i = 0; i < outer.length; i += 7) {
      const bad = outer.slice();
      bad[i]! ^= 4;
      expect(await codeOf(() => decryptFromMediaTier(bad, ROOT, name, { backend }))).toBe('MAC_MISMATCH');
      let released = 0;
      const code = await codeOf(async () => {
        for await (const c of decryptFromMediaTierStream(bad, ROOT, name, { backend })) released += c.length;
      });
      expect(code).toBe('MAC_MISMATCH');
      expect(released).toBe(0);
    }
    expect(await codeOf(() => decryptFromMediaTier(outer.subarray(0, outer.length - 3), ROOT, name, { backend }))).toBe(
      'TRUNCATED',
    );
    await expect(collect(decryptFromMediaTierStream([outer], ROOT, name, { backend }))).rejects.toThrow(TypeError);
  });

  it('thumbnails: written HMAC-first, read with either key order', async () => {
    const name = mediaName(bytes(32, 6), KEY);
    const thumb = bytes(700, 7);
    const e = await encryptThumbnail(thumb, ROOT, name, { iv: IV, backend });
    const { hmacKey, aesKey } = mediaTierKeys(ROOT, thumbnailMediaName(name)).thumbnailTransitKey;
    // attachment keys are AES first: Desktop/iOS build aesKey || macKey from the HMAC-first split
    expect(hex(thumbnailAttachmentKey(ROOT, name))).toBe(hex(aesKey) + hex(hmacKey));
    expect(hex(thumbnailAttachmentKey(ROOT, name, 'aesFirst'))).toBe(hex(hmacKey) + hex(aesKey));
    expect(hex(await decryptThumbnail(e.ciphertext, ROOT, name, { size: 700, backend }))).toBe(hex(thumb));
    // Android encrypts with the 64 derived bytes used as they are
    const android = await encryptAttachment(thumb, thumbnailAttachmentKey(ROOT, name, 'aesFirst'), { backend });
    expect(hex(await decryptThumbnail(android.ciphertext, ROOT, name, { size: 700, backend }))).toBe(hex(thumb));
    // without a size, the zero padding stays
    const padded = await decryptThumbnail(e.ciphertext, ROOT, name, { backend });
    expect(hex(padded.subarray(0, 700))).toBe(hex(thumb));
    expect(padded.subarray(700).every((b) => b === 0)).toBe(true);
    expect(await codeOf(() => decryptThumbnail(e.ciphertext, bytes(32, 2), name, { backend }))).toBe('MAC_MISMATCH');
  });
});
