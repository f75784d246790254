/**
 * RestArchiveApi over the chat WebSocket against Signal's own mock server: 22.x serves every REST
 * archive route over the HTTP/2 extended-CONNECT WebSocket; 27.x serves only the account half
 * there. The server verifies our presentations and signatures with the native libsignal, and
 * issues the credentials our code receives and verifies. No fake of ours stands in for the server.
 */

import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import type { ArchiveApi, IssuedCredential, SignedPresentation } from '../../src/hosted/api.js';
import {
  BACKUP_LEVEL_FREE,
  type BackupAuthCredential,
  BackupAuthCredentialPresentation,
  BackupAuthCredentialRequestContext,
  BackupServerPublicParams,
} from '../../src/hosted/credential.js';
import { RestArchiveApi } from '../../src/hosted/rest.js';
import type { ChatTransport } from '../../src/hosted/transport.js';
import { xeddsaSign } from '../../src/hosted/xeddsa.js';
import { toBase64 } from '../../src/internal/bytes.js';
import { deriveBackupIdKeyPair } from '../../src/keys/backupIdKeyPair.js';
import { deriveBackupId } from '../../src/keys/hierarchy.js';
import { connectNodeChatWebSocket } from '../../src/node/chatWebSocket.js';
import { type MockServer, startMockServer } from '../helpers/mockServer.js';

const DAY = 86_400;

/** Resolves with the BackupError `promise` rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>) {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isBackupError(outcome)) throw new Error(`expected a BackupError, got ${String(outcome)}`);
  return outcome;
}

function today(): number {
  return Math.floor(Date.now() / 1000 / DAY) * DAY;
}

/** An account's backup keys and the contexts of its two credential requests. */
function account(aci: string) {
  const backupKey = new Uint8Array(randomBytes(32));
  const mediaRootKey = new Uint8Array(randomBytes(32));
  return {
    backupKey,
    mediaRootKey,
    messagesContext: BackupAuthCredentialRequestContext.create(backupKey, aci),
    mediaContext: BackupAuthCredentialRequestContext.create(mediaRootKey, aci),
    messagesKeyPair: deriveBackupIdKeyPair(backupKey, aci),
    mediaKeyPair: deriveBackupIdKeyPair(mediaRootKey, aci),
  };
}

function connect(server: MockServer, login: boolean): Promise<ChatTransport> {
  return connectNodeChatWebSocket({
    url: server.url,
    ca: server.ca,
    servername: 'localhost',
    protocol: 'h2',
    connectTimeoutMs: 5_000,
    requestTimeoutMs: 5_000,
    ...(login ? { credentials: { login: server.login, password: server.password } } : {}),
  });
}

/** Uploads `data` to the mock's CDN with TUS creation-with-upload (one POST carrying the body). */
async function tusUpload(server: MockServer, location: string, headers: Record<string, string>, data: Uint8Array) {
  const url = new URL(location);
  const session = http2.connect(server.url, { ca: server.ca, servername: 'localhost' });
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': url.pathname,
        ...headers,
        'tus-resumable': '1.0.0',
        'upload-length': String(data.length),
        'content-type': 'application/offset+octet-stream',
      });
      stream.on('response', (h) => resolve(Number(h[':status'])));
      stream.on('error', reject);
      stream.end(data);
      stream.resume();
    });
    expect(status).toBe(201);
  } finally {
    session.close();
  }
}

