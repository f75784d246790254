/**
 * JSON forms of a backup, in the proto3 JSON mapping (as libsignal's tooling writes it: libsignal
 * rust/message-backup/src/json/exporter.rs): lowerCamelCase names, 64-bit integers as decimal strings, bytes as
 * standard base64 with padding, enums by name, defaults omitted (fields with explicit presence are
 * written even when they hold a default).
 *
 * Export: JSON Lines, the BackupInfo first, one Frame per line. Import: that JSONL, or libsignal's
 * `.jsonproto` test-case form (a JSON array: BackupInfo, then Frames; `//` comments and trailing
 * commas allowed). JSON -> binary -> JSON is the identity on our own output. Fields unknown to the
 * schema cannot be written in this mapping and are left out of the JSON (see findUnknownFields).
 */

import { BackupError } from '../errors.js';
import { assertString, fromBase64, toBase64 } from '../internal/bytes.js';
import { type BackupInfo, type Frame, loneSurrogateIndex, MAX_MESSAGE_DEPTH } from './codec.js';
import { BACKUP_INFO_TYPE, enumInfo, FRAME_TYPE, messageClass, messageInfo } from './schema.js';
import {
  type ByteSource,
  type DecodedBackup,
  decodeBackup,
  decodeBackupStream,
  type FrameStreamOptions,
} from './stream.js';

/** A JSON object as produced by {@link frameToJson} (ready for `JSON.stringify`). */
export type JsonObject = { [key: string]: JsonValue };
/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

type Msg = Record<string, unknown>;

// --- to JSON ----------------------------------------------------------------------------------

