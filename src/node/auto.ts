/** Node build's replacement for `backends/auto.ts`: node:crypto by default. */

import type { CryptoBackend } from '../backends/types.js';
import { nodeBackend } from './backend.js';

let chosen: CryptoBackend | undefined;

export function setDefaultBackend(backend: CryptoBackend | undefined): void {
  chosen = backend;
}

export function defaultBackend(): CryptoBackend {
  return chosen ?? nodeBackend;
}

/** Node build's asynchronous-pipeline default: the one set, else node:crypto / node:zlib. */
export function defaultAsyncBackend(): CryptoBackend {
  return chosen ?? nodeBackend;
}