describe('RestArchiveApi against mock-server 22 (REST over the HTTP/2 WebSocket)', () => {
  let server: MockServer;
  let loggedIn: ChatTransport;
  let anonymous: ChatTransport;
  let api: ArchiveApi;
  let keys: ReturnType<typeof account>;
  let params: BackupServerPublicParams;
  let issued: { messages: readonly IssuedCredential[]; media: readonly IssuedCredential[] };
  let messagesCredential: BackupAuthCredential;
  let mediaCredential: BackupAuthCredential;

  /** A fresh presentation of `credential`, signed with `privateKey`. */
  function sign(credential: BackupAuthCredential, privateKey: Uint8Array): SignedPresentation {
    const presentation = credential.present(params);
    return { presentation, signature: xeddsaSign(privateKey, presentation) };
  }
  const messagesAuth = () => sign(messagesCredential, keys.messagesKeyPair.privateKey);
  const mediaAuth = () => sign(mediaCredential, keys.mediaKeyPair.privateKey);

  beforeAll(async () => {
    server = await startMockServer(22);
    loggedIn = await connect(server, true);
    anonymous = await connect(server, false);
    api = new RestArchiveApi({ account: loggedIn, anonymous });
    keys = account(server.aci);
    params = BackupServerPublicParams.deserialize(server.zkParams);
  });

  afterAll(async () => {
    await loggedIn?.close();
    await anonymous?.close();
    await server?.close();
  });

  test('getCredentials before the backup id is set: NOT_FOUND, naming the route without its query', async () => {
    const e = await failure(api.getCredentials(today(), today() + 6 * DAY));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.details).toMatchObject({ status: 404, request: 'GET /v1/archives/auth' });
  });

  test('an account call without the login: AUTH_FAILED (401)', async () => {
    const noLogin = new RestArchiveApi({ account: anonymous });
    const e = await failure(noLogin.getCredentials(today(), today() + DAY));
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.details).toMatchObject({ status: 401, request: 'GET /v1/archives/auth' });
  });

  test('setBackupId, then a week of credentials that our code receives and verifies', async () => {
    await api.setBackupId({
      messagesBackupAuthCredentialRequest: keys.messagesContext.getRequest(),
      mediaBackupAuthCredentialRequest: keys.mediaContext.getRequest(),
    });
    const start = today();
    issued = await api.getCredentials(start, start + 6 * DAY);
    expect(issued.messages.map((c) => c.redemptionTime)).toEqual([0, 1, 2, 3, 4, 5, 6].map((d) => start + d * DAY));
    expect(issued.media.map((c) => c.redemptionTime)).toEqual([0, 1, 2, 3, 4, 5, 6].map((d) => start + d * DAY));
    const messages = issued.messages.map((c) => keys.messagesContext.receive(c.credential, c.redemptionTime, params));
    const media = issued.media.map((c) => keys.mediaContext.receive(c.credential, c.redemptionTime, params));
    for (const c of messages) {
      expect(c.type).toBe('messages');
      expect(c.level).toBe(BACKUP_LEVEL_FREE);
      expect(c.backupId).toEqual(deriveBackupId(keys.backupKey, server.aci));
    }
    for (const c of media) {
      expect(c.type).toBe('media');
      expect(c.backupId).toEqual(deriveBackupId(keys.mediaRootKey, server.aci));
    }
    messagesCredential = messages[0]!;
    mediaCredential = media[0]!;
    // A response for another day than the one the server names does not verify.
    const c = issued.messages[1]!;
    expect(() => keys.messagesContext.receive(c.credential, start, params)).toThrow(
      expect.objectContaining({ code: 'VERIFICATION_FAILED' }),
    );
  });

  test('setPublicKey for both credential types, then the anonymous calls', async () => {
    await api.setPublicKey(messagesAuth(), keys.messagesKeyPair.publicKey);
    await api.setPublicKey(mediaAuth(), keys.mediaKeyPair.publicKey);
    const backupDir = toBase64(messagesCredential.backupId, true);
    const mediaBackupDir = toBase64(mediaCredential.backupId, true);

    // The mock always describes a backup (it has no "not uploaded yet" state).
    expect(await api.getBackupInfo(messagesAuth())).toEqual({
      cdn: 3,
      backupDir,
      mediaDir: 'media',
      backupName: 'backup',
    });

    const form = await api.getUploadForm(messagesAuth(), 1234);
    expect(form.cdn).toBe(3);
    expect(form.key).toBe(`${backupDir}/backup`);
    expect(form.signedUploadLocation).toBe(`https://127.0.0.1:${server.port}/cdn3/backups/${backupDir}/backup`);
    expect(Object.keys(form.headers).length).toBeGreaterThan(0);

    const read = await api.getCdnCredentials(messagesAuth(), 3);
    expect(read.headers.authorization).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
    const [user] = Buffer.from(read.headers.authorization!.slice(6), 'base64').toString().split(':');
    expect(user).toBe(backupDir);

    await api.refresh(messagesAuth());
    await api.refresh(mediaAuth());

    const empty = await api.listMedia(mediaAuth(), { limit: 10 });
    expect(empty).toEqual({ storedMediaObjects: [], backupDir: mediaBackupDir, mediaDir: 'media' });
  });

  test('media: upload form, copy to the backup tier (per-item results in order), list with a cursor', async () => {
    const form = await api.getMediaUploadForm(mediaAuth(), 100);
    expect(form.cdn).toBe(3);
    expect(form.signedUploadLocation).toBe(`https://127.0.0.1:${server.port}/cdn3/attachments/${form.key}`);
    const data = new Uint8Array(randomBytes(100));
    await tusUpload(server, form.signedUploadLocation, form.headers, data);

    const ids = [new Uint8Array(randomBytes(15)), new Uint8Array(randomBytes(15)), new Uint8Array(randomBytes(15))];
    const item = (mediaId: Uint8Array, key: string) => ({
      sourceAttachment: { cdn: 3, key },
      objectLength: data.length,
      mediaId,
      hmacKey: new Uint8Array(randomBytes(32)),
      encryptionKey: new Uint8Array(randomBytes(32)),
    });
    const results = await api.copyMedia(mediaAuth(), [
      item(ids[0]!, form.key),
      item(ids[1]!, 'no-such-upload'),
      item(ids[2]!, form.key),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 410, 200]);
    expect(results.map((r) => r.mediaId)).toEqual(ids);
    expect(results[0]!.cdn).toBe(3);
    expect(await api.copyMedia(mediaAuth(), [])).toEqual([]);

    const listed: Uint8Array[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api.listMedia(mediaAuth(), cursor === undefined ? { limit: 1 } : { limit: 1, cursor });
      for (const o of page.storedMediaObjects) {
        expect(o.cdn).toBe(3);
        // re-encrypted by the server with the outer keys: IV, padded ciphertext, MAC
        expect(o.objectLength).toBe(16 + 112 + 32);
        listed.push(o.mediaId);
      }
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined && pages < 10);
    expect(cursor).toBeUndefined();
    // the mock lists objects in the order its copies finished writing: compare as sets
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    expect(listed.map(hex).sort()).toEqual([ids[0]!, ids[2]!].map(hex).sort());
  });

  test('deleteMedia on a server without the route: SERVER_ERROR with status 404', async () => {
    const e = await failure(api.deleteMedia(mediaAuth(), [{ cdn: 3, mediaId: new Uint8Array(15) }]));
    expect(e.code).toBe('SERVER_ERROR');
    expect(e.details).toMatchObject({ status: 404, request: 'POST /v1/archives/media/delete' });
  });

  // Signal's server answers a bad presentation or signature with 401 (AUTH_FAILED); the mock's
  // native check throws inside its handler, which answers 500, so here the code is NETWORK.
  test('a signature by another key is refused', async () => {
    const presentation = messagesCredential.present(params);
    const wrong = { presentation, signature: xeddsaSign(keys.mediaKeyPair.privateKey, presentation) };
    const e = await failure(api.getBackupInfo(wrong));
    expect(e.code).toBe('NETWORK');
    expect(e.details).toMatchObject({ status: 500, request: 'GET /v1/archives' });
    // the same presentation, signed by the right key, passes
    await api.getBackupInfo({ presentation, signature: xeddsaSign(keys.messagesKeyPair.privateKey, presentation) });
  });

  test('a corrupted presentation is refused', async () => {
    const presentation = messagesCredential.present(params);
    // still a well-formed presentation of our parser, so the change is in a proof value
    presentation[presentation.length - 40]! ^= 0x01;
    const e = await failure(
      api.getUploadForm({ presentation, signature: xeddsaSign(keys.messagesKeyPair.privateKey, presentation) }, 10),
    );
    expect(e.code).toBe('NETWORK');
    expect(e.details).toMatchObject({ status: 500, request: 'GET /v1/archives/upload/form' });
    // What the server got was a fresh, valid-looking presentation: our own parser accepts it.
    expect(() => BackupAuthCredentialPresentation.deserialize(presentation)).not.toThrow();
  });

  test('an anonymous call on the logged-in socket: SERVER_ERROR (the server answers 400)', async () => {
    const mixed = new RestArchiveApi({ anonymous: loggedIn });
    const e = await failure(mixed.refresh(messagesAuth()));
    expect(e.code).toBe('SERVER_ERROR');
    expect(e.details).toMatchObject({ status: 400, request: 'POST /v1/archives' });
  });

  test('a wrong password: AUTH_FAILED promptly (the server accepts CONNECT, then closes with 3000)', {
    timeout: 5_000,
  }, async () => {
    const transport = await connectNodeChatWebSocket({
      url: server.url,
      ca: server.ca,
      servername: 'localhost',
      credentials: { login: server.login, password: `${server.password}x` },
      requestTimeoutMs: 60_000,
    });
    try {
      const e = await failure(new RestArchiveApi({ account: transport }).getCredentials(today(), today()));
      expect(e.code).toBe('AUTH_FAILED');
      expect(e.details).toMatchObject({ request: 'GET /v1/archives/auth' });
      expect(e.message).not.toContain(server.password);
      // the transport stays failed
      expect((await failure(transport.request({ verb: 'GET', path: '/v1/keepalive' }))).code).toBe('AUTH_FAILED');
    } finally {
      await transport.close();
    }
  });

  test('an HTTP/1.1 upgrade to the mock: refused with 401, AUTH_FAILED', { timeout: 5_000 }, async () => {
    const e = await failure(
      connectNodeChatWebSocket({ url: server.url, ca: server.ca, servername: 'localhost', protocol: 'http1' }),
    );
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.details).toMatchObject({ status: 401 });
  });

  test('an untrusted certificate: NETWORK, promptly', { timeout: 5_000 }, async () => {
    const e = await failure(connectNodeChatWebSocket({ url: server.url, servername: 'localhost', protocol: 'h2' }));
    expect(e.code).toBe('NETWORK');
  });

  test('a port where nothing listens: NETWORK', { timeout: 5_000 }, async () => {
    const probe = http2.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const e = await failure(connectNodeChatWebSocket({ url: `https://127.0.0.1:${port}` }));
    expect(e.code).toBe('NETWORK');
  });

  test('a closed transport fails requests with NETWORK', async () => {
    const transport = await connect(server, false);
    await transport.close();
    const e = await failure(new RestArchiveApi({ anonymous: transport }).refresh(messagesAuth()));
    expect(e.code).toBe('NETWORK');
    expect(e.details).toMatchObject({ request: 'POST /v1/archives' });
    await transport.close(); // idempotent
  });
});

