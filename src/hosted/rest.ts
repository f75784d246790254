/**
 * {@link ArchiveApi} over REST: Signal's archive routes (`/v1/archives/...`) with JSON bodies,
 * carried by a {@link ChatTransport} (normally the chat WebSocket). The account half goes over a
 * transport logged in as the account; the anonymous half over one with no login (the server
 * refuses anonymous calls on an authenticated connection), each call carrying its presentation
 * and signature in `X-Signal-ZK-Auth` / `X-Signal-ZK-Auth-Signature`.
 *
 * Statuses: 401/403 `AUTH_FAILED`, 404 `NOT_FOUND`, 413 `QUOTA_EXCEEDED`, 429 `RATE_LIMITED`
 * (`Retry-After` as `retryAfterMs`), 5xx `NETWORK`, anything else or a body that does not parse
 * `SERVER_ERROR`; always with `details.status` and `details.request` (`METHOD /path`, no query).
 */

import { BackupError } from '../errors.js';
import { fromBase64, fromUtf8, toBase64, utf8 } from '../internal/bytes.js';
import type {
  ArchiveApi,
  BackupInfo,
  CdnCredentials,
  CopyMediaItem,
  CopyMediaResult,
  IssuedCredential,
  IssuedCredentials,
  MediaPage,
  MediaToDelete,
  SignedPresentation,
  StoredMediaObject,
  UploadForm,
} from './api.js';
import { type ChatResponse, type ChatTransport, describeRequest } from './transport.js';

/** The transports a {@link RestArchiveApi} uses. */
export interface RestArchiveApiOptions {
  /** A transport logged in as the account: for `setBackupId` and `getCredentials`. */
  readonly account?: ChatTransport;
  /** A transport with no login: for the anonymous calls. */
  readonly anonymous?: ChatTransport;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

/**
 * Signal's archive API over REST. It does not own its transports: close them when done.
 *
 * @example
 * const api = new RestArchiveApi({ account: loggedIn, anonymous: anonymousSocket });
 * const info = await api.getBackupInfo({ presentation, signature });
 */
export class RestArchiveApi implements ArchiveApi {
  readonly #account: ChatTransport | undefined;
  readonly #anonymous: ChatTransport | undefined;

  constructor(options: RestArchiveApiOptions) {
    if (options.account === undefined && options.anonymous === undefined) {
      throw new TypeError('RestArchiveApi needs an "account" or an "anonymous" transport');
    }
    this.#account = options.account;
    this.#anonymous = options.anonymous;
  }

