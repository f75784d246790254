/**
 * GrpcArchiveApi against Signal's own mock server (27.0.0, started in-process): the server
 * verifies our presentations and signatures with the native libsignal, so every success here is
 * also a proof that our credential code and XEdDSA interoperate over gRPC.
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server as Server22 } from 'mock-server-22';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import {
  type BackupAuthCredential,
  BackupAuthCredentialRequestContext,
  BackupServerPublicParams,
  xeddsaSign,
} from '../../src/hosted/index.js';
import type { SignedPresentation } from '../../src/hosted/api.js';
import { deriveBackupIdKeyPair } from '../../src/keys/index.js';
import {
  GRPC_MOCK_SERVER_27_OPTIONS,
  GrpcArchiveApi,
  grpcError,
  probeGrpc,
  probeGrpcServer,
} from '../../src/node/grpcArchive.js';
import { type MockGrpcServer, startMockGrpcServer } from '../helpers/mockServerGrpc.js';

let mock: MockGrpcServer;
let api: GrpcArchiveApi;
let params: BackupServerPublicParams;
let messagesCredential: BackupAuthCredential;
let mediaCredential: BackupAuthCredential;
let signingKey: Uint8Array;
let backupKey: Uint8Array;
let mediaRootKey: Uint8Array;
let publicKey: Uint8Array;

/** A fresh presentation of `credential`, signed with `key`. */
function auth(credential: BackupAuthCredential, key: Uint8Array = signingKey): SignedPresentation {
  const presentation = credential.present(params);
  return { presentation, signature: xeddsaSign(key, presentation) };
}

/** The rejection of `p`, as a BackupError (fails the test when `p` resolves or throws another error). */
async function rejection(p: Promise<unknown>) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'expected a rejection').toBeDefined();
  if (!isBackupError(e)) throw e;
  return e;
}

function openApi(extra: ConstructorParameters<typeof GrpcArchiveApi>[1] = {}): GrpcArchiveApi {
  return new GrpcArchiveApi(mock.target, {
    ca: mock.ca,
    servername: 'localhost',
    deadlineMs: 10_000,
    ...GRPC_MOCK_SERVER_27_OPTIONS,
    ...extra,
  });
}

beforeAll(async () => {
  mock = await startMockGrpcServer();
  params = BackupServerPublicParams.deserialize(mock.backupPublicParams);
  backupKey = randomBytes(32);
  mediaRootKey = randomBytes(32);
  const messages = BackupAuthCredentialRequestContext.create(backupKey, mock.aci);
  const media = BackupAuthCredentialRequestContext.create(mediaRootKey, mock.aci);
  const issued = await mock.issueCredentials({ messages: messages.getRequest(), media: media.getRequest() });
  messagesCredential = messages.receive(issued.messages, issued.redemptionTime, params);
  mediaCredential = media.receive(issued.media, issued.redemptionTime, params);
  ({ privateKey: signingKey, publicKey } = deriveBackupIdKeyPair(backupKey, mock.aci));
  api = openApi();
}, 30_000);

afterAll(async () => {
  api?.close();
  await mock?.close();
});

