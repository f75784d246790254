import { afterEach, describe, expect, it } from 'vitest';
import { decodePoint, decodeScalar, Fn, IDENTITY, mul, BASE, encodeScalar } from '../../src/hosted/group.js';
import {
  BackupAuthCredential,
  BackupAuthCredentialPresentation,
  BackupAuthCredentialRequestContext,
  BackupServerPublicParams,
} from '../../src/hosted/index.js';
import { Statement } from '../../src/hosted/poksho.js';
import { ShoHmacSha256, ShoSha256 } from '../../src/hosted/sho.js';
import { fromHex, toHex, utf8 } from '../../src/internal/bytes.js';
import { setRandomSource } from '../../src/random.js';
import vectors from '../../vectors/zk/credential.json' with { type: 'json' };
import { fixedBytes } from '../helpers/prng.js';
import { thrownCode } from '../helpers/codes.js';

const c = vectors.cases[0]!;
const response = fromHex(c.response);
const params = fromHex(c.serverPublicParams);
const contextBytes = fromHex(c.expected.requestContext);
const credentialBytes = fromHex(c.expected.credential);
const L = Fn.ORDER;
const P = 2n ** 255n - 19n;

function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

function patch(bytes: Uint8Array, offset: number, value: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out.set(value, offset);
  return out;
}

const context = () => BackupAuthCredentialRequestContext.deserialize(contextBytes);

afterEach(() => setRandomSource(undefined));

describe('Sho', () => {
  it('an empty absorb still ends in a ratchet (the state changes)', () => {
    for (const Sho of [ShoHmacSha256, ShoSha256]) {
      const a = new Sho(utf8('label'));
      const b = new Sho(utf8('label'));
      b.absorbAndRatchet(new Uint8Array(0));
      expect(toHex(a.squeezeAndRatchet(32))).not.toBe(toHex(b.squeezeAndRatchet(32)));
      // A ratchet with nothing absorbed does nothing.
      const d = new Sho(utf8('label'));
      d.ratchet();
      expect(toHex(d.squeezeAndRatchet(32))).toBe(toHex(new Sho(utf8('label')).squeezeAndRatchet(32)));
    }
  });

  it('clones are independent and squeezing while absorbing is refused', () => {
    for (const Sho of [ShoHmacSha256, ShoSha256]) {
      const a = new Sho(utf8('x'));
      a.absorb(utf8('half'));
      const b = a.clone();
      a.absorbAndRatchet(utf8('one'));
      b.absorbAndRatchet(utf8('one'));
      expect(toHex(a.squeezeAndRatchet(40))).toBe(toHex(b.squeezeAndRatchet(40)));
      b.absorbAndRatchet(utf8('two'));
      expect(toHex(a.squeezeAndRatchet(8))).not.toBe(toHex(b.squeezeAndRatchet(8)));
      a.absorb(utf8('pending'));
      expect(() => a.squeezeAndRatchet(1)).toThrow();
    }
  });
});

describe('ristretto255 encodings', () => {
  it('refuses non-canonical points and scalars with INVALID_CREDENTIAL', () => {
    const good = BASE.toBytes();
    const top = good.slice();
    top[31]! |= 0x80;
    const odd = good.slice();
    odd[0]! ^= 1;
    for (const bad of [top, odd, le32(P), le32(P + 2n), new Uint8Array(32).fill(0xff)]) {
      expect(thrownCode(() => decodePoint(bad, 'test point'))).toBe('INVALID_CREDENTIAL');
    }
    expect(decodePoint(new Uint8Array(32), 'identity').equals(IDENTITY)).toBe(true);
    expect(decodeScalar(le32(L - 1n), 's')).toBe(L - 1n);
    expect(decodeScalar(new Uint8Array(32), 's')).toBe(0n);
    for (const k of [L, L + 1n, 2n ** 256n - 1n])
      expect(thrownCode(() => decodeScalar(le32(k), 's'))).toBe('INVALID_CREDENTIAL');
  });

  it('multiplies by zero (the identity) instead of throwing', () => {
    expect(mul(BASE, 0n).equals(IDENTITY)).toBe(true);
    expect(mul(IDENTITY, 5n).equals(IDENTITY)).toBe(true);
    expect(encodeScalar(0n)).toEqual(new Uint8Array(32));
  });
});