/** Shortest decimal that reads back as the same float32 (how proto3 JSON writers print floats). */
function float32ToJson(v: number): JsonValue {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  const f = Math.fround(v);
  for (let p = 1; p < 17; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

function scalarToJson(kind: string, v: unknown, typeName: string | undefined): JsonValue {
  switch (kind) {
    case 'uint64':
    case 'int64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return String(v);
    case 'bytes':
      return toBase64(v as Uint8Array);
    case 'enum':
      return enumInfo(typeName!).names.get(v as number) ?? (v as number);
    case 'float':
      return float32ToJson(v as number);
    case 'double':
      return Number.isFinite(v as number) ? (v as number) : String(v);
    default:
      return v as JsonValue;
  }
}

function isDefault(kind: string, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return v === '';
    case 'bytes':
      return (v as Uint8Array).length === 0;
    case 'bool':
      return v === false;
    case 'message':
      return false;
    default:
      return v === 0 || v === 0n || Object.is(v, -0);
  }
}

function messageToJson(msg: Msg, typeName: string): JsonObject {
  const out: JsonObject = {};
  for (const f of messageInfo(typeName).fields) {
    const v = msg[f.name];
    if (v === undefined || v === null || !Object.hasOwn(msg, f.name)) continue;
    const convert = (x: unknown) =>
      f.kind === 'message' ? messageToJson(x as Msg, f.typeName!) : scalarToJson(f.kind, x, f.typeName);
    if (f.repeated) {
      const list = v as unknown[];
      if (list.length > 0) out[f.name] = list.map(convert);
    } else if (f.presence || !isDefault(f.kind, v)) {
      out[f.name] = convert(v);
    }
  }
  return out;
}

/**
 * A Frame as a proto3-JSON object (64-bit ints as strings, bytes as base64, enums by name).
 * @throws {TypeError} when `frame` is not an object.
 */
export function frameToJson(frame: Frame): JsonObject {
  if (typeof frame !== 'object' || frame === null) throw new TypeError('"frame" expected an object');
  return messageToJson(frame as Msg, FRAME_TYPE);
}

/**
 * A BackupInfo as a proto3-JSON object.
 * @throws {TypeError} when `info` is not an object.
 */
export function backupInfoToJson(info: BackupInfo): JsonObject {
  if (typeof info !== 'object' || info === null) throw new TypeError('"info" expected an object');
  return messageToJson(info as Msg, BACKUP_INFO_TYPE);
}

/**
 * Exports a backup plaintext source as JSON Lines: one line (with its `\n`) per message, the
 * BackupInfo first. Streams in bounded memory.
 * @throws {BackupError} from the stream decoder (see decodeBackupStream).
 */
export async function* exportJsonLines(source: ByteSource, options: FrameStreamOptions = {}): AsyncGenerator<string> {
  for await (const r of decodeBackupStream(source, options)) {
    const obj = r.type === 'backupInfo' ? backupInfoToJson(r.backupInfo) : frameToJson(r.frame);
    yield `${JSON.stringify(obj)}\n`;
  }
}

/**
 * Exports a whole backup plaintext held in memory as JSON Lines.
 * @throws {BackupError} from the decoder (see decodeBackup).
 */
export function backupToJsonLines(bytes: Uint8Array, options: FrameStreamOptions = {}): string {
  const { backupInfo, frames } = decodeBackup(bytes, options);
  let out = `${JSON.stringify(backupInfoToJson(backupInfo))}\n`;
  for (const f of frames) out += `${JSON.stringify(frameToJson(f))}\n`;
  return out;
}

// --- from JSON --------------------------------------------------------------------------------

class JsonPathError extends Error {}

/** Longest excerpt of a bad value quoted in an error. */
const MAX_QUOTE = 60;

/**
 * A short description of a JSON value for an error message: bounded in length, and safe for any
 * nesting (`JSON.stringify` of a value nested thousands deep overflows the stack).
 */
function quote(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

const UINT64_RE = /^(0|[1-9][0-9]*)$/;
const INT_RE = /^-?(0|[1-9][0-9]*)$/;
const MAX_UINT64 = (1n << 64n) - 1n;

function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function integerFromJson(v: unknown, min: number, max: number, path: string): number {
  const n = typeof v === 'string' && INT_RE.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new JsonPathError(`${path}: expected an integer in ${min}..${max}, got ${quote(v)}`);
  }
  return n;
}

function scalarFromJson(kind: string, v: unknown, typeName: string | undefined, path: string): unknown {
  switch (kind) {
    case 'uint64':
    case 'fixed64': {
      let big: bigint | undefined;
      if (typeof v === 'string' && UINT64_RE.test(v)) big = BigInt(v);
      else if (typeof v === 'number' && Number.isSafeInteger(v)) big = BigInt(v);
      if (big === undefined || big < 0n || big > MAX_UINT64) {
        throw new JsonPathError(`${path}: expected an unsigned 64-bit integer as a decimal string, got ${quote(v)}`);
      }
      return big;
    }
    case 'uint32':
    case 'fixed32':
      return integerFromJson(v, 0, 0xffffffff, path);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return integerFromJson(v, -0x80000000, 0x7fffffff, path);
    case 'bool':
      if (typeof v !== 'boolean') throw new JsonPathError(`${path}: expected true or false, got ${quote(v)}`);
      return v;
    case 'string': {
      if (typeof v !== 'string') throw new JsonPathError(`${path}: expected a string, got ${quote(v)}`);
      const at = loneSurrogateIndex(v);
      if (at >= 0) {
        throw new JsonPathError(
          `${path}: the string holds a lone UTF-16 surrogate at index ${at} (half of an emoji or other pair); it has no UTF-8 form`,
        );
      }
      return v;
    }
    case 'bytes':
      try {
        if (typeof v !== 'string') throw new TypeError();
        return fromBase64(v);
      } catch {
        throw new JsonPathError(`${path}: expected base64, got ${quote(v)}`);
      }
    case 'enum': {
      if (typeof v === 'number') return integerFromJson(v, -0x80000000, 0x7fffffff, path);
      const n = typeof v === 'string' ? enumInfo(typeName!).values.get(v) : undefined;
      if (n === undefined) throw new JsonPathError(`${path}: ${quote(v)} is not a value of ${typeName}`);
      return n;
    }
    case 'float':
    case 'double': {
      if (v === 'NaN') return Number.NaN;
      if (v === 'Infinity') return Number.POSITIVE_INFINITY;
      if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || Number.isNaN(n))
        throw new JsonPathError(`${path}: expected a number, got ${quote(v)}`);
      return n;
    }
    default:
      throw new JsonPathError(`${path}: unsupported field type ${kind}`);
  }
}

