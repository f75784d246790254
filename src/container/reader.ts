/**
 * Reads an encrypted backup file. By default in two passes, as libsignal does (docs/format.md §5;
 * libsignal rust/message-backup/src/frame.rs):
 * pass 1 checks the HMAC over the whole file before anything is decrypted; pass 2 decrypts,
 * unpads, gunzips and splits the frames, computing the HMAC again and comparing it at the end
 * (in case the source changed between the passes). A single-pass mode exists for sources that
 * cannot be read twice; its frames are typed as unauthenticated.
 */

import { defaultAsyncBackend } from '../backends/auto.js';
import type { CryptoBackend, Hasher } from '../backends/types.js';
import { BackupError } from '../errors.js';
import { concatBytes, concatByteList, constantTimeEqual } from '../internal/bytes.js';
import { type ByteSource, iterateBytes } from '../internal/stream.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../internal/wire.js';
import type { BackupMetadata } from '../keys/metadata.js';
import type { SplitKey } from '../keys/hierarchy.js';
import { type BackupKeyInput, resolveMessageBackupKey } from '../keys/input.js';
import { emptyInput } from '../internal/frameErrors.js';
import { ChunkSplitter, FrameScanner } from './framing.js';
import { GzipReader, type TrailingBytes } from './gzip.js';
import {
  type BackupHeader,
  type BackupLayout,
  checkBodyLength,
  headerBytesNeeded,
  BACKUP_IV_LENGTH,
  BACKUP_MAC_LENGTH,
  MAGIC_LENGTH,
  parseBackupHeader,
} from './layout.js';
import { type RereadableSource, coalesce, type RandomAccessSource, toRandomAccess } from './sources.js';

/** Default limit on the decompressed size (4 GiB): a gzip bomb stops here. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 4 * 2 ** 30;
/** Chunks of the file are gathered to at least this size before decryption. */
const READ_CHUNK = 256 * 1024;
/** Ciphertext decrypted and inflated at a time; the frames it gives are released before the next. */
const FEED_PIECE = 64 * 1024;

/** Options of {@link openBackup}. */
export interface OpenBackupOptions {
  /** The key: the recovery key and ACI (and the token of a modern file), or a derived MessageBackupKey. */
  key: BackupKeyInput;
  /** Largest decompressed length accepted, in bytes; default {@link DEFAULT_MAX_DECOMPRESSED_BYTES}. */
  maxDecompressedBytes?: number;
  /** Largest frame accepted, in bytes (its length prefix not counted); default {@link DEFAULT_MAX_FRAME_BYTES}. */
  maxFrameBytes?: number;
  /** Backend; the runtime's fastest when absent. */
  backend?: CryptoBackend;
}

/** What the reader found after the last frame. */
export interface BackupTrailer {
  /** Bytes after the gzip member inside the ciphertext (the padding); libsignal ignores them. */
  readonly paddingLength: number;
  /** How many of those bytes are not zero (writers pad with zeros; non-zero is unusual, not fatal). */
  readonly nonZeroPaddingBytes: number;
}

/** An opened backup whose MAC verified: its header, BackupInfo and frames. */
export interface OpenedBackup {
  /** `modern` (with the forward-secrecy metadata header) or `legacy`. */
  readonly layout: BackupLayout;
  /** The decoded metadata of a modern file. */
  readonly metadata?: BackupMetadata;
  /** The encoded `BackupInfo` message. */
  readonly backupInfo: Uint8Array;
  /**
   * The encoded `Frame` messages, in order; iterate once. Iteration ends by checking the rest of
   * the file (gzip trailer, PKCS#7, the HMAC again).
   */
  readonly frames: AsyncIterable<Uint8Array>;
  /** Known once `frames` has been iterated to the end. */
  readonly trailer: BackupTrailer | undefined;
}

declare const unauthenticated: unique symbol;
/** Bytes that were decrypted but whose MAC has not been checked yet: do not act on them before the end. */
export type UnauthenticatedBytes = Uint8Array & {
  /** Type-only brand marking the bytes as not yet authenticated; never present at run time. */
  readonly [unauthenticated]: true;
};

