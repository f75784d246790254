/**
 * Signal's mock server, version 27 (`mock-server-27` = @signalapp/mock-server 27.0.0), started
 * in-process on 127.0.0.1 for the gRPC transport's tests. Credentials are issued through the
 * mock's own JavaScript API (what its WebSocket routes `PUT /v1/archives/backupid` and
 * `GET /v1/archives/auth` call), so these tests do not depend on the REST transport.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Server } from 'mock-server-27';

const require = createRequire(import.meta.url);
const certsDir = join(dirname(require.resolve('mock-server-27/package.json')), 'certs');

const SECONDS_PER_DAY = 86_400;

/** A running mock server 27 with one registered primary device. */
export interface MockGrpcServer {
  readonly server: Server;
  /** `127.0.0.1:<port>`: the gRPC target (the mock serves gRPC, REST and WebSocket on one port). */
  readonly target: string;
  readonly port: number;
  /** The CA that signed the mock's certificate (servername `localhost`). */
  readonly ca: Buffer;
  /** The mock's backup-credential public params (zk-params.json `backupPublicParams`). */
  readonly backupPublicParams: Uint8Array;
  /** The registered account's ACI. */
  readonly aci: string;
  /**
   * Registers the two blinded backup ids for the account and returns today's credential
   * responses (as the server issues them; still to be received).
   */
  issueCredentials(requests: {
    messages: Uint8Array;
    media: Uint8Array;
  }): Promise<{ redemptionTime: number; messages: Uint8Array; media: Uint8Array }>;
  close(): Promise<void>;
}

/** Starts mock server 27 on an ephemeral port of 127.0.0.1 and registers a primary device. */
export async function startMockGrpcServer(): Promise<MockGrpcServer> {
  const cdn3Path = await mkdtemp(join(tmpdir(), 'sbackup-mock27-'));
  const server = new Server({ cdn3Path });
  await server.listen(0, '127.0.0.1');
  const device = await server.createPrimaryDevice({ profileName: 'sbackup grpc test' });
  const port = server.address().port;
  const ca = await readFile(join(certsDir, 'ca-cert.pem'));
  const zk = JSON.parse(await readFile(join(certsDir, 'zk-params.json'), 'utf8')) as { backupPublicParams: string };
  const aci = device.device.aci;
  return {
    server,
    target: `127.0.0.1:${port}`,
    port,
    ca,
    backupPublicParams: new Uint8Array(Buffer.from(zk.backupPublicParams, 'base64')),
    aci,
    async issueCredentials(requests) {
      await server.setBackupId(device.device, {
        messagesBackupAuthCredentialRequest: Buffer.from(requests.messages),
        mediaBackupAuthCredentialRequest: Buffer.from(requests.media),
      });
      const today = Math.floor(Date.now() / 1000 / SECONDS_PER_DAY) * SECONDS_PER_DAY;
      const issued = await server.getBackupCredentials(device.device, { from: today, to: today });
      if (!issued) throw new Error('mock server issued no backup credentials');
      const one = (list: readonly { credential: string; redemptionTime: number }[]) => {
        const first = list[0];
        if (!first || first.redemptionTime !== today) throw new Error('mock server issued no credential for today');
        return new Uint8Array(Buffer.from(first.credential, 'base64'));
      };
      return { redemptionTime: today, messages: one(issued.messages), media: one(issued.media) };
    },
    async close() {
      await server.close();
      await rm(cdn3Path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}
