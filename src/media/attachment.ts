/**
 * Attachments in Signal's transit format, which is also the inner layer of media-tier objects:
 * `IV(16) || AES-256-CBC/PKCS7(plaintext || zeros up to paddedSize) || HMAC-SHA256(IV || ciphertext)`.
 * The 64-byte attachment key is split AES key first, MAC key second (as the clients split it).
 * Also: `plaintextHash = SHA-256(plaintext)`, `digest = SHA-256(whole blob)`, and the incremental
 * MAC over the whole blob. Three layers of API: one-shot functions, synchronous push classes, and
 * async generators over streams.
 */

import { defaultBackend } from '../backends/auto.js';
import type { CryptoBackend, Hasher, MaybePromise } from '../backends/types.js';
import { BackupError } from '../errors.js';
import { assertBytes, concatByteList, constantTimeEqual } from '../internal/bytes.js';
import type { SplitKey } from '../keys/hierarchy.js';
import { randomBytes, type RandomSource } from '../random.js';
import { andThen, CbcHmacDecryptEngine, CbcHmacEncryptEngine, concat2, now } from './cbcHmac.js';
import {
  ATTACHMENT_KEY_HALF,
  ATTACHMENT_KEY_LENGTH,
  HASH_LENGTH,
  IV_LENGTH,
  MAC_LENGTH,
  STREAM_PIECE,
} from './constants.js';
import { IncrementalMacDigester, IncrementalMacVerifier, incrementalMacChunkSize } from './incrementalMac.js';
import { ciphertextSize, paddedSize } from './padding.js';
import { type BlobLike, type ByteSource, isRereadable, openSource, type RereadableSource } from './source.js';

const EMPTY = new Uint8Array(0);
const ZEROS = /* @__PURE__ */ new Uint8Array(STREAM_PIECE);

/**
 * Splits a 64-byte attachment key as Signal's clients do: `aesKey = key[0, 32)`,
 * `hmacKey = key[32, 64)` (the opposite of the media-tier order).
 *
 * @throws {TypeError | RangeError} when `key` is not 64 bytes.
 */
export function splitAttachmentKey(key: Uint8Array): SplitKey {
  assertBytes(key, 'key', ATTACHMENT_KEY_LENGTH);
  return { aesKey: key.slice(0, ATTACHMENT_KEY_HALF), hmacKey: key.slice(ATTACHMENT_KEY_HALF) };
}

/** A new random 64-byte attachment key. */
export function generateAttachmentKey(random?: RandomSource): Uint8Array {
  return randomBytes(ATTACHMENT_KEY_LENGTH, random);
}

/** Options for encrypting an attachment. */
export interface EncryptAttachmentOptions {
  /** 16-byte IV; random by default. Signal's apps use a fresh random IV per upload. */
  iv?: Uint8Array;
  /** Randomness for the IV (default: the installed source, else WebCrypto). */
  random?: RandomSource;
  /** Crypto backend (default `defaultBackend()`). */
  backend?: CryptoBackend;
  /**
   * The plaintext size, when known before streaming. Needed for the incremental MAC (its chunk
   * size depends on the encrypted length); the encryptor then checks the data has exactly this size.
   * One-shot and Blob inputs know it.
   */
  size?: number;
  /** Compute the incremental MAC (default true whenever the size is known). */
  incrementalMac?: boolean;
}

/** What an encryption produces besides the blob: the FilePointer fields. */
export interface AttachmentInfo {
  /** Plaintext size in bytes (LocatorInfo.size). */
  size: number;
  /** Plaintext size after bucket padding. */
  paddedSize: number;
  /** Length of the encrypted blob. */
  ciphertextSize: number;
  /** SHA-256 of the plaintext (LocatorInfo.plaintextHash). */
  plaintextHash: Uint8Array;
  /** SHA-256 of the encrypted blob (LocatorInfo.encryptedDigest). */
  digest: Uint8Array;
  /** Incremental MAC over the encrypted blob (FilePointer.incrementalMac), when computed. */
  incrementalMac?: Uint8Array;
  /** Its chunk size (FilePointer.incrementalMacChunkSize), when computed. */
  incrementalMacChunkSize?: number;
}

