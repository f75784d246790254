/** Minimal protobuf wire helpers (varints, length-delimited fields) for the few hand-coded messages. */

/** Longest varint that can hold a 32-bit length. */
export const MAX_VARINT32_BYTES = 5;

/**
 * Default largest length-delimited message a backup reader accepts (BackupInfo or Frame): 16 MiB.
 * Signal's frames are kilobytes; the limit bounds what a forged length prefix can make us buffer.
 * Public through the frames module.
 */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Number of bytes `value` (0 .. 2^32-1) takes as a base-128 varint. */
export function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Writes `value` (a non-negative safe integer) as a base-128 varint into `out` at `offset`; returns the new offset. */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

/** Encodes `value` as a fresh varint. */
export function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(varintLength(value));
  writeVarint(out, 0, value);
  return out;
}

/** Outcome of reading a varint: the value and the offset after it, or why it could not be read. */
export type VarintResult =
  | { ok: true; value: number; next: number }
  | { ok: false; reason: 'truncated' | 'too-long' | 'too-large' };

/**
 * Reads a varint32 at `offset`. `too-long` when it runs past 5 bytes, `too-large` when its value
 * exceeds 2^32-1, `truncated` when the bytes end inside it.
 */
export function readVarint32(bytes: Uint8Array, offset: number, end = bytes.length): VarintResult {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT32_BYTES; i++) {
    if (offset + i >= end) return { ok: false, reason: 'truncated' };
    const b = bytes[offset + i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) {
      if (value > 0xffffffff) return { ok: false, reason: 'too-large' };
      return { ok: true, value, next: offset + i + 1 };
    }
  }
  return { ok: false, reason: 'too-long' };
}

/** One field of a message as read by {@link readFields}. */
export interface WireField {
  field: number;
  wireType: number;
  /** The payload: for wire type 2 its bytes, for 1 and 5 its 8 or 4 bytes; undefined for varints. */
  bytes?: Uint8Array;
  /** For wire type 0, the value (exact up to 2^53). */
  varint?: number;
}

/**
 * Splits a message into fields. Returns `undefined` when the bytes are not a well-formed message
 * (truncated field, bad wire type, field number 0).
 */
export function readFields(bytes: Uint8Array): WireField[] | undefined {
  const fields: WireField[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const tag = readVarint64(bytes, offset);
    if (tag === undefined) return undefined;
    offset = tag.next;
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (field === 0) return undefined;
    switch (wireType) {
      case 0: {
        const v = readVarint64(bytes, offset);
        if (v === undefined) return undefined;
        fields.push({ field, wireType, varint: v.value });
        offset = v.next;
        break;
      }
      case 1:
      case 5: {
        const size = wireType === 1 ? 8 : 4;
        if (offset + size > bytes.length) return undefined;
        fields.push({ field, wireType, bytes: bytes.subarray(offset, offset + size) });
        offset += size;
        break;
      }
      case 2: {
        const len = readVarint64(bytes, offset);
        if (len === undefined || len.next + len.value > bytes.length) return undefined;
        fields.push({ field, wireType, bytes: bytes.subarray(len.next, len.next + len.value) });
        offset = len.next + len.value;
        break;
      }
      default:
        return undefined;
    }
  }
  return fields;
}

function readVarint64(bytes: Uint8Array, offset: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (offset + i >= bytes.length) return undefined;
    const b = bytes[offset + i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return { value, next: offset + i + 1 };
  }
  return undefined;
}

/** Encodes a length-delimited field (wire type 2). */
export function encodeBytesField(field: number, payload: Uint8Array): Uint8Array {
  const tag = field * 8 + 2;
  const out = new Uint8Array(varintLength(tag) + varintLength(payload.length) + payload.length);
  let o = writeVarint(out, 0, tag);
  o = writeVarint(out, o, payload.length);
  out.set(payload, o);
  return out;
}
