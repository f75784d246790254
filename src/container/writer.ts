/**
 * Writes an encrypted backup file: BackupInfo and Frames (encoded bytes) -> varint framing ->
 * one gzip member on Signal's 2026 block schedule -> zero padding -> AES-256-CBC/PKCS#7 ->
 * HMAC-SHA256 over `IV || ciphertext`, appended; with the modern header in front when asked.
 * Streaming: memory stays bounded whatever the number of frames.
 */

import { defaultAsyncBackend } from '../backends/auto.js';
import type { CbcStream, CryptoBackend, Hasher } from '../backends/types.js';
import { assertBytes, concatByteList } from '../internal/bytes.js';
import { MAX_VARINT32_BYTES, varintLength, writeVarint } from '../internal/wire.js';
import type { SplitKey } from '../keys/hierarchy.js';
import { type BackupKeyInput, resolveMessageBackupKey } from '../keys/input.js';
import { type BackupMetadata, encodeBackupMetadata } from '../keys/metadata.js';
import { randomBytes, type RandomSource } from '../random.js';
import { GzipWriter } from './gzip.js';
import { encodeModernHeader, BACKUP_IV_LENGTH } from './layout.js';
import { bucketedPaddedLength, flushInterval, type NormalSource, paddingSize, secureNormalSource } from './sizing.js';

/** gzip level used when none is given: zlib's default, the level Signal's apps use (see README, performance). */
export const DEFAULT_GZIP_LEVEL = 6;
/** Ciphertext is handed out in chunks of this size (fewer, larger cipher calls); a multiple of 16. */
const OUTPUT_CHUNK = 256 * 1024;
/** A zero block reused for padding. */
const ZEROS = /* @__PURE__ */ new Uint8Array(64 * 1024);

// Frame oneof field numbers (Backup.proto `Frame`), read from a frame's first tag byte.
const FRAME_ACCOUNT = 1;
const FRAME_RECIPIENT = 2;
const FRAME_CHAT_ITEM = 4;

/** How the compressed stream is padded before encryption. */
export type PaddingScheme = 'randomized' | 'bucketed' | 'none';

/** Options of {@link encryptBackupStream}. */
export interface EncryptBackupOptions {
  /**
   * The key: the recovery key and ACI (with the forward-secrecy token for the modern layout's
   * forward-secrecy key), or a derived MessageBackupKey.
   */
  key: BackupKeyInput;
  /**
   * Modern-layout metadata, as encoded bytes (e.g. from SVR-B) or as a {@link BackupMetadata}.
   * When given, the modern layout is written; when absent, the legacy layout.
   */
  metadata?: Uint8Array | BackupMetadata;
  /** Fixed 16-byte IV (tests and vectors only); random when absent. */
  iv?: Uint8Array;
  /**
   * gzip level, 0 (stored) to 9; default {@link DEFAULT_GZIP_LEVEL}. Level 0 is written by sbackup
   * itself (stored blocks ending at every flush point), so its files are the same bytes on every
   * backend; other levels depend on the backend's compressor.
   */
  level?: number;
  /** `randomized` (default; libsignal >= 0.103), `bucketed` (before 2026) or `none`. */
  padding?: PaddingScheme;
  /** Estimated total uncompressed length (e.g. the previous backup's), for `flushInterval`. */
  estimatedTotalLength?: number;
  /** N(0, 1) source of the randomized padding (tests and vectors only); secure when absent. */
  normal?: NormalSource;
  /** Random source for the IV and the padding. */
  random?: RandomSource;
  /** Backend; the runtime's fastest when absent. */
  backend?: CryptoBackend;
}

/** Input frames: encoded `Frame` messages, without length prefixes. */
export type FrameInput = Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

function frameKind(frame: Uint8Array): number {
  const tag = frame[0];
  // A one-byte tag with wire type 2 (length-delimited) names the oneof member directly.
  return tag !== undefined && tag < 0x80 && (tag & 7) === 2 ? tag >> 3 : 0;
}

/** Marks a {@link FrameInput} made by {@link framesInBatches}: the writer takes its batches directly. */
const BATCHES = Symbol('frame batches');

