/**
 * The request transport the REST archive API runs over: one HTTP-like request in, one response
 * out. sbackup ships it over Signal's chat WebSocket (`connectChatWebSocket` where a global
 * `WebSocket` exists, `connectNodeChatWebSocket` in `sbackup/node`); an app may bring its own
 * (a proxy, a test double, another socket library).
 */

/** One request, as the chat WebSocket carries it. */
export interface ChatRequest {
  /** The HTTP method: `GET`, `PUT`, `POST`, `DELETE`. */
  readonly verb: string;
  /** The path with its query string, e.g. `/v1/archives/media?limit=100`. */
  readonly path: string;
  /** Request headers (names as given; the server compares them case-insensitively). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body, when there is one. */
  readonly body?: Uint8Array;
}

/** The server's answer to a {@link ChatRequest}. */
export interface ChatResponse {
  /** The HTTP status. */
  readonly status: number;
  /** Response headers, names in lower case (repeated headers joined with `, `). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body (empty when the server sent none). */
  readonly body: Uint8Array;
}

/**
 * A connection that carries requests. `request` resolves with whatever status the server
 * answered (mapping statuses to errors is the caller's job); it rejects with a `BackupError`
 * only when no answer came: `NETWORK` (connection failed, closed or timed out) or `AUTH_FAILED`
 * (the server refused the connection's login). Several requests may be in flight at once.
 */
export interface ChatTransport {
  /** Sends `request` and resolves with the server's response, whatever its status. */
  request(request: ChatRequest): Promise<ChatResponse>;
  /** Closes the connection; requests still in flight reject with `NETWORK`. Idempotent. */
  close(): Promise<void>;
}

/** `METHOD /path` without the query string: what errors name (never a credential). */
export function describeRequest(verb: string, path: string): string {
  const q = path.search(/[?#]/);
  return `${verb} ${q === -1 ? path : path.slice(0, q)}`;
}
