/**
 * REST over Signal's chat WebSocket: requests and responses as `WebSocketMessage` protobufs on
 * one socket, matched by request id. {@link chatTransportOverWebSocket} speaks the protocol on
 * any open socket with the browser's `WebSocket` interface (the global one, or the `ws`
 * package's, which `sbackup/node` uses); {@link connectChatWebSocket} opens one with the
 * runtime's global `WebSocket` (browsers, Deno, Bun, React Native).
 *
 * Requests the server sends on its own are answered: `PUT /api/v1/queue/empty` with 200, and
 * everything else with 404 (so a message delivery is never acknowledged: it stays queued for the
 * account's devices).
 */

import { BackupError } from '../errors.js';
import { toBase64, utf8 } from '../internal/bytes.js';
import type { ChatRequest, ChatResponse, ChatTransport } from './transport.js';
import { describeRequest } from './transport.js';
import { decodeWebSocketMessage, encodeWebSocketMessage, type WebSocketRequestMessage } from './websocketMessage.js';

/** The part of the browser's `WebSocket` interface the chat protocol needs. */
export interface WebSocketLike {
  /** Set to `'arraybuffer'` by the transport, so that binary messages arrive as ArrayBuffers. */
  binaryType: string;
  /** 1 while open (`WebSocket.OPEN`). */
  readonly readyState: number;
  /** Sends one binary message. */
  send(data: Uint8Array): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Listens for `open`, `message` (`event.data`) and `close` (`event.code`). */
  // biome-ignore lint/suspicious/noExplicitAny: event types differ between WebSocket implementations.
  addEventListener(type: string, listener: (event: any) => void): void;
  /** Removes a listener added with `addEventListener`. */
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  removeEventListener(type: string, listener: (event: any) => void): void;
}

/** A `WebSocket` constructor (the global one's shape). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Options of {@link chatTransportOverWebSocket}. */
export interface ChatWebSocketOptions {
  /** How long a request may wait for its response before it fails with `NETWORK`; default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Headers added to every request (an app's user agent, for example). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Sends `GET /v1/keepalive` this often while the socket is open, so that the server does not
   * drop a socket left idle (during a long upload, say); default 30 s, 0 for never.
   */
  readonly keepAliveMs?: number;
}

/** Options of {@link connectChatWebSocket}. */
export interface ConnectChatWebSocketOptions extends ChatWebSocketOptions {
  /**
   * The chat server: `https://host[:port]` (its WebSocket `wss://host/v1/websocket/` is derived),
   * or a full `wss://` URL of the WebSocket.
   */
  readonly url: string;
  /**
   * The account's login. A browser `WebSocket` cannot send headers on the upgrade, so it is sent
   * as an `Authorization` header in every request (Signal's mock server accepts that; use a
   * transport of your own where a server only authenticates the upgrade).
   */
  readonly credentials?: {
    /** The login, `<aci>.<deviceId>`. */
    readonly login: string;
    /** The device's password. */
    readonly password: string;
  };
  /** The `WebSocket` constructor; default `globalThis.WebSocket`, read when connecting. */
  readonly WebSocket?: WebSocketConstructor;
  /** How long to wait for the socket to open before failing with `NETWORK`; default 10 s. */
  readonly connectTimeoutMs?: number;
}

const OPEN = 1;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_KEEPALIVE_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long `close()` waits for the closing handshake before giving up on it. */
const CLOSE_WAIT_MS = 2_000;
/** Close codes that mean the server refused the login (IANA 3000/3003, Signal's 4401/4403). */
const AUTH_CLOSE_CODES = new Set([3000, 3003, 4401, 4403]);

/** The WebSocket URL of a chat server given as `https://host` or `wss://host/path`. */
export function chatWebSocketUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('"url" expected an absolute https:// or wss:// URL');
  }
  if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  else if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  if (parsed.protocol !== 'wss:' && parsed.protocol !== 'ws:') {
    throw new TypeError('"url" expected an https://, http://, wss:// or ws:// URL');
  }
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/v1/websocket/';
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  return parsed.href;
}

