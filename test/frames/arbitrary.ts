/** fast-check arbitraries of backup messages, generated from the schema descriptor. */

import fc from 'fast-check';
import type { BackupInfo, Frame } from '../../src/frames/codec.js';
import { enumInfo, type FieldInfo, messageInfo } from '../../src/frames/schema.js';

const MAX_UINT64 = (1n << 64n) - 1n;

function scalar(f: FieldInfo): fc.Arbitrary<unknown> {
  switch (f.kind) {
    case 'uint64':
      return fc.oneof(
        fc.bigInt({ min: 0n, max: 1000n }),
        fc.bigInt({ min: 0n, max: MAX_UINT64 }),
        fc.constant(MAX_UINT64 >> 1n),
      );
    case 'uint32':
    case 'fixed32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'int32':
      return fc.integer();
    case 'bool':
      return fc.boolean();
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 6 });
    case 'bytes':
      return fc.uint8Array({ maxLength: 12 });
    case 'float':
      return fc
        .float({ noDefaultInfinity: true, noNaN: true, min: -1e6, max: 1e6 })
        .map((v) => (Object.is(v, -0) ? 0 : v));
    case 'enum':
      return fc.constantFrom(...enumInfo(f.typeName!).values.values());
    default:
      throw new Error(`no arbitrary for ${f.kind}`);
  }
}

const cache = new Map<string, fc.Arbitrary<Record<string, unknown>>>();

/** Arbitrary plain objects of message type `typeName`; nested messages stop at `depth` 0. */
export function messageArbitrary(typeName: string, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const key = `${typeName}@${depth}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const fields = messageInfo(typeName).fields.filter((f) => f.kind !== 'message' || depth > 0);
  const value = (f: FieldInfo): fc.Arbitrary<unknown> => {
    const one = f.kind === 'message' ? messageArbitrary(f.typeName!, depth - 1) : scalar(f);
    return f.repeated ? fc.array(one, { maxLength: 2 }) : one;
  };
  const plain: Record<string, fc.Arbitrary<unknown>> = {};
  const oneofs = new Map<string, FieldInfo[]>();
  for (const f of fields) {
    if (f.oneof === undefined) plain[f.name] = value(f);
    else oneofs.set(f.oneof, [...(oneofs.get(f.oneof) ?? []), f]);
  }
  const parts: fc.Arbitrary<Record<string, unknown>>[] = [fc.record(plain, { requiredKeys: [] })];
  for (const members of oneofs.values()) {
    parts.push(fc.oneof(fc.constant({}), ...members.map((f) => value(f).map((v) => ({ [f.name]: v })))));
  }
  const arb = fc.tuple(...parts).map((objs) => Object.assign({}, ...objs) as Record<string, unknown>);
  cache.set(key, arb);
  return arb;
}

/** Arbitrary frames: one item kind each, nested up to 3 levels below the item. */
export const frameArbitrary: fc.Arbitrary<Frame> = fc
  .constantFrom(...messageInfo('signal.backup.Frame').fields)
  .chain((f) => messageArbitrary(f.typeName!, 3).map((item) => ({ [f.name]: item }) as Frame));

/** Arbitrary BackupInfo messages. */
export const backupInfoArbitrary: fc.Arbitrary<BackupInfo> = messageArbitrary(
  'signal.backup.BackupInfo',
  0,
) as fc.Arbitrary<BackupInfo>;
