/**
 * Signal's own plaintext export ("takeout", clients' notes §4.7): the `main.jsonl` that Signal
 * Desktop writes through libsignal's `BackupJsonExporter`, one JSON object per line, the
 * BackupInfo first, then every frame, after the takeout rules (no disappearing message at all,
 * view-once messages as tombstones; see {@link ExclusionPolicy}).
 *
 * The text follows that exporter byte for byte (checked against it in test/interop/takeout.test.ts):
 * the proto3 JSON mapping (lowerCamelCase names, 64-bit integers as decimal strings, bytes as
 * padded base64, enums by name, unset and default fields left out), with the exporter's own
 * layout: inside each object the plain fields come first in schema order and the members of a
 * `oneof` after them, and floats are written as that exporter does (`0.0`, `1.0`, `0.25`, `1e-7`, `1.5e+20`).
 * `metadata.json` is {@link TAKEOUT_METADATA}.
 */

import { toBase64 } from '../internal/bytes.js';
import type { BackupInfo, Frame } from '../frames/codec.js';
import type { FilePointer } from '../frames/schema.js';
import { BACKUP_INFO_TYPE, enumInfo, FRAME_TYPE, type FieldInfo, messageInfo } from '../frames/schema.js';
import { ExclusionPolicy, type ExclusionReport } from '../policy/exclusions.js';

/** The text of `metadata.json` in Signal's plaintext export, with its newline. */
export const TAKEOUT_METADATA = '{"version":1}\n';

type Msg = Record<string, unknown>;

/** Plain fields in schema order, then the oneof members, per message type. */
const layoutCache = new Map<string, FieldInfo[]>();

function layout(typeName: string): FieldInfo[] {
  let fields = layoutCache.get(typeName);
  if (fields === undefined) {
    const all = messageInfo(typeName).fields;
    fields = [...all.filter((f) => f.oneof === undefined), ...all.filter((f) => f.oneof !== undefined)];
    layoutCache.set(typeName, fields);
  }
  return fields;
}

/**
 * A float32 as libsignal's exporter prints it: the shortest digits that read back as the same
 * float32, as a plain decimal with at least one fractional digit from 1e-6 up to below 1e13, in
 * exponent form outside (`1e-7`, `1.5e+20`).
 */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return 'null'; // JSON has no NaN or infinity; the exporter writes null
  const f = Math.fround(value);
  if (f === 0) return Object.is(f, -0) ? '-0.0' : '0.0';
  const sign = f < 0 ? '-' : '';
  const abs = Math.abs(f);
  let digits = '';
  let exponent = 0; // abs = 0.digits * 10^exponent
  for (let p = 1; p <= 9; p++) {
    const e = abs.toExponential(p - 1); // "d.ddde+x"
    if (Math.fround(Number(e)) === abs || p === 9) {
      const [mantissa, exp] = e.split('e') as [string, string];
      digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
      exponent = Number(exp) + 1;
      break;
    }
  }
  const length = digits.length;
  if (exponent >= length && exponent <= 13) return `${sign}${digits}${'0'.repeat(exponent - length)}.0`;
  if (exponent > 0 && exponent <= 13) return `${sign}${digits.slice(0, exponent)}.${digits.slice(exponent)}`;
  if (exponent > -6 && exponent <= 0) return `${sign}0.${'0'.repeat(-exponent)}${digits}`;
  const e = exponent - 1;
  const power = e < 0 ? `e${e}` : `e+${e}`;
  return length === 1 ? `${sign}${digits}${power}` : `${sign}${digits[0]}.${digits.slice(1)}${power}`;
}

