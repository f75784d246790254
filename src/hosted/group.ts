/**
 * The ristretto255 group as the credentials use it (noble's `ristretto255`): canonical encodings
 * in and out, scalars from 64 bytes by wide reduction, points from 64 bytes by RFC 9496 element
 * derivation (what dalek calls `from_uniform_bytes`), and scalar multiplication that accepts a
 * zero scalar (noble's `multiply` refuses 0; the group's answer is the identity). Internal.
 */

import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { BackupError } from '../errors.js';
import type { Sho } from './sho.js';

export type Point = InstanceType<typeof ristretto255.Point>;
export const Point: typeof ristretto255.Point = ristretto255.Point;
/** The scalar field, integers mod the group order l = 2^252 + 27742317777372353535851937790883648493. */
export const Fn: typeof ristretto255.Point.Fn = ristretto255.Point.Fn;

/** Byte length of a compressed point and of a scalar. */
export const POINT_LENGTH = 32;
export const SCALAR_LENGTH = 32;
/** Bytes squeezed for one point or one scalar (wide inputs, so the result is uniform). */
const WIDE_LENGTH = 64;

export const BASE: Point = Point.BASE;
export const IDENTITY: Point = Point.ZERO;

/** `k * P` in constant-time style (noble's ladder); the identity when `k` is 0. For secret scalars. */
export function mul(p: Point, k: bigint): Point {
  return k === 0n ? IDENTITY : p.multiply(k);
}

/** `k * P` without side-channel protection; for public scalars and points only (verification). */
export function mulPublic(p: Point, k: bigint): Point {
  return p.multiplyUnsafe(k);
}

/**
 * Encodings already computed, per point object (noble's points are immutable). A proof encodes
 * every point twice (proving, then checking the proof) and the system points recur in every
 * proof; each encoding costs an inverse square root.
 */
const encodings = new WeakMap<Point, Uint8Array>();

/** The 32-byte canonical encoding of a point. */
export function encodePoint(p: Point): Uint8Array {
  let e = encodings.get(p);
  if (e === undefined) {
    e = p.toBytes();
    encodings.set(p, e);
  }
  return e.slice();
}

/** The 32-byte little-endian canonical encoding of a scalar. */
export function encodeScalar(k: bigint): Uint8Array {
  return numberToBytesLE(k, SCALAR_LENGTH);
}

/** A scalar from 64 bytes: the little-endian integer reduced mod l. */
export function scalarFromWide(bytes: Uint8Array): bigint {
  return Fn.create(bytesToNumberLE(bytes));
}

/** A point from 64 uniform bytes (RFC 9496 section 4.3.4, dalek's `from_uniform_bytes`). */
export function pointFromUniform(bytes: Uint8Array): Point {
  // deriveToCurve is optional in noble's hasher type; ristretto255's hasher always has it.
  const derive = ristretto255_hasher.deriveToCurve as (b: Uint8Array) => Point;
  return derive(bytes);
}

/** Squeezes 64 bytes from `sho` and maps them to a point. */
export function shoPoint(sho: Sho): Point {
  return pointFromUniform(sho.squeezeAndRatchet(WIDE_LENGTH));
}

/** Squeezes 64 bytes from `sho` and reduces them to a scalar. */
export function shoScalar(sho: Sho): bigint {
  return scalarFromWide(sho.squeezeAndRatchet(WIDE_LENGTH));
}

/**
 * Decodes a canonical point encoding.
 * @throws {BackupError} `INVALID_CREDENTIAL` when the bytes are not a canonical ristretto255 encoding.
 */
export function decodePoint(bytes: Uint8Array, what: string): Point {
  try {
    const p = Point.fromBytes(bytes);
    encodings.set(p, bytes.slice());
    return p;
  } catch {
    throw new BackupError('INVALID_CREDENTIAL', `${what}: not a canonical ristretto255 point`);
  }
}

/** Decodes a scalar, or `undefined` when it is not canonical (a poksho proof then simply does not verify). */
export function tryDecodeScalar(bytes: Uint8Array): bigint | undefined {
  const k = bytesToNumberLE(bytes);
  return k < Fn.ORDER ? k : undefined;
}

/**
 * Decodes a canonical scalar encoding (little-endian, below l).
 * @throws {BackupError} `INVALID_CREDENTIAL` when the integer is not below the group order.
 */
export function decodeScalar(bytes: Uint8Array, what: string): bigint {
  const k = tryDecodeScalar(bytes);
  if (k === undefined) throw new BackupError('INVALID_CREDENTIAL', `${what}: not a canonical scalar`);
  return k;
}

/** Sum of `k_i * P_i` for public data (verification), via the unsafe multiplication. */
export function sumPublic(terms: readonly (readonly [bigint, Point])[]): Point {
  let acc = IDENTITY;
  for (const [k, p] of terms) acc = acc.add(mulPublic(p, k));
  return acc;
}

/** Sum of `k_i * P_i` where the scalars may be secret. */
export function sumSecret(terms: readonly (readonly [bigint, Point])[]): Point {
  let acc = IDENTITY;
  for (const [k, p] of terms) acc = acc.add(mul(p, k));
  return acc;
}
