/**
 * XEdDSA signatures with Curve25519 (X25519) keys, as Signal makes them (libsignal
 * `rust/core/src/curve/curve25519.rs`; the construction is https://signal.org/docs/specifications/xeddsa/).
 * The X25519 private key is used directly as the Ed25519 scalar `a`; the Edwards public key
 * `A = a*B` is *not* forced to a positive sign as the paper does: its sign bit travels in the
 * top bit of the signature's last byte, where `s < 2^253` always leaves room. A verifier turns
 * the Montgomery u-coordinate into the Edwards point with that sign.
 *
 * - nonce `r = SHA-512(0xFE || 0xFF*31 || a_bytes || message || Z) mod l`, Z 64 random bytes;
 * - `R = r*B`, `h = SHA-512(R || A || message) mod l`, `s = h*a + r mod l`;
 * - signature `R || s`, with `s[31] |= signbit(A)`.
 *
 * The backup-id key pair signs every anonymous hosted-backup request this way (the
 * presentation's bytes are the message). {@link xeddsaVerify} accepts exactly what
 * libsignal's `PublicKey.verify` accepts.
 */

import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { assertBytes, concatBytes } from '../internal/bytes.js';
import { DJB_KEY_TYPE } from '../keys/constants.js';
import { randomBytes, type RandomSource } from '../random.js';

type EdPoint = InstanceType<typeof ed25519.Point>;
const EdPoint = ed25519.Point;
const Fp = EdPoint.Fp;
const Fn = EdPoint.Fn;

/** Length of a signature: R (32) then s (32). */
export const XEDDSA_SIGNATURE_LENGTH = 64;
/** Bytes of randomness a signature consumes. */
export const XEDDSA_RANDOMNESS_LENGTH = 64;
const KEY_LENGTH = 32;
/** First bytes of the nonce hash: 0xFE then 31 x 0xFF (XEdDSA's hash_1 domain separation). */
const NONCE_PREFIX = /* @__PURE__ */ (() => {
  const p = new Uint8Array(32).fill(0xff);
  p[0] = 0xfe;
  return p;
})();
const SIGN_BIT = 0x80;

function clamp(privateKey: Uint8Array): Uint8Array {
  // RFC 7748 section 5, as libsignal applies it to every private key it loads.
  const k = privateKey.slice();
  k[0]! &= 248;
  k[31]! &= 127;
  k[31]! |= 64;
  return k;
}

function reduce512(bytes: Uint8Array): bigint {
  return Fn.create(bytesToNumberLE(bytes));
}

/** `k * P`, with the identity for `k = 0` (noble's constant-time multiply refuses 0). */
function mulSecret(p: EdPoint, k: bigint): EdPoint {
  return k === 0n ? EdPoint.ZERO : p.multiply(k);
}

/**
 * Signs `message` with an X25519 private key, drawing 64 random bytes from `random`, else the
 * installed random source. The result verifies with libsignal's `PublicKey.verify`.
 *
 * @param privateKey 32 bytes (clamped here if it is not already, as libsignal does).
 * @throws {RangeError} when `privateKey` is not 32 bytes.
 */
export function xeddsaSign(privateKey: Uint8Array, message: Uint8Array, random?: RandomSource): Uint8Array {
  assertBytes(privateKey, 'privateKey', KEY_LENGTH);
  assertBytes(message, 'message');
  return xeddsaSignWithRandom(privateKey, message, randomBytes(XEDDSA_RANDOMNESS_LENGTH, random));
}

/**
 * {@link xeddsaSign} with its 64 random bytes given: deterministic, for tests and vectors.
 * Never reuse randomness with different messages under one key in real use.
 *
 * @throws {RangeError} when `privateKey` is not 32 bytes or `randomness` not 64.
 */