  async setBackupId(requests: {
    readonly messagesBackupAuthCredentialRequest: Uint8Array;
    readonly mediaBackupAuthCredentialRequest: Uint8Array;
  }): Promise<void> {
    assertBytes(requests.messagesBackupAuthCredentialRequest, 'messagesBackupAuthCredentialRequest');
    assertBytes(requests.mediaBackupAuthCredentialRequest, 'mediaBackupAuthCredentialRequest');
    await this.#call(this.#accountTransport(), 'PUT', '/v1/archives/backupid', {
      body: {
        messagesBackupAuthCredentialRequest: toBase64(requests.messagesBackupAuthCredentialRequest),
        mediaBackupAuthCredentialRequest: toBase64(requests.mediaBackupAuthCredentialRequest),
      },
    });
  }

  async getCredentials(startSeconds: number, endSeconds: number): Promise<IssuedCredentials> {
    assertCount(startSeconds, 'startSeconds');
    assertCount(endSeconds, 'endSeconds');
    const path = `/v1/archives/auth?redemptionStartSeconds=${startSeconds}&redemptionEndSeconds=${endSeconds}`;
    return this.#call(this.#accountTransport(), 'GET', path, {
      parse: (json) => {
        const credentials = field(json, 'credentials');
        return {
          messages: credentialList(field(credentials, 'messages')),
          media: credentialList(field(credentials, 'media')),
        };
      },
    });
  }

  async setPublicKey(auth: SignedPresentation, publicKey: Uint8Array): Promise<void> {
    assertBytes(publicKey, 'publicKey');
    await this.#call(this.#anonymousTransport(), 'PUT', '/v1/archives/keys', {
      auth,
      body: { backupIdPublicKey: toBase64(publicKey) },
    });
  }

  async refresh(auth: SignedPresentation): Promise<void> {
    await this.#call(this.#anonymousTransport(), 'POST', '/v1/archives', { auth });
  }

  async getBackupInfo(auth: SignedPresentation): Promise<BackupInfo> {
    return this.#call(this.#anonymousTransport(), 'GET', '/v1/archives', {
      auth,
      parse: (json) => {
        const backupName = optionalString(json, 'backupName');
        const usedSpace = optionalCount(json, 'usedSpace');
        return {
          cdn: count(json, 'cdn'),
          backupDir: string(json, 'backupDir'),
          mediaDir: string(json, 'mediaDir'),
          ...(backupName === undefined ? {} : { backupName }),
          ...(usedSpace === undefined ? {} : { usedSpace }),
        };
      },
    });
  }

  async getCdnCredentials(auth: SignedPresentation, cdn: number): Promise<CdnCredentials> {
    assertCount(cdn, 'cdn');
    return this.#call(this.#anonymousTransport(), 'GET', `/v1/archives/auth/read?cdn=${cdn}`, {
      auth,
      parse: (json) => ({ headers: stringMap(field(json, 'headers')) }),
    });
  }

  async getUploadForm(auth: SignedPresentation, uploadLength: number): Promise<UploadForm> {
    assertCount(uploadLength, 'uploadLength');
    return this.#call(this.#anonymousTransport(), 'GET', `/v1/archives/upload/form?uploadLength=${uploadLength}`, {
      auth,
      parse: uploadForm,
    });
  }

  async getMediaUploadForm(auth: SignedPresentation, uploadLength: number): Promise<UploadForm> {
    assertCount(uploadLength, 'uploadLength');
    const path = `/v1/archives/media/upload/form?uploadLength=${uploadLength}`;
    return this.#call(this.#anonymousTransport(), 'GET', path, { auth, parse: uploadForm });
  }

  async copyMedia(auth: SignedPresentation, items: readonly CopyMediaItem[]): Promise<CopyMediaResult[]> {
    if (!Array.isArray(items)) throw new TypeError('"items" expected an array');
    if (items.length === 0) return [];
    const body = {
      items: items.map((item, i) => {
        assertCount(item.sourceAttachment.cdn, `items[${i}].sourceAttachment.cdn`);
        assertCount(item.objectLength, `items[${i}].objectLength`);
        assertBytes(item.mediaId, `items[${i}].mediaId`);
        assertBytes(item.hmacKey, `items[${i}].hmacKey`);
        assertBytes(item.encryptionKey, `items[${i}].encryptionKey`);
        return {
          sourceAttachment: { cdn: item.sourceAttachment.cdn, key: item.sourceAttachment.key },
          objectLength: item.objectLength,
          mediaId: toBase64(item.mediaId, true),
          hmacKey: toBase64(item.hmacKey),
          encryptionKey: toBase64(item.encryptionKey),
        };
      }),
    };
    return this.#call(this.#anonymousTransport(), 'PUT', '/v1/archives/media/batch', {
      auth,
      body,
      parse: (json) => {
        // Results are matched to items by media id (a list may repeat an id: first come, first served).
        const byId = new Map<string, { status: number; cdn?: number; failureReason?: string }[]>();
        for (const r of array(field(json, 'responses'))) {
          const id = toBase64(mediaIdOf(r), true);
          const cdn = optionalCount(r, 'cdn');
          const failureReason = optionalString(r, 'failureReason');
          const entry = {
            status: count(r, 'status'),
            ...(cdn === undefined ? {} : { cdn }),
            ...(failureReason === undefined ? {} : { failureReason }),
          };
          const list = byId.get(id);
          if (list === undefined) byId.set(id, [entry]);
          else list.push(entry);
        }
        return items.map((item) => {
          const result = byId.get(toBase64(item.mediaId, true))?.shift();
          if (result === undefined) throw new ShapeError('a copied item has no result');
          return { mediaId: item.mediaId, ...result };
        });
      },
    });
  }

  async listMedia(
    auth: SignedPresentation,
    options: { readonly cursor?: string; readonly limit: number },
  ): Promise<MediaPage> {
    if (!Number.isSafeInteger(options.limit) || options.limit < 1) {
      throw new RangeError('"limit" expected a positive integer');
    }
    let path = `/v1/archives/media?limit=${options.limit}`;
    if (options.cursor !== undefined) {
      if (typeof options.cursor !== 'string') throw new TypeError('"cursor" expected a string');
      path += `&cursor=${encodeURIComponent(options.cursor)}`;
    }
    return this.#call(this.#anonymousTransport(), 'GET', path, {
      auth,
      parse: (json) => {
        const cursor = optionalString(json, 'cursor');
        return {
          storedMediaObjects: array(field(json, 'storedMediaObjects')).map(
            (o): StoredMediaObject => ({
              cdn: count(o, 'cdn'),
              mediaId: mediaIdOf(o),
              objectLength: count(o, 'objectLength'),
            }),
          ),
          backupDir: string(json, 'backupDir'),
          mediaDir: string(json, 'mediaDir'),
          ...(cursor === undefined ? {} : { cursor }),
        };
      },
    });
  }

  async deleteMedia(auth: SignedPresentation, items: readonly MediaToDelete[]): Promise<void> {
    if (!Array.isArray(items)) throw new TypeError('"items" expected an array');
    if (items.length === 0) return;
    const body = {
      mediaToDelete: items.map((item, i) => {
        assertCount(item.cdn, `items[${i}].cdn`);
        assertBytes(item.mediaId, `items[${i}].mediaId`);
        return { cdn: item.cdn, mediaId: toBase64(item.mediaId, true) };
      }),
    };
    // A server without the route (Signal's mock server) answers 404: that is "cannot delete",
    // SERVER_ERROR as the interface says, not a missing object.
    await this.#call(this.#anonymousTransport(), 'POST', '/v1/archives/media/delete', {
      auth,
      body,
      notFound: 'SERVER_ERROR',
    });
  }

  #accountTransport(): ChatTransport {
    if (this.#account === undefined) throw new TypeError('RestArchiveApi: this call needs the "account" transport');
    return this.#account;
  }

  #anonymousTransport(): ChatTransport {
    if (this.#anonymous === undefined) throw new TypeError('RestArchiveApi: this call needs the "anonymous" transport');
    return this.#anonymous;
  }

  async #call<T = undefined>(
    transport: ChatTransport,
    verb: string,
    path: string,
    options: {
      readonly auth?: SignedPresentation;
      readonly body?: unknown;
      readonly parse?: (json: unknown) => T;
      readonly notFound?: 'NOT_FOUND' | 'SERVER_ERROR';
    },
  ): Promise<T> {
    const request = describeRequest(verb, path);
    const headers: Record<string, string> = {};
    if (options.body !== undefined) Object.assign(headers, JSON_HEADERS);
    if (options.auth !== undefined) {
      assertBytes(options.auth.presentation, 'auth.presentation');
      assertBytes(options.auth.signature, 'auth.signature');
      headers['X-Signal-ZK-Auth'] = toBase64(options.auth.presentation);
      headers['X-Signal-ZK-Auth-Signature'] = toBase64(options.auth.signature);
    }
    const response = await transport.request({
      verb,
      path,
      headers,
      ...(options.body === undefined ? {} : { body: utf8(JSON.stringify(options.body)) }),
    });
    if (response.status < 200 || response.status > 299) {
      throw statusError(response, request, options.notFound ?? 'NOT_FOUND');
    }
    if (options.parse === undefined) return undefined as T;
    try {
      return options.parse(JSON.parse(fromUtf8(response.body)));
    } catch (cause) {
      throw new BackupError('SERVER_ERROR', `${request}: the server's answer does not parse`, {
        status: response.status,
        request,
        cause,
      });
    }
  }
}

