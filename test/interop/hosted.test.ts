/**
 * The hosted-backup credential and XEdDSA against libsignal-client 0.103.0: byte equality of every
 * serialized object on random inputs, libsignal's server verifying our presentations, and both
 * sides refusing the same damaged inputs.
 */

import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  BackupAuthCredential,
  BackupAuthCredentialPresentation,
  BackupAuthCredentialRequestContext,
  BackupServerPublicParams,
  xeddsaSign,
  xeddsaSignWithRandom,
  xeddsaVerify,
} from '../../src/hosted/index.js';
import { concatBytes, toHex } from '../../src/internal/bytes.js';
import { deriveBackupIdKeyPair } from '../../src/keys/backupIdKeyPair.js';
import { libsignal } from './oracle.js';
import { thrownCode } from '../helpers/codes.js';

const { zkgroup: zk, ecKeys: ec } = libsignal;

const RUNS = 200;
const DAY = 86400;
const hex = toHex;
const buf = (b: Uint8Array) => Uint8Array.from(b) as Uint8Array<ArrayBuffer>;
/** A random whole UTC day between 2020 and 2040. */
const randomDay = () => (18262 + randomInt(7305)) * DAY;
const LEVELS = [200, 201] as const;
const TYPES = [
  ['messages', 1],
  ['media', 2],
] as const;

function libsignalAccepts(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}

/**
 * sbackup refuses redemption times of 2^53 seconds or more (not representable as a JS number);
 * libsignal reads any u64. This is the one place where the parsers may disagree.
 */
