/**
 * The validator's schema walk over a decoded record: fields the schema does not know, enum
 * numbers without a name and, for records handed over as objects, strings that cannot be written
 * as UTF-8. A plan per message type is compiled once from the descriptor (only the fields worth
 * visiting), and paths are spelled out only when there is something to report.
 *
 * It also finds which string field of an undecodable record is not UTF-8, by reading the wire
 * format directly (the decoder only says that one of them is not).
 */

import { descriptor } from '../frames/generated/descriptor.js';
import { shortName } from '../frames/schema.js';
import { readFields, readVarint32 } from '../internal/wire.js';
import { isUtf8 } from '../internal/bytes.js';

/** Names of protobuf wire types, as the protobuf encoding guide spells them. */
const WIRE_TYPE_NAMES = ['varint', 'i64', 'len', 'sgroup', 'egroup', 'i32', 'wire type 6', 'wire type 7'];

const KIND_MESSAGE = 0;
const KIND_ENUM = 1;
const KIND_STRING = 2;

interface PlanField {
  name: string;
  kind: number;
  repeated: boolean;
  /** Message fields: the plan of the field's type (filled after all plans exist). */
  plan: Plan | undefined;
  typeName: string;
  /** Enum fields: the numbers the enum names. */
  named: Set<number> | undefined;
}

interface Plan {
  /** The fields worth visiting, by name. */
  fields: Map<string, PlanField>;
}

const plans = new Map<string, Plan>();

function planOf(typeName: string): Plan {
  let plan = plans.get(typeName);
  if (plan !== undefined) return plan;
  plan = { fields: new Map() };
  plans.set(typeName, plan);
  for (const [name, , kind, t, flags] of descriptor.messages[typeName] ?? []) {
    const k = kind === 'message' ? KIND_MESSAGE : kind === 'enum' ? KIND_ENUM : kind === 'string' ? KIND_STRING : -1;
    if (k < 0) continue;
    plan.fields.set(name, {
      name,
      kind: k,
      repeated: (flags & 1) !== 0,
      plan: k === KIND_MESSAGE ? planOf(t!) : undefined,
      typeName: t ?? '',
      named: k === KIND_ENUM ? new Set(Object.values(descriptor.enums[t!] ?? {})) : undefined,
    });
  }
  return plan;
}

/** What the walk found, in the validator's terms. */
export interface ScanFinding {
  kind: 'field' | 'enum' | 'utf16';
  message: string;
}

type Msg = Record<string, unknown> & { $unknowns?: Uint8Array[] };

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when a JavaScript string holds a lone surrogate, which has no UTF-8 form. */
function hasLoneSurrogate(s: string): boolean {
  return SURROGATE.test(s) && LONE_SURROGATE.test(s);
}

const NOTHING: ScanFinding[] = [];

/** One walk at a time (walks are synchronous): {@link scanRecord} reuses a single instance. */
class Walk {
  readonly names: string[] = [];
  readonly indexes: number[] = [];
  out: ScanFinding[] = NOTHING;
  root = '';
  strings = false;

  report(finding: ScanFinding): void {
    if (this.out === NOTHING) this.out = [];
    this.out.push(finding);
  }

  path(extraName?: string, extraIndex = -1): string {
    let p = this.root;
    for (let i = 0; i < this.names.length; i++) {
      p += `.${this.names[i]}`;
      if (this.indexes[i]! >= 0) p += `[${this.indexes[i]}]`;
    }
    if (extraName !== undefined) p += extraIndex >= 0 ? `.${extraName}[${extraIndex}]` : `.${extraName}`;
    return p;
  }

  message(msg: Msg, plan: Plan): void {
    if (Object.hasOwn(msg, '$unknowns') && msg.$unknowns !== undefined) {
      const path = this.path();
      for (const raw of msg.$unknowns) {
        const tag = readVarint32(raw, 0);
        const field = tag.ok ? Math.floor(tag.value / 8) : 0;
        const wireType = tag.ok ? tag.value % 8 : 0;
        this.report({ kind: 'field', message: `${path}: unknown field ${field} (${WIRE_TYPE_NAMES[wireType]})` });
      }
    }
    // Records are sparse: look up the keys the object has rather than probing every field of the
    // schema (about twice as fast on chat items). Findings within one message therefore come in
    // the object's key order (for a decoded record, wire order).
    const fields = plan.fields;
    for (const key in msg) {
      const f = fields.get(key);
      if (f === undefined || (f.kind === KIND_STRING && !this.strings)) continue;
      const value = msg[key];
      if (value === undefined || value === null || !Object.hasOwn(msg, key)) continue;
      if (f.repeated) {
        const list = value as unknown[];
        for (let j = 0; j < list.length; j++) this.value(f, list[j], j);
      } else this.value(f, value, -1);
    }
  }

  value(f: PlanField, v: unknown, index: number): void {
    if (f.kind === KIND_MESSAGE) {
      if (v === null || typeof v !== 'object') return;
      this.names.push(f.name);
      this.indexes.push(index);
      this.message(v as Msg, f.plan!);
      this.names.pop();
      this.indexes.pop();
    } else if (f.kind === KIND_ENUM) {
      if (!f.named!.has(v as number)) {
        this.report({
          kind: 'enum',
          message: `${this.path(f.name, index)}: unknown ${shortName(f.typeName)} value ${String(v)}`,
        });
      }
    } else if (typeof v === 'string' && hasLoneSurrogate(v)) {
      this.report({
        kind: 'utf16',
        message: `${this.path(f.name, index)} holds a lone surrogate, which cannot be written as UTF-8`,
      });
    }
  }
}

/**
 * Walks a decoded record of message type `typeName` (full name) whose paths start at `root`
 * (`Frame` or `BackupInfo`). With `strings`, string fields are checked for lone surrogates too
 * (only records given as objects can hold them; decoded bytes never do).
 */
export function scanRecord(record: object, typeName: string, root: string, strings: boolean): ScanFinding[] {
  const w = walk;
  w.root = root;
  w.strings = strings;
  w.out = NOTHING;
  w.names.length = 0;
  w.indexes.length = 0;
  w.message(record as Msg, planOf(typeName));
  const found = w.out;
  w.out = NOTHING;
  return found;
}
const walk = /* @__PURE__ */ new Walk();

/**
 * The path of the first string field of an encoded message of type `typeName` whose bytes are not
 * UTF-8 (e.g. `Frame.chatItem.standardMessage.text.body`), or undefined when none is found.
 */
export function findInvalidUtf8(bytes: Uint8Array, typeName: string, root: string): string | undefined {
  const fields = readFields(bytes);
  if (fields === undefined) return undefined;
  const rows = descriptor.messages[typeName] ?? [];
  const seen = new Map<number, number>();
  for (const wf of fields) {
    if (wf.wireType !== 2 || wf.bytes === undefined) continue;
    const row = rows.find((r) => r[1] === wf.field);
    if (row === undefined) continue;
    const [name, , kind, t, flags] = row;
    const n = seen.get(wf.field) ?? 0;
    seen.set(wf.field, n + 1);
    const path = (flags & 1) !== 0 ? `${root}.${name}[${n}]` : `${root}.${name}`;
    if (kind === 'string' && !isUtf8(wf.bytes)) return path;
    if (kind === 'message') {
      const inner = findInvalidUtf8(wf.bytes, t!, path);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}