/** An encrypted attachment and its FilePointer fields. */
export interface EncryptedAttachment extends AttachmentInfo {
  /** The encrypted blob `IV || ciphertext || MAC`. */
  ciphertext: Uint8Array;
}

function assertOptionalSize(size: unknown, name: string): void {
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
    throw new RangeError(`"${name}" expected a non-negative integer, got ${String(size)}`);
  }
}

/** The encryption state machine shared by every layer (each step may be async with async backends). */
class EncryptCore {
  private readonly engine: CbcHmacEncryptEngine;
  private readonly plainHash: Hasher;
  private readonly blobHash: Hasher;
  private readonly incremental: IncrementalMacDigester | undefined;
  private readonly declared: number | undefined;
  private size = 0;
  private padLeft = -1;
  info: AttachmentInfo | undefined;

  constructor(key: Uint8Array, options: EncryptAttachmentOptions) {
    const { aesKey, hmacKey } = splitAttachmentKey(key);
    assertOptionalSize(options.size, 'size');
    const backend = options.backend ?? defaultBackend();
    const iv = options.iv ?? randomBytes(IV_LENGTH, options.random);
    assertBytes(iv, 'iv', IV_LENGTH);
    this.declared = options.size;
    this.plainHash = backend.sha256();
    this.blobHash = backend.sha256();
    if (options.size !== undefined && options.incrementalMac !== false) {
      const chunk = incrementalMacChunkSize(ciphertextSize(options.size));
      this.incremental = new IncrementalMacDigester(hmacKey, chunk, backend);
    } else if (options.incrementalMac === true) {
      throw new TypeError('"incrementalMac" needs "size": the chunk size depends on the encrypted length');
    }
    this.engine = new CbcHmacEncryptEngine(aesKey, hmacKey, iv, backend, (bytes) => {
      this.blobHash.update(bytes);
      this.incremental?.push(bytes);
    });
  }

  push(chunk: Uint8Array): MaybePromise<Uint8Array> {
    assertBytes(chunk, 'chunk');
    if (this.padLeft >= 0) throw new Error('attachment encryptor: push() after finish()');
    this.size += chunk.length;
    if (this.declared !== undefined && this.size > this.declared) {
      throw new BackupError('SIZE_MISMATCH', `plaintext is longer than the declared size (${this.declared} bytes)`);
    }
    this.plainHash.update(chunk);
    return this.engine.push(chunk);
  }

  /** Pushes the next piece of zero padding; returns undefined when all padding is in. */
  pad(): MaybePromise<Uint8Array> | undefined {
    if (this.padLeft < 0) {
      if (this.declared !== undefined && this.size !== this.declared) {
        throw new BackupError('SIZE_MISMATCH', `plaintext is ${this.size} bytes, declared ${this.declared}`);
      }
      this.padLeft = paddedSize(this.size) - this.size;
    }
    if (this.padLeft === 0) return undefined;
    const n = Math.min(this.padLeft, ZEROS.length);
    this.padLeft -= n;
    return this.engine.push(ZEROS.subarray(0, n));
  }

  end(): MaybePromise<Uint8Array> {
    return andThen(this.engine.end(), (last) => {
      this.info = {
        size: this.size,
        paddedSize: paddedSize(this.size),
        ciphertextSize: this.engine.written,
        plaintextHash: this.plainHash.digest(),
        digest: this.blobHash.digest(),
      };
      if (this.incremental !== undefined) {
        this.info.incrementalMac = this.incremental.finish();
        this.info.incrementalMacChunkSize = this.incremental.chunkSize;
      }
      return last;
    });
  }
}

/**
 * Encrypts an attachment in pushed pieces, synchronously (needs a synchronous backend: pure or
 * node). `push` returns encrypted bytes as they are ready; `finish` returns the rest (padding,
 * last block, MAC); then `info` holds the FilePointer fields.
 */
export class AttachmentEncryptor {
  private readonly core: EncryptCore;
  private readonly backend: CryptoBackend;