/** The `Authorization` header value of a login (HTTP Basic). */
export function basicAuthorization(login: string, password: string): string {
  return `Basic ${toBase64(utf8(`${login}:${password}`))}`;
}

/** The error for a socket that closed with `code` while `request` (if any) waited. */
export function closedError(code: number, request?: string): BackupError<'AUTH_FAILED' | 'NETWORK'> {
  const base = request === undefined ? {} : { request };
  if (AUTH_CLOSE_CODES.has(code)) {
    return new BackupError('AUTH_FAILED', `the server refused the login (WebSocket closed with ${code})`, base);
  }
  return new BackupError('NETWORK', `the chat WebSocket closed (code ${code})`, base);
}

/**
 * Speaks the chat protocol on `socket`, which must be open. The returned transport owns the
 * socket: `close()` closes it.
 */
export function chatTransportOverWebSocket(socket: WebSocketLike, options: ChatWebSocketOptions = {}): ChatTransport {
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const extraHeaders = Object.entries(options.headers ?? {}).map(([name, value]) => headerLine(name, value));
  socket.binaryType = 'arraybuffer';

  interface Pending {
    readonly resolve: (response: ChatResponse) => void;
    readonly reject: (error: unknown) => void;
    readonly timer: ReturnType<typeof setTimeout>;
    readonly described: string;
  }
  const pending = new Map<bigint, Pending>();
  let nextId = 1n;
  /** Set once the socket is gone: every later request fails with what this makes. */
  let failure: ((request: string) => BackupError) | undefined =
    socket.readyState === OPEN
      ? undefined
      : (request) => new BackupError('NETWORK', 'the chat WebSocket is not open', { request });
  let closedResolve: (() => void) | undefined;
  const closed = new Promise<void>((resolve) => {
    closedResolve = resolve;
  });
  if (failure !== undefined) closedResolve?.(); // nothing to wait for in close()

  const failAll = (make: (request: string) => BackupError): void => {
    if (failure === undefined) failure = make;
    if (keepAlive !== undefined) clearInterval(keepAlive);
    keepAlive = undefined;
    for (const [id, p] of pending) {
      pending.delete(id);
      clearTimeout(p.timer);
      p.reject(make(p.described));
    }
  };

  const onMessage = (event: { data: unknown }): void => {
    const bytes = toBytes(event.data);
    if (bytes === undefined) return; // a text message: not part of the protocol
    const message = decodeWebSocketMessage(bytes);
    if (message === undefined) return;
    if (message.type === 'response') {
      const p = pending.get(message.response.id);
      if (p === undefined) return; // a late answer to a request that timed out
      pending.delete(message.response.id);
      clearTimeout(p.timer);
      p.resolve({
        status: message.response.status,
        headers: parseHeaders(message.response.headers),
        body: message.response.body ?? new Uint8Array(0),
      });
    } else if (message.type === 'request') {
      answerServerRequest(message.request);
    }
  };

  const answerServerRequest = (request: WebSocketRequestMessage): void => {
    const status = request.verb === 'PUT' && request.path === '/api/v1/queue/empty' ? 200 : 404;
    if (socket.readyState !== OPEN) return;
    try {
      socket.send(encodeWebSocketMessage({ type: 'response', response: { id: request.id, status, headers: [] } }));
    } catch {
      // the socket is closing; the close event fails what is pending
    }
  };

  const onClose = (event: { code?: number }): void => {
    const code = typeof event.code === 'number' ? event.code : 1006;
    failAll((request) => closedError(code, request));
    socket.removeEventListener('message', onMessage);
    socket.removeEventListener('close', onClose);
    closedResolve?.();
  };

  socket.addEventListener('message', onMessage);
  socket.addEventListener('close', onClose);

  const transport: ChatTransport = {
    request(request: ChatRequest): Promise<ChatResponse> {
      const described = describeRequest(request.verb, request.path);
      if (failure !== undefined) return Promise.reject(failure(described));
      const id = nextId++;
      const headers = [
        ...extraHeaders,
        ...Object.entries(request.headers ?? {}).map(([name, value]) => headerLine(name, value)),
      ];
      const bytes = encodeWebSocketMessage({
        type: 'request',
        request: {
          verb: request.verb,
          path: request.path,
          id,
          headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        },
      });
      return new Promise<ChatResponse>((resolve, reject) => {
        const timer = setTimeout(() => {
          if (pending.delete(id)) {
            reject(new BackupError('NETWORK', `no response within ${requestTimeoutMs} ms`, { request: described }));
          }
        }, requestTimeoutMs);
        pending.set(id, { resolve, reject, timer, described });
        try {
          socket.send(bytes);
        } catch (cause) {
          pending.delete(id);
          clearTimeout(timer);
          reject(new BackupError('NETWORK', 'the chat WebSocket could not send', { request: described, cause }));
        }
      });
    },
    async close(): Promise<void> {
      const wasOpen = failure === undefined;
      failAll((request) => new BackupError('NETWORK', 'the chat WebSocket was closed', { request }));
      if (wasOpen) {
        try {
          socket.close(1000, 'done');
        } catch {
          // already closing
        }
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    },
  };

  const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  if (keepAliveMs > 0 && failure === undefined) {
    keepAlive = setInterval(() => {
      // The answer does not matter; a socket that died fails its requests through its close event.
      transport.request({ verb: 'GET', path: '/v1/keepalive' }).catch(() => undefined);
    }, keepAliveMs);
    // In Node, the timer alone does not keep the process running.
    (keepAlive as { unref?: () => void }).unref?.();
  }
  return transport;
}

/**
 * Opens the chat WebSocket with the runtime's `WebSocket` (or `options.WebSocket`) and returns a
 * transport over it. Fails with `NETWORK` when the socket does not open in time (a browser does
 * not say why a WebSocket failed, so a refused upgrade is `NETWORK` too), or `AUTH_FAILED` when
 * the server closes it at once with an authentication close code.
 */
export async function connectChatWebSocket(options: ConnectChatWebSocketOptions): Promise<ChatTransport> {
  const url = chatWebSocketUrl(options.url);
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined;
  if (Ctor === undefined) {
    throw new BackupError('NETWORK', 'this runtime has no WebSocket; pass options.WebSocket');
  }
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let socket: WebSocketLike;
  try {
    socket = new Ctor(url);
  } catch (cause) {
    throw new BackupError('NETWORK', 'could not open the chat WebSocket', { cause });
  }
  socket.binaryType = 'arraybuffer';
  await waitForOpen(socket, timeoutMs);
  const headers = { ...(options.headers ?? {}) };
  if (options.credentials !== undefined) {
    headers.Authorization = basicAuthorization(options.credentials.login, options.credentials.password);
  }
  return chatTransportOverWebSocket(socket, {
    headers,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
  });
}

/** Resolves when `socket` opens; rejects with `NETWORK` (or `AUTH_FAILED` for an auth close code). */
function waitForOpen(socket: WebSocketLike, timeoutMs: number): Promise<void> {
  if (socket.readyState === OPEN) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const done = (error?: BackupError): void => {
      clearTimeout(timer);
      socket.removeEventListener('open', onOpen);
      socket.removeEventListener('close', onClose);
      if (error === undefined) {
        resolve();
        return;
      }
      try {
        socket.close();
      } catch {
        // not open
      }
      reject(error);
    };
    const onOpen = (): void => done();
    const onClose = (event: { code?: number }): void =>
      done(closedError(typeof event.code === 'number' ? event.code : 1006));
    const timer = setTimeout(
      () => done(new BackupError('NETWORK', `the chat WebSocket did not open within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.addEventListener('open', onOpen);
    socket.addEventListener('close', onClose);
  });
}

function headerLine(name: string, value: string): string {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
    throw new TypeError(`header name ${JSON.stringify(name)} is not a token`);
  if (/[\r\n]/.test(value)) throw new TypeError(`header ${name} has a line break in its value`);
  return `${name}:${value}`;
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