describe('GrpcArchiveApi against mock-server 27', () => {
  it('refuses every call before the public key is set (no key to verify against)', async () => {
    const e = await rejection(api.refresh(auth(messagesCredential)));
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.details).toMatchObject({ status: 0, request: 'BackupsAnonymous/Refresh' });
  });

  it('SetPublicKey stores the backup-id key for both credential types', async () => {
    await api.setPublicKey(auth(messagesCredential), publicKey);
    await api.setPublicKey(auth(mediaCredential), publicKey);
  });

  it('Refresh succeeds with a signed presentation', async () => {
    await api.refresh(auth(messagesCredential));
    await api.refresh(auth(mediaCredential));
  });

  it('GetMessageBackupInfo + GetMediaBackupInfo: the directory is the backup id (base64url)', async () => {
    const info = await api.getBackupInfo(auth(messagesCredential));
    const backupId = Buffer.from(messagesCredential.backupId).toString('base64url');
    // Over gRPC the service names the backup file even before an upload (backups.proto); the mock
    // answers `backup` at once, so there is no NOT_FOUND to see here.
    expect(info).toEqual({ cdn: 3, backupDir: backupId, mediaDir: 'media', backupName: 'backup', usedSpace: 0 });
  });

  it('GetUploadForm for the message backup points at the backup directory on CDN 3', async () => {
    const form = await api.getUploadForm(auth(messagesCredential), 1234);
    const backupId = Buffer.from(messagesCredential.backupId).toString('base64url');
    expect(form.cdn).toBe(3);
    expect(form.key).toBe(`${backupId}/backup`);
    expect(form.signedUploadLocation).toMatch(/^https:\/\/.*\/cdn3\//);
    expect(Object.keys(form.headers).length).toBeGreaterThan(0);
  });

  it('GetUploadForm for one medium gives a fresh transit key each time', async () => {
    const a = await api.getMediaUploadForm(auth(mediaCredential), 100);
    const b = await api.getMediaUploadForm(auth(mediaCredential), 100);
    expect(a.cdn).toBe(3);
    expect(a.key).not.toBe('');
    expect(a.key).not.toBe(b.key);
    expect(a.signedUploadLocation).toMatch(/^https:\/\//);
  });

  it('GetCdnCredentials: Basic auth for the backup id', async () => {
    const { headers } = await api.getCdnCredentials(auth(messagesCredential), 3);
    const backupId = Buffer.from(messagesCredential.backupId).toString('base64url');
    const basic = /^Basic (.+)$/.exec(headers.authorization ?? '');
    expect(basic).not.toBeNull();
    const [user, password] = Buffer.from(basic![1]!, 'base64').toString().split(':');
    expect(user).toBe(backupId);
    expect(password).toMatch(/^[0-9a-f]{32}$/);
  });

  it('GetCdnCredentials for a CDN the mock does not have: SERVER_ERROR with the gRPC status', async () => {
    const e = await rejection(api.getCdnCredentials(auth(messagesCredential), 2));
    expect(e.code).toBe('SERVER_ERROR');
    expect(e.details).toMatchObject({ status: 2, request: 'BackupsAnonymous/GetCdnCredentials' });
  });

  it('ListMedia of a new backup is one empty page without cursor', async () => {
    const page = await api.listMedia(auth(mediaCredential), { limit: 10 });
    const backupId = Buffer.from(mediaCredential.backupId).toString('base64url');
    expect(page).toEqual({ storedMediaObjects: [], backupDir: backupId, mediaDir: 'media' });
  });

  it('CopyMedia of an object that was never uploaded: one per-item failure (410), in order', async () => {
    const mediaIds = [randomBytes(15), randomBytes(15)];
    const results = await api.copyMedia(
      auth(mediaCredential),
      mediaIds.map((mediaId, i) => ({
        sourceAttachment: { cdn: 3, key: `never-uploaded-${i}` },
        objectLength: 100,
        mediaId,
        hmacKey: randomBytes(32),
        encryptionKey: randomBytes(32),
      })),
    );
    expect(results).toEqual(
      mediaIds.map((mediaId) => ({ mediaId: new Uint8Array(mediaId), status: 410, failureReason: 'source_not_found' })),
    );
  });

  it('CopyMedia of uploaded objects: 200 on CDN 3 per item, then ListMedia pages through them', async () => {
    // Two transit objects placed where the media upload forms point (the mock's own JS API
    // stands in for the TUS upload, which is not this transport's job).
    const items = [];
    for (const length of [100, 200]) {
      const form = await api.getMediaUploadForm(auth(mediaCredential), length);
      await mock.server.storeAttachmentOnCdn(3, form.key, randomBytes(length));
      items.push({
        sourceAttachment: { cdn: form.cdn, key: form.key },
        objectLength: length,
        mediaId: randomBytes(15),
        hmacKey: randomBytes(32),
        encryptionKey: randomBytes(32),
      });
    }
    const results = await api.copyMedia(auth(mediaCredential), items);
    expect(results).toEqual(items.map((item) => ({ mediaId: new Uint8Array(item.mediaId), status: 200, cdn: 3 })));

    // The backup tier holds the objects re-encrypted in the attachment layout: IV (16) +
    // AES-256-CBC with PKCS#7 padding + HMAC-SHA256 (32), so 100 -> 160 and 200 -> 256 bytes.
    const first = await api.listMedia(auth(mediaCredential), { limit: 1 });
    expect(first.storedMediaObjects).toEqual([
      { cdn: 3, mediaId: new Uint8Array(items[0]!.mediaId), objectLength: 160 },
    ]);
    expect(first.cursor).toEqual(expect.any(String));
    const second = await api.listMedia(auth(mediaCredential), { limit: 1, cursor: first.cursor! });
    expect(second.storedMediaObjects).toEqual([
      { cdn: 3, mediaId: new Uint8Array(items[1]!.mediaId), objectLength: 256 },
    ]);
    // The mock hands out a cursor on the first page only, so with two objects the second page is
    // also the last.
    expect(second.cursor).toBeUndefined();
    const all = await api.listMedia(auth(mediaCredential), { limit: 10 });
    expect(all.storedMediaObjects.map((o) => o.objectLength)).toEqual([160, 256]);
    expect(all.cursor).toBeUndefined();
  });

  it('CopyMedia read with the current numbering shows why the option exists', async () => {
    const current = openApi({ copyMediaNumbering: 'current' });
    try {
      const [result] = await current.copyMedia(auth(mediaCredential), [
        {
          sourceAttachment: { cdn: 3, key: 'never-uploaded' },
          objectLength: 100,
          mediaId: randomBytes(15),
          hmacKey: randomBytes(32),
          encryptionKey: randomBytes(32),
        },
      ]);
      // The mock sends field 4 (its source_not_found), which Signal-Server's numbering calls
      // wrong_source_length.
      expect(result).toMatchObject({ status: 400, failureReason: 'wrong_source_length' });
    } finally {
      current.close();
    }
  });

  it('CopyMedia of two items in one request is refused by the mock (it copies one per call)', async () => {
    const batched = openApi({ copyMediaBatchSize: 2 });
    try {
      const item = () => ({
        sourceAttachment: { cdn: 3, key: 'never-uploaded' },
        objectLength: 1,
        mediaId: randomBytes(15),
        hmacKey: randomBytes(32),
        encryptionKey: randomBytes(32),
      });
      const e = await rejection(batched.copyMedia(auth(mediaCredential), [item(), item()]));
      expect(e.code).toBe('SERVER_ERROR');
      expect(e.details).toMatchObject({ status: 2, request: 'BackupsAnonymous/CopyMedia' });
    } finally {
      batched.close();
    }
  });

  it('CopyMedia with a refused presentation is AUTH_FAILED, not a per-item result', async () => {
    const e = await rejection(
      api.copyMedia(auth(mediaCredential, randomBytes(32)), [
        {
          sourceAttachment: { cdn: 3, key: 'x' },
          objectLength: 1,
          mediaId: randomBytes(15),
          hmacKey: randomBytes(32),
          encryptionKey: randomBytes(32),
        },
      ]),
    );
    expect(e.code).toBe('AUTH_FAILED');
  });

  it('DeleteMedia: the mock answers plain HTTP 401, reported as SERVER_ERROR (not served)', async () => {
    const e = await rejection(api.deleteMedia(auth(mediaCredential), [{ cdn: 3, mediaId: randomBytes(15) }]));
    expect(e.code).toBe('SERVER_ERROR');
    expect(e.details).toMatchObject({ status: 401, request: 'BackupsAnonymous/DeleteMedia' });
    expect(e.message).toMatch(/does not serve/);
  });

  it('a signature by another key is AUTH_FAILED', async () => {
    const e = await rejection(api.getBackupInfo(auth(messagesCredential, randomBytes(32))));
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.details).toMatchObject({ status: 0, request: 'BackupsAnonymous/GetMessageBackupInfo' });
  });

  it('a presentation with one flipped byte (re-signed) is AUTH_FAILED', async () => {
    const presentation = messagesCredential.present(params);
    presentation[presentation.length - 40]! ^= 0x01;
    const e = await rejection(api.refresh({ presentation, signature: xeddsaSign(signingKey, presentation) }));
    expect(e.code).toBe('AUTH_FAILED');
  });

  it('a signature over other bytes than the presentation is AUTH_FAILED', async () => {
    const good = auth(messagesCredential);
    const other = auth(messagesCredential);
    const e = await rejection(
      api.listMedia({ presentation: good.presentation, signature: other.signature }, { limit: 1 }),
    );
    expect(e.code).toBe('AUTH_FAILED');
  });

  it('a credential for a day long past is refused by the server (redemption time checked)', async () => {
    // Same keys, so the same backup id (whose public key is set): only the day differs. The mock
    // issues for "today" by its clock, which runs in this process: move Date back five days.
    const messages = BackupAuthCredentialRequestContext.create(backupKey, mock.aci);
    const media = BackupAuthCredentialRequestContext.create(mediaRootKey, mock.aci);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 5 * 86_400_000);
    let issued: Awaited<ReturnType<MockGrpcServer['issueCredentials']>>;
    try {
      issued = await mock.issueCredentials({ messages: messages.getRequest(), media: media.getRequest() });
    } finally {
      vi.useRealTimers();
    }
    expect(issued.redemptionTime).toBeLessThan(Date.now() / 1000 - 4 * 86_400);
    const old = messages.receive(issued.messages, issued.redemptionTime, params);
    expect(old.backupId).toEqual(messagesCredential.backupId);
    const e = await rejection(api.refresh(auth(old)));
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toMatch(/Could not verify backup credential presentation/);
    await api.refresh(auth(messagesCredential)); // today's credential still works
  });

  it('SetPublicKey cannot replace the stored key: a presentation signed by a new key is refused', async () => {
    const other = deriveBackupIdKeyPair(randomBytes(32), mock.aci);
    const e = await rejection(api.setPublicKey(auth(messagesCredential, other.privateKey), other.publicKey));
    expect(e.code).toBe('AUTH_FAILED');
    // The stored key still works.
    await api.refresh(auth(messagesCredential));
  });
});