  /**
   * @param key the 64-byte attachment key.
   * @throws {TypeError | RangeError} when the key, IV or size is malformed.
   */
  constructor(key: Uint8Array, options: EncryptAttachmentOptions = {}) {
    this.backend = options.backend ?? defaultBackend();
    this.core = new EncryptCore(key, { ...options, backend: this.backend });
  }

  /**
   * Encrypts the next piece of plaintext.
   *
   * @throws {BackupError} `SIZE_MISMATCH` when more data arrives than the declared size.
   * @throws {TypeError} when the backend is asynchronous.
   */
  push(chunk: Uint8Array): Uint8Array {
    return now(this.core.push(chunk), this.backend);
  }

  /**
   * Ends the plaintext: returns the padding's ciphertext, the last block and the MAC.
   *
   * @throws {BackupError} `SIZE_MISMATCH` when the data is shorter than the declared size.
   */
  finish(): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let p = this.core.pad(); p !== undefined; p = this.core.pad()) parts.push(now(p, this.backend));
    parts.push(now(this.core.end(), this.backend));
    return concatByteList(parts);
  }

  /** The FilePointer fields, once `finish()` has returned. */
  get info(): AttachmentInfo | undefined {
    return this.core.info;
  }
}

/**
 * Encrypts a whole attachment in one call; the result carries the incremental MAC too.
 *
 * @throws {TypeError | RangeError} when the key, IV or plaintext is malformed.
 */
export async function encryptAttachment(
  plaintext: Uint8Array,
  key: Uint8Array,
  options: EncryptAttachmentOptions = {},
): Promise<EncryptedAttachment> {
  assertBytes(plaintext, 'plaintext');
  const core = new EncryptCore(key, { ...options, size: plaintext.length });
  const parts = [await core.push(plaintext)];
  for (let p = core.pad(); p !== undefined; p = core.pad()) parts.push(await p);
  parts.push(await core.end());
  return { ciphertext: concatByteList(parts), ...core.info! };
}

/** Options of {@link encryptAttachmentStream}. */
export interface EncryptAttachmentStreamOptions extends EncryptAttachmentOptions {
  /** Called with the FilePointer fields once the last byte has been yielded. */
  onInfo?: (info: AttachmentInfo) => void;
}

/**
 * Encrypts a stream of plaintext, yielding encrypted bytes with bounded memory. A Blob input
 * gives its size, so the incremental MAC is computed; for other streams pass `options.size`.
 * The generator's return value (and `onInfo`) is the {@link AttachmentInfo}.
 *
 * @throws {BackupError} `SIZE_MISMATCH` when `options.size` is given and the data differs.
 * @throws {TypeError | RangeError} when the key, IV or source is malformed.
 */
export async function* encryptAttachmentStream(
  source: ByteSource | RereadableSource,
  key: Uint8Array,
  options: EncryptAttachmentStreamOptions = {},
): AsyncGenerator<Uint8Array, AttachmentInfo, undefined> {
  let size = options.size;
  if (size === undefined && source instanceof Uint8Array) size = source.length;
  else if (size === undefined && isRereadable(source) && typeof source !== 'function') size = (source as BlobLike).size;
  const core = new EncryptCore(key, { ...options, size });
  for await (const chunk of openSource(source)) {
    const out = await core.push(chunk);
    if (out.length > 0) yield out;
  }
  for (let p = core.pad(); p !== undefined; p = core.pad()) {
    const out = await p;
    if (out.length > 0) yield out;
  }
  yield await core.end();
  options.onInfo?.(core.info!);
  return core.info!;
}

/** Options for decrypting an attachment. */
export interface DecryptAttachmentOptions {
  /** The plaintext size (LocatorInfo.size); the padding after it is cut off. */
  size: number;
  /** Expected SHA-256 of the whole blob (LocatorInfo.encryptedDigest). */
  digest?: Uint8Array;
  /** Expected SHA-256 of the plaintext (LocatorInfo.plaintextHash). */
  plaintextHash?: Uint8Array;
  /** Crypto backend (default `defaultBackend()`). */
  backend?: CryptoBackend;
}

