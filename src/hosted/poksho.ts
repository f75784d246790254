/**
 * Proofs of knowledge for linear relations over ristretto255, in the form Signal's poksho uses
 * (a Fiat-Shamir sigma protocol, Boneh-Shoup section 19.5.3): a statement is a list of equations
 * `P = k1*Q1 + k2*Q2 + ...` over named scalars (the witness) and named points; a proof is the
 * challenge followed by one response per scalar, 32 bytes each.
 *
 * The transcript, as poksho defines it (`rust/poksho/src/statement.rs`):
 * - names get indices in order of first appearance, points counted from 1 because index 0 is the
 *   base point `G`; the description is `count, then per equation: lhs, term count, (scalar, point)...`,
 *   one byte each;
 * - `sho = ShoHmacSha256("POKSHO_Ristretto_SHOHMACSHA256")`, absorb the description and every
 *   point *including G*, ratchet;
 * - nonces (prover only): a copy of `sho` absorbs the 32 random bytes and every witness scalar,
 *   ratchets, absorbs and ratchets the message (even when empty), and 64 bytes per scalar are
 *   squeezed and reduced;
 * - `sho` absorbs every commitment point, then the message, ratchets, and 64 squeezed bytes
 *   reduce to the challenge.
 * Internal to src/hosted/.
 */

import { utf8 } from '../internal/bytes.js';
import {
  BASE,
  encodePoint,
  encodeScalar,
  Fn,
  type Point,
  SCALAR_LENGTH,
  scalarFromWide,
  sumPublic,
  sumSecret,
  tryDecodeScalar,
} from './group.js';
import { ShoHmacSha256 } from './sho.js';

const POKSHO_LABEL = 'POKSHO_Ristretto_SHOHMACSHA256';
/** Name of the base point, pre-assigned to point index 0. */
const BASE_NAME = 'G';
/** Indices and counts are single bytes in the description. */
const MAX_INDEX = 255;
/** At most this many responses in a proof (poksho's parser limit). */
const MAX_RESPONSES = 256;
const NONCE_RANDOMNESS_LENGTH = 32;
const WIDE = 64;

interface Equation {
  readonly lhs: number;
  readonly terms: readonly (readonly [scalar: number, point: number])[];
}

/** A term of an equation: (scalar name, point name). */
export type Term = readonly [scalar: string, point: string];

/** One statement: equations over named scalars and points. */
export class Statement {
  readonly #equations: Equation[] = [];
  readonly #scalarIndex = new Map<string, number>();
  readonly #scalarNames: string[] = [];
  readonly #pointIndex = new Map<string, number>([[BASE_NAME, 0]]);
  readonly #pointNames: string[] = [BASE_NAME];

  /** Adds the equation `lhs = sum(scalar * point)`. */
  add(lhs: string, terms: readonly Term[]): this {
    if (terms.length === 0 || terms.length > MAX_INDEX || this.#equations.length >= MAX_INDEX) {
      throw new RangeError('poksho: equation count or size out of range');
    }
    const lhsIndex = this.#point(lhs);
    const indexed = terms.map(([s, p]) => [this.#scalar(s), this.#point(p)] as const);
    this.#equations.push({ lhs: lhsIndex, terms: indexed });
    return this;
  }

  #scalar(name: string): number {
    return intern(name, this.#scalarIndex, this.#scalarNames);
  }

  #point(name: string): number {
    return intern(name, this.#pointIndex, this.#pointNames);
  }

  /** The statement's description bytes, as absorbed by the transcript. */
  description(): Uint8Array {
    const out: number[] = [this.#equations.length];
    for (const e of this.#equations) {
      out.push(e.lhs, e.terms.length);
      for (const [s, p] of e.terms) out.push(s, p);
    }
    return Uint8Array.from(out);
  }

  /** The number of witness scalars (the proof carries one response per scalar). */
  get scalarCount(): number {
    return this.#scalarNames.length;
  }

  /** Every point in index order, `G` first; throws when `points` lacks or adds a name. */
  #sortPoints(points: Readonly<Record<string, Point>>): Point[] {
    if (Object.keys(points).length !== this.#pointNames.length - 1) {
      throw new Error('poksho: wrong number of point arguments');
    }
    return this.#pointNames.map((name, i) => {
      if (i === 0) return BASE;
      const p = points[name];
      if (p === undefined) throw new Error(`poksho: missing point argument ${name}`);
      return p;
    });
  }

