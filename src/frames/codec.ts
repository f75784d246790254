/**
 * Binary codec of single messages: BackupInfo and Frame (and MetadataPb) to and from protobuf
 * bytes, on top of the static code protobufjs-cli generates in `generated/schema.js`.
 *
 * **64-bit integers are `bigint`** everywhere in the public API (every `uint64` field: ids,
 * timestamps, `muteUntilMs`, …). Decoding always yields `bigint` (never protobufjs `Long`
 * objects, never lossy numbers, whatever the runtime); encoding takes `bigint` (a safe integer
 * `number` is also accepted). The custom reader and writer below do this without touching
 * protobufjs's global configuration.
 *
 * **Unknown fields are kept**: each decoded message stores the raw bytes of fields this schema
 * does not know in `$unknowns`, and encoding writes them back (after the known fields of the same
 * message). See `unknown.ts` for the readable report.
 */

import $protobuf from 'protobufjs/minimal.js';
import { BackupError } from '../errors.js';
import { assertBytes } from '../internal/bytes.js';
import { signal, svrb } from './generated/schema.js';
import { BACKUP_INFO_TYPE, FRAME_TYPE, messageInfo, shortName } from './schema.js';

/** The header record of a backup (the first message of the plaintext). */
export type BackupInfo = signal.backup.BackupInfo.$Properties;
/** One record of a backup after the BackupInfo. */
export type Frame = signal.backup.Frame.$Properties;
/** The metadata block of a modern encrypted backup file (`svrb.backup_metadata.MetadataPb`). */
export type MetadataPb = svrb.backup_metadata.MetadataPb.$Properties;

/** Which item a frame carries: the name of the `Frame.item` oneof member that is set. */
export type FrameKind =
  | 'account'
  | 'recipient'
  | 'chat'
  | 'chatItem'
  | 'stickerPack'
  | 'adHocCall'
  | 'notificationProfile'
  | 'chatFolder';

/** The members of `Frame.item`, in field-number order (backup.proto, Frame). */
export const FRAME_KINDS: readonly FrameKind[] = [
  'account',
  'recipient',
  'chat',
  'chatItem',
  'stickerPack',
  'adHocCall',
  'notificationProfile',
  'chatFolder',
];

const TWO_POW_32 = 0x1_0000_0000;
/**
 * Deepest nesting of messages the codec encodes or decodes (protobufjs's limit, as protoc's
 * `default_recursion_limit`): a Frame is depth 0, its item 1, and so on.
 */
export const MAX_MESSAGE_DEPTH = 100;

const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The index of the first lone UTF-16 surrogate in `s` (half of a pair, which has no UTF-8 form),
 * or -1 when `s` is well-formed.
 */
