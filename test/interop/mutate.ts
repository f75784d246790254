/**
 * Seeded mutation of decoded backups for the differential tests: frame-level edits (delete,
 * duplicate, move, rewire references) and field-level edits found by walking the schema (zero or
 * corrupt ids and keys, enums out of range, dropped sub-messages, timers around the 24 h rule).
 */

import { descriptor } from '../../src/frames/generated/descriptor.js';
import type { BackupInfo, Frame } from '../../src/frames/codec.js';

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Backup {
  backupInfo: BackupInfo;
  frames: Frame[];
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
    if (f.recipient) out.push(BigInt(f.recipient.id as bigint));
    if (f.chat) out.push(BigInt(f.chat.id as bigint));
  }
  return out.length ? out : [1n];
}

/** Mutates one field somewhere in the backup. Returns a label, or undefined if nothing applied. */
function mutateField(b: Backup, r: () => number): string | undefined {
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
      const op = pick(r, ['empty', 'drop', 'x']);
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

/** One seeded mutant of `base` (which is not modified) and a label saying what changed. */
export function mutate(base: Backup, seed: number): { backup: Backup; label: string } {
  const r = rng(seed);
  const b: Backup = { backupInfo: clone(base.backupInfo), frames: base.frames.map(clone) };
  const n = b.frames.length;
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
  }
  label ??= mutateField(b, r) ?? mutateField(b, r) ?? 'no change';
  return { backup: b, label };
}
