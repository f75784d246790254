/** Small byte helpers shared by every module. Internal: not re-exported from the package. */

import { decodeUtf8, encodeUtf8, isUtf8 as isUtf8Fallback } from './utf8.js';

const HEX_DIGITS = '0123456789abcdef';

// The runtime's TextEncoder / fatal TextDecoder, looked up on first use (never at import time);
// `null` when the runtime has none (QuickJS, Hermes builds without them): utf8.ts then does the same work.
let encoder: TextEncoder | null | undefined;
let decoder: TextDecoder | null | undefined;

function nativeEncoder(): TextEncoder | null {
  if (encoder === undefined) {
    const TE = (globalThis as { TextEncoder?: typeof TextEncoder }).TextEncoder;
    encoder = typeof TE === 'function' ? new TE() : null;
  }
  return encoder;
}

function nativeDecoder(): TextDecoder | null {
  if (decoder === undefined) {
    const TD = (globalThis as { TextDecoder?: typeof TextDecoder }).TextDecoder;
    decoder = typeof TD === 'function' ? new TD('utf-8', { fatal: true }) : null;
  }
  return decoder;
}

/** Throws a TypeError / RangeError naming `name` unless `value` is a Uint8Array of one of `lengths`. */
export function assertBytes(value: unknown, name: string, ...lengths: number[]): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`"${name}" expected Uint8Array, got ${describe(value)}`);
  }
  if (lengths.length > 0 && !lengths.includes(value.length)) {
    throw new RangeError(`"${name}" expected Uint8Array of length ${lengths.join(' or ')}, got length=${value.length}`);
  }
}

/** Throws a TypeError naming `name` unless `value` is a string. */
export function assertString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected string, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!;
  return out;
}

/** Parses lowercase or uppercase hex; throws TypeError naming `name` on anything else. */
export function fromHex(hex: string, name = 'hex'): Uint8Array {
  assertString(hex, name);
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError(`"${name}" expected an even number of hex digits`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `text` in UTF-8 (a lone surrogate becomes U+FFFD, as with TextEncoder). */
export function utf8(text: string): Uint8Array {
  const e = nativeEncoder();
  return e === null ? encodeUtf8(text) : e.encode(text);
}

/**
 * Decodes UTF-8 as a fatal TextDecoder does (a leading byte-order mark is dropped).
 * @throws {TypeError} on malformed input.
 */
export function fromUtf8(bytes: Uint8Array): string {
  const d = nativeDecoder();
  return d === null ? decodeUtf8(bytes) : d.decode(bytes);
}

/** True when `bytes` is well-formed UTF-8 (what {@link fromUtf8} accepts). */
export function isUtf8(bytes: Uint8Array): boolean {
  const d = nativeDecoder();
  if (d === null) return isUtf8Fallback(bytes);
  try {
    d.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Forgets the runtime's codecs so the next call looks them up again (tests only). */
export function resetUtf8CodecsForTests(): void {
  encoder = undefined;
  decoder = undefined;
}

/** Concatenates byte arrays given as arguments (for a few parts; use {@link concatByteList} for a list). */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return concatByteList(parts);
}

/**
 * Concatenates a list of byte arrays of any length. Spreading a long list into
 * `concatBytes(...parts)` overflows the call stack (V8 fails above about 120,000 arguments).
 */
export function concatByteList(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Compares two byte arrays in time that depends only on their lengths, not on where they differ.
 * (JavaScript gives no hard guarantee; see SECURITY.md.)
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Standard base64 with padding (RFC 4648 section 4), or unpadded base64url (section 5) when `url`. */
export function toBase64(bytes: Uint8Array, url = false): string {
  const alphabet = url ? B64_URL : B64;
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + (url ? '' : '==');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + (url ? '' : '=');
  }
  return out;
}

/** Decodes standard or URL-safe base64, padded or not. Throws TypeError naming `name` on bad input. */
export function fromBase64(text: string, name = 'base64'): Uint8Array {
  assertString(text, name);
  const clean = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/_-]*$/.test(clean) || clean.length % 4 === 1) {
    throw new TypeError(`"${name}" is not valid base64`);
  }
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v =
      c >= 65 && c <= 90
        ? c - 65
        : c >= 97 && c <= 122
          ? c - 71
          : c >= 48 && c <= 57
            ? c + 4
            : c === 43 || c === 45
              ? 62
              : 63;
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Parses a UUID string (8-4-4-4-12 hex) into its 16 bytes; throws TypeError naming `name`. */
export function uuidToBytes(uuid: string, name = 'uuid'): Uint8Array {
  assertString(uuid, name);
  if (!UUID_RE.test(uuid)) throw new TypeError(`"${name}" expected a UUID like 01234567-89ab-cdef-0123-456789abcdef`);
  return fromHex(uuid.replaceAll('-', ''), name);
}

/** Formats 16 bytes as a lowercase UUID string. */
export function bytesToUuid(bytes: Uint8Array): string {
  assertBytes(bytes, 'bytes', 16);
  const h = toHex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
