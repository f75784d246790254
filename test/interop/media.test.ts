import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { pureBackend } from '../../src/backends/pure.js';
import { toHex } from '../../src/internal/bytes.js';
import { encryptAttachment } from '../../src/media/attachment.js';
import { IncrementalMacVerifier, incrementalMac, incrementalMacChunkSize } from '../../src/media/incrementalMac.js';
import { mediaName, mediaTierKeys, thumbnailMediaName } from '../../src/media/names.js';
import { nodeBackend } from '../../src/node/backend.js';
import { libsignal } from './oracle.js';

const require = createRequire(import.meta.url);
const im =
  require('@signalapp/libsignal-client/dist/incremental_mac.js') as typeof import('@signalapp/libsignal-client/dist/incremental_mac.js');
const { BackupKey } = libsignal.accountKeys;

const hex = toHex;

async function theirDigest(data: Uint8Array, key: Uint8Array, choice: ReturnType<typeof im.inferChunkSize>) {
  const d = new im.DigestingPassThrough(Buffer.from(key), choice);
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += 40_000) pieces.push(Buffer.from(data.subarray(i, i + 40_000)));
  await pipeline(Readable.from(pieces), d, new Writable({ write: (_c, _e, cb) => cb() }));
  return d.getFinalDigest();
}

async function theyAccept(data: Uint8Array, key: Uint8Array, chunk: number, digest: Uint8Array): Promise<boolean> {
  try {
    const v = new im.ValidatingPassThrough(Buffer.from(key), im.everyNthByte(chunk), Buffer.from(digest));
    await pipeline(Readable.from([Buffer.from(data)]), v, new PassThrough().resume());
    return true;
  } catch {
    return false;
  }
}

describe('incremental MAC against libsignal-client', () => {
  it('chooses the same chunk size (inferChunkSize / chunkSizeInBytes)', () => {
    const sizes = [
      0,
      1,
      65535,
      65536,
      16 * 2 ** 20 - 1,
      16 * 2 ** 20,
      16 * 2 ** 20 + 1,
      100 * 2 ** 20,
      512 * 2 ** 20,
      2 ** 32 - 1,
    ];
    for (let i = 0; i < 300; i++) sizes.push(Math.floor(Math.random() * 2 ** 32));
    for (const s of sizes)
      expect(incrementalMacChunkSize(s), `size ${s}`).toBe(im.chunkSizeInBytes(im.inferChunkSize(s)));
  });

  it.each([
    ['pure', pureBackend],
    ['node', nodeBackend],
  ] as const)('gives the same digests as DigestingPassThrough (%s)', async (_n, backend) => {
    const key = randomBytes(32);
    const chunk = 64;
    const sizes = [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 5 * chunk, 5 * chunk + 7];
    for (let i = 0; i < 20; i++) sizes.push(Math.floor(Math.random() * 2000));
    for (const n of sizes) {
      const data = randomBytes(n);
      const ours = incrementalMac(data, key, chunk, backend);
      expect(hex(ours), `size ${n}`).toBe(hex(await theirDigest(data, key, im.everyNthByte(chunk))));
      expect(await theyAccept(data, key, chunk, ours)).toBe(true);
    }
  });

  it('an encrypted attachment carries the incremental MAC Desktop computes (inferChunkSize of the blob length)', async () => {
    for (const n of [0, 1000, 65_536 * 3 - 80, 1_000_000]) {
      const key = randomBytes(64);
      const e = await encryptAttachment(randomBytes(n), key, { backend: nodeBackend });
      const theirs = await theirDigest(e.ciphertext, key.subarray(32), im.inferChunkSize(e.ciphertext.length));
      expect(hex(e.incrementalMac!)).toBe(hex(theirs));
      // and libsignal's validator accepts the blob with our digest; rejects it after a flip
      expect(await theyAccept(e.ciphertext, key.subarray(32), e.incrementalMacChunkSize!, e.incrementalMac!)).toBe(
        true,
      );
      const bad = e.ciphertext.slice();
      bad[Math.floor(bad.length / 2)]! ^= 1;
      expect(await theyAccept(bad, key.subarray(32), e.incrementalMacChunkSize!, e.incrementalMac!)).toBe(false);
    }
  });

  it('our verifier accepts libsignal digests and rejects damaged data', async () => {
    const key = randomBytes(32);
    const data = randomBytes(100_000);
    const theirs = await theirDigest(data, key, im.everyNthByte(4096));
    const v = new IncrementalMacVerifier(key, 4096, theirs, nodeBackend);
    const out = [v.push(data), v.finish()];
    expect(out[0]!.length + out[1]!.length).toBe(data.length);
    const bad = data.slice();
    bad[99_999]! ^= 1;
    const v2 = new IncrementalMacVerifier(key, 4096, theirs, nodeBackend);
    expect(v2.push(bad).length).toBe(Math.floor(100_000 / 4096) * 4096);
    expect(() => v2.finish()).toThrow(expect.objectContaining({ code: 'MAC_MISMATCH' }));
  });
});

describe('media ids and keys against libsignal-client BackupKey', () => {
  it('deriveMediaId / deriveMediaEncryptionKey / deriveThumbnailTransitEncryptionKey', () => {
    for (let i = 0; i < 100; i++) {
      const root = randomBytes(32);
      const name = i % 3 === 0 ? 'example.jpg' : mediaName(randomBytes(32), randomBytes(64));
      for (const n of [name, thumbnailMediaName(name)]) {
        const ours = mediaTierKeys(root, n);
        const theirKey = new BackupKey(Buffer.from(root));
        const id = theirKey.deriveMediaId(n);
        expect(hex(ours.mediaId)).toBe(hex(id));
        expect(ours.mediaIdBase64Url).toBe(Buffer.from(id).toString('base64url'));
        const mk = theirKey.deriveMediaEncryptionKey(id);
        expect(hex(ours.mediaEncryptionKey.hmacKey) + hex(ours.mediaEncryptionKey.aesKey)).toBe(hex(mk));
        const tk = theirKey.deriveThumbnailTransitEncryptionKey(id);
        expect(hex(ours.thumbnailTransitKey.hmacKey) + hex(ours.thumbnailTransitKey.aesKey)).toBe(hex(tk));
      }
    }
  });
});
