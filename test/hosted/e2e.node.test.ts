/**
 * End to end against Signal's own mock server (its native libsignal verifies every presentation
 * and signature; its CDN is a real `@tus/server`): `sbackup hosted backup`, `status` and
 * `restore` through the in-process CLI, over REST (22.x) and gRPC (27.x, picked automatically);
 * the restored frames and media equal what went in. Also: a wrong signing key, a corrupted
 * presentation and an expired credential are refused; a refused login ends promptly; an upload
 * whose connection is cut halfway completes. The mock's CDN cannot resume a TUS upload (a PATCH
 * after the creation gets 404, shown below), so the cut creation is retried from the start, the
 * closest thing it allows; resume proper (HEAD + PATCH) is proven in upload.node.test.ts against
 * a standalone @tus/server.
 */

import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server as NetServer, type Socket, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupWriter } from '../../src/api/writer.js';
import { isBackupError } from '../../src/errors.js';
import { ArchiveClient } from '../../src/hosted/client.js';
import { BackupAuthCredentialRequestContext, BackupServerPublicParams } from '../../src/hosted/credential.js';
import { SIGNAL_BACKUP_SERVER_PUBLIC_PARAMS } from '../../src/hosted/params.js';
import { deriveBackupIdKeyPair } from '../../src/keys/backupIdKeyPair.js';
import { RestArchiveApi } from '../../src/hosted/rest.js';
import type { ChatTransport } from '../../src/hosted/transport.js';
import { tusUpload } from '../../src/hosted/upload.js';
import { xeddsaSign } from '../../src/hosted/xeddsa.js';
import { concatByteList, fromBase64, toHex } from '../../src/internal/bytes.js';
import { mediaName } from '../../src/media/names.js';
import { connectNodeChatWebSocket } from '../../src/node/chatWebSocket.js';
import { nodeTusHttpStack } from '../../src/node/hostedHttp.js';
import { generateSyntheticAccount, type SyntheticAccount } from '../../src/testing/synthetic.js';
import { cli } from '../helpers/cli.js';
import { type MockServer, startMockServer } from '../helpers/mockServer.js';

const DAY = 86_400_000;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sbackup-e2e-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

function syntheticAccount(seed: number): SyntheticAccount {
  return generateSyntheticAccount({
    seed,
    contacts: 4,
    groups: 1,
    messages: 150,
    attachments: 8,
    attachmentBytes: [2000, 30_000],
    startMs: Date.now() - 5 * DAY,
  });
}

/** The account as the CLI takes it: a .binproto and a directory of media plaintexts (any names). */
async function inputs(acc: SyntheticAccount, dir: string, chatItems?: Iterable<never>) {
  const parts: Uint8Array[] = [];
  const writer = new BackupWriter({ purpose: 'remote', key: { recoveryKey: acc.recoveryKey, aci: acc.aci } });
  for await (const c of writer.plaintext(acc.backupContent(chatItems))) parts.push(c);
  const frames = join(dir, `frames-${parts.length}-${randomBytes(3).toString('hex')}.binproto`);
  await writeFile(frames, concatByteList(parts));
  const media = join(dir, 'media-in');
  await rm(media, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  await import('node:fs/promises').then((fs) => fs.mkdir(media, { recursive: true }));
  for (const [i, a] of acc.attachments.entries()) await writeFile(join(media, `file-${i}.bin`), a.plaintext);
  return { frames, media, bytes: concatByteList(parts) };
}

async function serverFiles(mock: MockServer, dir: string) {
  const ca = join(dir, 'ca.pem');
  const zk = join(dir, 'zk.json');
  await writeFile(ca, mock.ca);
  await writeFile(zk, JSON.stringify({ backupPublicParams: Buffer.from(mock.zkParams).toString('base64') }));
  return { ca, zk };
}

/** The distinct media the backup references (view-once attachments are excluded from remote backups). */
function expectedMedia(acc: SyntheticAccount): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const a of acc.attachments) if (!a.viewOnce) out.set(mediaName(a.plaintextHash, a.key), a.plaintext);
  return out;
}

