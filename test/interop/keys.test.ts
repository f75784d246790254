import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/internal/bytes.js';
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
import { generateRecoveryKey, isValidRecoveryKey } from '../../src/keys/recoveryKey.js';
import vectors from '../../vectors/keys.json' with { type: 'json' };
import { BytesInputStream, libsignal } from './oracle.js';

const { AccountEntropyPool, BackupKey } = libsignal.accountKeys;
const { Aci } = libsignal.address;
const { MessageBackupKey } = libsignal.messageBackup;

const RUNS = 250;
const hex = (b: Uint8Array) => toHex(b);

/** Every derivation libsignal-client exposes, ours next to theirs. */
function compare(aep: string, aci: string, token: Uint8Array, mediaName: string, mediaRoot: Uint8Array) {
  const ours = deriveBackupKey(aep);
  const theirs = AccountEntropyPool.deriveBackupKey(aep);
  expect(hex(ours)).toBe(hex(theirs.serialize()));
  expect(hex(deriveSvrKey(aep))).toBe(hex(AccountEntropyPool.deriveSvrKey(aep)));
  const oracleAci = Aci.fromUuid(aci);
  const id = deriveBackupId(ours, aci);
  expect(hex(id)).toBe(hex(theirs.deriveBackupId(oracleAci)));
  const pair = deriveBackupIdKeyPair(ours, aci);
  const ec = theirs.deriveEcKey(oracleAci);
  expect(hex(pair.privateKey)).toBe(hex(ec.serialize()));
  expect(hex(pair.publicKey)).toBe(hex(ec.getPublicKey().serialize()));
  expect(hex(deriveLocalMetadataKey(ours))).toBe(hex(theirs.deriveLocalBackupMetadataKey()));
  for (const t of [undefined, token]) {
    const mine = deriveMessageBackupKey(ours, id, t);
    const oracle = new MessageBackupKey({
      accountEntropy: aep,
      aci: oracleAci,
      ...(t ? { forwardSecrecyToken: new libsignal.accountKeys.BackupForwardSecrecyToken(new Uint8Array(t)) } : {}),
    });
    expect(hex(mine.hmacKey)).toBe(hex(oracle.hmacKey));
    expect(hex(mine.aesKey)).toBe(hex(oracle.aesKey));
  }
  const root = new BackupKey(new Uint8Array(mediaRoot));
  const mediaId = deriveMediaId(mediaRoot, mediaName);
  expect(hex(mediaId)).toBe(hex(root.deriveMediaId(mediaName)));
  const media = deriveMediaEncryptionKey(mediaRoot, mediaId);
  expect(hex(media.hmacKey) + hex(media.aesKey)).toBe(hex(root.deriveMediaEncryptionKey(new Uint8Array(mediaId))));
  const thumb = deriveThumbnailTransitKey(mediaRoot, mediaId);
  expect(hex(thumb.hmacKey) + hex(thumb.aesKey)).toBe(
    hex(root.deriveThumbnailTransitEncryptionKey(new Uint8Array(mediaId))),
  );
}

const names = ['', 'a', 'example.jpg', 'ünïcödé 📷', 'x'.repeat(300)];

describe('key hierarchy against libsignal-client 0.103.0', () => {
  it(`agrees on ${RUNS} random recovery keys, ACIs, tokens and media names`, () => {
    for (let i = 0; i < RUNS; i++) {
      const mediaName =
        i < names.length
          ? names[i]!
          : `${randomBytes(32).toString('hex')}${randomBytes(64).toString('hex')}${i % 2 ? '_thumbnail' : ''}`;
      compare(generateRecoveryKey(), randomUUID(), randomBytes(32), mediaName, randomBytes(32));
    }
  });

  it("agrees with libsignal's own generator and validity rule", () => {
    for (let i = 0; i < 100; i++) {
      const theirs = AccountEntropyPool.generate();
      expect(isValidRecoveryKey(theirs)).toBe(true);
      expect(AccountEntropyPool.isValid(generateRecoveryKey())).toBe(true);
    }
    for (const s of [
      '',
      'A'.repeat(64),
      'a'.repeat(63),
      'a'.repeat(65),
      `${'a'.repeat(63)}-`,
      `${'a'.repeat(62)}é`,
      'invalid key',
    ]) {
      expect(isValidRecoveryKey(s)).toBe(AccountEntropyPool.isValid(s));
    }
  });

  it('agrees on every case of vectors/keys.json (including our own)', () => {
    for (const c of vectors.recoveryKeyCases) {
      compare(c.recoveryKey, c.aci, new Uint8Array(32).fill(0x5a), c.mediaName, Buffer.from(c.mediaRootKey, 'hex'));
    }
  });
});