/**
 * Releases decrypted bytes up to `size`, checks that what follows is zero padding, hashes the
 * plaintext and checks the expectations at the end.
 */
class PlaintextTrimmer {
  private released = 0;
  private nonZeroPadding = 0;
  private readonly hash: Hasher | undefined;

  constructor(
    private readonly size: number,
    private readonly expectedHash: Uint8Array | undefined,
    backend: CryptoBackend,
  ) {
    this.hash = expectedHash === undefined ? undefined : backend.sha256();
  }

  take(plain: Uint8Array): Uint8Array {
    const room = this.size - this.released;
    const out = plain.length <= room ? plain : plain.subarray(0, Math.max(0, room));
    for (let i = out.length; i < plain.length; i++) this.nonZeroPadding |= plain[i]!;
    this.released += out.length;
    this.hash?.update(out);
    return out;
  }

  end(): void {
    if (this.released < this.size) {
      throw new BackupError(
        'SIZE_MISMATCH',
        `attachment decrypts to ${this.released} bytes but its size is given as ${this.size}`,
      );
    }
    if (this.nonZeroPadding !== 0) {
      throw new BackupError('SIZE_MISMATCH', `attachment has data after the given size (${this.size} bytes)`);
    }
    if (this.hash !== undefined && !constantTimeEqual(this.hash.digest(), this.expectedHash!)) {
      throw new BackupError('PLAINTEXT_HASH_MISMATCH', 'decrypted attachment does not match its plaintext hash');
    }
  }
}

function checkDecryptOptions(key: Uint8Array, options: DecryptAttachmentOptions): SplitKey {
  const split = splitAttachmentKey(key);
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object with "size"');
  if (typeof options.size !== 'number' || !Number.isSafeInteger(options.size) || options.size < 0) {
    throw new RangeError(`"size" expected a non-negative integer, got ${String(options.size)}`);
  }
  if (options.digest !== undefined) assertBytes(options.digest, 'digest', HASH_LENGTH);
  if (options.plaintextHash !== undefined) assertBytes(options.plaintextHash, 'plaintextHash', HASH_LENGTH);
  return split;
}

/**
 * One decryption pass. With `release` false it only authenticates (MAC, digest, and — when a
 * plaintext hash is expected — the plaintext too, without keeping it).
 */
class DecryptCore {
  private readonly engine: CbcHmacDecryptEngine;
  private readonly blobHash: Hasher | undefined;
  private readonly trimmer: PlaintextTrimmer | undefined;

  constructor(
    split: SplitKey,
    private readonly options: DecryptAttachmentOptions,
    private readonly backend: CryptoBackend,
    mode: 'verify' | 'decrypt',
  ) {
    this.blobHash = options.digest !== undefined && mode === 'verify' ? backend.sha256() : undefined;
    const decrypt = mode === 'decrypt' || options.plaintextHash !== undefined;
    this.trimmer = decrypt ? new PlaintextTrimmer(options.size, options.plaintextHash, backend) : undefined;
    this.engine = new CbcHmacDecryptEngine(split.aesKey, split.hmacKey, backend, {
      decrypt,
      ...(this.blobHash !== undefined ? { observe: (b: Uint8Array) => this.blobHash!.update(b) } : {}),
    });
  }

  push(chunk: Uint8Array): MaybePromise<Uint8Array> {
    return andThen(this.engine.push(chunk), (plain) => (this.trimmer ? this.trimmer.take(plain) : EMPTY));
  }

  end(): MaybePromise<Uint8Array> {
    // The MAC is checked before the digest (Desktop's order): a wrong key reads as MAC_MISMATCH.
    return andThen(this.engine.end(), (plain) => {
      if (this.blobHash !== undefined && !constantTimeEqual(this.blobHash.digest(), this.options.digest!)) {
        throw new BackupError('DIGEST_MISMATCH', 'encrypted attachment does not match its digest');
      }
      if (this.trimmer === undefined) {
        // Verification pass without decryption: the size can still be bounded by the length.
        if (this.options.size > this.engine.read - IV_LENGTH - MAC_LENGTH - 1) {
          throw new BackupError(
            'SIZE_MISMATCH',
            `attachment is too short for its given size (${this.options.size} bytes)`,
          );
        }
        return EMPTY;
      }
      const out = this.trimmer.take(plain);
      this.trimmer.end();
      return out;
    });
  }

