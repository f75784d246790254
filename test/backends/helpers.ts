/** Helpers shared by the backend tests (Node and Chromium). */

/** `data` cut at the given points (reduced modulo its length, sorted, duplicates kept as empty chunks). */
export function chunked(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = cuts.map((c) => (data.length === 0 ? 0 : c % (data.length + 1))).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  out.push(data.subarray(prev));
  return out;
}

/** Byte equality without the matcher's per-element diffing (slow on megabytes). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