function timeBeyondNumber(bytes: Uint8Array, offset: number): boolean {
  return (
    new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getBigUint64(0, true) > BigInt(Number.MAX_SAFE_INTEGER)
  );
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** One full issuance on both sides with the same inputs. */
function issue(opts: { key?: Uint8Array; aci?: string; time?: number; level?: 200 | 201; type?: 1 | 2 } = {}) {
  const key = opts.key ?? randomBytes(32);
  const aci = opts.aci ?? randomUUID();
  const time = opts.time ?? randomDay();
  const level = opts.level ?? LEVELS[randomInt(2)]!;
  const [typeName, typeWire] = opts.type === undefined ? TYPES[randomInt(2)]! : TYPES[opts.type - 1]!;
  const secret = zk.GenericServerSecretParams.generateWithRandom(buf(randomBytes(32)));
  const pub = secret.getPublicParams();
  const theirContext = zk.BackupAuthCredentialRequestContext.create(buf(key), aci);
  const response = theirContext
    .getRequest()
    .issueCredentialWithRandom(time, level, typeWire, secret, buf(randomBytes(32)));
  return { key, aci, time, level, typeName, typeWire, secret, pub, theirContext, response };
}

describe('BackupAuthCredential against libsignal-client 0.103.0', () => {
  it(`is byte-identical on ${RUNS} random keys, ACIs, days, levels, types and randomness`, () => {
    for (let i = 0; i < RUNS; i++) {
      const c = issue();
      const what = `key ${hex(c.key)} aci ${c.aci} time ${c.time}`;
      const ours = BackupAuthCredentialRequestContext.create(c.key, c.aci);
      expect(hex(ours.serialize()), what).toBe(hex(c.theirContext.serialize()));
      expect(hex(ours.getRequest()), what).toBe(hex(c.theirContext.getRequest().serialize()));
      const params = BackupServerPublicParams.deserialize(c.pub.serialize());
      expect(hex(params.serialize())).toBe(hex(c.pub.serialize()));

      const credential = ours.receive(c.response.serialize(), c.time, params);
      const theirCredential = c.theirContext.receive(c.response, c.time, c.pub);
      expect(hex(credential.serialize()), what).toBe(hex(theirCredential.serialize()));
      expect(hex(credential.backupId)).toBe(hex(theirCredential.getBackupId()));
      expect(hex(ours.backupId)).toBe(hex(theirCredential.getBackupId()));
      expect(credential.level).toBe(theirCredential.getBackupLevel());
      expect(credential.type).toBe(c.typeName);
      expect(theirCredential.getType()).toBe(c.typeWire);
      expect(credential.redemptionTime).toBe(c.time);

      const randomness = randomBytes(32);
      const presentation = credential.presentWithRandom(params, randomness);
      const theirPresentation = theirCredential.presentWithRandom(c.pub, buf(randomness));
      expect(hex(presentation), what).toBe(hex(theirPresentation.serialize()));

      // libsignal's server side accepts ours, on the day and the day after.
      const p = new zk.BackupAuthCredentialPresentation(buf(presentation));
      p.verify(c.secret, new Date((c.time + 3600) * 1000));
      p.verify(c.secret, new Date((c.time + DAY + 3600) * 1000));
      expect(hex(p.getBackupId())).toBe(hex(credential.backupId));
      expect(p.getBackupLevel()).toBe(c.level);
      expect(p.getType()).toBe(c.typeWire);
      const parsed = BackupAuthCredentialPresentation.deserialize(presentation);
      expect([hex(parsed.backupId), parsed.level, parsed.type, parsed.redemptionTime]).toEqual([
        hex(credential.backupId),
        c.level,
        c.typeName,
        c.time,
      ]);
      expect(hex(parsed.serialize())).toBe(hex(presentation));

      // Round trips through the serialized forms give the same objects.
      expect(hex(BackupAuthCredential.deserialize(credential.serialize()).serialize())).toBe(
        hex(credential.serialize()),
      );
      expect(hex(BackupAuthCredentialRequestContext.deserialize(ours.serialize()).getRequest())).toBe(
        hex(ours.getRequest()),
      );
    }
  });

  it('presents with fresh randomness: every presentation differs and libsignal verifies each', () => {
    const c = issue();
    const credential = BackupAuthCredentialRequestContext.create(c.key, c.aci).receive(
      c.response.serialize(),
      c.time,
      c.pub.serialize(),
    );
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const p = credential.present(c.pub.serialize());
      seen.add(hex(p));
      new zk.BackupAuthCredentialPresentation(buf(p)).verify(c.secret, new Date((c.time + 60) * 1000));
    }
    expect(seen.size).toBe(20);
    // A presentation checked against another server's params, or out of its validity window, is refused.
    const p = new zk.BackupAuthCredentialPresentation(buf(credential.present(c.pub.serialize())));
    const other = zk.GenericServerSecretParams.generateWithRandom(buf(randomBytes(32)));
    expect(libsignalAccepts(() => p.verify(other, new Date((c.time + 60) * 1000)))).toBe(false);
    expect(libsignalAccepts(() => p.verify(c.secret, new Date((c.time + 3 * DAY) * 1000)))).toBe(false);
  });

  it('creates the context deterministically, and reads libsignal contexts', () => {
    for (let i = 0; i < 20; i++) {
      const key = randomBytes(32);
      const aci = randomUUID();
      const a = BackupAuthCredentialRequestContext.create(key, aci);
      const b = BackupAuthCredentialRequestContext.create(Uint8Array.from(key), aci.toUpperCase());
      expect(hex(a.serialize())).toBe(hex(b.serialize()));
      const theirs = zk.BackupAuthCredentialRequestContext.create(buf(key), aci);
      const read = BackupAuthCredentialRequestContext.deserialize(theirs.serialize());
      expect(hex(read.serialize())).toBe(hex(theirs.serialize()));
      expect(hex(read.getRequest())).toBe(hex(theirs.getRequest().serialize()));
    }
  });

  it('handles a zero blinding scalar as libsignal does (identity public key, no crash)', () => {
    const theirs = zk.BackupAuthCredentialRequestContext.create(buf(randomBytes(32)), randomUUID()).serialize();
    const zeroed = Uint8Array.from(theirs);
    zeroed.fill(0, 81, 113);
    const ours = BackupAuthCredentialRequestContext.deserialize(zeroed);
    const lib = new zk.BackupAuthCredentialRequestContext(buf(zeroed));
    expect(hex(ours.getRequest())).toBe(hex(lib.getRequest().serialize()));
    expect(hex(ours.getRequest().subarray(65))).toBe('00'.repeat(32));
  });

  it('refuses a response for another day or a time that is not a whole day, as libsignal does', () => {
    const c = issue();
    const ctx = BackupAuthCredentialRequestContext.create(c.key, c.aci);
    for (const t of [c.time + DAY, c.time - DAY, c.time + 1]) {
      expect(thrownCode(() => ctx.receive(c.response.serialize(), t, c.pub.serialize()))).toBe('VERIFICATION_FAILED');
      expect(libsignalAccepts(() => c.theirContext.receive(c.response, t, c.pub))).toBe(false);
    }
    const odd = issue({ time: randomDay() + 3600 });
    const oddCtx = BackupAuthCredentialRequestContext.create(odd.key, odd.aci);
    expect(thrownCode(() => oddCtx.receive(odd.response.serialize(), odd.time, odd.pub.serialize()))).toBe(
      'VERIFICATION_FAILED',
    );
    expect(libsignalAccepts(() => odd.theirContext.receive(odd.response, odd.time, odd.pub))).toBe(false);
    // Another account's context cannot open the response.
    const stranger = BackupAuthCredentialRequestContext.create(randomBytes(32), c.aci);
    expect(thrownCode(() => stranger.receive(c.response.serialize(), c.time, c.pub.serialize()))).toBe(
      'VERIFICATION_FAILED',
    );
  });

  it('rejects a flipped bit anywhere in a response, like libsignal', () => {
    const c = issue();
    const ctx = BackupAuthCredentialRequestContext.create(c.key, c.aci);
    const response = c.response.serialize();
    const params = BackupServerPublicParams.deserialize(c.pub.serialize());
    expect(ctx.receive(response, c.time, params).level).toBe(c.level);
    const header = 25 * 8; // version, time, level, type: every bit; then one random bit per byte
    const bits = [...Array(header).keys()];
    for (let byte = 25; byte < response.length; byte++) bits.push(byte * 8 + randomInt(8));
    for (const bit of bits) {
      const bad = flipBit(response, bit);
      const code = thrownCode(() => ctx.receive(bad, c.time, params));
      expect(['INVALID_CREDENTIAL', 'VERIFICATION_FAILED'], `bit ${bit}`).toContain(code);
      expect(
        libsignalAccepts(() => c.theirContext.receive(new zk.BackupAuthCredentialResponse(buf(bad)), c.time, c.pub)),
        `bit ${bit}`,
      ).toBe(false);
    }
    // A response cut short is refused by both.
    const short = response.subarray(0, response.length - 1);
    expect(thrownCode(() => ctx.receive(short, c.time, params))).toBe('INVALID_CREDENTIAL');
    expect(libsignalAccepts(() => new zk.BackupAuthCredentialResponse(buf(short)))).toBe(false);
    // libsignal-client 0.103.0 ignores bytes after the end of the object; sbackup refuses them.
    const long = concatBytes(response, Uint8Array.of(0));
    expect(thrownCode(() => ctx.receive(long, c.time, params))).toBe('INVALID_CREDENTIAL');
    expect(
      libsignalAccepts(() => c.theirContext.receive(new zk.BackupAuthCredentialResponse(buf(long)), c.time, c.pub)),
    ).toBe(true);
  });

  it('parses damaged credentials as libsignal does, and their presentations never verify', () => {
    const c = issue();
    const credential = c.theirContext.receive(c.response, c.time, c.pub).serialize();
    const bits = [...Array(25 * 8).keys()];
    for (let byte = 25; byte < credential.length; byte++) bits.push(byte * 8 + randomInt(8));
    let parsed = 0;
    for (const bit of bits) {
      const bad = flipBit(credential, bit);
      const libOk = libsignalAccepts(() => new zk.BackupAuthCredential(buf(bad)));
      const code = thrownCode(() => BackupAuthCredential.deserialize(bad));
      expect(code === undefined, `bit ${bit}`).toBe(libOk && !timeBeyondNumber(bad, 1));
      if (code !== undefined) {
        expect(code).toBe('INVALID_CREDENTIAL');
        continue;
      }
      parsed++;
      const randomness = randomBytes(32);
      const ours = BackupAuthCredential.deserialize(bad).presentWithRandom(c.pub.serialize(), randomness);
      const theirs = new zk.BackupAuthCredential(buf(bad)).presentWithRandom(c.pub, buf(randomness));
      expect(hex(ours), `bit ${bit}`).toBe(hex(theirs.serialize()));
      const p = new zk.BackupAuthCredentialPresentation(buf(ours));
      expect(
        libsignalAccepts(() => p.verify(c.secret, new Date((c.time + 60) * 1000))),
        `bit ${bit}`,
      ).toBe(false);
    }
    expect(parsed).toBeGreaterThan(100);
  });

  it('every flipped bit of a presentation fails libsignal, and parsing agrees with libsignal', () => {
    const c = issue();
    const credential = BackupAuthCredentialRequestContext.create(c.key, c.aci).receive(
      c.response.serialize(),
      c.time,
      c.pub.serialize(),
    );
    const presentation = credential.present(c.pub.serialize());
    const when = new Date((c.time + 60) * 1000);
    new zk.BackupAuthCredentialPresentation(buf(presentation)).verify(c.secret, when);
    for (let bit = 0; bit < presentation.length * 8; bit++) {
      const bad = flipBit(presentation, bit);
      let libParsed = true;
      let verified = false;
      try {
        const p = new zk.BackupAuthCredentialPresentation(buf(bad));
        try {
          p.verify(c.secret, when);
          verified = true;
        } catch {}
      } catch {
        libParsed = false;
      }
      expect(verified, `bit ${bit}`).toBe(false);
      const code = thrownCode(() => BackupAuthCredentialPresentation.deserialize(bad));
      if (code !== undefined && libParsed) {
        // The only two allowed disagreements: a time beyond 2^53, or bytes left over that libsignal
        // ignores (here: a damaged length prefix that ends the object early).
        const prefixParses = [...Array(bad.length).keys()].some(
          (n) => thrownCode(() => BackupAuthCredentialPresentation.deserialize(bad.subarray(0, n))) === undefined,
        );
        expect(timeBeyondNumber(bad, 17) || prefixParses, `bit ${bit}`).toBe(true);
      } else {
        expect(code === undefined, `bit ${bit}`).toBe(libParsed);
      }
    }
  });

  it('parses damaged contexts and server params as libsignal does', () => {
    const c = issue();
    const context = c.theirContext.serialize();
    for (let bit = 0; bit < context.length * 8; bit++) {
      const bad = flipBit(context, bit);
      const libOk = libsignalAccepts(() => new zk.BackupAuthCredentialRequestContext(buf(bad)));
      const code = thrownCode(() => BackupAuthCredentialRequestContext.deserialize(bad));
      expect(code === undefined, `bit ${bit}`).toBe(libOk);
      if (libOk) {
        const lib = new zk.BackupAuthCredentialRequestContext(buf(bad));
        expect(hex(BackupAuthCredentialRequestContext.deserialize(bad).getRequest())).toBe(
          hex(lib.getRequest().serialize()),
        );
      }
    }
    const params = c.pub.serialize();
    for (let bit = 0; bit < params.length * 8; bit++) {
      const bad = flipBit(params, bit);
      const libOk = libsignalAccepts(() => new zk.GenericServerPublicParams(buf(bad)));
      const code = thrownCode(() => BackupServerPublicParams.deserialize(bad));
      expect(code === undefined, `bit ${bit}`).toBe(libOk);
    }
  });
});

