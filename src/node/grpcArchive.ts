/**
 * The anonymous half of Signal's archive API over gRPC: the service
 * `org.signal.chat.backup.BackupsAnonymous`, as Signal-Server and `@signalapp/mock-server` 27
 * serve it, on `@grpc/grpc-js` with this project's own message code (proto/grpc/backups.proto,
 * generated into `generated/grpcBackups.js`). Node only: browsers cannot read HTTP/2 trailers,
 * so they cannot make gRPC calls.
 */

import {
  type CallOptions,
  type ChannelOptions,
  Client,
  type ClientReadableStream,
  credentials,
  Metadata,
  type ServiceError,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import $protobuf from 'protobufjs/minimal.js';
import { BackupError } from '../errors.js';
import type {
  ArchiveAnonymousApi,
  BackupInfo,
  CdnCredentials,
  CopyMediaItem,
  CopyMediaResult,
  MediaPage,
  MediaToDelete,
  SignedPresentation,
  UploadForm,
} from '../hosted/api.js';
import { assertBytes } from '../internal/bytes.js';
import { org } from './generated/grpcBackups.js';

const pb = org.signal.chat.backup;

/** The gRPC service every call of {@link GrpcArchiveApi} goes to. */
const SERVICE = 'org.signal.chat.backup.BackupsAnonymous';

/** Signal's domain in `google.rpc.ErrorInfo`. */
const SIGNAL_ERROR_DOMAIN = 'grpc.chat.signal.org';
const TYPE_URL_PREFIX = 'type.googleapis.com/';
const ERROR_INFO_TYPE = `${TYPE_URL_PREFIX}google.rpc.ErrorInfo`;
const RETRY_INFO_TYPE = `${TYPE_URL_PREFIX}google.rpc.RetryInfo`;
const STREAM_CLOSED_TYPE = `${TYPE_URL_PREFIX}${SERVICE.slice(0, SERVICE.lastIndexOf('.'))}.BackupStreamClosed`;

/** Most items one CopyMedia or DeleteMedia request may carry (backups.proto: 1..1000). */
export const GRPC_MEDIA_BATCH_LIMIT = 1000;

/** Longest server-supplied text quoted in an error message. */
const MAX_QUOTED = 200;

/** How a server numbers the outcomes of `CopyMediaResponse` (see {@link GrpcArchiveOptions}). */
export type CopyMediaNumbering = 'current' | 'mock-server-27';

/** Options of {@link GrpcArchiveApi}. */
export interface GrpcArchiveOptions {
  /** PEM certificate(s) to trust instead of the system's roots (a test server's CA). */
  readonly ca?: string | Uint8Array;
  /** The TLS name to expect and send as `:authority` (e.g. `localhost` for the mock server). */
  readonly servername?: string;
  /** Deadline of each call in milliseconds (default 30 000). A call past it fails with `NETWORK`. */
  readonly deadlineMs?: number;
  /**
   * Most items per CopyMedia request (default and maximum 1000). `@signalapp/mock-server` 27
   * copies only one item per request: use 1 there. Larger lists are sent in several requests.
   */
  readonly copyMediaBatchSize?: number;
  /**
   * The field numbers of the copy outcomes: `'current'` (default) as Signal-Server and
   * libsignal >= 0.100 number them; `'mock-server-27'` for the older numbering that
   * `@signalapp/mock-server` 27.0.0 still sends (it would otherwise read "source not found" as
   * "wrong source length"). A reply cannot tell which one a server uses.
   */
  readonly copyMediaNumbering?: CopyMediaNumbering;
  /** Extra grpc-js channel options (keepalive, proxies, ...). */
  readonly channelOptions?: ChannelOptions;
}

/** What a message class of the generated code offers. */
interface MessageClass<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(reader: $protobuf.Reader | Uint8Array): T;
}

/** A protobufjs reader that returns uint64 values as numbers and refuses those beyond 2^53. */
class SafeIntegerReader extends $protobuf.Reader {
  override uint64(): never {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.len) throw new RangeError('uint64 varint runs past the message');
      const b = this.buf[this.pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(value)) throw new RangeError('uint64 value beyond 2^53');
        // The generated types say bigint; this reader deliberately returns a safe number.
        return value as never;
      }
      scale *= 128;
    }
    throw new RangeError('uint64 varint longer than 10 bytes');
  }
}