describe('metadata header: wire types libsignal skips', () => {
  // A MetadataPb with known field numbers under another wire type: libsignal-client reads past it.
  it('our reader accepts what libsignal accepts', async () => {
    const { encryptBackup } = await import('../../src/container/writer.js');
    const { openBackup } = await import('../../src/container/reader.js');
    const { encodeBackupInfo, encodeFrame } = await import('../../src/frames/codec.js');
    const { concatBytes } = await import('../../src/internal/bytes.js');
    const { encodeBytesField } = await import('../../src/internal/wire.js');
    const { BackupForwardSecrecyToken } = libsignal.accountKeys as unknown as {
      BackupForwardSecrecyToken: new (b: Uint8Array) => unknown;
    };
    const aep = 'm'.repeat(64);
    const aci = '11111111-1111-1111-1111-111111111111';
    const token = new Uint8Array(32).fill(9);
    const backupKey = deriveBackupKey(aep);
    const key = deriveMessageBackupKey(backupKey, deriveBackupId(backupKey, aci), token);
    const theirKey = new MessageBackupKey({
      accountEntropy: aep,
      aci: Aci.fromUuid(aci),
      forwardSecrecyToken: new BackupForwardSecrecyToken(token),
    } as never);
    const pair = (...extra: Uint8Array[]) =>
      encodeBytesField(
        1,
        concatBytes(
          encodeBytesField(1, new Uint8Array(48).fill(0xcc)),
          encodeBytesField(2, new Uint8Array(32).fill(0x50)),
          ...extra,
        ),
      );
    const iv = encodeBytesField(2, new Uint8Array(12));
    const variants: [string, Uint8Array][] = [
      ['plain', concatBytes(pair(), iv)],
      ['pair as varint', concatBytes(pair(), Uint8Array.of(0x08, 0x05), iv)],
      ['pair as fixed64', concatBytes(pair(), Uint8Array.of(0x09, 1, 2, 3, 4, 5, 6, 7, 8), iv)],
      ['iv as fixed32', concatBytes(pair(), iv, Uint8Array.of(0x15, 1, 2, 3, 4))],
      ['ct as fixed64', concatBytes(pair(Uint8Array.of(0x09, 1, 2, 3, 4, 5, 6, 7, 8)), iv)],
      ['pw_salt as varint', concatBytes(pair(Uint8Array.of(0x10, 0x07)), iv)],
    ];
    const info = encodeBackupInfo({ version: 1n, backupTimeMs: 1n, mediaRootBackupKey: new Uint8Array(32) });
    for (const [what, metadata] of variants) {
      const bytes = await encryptBackup(info, [encodeFrame({ account: { username: 'a' } })], { key, metadata });
      const theirs = await libsignal.messageBackup.validate(
        theirKey as never,
        libsignal.messageBackup.Purpose.RemoteBackup,
        () => new BytesInputStream(bytes),
        BigInt(bytes.length),
      );
      // The account frame is not a valid AccountData, so libsignal stops there: past the header.
      expect(theirs.errorMessage, what).toMatch(/^AccountData/);
      const opened = await openBackup(bytes, { key });
      let frames = 0;
      for await (const _ of opened.frames) frames++;
      expect(frames, what).toBe(1);
    }
  });
});
