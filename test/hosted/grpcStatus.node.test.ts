/**
 * GrpcArchiveApi against a scripted gRPC server (grpc-js, TLS with the mock server's test
 * certificate), for what Signal's mock server never sends: rate limits with a delay (the
 * `retry-after` metadata and google.rpc.RetryInfo, as libsignal's rust/net/chat/src/grpc.rs reads
 * them), a media stream closed for authentication (BackupStreamClosed in the status details),
 * copy outcomes in Signal-Server's numbering and out of order, deadlines and malformed replies.
 */

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import { org } from '../../src/node/generated/grpcBackups.js';
import { GrpcArchiveApi, probeGrpc, probeGrpcServer } from '../../src/node/grpcArchive.js';

const pb = org.signal.chat.backup;
const require = createRequire(import.meta.url);
const certs = join(dirname(require.resolve('mock-server-27/package.json')), 'certs');

type Handler = (
  request: Uint8Array,
  call: ServerUnaryCall<Uint8Array, Uint8Array> | ServerWritableStream<Uint8Array, Uint8Array>,
) => void;

/** What the scripted server does next, per method name. */
const script = new Map<string, Handler>();
const received: { method: string; bytes: Uint8Array }[] = [];
let server: Server;
let port: number;
let ca: Buffer;
let api: GrpcArchiveApi;

const auth = { presentation: Uint8Array.of(1, 2, 3), signature: new Uint8Array(64).fill(7) };
const encode = <T>(type: { encode(m: T): { finish(): Uint8Array } }, message: T) =>
  Buffer.from(type.encode(message).finish());
const identity = (b: Buffer) => b;

function anyOf(typeName: string, value: Uint8Array) {
  return { typeUrl: `type.googleapis.com/${typeName}`, value };
}

/** Trailers carrying a google.rpc.Status with the given details. */
function statusDetails(code: number, details: { typeUrl: string; value: Uint8Array }[]): Metadata {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', encode(pb.RpcStatus, { code, message: 'scripted', details }));
  return metadata;
}

const METHODS = [
  ['SetPublicKey', false],
  ['Refresh', false],
  ['GetMessageBackupInfo', false],
  ['GetMediaBackupInfo', false],
  ['GetCdnCredentials', false],
  ['GetUploadForm', false],
  ['ListMedia', false],
  ['CopyMedia', true],
  ['DeleteMedia', true],
] as const;

async function rejection(p: Promise<unknown>) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'expected a rejection').toBeDefined();
  if (!isBackupError(e)) throw e;
  return e;
}

beforeAll(async () => {
  ca = await readFile(join(certs, 'ca-cert.pem'));
  const key = await readFile(join(certs, 'key.pem'));
  const cert = await readFile(join(certs, 'cert.pem'));
  server = new Server();
  const definition: Record<string, unknown> = {};
  const implementation: Record<string, unknown> = {};
  for (const [name, streaming] of METHODS) {
    definition[name] = {
      path: `/org.signal.chat.backup.BackupsAnonymous/${name}`,
      requestStream: false,
      responseStream: streaming,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    };
    implementation[name] = streaming
      ? (call: ServerWritableStream<Uint8Array, Uint8Array>) => {
          received.push({ method: name, bytes: call.request });
          const handler = script.get(name);
          if (handler) handler(call.request, call);
          else call.emit('error', { code: status.UNIMPLEMENTED, details: 'not scripted' });
        }
      : (call: ServerUnaryCall<Uint8Array, Uint8Array>, callback: sendUnaryData<Uint8Array>) => {
          received.push({ method: name, bytes: call.request });
          const handler = script.get(name);
          if (handler)
            (handler as (r: Uint8Array, c: unknown, cb: sendUnaryData<Uint8Array>) => void)(
              call.request,
              call,
              callback,
            );
          else callback({ code: status.UNIMPLEMENTED, details: 'not scripted' });
        };
  }
  // biome-ignore lint/suspicious/noExplicitAny: grpc-js's ServiceDefinition typing wants per-method generics.
  server.addService(definition as any, implementation as any);
  port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      '127.0.0.1:0',
      ServerCredentials.createSsl(null, [{ private_key: key, cert_chain: cert }]),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    ),
  );
  api = new GrpcArchiveApi(`127.0.0.1:${port}`, { ca, servername: 'localhost', deadlineMs: 5_000 });
});

