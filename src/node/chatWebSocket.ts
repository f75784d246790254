/**
 * Signal's chat WebSocket in Node, as a {@link ChatTransport}. Two ways to open it:
 *
 * - HTTP/2 extended CONNECT (RFC 8441): `node:http2` over TLS, wait for the server's
 *   SETTINGS_ENABLE_CONNECT_PROTOCOL, then a stream `:method CONNECT`, `:protocol websocket`,
 *   `:path /v1/websocket/` carrying the WebSocket frames. Signal's mock server serves the socket
 *   only this way.
 * - HTTP/1.1 upgrade (`wss://`), as Signal's production chat server offers.
 *
 * `protocol: 'auto'` (the default) tries HTTP/2 and falls back to HTTP/1.1 when the server does
 * not negotiate HTTP/2 or does not allow extended CONNECT.
 *
 * The WebSocket framing is the `ws` package's. `ws` runs over any duplex (`setSocket`, as Signal's
 * mock server uses it), but only in its server role there; the client role differs by one flag
 * (the client masks what it sends and accepts unmasked frames), which is set before the stream is
 * attached. The tests against the mock server exercise exactly this path.
 */

import http2 from 'node:http2';
import { BackupError } from '../errors.js';
import type { ChatTransport } from '../hosted/transport.js';
import {
  basicAuthorization,
  type ChatWebSocketOptions,
  chatTransportOverWebSocket,
  chatWebSocketUrl,
  type WebSocketLike,
} from '../hosted/websocket.js';
import WebSocket from 'ws';

/** Options of {@link connectNodeChatWebSocket}. */
export interface NodeChatWebSocketOptions extends ChatWebSocketOptions {
  /** The chat server: `https://host[:port]`, or the WebSocket's full `wss://` URL. */
  readonly url: string;
  /** The account's login (`<aci>.<deviceId>` and its password), sent as Basic auth on the upgrade. */
  readonly credentials?: {
    /** The login, `<aci>.<deviceId>`. */
    readonly login: string;
    /** The device's password. */
    readonly password: string;
  };
  /** Certificate authorities to trust instead of Node's (PEM), for a private test server. */
  readonly ca?: string | Uint8Array;
  /** The TLS server name to verify (a mock server on 127.0.0.1 has a certificate for `localhost`). */
  readonly servername?: string;
  /** `'h2'` (extended CONNECT), `'http1'` (upgrade), or `'auto'` (default: h2, then http1). */
  readonly protocol?: 'auto' | 'h2' | 'http1';
  /** Headers for the upgrade request (a user agent, for example). */
  readonly upgradeHeaders?: Readonly<Record<string, string>>;
  /** How long opening the socket may take before failing with `NETWORK`; default 10 s. */
  readonly connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** The errors of a TLS connection whose server does not speak HTTP/2. */
const ALPN_FAILURES = new Set(['ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', 'ERR_HTTP2_ERROR']);
/** The largest WebSocket message accepted (a backup-service response is a few kilobytes). */
const MAX_PAYLOAD = 16 * 1024 * 1024;

/**
 * Opens Signal's chat WebSocket and returns a transport over it. Fails with `AUTH_FAILED` when
 * the server refuses the login (401/403 on the upgrade; a server that accepts the upgrade and then
 * closes with an authentication close code makes the first request fail with `AUTH_FAILED`), and
 * with `NETWORK` when the connection fails or does not open within `connectTimeoutMs`.
 */
export async function connectNodeChatWebSocket(options: NodeChatWebSocketOptions): Promise<ChatTransport> {
  const socket = await openNodeChatWebSocket(options);
  return chatTransportOverWebSocket(socket, {
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs }),
  });
}

/**
 * Opens the chat WebSocket as {@link connectNodeChatWebSocket} does, and returns the open socket
 * itself (binary messages, browser-style events) for a program that speaks to it on its own.
 */
export async function openNodeChatWebSocket(options: NodeChatWebSocketOptions): Promise<WebSocketLike> {
  const url = new URL(chatWebSocketUrl(options.url));
  const protocol = options.protocol ?? 'auto';
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  if (protocol !== 'http1' && url.protocol === 'wss:') {
    const outcome = await openOverHttp2(url, options, timeoutMs);
    if (outcome.socket !== undefined) return outcome.socket;
    if (protocol === 'h2' || outcome.error !== undefined) {
      throw (
        outcome.error ??
        new BackupError('NETWORK', 'the server does not offer the WebSocket over HTTP/2 (extended CONNECT)')
      );
    }
  } else if (protocol === 'h2') {
    throw new TypeError('"protocol" h2 needs a TLS (https:// or wss://) URL');
  }
  return openOverHttp1(url, options, Math.max(1, deadline - Date.now()));
}

function upgradeHeaders(options: NodeChatWebSocketOptions): Record<string, string> {
  const headers: Record<string, string> = { ...(options.upgradeHeaders ?? {}) };
  if (options.credentials !== undefined) {
    headers.authorization = basicAuthorization(options.credentials.login, options.credentials.password);
  }
  return headers;
}

function refusedUpgrade(status: number): BackupError<'AUTH_FAILED' | 'NETWORK'> {
  const request = 'CONNECT /v1/websocket/';
  if (status === 401 || status === 403) {
    return new BackupError('AUTH_FAILED', `the server refused the login (${status})`, { status, request });
  }
  return new BackupError('NETWORK', `the server did not open the chat WebSocket (${status})`, { status, request });
}