describe('XEdDSA against libsignal-client 0.103.0', () => {
  it(`cross-verifies both ways on ${RUNS} backup-id key pairs, and both refuse flipped bits`, () => {
    for (let i = 0; i < RUNS; i++) {
      const pair = deriveBackupIdKeyPair(randomBytes(32), randomUUID());
      const libPrivate = ec.PrivateKey.deserialize(buf(pair.privateKey));
      const libPublic = ec.PublicKey.deserialize(buf(pair.publicKey));
      expect(hex(libPrivate.getPublicKey().serialize())).toBe(hex(pair.publicKey));
      const message = randomBytes(i % 3 === 0 ? 345 : randomInt(600));
      const ours = xeddsaSign(pair.privateKey, message);
      expect(libPublic.verify(buf(message), buf(ours))).toBe(true);
      expect(xeddsaVerify(pair.publicKey, message, ours)).toBe(true);
      const theirs = libPrivate.sign(buf(message));
      expect(xeddsaVerify(pair.publicKey, message, theirs)).toBe(true);
      expect(xeddsaVerify(pair.publicKey.subarray(1), message, theirs)).toBe(true);
      for (const sig of [ours, theirs]) {
        const bad = flipBit(sig, randomInt(512));
        expect(xeddsaVerify(pair.publicKey, message, bad)).toBe(false);
        expect(libPublic.verify(buf(message), buf(bad))).toBe(false);
      }
      if (message.length > 0) {
        const badMessage = flipBit(message, randomInt(message.length * 8));
        expect(xeddsaVerify(pair.publicKey, badMessage, ours)).toBe(false);
        expect(libPublic.verify(buf(badMessage), buf(ours))).toBe(false);
      }
    }
  });

  it('signs with unclamped private keys as libsignal does (the key is clamped first)', () => {
    for (let i = 0; i < 20; i++) {
      const raw = randomBytes(32);
      raw[0]! |= 7;
      raw[31]! |= 0x80;
      const lib = ec.PrivateKey.deserialize(buf(raw));
      const message = randomBytes(64);
      const random = randomBytes(64);
      expect(lib.getPublicKey().verify(buf(message), buf(xeddsaSignWithRandom(raw, message, random)))).toBe(true);
    }
  });

  it('agrees with libsignal on every flipped bit of one signature', () => {
    const key = ec.PrivateKey.generate();
    const message = randomBytes(100);
    const sig = key.sign(buf(message));
    const pub = key.getPublicKey().serialize();
    for (let bit = 0; bit < 512; bit++) {
      const bad = flipBit(sig, bit);
      expect(xeddsaVerify(pub, message, bad), `bit ${bit}`).toBe(key.getPublicKey().verify(buf(message), buf(bad)));
    }
  });

  it('agrees with libsignal on odd public keys and signatures (small order, non-canonical u, u = -1)', () => {
    const p = 2n ** 255n - 19n;
    const us = [0n, 1n, p - 1n, p, p + 1n, 2n ** 255n - 1n, 2n ** 255n + 9n, 9n];
    const message = randomBytes(32);
    for (const u of us) {
      const key = concatBytes(Uint8Array.of(5), numberToBytesLE(u % 2n ** 256n, 32));
      const libKey = ec.PublicKey.deserialize(buf(key));
      for (let i = 0; i < 40; i++) {
        const sig = randomBytes(64);
        if (i % 2 === 0) sig[63]! &= 0x9f; // keep s below 2^253 half of the time
        expect(xeddsaVerify(key, message, sig), `u ${u}`).toBe(libKey.verify(buf(message), buf(sig)));
      }
    }
    // A signature that really verifies for u = 0 (the Edwards point (0, -1), x = 0) with the sign
    // bit set: libsignal decodes x = 0 with either sign, and so must we.
    const zeroKey = concatBytes(Uint8Array.of(5), new Uint8Array(32));
    const A = ed25519.Point.fromAffine({ x: 0n, y: p - 1n }).toBytes();
    const l = ed25519.Point.Fn.ORDER;
    let made = 0;
    while (made < 4) {
      const r = bytesToNumberLE(randomBytes(64)) % l;
      const R = ed25519.Point.BASE.multiply(r).toBytes();
      const h = bytesToNumberLE(sha512(concatBytes(R, A, message))) % l;
      if (h % 2n === 1n) continue; // h*A is the identity only for even h
      for (const sign of [0, 0x80]) {
        const s = numberToBytesLE(r, 32);
        s[31]! |= sign;
        const sig = concatBytes(R, s);
        expect(ec.PublicKey.deserialize(buf(zeroKey)).verify(buf(message), buf(sig))).toBe(true);
        expect(xeddsaVerify(zeroKey, message, sig)).toBe(true);
      }
      made++;
    }
  });
});
