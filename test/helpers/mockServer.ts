/**
 * Signal's own mock server (`@signalapp/mock-server`, installed as `mock-server-22` and
 * `mock-server-27`), started in-process on 127.0.0.1 for the hosted-backup tests, with one
 * registered primary device. Node only.
 *
 * 22.x serves the archive REST routes over the chat WebSocket; 27.x serves only the account half
 * there (set backup id, credentials) and the anonymous half over gRPC. Both serve the WebSocket
 * only over HTTP/2 extended CONNECT, with a TLS certificate for `localhost` signed by the CA in
 * `certs/ca-cert.pem`.
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Which mock-server generation to start. */
export type MockServerVersion = 22 | 27;

/** A running mock server with one primary device. */
export interface MockServer {
  /** The generation started. */
  readonly version: MockServerVersion;
  /** `https://127.0.0.1:<port>` (TLS; trust {@link ca} and use servername `localhost`). */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The primary device's login, `<aci>.1`. */
  readonly login: string;
  /** The primary device's password. */
  readonly password: string;
  /** The account's ACI (lower-case UUID string). */
  readonly aci: string;
  /** The CA certificate that signed the server's certificate (PEM). */
  readonly ca: string;
  /** The server's `BackupServerPublicParams` (from `certs/zk-params.json`). */
  readonly zkParams: Uint8Array;
  /** The CDN's storage directory (a fresh temporary directory, removed by {@link close}). */
  readonly cdn3Path: string;
  /** The mock's `Server` object, for tests that need to look inside. */
  readonly server: unknown;
  /** Stops the server and removes its temporary directory. Close every client connection first. */
  close(): Promise<void>;
}

interface MockServerModule {
  Server: new (config: {
    cdn3Path: string;
  }) => {
    listen(port: number, host: string): Promise<void>;
    close(): Promise<void>;
    address(): { port: number };
    createPrimaryDevice(options: {
      profileName: string;
      password?: string;
    }): Promise<{ device: { aci: string; deviceId: number } }>;
  };
}

const require = createRequire(import.meta.url);

/** The package name each generation is installed under. */
function packageName(version: MockServerVersion): string {
  return version === 22 ? 'mock-server-22' : 'mock-server-27';
}

/** The directory of the installed mock-server package. */
export function mockServerPackageDir(version: MockServerVersion): string {
  return dirname(require.resolve(`${packageName(version)}/package.json`));
}

/** Starts a mock server of `version` on 127.0.0.1 with a fresh primary device. */
export async function startMockServer(version: MockServerVersion = 22): Promise<MockServer> {
  const dir = mockServerPackageDir(version);
  const mod = require(packageName(version)) as MockServerModule;
  const ca = await readFile(join(dir, 'certs', 'ca-cert.pem'), 'utf8');
  const zk = JSON.parse(await readFile(join(dir, 'certs', 'zk-params.json'), 'utf8')) as {
    backupPublicParams: string;
  };
  const zkParams = new Uint8Array(Buffer.from(zk.backupPublicParams, 'base64'));
  const cdn3Path = await mkdtemp(join(tmpdir(), 'sbackup-mock-cdn3-'));
  const server = new mod.Server({ cdn3Path });
  let listening = false;
  try {
    await server.listen(0, '127.0.0.1');
    listening = true;
    const port = server.address().port;
    const password = randomBytes(16).toString('hex');
    const primary = await server.createPrimaryDevice({ profileName: 'sbackup test', password });
    const aci = primary.device.aci;
    return {
      version,
      url: `https://127.0.0.1:${port}`,
      port,
      login: `${aci}.${primary.device.deviceId}`,
      password,
      aci,
      ca,
      zkParams,
      cdn3Path,
      server,
      async close() {
        try {
          await server.close();
        } finally {
          await rm(cdn3Path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
        }
      },
    };
  } catch (error) {
    if (listening) await server.close().catch(() => undefined);
    await rm(cdn3Path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    throw error;
  }
}
