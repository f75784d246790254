/**
 * The chat WebSocket's framing and the REST layer's status mapping, without a server: the
 * `WebSocketMessage` codec against bytes built here by hand from the field numbers and the
 * protobuf wire rules; the transport over an in-memory socket; RestArchiveApi over a scripted
 * transport (as an app's own transport would be). Runs in Node and Chromium.
 */

import { describe, expect, test } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import { parseRetryAfter, RestArchiveApi, statusError } from '../../src/hosted/rest.js';
import type { ChatRequest, ChatResponse, ChatTransport } from '../../src/hosted/transport.js';
import { describeRequest } from '../../src/hosted/transport.js';
import {
  basicAuthorization,
  chatTransportOverWebSocket,
  chatWebSocketUrl,
  connectChatWebSocket,
  type WebSocketLike,
} from '../../src/hosted/websocket.js';
import { decodeWebSocketMessage, encodeWebSocketMessage } from '../../src/hosted/websocketMessage.js';

const enc = (s: string) => Array.from(new TextEncoder().encode(s));
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** A varint, by the wire rules: 7 bits a byte, low first, high bit set on all but the last. */
function varint(n: bigint): number[] {
  const out: number[] = [];
  do {
    const low = Number(n & 0x7fn);
    n >>= 7n;
    out.push(n > 0n ? low | 0x80 : low);
  } while (n > 0n);
  return out;
}
/** A field's key: field number shifted left by 3, or'd with the wire type. */
const key = (field: number, wireType: number) => varint(BigInt((field << 3) | wireType));
const varintField = (field: number, n: bigint | number) => [...key(field, 0), ...varint(BigInt(n))];
const lenField = (field: number, bytes: number[]) => [...key(field, 2), ...varint(BigInt(bytes.length)), ...bytes];

async function rejection(promise: Promise<unknown>) {
  const e = await promise.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!isBackupError(e)) throw new Error(`expected a BackupError, got ${String(e)}`);
  return e;
}

