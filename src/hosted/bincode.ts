/**
 * The subset of bincode that zkgroup's serialized objects use (libsignal
 * `rust/zkgroup/src/common/serialization.rs`: fixed-width little-endian integers, no trailing
 * bytes allowed): a leading version byte, u64s, fixed byte arrays (no length prefix), and
 * `Vec`s with a u64 length prefix. Points and scalars are 32-byte canonical encodings. Internal.
 */

import { BackupError } from '../errors.js';
import { concatByteList } from '../internal/bytes.js';
import {
  decodePoint,
  decodeScalar,
  encodePoint,
  encodeScalar,
  type Point,
  POINT_LENGTH,
  SCALAR_LENGTH,
} from './group.js';

/** Builds a serialized object part by part. */
export class BincodeWriter {
  readonly #parts: Uint8Array[] = [];

  u8(v: number): this {
    this.#parts.push(Uint8Array.of(v));
    return this;
  }

  u64(v: number | bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    this.#parts.push(b);
    return this;
  }

  /** A fixed-size array: the bytes as they are. */
  fixed(bytes: Uint8Array): this {
    this.#parts.push(bytes.slice());
    return this;
  }

  /** A `Vec<u8>`: u64 length, then the bytes. */
  bytes(bytes: Uint8Array): this {
    return this.u64(bytes.length).fixed(bytes);
  }

  point(p: Point): this {
    this.#parts.push(encodePoint(p));
    return this;
  }

  /** A `Vec<RistrettoPoint>`: u64 count, then the points. */
  points(ps: readonly Point[]): this {
    this.u64(ps.length);
    for (const p of ps) this.point(p);
    return this;
  }

  scalar(k: bigint): this {
    this.#parts.push(encodeScalar(k));
    return this;
  }

  finish(): Uint8Array {
    return concatByteList(this.#parts);
  }
}

/**
 * Reads a serialized object; every failure is `INVALID_CREDENTIAL` naming the object (`what`),
 * never the bytes.
 */
export class BincodeReader {
  #pos = 0;

  constructor(
    private readonly data: Uint8Array,
    private readonly what: string,
  ) {}

  fail(reason: string): never {
    throw new BackupError('INVALID_CREDENTIAL', `${this.what}: ${reason}`);
  }

  #take(n: number): Uint8Array {
    if (this.data.length - this.#pos < n) this.fail('truncated');
    const out = this.data.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  u8(): number {
    return this.#take(1)[0]!;
  }

  /** A version byte that must equal `expected`. */
  version(...expected: number[]): number {
    const v = this.u8();
    if (!expected.includes(v)) this.fail(`unsupported version byte ${v}`);
    return v;
  }

  u64(): bigint {
    const b = this.#take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  fixed(n: number): Uint8Array {
    return this.#take(n).slice();
  }

  /** A `Vec<u8>` whose length prefix must fit in what remains. */
  bytes(): Uint8Array {
    const n = this.u64();
    if (n > BigInt(this.data.length - this.#pos)) this.fail('truncated');
    return this.fixed(Number(n));
  }

  point(): Point {
    return decodePoint(this.#take(POINT_LENGTH), this.what);
  }

  /** A `Vec<RistrettoPoint>` whose count prefix must fit in what remains. */
  points(): Point[] {
    const n = this.u64();
    if (n * BigInt(POINT_LENGTH) > BigInt(this.data.length - this.#pos)) this.fail('truncated');
    return Array.from({ length: Number(n) }, () => this.point());
  }

  scalar(): bigint {
    return decodeScalar(this.#take(SCALAR_LENGTH), this.what);
  }

  /** Ends the read: trailing bytes are an error (zkgroup's `reject_trailing_bytes`). */
  end(): void {
    if (this.#pos !== this.data.length) this.fail('unexpected trailing bytes');
  }
}
