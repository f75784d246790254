/**
 * The primitives every backend provides. A backend is a small object of factories; the format
 * code (container, media) is written once against it, and every backend must produce identical
 * bytes. Methods that may need the event loop (WebCrypto, node:zlib streams) return
 * `MaybePromise`, so callers always `await` them; synchronous backends pay nothing for that.
 */

export type MaybePromise<T> = T | Promise<T>;

/** A running hash or MAC. Always synchronous (noble and node:crypto both are). */
export interface Hasher {
  update(data: Uint8Array): void;
  /** Finishes and returns the 32-byte digest; the hasher cannot be used afterwards. */
  digest(): Uint8Array;
  /** A copy of the running state (for incremental MACs that emit a MAC of every prefix). */
  clone(): Hasher;
}

/**
 * A streaming AES-256-CBC transform with PKCS#7 padding. `update` returns whole blocks as soon as
 * they are known (a decryptor holds back the last block until `final`, to strip the padding).
 */
export interface CbcStream {
  update(data: Uint8Array): MaybePromise<Uint8Array>;
  /** Ends the stream. Decryptors throw `BackupError('BAD_PADDING')` or `('TRUNCATED')` here. */
  final(): MaybePromise<Uint8Array>;
}

/** Names of the backends shipped with sbackup. */
export type BackendName = 'pure' | 'webcrypto' | 'node';

export interface CryptoBackend {
  readonly name: BackendName | (string & {});
  sha256(): Hasher;
  hmacSha256(key: Uint8Array): Hasher;
  aesCbcEncrypt(key: Uint8Array, iv: Uint8Array): CbcStream;
  aesCbcDecrypt(key: Uint8Array, iv: Uint8Array): CbcStream;
}