/** A non-negative safe integer for a uint64 field (the generated writer takes numbers, not bigints). */
function u64(value: number, name: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`"${name}" expected a non-negative safe integer`);
  // protobufjs's writer encodes a number exactly; a bigint would be written as 0.
  return value as unknown as bigint;
}

/** A uint64 field read by {@link SafeIntegerReader} (a number at run time). */
function num(value: bigint | number | null | undefined): number {
  return value == null ? 0 : Number(value);
}

function quote(text: string): string {
  const clean = text.replace(/[\r\n\t]+/g, ' ');
  return clean.length > MAX_QUOTED ? `${clean.slice(0, MAX_QUOTED)}...` : clean;
}

/** Copies a protobufjs map (a plain object) into a fresh record of strings. */
function headersOf(map: { [k: string]: string } | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

function serializer<T>(type: MessageClass<T>): (value: T) => Buffer {
  return (value) => {
    const bytes = type.encode(value).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer<T>(type: MessageClass<T>, method: string): (bytes: Buffer) => T {
  return (bytes) => {
    try {
      // A plain Uint8Array view, so that bytes fields come out as Uint8Array, not Buffer.
      return type.decode(new SafeIntegerReader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
    } catch (cause) {
      throw new BackupError('SERVER_ERROR', `gRPC ${method}: the reply is not a valid message`, {
        request: method,
        cause,
      });
    }
  };
}

function signed(auth: SignedPresentation): org.signal.chat.backup.ISignedPresentation {
  assertBytes(auth?.presentation, 'auth.presentation');
  assertBytes(auth.signature, 'auth.signature');
  return { presentation: auth.presentation, presentationSignature: auth.signature };
}

/** The in-band refusal of a presentation, as `AUTH_FAILED` (the call itself ended with status OK). */
function refused(method: string, failure: org.signal.chat.backup.IFailedZkAuthentication): BackupError<'AUTH_FAILED'> {
  const why = failure.description ? `: ${quote(failure.description)}` : '';
  return new BackupError('AUTH_FAILED', `gRPC ${method}: the server refused the presentation${why}`, {
    status: GrpcStatus.OK,
    request: method,
  });
}

function noResponse(method: string): BackupError<'SERVER_ERROR'> {
  return new BackupError('SERVER_ERROR', `gRPC ${method}: the reply carries no outcome`, {
    status: GrpcStatus.OK,
    request: method,
  });
}

/** What `grpc-status-details-bin` says, when the server sent Signal's error details. */
interface StatusDetails {
  reason?: string;
  retryAfterMs?: number;
  streamClosedByAuth?: boolean;
}

function statusDetails(metadata: Metadata | undefined): StatusDetails {
  const out: StatusDetails = {};
  const raw = metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Uint8Array)) return out;
  try {
    const rpc = pb.RpcStatus.decode(new SafeIntegerReader(raw));
    for (const any of rpc.details ?? []) {
      const value = any.value ?? new Uint8Array(0);
      if (any.typeUrl === ERROR_INFO_TYPE) {
        const info = pb.RpcErrorInfo.decode(new SafeIntegerReader(value));
        if (info.domain === SIGNAL_ERROR_DOMAIN && out.reason === undefined) out.reason = info.reason ?? '';
      } else if (any.typeUrl === RETRY_INFO_TYPE) {
        const delay = pb.RpcRetryInfo.decode(new SafeIntegerReader(value)).retryDelay;
        if (delay) {
          const ms = num(delay.seconds) * 1000 + Math.ceil((delay.nanos ?? 0) / 1e6);
          if (Number.isFinite(ms) && ms >= 0) out.retryAfterMs = ms;
        }
      } else if (any.typeUrl === STREAM_CLOSED_TYPE) {
        const closed = pb.BackupStreamClosed.decode(new SafeIntegerReader(value));
        if (closed.failedAuthentication) out.streamClosedByAuth = true;
      }
    }
  } catch {
    // Unreadable details: the status code alone decides.
  }
  return out;
}

/** `retry-after` metadata in whole seconds, as Signal-Server sends it with RESOURCE_EXHAUSTED. */
function retryAfterHeader(metadata: Metadata | undefined): number | undefined {
  const value = metadata?.get('retry-after')[0];
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

const NETWORK_WORDS: Record<number, string> = {
  [GrpcStatus.UNAVAILABLE]: 'unavailable',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'deadline exceeded',
  [GrpcStatus.CANCELLED]: 'cancelled',
};

const HTTP_ONLY = /^Received HTTP status code (\d{3})$/;

/**
 * Maps a failed call to a `BackupError`. `details.status` is the gRPC status code, except when
 * the endpoint answered plain HTTP without any gRPC status (then it is that HTTP status).
 */
export function grpcError(method: string, error: Partial<ServiceError>): BackupError {
  const code = typeof error.code === 'number' ? error.code : GrpcStatus.UNKNOWN;
  const text = typeof error.details === 'string' ? error.details : '';
  const cause = error;
  const http = HTTP_ONLY.exec(text);
  if (http) {
    // grpc-js makes this status up when no gRPC status came back: the server (or a proxy) answered
    // HTTP. Signal's mock servers do so for calls they do not implement (DeleteMedia on 27, the
    // whole backup service on 22), with 401 whatever the credentials.
    const httpStatus = Number(http[1]);
    const details = { status: httpStatus, request: method, cause };
    if (httpStatus === 429)
      return new BackupError('RATE_LIMITED', `gRPC ${method}: HTTP 429 (too many requests)`, details);
    if (httpStatus >= 502 && httpStatus <= 504) {
      return new BackupError('NETWORK', `gRPC ${method}: HTTP ${httpStatus} from the server or a proxy`, details);
    }
    return new BackupError(
      'SERVER_ERROR',
      `gRPC ${method}: the server answered HTTP ${httpStatus} without a gRPC status (it does not serve this call)`,
      details,
    );
  }
  const info = statusDetails(error.metadata);
  const details = { status: code, request: method, cause };
  const said = text ? `: ${quote(text)}` : '';
  if (info.streamClosedByAuth) {
    return new BackupError(
      'AUTH_FAILED',
      `gRPC ${method}: the server refused the presentation (stream closed)`,
      details,
    );
  }
  switch (code) {
    case GrpcStatus.UNAUTHENTICATED:
    case GrpcStatus.PERMISSION_DENIED:
      return new BackupError('AUTH_FAILED', `gRPC ${method}: refused (status ${code})${said}`, details);
    case GrpcStatus.NOT_FOUND:
      return new BackupError('NOT_FOUND', `gRPC ${method}: not found${said}`, details);
    case GrpcStatus.RESOURCE_EXHAUSTED: {
      const retryAfterMs = retryAfterHeader(error.metadata) ?? info.retryAfterMs;
      if (retryAfterMs !== undefined) {
        return new BackupError('RATE_LIMITED', `gRPC ${method}: rate limited${said}`, { ...details, retryAfterMs });
      }
      return new BackupError('QUOTA_EXCEEDED', `gRPC ${method}: resource exhausted${said}`, details);
    }
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.CANCELLED:
      return new BackupError('NETWORK', `gRPC ${method}: ${NETWORK_WORDS[code]}${said}`, details);
    case GrpcStatus.UNIMPLEMENTED:
      return new BackupError('SERVER_ERROR', `gRPC ${method}: the server does not implement this call${said}`, details);
    default:
      return new BackupError('SERVER_ERROR', `gRPC ${method}: failed with status ${code}${said}`, details);
  }
}

/** Accepts `host:port`, `https://host[:port]` (port 443 by default) or a grpc-js target URI. */
function grpcTarget(target: string): string {
  if (typeof target !== 'string' || target === '') throw new TypeError('"target" expected a non-empty string');
  if (/^https:\/\//i.test(target)) {
    const url = new URL(target);
    // `hostname` keeps the brackets of an IPv6 address, as grpc-js expects them.
    return `${url.hostname}:${url.port || '443'}`;
  }
  if (/^http:\/\//i.test(target)) throw new RangeError('"target": the backup service needs TLS (https)');
  return target;
}

/**
 * {@link ArchiveAnonymousApi} over gRPC (`org.signal.chat.backup.BackupsAnonymous`), for Node.
 *
 * One HTTP/2 connection, opened at the first call and kept until {@link close}. Each method is
 * one request (copyMedia may take several), with a deadline; none retries. Failures are
 * `BackupError`s whose `details.request` is the gRPC method (`BackupsAnonymous/SetPublicKey`) and
 * `details.status` the gRPC status code (0 when the refusal came inside a successful reply):
 *
 * - UNAUTHENTICATED, PERMISSION_DENIED, an in-band `failed_authentication`, or a media stream
 *   closed for authentication -> `AUTH_FAILED`;
 * - NOT_FOUND -> `NOT_FOUND`; RESOURCE_EXHAUSTED -> `RATE_LIMITED` when the server gives a delay
 *   (`retry-after` metadata or `google.rpc.RetryInfo`, in `details.retryAfterMs`), else
 *   `QUOTA_EXCEEDED`; an oversize upload form -> `QUOTA_EXCEEDED`;
 * - UNAVAILABLE (also connection and TLS failures), DEADLINE_EXCEEDED, CANCELLED -> `NETWORK`;
 * - anything else, a malformed reply, or a plain HTTP answer without gRPC status -> `SERVER_ERROR`.
 *
 * @example
 * const api = new GrpcArchiveApi('https://chat.example:443');
 * await api.setPublicKey({ presentation, signature }, backupIdKeyPair.publicKey);
 * api.close();
 */
export class GrpcArchiveApi implements ArchiveAnonymousApi {
  readonly #client: Client;
  readonly #deadlineMs: number;
  readonly #copyBatch: number;
  readonly #numbering: CopyMediaNumbering;

  /**
   * @param target `host:port`, `https://host[:port]` or a grpc-js target (`dns:host:port`).
   * @throws {TypeError | RangeError} on a bad target or option.
   */
  constructor(target: string, options: GrpcArchiveOptions = {}) {
    const address = grpcTarget(target);
    const deadlineMs = options.deadlineMs ?? 30_000;
    if (!Number.isFinite(deadlineMs) || deadlineMs <= 0)
      throw new RangeError('"deadlineMs" expected a positive number');
    const batch = options.copyMediaBatchSize ?? GRPC_MEDIA_BATCH_LIMIT;
    if (!Number.isInteger(batch) || batch < 1 || batch > GRPC_MEDIA_BATCH_LIMIT) {
      throw new RangeError(`"copyMediaBatchSize" expected an integer from 1 to ${GRPC_MEDIA_BATCH_LIMIT}`);
    }
    const numbering = options.copyMediaNumbering ?? 'current';
    if (numbering !== 'current' && numbering !== 'mock-server-27') {
      throw new RangeError('"copyMediaNumbering" expected "current" or "mock-server-27"');
    }
    let ca: Buffer | undefined;
    if (options.ca !== undefined) {
      if (typeof options.ca !== 'string' && !(options.ca instanceof Uint8Array)) {
        throw new TypeError('"ca" expected a PEM string or bytes');
      }
      ca = Buffer.from(options.ca);
    }
    const channel: ChannelOptions = { ...options.channelOptions };
    if (options.servername !== undefined) {
      channel['grpc.ssl_target_name_override'] = options.servername;
      channel['grpc.default_authority'] = options.servername;
    }
    this.#client = new Client(address, credentials.createSsl(ca ?? null), channel);
    this.#deadlineMs = deadlineMs;
    this.#copyBatch = batch;
    this.#numbering = numbering;
  }

  /** Closes the connection; calls made afterwards fail with `NETWORK`. */
  close(): void {
    this.#client.close();
  }

  #options(): CallOptions {
    return { deadline: Date.now() + this.#deadlineMs };
  }

  #unary<Req, Res>(name: string, req: MessageClass<Req>, res: MessageClass<Res>, message: Req): Promise<Res> {
    const method = `BackupsAnonymous/${name}`;
    return new Promise<Res>((resolve, reject) => {
      try {
        this.#client.makeUnaryRequest(
          `/${SERVICE}/${name}`,
          serializer(req),
          deserializer(res, method),
          message,
          new Metadata(),
          this.#options(),
          (error, value) => {
            if (error) reject(errorOf(method, error));
            else if (value === undefined) reject(noResponse(method));
            else resolve(value);
          },
        );
      } catch (e) {
        reject(errorOf(method, e));
      }
    });
  }

  #stream<Req, Res>(name: string, req: MessageClass<Req>, res: MessageClass<Res>, message: Req): Promise<Res[]> {
    const method = `BackupsAnonymous/${name}`;
    return new Promise<Res[]>((resolve, reject) => {
      const replies: Res[] = [];
      let call: ClientReadableStream<Res>;
      try {
        call = this.#client.makeServerStreamRequest(
          `/${SERVICE}/${name}`,
          serializer(req),
          deserializer(res, method),
          message,
          new Metadata(),
          this.#options(),
        );
      } catch (e) {
        reject(errorOf(method, e));
        return;
      }
      call.on('data', (reply: Res) => replies.push(reply));
      call.on('error', (error) => reject(errorOf(method, error)));
      call.on('end', () => resolve(replies));
    });
  }

  async setPublicKey(auth: SignedPresentation, publicKey: Uint8Array): Promise<void> {
    assertBytes(publicKey, 'publicKey', 33);
    const reply = await this.#unary('SetPublicKey', pb.SetPublicKeyRequest, pb.SetPublicKeyResponse, {
      signedPresentation: signed(auth),
      publicKey,
    });
    if (reply.failedAuthentication) throw refused('BackupsAnonymous/SetPublicKey', reply.failedAuthentication);
    if (!reply.success) throw noResponse('BackupsAnonymous/SetPublicKey');
  }

  async refresh(auth: SignedPresentation): Promise<void> {
    const reply = await this.#unary('Refresh', pb.RefreshRequest, pb.RefreshResponse, {
      signedPresentation: signed(auth),
    });
    if (reply.failedAuthentication) throw refused('BackupsAnonymous/Refresh', reply.failedAuthentication);
    if (!reply.success) throw noResponse('BackupsAnonymous/Refresh');
  }

  /**
   * Where the backup lives: GetMessageBackupInfo, then GetMediaBackupInfo (media directory and
   * used space) with the same presentation. Over gRPC the service always names a backup file,
   * even before one was uploaded, so `backupName` is present and this never throws `NOT_FOUND`
   * for a missing backup: read the file to find out.
   */
  async getBackupInfo(auth: SignedPresentation): Promise<BackupInfo> {
    const request = { signedPresentation: signed(auth) };
    const messages = await this.#unary(
      'GetMessageBackupInfo',
      pb.GetBackupInfoRequest,
      pb.GetMessageBackupInfoResponse,
      request,
    );
    if (messages.failedAuthentication) {
      throw refused('BackupsAnonymous/GetMessageBackupInfo', messages.failedAuthentication);
    }
    if (!messages.backupInfo) throw noResponse('BackupsAnonymous/GetMessageBackupInfo');
    const media = await this.#unary(
      'GetMediaBackupInfo',
      pb.GetBackupInfoRequest,
      pb.GetMediaBackupInfoResponse,
      request,
    );
    if (media.failedAuthentication) throw refused('BackupsAnonymous/GetMediaBackupInfo', media.failedAuthentication);
    if (!media.backupInfo) throw noResponse('BackupsAnonymous/GetMediaBackupInfo');
    const info: {
      cdn: number;
      backupDir: string;
      mediaDir: string;
      backupName?: string;
      usedSpace?: number;
    } = {
      cdn: messages.backupInfo.cdn ?? 0,
      backupDir: messages.backupInfo.backupDir ?? '',
      mediaDir: media.backupInfo.mediaDir ?? '',
      usedSpace: num(media.backupInfo.usedSpace),
    };
    if (messages.backupInfo.backupName) info.backupName = messages.backupInfo.backupName;
    return info;
  }

  async getCdnCredentials(auth: SignedPresentation, cdn: number): Promise<CdnCredentials> {
    if (!Number.isInteger(cdn) || cdn < 0 || cdn > 0xffffffff) throw new RangeError('"cdn" expected a uint32');
    const reply = await this.#unary('GetCdnCredentials', pb.GetCdnCredentialsRequest, pb.GetCdnCredentialsResponse, {
      signedPresentation: signed(auth),
      cdn,
    });
    if (reply.failedAuthentication) throw refused('BackupsAnonymous/GetCdnCredentials', reply.failedAuthentication);
    if (!reply.cdnCredentials) throw noResponse('BackupsAnonymous/GetCdnCredentials');
    return { headers: headersOf(reply.cdnCredentials.headers) };
  }

  getUploadForm(auth: SignedPresentation, uploadLength: number): Promise<UploadForm> {
    return this.#uploadForm(auth, uploadLength, 'messages');
  }

  getMediaUploadForm(auth: SignedPresentation, uploadLength: number): Promise<UploadForm> {
    return this.#uploadForm(auth, uploadLength, 'media');
  }

  async #uploadForm(auth: SignedPresentation, uploadLength: number, kind: 'messages' | 'media'): Promise<UploadForm> {
    const method = 'BackupsAnonymous/GetUploadForm';
    const length = u64(uploadLength, 'uploadLength');
    const reply = await this.#unary('GetUploadForm', pb.GetUploadFormRequest, pb.GetUploadFormResponse, {
      signedPresentation: signed(auth),
      ...(kind === 'messages' ? { messages: {} } : { media: {} }),
      uploadLength: length,
    });
    if (reply.failedAuthentication) throw refused(method, reply.failedAuthentication);
    if (reply.exceedsMaxUploadLength) {
      const why = reply.exceedsMaxUploadLength.description;
      throw new BackupError(
        'QUOTA_EXCEEDED',
        `gRPC ${method}: the upload is too large${why ? `: ${quote(why)}` : ''}`,
        {
          status: GrpcStatus.OK,
          request: method,
        },
      );
    }
    const form = reply.uploadForm;
    if (!form) throw noResponse(method);
    return {
      cdn: form.cdn ?? 0,
      key: form.key ?? '',
      headers: headersOf(form.headers),
      signedUploadLocation: form.signedUploadLocation ?? '',
    };
  }

  /**
   * Copies media into the backup tier, in requests of at most `copyMediaBatchSize` items, and
   * returns one result per item in the order of `items` (the service streams outcomes as copies
   * finish). An item the service did not answer for throws `SERVER_ERROR`; results of earlier
   * batches are then lost to the caller, but copying again is harmless.
   */
  async copyMedia(auth: SignedPresentation, items: readonly CopyMediaItem[]): Promise<CopyMediaResult[]> {
    if (!Array.isArray(items)) throw new TypeError('"items" expected an array');
    const method = 'BackupsAnonymous/CopyMedia';
    const presentation = signed(auth);
    const requests = items.map((item, i) => {
      assertBytes(item.mediaId, `items[${i}].mediaId`, 15);
      assertBytes(item.hmacKey, `items[${i}].hmacKey`, 32);
      assertBytes(item.encryptionKey, `items[${i}].encryptionKey`, 32);
      return {
        sourceAttachmentCdn: item.sourceAttachment.cdn,
        sourceKey: item.sourceAttachment.key,
        objectLength: u64(item.objectLength, `items[${i}].objectLength`),
        mediaId: item.mediaId,
        hmacKey: item.hmacKey,
        encryptionKey: item.encryptionKey,
      };
    });
    const results: CopyMediaResult[] = [];
    for (let start = 0; start < requests.length; start += this.#copyBatch) {
      const batch = requests.slice(start, start + this.#copyBatch);
      const replies =
        this.#numbering === 'current'
          ? await this.#stream('CopyMedia', pb.CopyMediaRequest, pb.CopyMediaResponse, {
              signedPresentation: presentation,
              items: batch,
            })
          : await this.#stream('CopyMedia', pb.CopyMediaRequest, pb.CopyMediaResponseMock27, {
              signedPresentation: presentation,
              items: batch,
            });
      const slots: (CopyMediaResult | undefined)[] = new Array(batch.length);
      for (const reply of replies) {
        if ('failedAuthentication' in reply && reply.failedAuthentication) {
          throw refused(method, reply.failedAuthentication);
        }
        const result = copyResult(method, reply);
        const at = batch.findIndex((item, i) => slots[i] === undefined && sameBytes(item.mediaId, result.mediaId));
        if (at < 0) {
          throw new BackupError('SERVER_ERROR', `gRPC ${method}: an outcome for a media id that was not asked for`, {
            status: GrpcStatus.OK,
            request: method,
          });
        }
        slots[at] = result;
      }
      for (let i = 0; i < batch.length; i++) {
        const result = slots[i];
        if (result === undefined) {
          throw new BackupError('SERVER_ERROR', `gRPC ${method}: no outcome for item ${start + i}`, {
            status: GrpcStatus.OK,
            request: method,
          });
        }
        results.push(result);
      }
    }
    return results;
  }

  async listMedia(
    auth: SignedPresentation,
    options: { readonly cursor?: string; readonly limit: number },
  ): Promise<MediaPage> {
    const method = 'BackupsAnonymous/ListMedia';
    const { cursor, limit } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new RangeError('"limit" expected 1..10000');
    if (cursor !== undefined && typeof cursor !== 'string') throw new TypeError('"cursor" expected a string');
    const reply = await this.#unary('ListMedia', pb.ListMediaRequest, pb.ListMediaResponse, {
      signedPresentation: signed(auth),
      limit,
      ...(cursor === undefined ? {} : { cursor }),
    });
    if (reply.failedAuthentication) throw refused(method, reply.failedAuthentication);
    const list = reply.listResult;
    if (!list) throw noResponse(method);
    const page: {
      storedMediaObjects: MediaPage['storedMediaObjects'];
      backupDir: string;
      mediaDir: string;
      cursor?: string;
    } = {
      storedMediaObjects: (list.page ?? []).map((entry) => ({
        cdn: entry.cdn ?? 0,
        mediaId: (entry.mediaId ?? new Uint8Array(0)).slice(),
        objectLength: num(entry.length),
      })),
      backupDir: list.backupDir ?? '',
      mediaDir: list.mediaDir ?? '',
    };
    if (typeof list.cursor === 'string' && list.cursor !== '') page.cursor = list.cursor;
    return page;
  }

  /**
   * Deletes media from the backup tier (DeleteMedia, a stream of the deleted items).
   *
   * Neither of Signal's mock servers can delete: 27 declares the call but answers plain HTTP 401
   * without a gRPC status, which this method reports as `SERVER_ERROR` with `details.status` 401
   * (not `AUTH_FAILED`: a real refusal of the presentation comes as a gRPC status or a
   * `BackupStreamClosed`). A server that deletes only some items resolves normally; list the
   * media again to see what is left.
   */
  async deleteMedia(auth: SignedPresentation, items: readonly MediaToDelete[]): Promise<void> {
    if (!Array.isArray(items)) throw new TypeError('"items" expected an array');
    const presentation = signed(auth);
    const requests = items.map((item, i) => {
      assertBytes(item.mediaId, `items[${i}].mediaId`, 15);
      return { cdn: item.cdn, mediaId: item.mediaId };
    });
    for (let start = 0; start < requests.length; start += GRPC_MEDIA_BATCH_LIMIT) {
      await this.#stream('DeleteMedia', pb.DeleteMediaRequest, pb.DeleteMediaResponse, {
        signedPresentation: presentation,
        items: requests.slice(start, start + GRPC_MEDIA_BATCH_LIMIT),
      });
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One copy outcome (either numbering) as a {@link CopyMediaResult}. */
function copyResult(
  method: string,
  reply: org.signal.chat.backup.ICopyMediaResponse | org.signal.chat.backup.ICopyMediaResponseMock27,
): CopyMediaResult {
  const mediaId = (reply.mediaId ?? new Uint8Array(0)).slice();
  if (reply.success) return { mediaId, status: 200, cdn: reply.success.cdn ?? 0 };
  if (reply.sourceNotFound) return { mediaId, status: 410, failureReason: 'source_not_found' };
  if (reply.wrongSourceLength) return { mediaId, status: 400, failureReason: 'wrong_source_length' };
  if (reply.outOfSpace) return { mediaId, status: 413, failureReason: 'out_of_space' };
  throw noResponse(method);
}