/** A backup read in one pass: nothing is authenticated until `frames` ends without throwing. */
export interface UnauthenticatedBackup {
  /** `modern` (with the forward-secrecy metadata header) or `legacy`. */
  readonly layout: BackupLayout;
  /** The decoded metadata of a modern file (unauthenticated, like everything else here). */
  readonly metadata?: BackupMetadata;
  /** The encoded `BackupInfo` message, not yet authenticated. */
  readonly backupInfo: UnauthenticatedBytes;
  /** Ends by checking the MAC; a mismatch throws `MAC_MISMATCH` after frames were released. */
  readonly frames: AsyncIterable<UnauthenticatedBytes>;
  /** Known once `frames` has been iterated to the end. */
  readonly trailer: BackupTrailer | undefined;
}

/** The options with the key resolved to a MessageBackupKey. */
type ReadOptions = Omit<OpenBackupOptions, 'key'> & { key: SplitKey };

function checkReadOptions(options: OpenBackupOptions): ReadOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
  const key = resolveMessageBackupKey(options.key);
  for (const name of ['maxDecompressedBytes', 'maxFrameBytes'] as const) {
    const v = options[name];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
      throw new RangeError(`"${name}" expected a non-negative integer, got ${v}`);
    }
  }
  return { ...options, key };
}

function macMismatch(): BackupError {
  return new BackupError(
    'MAC_MISMATCH',
    'the backup does not authenticate: wrong recovery key (or forward-secrecy token) or damaged file',
  );
}

/** Reads the first bytes the header needs. */
async function readPrefix(source: RandomAccessSource): Promise<Uint8Array> {
  let prefix: Uint8Array = new Uint8Array(0);
  let need = Math.min(source.length, MAGIC_LENGTH);
  for (;;) {
    if (prefix.length >= need) {
      const more = Math.min(source.length, headerBytesNeeded(prefix));
      if (more <= prefix.length) return prefix;
      need = more;
    }
    const parts: Uint8Array[] = [prefix];
    let size = prefix.length;
    for await (const chunk of source.read(prefix.length)) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= need) break;
    }
    if (size < need) throw new BackupError('TRUNCATED', 'the file ended before its stated length', { offset: size });
    prefix = concatByteList(parts);
  }
}

/** Pass 1: HMAC over `IV || ciphertext` from `bodyOffset`, compared with the last 32 bytes. */
async function verifyMac(source: RandomAccessSource, header: BackupHeader, key: SplitKey, backend: CryptoBackend) {
  const mac = backend.hmacSha256(key.hmacKey);
  const macEnd = source.length - BACKUP_MAC_LENGTH;
  const tag = new Uint8Array(BACKUP_MAC_LENGTH);
  let pos = header.bodyOffset;
  // Chunks are used and dropped at once: a source may reuse its buffer (`scan`).
  for await (const chunk of source.scan(header.bodyOffset)) {
    const end = pos + chunk.length;
    if (pos < macEnd) mac.update(chunk.subarray(0, Math.min(chunk.length, macEnd - pos)));
    if (end > macEnd) {
      const from = Math.max(pos, macEnd);
      tag.set(chunk.subarray(from - pos, Math.min(chunk.length, source.length - pos)), from - macEnd);
    }
    pos = end;
    if (pos >= source.length) break;
  }
  if (pos < source.length)
    throw new BackupError('TRUNCATED', 'the file ended before its stated length', { offset: pos });
  if (!constantTimeEqual(mac.digest(), tag)) throw macMismatch();
  return tag;
}

/** Messages split off an inflated chunk per batch (see {@link ChunkSplitter.pushSome}). */
const SPLIT_BATCH = 4096;

interface BodyState {
  trailer: BackupTrailer | undefined;
}

/**
 * What pass 2 makes of the inflated chunks: `next` takes from `inflated` (oldest first) and
 * returns the next batch of output, or `undefined` when no chunk waits; `finish` checks the end.
 */
interface BodyOutput {
  next(inflated: Uint8Array[]): Uint8Array[] | undefined;
  finish(): void;
}

/**
 * The messages (BackupInfo, then frames), views into the inflated chunks. Each chunk is split one
 * batch at a time as the consumer pulls, so the number of waiting messages is never more than one
 * batch (hostile files hold millions of one-byte frames).
 */
function messageOutput(maxFrameBytes: number): BodyOutput {
  const splitter = new ChunkSplitter(maxFrameBytes);
  /** The unsplit rest of the chunk being split. */
  let rest: Uint8Array | undefined;
  return {
    next(inflated) {
      for (;;) {
        rest ??= inflated.shift();
        if (rest === undefined) return undefined;
        const batch: Uint8Array[] = [];
        rest = splitter.pushSome(rest, batch, SPLIT_BATCH);
        if (batch.length > 0) return batch;
      }
    },
    finish: () => splitter.finish(),
  };
}