async function roundTrip(version: 22 | 27, seed: number, fsToken?: string) {
  const mock = await startMockServer(version);
  const dir = await mkdtemp(join(work, `v${version}-`));
  try {
    const acc = syntheticAccount(seed);
    const { frames, media, bytes } = await inputs(acc, dir);
    const { ca, zk } = await serverFiles(mock, dir);
    const common = [
      ...['--server', mock.url, '--login', mock.login, '--aci', mock.aci, '--ca', ca, '--zk-params', zk],
      ...(fsToken === undefined ? [] : ['--fs-token', fsToken]),
    ];
    // The synthetic account's ACI is its own; the server's account is the mock's: back up as the mock's ACI.
    const env = { SBACKUP_PASSWORD: mock.password, SBACKUP_AEP: acc.recoveryKey };

    const b = await cli(['hosted', 'backup', ...common, '--frames', frames, '--media', media], { env });
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    const report = JSON.parse(b.stdout);
    const want = expectedMedia(acc);
    expect(report).toMatchObject({
      level: 200,
      transport: version === 22 ? 'rest' : 'grpc',
      mediaUploaded: want.size,
      mediaCopied: want.size,
      mediaKept: 0,
      mediaMissing: 0,
    });
    expect(report.uploadedBytes).toBeGreaterThan(bytes.length / 4);
    expect(JSON.stringify(b.stdout)).not.toContain(acc.recoveryKey);
    expect(b.stdout).not.toContain(mock.password);

    const s = await cli(['hosted', 'status', ...common], { env });
    expect(s.code, s.stderr).toBe(0);
    const status = JSON.parse(s.stdout);
    expect(status.level).toBe(200);
    expect(status.media.count).toBe(want.size);
    expect(status.backup.cdn).toBe(3);

    const out = join(dir, 'restored');
    const r = await cli(['hosted', 'restore', ...common, '--out', out], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ media: want.size, mediaMissing: 0 });
    // Frames: byte for byte what the writer was given.
    expect(toHex(new Uint8Array(await readFile(join(out, 'frames.binproto'))))).toBe(toHex(bytes));
    const names = await readdir(join(out, 'media'));
    expect(new Set(names)).toEqual(new Set(want.keys()));
    for (const [name, plain] of want) {
      expect(Buffer.from(await readFile(join(out, 'media', name))).equals(Buffer.from(plain))).toBe(true);
    }

    if (fsToken !== undefined) {
      const noToken = common.filter((x, i, a) => x !== '--fs-token' && a[i - 1] !== '--fs-token');
      const refused = await cli(['hosted', 'restore', ...noToken, '--out', join(dir, 'no-token')], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('does not authenticate');
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    }

    // A second run finds every medium on the server.
    const again = await cli(['hosted', 'backup', ...common, '--frames', frames, '--media', media], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ mediaUploaded: 0, mediaKept: want.size });

    // Fewer messages: some media are stale; the mock cannot delete, so they are counted and left.
    const fewer = await inputs(acc, dir, [...acc.chatItems()].slice(0, 20) as never);
    const third = await cli(['hosted', 'backup', ...common, '--frames', fewer.frames, '--media', media], { env });
    expect(third.code, third.stderr).toBe(0);
    const thirdReport = JSON.parse(third.stdout);
    expect(thirdReport.mediaDeleted).toBe(0);
    expect(thirdReport.mediaNotDeleted).toBeGreaterThan(0);
    expect(third.stderr.trim().split('\n')).toHaveLength(1);
    expect(third.stderr).toContain(`${thirdReport.mediaNotDeleted} stale media`);
  } finally {
    await mock.close();
  }
}

describe('sbackup hosted: arguments', () => {
  it('the default zero-knowledge params are Signal production ones and parse', () => {
    const params = BackupServerPublicParams.deserialize(fromBase64(SIGNAL_BACKUP_SERVER_PUBLIC_PARAMS));
    expect(params.serialize()).toHaveLength(225);
  });

  it('usage errors exit 2 with one line, before any connection', async () => {
    const base = [
      'hosted',
      'status',
      '--server',
      'https://127.0.0.1:1',
      '--login',
      'x.1',
      '--aci',
      '00000000-0000-4000-8000-000000000000',
    ];
    const noPassword = await cli(base, { env: { SBACKUP_AEP: 'a'.repeat(64) } });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain('SBACKUP_PASSWORD');
    const badTransport = await cli([...base, '--transport', 'carrier-pigeon'], { env: { SBACKUP_PASSWORD: 'p' } });
    expect(badTransport.code).toBe(2);
    const notHttps = await cli(
      ['hosted', 'status', '--server', 'http://x', '--login', 'x.1', '--aci', '00000000-0000-4000-8000-000000000000'],
      {
        env: { SBACKUP_PASSWORD: 'p' },
      },
    );
    expect(notHttps.code).toBe(2);
    for (const r of [noPassword, badTransport, notHttps]) expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const zk = join(work, 'bad-zk.json');
    await writeFile(zk, '{"backupPublicParams": 5}');
    const badZk = await cli([...base, '--zk-params', zk], {
      env: { SBACKUP_PASSWORD: 'p', SBACKUP_AEP: 'a'.repeat(64) },
    });
    expect(badZk.code).toBe(1);
    expect(badZk.stderr).toContain('backupPublicParams');
  });
});