/** The error for a non-2xx answer to `request`. */
export function statusError(
  response: Pick<ChatResponse, 'status' | 'headers'>,
  request: string,
  notFound: 'NOT_FOUND' | 'SERVER_ERROR' = 'NOT_FOUND',
): BackupError {
  const status = response.status;
  const details = { status, request };
  if (status === 401 || status === 403) {
    return new BackupError('AUTH_FAILED', `${request}: the server refused the credentials (${status})`, details);
  }
  if (status === 404) {
    return notFound === 'NOT_FOUND'
      ? new BackupError('NOT_FOUND', `${request}: not found (404)`, details)
      : new BackupError('SERVER_ERROR', `${request}: the server does not offer this call (404)`, details);
  }
  if (status === 413) {
    return new BackupError('QUOTA_EXCEEDED', `${request}: over the backup's space limit (413)`, details);
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    return new BackupError('RATE_LIMITED', `${request}: rate limited (429)`, {
      ...details,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status >= 500 && status <= 599) {
    return new BackupError('NETWORK', `${request}: server error (${status})`, details);
  }
  return new BackupError('SERVER_ERROR', `${request}: unexpected status ${status}`, details);
}

/** `Retry-After` (delay in seconds, or an HTTP date) in milliseconds from now; undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : undefined;
  }
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Thrown by the parsers for a body of the wrong shape; becomes SERVER_ERROR. */
class ShapeError extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(json: unknown, name: string): unknown {
  if (!isObject(json)) throw new ShapeError(`expected an object with "${name}"`);
  return json[name];
}

function array(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new ShapeError('expected an array');
  return value;
}

function string(json: unknown, name: string): string {
  const v = field(json, name);
  if (typeof v !== 'string') throw new ShapeError(`"${name}" is not a string`);
  return v;
}

function optionalString(json: unknown, name: string): string | undefined {
  const v = field(json, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ShapeError(`"${name}" is not a string`);
  return v;
}

function count(json: unknown, name: string): number {
  const v = field(json, name);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ShapeError(`"${name}" is not a count`);
  return v;
}

function optionalCount(json: unknown, name: string): number | undefined {
  const v = field(json, name);
  return v === undefined || v === null ? undefined : count(json, name);
}

function base64Field(json: unknown, name: string): Uint8Array {
  const text = string(json, name);
  try {
    return fromBase64(text, name);
  } catch (cause) {
    throw new ShapeError(`"${name}" is not base64`, { cause });
  }
}

function mediaIdOf(json: unknown): Uint8Array {
  const id = base64Field(json, 'mediaId');
  if (id.length === 0) throw new ShapeError('"mediaId" is empty');
  return id;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isObject(value)) throw new ShapeError('expected an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new ShapeError(`header "${k}" is not a string`);
    out[k] = v;
  }
  return out;
}

function credentialList(value: unknown): IssuedCredential[] {
  return array(value).map((c) => ({
    credential: base64Field(c, 'credential'),
    redemptionTime: count(c, 'redemptionTime'),
  }));
}

function uploadForm(json: unknown): UploadForm {
  return {
    cdn: count(json, 'cdn'),
    key: string(json, 'key'),
    headers: stringMap(field(json, 'headers') ?? {}),
    signedUploadLocation: string(json, 'signedUploadLocation'),
  };
}

function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`"${name}" expected a Uint8Array`);
}

function assertCount(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`"${name}" expected a non-negative integer`);
  }
}