/**
 * The varint-delimited plaintext itself (the `.binproto` form), checked as it goes: the framing
 * and the limits are checked by {@link FrameScanner} before a chunk's bytes are handed out, with
 * the errors {@link messageOutput} raises; no per-message work beyond reading the prefixes.
 */
function byteOutput(maxFrameBytes: number): BodyOutput {
  const scanner = new FrameScanner(maxFrameBytes);
  return {
    next(inflated) {
      for (;;) {
        const chunk = inflated.shift();
        if (chunk === undefined) return undefined;
        const out: Uint8Array[] = [];
        scanner.scan(chunk, out);
        if (out.length > 0) return out;
      }
    },
    finish: () => scanner.finish(),
  };
}

/**
 * Pass 2 (or the single pass): decrypt, gunzip, split. Yields what `output` makes of the
 * plaintext (messages: BackupInfo then frames; or checked bytes); at the end checks PKCS#7, the
 * gzip member, the framing, then compares the recomputed MAC with `expected`
 * (two-pass) or with the file's own tag (single pass). The last 32 bytes seen are held back as
 * the tag, so the body's length need not be known in advance.
 */
async function* decryptBody(
  chunks: AsyncIterable<Uint8Array>,
  limit: number | undefined,
  expected: Uint8Array | undefined,
  options: ReadOptions,
  backend: CryptoBackend,
  state: BodyState,
  output: BodyOutput,
): AsyncGenerator<Uint8Array> {
  const mac: Hasher = backend.hmacSha256(options.key.hmacKey);
  const iv = new Uint8Array(BACKUP_IV_LENGTH);
  let ivFilled = 0;
  let cbc: ReturnType<CryptoBackend['aesCbcDecrypt']> | undefined;
  // Decompressed chunks wait here until `output` takes them as the consumer pulls.
  const inflated: Uint8Array[] = [];
  const nextBatch = (): Uint8Array[] | undefined => output.next(inflated);
  const gz = new GzipReader(
    backend,
    (out) => {
      inflated.push(out);
    },
    options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
  );
  /**
   * Decompression of the previous chunk, still running. An asynchronous backend (node:zlib's
   * thread pool) inflates chunk k while the frames of chunk k-1 go to the consumer; chunks are
   * pushed in order, each after the previous push has finished.
   */
  let inflating: Promise<void> | undefined;
  const settle = async (): Promise<void> => {
    if (inflating === undefined) return;
    const p = inflating;
    inflating = undefined;
    await p;
  };
  /** Feeds `IV || ciphertext` bytes (never the tag). */
  const feed = async (bytes: Uint8Array): Promise<void> => {
    if (bytes.length === 0) return;
    mac.update(bytes);
    let data = bytes;
    if (ivFilled < BACKUP_IV_LENGTH) {
      const part = data.subarray(0, BACKUP_IV_LENGTH - ivFilled);
      iv.set(part, ivFilled);
      ivFilled += part.length;
      data = data.subarray(part.length);
    }
    if (data.length === 0) return;
    cbc ??= backend.aesCbcDecrypt(options.key.aesKey, iv);
    const plain = await cbc.update(data);
    if (plain.length === 0) return;
    await settle();
    inflating = gz.push(plain);
    // Observed here so that an early return of the consumer leaves no unhandled rejection.
    inflating.catch(() => {});
  };
  let tail = new Uint8Array(0);
  let seen = 0;
  for await (const raw of coalesce(chunks, READ_CHUNK)) {
    let chunk = raw;
    if (limit !== undefined && seen + chunk.length > limit) chunk = chunk.subarray(0, limit - seen);
    seen += chunk.length;
    if (chunk.length >= BACKUP_MAC_LENGTH) {
      await feed(tail);
      const body = chunk.subarray(0, chunk.length - BACKUP_MAC_LENGTH);
      tail = chunk.slice(chunk.length - BACKUP_MAC_LENGTH);
      // Small pieces: few frames wait at a time (less for the garbage collector to move).
      for (let o = 0; o < body.length; o += FEED_PIECE) {
        await feed(body.subarray(o, o + FEED_PIECE));
        for (let batch = nextBatch(); batch !== undefined; batch = nextBatch()) for (const f of batch) yield f;
      }
    } else {
      const all = concatBytes(tail, chunk);
      const cut = Math.max(0, all.length - BACKUP_MAC_LENGTH);
      await feed(all.subarray(0, cut));
      tail = all.slice(cut);
    }
    // Frames of the chunks whose inflation has finished (the newest one may still be running).
    for (let batch = nextBatch(); batch !== undefined; batch = nextBatch()) for (const f of batch) yield f;
    if (limit !== undefined && seen >= limit) break;
  }
  await settle();
  for (let batch = nextBatch(); batch !== undefined; batch = nextBatch()) for (const f of batch) yield f;
  if (limit !== undefined && seen < limit) {
    throw new BackupError('TRUNCATED', 'the file ended before its stated length', { offset: seen });
  }
  checkBodyLength(seen);
  if (expected === undefined) {
    // Single pass: check the MAC before PKCS#7 and gzip, so that a tampered file is reported as
    // such rather than as the padding or gzip error the tampering caused.
    if (!constantTimeEqual(mac.digest(), tail)) throw macMismatch();
  }
  cbc ??= backend.aesCbcDecrypt(options.key.aesKey, iv);
  const last = await cbc.final();
  if (last.length > 0) await gz.push(last);
  await settle();
  for (let batch = nextBatch(); batch !== undefined; batch = nextBatch()) for (const f of batch) yield f;
  const trailing: TrailingBytes = gz.end();
  output.finish();
  if (expected !== undefined && !constantTimeEqual(mac.digest(), expected)) {
    throw new BackupError('MAC_MISMATCH', 'the file changed while it was being read (its MAC no longer matches)');
  }
  state.trailer = { paddingLength: trailing.length, nonZeroPaddingBytes: trailing.nonZero };
}