describe('RestArchiveApi against mock-server 27 (account half over the WebSocket)', () => {
  test('setBackupId and a week of credentials over the logged-in socket', async () => {
    const server = await startMockServer(27);
    let transport: ChatTransport | undefined;
    try {
      transport = await connect(server, true);
      const api = new RestArchiveApi({ account: transport });
      const keys = account(server.aci);
      const params = BackupServerPublicParams.deserialize(server.zkParams);
      expect((await failure(api.getCredentials(today(), today()))).code).toBe('NOT_FOUND');
      await api.setBackupId({
        messagesBackupAuthCredentialRequest: keys.messagesContext.getRequest(),
        mediaBackupAuthCredentialRequest: keys.mediaContext.getRequest(),
      });
      const start = today();
      const issued = await api.getCredentials(start, start + 6 * DAY);
      expect(issued.messages).toHaveLength(7);
      expect(issued.media).toHaveLength(7);
      const first = keys.messagesContext.receive(issued.messages[0]!.credential, start, params);
      expect(first.backupId).toEqual(deriveBackupId(keys.backupKey, server.aci));
      const last = keys.mediaContext.receive(issued.media[6]!.credential, start + 6 * DAY, params);
      expect(last.type).toBe('media');
    } finally {
      await transport?.close();
      await server.close();
    }
  });
});
