/**
 * Access to the oracle (libsignal-client 0.103.0, a devDependency) and to Signal's corpora in
 * ../shared/interop. Node-only; used by test/interop/*.test.ts and by the benchmarks.
 */

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Root of the shared material (Signal's public test corpora): $SBACKUP_SHARED or ../shared beside the checkout. */
export const SHARED_DIR = process.env.SBACKUP_SHARED ?? fileURLToPath(new URL('../../../shared', import.meta.url));
export const INTEROP_DIR = join(SHARED_DIR, 'interop');

export const libsignal = {
  accountKeys:
    require('@signalapp/libsignal-client/dist/AccountKeys.js') as typeof import('@signalapp/libsignal-client/dist/AccountKeys.js'),
  address:
    require('@signalapp/libsignal-client/dist/Address.js') as typeof import('@signalapp/libsignal-client/dist/Address.js'),
  messageBackup:
    require('@signalapp/libsignal-client/dist/MessageBackup.js') as typeof import('@signalapp/libsignal-client/dist/MessageBackup.js'),
  /** zkgroup: backup-auth credentials (hosted backups). */
  zkgroup:
    require('@signalapp/libsignal-client/dist/zkgroup/index.js') as typeof import('@signalapp/libsignal-client/dist/zkgroup/index.js'),
  /** Curve25519 key pairs and XEdDSA signatures. */
  ecKeys:
    require('@signalapp/libsignal-client/dist/EcKeys.js') as typeof import('@signalapp/libsignal-client/dist/EcKeys.js'),
};

const io = require('@signalapp/libsignal-client/dist/io.js') as typeof import('@signalapp/libsignal-client/dist/io.js');

/**
 * Serves a Uint8Array to libsignal's InputStream interface (what its validators and readers take).
 * Reads are views, not copies (libsignal copies what it reads; the benchmarks time it this way).
 */
export class BytesInputStream extends io.InputStream {
  #pos = 0;
  constructor(private readonly bytes: Uint8Array) {
    super();
  }
  async read(amount: number): Promise<Uint8Array<ArrayBuffer>> {
    const out = this.bytes.subarray(this.#pos, this.#pos + amount);
    this.#pos += out.length;
    return out as Uint8Array<ArrayBuffer>;
  }
  async skip(amount: number): Promise<void> {
    this.#pos += amount;
  }
}