/** Wraps the body generator: the first message is the BackupInfo; the rest are frames. */
async function splitInfo(
  body: AsyncGenerator<Uint8Array>,
): Promise<{ backupInfo: Uint8Array; frames: AsyncIterable<Uint8Array> }> {
  const first = await body.next();
  if (first.done) throw emptyInput();
  let used = false;
  const frames: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      if (used) throw new TypeError('the frames of an opened backup can be iterated only once');
      used = true;
      return body;
    },
  };
  return { backupInfo: first.value, frames };
}

/**
 * Opens a backup: checks the header, verifies the HMAC over the whole file (pass 1), then starts
 * decrypting (pass 2) and returns the BackupInfo; iterate `frames` for the rest. No plaintext is
 * released before the HMAC verifies.
 *
 * A legacy file has no magic number, so a random file is reported as `MAC_MISMATCH` (or
 * `TRUNCATED` when its length cannot be a backup's), not as `NOT_A_BACKUP`.
 *
 * @throws {BackupError} `NOT_A_BACKUP` (empty or too short, no header), `UNSUPPORTED_VERSION`,
 *   `TRUNCATED` (length not block-aligned, header cut, source shorter than stated),
 *   `INVALID_METADATA`, `MAC_MISMATCH` (wrong recovery key or damaged file); from `frames`:
 *   `BAD_PADDING`, `DECOMPRESSION_FAILED`, `LIMIT_EXCEEDED`, `INVALID_VARINT`, `FRAME_TOO_LARGE`,
 *   `TRUNCATED_FRAME` (with `details.frameIndex`), `MAC_MISMATCH` (the source changed between passes).
 * @throws {TypeError | RangeError} on bad arguments.
 */
export async function openBackup(source: RereadableSource, openOptions: OpenBackupOptions): Promise<OpenedBackup> {
  const options = checkReadOptions(openOptions);
  const src = toRandomAccess(source);
  const backend = options.backend ?? defaultAsyncBackend();
  const header = parseBackupHeader(await readPrefix(src), src.length);
  const tag = await verifyMac(src, header, options.key, backend);
  const state: BodyState = { trailer: undefined };
  // decryptBody keeps no chunk past the next read (`coalesce` copies small ones), so `scan` is safe.
  const body = decryptBody(
    src.scan(header.bodyOffset),
    src.length - header.bodyOffset,
    tag,
    options,
    backend,
    state,
    messageOutput(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES),
  );
  const { backupInfo, frames } = await splitInfo(body);
  return {
    layout: header.layout,
    ...(header.metadata === undefined ? {} : { metadata: header.metadata }),
    backupInfo,
    frames,
    get trailer() {
      return state.trailer;
    },
  };
}

