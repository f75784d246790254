/**
 * A drop-in for protobufjs's `util.utf8` (`protobufjs/src/util/utf8.js`), which the browser build
 * bundles in its place: protobufjs 8 builds two `TextDecoder`s when that module loads, so the core
 * could not even be imported in an engine without one (QuickJS, Hermes builds without TextDecoder).
 *
 * Same functions, same results: `length` and `write` as protobufjs's own encoder (a lone
 * surrogate is written as its three raw bytes, as before; a paired one as four), `read` and
 * `readStrict` as its `TextDecoder('utf-8', { ignoreBOM: true })` (non-fatal / fatal), except
 * that the decoder is looked up on first use and utf8.ts decodes when the runtime has none.
 * Internal: wired in by the build (tsup.config.ts), never imported by the core itself.
 */

import { decodeUtf8, utf8Length, writeUtf8 } from './utf8.js';

/** Below this many bytes an ASCII string is decoded here, not by TextDecoder (as protobufjs does). */
const NATIVE_MIN_LENGTH = 64;

let loose: TextDecoder | null | undefined;
let strict: TextDecoder | null | undefined;

function nativeDecoder(fatal: boolean): TextDecoder | null {
  if (fatal ? strict === undefined : loose === undefined) {
    const TD = (globalThis as { TextDecoder?: typeof TextDecoder }).TextDecoder;
    const d = typeof TD === 'function' ? new TD('utf-8', { fatal, ignoreBOM: true }) : null;
    if (fatal) strict = d;
    else loose = d;
  }
  return (fatal ? strict : loose) ?? null;
}

function decode(buffer: Uint8Array, start: number, end: number, fatal: boolean): string {
  if (end - start < 1) return '';
  if (end - start < NATIVE_MIN_LENGTH) {
    let ascii = '';
    let i = start;
    for (; i < end && buffer[i]! < 0x80; i++) ascii += String.fromCharCode(buffer[i]!);
    if (i === end) return ascii;
  }
  const d = nativeDecoder(fatal);
  if (d === null) return decodeUtf8(buffer, { fatal, keepBom: true }, start, end);
  return d.decode(start === 0 && end === buffer.length ? buffer : buffer.subarray(start, end));
}

/** UTF-8 length of `string` (protobufjs `util.utf8.length`). */
export function length(string: string): number {
  return utf8Length(string);
}

/** Decodes `buffer[start, end)`, ill-formed bytes as U+FFFD (protobufjs `util.utf8.read`). */
export function read(buffer: Uint8Array, start: number, end: number): string {
  return decode(buffer, start, end, false);
}

/**
 * Decodes `buffer[start, end)` (protobufjs `util.utf8.readStrict`, behind `Reader.stringVerify`).
 * @throws {TypeError} when the bytes are not UTF-8.
 */
export function readStrict(buffer: Uint8Array, start: number, end: number): string {
  return decode(buffer, start, end, true);
}

/** Writes `string` into `buffer` at `offset`; returns the bytes written (protobufjs `util.utf8.write`). */
export function write(string: string, buffer: Uint8Array, offset: number): number {
  return writeUtf8(string, buffer, offset, true) - offset;
}