export function loneSurrogateIndex(s: string): number {
  if (!ANY_SURROGATE.test(s)) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/** Thrown by the writer for a string with a lone surrogate (mapped to a BackupError naming the field). */
class LoneSurrogateError extends Error {
  readonly index: number;
  constructor(index: number) {
    super(`a string holds a lone UTF-16 surrogate at index ${index}, which has no UTF-8 form`);
    this.index = index;
  }
}
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_UINT64 = (1n << 64n) - 1n;

// The parts of protobufjs's Reader and Writer the subclasses below use (its typings say Long).
interface ReaderInternals {
  buf: Uint8Array;
  pos: number;
  len: number;
  discardUnknown: boolean;
  int32(): number;
  int32s(array?: number[]): number[];
  stringVerify(): string;
  skipType(wireType: number, depth?: number, fieldNumber?: number): ReaderInternals;
}
interface WriterInternals {
  buf: Uint8Array;
  pos: number;
  uint32(value: number): WriterInternals;
  _reserve(bytes: number): void;
  uint64(value: { low: number; high: number }): WriterInternals;
  fork(): WriterInternals;
  ldelim(): WriterInternals;
  string(value: string): WriterInternals;
}
const ReaderBase = $protobuf.Reader as unknown as new (bytes: Uint8Array) => ReaderInternals;
const WriterBase = $protobuf.Writer as unknown as new () => WriterInternals;

/** Values below 2^14 (varints of one or two bytes): their bigints, made once on first use. */
const SMALL_BIGINTS: (bigint | undefined)[] = [];

function smallBigInt(v: number): bigint {
  let b = SMALL_BIGINTS[v];
  if (b === undefined) {
    b = BigInt(v);
    SMALL_BIGINTS[v] = b;
  }
  return b;
}

/** Thrown inside decoding when a string field's bytes are not UTF-8 (mapped to a BackupError). */
class InvalidUtf8Error extends Error {
  /** Offset of the string's length prefix in the decoded bytes. */
  readonly offset: number;
  constructor(offset: number, cause: unknown) {
    super(`a string field at byte ${offset} is not valid UTF-8`, { cause });
    this.offset = offset;
  }
}

/**
 * A protobufjs reader that keeps unknown fields and reads `uint64` as `bigint`. It also notes
 * what the validator's fast path needs to know: whether any field was unknown, and whether any
 * enum value could lack a name (the generated code reads enums, and only enums, with `int32`).
 */
class BigIntReader extends ReaderBase {
  /** Number of fields skipped as unknown (or with an unexpected wire type). */
  skipped = 0;
  /** True once an enum value outside 0..1 was read (every enum of the schema names 0 and 1;
   * `int32` is read for enums only, the schema has no int32 fields). */
  wideEnum = false;

  constructor(bytes: Uint8Array) {
    super(bytes);
    this.discardUnknown = false;
  }

  override int32(): number {
    const v = super.int32();
    if (v >>> 0 > 1) this.wideEnum = true;
    return v;
  }

  /** Packed repeated enums: protobufjs reads their one-byte values without calling `int32`. */
  override int32s(array?: number[]): number[] {
    const from = array?.length ?? 0;
    const out = super.int32s(array);
    for (let i = from; i < out.length; i++) {
      if (out[i]! >>> 0 > 1) {
        this.wideEnum = true;
        break;
      }
    }
    return out;
  }

  override skipType(wireType: number, depth?: number, fieldNumber?: number): ReaderInternals {
    this.skipped++;
    return super.skipType(wireType, depth, fieldNumber);
  }

  override stringVerify(): string {
    const start = this.pos;
    try {
      return super.stringVerify();
    } catch (e) {
      // The strict TextDecoder throws a TypeError; bounds errors are RangeErrors and pass through.
      if (e instanceof TypeError) throw new InvalidUtf8Error(start, e);
      throw e;
    }
  }

  uint64(): bigint {
    const buf = this.buf;
    const pos = this.pos;
    if (pos + 10 <= buf.length) {
      // Fast path, one bounds check per value (the varint must end within this message): 28 bits
      // in int32 arithmetic, then up to 49 bits in a double (exact), which covers ids, sizes and
      // millisecond timestamps. Anything else takes the general path.
      const end = this.len;
      let b = buf[pos]!;
      let v = b & 0x7f;
      if (b < 0x80) {
        if (pos + 1 > end) return this.uint64Slow();
        this.pos = pos + 1;
        return smallBigInt(v);
      }
      b = buf[pos + 1]!;
      v |= (b & 0x7f) << 7;
      if (b < 0x80) {
        if (pos + 2 > end) return this.uint64Slow();
        this.pos = pos + 2;
        return smallBigInt(v);
      }
      for (let i = 2; i < 4; i++) {
        b = buf[pos + i]!;
        v |= (b & 0x7f) << (7 * i);
        if (b < 0x80) {
          if (pos + i + 1 > end) return this.uint64Slow();
          this.pos = pos + i + 1;
          return BigInt(v);
        }
      }
      let scale = 0x1000_0000;
      for (let i = 4; i < 7; i++) {
        b = buf[pos + i]!;
        v += (b & 0x7f) * scale;
        if (b < 0x80) {
          if (pos + i + 1 > end) return this.uint64Slow();
          this.pos = pos + i + 1;
          return BigInt(v);
        }
        scale *= 128;
      }
    }
    return this.uint64Slow();
  }

  /** The general case: near the end of the buffer, or above 49 bits. */
  private uint64Slow(): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let low = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= this.len) throw new RangeError(`index out of range: ${pos} + 1 > ${this.len}`);
      const b = buf[pos++]!;
      low += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) {
        this.pos = pos;
        return BigInt(low);
      }
    }
    let value = BigInt(low);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (pos >= this.len) throw new RangeError(`index out of range: ${pos} + 1 > ${this.len}`);
      const b = buf[pos++]!;
      value |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (b < 0x80) {
        this.pos = pos;
        return BigInt.asUintN(64, value);
      }
    }
    throw new Error('invalid varint encoding');
  }
}