describe('hosted backup end to end against @signalapp/mock-server', () => {
  it('22.x over REST: backup, status, restore give back the frames and the media', async () => {
    await roundTrip(22, 21);
  });

  it('27.x over gRPC (picked automatically): the same round trip, forward-secrecy layout', async () => {
    // With a forward-secrecy token: the modern layout, which restore opens only with the token.
    await roundTrip(27, 22, 'ab'.repeat(32));
  });

  describe('the server refuses what it must (22.x, native libsignal checks)', () => {
    let mock: MockServer;
    let account: ChatTransport;
    let anonymous: ChatTransport;
    let api: RestArchiveApi;
    const backupKey = new Uint8Array(randomBytes(32));
    const mediaRootKey = new Uint8Array(randomBytes(32));
    const connect = (login: boolean) =>
      connectNodeChatWebSocket({
        url: mock.url,
        ca: mock.ca,
        connectTimeoutMs: 5_000,
        requestTimeoutMs: 5_000,
        ...(login ? { credentials: { login: mock.login, password: mock.password } } : {}),
      });
    const client = (now?: () => number) =>
      new ArchiveClient({
        account: api,
        anonymous: api,
        backupKey,
        mediaRootKey,
        aci: mock.aci,
        serverParams: mock.zkParams,
        sleep: async () => {},
        ...(now === undefined ? {} : { now }),
      });
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e) => (isBackupError(e) ? e.code : String(e)),
      );

    beforeAll(async () => {
      mock = await startMockServer(22);
      account = await connect(true);
      anonymous = await connect(false);
      api = new RestArchiveApi({ account, anonymous });
    });
    afterAll(async () => {
      await account?.close();
      await anonymous?.close();
      await mock?.close();
    });

    // The mock answers a refused signature or presentation with HTTP 500 ("Invalid signature"),
    // which the REST mapping reads as NETWORK; what matters is that it refuses, and that the same
    // presentation signed with the right key is accepted.
    it('accepts our signed presentations, refuses a wrong key and a flipped bit', async () => {
      const c = client();
      await c.refresh();
      const right = deriveBackupIdKeyPair(backupKey, mock.aci).privateKey;
      const other = new Uint8Array(randomBytes(32));
      const fresh = await c.signedPresentation('messages');
      const wrongKey = { presentation: fresh.presentation, signature: xeddsaSign(other, fresh.presentation) };
      expect(await code(api.getBackupInfo(wrongKey))).toMatch(/^(AUTH_FAILED|NETWORK)$/);
      expect(await code(api.getBackupInfo({ ...fresh, signature: xeddsaSign(right, fresh.presentation) }))).toBe(
        'resolved',
      );
      for (const at of [20, 150, 300]) {
        const flipped = (await c.signedPresentation('messages')).presentation.slice();
        flipped[at]! ^= 0x01;
        const corrupted = { presentation: flipped, signature: xeddsaSign(right, flipped) };
        expect(await code(api.getBackupInfo(corrupted))).toMatch(/^(AUTH_FAILED|NETWORK|INVALID_CREDENTIAL)$/);
      }
    });

    it('refuses a credential outside its days (expired or not yet valid)', async () => {
      // The mock issues no credential for a past day ("Invalid redemption range"), so the window
      // check is shown with the last day of the week: presented today, six days early, it is
      // refused by the same libsignal check that refuses an expired one.
      const day = Math.floor(Date.now() / DAY) * 86_400;
      expect(await code(api.getCredentials(day - 10 * 86_400, day - 4 * 86_400))).not.toBe('resolved');
      const c = client();
      await c.refresh();
      const issued = await api.getCredentials(day, day + 6 * 86_400);
      const last = issued.messages.find((x) => x.redemptionTime === day + 6 * 86_400)!;
      const credential = BackupAuthCredentialRequestContext.create(backupKey, mock.aci).receive(
        last.credential,
        last.redemptionTime,
        mock.zkParams,
      );
      const presentation = credential.present(mock.zkParams);
      const right = deriveBackupIdKeyPair(backupKey, mock.aci).privateKey;
      expect(await code(api.getBackupInfo({ presentation, signature: xeddsaSign(right, presentation) }))).toMatch(
        /^(AUTH_FAILED|NETWORK)$/,
      );
      const today = (await c.credential('messages')).present(mock.zkParams);
      expect(await code(api.getBackupInfo({ presentation: today, signature: xeddsaSign(right, today) }))).toBe(
        'resolved',
      );
    });

    it('ends a refused login promptly with AUTH_FAILED', async () => {
      const dir = await mkdtemp(join(work, 'login-'));
      const { ca, zk } = await serverFiles(mock, dir);
      const started = Date.now();
      const r = await cli(
        [
          'hosted',
          'status',
          '--server',
          mock.url,
          '--login',
          mock.login,
          '--aci',
          mock.aci,
          '--ca',
          ca,
          '--zk-params',
          zk,
        ],
        { env: { SBACKUP_PASSWORD: 'wrong', SBACKUP_AEP: 'a'.repeat(64) } },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('refused the login');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toContain('wrong');
      expect(Date.now() - started).toBeLessThan(15_000);
      // The same through the library: the first account call fails with AUTH_FAILED.
      const refused = connectNodeChatWebSocket({
        url: mock.url,
        ca: mock.ca,
        connectTimeoutMs: 5_000,
        requestTimeoutMs: 5_000,
        credentials: { login: mock.login, password: 'wrong' },
      }).then(
        (t) => new RestArchiveApi({ account: t }).getCredentials(0, 0).finally(() => t.close()),
        (e) => Promise.reject(e),
      );
      expect(await code(refused)).toBe('AUTH_FAILED');
    });

    it('an upload cut halfway completes; the mock CDN cannot resume (PATCH gets 404)', async () => {
      const c = client();
      const data = new Uint8Array(randomBytes(600_000));
      // The mock refuses a PATCH after a creation: its upload ids contain slashes.
      const form = await c.getMediaUploadForm(data.length);
      const location = new URL(form.signedUploadLocation);
      const session = http2.connect(mock.url, { ca: mock.ca });
      const h2 = (headers: http2.OutgoingHttpHeaders, body?: Uint8Array) =>
        new Promise<number>((resolve, reject) => {
          const st = session.request(headers);
          st.on('response', (h) => resolve(Number(h[':status'])));
          st.on('error', reject);
          st.end(body);
          st.resume();
        });
      try {
        const created = await h2(
          {
            ':method': 'POST',
            ':path': location.pathname,
            ...form.headers,
            'tus-resumable': '1.0.0',
            'upload-length': String(data.length),
            'content-type': 'application/offset+octet-stream',
          },
          data.subarray(0, 1000),
        );
        expect(created).toBe(201);
        const patched = await h2(
          {
            ':method': 'PATCH',
            ':path': location.pathname,
            'tus-resumable': '1.0.0',
            'upload-offset': '1000',
            'content-type': 'application/offset+octet-stream',
          },
          data.subarray(1000),
        );
        expect(patched).toBe(404);
      } finally {
        session.close();
      }

      // Through a proxy that cuts the first connection after 200 kB: tus-js-client retries the creation.
      const target = new URL(mock.url);
      let connections = 0;
      const sockets: Socket[] = [];
      const proxy: NetServer = createServer((inbound) => {
        connections++;
        const first = connections === 1;
        const outbound = netConnect(Number(target.port), target.hostname);
        sockets.push(inbound, outbound);
        let sent = 0;
        inbound.on('data', (chunk: Buffer) => {
          sent += chunk.length;
          if (first && sent > 200_000) {
            inbound.destroy();
            outbound.destroy();
            return;
          }
          outbound.write(chunk);
        });
        outbound.pipe(inbound);
        inbound.on('error', () => outbound.destroy());
        outbound.on('error', () => inbound.destroy());
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      try {
        const port = (proxy.address() as { port: number }).port;
        const form2 = await c.getMediaUploadForm(data.length);
        const viaProxy = {
          ...form2,
          signedUploadLocation: form2.signedUploadLocation.replace(`:${target.port}/`, `:${port}/`),
        };
        const r = await tusUpload(viaProxy, data, {
          httpStack: await nodeTusHttpStack({ ca: mock.ca }),
          retryDelays: [50, 50],
        });
        expect(r.bytes).toBe(data.length);
        expect(connections).toBeGreaterThanOrEqual(2);
        const stored = await readFile(
          join(mock.cdn3Path, new URL(form2.signedUploadLocation).pathname.replace(/^\/cdn3\//, '')),
        );
        expect(toHex(new Uint8Array(stored))).toBe(toHex(data));
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((r) => proxy.close(r));
      }
    });
  });
});
