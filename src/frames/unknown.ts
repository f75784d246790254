/**
 * Finds what a decoded message holds that this schema does not know: fields with numbers the
 * schema lacks (kept byte for byte in each message's `$unknowns` and written back on encode) and
 * enum numbers without a name. Each is reported with a path a person can read, e.g.
 * `Frame.chatItem.standardMessage: unknown field 99 (varint)`.
 */

import { readVarint32 } from '../internal/wire.js';
import type { BackupInfo, Frame } from './codec.js';
import { BACKUP_INFO_TYPE, enumInfo, FRAME_TYPE, messageInfo, shortName } from './schema.js';

/** Names of protobuf wire types, as the protobuf encoding guide spells them. */
const WIRE_TYPE_NAMES = ['varint', 'i64', 'len', 'sgroup', 'egroup', 'i32', 'wire type 6', 'wire type 7'];

/** Something in a decoded message that the schema does not describe. */
export interface UnknownField {
  /** Dotted path from the top message, e.g. `Frame.chatItem.standardMessage.attachments[0]`. */
  path: string;
  /** `field`: a field number the message type lacks; `enum`: an enum number without a name. */
  kind: 'field' | 'enum';
  /** The unknown field number (kind `field`) or the field holding the enum (kind `enum`). */
  field: number;
  /** Wire type of an unknown field (0 varint, 1 i64, 2 len, 5 i32). */
  wireType?: number;
  /** The unnamed enum number (kind `enum`). */
  value?: number;
  /** One line for people: `<path>: unknown field 99 (varint)`. */
  message: string;
}

type Msg = Record<string, unknown> & { $unknowns?: Uint8Array[] };

function walk(msg: Msg, typeName: string, path: string, out: UnknownField[]): void {
  const unknowns = Object.hasOwn(msg, '$unknowns') ? msg.$unknowns : undefined;
  if (unknowns !== undefined) {
    for (const raw of unknowns) {
      const tag = readVarint32(raw, 0);
      const field = tag.ok ? Math.floor(tag.value / 8) : 0;
      const wireType = tag.ok ? tag.value % 8 : 0;
      out.push({
        path,
        kind: 'field',
        field,
        wireType,
        message: `${path}: unknown field ${field} (${WIRE_TYPE_NAMES[wireType]})`,
      });
    }
  }
  for (const f of messageInfo(typeName).fields) {
    if (f.kind !== 'message' && f.kind !== 'enum') continue;
    const value = msg[f.name];
    if (value === undefined || value === null || !Object.hasOwn(msg, f.name)) continue;
    const fieldPath = `${path}.${f.name}`;
    const items = f.repeated ? (value as unknown[]) : [value];
    for (let i = 0; i < items.length; i++) {
      const itemPath = f.repeated ? `${fieldPath}[${i}]` : fieldPath;
      if (f.kind === 'message') {
        walk(items[i] as Msg, f.typeName!, itemPath, out);
      } else {
        const n = items[i] as number;
        if (!enumInfo(f.typeName!).names.has(n)) {
          out.push({
            path: itemPath,
            kind: 'enum',
            field: f.id,
            value: n,
            message: `${itemPath}: unknown ${shortName(f.typeName!)} value ${n}`,
          });
        }
      }
    }
  }
}

/**
 * Lists the unknown fields and unnamed enum values in a decoded Frame, with readable paths
 * starting at `Frame`. An empty array means the frame is fully described by this schema.
 * @throws {TypeError} when `frame` is not an object.
 */
export function findUnknownFields(frame: Frame): UnknownField[] {
  if (typeof frame !== 'object' || frame === null) throw new TypeError('"frame" expected an object');
  const out: UnknownField[] = [];
  walk(frame as Msg, FRAME_TYPE, 'Frame', out);
  return out;
}

/**
 * Lists the unknown fields and unnamed enum values in a decoded BackupInfo (paths start at `BackupInfo`).
 * @throws {TypeError} when `info` is not an object.
 */
export function findUnknownBackupInfoFields(info: BackupInfo): UnknownField[] {
  if (typeof info !== 'object' || info === null) throw new TypeError('"info" expected an object');
  const out: UnknownField[] = [];
  walk(info as Msg, BACKUP_INFO_TYPE, 'BackupInfo', out);
  return out;
}