/**
 * A protobufjs writer that takes `bigint` for `uint64`, refuses strings that are not well-formed
 * UTF-16 (protobufjs would write a lone surrogate as the bytes `ed a0 80`, which no UTF-8 decoder
 * accepts, so the backup could never be read back), and returns unshared output.
 */
class BigIntWriter extends WriterBase {
  override string(value: string): WriterInternals {
    if (typeof value === 'string') {
      const at = loneSurrogateIndex(value);
      if (at >= 0) throw new LoneSurrogateError(at);
    }
    return super.string(value);
  }

  override uint64(value: unknown): WriterInternals {
    let n: number;
    if (typeof value === 'bigint') {
      if (value < 0n || value > MAX_SAFE_BIG) {
        if (value < 0n || value > MAX_UINT64) throw new RangeError(`uint64 field out of range: ${value}`);
        return super.uint64({ low: Number(value & 0xffffffffn) | 0, high: Number(value >> 32n) | 0 });
      }
      n = Number(value);
    } else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      n = value;
    } else {
      throw new TypeError(
        `64-bit field expected bigint, got ${typeof value === 'number' ? 'unsafe number' : typeof value}`,
      );
    }
    if (n < TWO_POW_32) return this.uint32(n);
    // 2^32 .. 2^53: base-128 digits computed exactly in doubles.
    this._reserve(8);
    const buf = this.buf;
    let pos = this.pos;
    while (n >= 128) {
      buf[pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    buf[pos++] = n;
    this.pos = pos;
    return this;
  }

  uint64s(values: unknown[]): WriterInternals {
    this.fork();
    for (const v of values) this.uint64(v);
    return this.ldelim();
  }

  /** The written bytes in a fresh buffer of exactly their size (no shared pool). */
  finish(): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    return out;
  }
}

/** Creates a writer for the generated encoders (used by the stream encoder to add length prefixes). */
export function newWriter(): $protobuf.Writer {
  return new BigIntWriter() as unknown as $protobuf.Writer;
}

interface StaticMessage<T> {
  decode(reader: $protobuf.Reader | Uint8Array): T;
  encode(message: T, writer?: $protobuf.Writer): $protobuf.Writer;
}

function decodeWith<T>(type: StaticMessage<T>, bytes: Uint8Array, what: string, reader?: BigIntReader): T {
  assertBytes(bytes, 'bytes');
  try {
    return type.decode((reader ?? new BigIntReader(bytes)) as unknown as $protobuf.Reader);
  } catch (e) {
    const details =
      e instanceof InvalidUtf8Error
        ? { cause: e, reason: 'invalid-utf8' as const, offset: e.offset }
        : (e as Error)?.message === 'max depth exceeded'
          ? { cause: e, reason: 'too-deep' as const, depth: MAX_MESSAGE_DEPTH }
          : { cause: e };
    throw new BackupError('INVALID_FRAME', `${what} does not parse as protobuf: ${(e as Error).message}`, details);
  }
}

/** A decoded Frame with what the decoder noticed on the way (internal: the validator's fast path). */
export interface DecodedFrameStats {
  frame: Frame;
  /** Fields the schema does not know (0 means no `$unknowns` anywhere in `frame`). */
  unknownFields: number;
  /** False when every enum value read was 0 or 1, so none can be unnamed. */
  wideEnums: boolean;
}