afterAll(async () => {
  api?.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

/** Scripts a unary method to answer `callback(error, reply)`. */
function unary(
  name: string,
  answer: (request: Uint8Array) => [Partial<{ code: number; details: string; metadata: Metadata }> | null, Buffer?],
) {
  script.set(name, ((request: Uint8Array, _call: unknown, callback: sendUnaryData<Uint8Array>) => {
    const [error, reply] = answer(request);
    if (error) callback(error as never);
    else callback(null, reply);
  }) as unknown as Handler);
}

describe('rate limits and quotas', () => {
  it('RESOURCE_EXHAUSTED with retry-after metadata (seconds) is RATE_LIMITED', async () => {
    unary('Refresh', () => {
      const metadata = new Metadata();
      metadata.set('retry-after', '11');
      return [{ code: status.RESOURCE_EXHAUSTED, details: 'slow down', metadata }];
    });
    const e = await rejection(api.refresh(auth));
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.details).toMatchObject({ status: 8, request: 'BackupsAnonymous/Refresh', retryAfterMs: 11_000 });
  });

  it('RESOURCE_EXHAUSTED with google.rpc.RetryInfo is RATE_LIMITED, the delay rounded up', async () => {
    unary('Refresh', () => [
      {
        code: status.RESOURCE_EXHAUSTED,
        details: 'slow down',
        metadata: statusDetails(status.RESOURCE_EXHAUSTED, [
          anyOf(
            'google.rpc.ErrorInfo',
            pb.RpcErrorInfo.encode({ reason: 'RESOURCE_EXHAUSTED', domain: 'grpc.chat.signal.org' }).finish(),
          ),
          anyOf(
            'google.rpc.RetryInfo',
            pb.RpcRetryInfo.encode({ retryDelay: { seconds: 3 as never, nanos: 2_500_001 } }).finish(),
          ),
        ]),
      },
    ]);
    const e = await rejection(api.refresh(auth));
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.details).toMatchObject({ status: 8, retryAfterMs: 3_003 });
  });

  it('RESOURCE_EXHAUSTED without a delay is QUOTA_EXCEEDED', async () => {
    unary('Refresh', () => [{ code: status.RESOURCE_EXHAUSTED, details: 'full' }]);
    const e = await rejection(api.refresh(auth));
    expect(e.code).toBe('QUOTA_EXCEEDED');
    expect(e.details).toMatchObject({ status: 8 });
  });

  it('an oversize upload form (exceeds_max_upload_length) is QUOTA_EXCEEDED', async () => {
    unary('GetUploadForm', () => [
      null,
      encode(pb.GetUploadFormResponse, { exceedsMaxUploadLength: { description: 'too big' } }),
    ]);
    const e = await rejection(api.getUploadForm(auth, 10 ** 12));
    expect(e.code).toBe('QUOTA_EXCEEDED');
    expect(e.message).toMatch(/too big/);
  });
});

describe('status codes', () => {
  it.each([
    [status.UNAUTHENTICATED, 'AUTH_FAILED'],
    [status.PERMISSION_DENIED, 'AUTH_FAILED'],
    [status.NOT_FOUND, 'NOT_FOUND'],
    [status.UNAVAILABLE, 'NETWORK'],
    [status.UNIMPLEMENTED, 'SERVER_ERROR'],
    [status.INTERNAL, 'SERVER_ERROR'],
    [status.INVALID_ARGUMENT, 'SERVER_ERROR'],
  ])('status %i from the server -> %s', async (code, expected) => {
    unary('GetCdnCredentials', () => [{ code, details: 'scripted' }]);
    const e = await rejection(api.getCdnCredentials(auth, 3));
    expect(e.code).toBe(expected);
    expect(e.details).toMatchObject({ status: code, request: 'BackupsAnonymous/GetCdnCredentials' });
  });

  it('a call past its deadline is NETWORK (DEADLINE_EXCEEDED)', async () => {
    script.set('Refresh', () => {}); // never answers
    const quick = new GrpcArchiveApi(`127.0.0.1:${port}`, { ca, servername: 'localhost', deadlineMs: 300 });
    try {
      const e = await rejection(quick.refresh(auth));
      expect(e.code).toBe('NETWORK');
      expect(e.details).toMatchObject({ status: status.DEADLINE_EXCEEDED });
    } finally {
      quick.close();
    }
  });

  it('a reply that is not the expected message is SERVER_ERROR', async () => {
    unary('Refresh', () => [null, Buffer.from([0x0a, 0x05, 0x01])]); // a length running past the end
    expect((await rejection(api.refresh(auth))).code).toBe('SERVER_ERROR');
  });

  it('a reply without any outcome is SERVER_ERROR', async () => {
    unary('Refresh', () => [null, Buffer.alloc(0)]);
    const e = await rejection(api.refresh(auth));
    expect(e.code).toBe('SERVER_ERROR');
    expect(e.details).toMatchObject({ status: 0 });
  });

  it('a uint64 beyond 2^53 in a reply is SERVER_ERROR, not a rounded number', async () => {
    unary('GetMessageBackupInfo', () => [
      null,
      encode(pb.GetMessageBackupInfoResponse, { backupInfo: { cdn: 3, backupDir: 'd', backupName: 'n' } }),
    ]);
    // used_space = 2^60 (field 3, varint), inside MediaBackupInfo (field 1 of the response).
    const info = Buffer.from([0x12, 0x01, 0x6d, 0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]);
    unary('GetMediaBackupInfo', () => [null, Buffer.concat([Buffer.from([0x0a, info.length]), info])]);
    expect((await rejection(api.getBackupInfo(auth))).code).toBe('SERVER_ERROR');
  });

  it('probeGrpc is true for any gRPC status, even a refusal', async () => {
    unary('GetMessageBackupInfo', () => [{ code: status.INVALID_ARGUMENT, details: 'bad presentation' }]);
    expect(await probeGrpc(`127.0.0.1:${port}`, { ca, servername: 'localhost' })).toBe(true);
  });

  it('probeGrpcServer: a DeleteMedia refused with a gRPC status counts as served', async () => {
    unary('GetMessageBackupInfo', () => [{ code: status.INVALID_ARGUMENT, details: 'bad presentation' }]);
    script.set('DeleteMedia', (_request, call) => {
      (call as ServerWritableStream<Uint8Array, Uint8Array>).emit('error', { code: status.ABORTED, details: 'closed' });
    });
    expect(await probeGrpcServer(`127.0.0.1:${port}`, { ca, servername: 'localhost' })).toEqual({
      grpc: true,
      deleteMedia: true,
    });
  });
});

