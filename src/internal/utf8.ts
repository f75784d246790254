/**
 * UTF-8 in plain JavaScript, for engines without `TextEncoder` / `TextDecoder` (QuickJS, Hermes
 * builds without TextDecoder). Internal: `bytes.ts` uses the runtime's own codec when it has one and
 * these functions otherwise, with the same results:
 *
 * - {@link encodeUtf8} is the WHATWG `TextEncoder`: a lone surrogate becomes U+FFFD (EF BF BD).
 * - {@link decodeUtf8} is the WHATWG UTF-8 decoder (Encoding Standard section 8.1.1): with `fatal`
 *   it throws a `TypeError` where `new TextDecoder('utf-8', { fatal: true })` does (overlong forms,
 *   surrogates D800-DFFF, code points above U+10FFFF, stray or missing continuation bytes);
 *   without it each maximal ill-formed subpart becomes one U+FFFD, as the non-fatal decoder does.
 *   A leading byte-order mark is dropped unless `keepBom` (the decoder's `ignoreBOM`).
 */

/** U+FFFD REPLACEMENT CHARACTER. */
const REPLACEMENT = 0xfffd;
/** Code units per `String.fromCharCode` call: well below every engine's argument limit. */
const FLUSH_UNITS = 4096;

/** Bytes `text` takes in UTF-8 as {@link encodeUtf8} writes it. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3; // BMP, or a lone surrogate written as U+FFFD
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * Writes `text` as UTF-8 into `out` at `offset` (which must have room for {@link utf8Length}
 * bytes) and returns the offset after it. Lone surrogates become U+FFFD, or with
 * `keepLoneSurrogates` the three bytes of the code unit itself (ED A0 80 for U+D800, which is not
 * UTF-8: what protobufjs's writer has always written).
 */
export function writeUtf8(text: string, out: Uint8Array, offset: number, keepLoneSurrogates = false): number {
  let o = offset;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[o++] = c;
      continue;
    }
    if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (c <= 0xdbff && isLowSurrogate(next)) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        out[o++] = 0xf0 | (cp >> 18);
        out[o++] = 0x80 | ((cp >> 12) & 0x3f);
        out[o++] = 0x80 | ((cp >> 6) & 0x3f);
        out[o++] = 0x80 | (cp & 0x3f);
        i++;
        continue;
      }
      if (!keepLoneSurrogates) c = REPLACEMENT;
    }
    out[o++] = 0xe0 | (c >> 12);
    out[o++] = 0x80 | ((c >> 6) & 0x3f);
    out[o++] = 0x80 | (c & 0x3f);
  }
  return o;
}

/** `text` in UTF-8, as `new TextEncoder().encode(text)`. */
export function encodeUtf8(text: string): Uint8Array {
  const out = new Uint8Array(utf8Length(text));
  writeUtf8(text, out, 0);
  return out;
}

/** Options of {@link decodeUtf8}. */
export interface DecodeUtf8Options {
  /** Throw a TypeError on ill-formed input (else U+FFFD replaces it). Default true. */
  fatal?: boolean;
  /** Keep a leading byte-order mark (the decoder's `ignoreBOM`). Default false. */
  keepBom?: boolean;
}

/**
 * Decodes `bytes[start, end)` as UTF-8, as `new TextDecoder('utf-8', { fatal, ignoreBOM: keepBom })`.
 * @throws {TypeError} with `fatal` (the default) when the bytes are not well-formed UTF-8.
 */
export function decodeUtf8(
  bytes: Uint8Array,
  options: DecodeUtf8Options = {},
  start = 0,
  end: number = bytes.length,
): string {
  const fatal = options.fatal ?? true;
  let i = start;
  // The decoder's BOM sniff: one leading EF BB BF (U+FEFF) is dropped unless asked to keep it.
  if (!options.keepBom && end - i >= 3 && bytes[i] === 0xef && bytes[i + 1] === 0xbb && bytes[i + 2] === 0xbf) i += 3;
  let out = '';
  const units: number[] = [];
  while (i < end) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      units.push(b0);
      i++;
    } else {
      // Encoding Standard 8.1.1: the byte count and the allowed range of the first continuation
      // byte follow from the lead byte (this excludes overlong forms, surrogates and > U+10FFFF).
      let need: number;
      let cp: number;
      let lower = 0x80;
      let upper = 0xbf;
      if (b0 >= 0xc2 && b0 <= 0xdf) {
        need = 1;
        cp = b0 & 0x1f;
      } else if (b0 >= 0xe0 && b0 <= 0xef) {
        need = 2;
        cp = b0 & 0x0f;
        if (b0 === 0xe0) lower = 0xa0;
        else if (b0 === 0xed) upper = 0x9f;
      } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        need = 3;
        cp = b0 & 0x07;
        if (b0 === 0xf0) lower = 0x90;
        else if (b0 === 0xf4) upper = 0x8f;
      } else {
        if (fatal) throw invalid();
        units.push(REPLACEMENT);
        i++;
        continue;
      }
      let k = 1;
      for (; k <= need; k++) {
        const b = i + k < end ? bytes[i + k]! : -1;
        if (b < lower || b > upper) break;
        cp = (cp << 6) | (b & 0x3f);
        lower = 0x80;
        upper = 0xbf;
      }
      if (k <= need) {
        if (fatal) throw invalid();
        // The maximal subpart read so far is one U+FFFD; the byte that broke it is read again.
        units.push(REPLACEMENT);
        i += k;
        continue;
      }
      i += need + 1;
      if (cp >= 0x10000) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
      else units.push(cp);
    }
    if (units.length >= FLUSH_UNITS) {
      out += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  return units.length > 0 ? out + String.fromCharCode(...units) : out;
}

/** True when `bytes` is well-formed UTF-8 (what the fatal decoder accepts). */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    decodeUtf8(bytes, { keepBom: true });
    return true;
  } catch {
    return false;
  }
}

function invalid(): TypeError {
  return new TypeError('The encoded data is not valid UTF-8');
}