/**
 * Decodes one Frame like {@link decodeFrame} and reports whether the result can hold unknown
 * fields or unnamed enum values (internal: lets the validator skip its walk for the usual frame).
 * A failure from a string field that is not UTF-8 has `details.reason === 'invalid-utf8'`.
 * @throws {BackupError} `INVALID_FRAME` when the bytes are not a well-formed Frame.
 * @throws {TypeError} when `bytes` is not a Uint8Array.
 */
export function decodeFrameWithStats(bytes: Uint8Array): DecodedFrameStats {
  assertBytes(bytes, 'bytes');
  const reader = new BigIntReader(bytes);
  const frame = decodeWith(signal.backup.Frame, bytes, 'frame', reader);
  return { frame, unknownFields: reader.skipped, wideEnums: reader.wideEnum };
}

/** The path (`Frame.chatItem.standardMessage.text.body`) of the first string with a lone surrogate in `message`. */
function loneSurrogatePath(message: unknown, typeName: string, path: string, depth = 0): string | undefined {
  if (typeof message !== 'object' || message === null || depth > MAX_MESSAGE_DEPTH) return undefined;
  const record = message as Record<string, unknown>;
  for (const f of messageInfo(typeName).fields) {
    const v = record[f.name];
    if (v === undefined || v === null) continue;
    const values = f.repeated && Array.isArray(v) ? v : [v];
    for (const [i, x] of values.entries()) {
      const p = f.repeated ? `${path}.${f.name}[${i}]` : `${path}.${f.name}`;
      if (f.kind === 'string' && typeof x === 'string' && loneSurrogateIndex(x) >= 0) return p;
      if (f.kind === 'message') {
        const found = loneSurrogatePath(x, f.typeName!, p, depth + 1);
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

/** Turns the writer's failures on bad data (lone surrogates, nesting too deep) into a {@link BackupError}. */
function encodeFailure(e: unknown, message: unknown, typeName: string): unknown {
  const root = shortName(typeName);
  if (e instanceof LoneSurrogateError) {
    const path = loneSurrogatePath(message, typeName, root) ?? root;
    return new BackupError(
      'INVALID_BACKUP',
      `${path} holds a lone UTF-16 surrogate (half of an emoji or other pair) at index ${e.index}; it cannot be written as UTF-8`,
      { path, index: e.index, reason: 'lone-surrogate' },
    );
  }
  if (
    e instanceof Error &&
    !(e instanceof TypeError) &&
    !(e instanceof RangeError) &&
    e.message === 'max depth exceeded'
  ) {
    return new BackupError('INVALID_FRAME', `${root} nests messages deeper than ${MAX_MESSAGE_DEPTH} levels`, {
      depth: MAX_MESSAGE_DEPTH,
      reason: 'too-deep',
    });
  }
  return e;
}

function encodeWith<T>(type: StaticMessage<T>, message: T, name: string, typeName: string): Uint8Array {
  if (typeof message !== 'object' || message === null) throw new TypeError(`"${name}" expected an object`);
  try {
    return type.encode(message, new BigIntWriter() as unknown as $protobuf.Writer).finish();
  } catch (e) {
    throw encodeFailure(e, message, typeName);
  }
}

/**
 * Decodes one Frame (without its length prefix). Byte fields of the result may share memory with
 * `bytes`; fields unknown to this schema are kept (see {@link findUnknownFields}).
 * @throws {BackupError} `INVALID_FRAME` when the bytes are not a well-formed Frame.
 * @throws {TypeError} when `bytes` is not a Uint8Array.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  return decodeWith(signal.backup.Frame, bytes, 'frame');
}

/**
 * Encodes one Frame (without a length prefix). Unknown fields kept from decoding are written back.
 * @throws {BackupError} `INVALID_BACKUP` naming the field when a string holds a lone UTF-16
 *   surrogate (it has no UTF-8 form); `INVALID_FRAME` when messages nest deeper than 100 levels (`MAX_MESSAGE_DEPTH`).
 * @throws {TypeError} when `frame` is not an object or a 64-bit field is not a bigint / safe integer.
 * @throws {RangeError} when a 64-bit value is negative or above 2^64-1.
 */
export function encodeFrame(frame: Frame): Uint8Array {
  return encodeWith(signal.backup.Frame, frame, 'frame', FRAME_TYPE);
}

/**
 * Decodes the BackupInfo header message (without its length prefix).
 * @throws {BackupError} `INVALID_FRAME` when the bytes are not a well-formed BackupInfo.
 * @throws {TypeError} when `bytes` is not a Uint8Array.
 */
export function decodeBackupInfo(bytes: Uint8Array): BackupInfo {
  return decodeWith(signal.backup.BackupInfo, bytes, 'BackupInfo');
}

/**
 * Encodes the BackupInfo header message (without a length prefix).
 * @throws {BackupError} `INVALID_BACKUP` naming the field when a string holds a lone UTF-16 surrogate.
 * @throws {TypeError} when `info` is not an object or a 64-bit field is not a bigint / safe integer.
 * @throws {RangeError} when a 64-bit value is out of range.
 */
export function encodeBackupInfo(info: BackupInfo): Uint8Array {
  return encodeWith(signal.backup.BackupInfo, info, 'info', BACKUP_INFO_TYPE);
}

/**
 * Decodes a MetadataPb (the metadata block of a modern encrypted backup, without its prefix).
 * @throws {BackupError} `INVALID_FRAME` when the bytes are not a well-formed MetadataPb.
 * @throws {TypeError} when `bytes` is not a Uint8Array.
 */
export function decodeMetadataPb(bytes: Uint8Array): MetadataPb {
  return decodeWith(svrb.backup_metadata.MetadataPb, bytes, 'MetadataPb');
}

/**
 * Encodes a MetadataPb (without a length prefix).
 * @throws {TypeError} when `metadata` is not an object.
 */
export function encodeMetadataPb(metadata: MetadataPb): Uint8Array {
  return encodeWith(svrb.backup_metadata.MetadataPb, metadata, 'metadata', 'svrb.backup_metadata.MetadataPb');
}

/** Encodes into an existing writer (internal: the stream encoder uses it with fork/ldelim). */
export function encodeFrameInto(frame: Frame, writer: $protobuf.Writer): void {
  try {
    signal.backup.Frame.encode(frame, writer);
  } catch (e) {
    throw encodeFailure(e, frame, FRAME_TYPE);
  }
}

/** Encodes BackupInfo into an existing writer (internal). */
export function encodeBackupInfoInto(info: BackupInfo, writer: $protobuf.Writer): void {
  try {
    signal.backup.BackupInfo.encode(info, writer);
  } catch (e) {
    throw encodeFailure(e, info, BACKUP_INFO_TYPE);
  }
}

/**
 * The kind of item a frame carries, or `undefined` for a frame with no item (readers skip those;
 * libsignal's validator rejects them).
 * @throws {TypeError} when `frame` is not an object.
 */
export function frameKind(frame: Frame): FrameKind | undefined {
  if (typeof frame !== 'object' || frame === null) throw new TypeError('"frame" expected an object');
  for (const kind of FRAME_KINDS) {
    if (frame[kind] != null && Object.hasOwn(frame, kind)) return kind;
  }
  return undefined;
}

let chatItemKinds: string[] | undefined;

/**
 * The kind of a chat item: the name of the `ChatItem.item` oneof member that is set
 * (`standardMessage`, `updateMessage`, …), or `undefined` when none is.
 * @throws {TypeError} when `item` is not an object.
 */
export function chatItemKind(item: signal.backup.ChatItem.$Properties): string | undefined {
  if (typeof item !== 'object' || item === null) throw new TypeError('"item" expected an object');
  chatItemKinds ??= messageInfo('signal.backup.ChatItem')
    .fields.filter((f) => f.oneof === 'item')
    .map((f) => f.name);
  const record = item as Record<string, unknown>;
  for (const kind of chatItemKinds) {
    if (record[kind] != null && Object.hasOwn(record, kind)) return kind;
  }
  return undefined;
}
