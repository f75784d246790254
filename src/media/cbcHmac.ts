/**
 * The construction shared by attachments and the media tier's outer layer:
 * `IV(16) || AES-256-CBC/PKCS7(data) || HMAC-SHA256(macKey, IV || ciphertext)`.
 * Internal engines, written once against the backend; every step may return a promise when the
 * backend is asynchronous (WebCrypto), and returns plain values when it is not, so the same
 * engine drives the synchronous push classes and the async pipelines.
 */

import type { CbcStream, CryptoBackend, Hasher, MaybePromise } from '../backends/types.js';
import { BackupError } from '../errors.js';
import { constantTimeEqual } from '../internal/bytes.js';
import { AES_BLOCK_SIZE, IV_LENGTH, MAC_LENGTH } from './constants.js';

const EMPTY = new Uint8Array(0);

/** Applies `f` to `v` now when it is a value, or when it resolves. */
export function andThen<T, U>(v: MaybePromise<T>, f: (t: T) => MaybePromise<U>): MaybePromise<U> {
  return v instanceof Promise ? v.then(f) : f(v);
}

/** Unwraps a value a synchronous push class needs now; an asynchronous backend cannot serve it. */
export function now<T>(v: MaybePromise<T>, backend: CryptoBackend): T {
  if (v instanceof Promise) {
    v.catch(() => {});
    throw new TypeError(
      `backend "${backend.name}" is asynchronous; use the async functions (or a synchronous backend) for push classes`,
    );
  }
  return v;
}

export function concat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Encrypts a stream: the first output starts with the IV, `end()` returns the last blocks and the
 * MAC. `observe` sees every output byte (IV through MAC), for digests and incremental MACs.
 */
export class CbcHmacEncryptEngine {
  private readonly cbc: CbcStream;
  private readonly mac: Hasher;
  private iv: Uint8Array | undefined;
  /** Bytes output so far (IV, ciphertext and MAC). */
  written = 0;

  constructor(
    aesKey: Uint8Array,
    macKey: Uint8Array,
    iv: Uint8Array,
    backend: CryptoBackend,
    private readonly observe: (bytes: Uint8Array) => void,
  ) {
    this.cbc = backend.aesCbcEncrypt(aesKey, iv);
    this.mac = backend.hmacSha256(macKey);
    this.iv = iv.slice();
  }

  private emit(ct: Uint8Array): Uint8Array {
    let out = ct;
    if (this.iv !== undefined) {
      out = concat2(this.iv, ct);
      this.iv = undefined;
    }
    this.mac.update(out);
    this.observe(out);
    this.written += out.length;
    return out;
  }

  push(data: Uint8Array): MaybePromise<Uint8Array> {
    if (data.length === 0 && this.iv === undefined) return EMPTY;
    return andThen(this.cbc.update(data), (ct) => this.emit(ct));
  }

  end(): MaybePromise<Uint8Array> {
    return andThen(this.cbc.final(), (ct) => {
      const body = this.emit(ct);
      const tag = this.mac.digest();
      this.observe(tag);
      this.written += tag.length;
      return concat2(body, tag);
    });
  }
}

/** Options of {@link CbcHmacDecryptEngine}. */
export interface DecryptEngineOptions {
  /** When false, only the MAC (and `observe`) are computed: a verification pass. */
  decrypt: boolean;
  /** Sees every input byte (IV through MAC), e.g. for the digest. */
  observe?: (bytes: Uint8Array) => void;
}

/**
 * Decrypts a stream in one pass: holds back the last 32 bytes (the MAC), feeds the rest to the
 * HMAC and the CBC decryptor, and checks the MAC in `end()` before the final block is unpadded.
 * Output returned by `push` is NOT yet authenticated; callers decide when to release it.
 */
export class CbcHmacDecryptEngine {
  private readonly mac: Hasher;
  private cbc: CbcStream | undefined;
  private head = new Uint8Array(0);
  private tail = new Uint8Array(0);
  /** Input bytes seen so far. */
  read = 0;

  constructor(
    private readonly aesKey: Uint8Array,
    macKey: Uint8Array,
    private readonly backend: CryptoBackend,
    private readonly options: DecryptEngineOptions,
  ) {
    this.mac = backend.hmacSha256(macKey);
  }

  push(data: Uint8Array): MaybePromise<Uint8Array> {
    this.read += data.length;
    this.options.observe?.(data);
    // Keep the newest MAC_LENGTH bytes back: they may be the tag.
    const joined = concat2(this.tail, data);
    const cut = Math.max(0, joined.length - MAC_LENGTH);
    this.tail = joined.slice(cut);
    let body = joined.subarray(0, cut);
    if (body.length === 0) return EMPTY;
    if (this.cbc === undefined) {
      const head = concat2(this.head, body);
      if (head.length < IV_LENGTH) {
        this.head = head.slice();
        return EMPTY;
      }
      this.head = new Uint8Array(0);
      this.mac.update(head.subarray(0, IV_LENGTH));
      if (this.options.decrypt) this.cbc = this.backend.aesCbcDecrypt(this.aesKey, head.slice(0, IV_LENGTH));
      else this.cbc = { update: () => EMPTY, final: () => EMPTY };
      body = head.subarray(IV_LENGTH);
      if (body.length === 0) return EMPTY;
    }
    this.mac.update(body);
    return this.cbc.update(body);
  }

  /**
   * Checks the length and the MAC, then returns the last plaintext bytes.
   *
   * @throws {BackupError} `TRUNCATED` (too short, or not whole blocks), `MAC_MISMATCH`, `BAD_PADDING`.
   */
  end(): MaybePromise<Uint8Array> {
    const bodyLength = this.read - IV_LENGTH - MAC_LENGTH;
    if (this.cbc === undefined || this.tail.length < MAC_LENGTH || bodyLength < AES_BLOCK_SIZE) {
      throw new BackupError('TRUNCATED', 'encrypted data is too short (file truncated?)', { offset: this.read });
    }
    if (bodyLength % AES_BLOCK_SIZE !== 0) {
      // The MAC would fail too; the length says more about what went wrong.
      throw new BackupError('TRUNCATED', 'encrypted data is not a whole number of AES blocks (file truncated?)', {
        offset: this.read,
      });
    }
    if (!constantTimeEqual(this.mac.digest(), this.tail)) {
      throw new BackupError('MAC_MISMATCH', 'MAC check failed: wrong key or damaged data');
    }
    return this.cbc.final();
  }
}

/** Encrypts `data` in one call (no bucket padding). */
export async function cbcHmacEncrypt(
  data: Uint8Array,
  aesKey: Uint8Array,
  macKey: Uint8Array,
  iv: Uint8Array,
  backend: CryptoBackend,
): Promise<Uint8Array> {
  const engine = new CbcHmacEncryptEngine(aesKey, macKey, iv, backend, () => {});
  const body = await engine.push(data);
  return concat2(body, await engine.end()).slice();
}

/**
 * Decrypts `blob` in one call, checking the MAC first.
 *
 * @throws {BackupError} `TRUNCATED`, `MAC_MISMATCH`, `BAD_PADDING`.
 */
export async function cbcHmacDecrypt(
  blob: Uint8Array,
  aesKey: Uint8Array,
  macKey: Uint8Array,
  backend: CryptoBackend,
): Promise<Uint8Array> {
  // Nothing is returned before end() has checked the MAC, so one pass is enough.
  const engine = new CbcHmacDecryptEngine(aesKey, macKey, backend, { decrypt: true });
  const body = await engine.push(blob);
  return concat2(body, await engine.end()).slice();
}
