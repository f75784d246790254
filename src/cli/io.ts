/** What every CLI command shares: argument parsing, exit codes, reading secrets, atomic output. */

import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { type FileHandle, link, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BackupError, isBackupError } from '../errors.js';
import { describeErrno, errnoCode, fileError } from '../node/errno.js';
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
  /**
   * Standard output. Commands that write one stream to `-` pass it bytes; when it has `once`
   * (a Node stream), a `write` returning false is waited out ('drain') so memory stays bounded.
   */
  stdout: {
    write(s: string | Uint8Array): unknown;
    isTTY?: boolean;
    once?(event: 'drain', listener: () => void): unknown;
  };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  readStdin(): Promise<string>;
  /**
   * Asks for a secret on the terminal without echoing it (present only when stdin is a
   * terminal): the recovery key when no other source gives it.
   */
  promptSecret?(prompt: string): Promise<string>;
}

export interface Command {
  /** One-line summary for `sbackup --help`. */
  summary: string;
  /** Full usage text. */
  usage: string;
  run(args: string[], ctx: CliContext): Promise<number>;
}

/**
 * A command whose file-system failures become one plain line: a Node system error (ENOSPC,
 * EISDIR, EROFS, EACCES, ...) turns into `BackupError('STORAGE_ERROR')` with a sentence naming the
 * file; a missing file named on the command line stays as it is (the caller reports it, exit 2).
 */
export function command(c: Command): Command {
  return {
    ...c,
    async run(args, ctx) {
      try {
        return await c.run(args, ctx);
      } catch (e) {
        const code = errnoCode(e);
        if (code === undefined || isBackupError(e)) throw e;
        const err = e as NodeJS.ErrnoException;
        if (code === 'ENOENT' && typeof err.path === 'string') throw e;
        throw fileError(e, verbOf(err.syscall), typeof err.path === 'string' ? err.path : 'a file');
      }
    },
  };
}

function verbOf(syscall: string | undefined): string {
  switch (syscall) {
    case 'write':
    case 'writev':
    case 'fsync':
    case 'close':
    case 'rename':
    case 'link':
      return 'write';
    case 'mkdir':
      return 'create';
    case 'open':
      return 'open';
    default:
      return 'read';
  }
}

/** Options every command that reads a backup accepts: the reader's limits. */
export const limitOptions = {
  'max-decompressed-bytes': { type: 'string' },
  'max-frame-bytes': { type: 'string' },
} as const;

