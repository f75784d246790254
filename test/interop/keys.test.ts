import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/internal/bytes.js';
import {
  deriveBackupId,
  deriveBackupIdKeyPair,
  deriveBackupKey,
  deriveLocalMetadataKey,
  deriveMediaEncryptionKey,
  deriveMediaId,
  deriveMessageBackupKey,
  deriveSvrKey,
  deriveThumbnailTransitKey,
} from '../../src/keys/hierarchy.js';
import { generateRecoveryKey, isValidRecoveryKey } from '../../src/keys/recoveryKey.js';
import vectors from '../../vectors/keys.json' with { type: 'json' };
import { libsignal } from './oracle.js';

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
