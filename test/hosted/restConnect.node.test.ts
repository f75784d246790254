/**
 * The other ways onto the chat WebSocket, still against Signal's mock server: the HTTP/1.1
 * upgrade (which Signal's production server offers and the mock does not) and a browser-style
 * `WebSocket` constructor. A relay here accepts HTTP/1.1 WebSocket upgrades over TLS (HTTP/1.1
 * only, with the mock's own certificate) and forwards every binary message unchanged to the mock
 * over HTTP/2 extended CONNECT, passing the upgrade's `Authorization` header on; the mock does all
 * the answering. Also: our WebSocketMessage bytes against the mock's own protobuf codec.
 */

import { readFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { isBackupError } from '../../src/errors.js';
import { BackupAuthCredentialRequestContext } from '../../src/hosted/credential.js';
import { RestArchiveApi } from '../../src/hosted/rest.js';
import type { ChatTransport } from '../../src/hosted/transport.js';
import { connectChatWebSocket, type WebSocketConstructor } from '../../src/hosted/websocket.js';
import { decodeWebSocketMessage, encodeWebSocketMessage } from '../../src/hosted/websocketMessage.js';
import { connectNodeChatWebSocket, openNodeChatWebSocket } from '../../src/node/chatWebSocket.js';
import { type MockServer, mockServerPackageDir, startMockServer } from '../helpers/mockServer.js';

const DAY = 86_400;
const today = () => Math.floor(Date.now() / 1000 / DAY) * DAY;

async function failure(promise: Promise<unknown>) {
  const e = await promise.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isBackupError(e)) throw new Error(`expected a BackupError, got ${String(e)}`);
  return e;
}

let server: MockServer;
let relay: https.Server;
let relayUrl: string;