type BatchedFrames = AsyncIterable<Uint8Array> & { readonly [BATCHES]: AsyncIterable<readonly Uint8Array[]> };

/**
 * Frames that arrive in batches (internal; the CLI splits each read of a `.binproto` into views):
 * a {@link FrameInput} like any other, but {@link encryptBackupStream} iterates the batches
 * themselves, with one `await` per batch instead of one per frame.
 */
export function framesInBatches(batches: AsyncIterable<readonly Uint8Array[]>): FrameInput {
  const frames: BatchedFrames = {
    [BATCHES]: batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches) yield* batch;
    },
  };
  return frames;
}

function isBatched(frames: FrameInput): frames is BatchedFrames {
  return BATCHES in (Object(frames) as object);
}

function isSyncIterable(frames: FrameInput): frames is Iterable<Uint8Array> {
  const o = Object(frames) as object;
  return !(Symbol.asyncIterator in o) && Symbol.iterator in o;
}

/** Checks options early, so mistakes throw before any output. */
function checkOptions(options: EncryptBackupOptions): SplitKey {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
  const key = resolveMessageBackupKey(options.key);
  if (options.iv !== undefined) assertBytes(options.iv, 'iv', BACKUP_IV_LENGTH);
  const level = options.level ?? DEFAULT_GZIP_LEVEL;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`"level" expected 0..9, got ${level}`);
  const padding = options.padding ?? 'randomized';
  if (!['randomized', 'bucketed', 'none'].includes(padding)) {
    throw new RangeError(`"padding" expected randomized, bucketed or none, got ${padding}`);
  }
  const estimate = options.estimatedTotalLength;
  if (estimate !== undefined && (!Number.isSafeInteger(estimate) || estimate < 0)) {
    throw new RangeError(`"estimatedTotalLength" expected a non-negative integer, got ${estimate}`);
  }
  return key;
}

function metadataBytes(metadata: Uint8Array | BackupMetadata): Uint8Array {
  if (metadata instanceof Uint8Array) return metadata;
  if (typeof metadata === 'object' && metadata !== null && Array.isArray(metadata.pairs)) {
    return encodeBackupMetadata(metadata);
  }
  throw new TypeError('"metadata" expected Uint8Array or BackupMetadata');
}

/**
 * Encrypts and MACs the padded gzip stream, collecting ciphertext into output chunks. Plaintext
 * is gathered into one reused buffer and encrypted a whole buffer (a multiple of the block size)
 * at a time: no joining of small chunks, no block remainder for the cipher to carry over.
 */
class Encryptor {
  private readonly cbc: CbcStream;
  private readonly mac: Hasher;
  /** Plaintext for the next cipher call; reused (every backend has read it when `update` settles). */
  private readonly buffer = new Uint8Array(OUTPUT_CHUNK);
  private filled = 0;
  /** Plaintext not yet copied into `buffer`. */
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  readonly ready: Uint8Array[] = [];

  constructor(backend: CryptoBackend, key: SplitKey, iv: Uint8Array) {
    this.cbc = backend.aesCbcEncrypt(key.aesKey, iv);
    this.mac = backend.hmacSha256(key.hmacKey);
    this.mac.update(iv);
  }

  /** Takes plaintext (compressed bytes, then padding); the chunk must not change afterwards. */
  add = (chunk: Uint8Array): void => {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
  };

  get full(): boolean {
    return this.filled + this.pendingLength >= OUTPUT_CHUNK;
  }

  private out(ct: Uint8Array): void {
    if (ct.length === 0) return;
    this.mac.update(ct);
    this.ready.push(ct);
  }

  private async encrypt(data: Uint8Array): Promise<void> {
    const r = this.cbc.update(data);
    this.out(r instanceof Promise ? await r : r);
  }

  /** Encrypts every full buffer of what is pending; the rest waits in the buffer. */
  async encryptPending(): Promise<void> {
    const parts = this.pending;
    this.pending = [];
    this.pendingLength = 0;
    for (const part of parts) {
      let rest = part;
      while (rest.length > 0) {
        const n = Math.min(rest.length, OUTPUT_CHUNK - this.filled);
        this.buffer.set(n === rest.length ? rest : rest.subarray(0, n), this.filled);
        this.filled += n;
        rest = rest.subarray(n);
        if (this.filled === OUTPUT_CHUNK) {
          await this.encrypt(this.buffer);
          this.filled = 0;
        }
      }
    }
  }

