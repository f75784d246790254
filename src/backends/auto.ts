/**
 * The backend used when a caller names none. In the core build this is the pure-JavaScript
 * backend; the Node build (export condition "node") replaces this module with `node/auto.ts`,
 * which returns the node:crypto backend. Callers can always pass `backend` explicitly.
 */

import { pureBackend } from './pure.js';
import type { CryptoBackend } from './types.js';
import { hasWebCrypto, webCryptoBackend } from './webcrypto.js';

let chosen: CryptoBackend | undefined;

/** Sets the backend used by default (`undefined` restores the automatic choice). */
export function setDefaultBackend(backend: CryptoBackend | undefined): void {
  chosen = backend;
}

/** The backend used when none is given. */
export function defaultBackend(): CryptoBackend {
  return chosen ?? pureBackend;
}

/**
 * The backend used by asynchronous pipelines (the container) when none is given: the one set
 * with {@link setDefaultBackend}, else WebCrypto when this runtime has it, else pure JavaScript.
 */
export function defaultAsyncBackend(): CryptoBackend {
  return chosen ?? (hasWebCrypto() ? webCryptoBackend : pureBackend);
}