describe('WebSocketMessage codec', () => {
  test('a request: type 1, request in field 2 (verb 1, path 2, body 3, id 4, headers 5)', () => {
    const bytes = encodeWebSocketMessage({
      type: 'request',
      request: {
        verb: 'PUT',
        path: '/v1/archives/keys',
        id: 1n,
        headers: ['a:b', 'Content-Type:x'],
        body: Uint8Array.of(1, 2),
      },
    });
    // Literal bytes for the start, worked out by hand: 08 01 (type = 1), 12 (field 2, length-delimited).
    expect(Array.from(bytes.subarray(0, 3))).toEqual([0x08, 0x01, 0x12]);
    const inner = [
      ...lenField(1, enc('PUT')),
      ...lenField(2, enc('/v1/archives/keys')),
      ...lenField(3, [1, 2]),
      ...varintField(4, 1),
      ...lenField(5, enc('a:b')),
      ...lenField(5, enc('Content-Type:x')),
    ];
    expect(Array.from(bytes)).toEqual([...varintField(1, 1), ...lenField(2, inner)]);
    expect(decodeWebSocketMessage(bytes)).toEqual({
      type: 'request',
      request: {
        verb: 'PUT',
        path: '/v1/archives/keys',
        id: 1n,
        headers: ['a:b', 'Content-Type:x'],
        body: Uint8Array.of(1, 2),
      },
    });
  });

  test('a response: type 2, response in field 3 (id 1, status 2, message 3, body 4, headers 5)', () => {
    const bytes = encodeWebSocketMessage({
      type: 'response',
      response: { id: 7n, status: 200, message: 'OK', headers: ['k:v'], body: Uint8Array.of(0x7b, 0x7d) },
    });
    // biome-ignore format: the bytes grouped by field
    const expected = [
      0x08, 0x02, // type 2 (RESPONSE)
      0x1a, 0x12, // field 3, length-delimited, 18 bytes
      0x08, 0x07, // id 7
      0x10, 0xc8, 0x01, // status 200
      0x1a, 0x02, ...enc('OK'), // message
      0x22, 0x02, 0x7b, 0x7d, // body
      0x2a, 0x03, ...enc('k:v'), // one header
    ];
    expect(Array.from(bytes)).toEqual(expected);
    expect(decodeWebSocketMessage(bytes)).toEqual({
      type: 'response',
      response: { id: 7n, status: 200, message: 'OK', headers: ['k:v'], body: Uint8Array.of(0x7b, 0x7d) },
    });
  });

  test('64-bit request ids survive exactly (the server picks large random ones)', () => {
    for (const id of [0n, 127n, 128n, 2n ** 53n + 1n, 2n ** 63n + 5n, 2n ** 64n - 1n]) {
      const bytes = encodeWebSocketMessage({ type: 'response', response: { id, status: 200, headers: [] } });
      expect(Array.from(bytes)).toEqual([
        ...varintField(1, 2),
        ...lenField(3, [...varintField(1, id), ...varintField(2, 200)]),
      ]);
      const decoded = decodeWebSocketMessage(bytes);
      expect(decoded?.type === 'response' && decoded.response.id).toBe(id);
    }
    expect(varint(2n ** 64n - 1n)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() =>
      encodeWebSocketMessage({ type: 'response', response: { id: 2n ** 64n, status: 200, headers: [] } }),
    ).toThrow(RangeError);
  });

  test('decoding skips unknown fields of every wire type and keeps the last scalar', () => {
    const inner = [
      ...varintField(9, 5),
      ...key(10, 1), // fixed64
      ...[1, 2, 3, 4, 5, 6, 7, 8],
      ...key(11, 5), // fixed32
      ...[1, 2, 3, 4],
      ...lenField(12, [9, 9]),
      ...lenField(1, enc('GET')),
      ...lenField(2, enc('/a')),
      ...lenField(2, enc('/api/v1/queue/empty')),
      ...varintField(4, 3),
    ];
    expect(
      decodeWebSocketMessage(Uint8Array.from([...varintField(1, 1), ...lenField(2, inner), ...varintField(7, 1)])),
    ).toEqual({
      type: 'request',
      request: { verb: 'GET', path: '/api/v1/queue/empty', id: 3n, headers: [] },
    });
  });

  test('malformed messages decode to undefined; an unknown type is reported as such', () => {
    const good = Array.from(
      encodeWebSocketMessage({ type: 'response', response: { id: 1n, status: 200, headers: [] } }),
    );
    expect(decodeWebSocketMessage(Uint8Array.from(good.slice(0, -1)))).toBeUndefined(); // truncated
    expect(decodeWebSocketMessage(Uint8Array.of(0x08, 0x80))).toBeUndefined(); // varint runs off the end
    expect(decodeWebSocketMessage(Uint8Array.of(0x0b))).toBeUndefined(); // wire type 3 (group)
    expect(decodeWebSocketMessage(Uint8Array.of(0x00, 0x00))).toBeUndefined(); // field 0
    expect(decodeWebSocketMessage(Uint8Array.from(varintField(1, 1)))).toBeUndefined(); // a request without a request
    expect(decodeWebSocketMessage(Uint8Array.from(varintField(1, 2)))).toBeUndefined(); // a response without a response
    const badUtf8 = [...varintField(1, 1), ...lenField(2, lenField(1, [0xc3, 0x28]))];
    expect(decodeWebSocketMessage(Uint8Array.from(badUtf8))).toBeUndefined();
    expect(decodeWebSocketMessage(Uint8Array.from(varintField(1, 0)))).toEqual({ type: 'unknown', typeNumber: 0 });
    expect(decodeWebSocketMessage(new Uint8Array(0))).toEqual({ type: 'unknown', typeNumber: 0 });
  });
});

/** An in-memory socket with the browser WebSocket's shape: records what is sent, replays events. */
class MemorySocket implements WebSocketLike {
  binaryType = 'blob';
  readyState = 1;
  readonly sent: Uint8Array[] = [];
  closedWith: number | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: test double
  readonly #listeners = new Map<string, Set<(event: any) => void>>();

