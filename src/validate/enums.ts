/** Enum values as libsignal reads them: a number the schema does not name counts as 0. */

import { descriptor } from '../frames/generated/descriptor.js';

const known = new Map<string, Set<number>>();
for (const [name, values] of Object.entries(descriptor.enums)) known.set(name, new Set(Object.values(values)));

/** The value of enum field `v` of type `enumName` (short name after `signal.backup.`), 0 if unknown. */
export function enumValue(v: number | null | undefined, enumName: string): number {
  if (v === null || v === undefined) return 0;
  const set = known.get(`signal.backup.${enumName}`);
  return set?.has(v) ? v : 0;
}

/** True when `v` is a number the enum names. */
export function isKnownEnum(v: number, enumName: string): boolean {
  return known.get(`signal.backup.${enumName}`)?.has(v) ?? true;
}
