import { describe, expect, it } from 'vitest';
import { xeddsaSign, xeddsaSignWithRandom, xeddsaVerify } from '../../src/hosted/index.js';
import { deriveBackupIdKeyPair } from '../../src/keys/backupIdKeyPair.js';
import { fixedBytes } from '../helpers/prng.js';

const ACI = 'c0fc16e4-bae5-4343-9f0d-e7ecf4251343';

describe('XEdDSA', () => {
  it('signs and verifies with backup-id key pairs; another key, message or sign bit fails', () => {
    for (let i = 0; i < 16; i++) {
      const pair = deriveBackupIdKeyPair(fixedBytes(32, i), ACI);
      const other = deriveBackupIdKeyPair(fixedBytes(32, 100 + i), ACI);
      const message = fixedBytes(10 * i, 200 + i);
      const sig = xeddsaSign(pair.privateKey, message);
      expect(sig.length).toBe(64);
      expect(xeddsaVerify(pair.publicKey, message, sig)).toBe(true);
      expect(xeddsaVerify(other.publicKey, message, sig)).toBe(false);
      expect(xeddsaVerify(pair.publicKey, Uint8Array.of(...message, 1), sig)).toBe(false);
      const flipped = sig.slice();
      flipped[63]! ^= 0x80;
      expect(xeddsaVerify(pair.publicKey, message, flipped)).toBe(false);
    }
  });

  it('uses the random source given, and is deterministic under fixed randomness', () => {
    const pair = deriveBackupIdKeyPair(fixedBytes(32, 1), ACI);
    const message = fixedBytes(50, 2);
    const r = fixedBytes(64, 3);
    const a = xeddsaSignWithRandom(pair.privateKey, message, r);
    expect(xeddsaSign(pair.privateKey, message, () => r)).toEqual(a);
    expect(xeddsaSignWithRandom(pair.privateKey, message, fixedBytes(64, 4))).not.toEqual(a);
    // Both verify: the randomness only changes the nonce.
    expect(
      xeddsaVerify(pair.publicKey, message, xeddsaSignWithRandom(pair.privateKey, message, fixedBytes(64, 4))),
    ).toBe(true);
  });

  it('clamps the private key, so an unclamped copy signs for the same public key', () => {
    const pair = deriveBackupIdKeyPair(fixedBytes(32, 5), ACI);
    const unclamped = pair.privateKey.slice();
    unclamped[0]! |= 7;
    unclamped[31]! |= 0x80;
    const message = fixedBytes(20, 6);
    expect(xeddsaVerify(pair.publicKey, message, xeddsaSign(unclamped, message))).toBe(true);
  });

  it('refuses malformed signatures and checks its arguments', () => {
    const pair = deriveBackupIdKeyPair(fixedBytes(32, 7), ACI);
    const message = fixedBytes(8, 8);
    const sig = xeddsaSign(pair.privateKey, message);
    expect(xeddsaVerify(pair.publicKey, message, sig.subarray(0, 63))).toBe(false);
    expect(xeddsaVerify(pair.publicKey, message, Uint8Array.of(...sig, 0))).toBe(false);
    const big = sig.slice();
    big[63]! |= 0x40;
    expect(xeddsaVerify(pair.publicKey, message, big)).toBe(false);
    expect(xeddsaVerify(pair.publicKey, message, new Uint8Array(64))).toBe(false);
    expect(() => xeddsaVerify(pair.publicKey.subarray(2), message, sig)).toThrow(RangeError);
    expect(() => xeddsaVerify(Uint8Array.of(6, ...pair.publicKey.subarray(1)), message, sig)).toThrow(RangeError);
    expect(() => xeddsaSign(new Uint8Array(31), message)).toThrow(RangeError);
    expect(() => xeddsaSignWithRandom(pair.privateKey, message, new Uint8Array(32))).toThrow(RangeError);
    expect(() => xeddsaSign(pair.privateKey, 'text' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