function scalar(f: FieldInfo, v: unknown): string {
  switch (f.kind) {
    case 'uint64':
    case 'int64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return `"${String(v)}"`;
    case 'bytes':
      return `"${toBase64(v as Uint8Array)}"`;
    case 'enum': {
      const name = enumInfo(f.typeName!).names.get(v as number);
      return name === undefined ? String(v) : JSON.stringify(name);
    }
    case 'float':
      return formatFloat32(v as number);
    case 'double':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'string':
      return JSON.stringify(v);
    default:
      return String(v);
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

function message(msg: Msg, typeName: string): string {
  let out = '';
  for (const f of layout(typeName)) {
    if (!Object.hasOwn(msg, f.name)) continue;
    const v = msg[f.name];
    if (v === undefined || v === null) continue;
    const one = (x: unknown) => (f.kind === 'message' ? message(x as Msg, f.typeName!) : scalar(f, x));
    let text: string;
    if (f.repeated) {
      const list = v as unknown[];
      if (list.length === 0) continue;
      text = `[${list.map(one).join(',')}]`;
    } else if (f.presence || !isDefault(f.kind, v)) {
      text = one(v);
    } else {
      continue;
    }
    out += `${out === '' ? '' : ','}"${f.name}":${text}`;
  }
  return `{${out}}`;
}

const FILE_POINTER_TYPE = 'signal.backup.FilePointer';

/**
 * Every FilePointer in a frame (attachments, quote thumbnails, link previews, stickers, contact
 * avatars, long texts, revisions, wallpapers), in field order. Internal (the writer uses it).
 */
export function filePointersOf(frame: Frame): FilePointer[] {
  const out: FilePointer[] = [];
  const walk = (msg: Msg, typeName: string): void => {
    for (const f of messageInfo(typeName).fields) {
      if (f.kind !== 'message' || !Object.hasOwn(msg, f.name)) continue;
      const v = msg[f.name];
      if (v === undefined || v === null) continue;
      for (const x of f.repeated ? (v as Msg[]) : [v as Msg]) {
        if (f.typeName === FILE_POINTER_TYPE) out.push(x as FilePointer);
        else walk(x, f.typeName!);
      }
    }
  };
  walk(frame as Msg, FRAME_TYPE);
  return out;
}

/**
 * One frame as a line of Signal's plaintext export, without the newline and without the takeout
 * rules (see {@link TakeoutExporter} for those).
 * @throws {TypeError} when `frame` is not an object.
 */
export function takeoutFrameLine(frame: Frame): string {
  if (typeof frame !== 'object' || frame === null) throw new TypeError('"frame" expected an object');
  return message(frame as Msg, FRAME_TYPE);
}

/**
 * The BackupInfo as the first line of Signal's plaintext export, without the newline.
 * @throws {TypeError} when `info` is not an object.
 */
export function takeoutBackupInfoLine(info: BackupInfo): string {
  if (typeof info !== 'object' || info === null) throw new TypeError('"info" expected an object');
  return message(info as Msg, BACKUP_INFO_TYPE);
}

/**
 * Writes Signal's plaintext export of one backup, frame by frame, in bounded memory: the
 * BackupInfo line first ({@link firstLine}), then {@link line} for each frame in stream order.
 */
export class TakeoutExporter {
  /** The BackupInfo line, with its newline. */
  readonly firstLine: string;
  readonly #policy: ExclusionPolicy;

  /**
   * @param backupInfo the backup's header; its `backupTimeMs` is the time the rules judge against.
   * @throws {TypeError} when `backupInfo` is not an object.
   */
  constructor(backupInfo: BackupInfo) {
    this.firstLine = `${takeoutBackupInfoLine(backupInfo)}\n`;
    const time = backupInfo.backupTimeMs;
    this.#policy = new ExclusionPolicy('takeout', typeof time === 'bigint' ? time : BigInt(Number(time ?? 0)));
  }

  /**
   * The line of one frame, with its newline, after the takeout rules; `undefined` when the
   * export leaves the frame out (a disappearing message).
   * @throws {TypeError} when `frame` is not an object.
   */
  line(frame: Frame): string | undefined {
    const out = this.sanitize(frame);
    return out === undefined ? undefined : `${takeoutFrameLine(out)}\n`;
  }

  /**
   * The frame as the export keeps it (the same object when nothing changes, else a copy), or
   * `undefined` when it leaves the frame out. {@link line} is `takeoutFrameLine` of this.
   * @throws {TypeError} when `frame` is not an object.
   */
  sanitize(frame: Frame): Frame | undefined {
    if (typeof frame !== 'object' || frame === null) throw new TypeError('"frame" expected an object');
    if (frame.chatItem == null) return frame;
    const item = this.#policy.apply(frame.chatItem);
    if (item === undefined) return undefined;
    return item === frame.chatItem ? frame : { chatItem: item };
  }

  /** What the takeout rules dropped and stripped so far. */
  get report(): ExclusionReport {
    return this.#policy.report;
  }
}