/**
 * The HTTP/2 path. Resolves `{socket}` when open; `{}` when the server does not do HTTP/2 or
 * extended CONNECT (so HTTP/1.1 may be tried); `{error}` when it does but refused or failed.
 */
function openOverHttp2(
  url: URL,
  options: NodeChatWebSocketOptions,
  timeoutMs: number,
): Promise<{ socket?: WebSocketLike; error?: BackupError }> {
  return new Promise((resolve) => {
    let settled = false;
    let connectStarted = false;
    const origin = `https://${url.host}`;
    const session = http2.connect(origin, {
      ...(options.ca === undefined
        ? {}
        : { ca: typeof options.ca === 'string' ? options.ca : Buffer.from(options.ca) }),
      ...(options.servername === undefined ? {} : { servername: options.servername }),
    });
    const finish = (outcome: { socket?: WebSocketLike; error?: BackupError }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome.socket === undefined) session.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ error: new BackupError('NETWORK', `the chat WebSocket did not open within ${timeoutMs} ms`) }),
      timeoutMs,
    );
    session.on('error', (cause: NodeJS.ErrnoException) => {
      if (settled) return;
      // A server without HTTP/2 fails the ALPN negotiation (an alert, or no protocol chosen):
      // let the caller try HTTP/1.1.
      if (!connectStarted && ALPN_FAILURES.has(cause.code ?? '')) finish({});
      else finish({ error: new BackupError('NETWORK', 'could not connect to the chat server', { cause }) });
    });
    session.on('close', () => {
      if (!settled) finish({ error: new BackupError('NETWORK', 'the chat server closed the connection') });
    });
    session.once('connect', () => {
      const alpn = (session.socket as { alpnProtocol?: string | false } | undefined)?.alpnProtocol;
      if (alpn !== undefined && alpn !== 'h2') finish({});
    });
    session.once('remoteSettings', (settings) => {
      if (settled) return;
      if (settings.enableConnectProtocol !== true) {
        finish({});
        return;
      }
      connectStarted = true;
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request(
          {
            ':method': 'CONNECT',
            ':protocol': 'websocket',
            ':scheme': 'https',
            ':path': `${url.pathname}${url.search}`,
            ':authority': url.host,
            'sec-websocket-version': '13',
            ...upgradeHeaders(options),
          },
          { endStream: false },
        );
      } catch (cause) {
        finish({ error: new BackupError('NETWORK', 'could not open the WebSocket stream', { cause }) });
        return;
      }
      stream.on('error', (cause) => {
        if (!settled) finish({ error: new BackupError('NETWORK', 'the WebSocket stream failed', { cause }) });
      });
      stream.once('close', () => {
        if (!settled) finish({ error: new BackupError('NETWORK', 'the server closed the WebSocket stream') });
      });
      stream.once('response', (headers) => {
        const status = Number(headers[':status']);
        if (status !== 200) {
          finish({ error: refusedUpgrade(status) });
          return;
        }
        let socket: WebSocket;
        try {
          socket = clientWebSocketOver(stream);
        } catch (error) {
          finish({ error: error as BackupError });
          return;
        }
        // Errors end in a close event, which the transport handles; without a listener they would throw.
        socket.on('error', () => undefined);
        socket.once('close', () => session.close());
        session.on('close', () => socket.terminate());
        finish({ socket: socket as unknown as WebSocketLike });
      });
    });
  });
}

/** A `ws` WebSocket in the client role over an already open duplex (an HTTP/2 stream). */
function clientWebSocketOver(stream: http2.ClientHttp2Stream): WebSocket {
  // `ws` takes a null address to mean "a socket will be attached" (its types do not say so).
  const socket = new WebSocket(null as unknown as string, undefined, {});
  const internals = socket as unknown as {
    _isServer: boolean;
    setSocket(socket: unknown, head: Buffer, options: { maxPayload: number }): void;
  };
  if (typeof internals.setSocket !== 'function' || internals._isServer !== true) {
    throw new BackupError('NETWORK', 'this version of the ws package cannot run over an HTTP/2 stream');
  }
  internals._isServer = false;
  internals.setSocket(stream, Buffer.alloc(0), { maxPayload: MAX_PAYLOAD });
  return socket;
}

/** The HTTP/1.1 upgrade path (`wss://` or `ws://`). */
function openOverHttp1(url: URL, options: NodeChatWebSocketOptions, timeoutMs: number): Promise<WebSocketLike> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const socket = new WebSocket(url.href, {
      headers: upgradeHeaders(options),
      handshakeTimeout: timeoutMs,
      perMessageDeflate: false,
      maxPayload: MAX_PAYLOAD,
      ...(options.ca === undefined
        ? {}
        : { ca: typeof options.ca === 'string' ? options.ca : Buffer.from(options.ca) }),
      ...(options.servername === undefined ? {} : { servername: options.servername }),
    });
    const fail = (error: BackupError): void => {
      if (settled) return;
      settled = true;
      socket.terminate();
      reject(error);
    };
    socket.once('unexpected-response', (_request, response) => {
      fail(refusedUpgrade(response.statusCode ?? 0));
      response.resume();
    });
    socket.once('error', (cause) => fail(new BackupError('NETWORK', 'could not open the chat WebSocket', { cause })));
    socket.once('close', (code) => fail(new BackupError('NETWORK', `the chat WebSocket closed (code ${code})`)));
    socket.once('open', () => {
      if (settled) return;
      settled = true;
      // Later errors end in a close event, which the transport handles; without a listener they would throw.
      socket.on('error', () => undefined);
      resolve(socket as unknown as WebSocketLike);
    });
  });
}
