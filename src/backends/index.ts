/**
 * `sbackup/backends`: the crypto and compression primitives each runtime runs on. The default is
 * chosen at first use (node:crypto / node:zlib under Node's `node` export condition; WebCrypto
 * AES with the native `DecompressionStream` inflate where usable and fflate's deflate where
 * WebCrypto exists; pure JS otherwise) and every backend produces the same bytes. `setDefaultBackend` is also on the root entry.
 */

export { defaultAsyncBackend, defaultBackend, setDefaultBackend } from './auto.js';
export { pureBackend } from './pure.js';
export type {
  BackendName,
  CbcStream,
  CompressionBackend,
  CryptoBackend,
  DeflateStream,
  Hasher,
  InflateStream,
  MaybePromise,
  SyncCbcStream,
  SyncCryptoBackend,
} from './types.js';
export { hasWebCrypto, webCryptoBackend } from './webcrypto.js';