  /** Encrypts the rest with PKCS#7 and appends the MAC. */
  async end(): Promise<void> {
    await this.encryptPending();
    if (this.filled > 0) await this.encrypt(this.buffer.subarray(0, this.filled));
    this.filled = 0;
    const f = this.cbc.final();
    this.out(f instanceof Promise ? await f : f);
    this.ready.push(this.mac.digest());
  }

  drain(): Uint8Array[] {
    return this.ready.splice(0);
  }

  /** Encrypts what is pending and hands out the ciphertext now ready (called when {@link full}). */
  async *encryptFull(): AsyncGenerator<Uint8Array> {
    await this.encryptPending();
    yield* this.drain();
  }
}

/**
 * Applies Signal's compression schedule (docs/format.md §6; Signal-Android
 * lib/archive/src/main/java/org/signal/archive/stream/PaddedGzipOutputStream.kt, Signal-Desktop
 * ts/services/backups/encoding.node.ts): full flushes around the BackupInfo, AccountData and each Recipient;
 * in the chat-item region, a block ends when its length reaches `flushInterval(block start)`,
 * even inside a frame; a non-chat-item frame in the region ends the block and is flushed alone.
 */
class Schedule {
  private inRegion = false;
  /** Uncompressed bytes since the chat-item region began. */
  private regionPosition = 0;
  private blockLength = 0;
  private blockLimit = 0;
  /** Largest block produced in the region, uncompressed. */
  largestBlock = 0;
  private readonly prefix = new Uint8Array(5);

  constructor(
    private readonly gz: GzipWriter,
    private readonly estimate: number | undefined,
  ) {}

  private startBlock(): void {
    this.blockLength = 0;
    this.blockLimit = flushInterval(this.regionPosition, this.estimate);
  }

  private endBlock(): void {
    if (this.blockLength > this.largestBlock) this.largestBlock = this.blockLength;
    this.blockLength = 0;
  }

  /**
   * Fast path for a chat item inside the region that ends no block and fits the gzip stage:
   * stages it and returns true (no await); false when {@link message} must handle it.
   */
  tryChatItem(bytes: Uint8Array): boolean {
    if (!this.inRegion || this.blockLength + bytes.length + MAX_VARINT32_BYTES >= this.blockLimit) return false;
    const added = this.gz.stageDelimited(bytes);
    if (added === 0) return false;
    this.blockLength += added;
    this.regionPosition += added;
    return true;
  }

  /** Writes `varint(len) || message`, flushing where the schedule says. */
  async message(bytes: Uint8Array, kind: number | 'info'): Promise<void> {
    const n = writeVarint(this.prefix, 0, bytes.length);
    const prefix = this.prefix.subarray(0, n);
    if (kind === FRAME_CHAT_ITEM) {
      if (!this.inRegion) {
        await this.gz.flush();
        this.inRegion = true;
        this.startBlock();
      }
      await this.regionWrite(prefix);
      await this.regionWrite(bytes);
      return;
    }
    const isolated = kind === 'info' || kind === FRAME_ACCOUNT || kind === FRAME_RECIPIENT || this.inRegion;
    if (isolated) {
      if (this.inRegion && this.blockLength > 0) this.endBlock();
      await this.gz.flush();
    }
    await this.gz.write(prefix);
    await this.gz.write(bytes);
    if (isolated) await this.gz.flush();
    if (this.inRegion) {
      this.regionPosition += n + bytes.length;
      this.startBlock();
    }
  }

  private async regionWrite(data: Uint8Array): Promise<void> {
    let rest = data;
    while (rest.length > 0) {
      const room = this.blockLimit - this.blockLength;
      const piece = rest.length <= room ? rest : rest.subarray(0, room);
      await this.gz.write(piece);
      this.blockLength += piece.length;
      this.regionPosition += piece.length;
      rest = rest.subarray(piece.length);
      if (this.blockLength >= this.blockLimit) {
        this.endBlock();
        await this.gz.flush();
        this.startBlock();
      }
    }
  }