describe('transport failures', () => {
  it('an untrusted certificate is NETWORK', async () => {
    const untrusted = new GrpcArchiveApi(mock.target, { servername: 'localhost', deadlineMs: 5_000 });
    try {
      const e = await rejection(untrusted.refresh(auth(messagesCredential)));
      expect(e.code).toBe('NETWORK');
      expect(e.details).toMatchObject({ status: 14 });
    } finally {
      untrusted.close();
    }
  });

  it('a closed port is NETWORK', async () => {
    const nowhere = new GrpcArchiveApi('127.0.0.1:1', { ca: mock.ca, servername: 'localhost', deadlineMs: 5_000 });
    try {
      expect((await rejection(nowhere.refresh(auth(messagesCredential)))).code).toBe('NETWORK');
    } finally {
      nowhere.close();
    }
  });

  it('a call after close() is NETWORK', async () => {
    const closed = openApi();
    closed.close();
    expect((await rejection(closed.refresh(auth(messagesCredential)))).code).toBe('NETWORK');
  });

  it('an https:// URL is accepted as target', async () => {
    const viaUrl = new GrpcArchiveApi(`https://127.0.0.1:${mock.port}`, { ca: mock.ca, servername: 'localhost' });
    try {
      await viaUrl.refresh(auth(messagesCredential));
    } finally {
      viaUrl.close();
    }
    expect(() => new GrpcArchiveApi(`http://127.0.0.1:${mock.port}`)).toThrow(RangeError);
  });
});