  /** The transcript after the description and the points. */
  #transcript(all: readonly Point[]): ShoHmacSha256 {
    const sho = new ShoHmacSha256(utf8(POKSHO_LABEL));
    sho.absorb(this.description());
    for (const p of all) sho.absorb(encodePoint(p));
    sho.ratchet();
    return sho;
  }

  #challenge(sho: ShoHmacSha256, commitment: readonly Point[], message: Uint8Array): bigint {
    for (const r of commitment) sho.absorb(encodePoint(r));
    sho.absorbAndRatchet(message);
    return scalarFromWide(sho.squeezeAndRatchet(WIDE));
  }

  /**
   * Proves knowledge of `scalars` satisfying the statement for `points`, bound to `message`.
   * Checks the proof before returning it (a faulty computation must not leak the witness).
   */
  prove(
    scalars: Readonly<Record<string, bigint>>,
    points: Readonly<Record<string, Point>>,
    message: Uint8Array,
    randomness: Uint8Array,
  ): Uint8Array {
    if (randomness.length !== NONCE_RANDOMNESS_LENGTH) throw new RangeError('poksho: randomness must be 32 bytes');
    if (Object.keys(scalars).length !== this.#scalarNames.length) {
      throw new Error('poksho: wrong number of scalar arguments');
    }
    const witness = this.#scalarNames.map((name) => {
      const k = scalars[name];
      if (k === undefined) throw new Error(`poksho: missing scalar argument ${name}`);
      return k;
    });
    const all = this.#sortPoints(points);
    const sho = this.#transcript(all);

    const nonceSho = sho.clone();
    nonceSho.absorb(randomness);
    for (const k of witness) nonceSho.absorb(encodeScalar(k));
    nonceSho.ratchet();
    nonceSho.absorbAndRatchet(message);
    const nonceBytes = nonceSho.squeezeAndRatchet(WIDE * witness.length);
    const nonces = witness.map((_, i) => scalarFromWide(nonceBytes.subarray(WIDE * i, WIDE * (i + 1))));

    const commitment = this.#equations.map((e) => sumSecret(e.terms.map(([s, p]) => [nonces[s]!, all[p]!] as const)));
    const challenge = this.#challenge(sho, commitment, message);
    const proof = new Uint8Array(SCALAR_LENGTH * (1 + witness.length));
    proof.set(encodeScalar(challenge), 0);
    witness.forEach((k, i) => {
      proof.set(encodeScalar(Fn.add(nonces[i]!, Fn.mul(k, challenge))), SCALAR_LENGTH * (i + 1));
    });
    if (!this.verify(proof, points, message)) throw new Error('poksho: the proof just made does not verify');
    return proof;
  }

  /**
   * Whether `proof` proves the statement for `points` and `message`. A proof that is not whole
   * canonical scalars, or has the wrong number of them, does not verify.
   */
  verify(proof: Uint8Array, points: Readonly<Record<string, Point>>, message: Uint8Array): boolean {
    if (proof.length % SCALAR_LENGTH !== 0) return false;
    const count = proof.length / SCALAR_LENGTH;
    if (count < 2 || count - 1 > MAX_RESPONSES || count - 1 !== this.#scalarNames.length) return false;
    const scalars: bigint[] = [];
    for (let i = 0; i < count; i++) {
      const k = tryDecodeScalar(proof.subarray(SCALAR_LENGTH * i, SCALAR_LENGTH * (i + 1)));
      if (k === undefined) return false;
      scalars.push(k);
    }
    const [challenge, ...response] = scalars as [bigint, ...bigint[]];
    const all = this.#sortPoints(points);
    const sho = this.#transcript(all);
    const minusChallenge = Fn.neg(challenge);
    // R = F(response) - challenge * lhs, equation by equation.
    const commitment = this.#equations.map((e) =>
      sumPublic([...e.terms.map(([s, p]) => [response[s]!, all[p]!] as const), [minusChallenge, all[e.lhs]!] as const]),
    );
    return this.#challenge(sho, commitment, message) === challenge;
  }
}

function intern(name: string, index: Map<string, number>, names: string[]): number {
  if (name === '') throw new RangeError('poksho: empty name');
  const known = index.get(name);
  if (known !== undefined) return known;
  if (names.length > MAX_INDEX) throw new RangeError('poksho: too many names');
  index.set(name, names.length);
  names.push(name);
  return names.length - 1;
}
