/**
 * Varint-delimited message lists (`varint(len) || message`, repeated: the plaintext of a backup
 * and the corpora's `.binproto` files), built and split with the wire helpers alone, independently
 * of the frame-stream code under test. For tests, vector generators and benchmarks.
 */

import { concatByteList } from '../../src/internal/bytes.js';
import { encodeVarint, readVarint32 } from '../../src/internal/wire.js';

/** Joins messages as `varint(len) || message` each. */
export function joinDelimited(messages: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of messages) parts.push(encodeVarint(m.length), m);
  return concatByteList(parts);
}

/** Splits a varint-delimited list into its messages (views into `bytes`); throws on a bad or overrunning prefix. */
export function splitDelimited(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const v = readVarint32(bytes, pos);
    if (!v.ok || v.next + v.value > bytes.length) throw new Error(`bad length prefix at byte ${pos}`);
    out.push(bytes.subarray(v.next, v.next + v.value));
    pos = v.next + v.value;
  }
  return out;
}