/** An opened backup whose MAC verified, read as its plaintext bytes (see {@link openBackupBytes}). */
export interface OpenedBackupBytes {
  /** `modern` (with the forward-secrecy metadata header) or `legacy`. */
  readonly layout: BackupLayout;
  /** The decoded metadata of a modern file. */
  readonly metadata?: BackupMetadata;
  /**
   * The plaintext: the varint-delimited BackupInfo and Frames (the `.binproto` form, each length
   * prefix in its shortest form), in chunks; iterate once. The framing and the limits are checked
   * before a chunk is released; iteration ends by checking the rest of the file, as `frames` does.
   */
  readonly bytes: AsyncIterable<Uint8Array>;
  /** Known once `bytes` has been iterated to the end. */
  readonly trailer: BackupTrailer | undefined;
}

/**
 * Like {@link openBackup}, for callers that only move the plaintext (`sbackup decrypt`): the same
 * checks, in the same order, with the same errors, but the output is the delimited stream in
 * large chunks instead of one message at a time, the bytes the messages of `openBackup` would
 * give, each after its length prefix. No plaintext is released before the HMAC verifies.
 *
 * @throws {BackupError} as {@link openBackup} (`EMPTY_INPUT` comes from `bytes`).
 * @throws {TypeError | RangeError} on bad arguments.
 */
export async function openBackupBytes(
  source: RereadableSource,
  openOptions: OpenBackupOptions,
): Promise<OpenedBackupBytes> {
  const options = checkReadOptions(openOptions);
  const src = toRandomAccess(source);
  const backend = options.backend ?? defaultAsyncBackend();
  const header = parseBackupHeader(await readPrefix(src), src.length);
  const tag = await verifyMac(src, header, options.key, backend);
  const state: BodyState = { trailer: undefined };
  const body = decryptBody(
    src.scan(header.bodyOffset),
    src.length - header.bodyOffset,
    tag,
    options,
    backend,
    state,
    byteOutput(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES),
  );
  let used = false;
  return {
    layout: header.layout,
    ...(header.metadata === undefined ? {} : { metadata: header.metadata }),
    bytes: {
      [Symbol.asyncIterator]() {
        if (used) throw new TypeError('the bytes of an opened backup can be iterated only once');
        used = true;
        return body;
      },
    },
    get trailer() {
      return state.trailer;
    },
  };
}

/**
 * Reads a backup in one pass from a stream that cannot be re-read. **Frames are released before
 * the MAC is checked**; the MAC is compared when the stream ends, and a mismatch then throws
 * `MAC_MISMATCH`. Use only when you can discard everything on that error (typed as
 * {@link UnauthenticatedBytes} to make this visible).
 *
 * @throws {BackupError} as {@link openBackup}, but a damaged or forged file may first yield frames.
 * @throws {TypeError | RangeError} on bad arguments.
 */
export async function openBackupSinglePass(
  stream: ByteSource,
  openOptions: OpenBackupOptions,
): Promise<UnauthenticatedBackup> {
  const options = checkReadOptions(openOptions);
  const backend = options.backend ?? defaultAsyncBackend();
  const it = iterateBytes(stream, 'stream')[Symbol.asyncIterator]();
  let prefix: Uint8Array = new Uint8Array(0);
  let ended = false;
  const pull = async (): Promise<boolean> => {
    const r = await it.next();
    if (r.done) {
      ended = true;
      return false;
    }
    prefix = concatBytes(prefix, r.value);
    return true;
  };
  // Read what the header needs (a legacy file: the minimum body, to tell "too short").
  while (!ended && prefix.length < Math.max(headerBytesNeeded(prefix), BACKUP_IV_LENGTH + 16 + BACKUP_MAC_LENGTH))
    await pull();
  // The total length is unknown unless the stream already ended: then check the body too.
  const header = parseBackupHeader(prefix, ended ? prefix.length : Number.MAX_SAFE_INTEGER, ended);
  const rest = prefix.subarray(header.bodyOffset);
  const chunks = (async function* () {
    if (rest.length > 0) yield rest;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  const state: BodyState = { trailer: undefined };
  const body = decryptBody(
    chunks,
    undefined,
    undefined,
    options,
    backend,
    state,
    messageOutput(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES),
  );
  const { backupInfo, frames } = await splitInfo(body);
  return {
    layout: header.layout,
    ...(header.metadata === undefined ? {} : { metadata: header.metadata }),
    backupInfo: backupInfo as UnauthenticatedBytes,
    frames: frames as AsyncIterable<UnauthenticatedBytes>,
    get trailer() {
      return state.trailer;
    },
  };
}
