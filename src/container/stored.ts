/**
 * DEFLATE at level 0 ("stored" blocks, RFC 1951 section 3.2.4), written here once for every
 * backend: a stored block is a 3-bit header padded to a byte, `LEN` and `NLEN` (little-endian),
 * then the bytes as they are. With no compressor involved, a backup written at level 0 is the same
 * file on every backend, which is what the cross-backend vectors need.
 *
 * Block boundaries are fixed: a block ends at every flush point of the schedule and after
 * {@link MAX_STORED_BLOCK} bytes; the last block (possibly empty) has BFINAL set.
 */

import type { DeflateStream } from '../backends/types.js';
import { concatByteList } from '../internal/bytes.js';

/** Largest payload of one stored block: `LEN` is 16 bits (RFC 1951 section 3.2.4). */
export const MAX_STORED_BLOCK = 0xffff;
/** Header byte of a non-final stored block: BFINAL = 0, BTYPE = 00, then padding to the byte. */
const STORED = 0x00;
/** Header byte of the final stored block: BFINAL = 1, BTYPE = 00. */
const STORED_FINAL = 0x01;
/** Header byte plus LEN and NLEN. */
const BLOCK_HEADER_LENGTH = 5;

const EMPTY = new Uint8Array(0);

/** Writes `data` as stored blocks (all non-final, or the last one final) into one array. */
function blocks(data: Uint8Array, final: boolean): Uint8Array {
  const count = Math.max(1, Math.ceil(data.length / MAX_STORED_BLOCK));
  const out = new Uint8Array(data.length + count * BLOCK_HEADER_LENGTH);
  let o = 0;
  for (let i = 0; i < count; i++) {
    const part = data.subarray(i * MAX_STORED_BLOCK, (i + 1) * MAX_STORED_BLOCK);
    const n = part.length;
    out[o] = final && i === count - 1 ? STORED_FINAL : STORED;
    out[o + 1] = n & 0xff;
    out[o + 2] = n >>> 8;
    out[o + 3] = ~n & 0xff;
    out[o + 4] = (~n >>> 8) & 0xff;
    out.set(part, o + BLOCK_HEADER_LENGTH);
    o += BLOCK_HEADER_LENGTH + n;
  }
  return out;
}

/** A level-0 raw DEFLATE stream; identical output on every backend. */
export function storedDeflate(): DeflateStream {
  const pending = new Uint8Array(MAX_STORED_BLOCK);
  let used = 0;
  let done = false;
  return {
    push(data) {
      if (done) throw new Error('deflate stream already finished');
      const out: Uint8Array[] = [];
      let rest = data;
      while (rest.length > 0) {
        const take = Math.min(rest.length, MAX_STORED_BLOCK - used);
        pending.set(rest.subarray(0, take), used);
        used += take;
        rest = rest.subarray(take);
        if (used === MAX_STORED_BLOCK) {
          out.push(blocks(pending, false));
          used = 0;
        }
      }
      if (out.length === 0) return EMPTY;
      return out.length === 1 ? out[0]! : concatByteList(out);
    },
    flush() {
      if (used === 0) return EMPTY;
      const out = blocks(pending.subarray(0, used), false);
      used = 0;
      return out;
    },
    finish() {
      done = true;
      const out = blocks(pending.subarray(0, used), true);
      used = 0;
      return out;
    },
  };
}
