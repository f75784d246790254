/** CRC-32 (ISO-HDLC: reflected, polynomial 0xEDB88320), as gzip's trailer uses (RFC 1952 section 8). */

// Reflected CRC-32 polynomial (RFC 1952 section 8, ISO 3309).
const POLY = 0xedb88320;

let tables: Uint32Array | undefined;

/** Eight 256-entry tables for slicing-by-8, built on first use. */
function slicingTables(): Uint32Array {
  if (tables !== undefined) return tables;
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  tables = t;
  return t;
}

/** CRC-32 of `data`, continuing from `crc` (the value returned for the preceding bytes; 0 to start). */
export function crc32(data: Uint8Array, crc = 0): number {
  const t = slicingTables();
  let c = ~crc;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ c;
    c =
      t[7 * 256 + (a & 0xff)]! ^
      t[6 * 256 + ((a >>> 8) & 0xff)]! ^
      t[5 * 256 + ((a >>> 16) & 0xff)]! ^
      t[4 * 256 + (a >>> 24)]! ^
      t[3 * 256 + data[i + 4]!]! ^
      t[2 * 256 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
