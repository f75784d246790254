/**
 * The container against the oracle (libsignal-client 0.103.0) and libsignal's encrypted test
 * files: we decrypt theirs to the known plaintext (docs/format.md §4, "Anatomy of a real file"), and
 * their `validate()` accepts every corpus case our writer encrypts, in both layouts, with random keys,
 * on every backend.
 */

import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pureBackend } from '../../src/backends/pure.js';
import { webCryptoBackend } from '../../src/backends/webcrypto.js';
import { openBackup } from '../../src/container/reader.js';
import { flushInterval, paddingSize } from '../../src/container/sizing.js';
import { encryptBackup } from '../../src/container/writer.js';
import { encodeVarint } from '../../src/internal/wire.js';
import { createBackupMetadata } from '../../src/keys/forwardSecrecy.js';
import { encodeBackupMetadata } from '../../src/keys/metadata.js';
import { deriveBackupId, deriveBackupKey, deriveMessageBackupKey } from '../../src/keys/hierarchy.js';
import { nodeBackend } from '../../src/node/backend.js';
import { splitDelimited } from '../helpers/delimited.js';
import { BytesInputStream, INTEROP_DIR, libsignal } from './oracle.js';

const BACKENDS = [pureBackend, webCryptoBackend, nodeBackend];
const { MessageBackupKey, Purpose, validate } = libsignal.messageBackup;

describe("libsignal's valid-encrypted files", () => {
  const dir = join(INTEROP_DIR, 'libsignal/test-cases/valid-encrypted');
  const backupKey = deriveBackupKey('m'.repeat(64));
  const backupId = deriveBackupId(backupKey, '11111111-1111-1111-1111-111111111111');
  const cases = [
    ['new-account', 'modern', deriveMessageBackupKey(backupKey, backupId, new Uint8Array(32).fill(0xab))],
    ['legacy-account', 'legacy', deriveMessageBackupKey(backupKey, backupId)],
  ] as const;
  for (const [name, layout, key] of cases) {
    for (const backend of BACKENDS) {
      it(`${name} decrypts to the known plaintext (${backend.name})`, async () => {
        const file = new Uint8Array(readFileSync(join(dir, `${name}.binproto.encrypted`)));
        const b = await openBackup(file, { key, backend });
        expect(b.layout).toBe(layout);
        const h = createHash('sha256').update(encodeVarint(b.backupInfo.length)).update(b.backupInfo);
        let frames = 0;
        for await (const f of b.frames) {
          h.update(encodeVarint(f.length)).update(f);
          frames++;
        }
        // The 117-byte plaintext of new-account.binproto.encrypted (docs/format.md §4): its SHA-256,
        // computed by a decryptor independent of sbackup; BackupInfo + 3 frames.
        expect(h.digest('hex')).toBe('0d5d21b85e69e13811e4bd01df6bc022413d174e3216f975efbac6d925d79fd8');
        expect(frames).toBe(3);
        expect(b.backupInfo.length).toBe(43);
        expect(b.trailer).toEqual({ paddingLength: 408, nonZeroPaddingBytes: 0 });
        if (layout === 'modern') expect(b.metadata?.pairs[0]?.ct).toEqual(new Uint8Array(48).fill(0xcc));
      });
    }
  }
});

describe('validate() accepts what our writer makes', () => {
  const corpus = join(INTEROP_DIR, 'backup-tests');
  const files = readdirSync(corpus)
    .filter((f) => f.endsWith('.binproto'))
    .sort();
  const step = Number(process.env.SBACKUP_CONTAINER_STEP ?? 1);

  it(`every corpus case (${files.length}, step ${step}), both layouts, random keys, rotating backends`, async () => {
    let checked = 0;
    for (let i = 0; i < files.length; i += step) {
      const [info, ...frames] = splitDelimited(new Uint8Array(readFileSync(join(corpus, files[i]!))));
      const backupKey = randomBytes(32);
      const backupId = randomBytes(16);
      const token = randomBytes(32);
      const backend = BACKENDS[i % BACKENDS.length]!;
      for (const modern of [false, true]) {
        const ours = deriveMessageBackupKey(backupKey, backupId, modern ? token : undefined);
        const metadata = modern
          ? encodeBackupMetadata(
              createBackupMetadata(backupKey, token, [{ encSalt: randomBytes(32), pwSalt: randomBytes(32) }]),
            )
          : undefined;
        const file = await encryptBackup(info!, frames, { key: ours, metadata, backend });
        const theirs = new MessageBackupKey({
          backupKey: new Uint8Array(backupKey),
          backupId: new Uint8Array(backupId),
          ...(modern
            ? { forwardSecrecyToken: new libsignal.accountKeys.BackupForwardSecrecyToken(new Uint8Array(token)) }
            : {}),
        });
        const outcome = await validate(
          theirs,
          Purpose.RemoteBackup,
          () => new BytesInputStream(file),
          BigInt(file.length),
        );
        expect(outcome.errorMessage, `${files[i]} ${modern ? 'modern' : 'legacy'} ${backend.name}`).toBeNull();
        expect(outcome.unknownFieldMessages).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('sizing equals libsignal-client', () => {
  const { flushInterval: theirFlush, paddingSize: theirPadding } = libsignal.messageBackup;
  it('flushInterval on random inputs, with and without an estimate', () => {
    for (let i = 0; i < 2000; i++) {
      const x = Math.floor(Math.random() * 2 ** (Math.random() * 40));
      const est = Math.floor(Math.random() * 2 ** (Math.random() * 40));
      expect(flushInterval(x)).toBe(Number(theirFlush(BigInt(x))));
      if (est > 0) expect(flushInterval(x, est)).toBe(Number(theirFlush(BigInt(x), BigInt(est))));
    }
  });
  it('paddingSize: the deterministic floor and the distribution bounds', () => {
    for (let i = 0; i < 300; i++) {
      const block = Math.floor(Math.random() * 600000);
      const compressed = Math.floor(Math.random() * 70000);
      const theirs = Number(theirPadding(BigInt(block), BigInt(compressed)));
      const ours = paddingSize(block, compressed);
      const floor = Math.max(1, 65536 - compressed);
      const sigma = Math.max(block, 8192) / 2;
      for (const v of [theirs, ours]) {
        expect(v).toBeGreaterThanOrEqual(floor);
        // 3 sigma + 8 sigma would be a 1-in-10^15 draw.
        expect(v).toBeLessThanOrEqual(Math.max(floor, 11 * sigma));
      }
      // When the floor dominates every likely draw, both are exactly the floor.
      if (7 * sigma < 65536 - compressed) expect(ours).toBe(theirs);
    }
    // Same distribution: compare means over many draws.
    const n = 3000;
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      a += Number(theirPadding(200000n, 10n ** 8n));
      b += paddingSize(200000, 10 ** 8);
    }
    expect(Math.abs(a / n - b / n)).toBeLessThan(0.05 * 3 * 100000);
  });
});
