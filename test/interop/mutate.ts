/**
 * Seeded mutation of decoded backups for the differential tests: frame-level edits (delete,
 * duplicate, move, rewire references) and field-level edits found by walking the schema (zero or
 * corrupt ids and keys, enums out of range, dropped sub-messages, timers around the 24 h rule).
 */

import { descriptor } from '../../src/frames/generated/descriptor.js';
import { type BackupInfo, encodeBackupInfo, encodeFrame, type Frame } from '../../src/frames/codec.js';
import { mulberry32 } from '../helpers/prng.js';

export interface Backup {
  backupInfo: BackupInfo;
  frames: Frame[];
}

/** A mutant: the edited backup, what changed, and byte edits to apply after encoding. */
export interface Mutant {
  backup: Backup;
  label: string;
  /** Same-length byte replacements (marker -> bytes) for what no decoded value can express. */
  rawEdits?: [marker: Uint8Array, replacement: Uint8Array][];
}

/** A string no corpus backup holds, replaced after encoding by a byte sequence of the same length. */
const MARKER = '\u0007sbackup-utf8\u0007';
const MARKER_BYTES = new TextEncoder().encode(MARKER);

/** Byte sequences that are not UTF-8 (RFC 3629 section 3), padded with ASCII to the marker's length. */
const INVALID_UTF8: [string, number[]][] = [
  ['stray continuation byte', [0x80]],
  ['byte 0xFF', [0xff]],
  ['overlong encoding of "/"', [0xc0, 0xaf]],
  ['encoded surrogate U+D800', [0xed, 0xa0, 0x80]],
  ['code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['truncated 3-byte sequence', [0xe2, 0x82]],
];

function invalidUtf8Edit(r: () => number): { label: string; edit: [Uint8Array, Uint8Array] } {
  const [label, seq] = pick(r, INVALID_UTF8);
  const out = new Uint8Array(MARKER_BYTES.length).fill(0x61);
  // Truncated sequences only stay truncated at the very end of the string.
  const at = label.startsWith('truncated') ? out.length - seq.length : Math.floor(r() * (out.length - seq.length + 1));
  out.set(seq, at);
  return { label, edit: [MARKER_BYTES, out] };
}

function replaceAll(bytes: Uint8Array, marker: Uint8Array, replacement: Uint8Array): Uint8Array {
  let out = bytes;
  outer: for (let i = 0; i + marker.length <= out.length; i++) {
    for (let j = 0; j < marker.length; j++) if (out[i + j] !== marker[j]) continue outer;
    if (out === bytes) out = Uint8Array.from(bytes);
    out.set(replacement, i);
    i += marker.length - 1;
  }
  return out;
}

/**
 * Encodes a mutant as the validators receive it: BackupInfo and frames, with the raw edits applied.
 * @throws {TypeError | RangeError} when the encoder refuses a mutated value.
 */
export function encodeMutant(m: Mutant): { info: Uint8Array; frames: Uint8Array[] } {
  let info = encodeBackupInfo(m.backup.backupInfo);
  let frames = m.backup.frames.map(encodeFrame);
  for (const [marker, replacement] of m.rawEdits ?? []) {
    info = replaceAll(info, marker, replacement);
    frames = frames.map((f) => replaceAll(f, marker, replacement));
  }
  return { info, frames };
}

type Obj = Record<string, unknown>;
interface Slot {
  parent: Obj;
  name: string;
  kind: string;
  typeName: string | null;
  repeated: boolean;
  presence: boolean;
  index?: number;
}

function slots(msg: Obj, typeName: string, out: Slot[]): void {
  for (const [name, , kind, t, flags] of descriptor.messages[typeName] ?? []) {
    const repeated = (flags & 1) !== 0;
    const presence = (flags & 2) !== 0;
    const v = msg[name];
    out.push({ parent: msg, name, kind, typeName: t, repeated, presence });
    if (kind === 'message' && v !== null && v !== undefined) {
      if (repeated) for (const x of v as Obj[]) slots(x, t!, out);
      else slots(v as Obj, t!, out);
    }
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Ids present in a backup (recipients and chats), to rewire references to plausible values. */
function ids(b: Backup): bigint[] {
  const out: bigint[] = [];
  for (const f of b.frames) {
    // An earlier mutation (depth > 1) may have left an empty recipient or chat.
    if (f.recipient) out.push(BigInt((f.recipient.id ?? 0n) as bigint));
    if (f.chat) out.push(BigInt((f.chat.id ?? 0n) as bigint));
  }
  return out.length ? out : [1n];
}

type Edits = [Uint8Array, Uint8Array][];

/** Replaces a string (or one item of a repeated string) with `v`. */
function setString(cur: unknown, v: string, repeated: boolean): unknown {
  if (!repeated) return v;
  const list = [...((cur as string[] | undefined) ?? [])];
  list[list.length > 0 ? list.length - 1 : 0] = v;
  return list;
}

/** Makes a string field carry bytes that are not UTF-8 once encoded. */
function utf8Mutation(s: Slot, where: string, r: () => number, edits: Edits): string {
  const { label, edit } = invalidUtf8Edit(r);
  s.parent[s.name] = setString(s.parent[s.name], MARKER, s.repeated);
  edits.push(edit);
  return `invalid UTF-8 (${label}) in string ${where}`;
}

/** Puts bytes that are not UTF-8 into a string field that is set, somewhere in the backup. */
function mutateUtf8(b: Backup, r: () => number, edits: Edits): string | undefined {
  const frameIdx = Math.floor(r() * (b.frames.length + 1)) - 1;
  const all: Slot[] = [];
  const root = frameIdx < 0 ? (b.backupInfo as Obj) : (b.frames[frameIdx] as Obj);
  slots(root, frameIdx < 0 ? 'signal.backup.BackupInfo' : 'signal.backup.Frame', all);
  const strings = all.filter((s) => s.kind === 'string' && s.parent[s.name] !== null && s.parent[s.name] !== undefined);
  if (!strings.length) return undefined;
  const slot = pick(r, strings);
  return utf8Mutation(slot, `frame ${frameIdx + 1} ${slot.name}`, r, edits);
}

/** Byte offsets in a zkgroup ReceiptCredentialPresentation (see src/validate/receipt.ts). */
const POINTS_END = 161;
const PROOF_LENGTH_AT = 161;

/**
 * Corrupts the receipt credential presentation of a gift badge (if the backup has one): its
 * reserved byte, a proof point (a flipped bit, zeros = the identity, all ones = non-canonical),
 * the proof length (longer or shorter), its total length, or the fixed tail (structurally harmless).
 */
export function mutatePresentation(b: Backup, r: () => number): string | undefined {
  const badges = b.frames
    .map((f) => f.chatItem?.giftBadge)
    .filter((g) => g?.receiptCredentialPresentation && g.receiptCredentialPresentation.length > 0);
  if (!badges.length) return undefined;
  const g = pick(r, badges)!;
  const p = Uint8Array.from(g.receiptCredentialPresentation!);
  const op = pick(r, [
    'reserved',
    'flip-point',
    'zero-point',
    'ones-point',
    'proof-length',
    'shorter-proof',
    'truncate',
    'extend',
    'flip-tail',
  ]);
  const point = 1 + 32 * Math.floor(r() * 5);
  let out: Uint8Array = p;
  if (op === 'reserved') p[0] = 1 + Math.floor(r() * 255);
  else if (op === 'flip-point') p[1 + Math.floor(r() * (POINTS_END - 1))]! ^= 1 << Math.floor(r() * 8);
  else if (op === 'zero-point') p.fill(0, point, point + 32);
  else if (op === 'ones-point') p.fill(0xff, point, point + 32);
  else if (op === 'proof-length') p[PROOF_LENGTH_AT + Math.floor(r() * 8)]! ^= 1 << Math.floor(r() * 8);
  else if (op === 'shorter-proof') p[PROOF_LENGTH_AT]! = Math.max(0, p[PROOF_LENGTH_AT]! - 1 - Math.floor(r() * 40));
  else if (op === 'truncate') out = p.slice(0, p.length - 1 - Math.floor(r() * 40));
  else if (op === 'extend') out = Uint8Array.of(...p, 0);
  else p[p.length - 1 - Math.floor(r() * 32)]! ^= 1 << Math.floor(r() * 8);
  g.receiptCredentialPresentation = out;
  return `gift badge presentation ${op}`;
}

/** Mutates one field somewhere in the backup. Returns a label, or undefined if nothing applied. */
function mutateField(b: Backup, r: () => number, edits: Edits): string | undefined {
  const frameIdx = Math.floor(r() * (b.frames.length + 1)) - 1;
  const all: Slot[] = [];
  const root = frameIdx < 0 ? (b.backupInfo as Obj) : (b.frames[frameIdx] as Obj);
  slots(root, frameIdx < 0 ? 'signal.backup.BackupInfo' : 'signal.backup.Frame', all);
  const present = all.filter((s) => {
    const v = s.parent[s.name];
    return v !== null && v !== undefined && !(s.repeated && (v as unknown[]).length === 0);
  });
  const candidates = r() < 0.8 && present.length ? present : all;
  if (!candidates.length) return undefined;
  const s = pick(r, candidates);
  const where = `frame ${frameIdx + 1} ${s.name}`;
  const v = s.parent[s.name];
  if (s.repeated) {
    const list = (v as unknown[] | undefined) ?? [];
    if (list.length === 0) return undefined;
    const op = pick(r, ['remove', 'duplicate']);
    const i = Math.floor(r() * list.length);
    if (op === 'remove') list.splice(i, 1);
    else list.splice(i, 0, clone(list[i]));
    s.parent[s.name] = list;
    return `${op} ${where}[${i}]`;
  }
  switch (s.kind) {
    case 'bytes': {
      const cur = (v as Uint8Array | null | undefined) ?? new Uint8Array(0);
      const op = pick(r, ['empty', 'truncate', 'extend', 'zero', 'drop']);
      if (op === 'drop') s.parent[s.name] = s.presence ? null : new Uint8Array(0);
      else if (op === 'empty') s.parent[s.name] = new Uint8Array(0);
      else if (op === 'truncate') s.parent[s.name] = cur.slice(0, Math.max(0, cur.length - 1 - Math.floor(r() * 4)));
      else if (op === 'extend') s.parent[s.name] = Uint8Array.of(...cur, 0x01);
      else s.parent[s.name] = new Uint8Array(cur.length);
      return `${op} bytes ${where}`;
    }
    case 'uint64':
    case 'int64': {
      const op = pick(r, ['zero', 'rewire', 'random', 'huge', 'drop']);
      let nv: bigint | null;
      if (op === 'zero') nv = 0n;
      else if (op === 'rewire') nv = pick(r, ids(b));
      else if (op === 'random') nv = BigInt(Math.floor(r() * 40));
      else if (op === 'huge') nv = pick(r, [8_640_000_000_000_001n, (1n << 63n) - 1n, 86_400_000n - 1n, 86_400_000n]);
      else nv = s.presence ? null : 0n;
      s.parent[s.name] = nv;
      return `${op} ${where}=${nv}`;
    }
    case 'enum': {
      const nv = pick(r, [0, 1, 2, 3, 99]);
      s.parent[s.name] = nv;
      return `enum ${where}=${nv}`;
    }
    case 'message': {
      if (v === null || v === undefined) {
        s.parent[s.name] = {};
        return `add empty ${where}`;
      }
      s.parent[s.name] = null;
      return `drop ${where}`;
    }
    case 'bool':
      s.parent[s.name] = !v;
      return `flip ${where}`;
    case 'string': {
      const op = pick(r, ['empty', 'drop', 'x', 'invalid-utf8', 'lone-surrogate']);
      if (op === 'invalid-utf8') return utf8Mutation(s, where, r, edits);
      if (op === 'lone-surrogate') {
        // The encoder writes a lone surrogate as its 3-byte form, which is not UTF-8.
        s.parent[s.name] = setString(s.parent[s.name], 'a\uD800b', s.repeated);
        return `lone surrogate in string ${where}`;
      }
      s.parent[s.name] = op === 'empty' ? '' : op === 'drop' ? (s.presence ? null : '') : 'x';
      return `${op} string ${where}`;
    }
    case 'uint32': {
      const nv = pick(r, [0, 1, 2400, 5]);
      s.parent[s.name] = nv;
      return `uint32 ${where}=${nv}`;
    }
    default:
      return undefined;
  }
}

/** Moves chat items' disappearing timers around the 24 h rule. */
function mutateTimer(b: Backup, r: () => number): string | undefined {
  const items = b.frames.filter((f) => f.chatItem);
  if (!items.length) return undefined;
  const ci = pick(r, items).chatItem as Obj;
  const day = 86_400_000n;
  const t = BigInt((b.backupInfo.backupTimeMs as bigint | undefined) ?? 0n);
  const op = pick(r, ['short', 'day', 'long', 'started-soon', 'started-late', 'start-only', 'clear']);
  if (op === 'short') ci.expiresInMs = day - 1n;
  else if (op === 'day') ci.expiresInMs = day;
  else if (op === 'long') ci.expiresInMs = 7n * day;
  else if (op === 'started-soon') {
    ci.expiresInMs = day;
    ci.expireStartDate = t - 1000n;
  } else if (op === 'started-late') {
    ci.expiresInMs = day;
    ci.expireStartDate = t + 1000n;
  } else if (op === 'start-only') {
    ci.expireStartDate = t;
    ci.expiresInMs = null;
  } else {
    ci.expiresInMs = null;
    ci.expireStartDate = null;
  }
  return `timer ${op}`;
}

/** One seeded mutant of `base` (which is not modified), a label saying what changed, and byte edits. */
export function mutate(base: Backup, seed: number): Mutant {
  const r = mulberry32(seed);
  const b: Backup = { backupInfo: clone(base.backupInfo), frames: base.frames.map(clone) };
  const n = b.frames.length;
  const edits: Edits = [];
  const op = r();
  let label: string | undefined;
  if (op < 0.12 && n > 0) {
    const i = Math.floor(r() * n);
    b.frames.splice(i, 1);
    label = `delete frame ${i + 1}`;
  } else if (op < 0.22 && n > 0) {
    const i = Math.floor(r() * n);
    b.frames.splice(i, 0, clone(b.frames[i]!));
    label = `duplicate frame ${i + 1}`;
  } else if (op < 0.32 && n > 1) {
    const i = Math.floor(r() * n);
    const [f] = b.frames.splice(i, 1);
    const j = Math.floor(r() * n);
    b.frames.splice(j, 0, f!);
    label = `move frame ${i + 1} to ${j + 1}`;
  } else if (op < 0.42) {
    label = mutateTimer(b, r);
  } else if (op < 0.46) {
    label = mutateUtf8(b, r, edits);
  } else if (op < 0.5) {
    label = mutatePresentation(b, r);
  }
  label ??= mutateField(b, r, edits) ?? mutateField(b, r, edits) ?? 'no change';
  return { backup: b, label, ...(edits.length ? { rawEdits: edits } : {}) };
}

/**
 * `depth` seeded mutations applied one after the other (depth 1 is {@link mutate}); labels are
 * joined with ` + ` and byte edits collected.
 */
export function mutateMany(base: Backup, seed: number, depth: number): Mutant {
  let m = mutate(base, seed);
  const r = mulberry32(seed ^ 0x5bd1e995);
  for (let i = 1; i < depth; i++) {
    const next = mutate(m.backup, Math.floor(r() * 2 ** 31));
    const edits = [...(m.rawEdits ?? []), ...(next.rawEdits ?? [])];
    m = { backup: next.backup, label: `${m.label} + ${next.label}`, ...(edits.length ? { rawEdits: edits } : {}) };
  }
  return m;
}