function messageFromJson(obj: unknown, typeName: string, path: string, depth = 0): Msg {
  if (depth > MAX_MESSAGE_DEPTH) {
    const where = path.length > 100 ? `${path.slice(0, 60)}…${path.slice(-30)}` : path;
    throw new JsonPathError(`${where}: messages nest deeper than ${MAX_MESSAGE_DEPTH} levels`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new JsonPathError(`${path}: expected an object, got ${quote(obj)}`);
  }
  const info = messageInfo(typeName);
  const msg = new (messageClass(typeName))() as Msg;
  const oneofs = new Map<string, string>();
  for (const [key, raw] of Object.entries(obj)) {
    const f = info.byName.get(key) ?? info.byName.get(toCamel(key));
    if (f === undefined) throw new JsonPathError(`${path}: unknown field "${key}"`);
    if (raw === null) continue; // proto3 JSON: null means the default / not set
    const fieldPath = `${path}.${f.name}`;
    if (f.oneof !== undefined) {
      const other = oneofs.get(f.oneof);
      if (other !== undefined)
        throw new JsonPathError(`${path}: both "${other}" and "${f.name}" of oneof ${f.oneof} are set`);
      oneofs.set(f.oneof, f.name);
    }
    const convert = (x: unknown, p: string) =>
      f.kind === 'message' ? messageFromJson(x, f.typeName!, p, depth + 1) : scalarFromJson(f.kind, x, f.typeName, p);
    if (f.repeated) {
      if (!Array.isArray(raw)) throw new JsonPathError(`${fieldPath}: expected an array`);
      msg[f.name] = raw.map((x, i) => convert(x, `${fieldPath}[${i}]`));
    } else {
      const value = convert(raw, fieldPath);
      if (f.presence || !isDefault(f.kind, value)) msg[f.name] = value;
    }
  }
  return msg;
}

function fromJsonChecked<T>(obj: unknown, typeName: string, root: string, where: string, frameIndex?: number): T {
  try {
    return messageFromJson(obj, typeName, root) as T;
  } catch (e) {
    if (e instanceof JsonPathError) {
      throw new BackupError('INVALID_JSON', `${where}${e.message}`, frameIndex === undefined ? {} : { frameIndex });
    }
    throw e;
  }
}

/**
 * Builds a Frame from its proto3-JSON object (names in lowerCamelCase or as in the .proto;
 * 64-bit integers as decimal strings or safe numbers; enums by name or number).
 * @throws {BackupError} `INVALID_JSON` naming the path of the first bad value.
 */
export function frameFromJson(json: unknown): Frame {
  return fromJsonChecked<Frame>(json, FRAME_TYPE, 'Frame', '');
}

/**
 * Builds a BackupInfo from its proto3-JSON object.
 * @throws {BackupError} `INVALID_JSON` naming the path of the first bad value.
 */
export function backupInfoFromJson(json: unknown): BackupInfo {
  return fromJsonChecked<BackupInfo>(json, BACKUP_INFO_TYPE, 'BackupInfo', '');
}

/** Removes `//` and `/* *\/` comments and trailing commas outside strings (libsignal's .jsonproto files have both). */
function relaxedJson(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (c === ',') {
      let j = i + 1;
      while (j < n && /\s/.test(text[j]!)) j++;
      if (text[j] !== ']' && text[j] !== '}') out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * Parses a backup in JSON form: libsignal's `.jsonproto` (a JSON array, BackupInfo first, with
 * comments and trailing commas allowed) or JSON Lines (one object per line, BackupInfo first).
 * @throws {BackupError} `INVALID_JSON` (with the frame index and path), `EMPTY_INPUT`.
 * @throws {TypeError} when `text` is not a string.
 */
export function parseJsonBackup(text: string): DecodedBackup {
  assertString(text, 'text');
  const clean = relaxedJson(text).trim();
  if (clean === '') throw new BackupError('EMPTY_INPUT', 'the JSON backup is empty', { frameIndex: 0 });
  let items: unknown[];
  if (clean.startsWith('[')) {
    try {
      items = JSON.parse(clean) as unknown[];
    } catch (e) {
      throw new BackupError('INVALID_JSON', `not valid JSON: ${(e as Error).message}`, { cause: e });
    }
  } else {
    items = clean.split('\n').flatMap((line, lineNo) => {
      if (line.trim() === '') return [];
      try {
        return [JSON.parse(line)];
      } catch (e) {
        throw new BackupError('INVALID_JSON', `line ${lineNo + 1} is not valid JSON: ${(e as Error).message}`, {
          line: lineNo + 1,
          cause: e,
        });
      }
    });
  }
  if (!Array.isArray(items) || items.length === 0) {
    throw new BackupError('EMPTY_INPUT', 'the JSON backup has no BackupInfo', { frameIndex: 0 });
  }
  const backupInfo = fromJsonChecked<BackupInfo>(items[0], BACKUP_INFO_TYPE, 'BackupInfo', 'BackupInfo (item 0): ', 0);
  const frames = items
    .slice(1)
    .map((item, i) => fromJsonChecked<Frame>(item, FRAME_TYPE, 'Frame', `frame ${i + 1}: `, i + 1));
  return { backupInfo, frames };
}