beforeAll(async () => {
  server = await startMockServer(22);
  const certs = join(mockServerPackageDir(22), 'certs');
  relay = https.createServer({
    cert: await readFile(join(certs, 'full-cert.pem')),
    key: await readFile(join(certs, 'key.pem')),
  });
  const wss = new WebSocketServer({ server: relay });
  wss.on('connection', (client, request) => {
    client.pause();
    const authorization = request.headers.authorization;
    openNodeChatWebSocket({
      url: server.url,
      ca: server.ca,
      servername: 'localhost',
      protocol: 'h2',
      ...(authorization === undefined ? {} : { upgradeHeaders: { authorization } }),
    }).then(
      (upstream) => {
        upstream.addEventListener('message', (event: { data: ArrayBuffer }) => {
          if (client.readyState === WebSocket.OPEN) client.send(new Uint8Array(event.data));
        });
        upstream.addEventListener('close', (event: { code: number }) => {
          const code = event.code >= 3000 || event.code === 1000 ? event.code : 1011;
          if (client.readyState === WebSocket.OPEN) client.close(code);
        });
        client.on('message', (data: Buffer) => upstream.send(new Uint8Array(data)));
        client.on('close', () => upstream.close(1000));
        client.resume();
      },
      () => client.close(1011),
    );
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  relayUrl = `https://127.0.0.1:${(relay.address() as { port: number }).port}`;
});

afterAll(async () => {
  relay?.closeAllConnections?.();
  await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
  await server?.close();
});

describe('the Node connector over an HTTP/1.1-only server', () => {
  test("'auto' falls back from HTTP/2 to the HTTP/1.1 upgrade; the login goes on the upgrade", async () => {
    const transport = await connectNodeChatWebSocket({
      url: relayUrl,
      ca: server.ca,
      servername: 'localhost',
      credentials: { login: server.login, password: server.password },
    });
    try {
      const api = new RestArchiveApi({ account: transport });
      expect((await failure(api.getCredentials(today(), today()))).code).toBe('NOT_FOUND');
      const key = new Uint8Array(32).fill(7);
      await api.setBackupId({
        messagesBackupAuthCredentialRequest: BackupAuthCredentialRequestContext.create(key, server.aci).getRequest(),
        mediaBackupAuthCredentialRequest: BackupAuthCredentialRequestContext.create(key, server.aci).getRequest(),
      });
      const issued = await api.getCredentials(today(), today() + DAY);
      expect(issued.messages.map((c) => c.redemptionTime)).toEqual([today(), today() + DAY]);
    } finally {
      await transport.close();
    }
  });

  test("'h2' against a server without HTTP/2: NETWORK, no fallback", { timeout: 5_000 }, async () => {
    const e = await failure(
      connectNodeChatWebSocket({ url: relayUrl, ca: server.ca, servername: 'localhost', protocol: 'h2' }),
    );
    expect(e.code).toBe('NETWORK');
  });

  test('a wrong password over HTTP/1.1: AUTH_FAILED promptly (the close code 3000 reaches us)', {
    timeout: 5_000,
  }, async () => {
    const transport = await connectNodeChatWebSocket({
      url: relayUrl,
      ca: server.ca,
      servername: 'localhost',
      protocol: 'http1',
      credentials: { login: server.login, password: 'wrong' },
    });
    try {
      const e = await failure(transport.request({ verb: 'GET', path: '/v1/archives/auth?redemptionStartSeconds=0' }));
      expect(e.code).toBe('AUTH_FAILED');
      expect(e.details).toEqual({ request: 'GET /v1/archives/auth' });
    } finally {
      await transport.close();
    }
  });
});

describe('a server that never answers', () => {
  test('connecting times out with NETWORK, over HTTP/2 and over HTTP/1.1', { timeout: 5_000 }, async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket)); // accepts, never speaks TLS
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      for (const protocol of ['h2', 'http1'] as const) {
        const e = await failure(connectNodeChatWebSocket({ url, protocol, connectTimeoutMs: 200 }));
        expect(e.code).toBe('NETWORK');
      }
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('connectChatWebSocket with a browser-style WebSocket', () => {
  /** `ws`'s client, which has the browser's interface, trusting the mock's CA. */
  function trustingWebSocket(): WebSocketConstructor {
    const ca = server.ca;
    return class extends WebSocket {
      constructor(url: string) {
        super(url, { ca }); // the mock's certificate also names 127.0.0.1
        // Errors also end in a close event, which the transport handles.
        this.on('error', () => undefined);
      }
    } as unknown as WebSocketConstructor;
  }

  test('anonymous: the socket opens and requests are answered by the mock', async () => {
    const transport = await connectChatWebSocket({ url: relayUrl, WebSocket: trustingWebSocket() });
    try {
      const r = await transport.request({ verb: 'GET', path: '/v1/keepalive' });
      expect(r.status).toBe(200);
      expect(JSON.parse(new TextDecoder().decode(r.body))).toEqual({ ok: true });
      expect(r.headers['content-type']).toBe('application/json');
    } finally {
      await transport.close();
    }
  });

  test('a login sent in every request authenticates the account calls on the mock', async () => {
    const transport: ChatTransport = await connectChatWebSocket({
      url: relayUrl,
      WebSocket: trustingWebSocket(),
      credentials: { login: server.login, password: server.password },
    });
    try {
      const r = await transport.request({ verb: 'GET', path: '/v1/accounts/whoami' });
      expect(r.status).toBe(200);
      expect(JSON.parse(new TextDecoder().decode(r.body)).uuid).toBe(server.aci);
    } finally {
      await transport.close();
    }
  });
});

describe("WebSocketMessage against the mock's own protobuf codec", () => {
  interface MockCodec {
    encode(message: unknown): Uint8Array;
    decode(bytes: Uint8Array): {
      type: number | null;
      request: {
        verb: string | null;
        path: string | null;
        id: bigint | null;
        headers: string[];
        body: Uint8Array | null;
      } | null;
      response: { id: bigint | null; status: number | null; headers: string[]; body: Uint8Array | null } | null;
    };
    Type: { REQUEST: number; RESPONSE: number };
  }
  let codec: MockCodec;
  beforeAll(async () => {
    const mod = (await import('mock-server-22')) as unknown as { Proto: { WebSocketMessage: MockCodec } };
    codec = mod.Proto.WebSocketMessage;
  });

  test('the mock decodes our request; we decode its response', () => {
    const ours = encodeWebSocketMessage({
      type: 'request',
      request: {
        verb: 'PUT',
        path: '/v1/archives/keys',
        id: 2n ** 60n + 3n,
        headers: ['a:b', 'c:d'],
        body: Uint8Array.of(9),
      },
    });
    const theirs = codec.decode(ours);
    expect(theirs.type).toBe(codec.Type.REQUEST);
    expect(theirs.request?.verb).toBe('PUT');
    expect(theirs.request?.path).toBe('/v1/archives/keys');
    expect(BigInt(theirs.request?.id ?? -1)).toBe(2n ** 60n + 3n);
    expect(theirs.request?.headers).toEqual(['a:b', 'c:d']);
    expect(Array.from(theirs.request?.body ?? [])).toEqual([9]);

    const bytes = codec.encode({
      type: codec.Type.RESPONSE,
      request: null,
      response: {
        id: 2n ** 63n + 1n,
        status: 429,
        message: 'slow down',
        headers: ['Retry-After:5'],
        body: Buffer.from('{}'),
      },
    });
    expect(decodeWebSocketMessage(new Uint8Array(bytes))).toEqual({
      type: 'response',
      response: {
        id: 2n ** 63n + 1n,
        status: 429,
        message: 'slow down',
        headers: ['Retry-After:5'],
        body: new Uint8Array(Buffer.from('{}')),
      },
    });
  });
});