  /** Ends the last block of the region (counted for the padding). */
  close(): void {
    if (this.inRegion && this.blockLength > 0) this.endBlock();
  }
}

function paddingLength(scheme: PaddingScheme, largestBlock: number, compressed: number, options: EncryptBackupOptions) {
  if (scheme === 'none') return 0;
  if (scheme === 'bucketed') return bucketedPaddedLength(compressed) - compressed;
  return paddingSize(largestBlock, compressed, options.normal ?? secureNormalSource(options.random));
}

/**
 * Encrypts a backup. Yields the file's bytes in order: the modern header (when `metadata` is
 * given), the IV, the ciphertext in chunks of about 256 KiB, and the 32-byte MAC.
 *
 * @param backupInfo the encoded `BackupInfo` message (no length prefix).
 * @param frames the encoded `Frame` messages (no length prefixes), in backup order.
 * @throws {TypeError | RangeError} on a bad argument (before anything is yielded).
 * @throws {BackupError} `INVALID_METADATA` when `metadata` is given as a malformed object.
 */
export async function* encryptBackupStream(
  backupInfo: Uint8Array,
  frames: FrameInput,
  options: EncryptBackupOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  assertBytes(backupInfo, 'backupInfo');
  const key = checkOptions(options);
  const header = options.metadata === undefined ? undefined : encodeModernHeader(metadataBytes(options.metadata));
  const backend = options.backend ?? defaultAsyncBackend();
  const iv = options.iv?.slice() ?? randomBytes(BACKUP_IV_LENGTH, options.random);

  if (header !== undefined) yield header;
  yield iv;
  const enc = new Encryptor(backend, key, iv);
  const gz = new GzipWriter(backend, options.level ?? DEFAULT_GZIP_LEVEL, enc.add);
  const schedule = new Schedule(gz, options.estimatedTotalLength);

  await schedule.message(backupInfo, 'info');
  let index = 0;
  /** Writes one frame; returns a promise only when the slow path needs one. */
  const write = (frame: Uint8Array): Promise<void> | undefined => {
    if (!(frame instanceof Uint8Array)) assertBytes(frame, `frames[${index}]`);
    index++;
    const kind = frameKind(frame);
    if (kind === FRAME_CHAT_ITEM && schedule.tryChatItem(frame)) return undefined;
    return schedule.message(frame, kind);
  };
  if (isBatched(frames)) {
    for await (const batch of frames[BATCHES]) {
      for (const frame of batch) {
        const pending = write(frame);
        if (pending !== undefined) await pending;
        if (enc.full) yield* enc.encryptFull();
      }
    }
  } else if (isSyncIterable(frames)) {
    // No `for await` over a synchronous source: a microtask per frame costs more than the frame.
    for (const frame of frames) {
      const pending = write(frame);
      if (pending !== undefined) await pending;
      if (enc.full) yield* enc.encryptFull();
    }
  } else {
    for await (const frame of frames) {
      const pending = write(frame);
      if (pending !== undefined) await pending;
      if (enc.full) yield* enc.encryptFull();
    }
  }
  schedule.close();
  await gz.finish();
  let pad = paddingLength(options.padding ?? 'randomized', schedule.largestBlock, gz.compressedLength, options);
  while (pad > 0) {
    const n = Math.min(pad, ZEROS.length);
    enc.add(ZEROS.subarray(0, n));
    pad -= n;
    if (enc.full) yield* enc.encryptFull();
  }
  await enc.end();
  for (const c of enc.drain()) yield c;
}

/**
 * {@link encryptBackupStream} into one `Uint8Array`.
 *
 * @throws {TypeError | RangeError} on a bad argument.
 */
export async function encryptBackup(
  backupInfo: Uint8Array,
  frames: FrameInput,
  options: EncryptBackupOptions,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of encryptBackupStream(backupInfo, frames, options)) parts.push(chunk);
  return concatByteList(parts);
}

/** The length `varint(len(message)) || message` takes. */
export function delimitedLength(message: Uint8Array): number {
  return varintLength(message.length) + message.length;
}
