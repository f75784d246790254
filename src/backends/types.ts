/**
 * The primitives every backend provides. A backend is a small object of factories; the format
 * code (container, media) is written once against it, and every backend must produce identical
 * bytes. Methods that may need the event loop (WebCrypto, node:zlib streams) return
 * `MaybePromise`, so callers always `await` them; synchronous backends pay nothing for that.
 */

export type MaybePromise<T> = T | Promise<T>;

/** A running hash or MAC. Always synchronous (noble and node:crypto both are). */
export interface Hasher {
  /** Feeds `data` into the running hash or MAC. */
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
  /** Encrypts or decrypts `data`; returns the whole blocks now known (possibly none). */
  update(data: Uint8Array): MaybePromise<Uint8Array>;
  /** Ends the stream. Decryptors throw `BackupError('BAD_PADDING')` or `('TRUNCATED')` here. */
  final(): MaybePromise<Uint8Array>;
}

/** A {@link CbcStream} that never returns a promise. */
export interface SyncCbcStream extends CbcStream {
  /** As {@link CbcStream.update}, synchronously. */
  update(data: Uint8Array): Uint8Array;
  /** As {@link CbcStream.final}, synchronously. */
  final(): Uint8Array;
}

/**
 * A backend whose AES-CBC runs synchronously (the pure and node backends; WebCrypto's is
 * asynchronous). The synchronous push classes (`AttachmentEncryptor`, `AttachmentDecryptor`)
 * take only such a backend.
 */
export interface SyncCryptoBackend extends CryptoBackend {
  /** As {@link CryptoBackend.aesCbcEncrypt}, synchronously. */
  aesCbcEncrypt(key: Uint8Array, iv: Uint8Array): SyncCbcStream;
  /** As {@link CryptoBackend.aesCbcDecrypt}, synchronously. */
  aesCbcDecrypt(key: Uint8Array, iv: Uint8Array): SyncCbcStream;
}

/** Names of the backends shipped with sbackup. */
export type BackendName = 'pure' | 'webcrypto' | 'node';

/** A backend: hashes, AES-CBC and (for the container) DEFLATE. */
export interface CryptoBackend extends CompressionBackend {
  /** The backend's name: one of the shipped {@link BackendName}s, or any name for a custom backend. */
  readonly name: BackendName | (string & {});
  /** A new SHA-256 hasher. */
  sha256(): Hasher;
  /** A new HMAC-SHA256 keyed with `key`. */
  hmacSha256(key: Uint8Array): Hasher;
  /** A new AES-256-CBC encryptor with PKCS#7 padding (`key` 32 bytes, `iv` 16 bytes). */
  aesCbcEncrypt(key: Uint8Array, iv: Uint8Array): CbcStream;
  /** A new AES-256-CBC decryptor that strips the PKCS#7 padding (`key` 32 bytes, `iv` 16 bytes). */
  aesCbcDecrypt(key: Uint8Array, iv: Uint8Array): CbcStream;
}

/**
 * A streaming raw DEFLATE compressor (RFC 1951, no zlib or gzip wrapper; the container adds the
 * gzip header and trailer itself). Each method returns the compressed bytes it produced, possibly
 * none.
 */
export interface DeflateStream {
  /** Compresses `data`; output may lag behind input until `flush` or `finish`. */
  push(data: Uint8Array): MaybePromise<Uint8Array>;
  /**
   * Ends the current DEFLATE block. The node backend does a full flush (Z_FULL_FLUSH:
   * byte-aligned, the dictionary restarts) and may hand the block's output out in a later call
   * (it compresses blocks in parallel); fflate ends the block without either (it has no full
   * flush) and returns its output at once. Readers cannot tell the difference.
   */
  flush(): MaybePromise<Uint8Array>;
  /** Writes the final block and returns all output not yet returned; the stream cannot be used afterwards. */
  finish(): MaybePromise<Uint8Array>;
}

/**
 * A streaming raw DEFLATE decompressor that stops at the end of the DEFLATE stream (the final
 * block) and keeps whatever input followed it, so the caller can read the gzip trailer.
 */
export interface InflateStream {
  /**
   * Decompresses `data` and returns the output. Once {@link ended} is true, the bytes of the
   * last `data` that followed the end of the stream are in {@link rest}; push nothing more.
   *
   * @throws {BackupError} `DECOMPRESSION_FAILED` on invalid DEFLATE data.
   */
  push(data: Uint8Array): MaybePromise<Uint8Array>;
  /** True once the final block has been decoded. */
  readonly ended: boolean;
  /** Input that followed the end of the DEFLATE stream (only meaningful once `ended`). */
  readonly rest: Uint8Array;
}

/** The compression half of a backend (added for the container; media does not use it). */
export interface CompressionBackend {
  /** A raw DEFLATE compressor at `level` (0 = stored .. 9 = smallest). */
  createDeflate(level: number): DeflateStream;
  /** A raw DEFLATE decompressor. */
  createInflate(): InflateStream;
  /** CRC-32 (ISO-HDLC, as gzip uses) of `data`, continuing from `crc` (0 to start). */
  crc32(data: Uint8Array, crc?: number): number;
}