describe('poksho statements with zero scalars', () => {
  it('proves and verifies a zero witness, and a zeroed proof does not verify', () => {
    const st = new Statement().add('A', [['a', 'G']]).add('B', [
      ['a', 'H'],
      ['b', 'G'],
    ]);
    const H = mul(BASE, 7n);
    const points = { A: IDENTITY, B: mul(BASE, 3n), H };
    const proof = st.prove({ a: 0n, b: 3n }, points, new Uint8Array(0), fixedBytes(32, 1));
    expect(st.verify(proof, points, new Uint8Array(0))).toBe(true);
    expect(st.verify(new Uint8Array(proof.length), points, new Uint8Array(0))).toBe(false);
    expect(st.verify(patch(proof, 0, le32(L)), points, new Uint8Array(0))).toBe(false);
    expect(st.verify(proof.subarray(1), points, new Uint8Array(0))).toBe(false);
    expect(st.verify(new Uint8Array(0), points, new Uint8Array(0))).toBe(false);
    expect(() => st.prove({ a: 1n, b: 3n }, points, new Uint8Array(0), fixedBytes(32, 1))).toThrow(/does not verify/);
  });
});

describe('BackupAuthCredentialRequestContext.receive', () => {
  it('accepts the vector response', () => {
    expect(toHex(context().receive(response, c.redemptionTime, params).serialize())).toBe(c.expected.credential);
  });

  it('refuses a response with any byte changed (sampled every 5 bytes, every header byte)', () => {
    const ctx = context();
    const parsed = BackupServerPublicParams.deserialize(params);
    for (let i = 0; i < response.length; i += i < 25 ? 1 : 5) {
      const bad = response.slice();
      bad[i]! ^= 0x10;
      expect(['INVALID_CREDENTIAL', 'VERIFICATION_FAILED'], `byte ${i}`).toContain(
        thrownCode(() => ctx.receive(bad, c.redemptionTime, parsed)),
      );
    }
  });

  it('handles zero scalars and identity points in a response as a failed proof, never a crash', () => {
    const ctx = context();
    const zero32 = new Uint8Array(32);
    const variants = [
      patch(response, 25, zero32), // t = 0
      patch(response, 57, zero32), // U = identity
      patch(response, 89, zero32), // S1 = identity
      patch(response, 121, zero32), // S2 = identity
      patch(response, 161, new Uint8Array(256)), // every proof scalar 0
    ];
    for (const bad of variants)
      expect(thrownCode(() => ctx.receive(bad, c.redemptionTime, params))).toBe('VERIFICATION_FAILED');
    const identityParams = patch(params, 1, new Uint8Array(224));
    expect(thrownCode(() => ctx.receive(response, c.redemptionTime, identityParams))).toBe('VERIFICATION_FAILED');
  });

  it('refuses another day, a time that is not a whole day, and malformed params', () => {
    const ctx = context();
    expect(thrownCode(() => ctx.receive(response, c.redemptionTime + 86400, params))).toBe('VERIFICATION_FAILED');
    expect(thrownCode(() => ctx.receive(response, c.redemptionTime - 86400, params))).toBe('VERIFICATION_FAILED');
    expect(thrownCode(() => ctx.receive(response, c.redemptionTime, params.subarray(1)))).toBe('INVALID_CREDENTIAL');
    expect(thrownCode(() => ctx.receive(response, c.redemptionTime, patch(params, 0, Uint8Array.of(9))))).toBe(
      'INVALID_CREDENTIAL',
    );
  });

  it('checks its arguments', () => {
    const ctx = context();
    expect(() => ctx.receive(response, -86400, params)).toThrow(RangeError);
    expect(() => ctx.receive(response, 1.5, params)).toThrow(RangeError);
    expect(() => ctx.receive(response, Number.NaN, params)).toThrow(RangeError);
    expect(() => ctx.receive(response, '1681344000' as unknown as number, params)).toThrow(TypeError);
    expect(() => ctx.receive('x' as unknown as Uint8Array, c.redemptionTime, params)).toThrow(TypeError);
    expect(() => ctx.receive(response, c.redemptionTime, {} as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => BackupAuthCredentialRequestContext.create(new Uint8Array(31), c.aci)).toThrow(RangeError);
    expect(() => BackupAuthCredentialRequestContext.create(new Uint8Array(32), 'not-a-uuid')).toThrow(TypeError);
    expect(() => BackupAuthCredentialRequestContext.create(new Uint8Array(32), new Uint8Array(15))).toThrow(RangeError);
  });

  it('takes the ACI as a string or as its 16 bytes', () => {
    const a = BackupAuthCredentialRequestContext.create(fromHex(c.key), c.aci);
    const b = BackupAuthCredentialRequestContext.create(fromHex(c.key), fromHex(c.aci.replaceAll('-', '')));
    expect(toHex(a.serialize())).toBe(toHex(b.serialize()));
  });

  it('never puts key material in an error message', () => {
    const ctx = context();
    const bad = response.slice();
    bad[300]! ^= 1;
    try {
      ctx.receive(bad, c.redemptionTime, params);
      expect.unreachable();
    } catch (e) {
      const message = (e as Error).message;
      expect(message).not.toContain(c.key);
      expect(message).not.toMatch(/[0-9a-f]{16}/);
    }
  });
});

describe('BackupAuthCredential', () => {
  it('presents deterministically with given randomness, and from the installed source otherwise', () => {
    const credential = BackupAuthCredential.deserialize(credentialBytes);
    const r = fixedBytes(32, 9);
    const expected = toHex(credential.presentWithRandom(params, r));
    expect(toHex(credential.present(params, () => r))).toBe(expected);
    setRandomSource((n) => fixedBytes(n, 9));
    expect(toHex(credential.present(BackupServerPublicParams.deserialize(params)))).toBe(expected);
    setRandomSource(undefined);
    expect(toHex(credential.present(params))).not.toBe(expected);
    expect(() => credential.presentWithRandom(params, new Uint8Array(31))).toThrow(RangeError);
  });

  it('presents a credential with zero t, identity U and V, and identity params without crashing', () => {
    const zeroed = patch(credentialBytes, 25, new Uint8Array(96));
    const credential = BackupAuthCredential.deserialize(zeroed);
    const p1 = credential.presentWithRandom(params, new Uint8Array(32));
    expect(p1.length).toBe(345);
    const identityParams = patch(params, 1, new Uint8Array(224));
    const p2 = credential.presentWithRandom(identityParams, new Uint8Array(32));
    expect(BackupAuthCredentialPresentation.deserialize(p2).level).toBe(c.level);
  });

  it('refuses non-canonical fields, unknown levels and types, and extra or missing bytes', () => {
    const cases: [string, Uint8Array][] = [
      ['version', patch(credentialBytes, 0, Uint8Array.of(1))],
      ['level 199', patch(credentialBytes, 9, Uint8Array.of(199))],
      ['type 0', patch(credentialBytes, 17, Uint8Array.of(0))],
      ['type 2^8 + 1', patch(credentialBytes, 17, Uint8Array.of(1, 1))],
      ['t = l', patch(credentialBytes, 25, le32(L))],
      ['U = p', patch(credentialBytes, 57, le32(P))],
      ['V top bit', patch(credentialBytes, 120, Uint8Array.of(credentialBytes[120]! | 0x80))],
      ['time 2^53', patch(credentialBytes, 1, le32(2n ** 53n).subarray(0, 8))],
      ['short', credentialBytes.subarray(0, 136)],
      ['long', Uint8Array.of(...credentialBytes, 0)],
    ];
    for (const [name, bad] of cases)
      expect(
        thrownCode(() => BackupAuthCredential.deserialize(bad)),
        name,
      ).toBe('INVALID_CREDENTIAL');
  });

  it('reads level and type: a credential of the media type with the paid level', () => {
    const paid = vectors.cases.find((x) => x.level === 201 && x.type === 'media')!;
    const credential = BackupAuthCredential.deserialize(fromHex(paid.expected.credential));
    expect([credential.level, credential.type]).toEqual([201, 'media']);
  });
});

describe('BackupAuthCredentialPresentation', () => {
  it('reads back what was presented and refuses damage to its structure', () => {
    const credential = BackupAuthCredential.deserialize(credentialBytes);
    const p = credential.presentWithRandom(params, fixedBytes(32, 3));
    const read = BackupAuthCredentialPresentation.deserialize(p);
    expect(toHex(read.backupId)).toBe(c.expected.backupId);
    expect(toHex(read.serialize())).toBe(toHex(p));
    expect(thrownCode(() => BackupAuthCredentialPresentation.deserialize(patch(p, 121, Uint8Array.of(3))))).toBe(
      'INVALID_CREDENTIAL',
    );
    expect(thrownCode(() => BackupAuthCredentialPresentation.deserialize(patch(p, 193, Uint8Array.of(255))))).toBe(
      'INVALID_CREDENTIAL',
    );
    expect(thrownCode(() => BackupAuthCredentialPresentation.deserialize(p.subarray(0, 344)))).toBe(
      'INVALID_CREDENTIAL',
    );
  });
});
