/**
 * The stateful hash objects ("SHO") of Signal's zero-knowledge code (poksho): absorb bytes,
 * ratchet, squeeze any number of bytes. Two constructions exist and both are needed here:
 *
 * - {@link ShoHmacSha256}: the transcript hash of every proof and credential operation.
 * - {@link ShoSha256}: used only to derive the fixed system points of the credentials.
 *
 * Both are written from the construction's description (libsignal `rust/poksho/src/shohmacsha256.rs`
 * and `shosha256.rs`, whose test vectors are in vectors/zk/sho.json). Internal to src/hosted/.
 */

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** Output size of SHA-256, and the size of the chaining value. */
const HASH_LEN = 32;
/** SHA-256's block size: ShoSha256 prefixes each hash with (most of) one block of zeros. */
const BLOCK_LEN = 64;

/** Domain-separation bytes: 0x00 ends an absorb, 0x01 marks output blocks, 0x02 the next chaining value. */
const SEP_RATCHET = 0x00;
const SEP_OUTPUT = 0x01;
const SEP_NEXT = 0x02;

/** 8-byte big-endian encoding of a non-negative safe integer (the u64 counters of the construction). */
function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** The operations shared by both constructions. */
export interface Sho {
  /** Adds bytes to the current absorb phase. Starting a phase switches modes even when `input` is empty. */
  absorb(input: Uint8Array): void;
  /** Ends the absorb phase (no-op when nothing was absorbed since the last ratchet). */
  ratchet(): void;
  /** `absorb(input)` then `ratchet()`. */
  absorbAndRatchet(input: Uint8Array): void;
  /** Squeezes `length` bytes and moves to a fresh chaining value. Only after a ratchet. */
  squeezeAndRatchet(length: number): Uint8Array;
  /** An independent copy of the current state. */
  clone(): Sho;
}

/** The incremental-hash interface both constructions use (noble's HMAC and SHA-256 objects). */
interface IncrementalHash {
  update(data: Uint8Array): IncrementalHash;
  digest(): Uint8Array;
  clone(): IncrementalHash;
}
type Hmac = IncrementalHash;
const newHmac = (key: Uint8Array): IncrementalHash => hmac.create(sha256, key) as unknown as IncrementalHash;

/**
 * SHO over HMAC-SHA256. State: a 32-byte chaining value `cv` and, while absorbing, an HMAC keyed
 * with `cv`. Ratchet: `cv = HMAC(cv, absorbed || 0x00)`. Squeeze of n bytes: blocks
 * `HMAC(cv, u64be(i) || 0x01)`, then `cv = HMAC(cv, u64be(n) || 0x02)`.
 */
export class ShoHmacSha256 implements Sho {
  #cv: Uint8Array;
  #absorbing: Hmac | undefined;

  constructor(label: Uint8Array, state?: { cv: Uint8Array; absorbing: Hmac | undefined }) {
    if (state !== undefined) {
      this.#cv = state.cv;
      this.#absorbing = state.absorbing;
      return;
    }
    this.#cv = new Uint8Array(HASH_LEN);
    this.#absorbing = undefined;
    this.absorbAndRatchet(label);
  }

  absorb(input: Uint8Array): void {
    if (this.#absorbing === undefined) this.#absorbing = newHmac(this.#cv);
    this.#absorbing.update(input);
  }

  ratchet(): void {
    if (this.#absorbing === undefined) return;
    this.#absorbing.update(Uint8Array.of(SEP_RATCHET));
    this.#cv = this.#absorbing.digest();
    this.#absorbing = undefined;
  }

  absorbAndRatchet(input: Uint8Array): void {
    this.absorb(input);
    this.ratchet();
  }

  squeezeAndRatchet(length: number): Uint8Array {
    if (this.#absorbing !== undefined) throw new Error('ShoHmacSha256: squeeze before ratchet');
    const out = new Uint8Array(length);
    for (let i = 0, off = 0; off < length; i++, off += HASH_LEN) {
      const block = newHmac(this.#cv).update(u64be(i)).update(Uint8Array.of(SEP_OUTPUT)).digest();
      out.set(block.subarray(0, Math.min(HASH_LEN, length - off)), off);
    }
    this.#cv = newHmac(this.#cv).update(u64be(length)).update(Uint8Array.of(SEP_NEXT)).digest();
    return out;
  }

  clone(): ShoHmacSha256 {
    return new ShoHmacSha256(new Uint8Array(0), { cv: this.#cv.slice(), absorbing: this.#absorbing?.clone() });
  }
}

type Sha256 = IncrementalHash;
const newSha256 = (): IncrementalHash => sha256.create() as unknown as IncrementalHash;

/**
 * SHO over plain SHA-256 ("innerpad"). Absorb starts a hash over `zeros(64) || cv`, then the
 * input; ratchet: `cv = SHA256(SHA256(...))`. Squeeze: blocks
 * `SHA256(zeros(63) || 0x01 || cv || u64be(i))`, then `cv = SHA256(zeros(63) || 0x02 || cv || u64be(n))`.
 */
export class ShoSha256 implements Sho {
  #cv: Uint8Array;
  #absorbing: Sha256 | undefined;

  constructor(label: Uint8Array, state?: { cv: Uint8Array; absorbing: Sha256 | undefined }) {
    if (state !== undefined) {
      this.#cv = state.cv;
      this.#absorbing = state.absorbing;
      return;
    }
    this.#cv = new Uint8Array(HASH_LEN);
    this.#absorbing = undefined;
    this.absorbAndRatchet(label);
  }

  absorb(input: Uint8Array): void {
    if (this.#absorbing === undefined) {
      this.#absorbing = newSha256().update(new Uint8Array(BLOCK_LEN)).update(this.#cv);
    }
    this.#absorbing.update(input);
  }

  ratchet(): void {
    if (this.#absorbing === undefined) return;
    this.#cv = sha256(this.#absorbing.digest());
    this.#absorbing = undefined;
  }

  absorbAndRatchet(input: Uint8Array): void {
    this.absorb(input);
    this.ratchet();
  }

  squeezeAndRatchet(length: number): Uint8Array {
    if (this.#absorbing !== undefined) throw new Error('ShoSha256: squeeze before ratchet');
    const prefix = (sep: number) => {
      const p = new Uint8Array(BLOCK_LEN);
      p[BLOCK_LEN - 1] = sep;
      return p;
    };
    const out = new Uint8Array(length);
    for (let i = 0, off = 0; off < length; i++, off += HASH_LEN) {
      const block = newSha256().update(prefix(SEP_OUTPUT)).update(this.#cv).update(u64be(i)).digest();
      out.set(block.subarray(0, Math.min(HASH_LEN, length - off)), off);
    }
    this.#cv = newSha256().update(prefix(SEP_NEXT)).update(this.#cv).update(u64be(length)).digest();
    return out;
  }

  clone(): ShoSha256 {
    return new ShoSha256(new Uint8Array(0), { cv: this.#cv.slice(), absorbing: this.#absorbing?.clone() });
  }
}