describe('requests on the wire', () => {
  it('carry the presentation, its signature and the arguments in the upstream field numbers', async () => {
    unary('GetUploadForm', () => [
      null,
      encode(pb.GetUploadFormResponse, {
        uploadForm: { cdn: 3, key: 'k', headers: { a: 'b' }, signedUploadLocation: 'https://cdn/x' },
      }),
    ]);
    received.length = 0;
    expect(await api.getMediaUploadForm(auth, 2 ** 40)).toEqual({
      cdn: 3,
      key: 'k',
      headers: { a: 'b' },
      signedUploadLocation: 'https://cdn/x',
    });
    // Hand-written expectation: 1 {1: presentation, 2: signature}, 3 {} (media), 4: 2^40.
    const expected = Buffer.concat([
      Buffer.from([0x0a, 3 + 2 + 64 + 2, 0x0a, 3, 1, 2, 3, 0x12, 64]),
      Buffer.alloc(64, 7),
      Buffer.from([0x1a, 0x00, 0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]),
    ]);
    expect(Buffer.from(received[0]!.bytes).toString('hex')).toBe(expected.toString('hex'));
  });

  it('ListMedia sends the limit and the cursor; the last page has no cursor', async () => {
    unary('ListMedia', () => [
      null,
      encode(pb.ListMediaResponse, {
        listResult: {
          page: [{ cdn: 3, mediaId: new Uint8Array(15).fill(9), length: 42 as never }],
          backupDir: 'b',
          mediaDir: 'm',
        },
      }),
    ]);
    received.length = 0;
    const page = await api.listMedia(auth, { limit: 5, cursor: 'c1' });
    expect(page).toEqual({
      storedMediaObjects: [{ cdn: 3, mediaId: new Uint8Array(15).fill(9), objectLength: 42 }],
      backupDir: 'b',
      mediaDir: 'm',
    });
    const request = pb.ListMediaRequest.decode(received[0]!.bytes);
    expect(request.limit).toBe(5);
    expect(request.cursor).toBe('c1');
  });
});

