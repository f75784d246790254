/** What every CLI command shares: argument parsing, exit codes, reading secrets, atomic output. */

import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isBackupError } from '../errors.js';
import { fromHex, uuidToBytes } from '../internal/bytes.js';
import { deriveBackupId, deriveBackupKey, deriveMessageBackupKey, type SplitKey } from '../keys/hierarchy.js';
import { normalizeRecoveryKey } from '../keys/recoveryKey.js';

/** Exit status of a command: 0 ok, 1 data rejected or problems found, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_REJECTED = 1;
export const EXIT_USAGE = 2;

/** A mistake in how the command was called: exits 2 with the message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Input and output of a running command (injectable for tests). */
export interface CliContext {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  readStdin(): Promise<string>;
}

export interface Command {
  /** One-line summary for `sbackup --help`. */
  summary: string;
  /** Full usage text. */
  usage: string;
  run(args: string[], ctx: CliContext): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `args` strictly; unknown options and missing values are usage errors. */
export function parse<O extends Options>(args: string[], options: O, positionals: { min: number; max: number }) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError(`missing argument (expected ${positionals.min}, got ${n})`);
  if (n > positionals.max) throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}"`);
  return parsed;
}

/** Parses hex for option `--name`, checking its length in bytes when `length` is given. */
export function hexOption(value: string | undefined, name: string, length?: number): Uint8Array | undefined {
  if (value === undefined) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = fromHex(value.trim(), name);
  } catch {
    throw new UsageError(`--${name}: expected hex digits`);
  }
  if (length !== undefined && bytes.length !== length) {
    throw new UsageError(`--${name}: expected ${length} bytes (${2 * length} hex digits), got ${bytes.length}`);
  }
  return bytes;
}

export function requireOption<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new UsageError(`missing option --${name}`);
  return value;
}

export function aciOption(value: string | undefined): Uint8Array | undefined {
  if (value === undefined) return undefined;
  try {
    return uuidToBytes(value.trim(), 'aci');
  } catch {
    throw new UsageError('--aci: expected a UUID like 01234567-89ab-cdef-0123-456789abcdef');
  }
}

/**
 * The recovery key from `--aep <key>`, `--aep -` (first line of stdin) or the `SBACKUP_AEP`
 * environment variable, normalized. Never echoes the key in an error.
 */
export async function recoveryKeyOption(value: string | undefined, ctx: CliContext): Promise<string> {
  let raw = value;
  if (raw === '-') raw = (await ctx.readStdin()).split(/\r?\n/)[0] ?? '';
  raw ??= ctx.env.SBACKUP_AEP;
  if (raw === undefined)
    throw new UsageError('missing option --aep (or set SBACKUP_AEP, or pass --aep - to read it from stdin)');
  try {
    return normalizeRecoveryKey(raw);
  } catch (e) {
    if (isBackupError(e)) throw new UsageError(`--aep: ${e.message}`);
    throw e;
  }
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A split key as JSON: `{ hmacKey, aesKey }` in hex. */
export function splitKeyJson(key: SplitKey): { hmacKey: string; aesKey: string } {
  return { hmacKey: hex(key.hmacKey), aesKey: hex(key.aesKey) };
}

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}

/**
 * Writes a file atomically: chunks go to a temporary sibling that is renamed over `path` only when
 * `produce` finishes; on any error the temporary file is removed and nothing is left behind.
 * The temporary file is opened (and any failure to open it reported) before `produce` runs.
 *
 * @throws the error of `produce`, or the file-system error (its `path` is `path`, not the temporary name).
 */
export async function writeFileAtomically(
  path: string,
  produce: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>,
): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.partial`;
  let handle: FileHandle;
  try {
    handle = await open(tmp, 'wx');
  } catch (e) {
    // Name the file the user asked for, not our temporary one.
    if (typeof (e as NodeJS.ErrnoException)?.path === 'string') (e as NodeJS.ErrnoException).path = path;
    throw e;
  }
  const write = async (chunk: Uint8Array) => {
    for (let done = 0; done < chunk.length; ) {
      done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
    }
  };
  try {
    await produce(write);
    await handle.close();
    await rename(tmp, path);
  } catch (e) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * The MessageBackupKey from `--aep`, `--aci` and optional `--fs-token` (the forward-secrecy
 * variant when a token is given, else the legacy one), with the BackupKey and token it used.
 */
export async function messageBackupKeyOptions(
  values: { aep?: string; aci?: string; 'fs-token'?: string },
  ctx: CliContext,
): Promise<{ backupKey: Uint8Array; token: Uint8Array | undefined; key: SplitKey }> {
  const aep = await recoveryKeyOption(values.aep, ctx);
  const aci = requireOption(aciOption(values.aci), 'aci');
  const token = hexOption(values['fs-token'], 'fs-token', 32);
  const backupKey = deriveBackupKey(aep);
  return { backupKey, token, key: deriveMessageBackupKey(backupKey, deriveBackupId(backupKey, aci), token) };
}