function errorOf(method: string, error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  if (typeof error === 'object' && error !== null && 'code' in error) return grpcError(method, error as ServiceError);
  return new BackupError('NETWORK', `gRPC ${method}: the call failed`, { request: method, cause: error });
}

/** Placeholder proof for probes: not a credential, so a server can only refuse it. */
const PROBE_AUTH: SignedPresentation = { presentation: new Uint8Array(1), signature: new Uint8Array(64) };

/** True when `call` got an answer with a gRPC status (success or refusal), false otherwise. */
async function answersGrpc(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (e) {
    if (!(e instanceof BackupError)) throw e;
    if (e.code === 'NETWORK') return false;
    const status = (e.details as { status?: number }).status;
    // An HTTP status (>= 100) means no gRPC status came back at all.
    return status !== undefined && status < 100;
  }
}

/** Options of {@link probeGrpc} and {@link probeGrpcServer} (the deadline defaults to 5 s). */
export type GrpcProbeOptions = Pick<GrpcArchiveOptions, 'ca' | 'servername' | 'deadlineMs' | 'channelOptions'>;

/**
 * Whether `target` serves the anonymous backup service over gRPC: one GetMessageBackupInfo with
 * a presentation that cannot verify. A gRPC answer (the in-band refusal, or any gRPC status)
 * means yes; a plain HTTP answer (what `@signalapp/mock-server` 22 gives), no connection, or no
 * answer within `deadlineMs` (default 5 s) means no. Nothing is stored on the server.
 */