export function xeddsaSignWithRandom(privateKey: Uint8Array, message: Uint8Array, randomness: Uint8Array): Uint8Array {
  assertBytes(privateKey, 'privateKey', KEY_LENGTH);
  assertBytes(message, 'message');
  assertBytes(randomness, 'randomness', XEDDSA_RANDOMNESS_LENGTH);
  const keyBytes = clamp(privateKey);
  const a = Fn.create(bytesToNumberLE(keyBytes));
  const A = mulSecret(EdPoint.BASE, a).toBytes();
  const signBit = A[31]! & SIGN_BIT;
  const r = reduce512(sha512(concatBytes(NONCE_PREFIX, keyBytes, message, randomness)));
  const R = mulSecret(EdPoint.BASE, r).toBytes();
  const h = reduce512(sha512(concatBytes(R, A, message)));
  const s = numberToBytesLE(Fn.add(Fn.mul(h, a), r), 32);
  s[31] = (s[31]! & ~SIGN_BIT) | signBit;
  return concatBytes(R, s);
}

/** The Edwards point for Montgomery u-coordinate `uBytes` with x's sign `sign`, or undefined. */
function montgomeryToEdwards(uBytes: Uint8Array, sign: boolean): EdPoint | undefined {
  // The top bit of u is ignored and u is taken mod p, as a field element decoder does.
  const masked = uBytes.slice();
  masked[31]! &= 0x7f;
  const u = Fp.create(bytesToNumberLE(masked));
  if (u === Fp.neg(Fp.ONE)) return undefined; // u = -1 has no Edwards image (y would divide by zero)
  const y = Fp.div(Fp.sub(u, Fp.ONE), Fp.add(u, Fp.ONE));
  let P: EdPoint;
  try {
    // Decode with a positive x, then negate for the sign bit: for x = 0 that keeps the point
    // (libsignal's decoder does the same; RFC 8032 decoding would refuse x = 0 with the sign set).
    P = EdPoint.fromBytes(numberToBytesLE(y, 32));
  } catch {
    return undefined;
  }
  return sign ? P.negate() : P;
}

function publicKeyU(publicKey: Uint8Array): Uint8Array {
  assertBytes(publicKey, 'publicKey', KEY_LENGTH, KEY_LENGTH + 1);
  if (publicKey.length === KEY_LENGTH) return publicKey;
  if (publicKey[0] !== DJB_KEY_TYPE) {
    throw new RangeError(`"publicKey" expected a Curve25519 key (type byte 0x05), got type byte ${publicKey[0]}`);
  }
  return publicKey.subarray(1);
}

/**
 * Whether `signature` is a valid XEdDSA signature of `message` by `publicKey`, by the same rule
 * as libsignal's `PublicKey.verify`: any signature that is not 64 bytes, whose `s` (sign bit
 * removed) is 2^253 or more, or whose recomputed R differs from its first 32 bytes, is refused.
 *
 * @param publicKey 33 bytes (`0x05` then the X25519 public key, as libsignal serializes it) or
 *   the raw 32-byte X25519 public key.
 * @throws {RangeError} when `publicKey` has another length or a type byte other than 0x05.
 */
export function xeddsaVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const u = publicKeyU(publicKey);
  assertBytes(message, 'message');
  assertBytes(signature, 'signature');
  if (signature.length !== XEDDSA_SIGNATURE_LENGTH) return false;
  const A = montgomeryToEdwards(u, (signature[63]! & SIGN_BIT) !== 0);
  if (A === undefined) return false;
  const R = signature.subarray(0, 32);
  const sBytes = signature.slice(32);
  sBytes[31]! &= ~SIGN_BIT;
  if ((sBytes[31]! & 0xe0) !== 0) return false;
  const s = Fn.create(bytesToNumberLE(sBytes));
  const h = reduce512(sha512(concatBytes(R, A.toBytes(), message)));
  // R' = s*B - h*A, compared as encodings (a non-canonical R never matches).
  const check = EdPoint.BASE.multiplyUnsafe(s).add(A.negate().multiplyUnsafe(h));
  const expected = check.toBytes();
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= expected[i]! ^ R[i]!;
  return diff === 0;
}