describe('media streams', () => {
  const id = (n: number) => new Uint8Array(15).fill(n);
  const item = (n: number) => ({
    sourceAttachment: { cdn: 3, key: `k${n}` },
    objectLength: 10 * n,
    mediaId: id(n),
    hmacKey: new Uint8Array(32).fill(n),
    encryptionKey: new Uint8Array(32).fill(n + 100),
  });

  it('CopyMedia: outcomes in Signal-Server numbering, streamed out of order, come back in request order', async () => {
    script.set('CopyMedia', (_request, call) => {
      const stream = call as ServerWritableStream<Uint8Array, Uint8Array>;
      stream.write(encode(pb.CopyMediaResponse, { mediaId: id(2), success: { cdn: 3 } }));
      stream.write(encode(pb.CopyMediaResponse, { mediaId: id(4), outOfSpace: {} }));
      stream.write(encode(pb.CopyMediaResponse, { mediaId: id(1), sourceNotFound: {} }));
      stream.write(encode(pb.CopyMediaResponse, { mediaId: id(3), wrongSourceLength: {} }));
      stream.end();
    });
    received.length = 0;
    const results = await api.copyMedia(auth, [item(1), item(2), item(3), item(4)]);
    expect(results).toEqual([
      { mediaId: id(1), status: 410, failureReason: 'source_not_found' },
      { mediaId: id(2), status: 200, cdn: 3 },
      { mediaId: id(3), status: 400, failureReason: 'wrong_source_length' },
      { mediaId: id(4), status: 413, failureReason: 'out_of_space' },
    ]);
    expect(received).toHaveLength(1); // one request for all four
    const request = pb.CopyMediaRequest.decode(received[0]!.bytes);
    expect(request.items.map((i) => [i.sourceAttachmentCdn, i.sourceKey, Number(i.objectLength)])).toEqual([
      [3, 'k1', 10],
      [3, 'k2', 20],
      [3, 'k3', 30],
      [3, 'k4', 40],
    ]);
    expect(new Uint8Array(request.items[1]!.encryptionKey!)).toEqual(new Uint8Array(32).fill(102));
  });

  it('CopyMedia in batches: one request per batch, results concatenated in order', async () => {
    script.set('CopyMedia', (request, call) => {
      const stream = call as ServerWritableStream<Uint8Array, Uint8Array>;
      for (const i of pb.CopyMediaRequest.decode(request).items) {
        stream.write(encode(pb.CopyMediaResponse, { mediaId: i.mediaId, success: { cdn: 3 } }));
      }
      stream.end();
    });
    const small = new GrpcArchiveApi(`127.0.0.1:${port}`, { ca, servername: 'localhost', copyMediaBatchSize: 2 });
    try {
      received.length = 0;
      const results = await small.copyMedia(auth, [item(1), item(2), item(3)]);
      expect(results.map((r) => r.mediaId[0])).toEqual([1, 2, 3]);
      expect(received.map((r) => pb.CopyMediaRequest.decode(r.bytes).items.length)).toEqual([2, 1]);
    } finally {
      small.close();
    }
  });

  it('CopyMedia with an item left unanswered is SERVER_ERROR', async () => {
    script.set('CopyMedia', (_request, call) => {
      const stream = call as ServerWritableStream<Uint8Array, Uint8Array>;
      stream.write(encode(pb.CopyMediaResponse, { mediaId: id(1), success: { cdn: 3 } }));
      stream.end();
    });
    const e = await rejection(api.copyMedia(auth, [item(1), item(2)]));
    expect(e.code).toBe('SERVER_ERROR');
    expect(e.message).toMatch(/no outcome for item 1/);
  });

  it('CopyMedia closed with BackupStreamClosed(failed_authentication) is AUTH_FAILED', async () => {
    script.set('CopyMedia', (_request, call) => {
      const stream = call as ServerWritableStream<Uint8Array, Uint8Array>;
      stream.emit('error', {
        code: status.ABORTED,
        details: 'stream closed',
        metadata: statusDetails(status.ABORTED, [
          anyOf(
            'google.rpc.ErrorInfo',
            pb.RpcErrorInfo.encode({ reason: 'STREAM_CLOSED', domain: 'grpc.chat.signal.org' }).finish(),
          ),
          anyOf(
            'org.signal.chat.backup.BackupStreamClosed',
            pb.BackupStreamClosed.encode({ failedAuthentication: { description: 'bad' } }).finish(),
          ),
        ]),
      });
    });
    const e = await rejection(api.copyMedia(auth, [item(1)]));
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.details).toMatchObject({ status: status.ABORTED, request: 'BackupsAnonymous/CopyMedia' });
  });

  it('DeleteMedia sends the items and resolves when the stream ends', async () => {
    script.set('DeleteMedia', (request, call) => {
      const stream = call as ServerWritableStream<Uint8Array, Uint8Array>;
      for (const i of pb.DeleteMediaRequest.decode(request).items)
        stream.write(encode(pb.DeleteMediaResponse, { deletedItem: i }));
      stream.end();
    });
    received.length = 0;
    await api.deleteMedia(auth, [
      { cdn: 3, mediaId: id(5) },
      { cdn: 2, mediaId: id(6) },
    ]);
    const request = pb.DeleteMediaRequest.decode(received[0]!.bytes);
    expect(request.items.map((i) => [i.cdn, i.mediaId![0]])).toEqual([
      [3, 5],
      [2, 6],
    ]);
  });
});