export async function probeGrpc(target: string, options: GrpcProbeOptions = {}): Promise<boolean> {
  const api = new GrpcArchiveApi(target, { ...options, deadlineMs: options.deadlineMs ?? 5_000 });
  try {
    return await answersGrpc(() => api.getBackupInfo(PROBE_AUTH));
  } finally {
    api.close();
  }
}

/** What {@link probeGrpcServer} found out. */
export interface GrpcServerProbe {
  /** The backup service answers over gRPC (as {@link probeGrpc}). */
  readonly grpc: boolean;
  /**
   * DeleteMedia answers over gRPC too. `false` with `grpc` true is what
   * `@signalapp/mock-server` 27 looks like: give it {@link GRPC_MOCK_SERVER_27_OPTIONS}.
   */
  readonly deleteMedia: boolean;
}

/** The options `@signalapp/mock-server` 27 needs: one item per CopyMedia, its older outcome numbers. */
export const GRPC_MOCK_SERVER_27_OPTIONS: Readonly<
  Pick<GrpcArchiveOptions, 'copyMediaBatchSize' | 'copyMediaNumbering'>
> = {
  copyMediaBatchSize: 1,
  copyMediaNumbering: 'mock-server-27',
};

/**
 * {@link probeGrpc}, then (when it answers) one DeleteMedia with the same placeholder proof,
 * which a complete service refuses with a gRPC status and mock-server 27 with plain HTTP 401.
 * The proof cannot verify, so nothing is deleted.
 */
export async function probeGrpcServer(target: string, options: GrpcProbeOptions = {}): Promise<GrpcServerProbe> {
  const api = new GrpcArchiveApi(target, { ...options, deadlineMs: options.deadlineMs ?? 5_000 });
  try {
    if (!(await answersGrpc(() => api.getBackupInfo(PROBE_AUTH)))) return { grpc: false, deleteMedia: false };
    const deleteMedia = await answersGrpc(() => api.deleteMedia(PROBE_AUTH, [{ cdn: 3, mediaId: new Uint8Array(15) }]));
    return { grpc: true, deleteMedia };
  } finally {
    api.close();
  }
}