describe('probeGrpc', () => {
  it('is true for mock-server 27', async () => {
    expect(await probeGrpc(mock.target, { ca: mock.ca, servername: 'localhost' })).toBe(true);
  });

  it('probeGrpcServer tells mock-server 27 by its DeleteMedia (plain HTTP)', async () => {
    expect(await probeGrpcServer(mock.target, { ca: mock.ca, servername: 'localhost' })).toEqual({
      grpc: true,
      deleteMedia: false,
    });
  });

  it('is false for mock-server 22 (plain HTTP 401 on the backup service)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sbackup-mock22-'));
    const old = new Server22({ cdn3Path: dir });
    await old.listen(0, '127.0.0.1');
    const target = `127.0.0.1:${old.address().port}`;
    const client = new GrpcArchiveApi(target, { ca: mock.ca, servername: 'localhost', deadlineMs: 5_000 });
    try {
      expect(await probeGrpc(target, { ca: mock.ca, servername: 'localhost' })).toBe(false);
      expect(await probeGrpcServer(target, { ca: mock.ca, servername: 'localhost' })).toEqual({
        grpc: false,
        deleteMedia: false,
      });
      const e = await rejection(client.refresh(auth(messagesCredential)));
      expect(e.code).toBe('SERVER_ERROR');
      expect(e.details).toMatchObject({ status: 401, request: 'BackupsAnonymous/Refresh' });
    } finally {
      client.close();
      await old.close();
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    }
  });

  it('is false where nothing listens', async () => {
    expect(await probeGrpc('127.0.0.1:1', { ca: mock.ca, servername: 'localhost', deadlineMs: 2_000 })).toBe(false);
  });
});

describe('grpcError (status mapping)', () => {
  const m = 'BackupsAnonymous/X';
  it.each([
    [16, 'AUTH_FAILED'],
    [7, 'AUTH_FAILED'],
    [5, 'NOT_FOUND'],
    [8, 'QUOTA_EXCEEDED'],
    [14, 'NETWORK'],
    [4, 'NETWORK'],
    [12, 'SERVER_ERROR'],
    [13, 'SERVER_ERROR'],
    [2, 'SERVER_ERROR'],
  ])('status %i -> %s', (code, expected) => {
    const e = grpcError(m, { code, details: 'x' });
    expect(e.code).toBe(expected);
    expect(e.details).toMatchObject({ status: code, request: m });
  });
});