  /** The backend this pass runs on. */
  get cryptoBackend(): CryptoBackend {
    return this.backend;
  }
}

/**
 * Decrypts a whole attachment. Checks the MAC (and the digest and plaintext hash when given)
 * before returning anything; returns exactly `options.size` bytes.
 *
 * @throws {BackupError} `TRUNCATED`, `MAC_MISMATCH` (wrong key or damaged), `DIGEST_MISMATCH`,
 *   `BAD_PADDING`, `SIZE_MISMATCH` (wrong size), `PLAINTEXT_HASH_MISMATCH`.
 * @throws {TypeError | RangeError} when the key or an option is malformed.
 */
export async function decryptAttachment(
  blob: Uint8Array,
  key: Uint8Array,
  options: DecryptAttachmentOptions,
): Promise<Uint8Array> {
  assertBytes(blob, 'blob');
  const split = checkDecryptOptions(key, options);
  const backend = options.backend ?? defaultBackend();
  // Everything is in memory and nothing is returned before the end, so one pass checks it all.
  const core = new DecryptCore(split, { ...options, digest: undefined }, backend, 'decrypt');
  const first = await core.push(blob);
  const last = await core.end();
  if (options.digest !== undefined) {
    const h = backend.sha256();
    h.update(blob);
    if (!constantTimeEqual(h.digest(), options.digest)) {
      throw new BackupError('DIGEST_MISMATCH', 'encrypted attachment does not match its digest');
    }
  }
  return concat2(first, last).slice();
}

/** Options of {@link decryptAttachmentStream}. */
export interface DecryptAttachmentStreamOptions extends DecryptAttachmentOptions {
  /**
   * Decrypt a one-time stream in a single pass: plaintext is released BEFORE the MAC is checked
   * (the error comes at the end). Only for callers that can undo what they did with it. Prefer a
   * re-readable source, or {@link decryptAttachmentProgressive} with an incremental MAC.
   */
  singlePass?: boolean;
}

async function runPass(core: DecryptCore, source: AsyncIterable<Uint8Array>, sink?: (b: Uint8Array) => void) {
  for await (const chunk of source) {
    const out = await core.push(chunk);
    if (sink && out.length > 0) sink(out);
  }
  const last = await core.end();
  if (sink && last.length > 0) sink(last);
}

/**
 * Decrypts a streamed attachment with bounded memory. A re-readable source (bytes, Blob, or a
 * factory that opens the data again) is read twice: first to check the MAC, the digest and the
 * plaintext hash, then to decrypt, so no byte is yielded from data that fails a check. A one-time
 * stream needs `singlePass: true` (see there).
 *
 * @throws {BackupError} as {@link decryptAttachment}.
 * @throws {TypeError} for a one-time stream without `singlePass`, or a malformed key or option.
 */
export async function* decryptAttachmentStream(
  source: RereadableSource | ByteSource,
  key: Uint8Array,
  options: DecryptAttachmentStreamOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const split = checkDecryptOptions(key, options);
  const backend = options.backend ?? defaultBackend();
  if (isRereadable(source)) {
    await runPass(new DecryptCore(split, options, backend, 'verify'), openSource(source));
  } else if (options.singlePass !== true) {
    throw new TypeError(
      '"source" is a one-time stream: pass bytes, a Blob or a function that opens the data again, or set singlePass',
    );
  }
  const core = new DecryptCore(split, { ...options, digest: undefined }, backend, 'decrypt');
  const blobHash = !isRereadable(source) && options.digest !== undefined ? backend.sha256() : undefined;
  for await (const chunk of openSource(source)) {
    blobHash?.update(chunk);
    const out = await core.push(chunk);
    if (out.length > 0) yield out;
  }
  const last = await core.end();
  if (blobHash !== undefined && !constantTimeEqual(blobHash.digest(), options.digest!)) {
    throw new BackupError('DIGEST_MISMATCH', 'encrypted attachment does not match its digest');
  }
  if (last.length > 0) yield last;
}