  send(data: Uint8Array): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data.slice());
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
    queueMicrotask(() => this.emit('close', { code: 1000 }));
  }
  // biome-ignore lint/suspicious/noExplicitAny: test double
  addEventListener(type: string, listener: (event: any) => void): void {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type)!.add(listener);
  }
  // biome-ignore lint/suspicious/noExplicitAny: test double
  removeEventListener(type: string, listener: (event: any) => void): void {
    this.#listeners.get(type)?.delete(listener);
  }
  emit(type: string, event: unknown): void {
    for (const l of [...(this.#listeners.get(type) ?? [])]) l(event);
  }
  /** Delivers a server message (as an ArrayBuffer, what binaryType 'arraybuffer' gives). */
  deliver(bytes: Uint8Array): void {
    this.emit('message', { data: bytes.slice().buffer });
  }
  /** The requests sent so far, decoded. */
  requests() {
    return this.sent.map((b) => {
      const m = decodeWebSocketMessage(b);
      if (m?.type !== 'request') throw new Error('not a request');
      return m.request;
    });
  }
}

function respond(socket: MemorySocket, id: bigint, status: number, body = '', headers: string[] = []) {
  socket.deliver(
    encodeWebSocketMessage({
      type: 'response',
      response: { id, status, headers, body: new TextEncoder().encode(body) },
    }),
  );
}

describe('chatTransportOverWebSocket', () => {
  test('matches responses to requests by id, in any order; parses headers', async () => {
    const socket = new MemorySocket();
    const transport = chatTransportOverWebSocket(socket, { headers: { 'X-Agent': 'sbackup' } });
    expect(socket.binaryType).toBe('arraybuffer');
    const a = transport.request({ verb: 'GET', path: '/a', headers: { 'X-One': '1' } });
    const b = transport.request({ verb: 'PUT', path: '/b', body: Uint8Array.of(5) });
    const [ra, rb] = socket.requests();
    expect(ra).toMatchObject({ verb: 'GET', path: '/a', headers: ['X-Agent:sbackup', 'X-One:1'] });
    expect(ra!.body).toBeUndefined();
    expect(rb).toMatchObject({ verb: 'PUT', path: '/b', body: Uint8Array.of(5) });
    expect(ra!.id).not.toBe(rb!.id);
    respond(socket, rb!.id, 204, '', ['X-Signal-Timestamp: 5', 'Set: a', 'set:b']);
    respond(socket, ra!.id, 200, 'hello', ['Content-Type:application/json']);
    expect(await b).toEqual({
      status: 204,
      headers: { 'x-signal-timestamp': '5', set: 'a, b' },
      body: new Uint8Array(0),
    });
    const got = await a;
    expect(got.status).toBe(200);
    expect(got.headers).toEqual({ 'content-type': 'application/json' });
    expect(dec(got.body)).toBe('hello');
    await transport.close();
    expect(socket.closedWith).toBe(1000);
  });

  test('answers the server: queue/empty with 200, anything else (a message delivery) with 404', () => {
    const socket = new MemorySocket();
    chatTransportOverWebSocket(socket);
    const big = 2n ** 63n + 11n;
    socket.deliver(
      encodeWebSocketMessage({
        type: 'request',
        request: { verb: 'PUT', path: '/api/v1/queue/empty', id: big, headers: [] },
      }),
    );
    socket.deliver(
      encodeWebSocketMessage({
        type: 'request',
        request: { verb: 'PUT', path: '/api/v1/message', id: 9n, headers: [], body: Uint8Array.of(1) },
      }),
    );
    socket.deliver(Uint8Array.of(0xff)); // garbage: ignored
    socket.emit('message', { data: 'text' }); // a text message: ignored
    const answers = socket.sent.map((b) => decodeWebSocketMessage(b));
    expect(answers).toEqual([
      { type: 'response', response: { id: big, status: 200, headers: [] } },
      { type: 'response', response: { id: 9n, status: 404, headers: [] } },
    ]);
  });

  test('a close with an authentication code fails what waits with AUTH_FAILED, and every later request', async () => {
    for (const code of [3000, 4401]) {
      const socket = new MemorySocket();
      const transport = chatTransportOverWebSocket(socket);
      const waiting = transport.request({ verb: 'GET', path: '/v1/archives/auth?redemptionStartSeconds=1' });
      socket.readyState = 3;
      socket.emit('close', { code });
      const e = await rejection(waiting);
      expect(e.code).toBe('AUTH_FAILED');
      expect(e.details).toEqual({ request: 'GET /v1/archives/auth' });
      expect((await rejection(transport.request({ verb: 'GET', path: '/x' }))).code).toBe('AUTH_FAILED');
    }
  });

  test('another close fails with NETWORK; so does a request without an answer in time', async () => {
    const socket = new MemorySocket();
    const transport = chatTransportOverWebSocket(socket, { requestTimeoutMs: 20 });
    const slow = await rejection(transport.request({ verb: 'GET', path: '/slow' }));
    expect(slow.code).toBe('NETWORK');
    expect(slow.details).toEqual({ request: 'GET /slow' });
    // a late answer is ignored
    respond(socket, socket.requests()[0]!.id, 200);
    const waiting = transport.request({ verb: 'GET', path: '/b' });
    socket.readyState = 3;
    socket.emit('close', { code: 1006 });
    expect((await rejection(waiting)).code).toBe('NETWORK');
  });

  test('close() fails what is in flight with NETWORK and is idempotent', async () => {
    const socket = new MemorySocket();
    const transport = chatTransportOverWebSocket(socket);
    const waiting = transport.request({ verb: 'GET', path: '/c' });
    await transport.close();
    expect((await rejection(waiting)).code).toBe('NETWORK');
    await transport.close();
    expect((await rejection(transport.request({ verb: 'GET', path: '/d' }))).code).toBe('NETWORK');
  });

  test('a socket that is not open fails requests with NETWORK', async () => {
    const socket = new MemorySocket();
    socket.readyState = 3;
    const transport = chatTransportOverWebSocket(socket);
    expect((await rejection(transport.request({ verb: 'GET', path: '/e' }))).code).toBe('NETWORK');
  });

  test('sends GET /v1/keepalive while open, and stops when closed', async () => {
    const socket = new MemorySocket();
    const transport = chatTransportOverWebSocket(socket, { keepAliveMs: 5 });
    for (let i = 0; i < 200 && socket.sent.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const sent = socket.requests();
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const r of sent) expect(r).toMatchObject({ verb: 'GET', path: '/v1/keepalive' });
    await transport.close();
    const count = socket.sent.length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(socket.sent.length).toBe(count);
    const quiet = new MemorySocket();
    const off = chatTransportOverWebSocket(quiet, { keepAliveMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(quiet.sent).toHaveLength(0);
    await off.close();
  });

  test('header names must be tokens and values one line', () => {
    const transport = chatTransportOverWebSocket(new MemorySocket());
    expect(() => transport.request({ verb: 'GET', path: '/', headers: { 'a b': 'x' } })).toThrow(TypeError);
    expect(() => transport.request({ verb: 'GET', path: '/', headers: { a: 'x\r\nb:y' } })).toThrow(TypeError);
  });
});

describe('connectChatWebSocket', () => {
  test('uses the WebSocket given, at the derived URL; a login goes in every request', async () => {
    const opened: string[] = [];
    let socket: MemorySocket | undefined;
    class Fake extends MemorySocket {
      constructor(url: string) {
        super();
        opened.push(url);
        this.readyState = 0;
        socket = this;
        setTimeout(() => {
          this.readyState = 1;
          this.emit('open', {});
        }, 1);
      }
    }
    const transport = await connectChatWebSocket({
      url: 'https://chat.example:8443',
      WebSocket: Fake,
      credentials: { login: 'aci.1', password: 'pw' },
    });
    expect(opened).toEqual(['wss://chat.example:8443/v1/websocket/']);
    const pending = transport.request({ verb: 'GET', path: '/v1/archives/auth' });
    const [r] = socket!.requests();
    expect(r!.headers).toEqual([`Authorization:Basic ${btoa('aci.1:pw')}`]);
    respond(socket!, r!.id, 200);
    expect((await pending).status).toBe(200);
    await transport.close();
  });

  test('a socket that closes before opening: NETWORK, or AUTH_FAILED for an auth close code', async () => {
    for (const [code, expected] of [
      [1006, 'NETWORK'],
      [3000, 'AUTH_FAILED'],
    ] as const) {
      class Refused extends MemorySocket {
        constructor() {
          super();
          this.readyState = 0;
          setTimeout(() => this.emit('close', { code }), 1);
        }
      }
      expect((await rejection(connectChatWebSocket({ url: 'wss://x.example/', WebSocket: Refused }))).code).toBe(
        expected,
      );
    }
  });

  test('a socket that never opens: NETWORK after the timeout', async () => {
    class Never extends MemorySocket {
      constructor() {
        super();
        this.readyState = 0;
      }
    }
    const e = await rejection(
      connectChatWebSocket({ url: 'wss://x.example/', WebSocket: Never, connectTimeoutMs: 20 }),
    );
    expect(e.code).toBe('NETWORK');
  });

  test('URLs: https becomes wss with the chat path; a given path stays; credentials in a URL are dropped', () => {
    expect(chatWebSocketUrl('https://127.0.0.1:4433')).toBe('wss://127.0.0.1:4433/v1/websocket/');
    expect(chatWebSocketUrl('http://h')).toBe('ws://h/v1/websocket/');
    expect(chatWebSocketUrl('wss://h/other/')).toBe('wss://h/other/');
    expect(chatWebSocketUrl('https://u:p@h/#x')).toBe('wss://h/v1/websocket/');
    expect(() => chatWebSocketUrl('ftp://h')).toThrow(TypeError);
    expect(() => chatWebSocketUrl('not a url')).toThrow(TypeError);
    expect(basicAuthorization('aci.1', 'pässword')).toBe(`Basic ${btoa('aci.1:p\u00c3\u00a4ssword')}`);
  });
});

describe('REST status mapping', () => {
  const request = 'GET /v1/archives';
  const map = (status: number, headers: Record<string, string> = {}) => statusError({ status, headers }, request);

  test('each status class gives its code, with the status and the request', () => {
    const cases: [number, string][] = [
      [401, 'AUTH_FAILED'],
      [403, 'AUTH_FAILED'],
      [404, 'NOT_FOUND'],
      [413, 'QUOTA_EXCEEDED'],
      [429, 'RATE_LIMITED'],
      [500, 'NETWORK'],
      [503, 'NETWORK'],
      [400, 'SERVER_ERROR'],
      [409, 'SERVER_ERROR'],
      [302, 'SERVER_ERROR'],
      [600, 'SERVER_ERROR'],
    ];
    for (const [status, code] of cases) {
      const e = map(status);
      expect(e.code).toBe(code);
      expect(e.details).toEqual({ status, request });
    }
    expect(statusError({ status: 404, headers: {} }, request, 'SERVER_ERROR').code).toBe('SERVER_ERROR');
  });

  test('Retry-After in seconds or as an HTTP date becomes retryAfterMs', () => {
    expect(map(429, { 'retry-after': '7' }).details).toEqual({ status: 429, request, retryAfterMs: 7000 });
    expect(map(429, { 'retry-after': 'soon' }).details).toEqual({ status: 429, request });
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  test('describeRequest drops the query (credentials and cursors never reach an error)', () => {
    expect(describeRequest('GET', '/v1/archives/auth?redemptionStartSeconds=1')).toBe('GET /v1/archives/auth');
    expect(describeRequest('GET', '/v1/archives/media?limit=1&cursor=abc')).toBe('GET /v1/archives/media');
    expect(describeRequest('POST', '/v1/archives')).toBe('POST /v1/archives');
  });
});

/** A transport that answers from a script and records the requests (an app's own transport). */
function scripted(answer: (r: ChatRequest) => Partial<ChatResponse> & { json?: unknown }) {
  const seen: ChatRequest[] = [];
  const transport: ChatTransport = {
    async request(r) {
      seen.push(r);
      const a = answer(r);
      return {
        status: a.status ?? 200,
        headers: a.headers ?? {},
        body: a.body ?? new TextEncoder().encode(a.json === undefined ? '' : JSON.stringify(a.json)),
      };
    },
    async close() {},
  };
  return { transport, seen };
}

describe('RestArchiveApi requests and answers', () => {
  const auth = { presentation: Uint8Array.of(1, 2, 3), signature: Uint8Array.of(0xfb, 0xff) };

  test('anonymous calls carry the presentation and signature in standard base64; bodies are JSON', async () => {
    const { transport, seen } = scripted(() => ({ json: { ok: true } }));
    const api = new RestArchiveApi({ anonymous: transport });
    await api.setPublicKey(auth, Uint8Array.of(5, 0xff, 0xfe));
    await api.deleteMedia(auth, [{ cdn: 3, mediaId: Uint8Array.of(0xfb, 0xef, 0xff) }]);
    expect(seen[0]).toMatchObject({
      verb: 'PUT',
      path: '/v1/archives/keys',
      headers: { 'Content-Type': 'application/json', 'X-Signal-ZK-Auth': 'AQID', 'X-Signal-ZK-Auth-Signature': '+/8=' },
    });
    expect(JSON.parse(dec(seen[0]!.body!))).toEqual({ backupIdPublicKey: 'Bf/+' });
    expect(seen[1]).toMatchObject({ verb: 'POST', path: '/v1/archives/media/delete' });
    expect(JSON.parse(dec(seen[1]!.body!))).toEqual({ mediaToDelete: [{ cdn: 3, mediaId: '--__' }] });
  });

  test('copyMedia sends base64url media ids and matches results by id, not by position', async () => {
    const ids = [Uint8Array.of(0xfb, 1, 2), Uint8Array.of(0xfb, 1, 3)];
    const { transport, seen } = scripted(() => ({
      json: {
        responses: [
          { status: 413, mediaId: '-wED', failureReason: 'quota' },
          { status: 200, mediaId: '-wEC', cdn: 3 },
        ],
      },
    }));
    const results = await new RestArchiveApi({ anonymous: transport }).copyMedia(
      auth,
      ids.map((mediaId) => ({
        sourceAttachment: { cdn: 3, key: 'k' },
        objectLength: 10,
        mediaId,
        hmacKey: new Uint8Array(32).fill(0xff),
        encryptionKey: new Uint8Array(32),
      })),
    );
    expect(results).toEqual([
      { mediaId: ids[0], status: 200, cdn: 3 },
      { mediaId: ids[1], status: 413, failureReason: 'quota' },
    ]);
    const body = JSON.parse(dec(seen[0]!.body!));
    expect(body.items[0]).toEqual({
      sourceAttachment: { cdn: 3, key: 'k' },
      objectLength: 10,
      mediaId: '-wEC',
      hmacKey: `${'/'.repeat(42)}8=`,
      encryptionKey: `${'A'.repeat(43)}=`,
    });
  });

  test('an answer of the wrong shape is SERVER_ERROR, with the status and the request', async () => {
    const answers: unknown[] = [
      'not json',
      { cdn: 3 },
      { cdn: -1, backupDir: 'a', mediaDir: 'b' },
      { cdn: 3, backupDir: 'a', mediaDir: 7 },
      { cdn: 3, backupDir: 'a', mediaDir: 'b', usedSpace: '1' },
    ];
    for (const json of answers) {
      const { transport } = scripted(() =>
        typeof json === 'string' ? { body: new TextEncoder().encode(json) } : { json },
      );
      const e = await rejection(new RestArchiveApi({ anonymous: transport }).getBackupInfo(auth));
      expect(e.code).toBe('SERVER_ERROR');
      expect(e.details).toMatchObject({ status: 200, request: 'GET /v1/archives' });
    }
    const missing = scripted(() => ({ json: { responses: [] } }));
    const e = await rejection(
      new RestArchiveApi({ anonymous: missing.transport }).copyMedia(auth, [
        {
          sourceAttachment: { cdn: 3, key: 'k' },
          objectLength: 1,
          mediaId: Uint8Array.of(1),
          hmacKey: new Uint8Array(32),
          encryptionKey: new Uint8Array(32),
        },
      ]),
    );
    expect(e.code).toBe('SERVER_ERROR');
    const badCredential = scripted(() => ({
      json: { credentials: { messages: [{ credential: '***', redemptionTime: 0 }], media: [] } },
    }));
    expect((await rejection(new RestArchiveApi({ account: badCredential.transport }).getCredentials(0, 0))).code).toBe(
      'SERVER_ERROR',
    );
  });

  test('getBackupInfo keeps optional fields only when present; the list cursor is escaped', async () => {
    const { transport, seen } = scripted((r) =>
      r.path.startsWith('/v1/archives/media')
        ? {
            json: {
              storedMediaObjects: [{ cdn: 3, mediaId: 'AQI', objectLength: 5 }],
              backupDir: 'd',
              mediaDir: 'm',
              cursor: null,
            },
          }
        : { json: { cdn: 3, backupDir: 'd', mediaDir: 'm', backupName: 'b', usedSpace: 12 } },
    );
    const api = new RestArchiveApi({ anonymous: transport });
    expect(await api.getBackupInfo(auth)).toEqual({
      cdn: 3,
      backupDir: 'd',
      mediaDir: 'm',
      backupName: 'b',
      usedSpace: 12,
    });
    expect(await api.listMedia(auth, { limit: 2, cursor: 'a b&c' })).toEqual({
      storedMediaObjects: [{ cdn: 3, mediaId: Uint8Array.of(1, 2), objectLength: 5 }],
      backupDir: 'd',
      mediaDir: 'm',
    });
    expect(seen[1]!.path).toBe('/v1/archives/media?limit=2&cursor=a%20b%26c');
  });

  test('wrong arguments are TypeError / RangeError, before any request', async () => {
    const { transport, seen } = scripted(() => ({ json: {} }));
    const api = new RestArchiveApi({ anonymous: transport });
    await expect(api.getUploadForm(auth, -1)).rejects.toThrow(RangeError);
    await expect(api.listMedia(auth, { limit: 0 })).rejects.toThrow(RangeError);
    await expect(api.getCredentials(0, 1)).rejects.toThrow(TypeError); // no account transport
    expect(() => new RestArchiveApi({})).toThrow(TypeError);
    expect(seen).toHaveLength(0);
  });
});