const SIZE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A byte count: digits, optionally followed by k, m, g or t (powers of 1024, with or without `i`/`b`). */
export function byteCountOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  const n = m === null ? Number.NaN : Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${name}: expected a byte count such as 1048576 or 100M`);
  return n;
}

/** The reader limits given as `--max-decompressed-bytes` / `--max-frame-bytes`. */
export function limitsOf(values: { 'max-decompressed-bytes'?: string; 'max-frame-bytes'?: string }): {
  maxDecompressedBytes?: number;
  maxFrameBytes?: number;
} {
  const maxDecompressedBytes = byteCountOption(values['max-decompressed-bytes'], 'max-decompressed-bytes');
  const maxFrameBytes = byteCountOption(values['max-frame-bytes'], 'max-frame-bytes');
  if (maxFrameBytes !== undefined && maxFrameBytes > 0xffffffff) {
    throw new UsageError('--max-frame-bytes: at most 4294967295 (a frame length is 32 bits)');
  }
  return {
    ...(maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes }),
    ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }),
  };
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
 * The recovery key from `--aep <key>`, `--aep -` (first line of stdin), `--key-file <path>`
 * (its first line), the `SBACKUP_AEP` environment variable, or, when none gives it and stdin is
 * a terminal, a prompt with echo off; normalized. Never echoes the key in an error.
 */
export async function recoveryKeyOption(value: string | undefined, ctx: CliContext, keyFile?: string): Promise<string> {
  if (value !== undefined && keyFile !== undefined) {
    throw new UsageError('give the recovery key once: --aep or --key-file, not both');
  }
  let raw = value;
  let source = '--aep';
  if (raw === '-') raw = firstLine(await ctx.readStdin());
  if (keyFile !== undefined) {
    if (keyFile === '-') throw new UsageError('--key-file: name a file (use --aep - to read the key from stdin)');
    source = '--key-file';
    let text: string;
    try {
      text = await readFile(keyFile, 'utf8');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw e;
      throw fileError(e, 'read', keyFile);
    }
    raw = firstLine(text);
  }
  if (raw === undefined && ctx.env.SBACKUP_AEP !== undefined) {
    raw = ctx.env.SBACKUP_AEP;
    source = 'SBACKUP_AEP';
  }
  if (raw === undefined && ctx.promptSecret !== undefined) {
    raw = await ctx.promptSecret('Recovery key (input hidden): ');
    source = 'the recovery key';
  }
  if (raw === undefined) {
    throw new UsageError(
      'missing option --aep (or --key-file <path>, SBACKUP_AEP, or --aep - to read it from stdin; stdin is not a terminal, so it cannot be asked for)',
    );
  }
  try {
    return normalizeRecoveryKey(raw);
  } catch (e) {
    if (isBackupError(e)) throw new UsageError(`${source}: ${e.message}`);
    throw e;
  }
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? '';
}

/**
 * Reads one line from a terminal without echoing it: readline over `input` with a muted output,
 * the prompt and the final newline written to `output`. Ctrl-C or the end of input rejects with
 * a {@link UsageError}; the line is never written anywhere.
 */
export function readHiddenLine(
  input: NodeJS.ReadableStream,
  output: { write(s: string): unknown },
  prompt: string,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const muted = new Writable({ write: (_chunk, _enc, done) => done() });
    const rl = createInterface({ input, output: muted, terminal: true });
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      rl.close();
      output.write('\n');
      f();
    };
    output.write(prompt);
    rl.on('line', (line) => finish(() => resolvePromise(line)));
    rl.on('SIGINT', () => finish(() => reject(new UsageError('no recovery key given (cancelled)'))));
    rl.on('close', () => finish(() => reject(new UsageError('no recovery key given (end of input)'))));
  });
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
 * Checks a file the command reads: it exists (else the `ENOENT` error, exit 2), is not a
 * directory, and, when `rereadable`, is a regular file (a pipe cannot be read twice).
 *
 * @throws {UsageError} for `-` (inputs are files).
 * @throws {BackupError} `STORAGE_ERROR` for a directory or a pipe that must be re-read.
 */
export async function inputFile(path: string, rereadable = false): Promise<Stats> {
  if (path === '-') throw new UsageError('this command reads a file, not stdin (-): name the input file');
  let s: Stats;
  try {
    s = await stat(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') throw e;
    throw fileError(e, 'read', path);
  }
  if (s.isDirectory()) throw new BackupError('STORAGE_ERROR', describeErrno('EISDIR', 'read', path), { path });
  if (rereadable && !s.isFile()) {
    throw new BackupError(
      'STORAGE_ERROR',
      `${path} is not a regular file: this command reads its input twice (the MAC first), so save it to a file first`,
      { path },
    );
  }
  return s;
}

/** Size of the output buffer: many small writes (a million empty frames) become few large ones. */
const OUTPUT_BUFFER = 1 << 20;

/** Options of {@link writeOutput}. */
export interface OutputOptions {
  /** The output holds plaintext (chat history, media): created 0600, a replaced file keeps the stricter mode. */
  plaintext: boolean;
  /** Files the command reads: the output may not be one of them (nor a hard link to one). */
  inputs?: readonly string[];
  /** Refuse to replace an existing file. */
  noClobber?: boolean;
  /** `-` (and `/dev/stdout`) write to this context's stdout. */
  ctx?: CliContext;
}

/** What a producer writes to: bytes are gathered into 1 MiB writes. */
export interface OutputWriter {
  /** Queues `chunk` (copied when small; written when the buffer fills). */
  write(chunk: Uint8Array): Promise<void>;
  /** Queues a varint length prefix and then `message`. */
  writeDelimited(message: Uint8Array): Promise<void>;
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw fileError(e, 'read', path);
  }
}

/** Refuses an output that is one of the inputs (same device and inode: the same file or a hard link). */
async function assertNotAnInput(path: string, target: Stats | undefined, inputs: readonly string[]): Promise<void> {
  if (target === undefined) return;
  for (const input of inputs) {
    const s = await statOrUndefined(input);
    if (s !== undefined && sameFile(s, target)) {
      throw new UsageError(
        `the output ${path} is the input ${input}${input === path ? '' : ' (the same file)'}; write to another file`,
      );
    }
  }
}

/** A buffered writer over `sink`. */
function buffered(sink: (bytes: Uint8Array) => Promise<void>): OutputWriter & { flush(): Promise<void> } {
  let buffer = new Uint8Array(OUTPUT_BUFFER);
  let used = 0;
  const flush = async () => {
    if (used === 0) return;
    const full = buffer.subarray(0, used);
    buffer = new Uint8Array(OUTPUT_BUFFER); // the sink may keep the bytes (stdout streams do)
    used = 0;
    await sink(full);
  };
  const write = async (chunk: Uint8Array) => {
    if (chunk.length >= OUTPUT_BUFFER / 4) {
      await flush();
      await sink(chunk);
      return;
    }
    if (used + chunk.length > OUTPUT_BUFFER) await flush();
    buffer.set(chunk, used);
    used += chunk.length;
  };
  return {
    write,
    async writeDelimited(message: Uint8Array) {
      if (used + 5 > OUTPUT_BUFFER) await flush();
      let n = message.length;
      while (n >= 0x80) {
        buffer[used++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
      buffer[used++] = n;
      await write(message);
    },
    flush,
  };
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let done = 0; done < chunk.length; ) {
    done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
  }
}

/** Writes to a Node-like stream, waiting for 'drain' when it asks to. */
function streamSink(out: CliContext['stdout']): (bytes: Uint8Array) => Promise<void> {
  return async (bytes) => {
    const ok = out.write(bytes);
    if (ok === false && typeof out.once === 'function') await new Promise<void>((r) => out.once!('drain', r));
  };
}

/**
 * Writes a command's output file safely:
 * - refused before anything is opened when it is one of `inputs` (or a hard link to one);
 * - a regular file (or a new name) is written to a temporary sibling and renamed into place only
 *   when `produce` finishes, so a failure leaves the old file (or nothing) and no temporary;
 *   with `noClobber`, an existing file is refused (checked again atomically at the end);
 * - plaintext is created 0600; a replaced file keeps its mode, made no looser than 0600 for
 *   plaintext (a 0644 file becomes 0600, a 0400 file stays 0400);
 * - `-` and `/dev/stdout` write to stdout; a FIFO or a device is written in place (no rename);
 * - writes are gathered into 1 MiB chunks;
 * - file-system failures are `BackupError('STORAGE_ERROR')` naming `path` ("not enough space on ...").
 *
 * @throws {UsageError} when the output is an input, or exists under `noClobber`.
 */
export async function writeOutput(
  path: string,
  options: OutputOptions,
  produce: (out: OutputWriter) => Promise<void>,
): Promise<void> {
  if (path === '-' || path === '/dev/stdout') {
    if (options.ctx === undefined) throw new UsageError('this command cannot write its output to stdout');
    const out = buffered(streamSink(options.ctx.stdout));
    await produce(out);
    await out.flush();
    return;
  }
  const target = await statOrUndefined(path);
  await assertNotAnInput(path, target, options.inputs ?? []);
  if (target?.isDirectory()) {
    throw new BackupError('STORAGE_ERROR', describeErrno('EISDIR', 'write', path), { errno: 'EISDIR', path });
  }
  if (target !== undefined && !target.isFile()) {
    // A FIFO, a terminal, /dev/null: written in place (it cannot be replaced or removed).
    let handle: FileHandle;
    try {
      handle = await open(path, fsConstants.O_WRONLY);
    } catch (e) {
      throw fileError(e, 'open', path);
    }
    try {
      const out = buffered((b) => writeAll(handle, b));
      await produce(out);
      await out.flush();
    } catch (e) {
      throw fileError(e, 'write', path);
    } finally {
      await handle.close().catch(() => {});
    }
    return;
  }
  if (target !== undefined && options.noClobber === true) {
    throw new UsageError(`${path} exists (--no-clobber); remove it or choose another name`);
  }
  const mode = options.plaintext
    ? target === undefined
      ? 0o600
      : target.mode & 0o600 // never looser than 0600, never looser than before
    : target === undefined
      ? undefined
      : target.mode & 0o777;
  const tmp = `${path}.${randomBytes(6).toString('hex')}.partial`;
  let handle: FileHandle;
  try {
    handle = await open(tmp, 'wx', mode ?? 0o666);
    // open's mode passes through the umask; set exactly what was decided.
    if (mode !== undefined) await handle.chmod(mode);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    // Name the file the user asked for, not our temporary one.
    if (errnoCode(e) === 'ENOENT') {
      Object.assign(e as object, { path });
      throw e;
    }
    throw fileError(e, 'create', path);
  }
  try {
    const out = buffered((b) => writeAll(handle, b));
    await produce(out);
    await out.flush();
    await handle.close();
    if (options.noClobber === true) {
      // link(2) refuses an existing name: no file that appeared meanwhile is replaced.
      await link(tmp, path).catch((e) => {
        if (errnoCode(e) === 'EEXIST') throw new UsageError(`${path} exists (--no-clobber); nothing was written`);
        throw e;
      });
      await unlink(tmp);
    } else await rename(tmp, path);
  } catch (e) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw fileError(e, 'write', path);
  }
}

/**
 * The MessageBackupKey from `--aep`, `--aci` and optional `--fs-token` (the forward-secrecy
 * variant when a token is given, else the legacy one), with the BackupKey and token it used.
 */
export async function messageBackupKeyOptions(
  values: { aep?: string; 'key-file'?: string; aci?: string; 'fs-token'?: string },
  ctx: CliContext,
): Promise<{ backupKey: Uint8Array; token: Uint8Array | undefined; key: SplitKey }> {
  const aep = await recoveryKeyOption(values.aep, ctx, values['key-file']);
  const aci = requireOption(aciOption(values.aci), 'aci');
  const token = hexOption(values['fs-token'], 'fs-token', 32);
  const backupKey = deriveBackupKey(aep);
  return { backupKey, token, key: deriveMessageBackupKey(backupKey, deriveBackupId(backupKey, aci), token) };
}
