/**
 * Seeded pseudo-random numbers for tests, vector generators and benchmarks (never for keys or
 * IVs of real backups): the same seed gives the same sequence in every runtime, so fixtures and
 * the committed vectors under vectors/ never change. Runs in Node and browsers.
 */

/**
 * A stream of xorshift32 bytes (Marsaglia's 13/17/5 shifts, the low byte of each state) from the
 * 32-bit `state` (0 becomes 1: xorshift never leaves 0). Each call returns the next `n` bytes.
 */
export function xorshift32(state: number): (n: number) => Uint8Array {
  let x = state >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
}

/**
 * `n` fixed bytes for a small integer `seed`: xorshift32 from the seed spread over 32 bits by
 * Knuth's multiplicative constant, so that neighbouring seeds give unrelated bytes.
 */
export function fixedBytes(n: number, seed: number): Uint8Array {
  return xorshift32((seed * 2654435761) >>> 0)(n);
}

/** mulberry32: a seeded generator of numbers uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
