/**
 * A storage that breaks on purpose: it performs the first `failAfter` operations and then fails
 * every later one, as if the process had died there. Used to prove that an interrupted backup
 * run never damages an earlier snapshot and that a re-run completes.
 */

import { BackupError } from '../errors.js';
import { type ByteSource, iterateBytes } from '../internal/stream.js';
import { type BackupStorage, type StorageEntry, temporaryName } from '../incremental/storage.js';

/** Options of {@link withFaults}. */
export interface FaultOptions {
  /** Operations allowed before the first failure (`Infinity` never fails; use it to count them). */
  failAfter: number;
  /**
   * When a `put` is the failing operation, first write what was read so far under a temporary
   * sibling name, as a crash in the middle of a write leaves it on disk. Default true.
   */
  leaveDebris?: boolean;
}

/** A storage wrapped by {@link withFaults}. */
export interface FaultyStorage extends BackupStorage {
  /** Operations attempted so far (a `put` counts two: opening and committing). */
  readonly operations: number;
  /** True once an operation has failed. */
  readonly failed: boolean;
}

/**
 * Wraps `inner` so that operation number `failAfter + 1` and all after it throw
 * `BackupError('STORAGE_ERROR')`. A `put` is two operations (start, commit): failing at the
 * commit reads the data first, so the failure lands mid-write.
 *
 * @throws {RangeError} when `failAfter` is negative or not an integer (Infinity is allowed).
 */
export function withFaults(inner: BackupStorage, options: FaultOptions): FaultyStorage {
  const { failAfter } = options;
  if (typeof failAfter !== 'number' || failAfter < 0 || (Number.isFinite(failAfter) && !Number.isInteger(failAfter))) {
    throw new RangeError(`"failAfter" expected a non-negative integer or Infinity, got ${String(failAfter)}`);
  }
  const debris = options.leaveDebris ?? true;
  let operations = 0;
  let failed = false;
  const step = (what: string): void => {
    operations++;
    if (failed || operations > failAfter) {
      failed = true;
      throw new BackupError('STORAGE_ERROR', `injected storage fault at operation ${operations} (${what})`);
    }
  };
  return {
    get operations() {
      return operations;
    },
    get failed() {
      return failed;
    },
    async put(name: string, data: ByteSource): Promise<number> {
      step(`put ${name}`);
      const parts: Uint8Array[] = [];
      for await (const chunk of iterateBytes(data, 'data')) parts.push(chunk);
      try {
        step(`commit ${name}`);
      } catch (e) {
        if (debris && parts.length > 0) {
          const base = name.split('/').pop()!;
          const dir = name.slice(0, name.length - base.length);
          await inner.put(temporaryName(`${dir}${base}`, 'crash'), [
            parts[0]!.subarray(0, Math.ceil(parts[0]!.length / 2)),
          ]);
        }
        throw e;
      }
      return inner.put(name, parts);
    },
    async *get(name: string): AsyncGenerator<Uint8Array> {
      step(`get ${name}`);
      yield* inner.get(name);
    },
    async stat(name: string): Promise<number | undefined> {
      step(`stat ${name}`);
      return inner.stat(name);
    },
    async list(prefix: string): Promise<StorageEntry[]> {
      step(`list ${prefix}`);
      return inner.list(prefix);
    },
    async children(prefix: string): Promise<string[]> {
      step(`children ${prefix}`);
      return inner.children(prefix);
    },
    async delete(name: string): Promise<void> {
      step(`delete ${name}`);
      return inner.delete(name);
    },
    async rename(from: string, to: string): Promise<void> {
      step(`rename ${from}`);
      return inner.rename(from, to);
    },
    async create(name: string, bytes: Uint8Array): Promise<boolean> {
      step(`create ${name}`);
      return inner.create(name, bytes);
    },
    ...(inner.processes === undefined ? {} : { processes: inner.processes }),
  };
}