/**
 * Decrypts an attachment in pushed pieces, synchronously, in ONE pass: `push` returns plaintext
 * before the MAC is checked (in `finish`). It exists for callers that verify chunks themselves
 * (e.g. with {@link IncrementalMacVerifier}) or can discard output; the constructor requires
 * `singlePass: true` to make that explicit.
 */
export class AttachmentDecryptor {
  private readonly core: DecryptCore;
  private readonly blobHash: Hasher | undefined;
  private readonly digest: Uint8Array | undefined;

  /**
   * @throws {TypeError} unless `options.singlePass` is true; when the key or an option is malformed.
   */
  constructor(key: Uint8Array, options: DecryptAttachmentOptions & { singlePass: true }) {
    const split = checkDecryptOptions(key, options);
    if (options.singlePass !== true)
      throw new TypeError('"singlePass" must be true: this decryptor releases unverified data');
    const backend = options.backend ?? defaultBackend();
    this.digest = options.digest;
    this.blobHash = options.digest !== undefined ? backend.sha256() : undefined;
    this.core = new DecryptCore(split, { ...options, digest: undefined }, backend, 'decrypt');
  }

  /** Decrypts the next piece; the output is not yet authenticated. @throws {TypeError} with an async backend. */
  push(chunk: Uint8Array): Uint8Array {
    assertBytes(chunk, 'chunk');
    this.blobHash?.update(chunk);
    return now(this.core.push(chunk), this.core.cryptoBackend);
  }

  /**
   * Checks the MAC, padding, size, digest and plaintext hash; returns the last plaintext bytes.
   *
   * @throws {BackupError} as {@link decryptAttachment}.
   */
  finish(): Uint8Array {
    const last = now(this.core.end(), this.core.cryptoBackend);
    if (this.blobHash !== undefined && !constantTimeEqual(this.blobHash.digest(), this.digest!)) {
      throw new BackupError('DIGEST_MISMATCH', 'encrypted attachment does not match its digest');
    }
    return last;
  }
}

/** Options of {@link decryptAttachmentProgressive}. */
export interface DecryptProgressiveOptions extends DecryptAttachmentOptions {
  /** FilePointer.incrementalMac. */
  incrementalMac: Uint8Array;
  /** FilePointer.incrementalMacChunkSize. */
  chunkSize: number;
}

/**
 * Decrypts a one-time stream (a download in progress) and yields plaintext as soon as the
 * incremental MAC of the encrypted chunk it came from verifies: what a player needs to play a
 * video while it downloads. The whole-blob MAC, digest, size and plaintext hash are checked at
 * the end.
 *
 * @throws {BackupError} `MAC_MISMATCH` at the first chunk that fails; as {@link decryptAttachment} at the end.
 * @throws {TypeError | RangeError} when the key or an option is malformed.
 */
export async function* decryptAttachmentProgressive(
  source: ByteSource | RereadableSource,
  key: Uint8Array,
  options: DecryptProgressiveOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const split = checkDecryptOptions(key, options);
  const backend = options.backend ?? defaultBackend();
  const verifier = new IncrementalMacVerifier(split.hmacKey, options.chunkSize, options.incrementalMac, backend);
  const core = new DecryptCore(split, { ...options, digest: undefined }, backend, 'decrypt');
  const blobHash = options.digest !== undefined ? backend.sha256() : undefined;
  const feed = async (verified: Uint8Array) => {
    blobHash?.update(verified);
    return verified.length > 0 ? await core.push(verified) : EMPTY;
  };
  for await (const chunk of openSource(source)) {
    const out = await feed(verifier.push(chunk));
    if (out.length > 0) yield out;
  }
  const tail = await feed(verifier.finish());
  const last = await core.end();
  if (blobHash !== undefined && !constantTimeEqual(blobHash.digest(), options.digest!)) {
    throw new BackupError('DIGEST_MISMATCH', 'encrypted attachment does not match its digest');
  }
  const rest = concat2(tail, last);
  if (rest.length > 0) yield rest;
}
