/**
 * ArchiveClient: the hosted-backup client written once over {@link ArchiveAccountApi} and
 * {@link ArchiveAnonymousApi}, whatever the wire protocol.
 *
 * - Credentials: a week at a time (today to today + 6, whole UTC days), fetched with the
 *   account's login. When the server has no backup id for the account (`NOT_FOUND`), the client
 *   registers it (the two blinded requests: messages from the BackupKey, media from the media
 *   root key) and fetches once more. Every credential is received with our own verifier (its day
 *   and its issuance proof) before it is used, and cached by day and type.
 * - Anonymous calls: each carries a fresh presentation of the day's credential of its type and
 *   an XEdDSA signature of it by the backup-id key pair of that type's key (BackupKey for
 *   messages, media root key for media). The public key is registered once per type, before the
 *   first other call of that type.
 * - Retries: `RATE_LIMITED` (waiting what the server asked, within a bound) and `NETWORK` are
 *   retried with exponential backoff, a bounded number of times; every other error is final.
 */

import { BackupError, isBackupError } from '../errors.js';
import { deriveBackupIdKeyPair, type BackupIdKeyPair } from '../keys/backupIdKeyPair.js';
import { aciBytes, type Aci } from '../keys/hierarchy.js';
import type { RandomSource } from '../random.js';
import type {
  ArchiveAccountApi,
  ArchiveAnonymousApi,
  BackupInfo,
  CdnCredentials,
  CopyMediaItem,
  CopyMediaResult,
  IssuedCredential,
  MediaPage,
  MediaToDelete,
  SignedPresentation,
  StoredMediaObject,
  UploadForm,
} from './api.js';
import {
  type BackupAuthCredential,
  BackupAuthCredentialRequestContext,
  type BackupCredentialType,
  type BackupLevel,
  BackupServerPublicParams,
} from './credential.js';
import { xeddsaSign } from './xeddsa.js';

const DAY_SECONDS = 86_400;
/** Days of credentials asked for at once (today and the six after it), as Desktop does. */
const CREDENTIAL_DAYS = 7;
/** Media listed per page. */
const LIST_PAGE = 1000;

/** How calls are retried. */
export interface RetryOptions {
  /** Attempts after the first; default 3. */
  retries?: number;
  /** First backoff in ms; doubled after each attempt. Default 500. */
  baseDelayMs?: number;
  /** Longest wait in ms (also caps a server's retry-after). Default 30 000. */
  maxDelayMs?: number;
}

/** Options of {@link ArchiveClient}. */
export interface ArchiveClientOptions {
  /** The calls made as the account (set the backup id, fetch credentials). */
  account: ArchiveAccountApi;
  /** The anonymous calls (each given a fresh signed presentation). */
  anonymous: ArchiveAnonymousApi;
  /** The BackupKey (32 bytes): the messages credential and its signing key. */
  backupKey: Uint8Array;
  /**
   * The media root key (32 bytes, `BackupInfo.mediaRootBackupKey`): the media credential and its
   * signing key. A restore may leave it out until it has read the backup ({@link ArchiveClient.setMediaRootKey}).
   */
  mediaRootKey?: Uint8Array;
  /** The account's ACI (UUID string or 16 bytes). */
  aci: Aci;
  /** The backup server's zero-knowledge public params (`backupServerPublicParams`). */
  serverParams: BackupServerPublicParams | Uint8Array;
  /** Randomness for presentations and signatures; the installed source when absent. */
  random?: RandomSource;
  /** The clock, in ms since the epoch; `Date.now` when absent. */
  now?: () => number;
  /** How to wait between retries; a timer when absent. */
  sleep?: (ms: number) => Promise<void>;
  /** Retry bounds. */
  retry?: RetryOptions;
}

interface TypeState {
  readonly keys: BackupIdKeyPair;
  readonly context: BackupAuthCredentialRequestContext;
  /** Credentials by redemption day (seconds). */
  readonly byDay: Map<number, BackupAuthCredential>;
  registered?: Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function requireKey(bytes: unknown, name: string): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw new RangeError(`"${name}" expected 32 bytes`);
  return bytes;
}

/** The hosted-backup client. See the module comment. */
export class ArchiveClient {
  readonly #account: ArchiveAccountApi;
  readonly #anonymous: ArchiveAnonymousApi;
  readonly #params: BackupServerPublicParams;
  readonly #random: RandomSource | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #retries: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;
  readonly #types: { messages: TypeState; media?: TypeState };
  readonly #aci: Uint8Array;
  #fetching: Promise<void> | undefined;

  /**
   * @throws {RangeError} when a key is not 32 bytes or the ACI not 16 bytes.
   * @throws {BackupError} `INVALID_CREDENTIAL` when serialized server params are malformed.
   */
  constructor(options: ArchiveClientOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
    if (typeof options.account !== 'object' || options.account === null)
      throw new TypeError('"account" expected an object');
    if (typeof options.anonymous !== 'object' || options.anonymous === null) {
      throw new TypeError('"anonymous" expected an object');
    }
    const backupKey = requireKey(options.backupKey, 'backupKey');
    const aci = aciBytes(options.aci);
    this.#aci = aci;
    this.#account = options.account;
    this.#anonymous = options.anonymous;
    this.#params =
      options.serverParams instanceof BackupServerPublicParams
        ? options.serverParams
        : BackupServerPublicParams.deserialize(options.serverParams);
    this.#random = options.random;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? defaultSleep;
    const r = options.retry ?? {};
    this.#retries = r.retries ?? 3;
    this.#baseDelay = r.baseDelayMs ?? 500;
    this.#maxDelay = r.maxDelayMs ?? 30_000;
    if (!Number.isSafeInteger(this.#retries) || this.#retries < 0)
      throw new RangeError('"retry.retries" expected a non-negative integer');
    this.#types = { messages: this.#state(backupKey) };
    if (options.mediaRootKey !== undefined)
      this.#types.media = this.#state(requireKey(options.mediaRootKey, 'mediaRootKey'));
  }

  #state(key: Uint8Array): TypeState {
    return {
      keys: deriveBackupIdKeyPair(key, this.#aci),
      context: BackupAuthCredentialRequestContext.create(key, this.#aci),
      byDay: new Map(),
    };
  }

  #type(type: BackupCredentialType): TypeState {
    if (type === 'messages') return this.#types.messages;
    if (this.#types.media === undefined) {
      throw new TypeError('this client has no media root key yet: pass "mediaRootKey" or call setMediaRootKey()');
    }
    return this.#types.media;
  }

  /** Whether the client knows the media root key. */
  get hasMediaRootKey(): boolean {
    return this.#types.media !== undefined;
  }

  /**
   * Gives the client the media root key (read from the backup's BackupInfo on a restore).
   * @throws {TypeError} when another media root key was given before.
   * @throws {RangeError} when `mediaRootKey` is not 32 bytes.
   */
  setMediaRootKey(mediaRootKey: Uint8Array): void {
    const state = this.#state(requireKey(mediaRootKey, 'mediaRootKey'));
    const known = this.#types.media;
    if (known !== undefined) {
      const a = known.context.backupId;
      const b = state.context.backupId;
      if (a.length !== b.length || a.some((x, i) => x !== b[i]))
        throw new TypeError('the client already has another media root key');
      return;
    }
    this.#types.media = state;
  }

  /** The 16-byte backup id of a credential type (messages by default): the server's name for the backup. */
  backupId(type: BackupCredentialType = 'messages'): Uint8Array {
    return this.#type(type).context.backupId;
  }

  /** The backup-id public key (33 bytes) the client registers for a credential type. */
  publicKey(type: BackupCredentialType = 'messages'): Uint8Array {
    return this.#type(type).keys.publicKey.slice();
  }

  /**
   * Today's verified credential of `type`, fetching (and registering the backup id) when needed.
   * @throws {BackupError} as the account calls; `VERIFICATION_FAILED` when a credential does not verify;
   *   `SERVER_ERROR` when the server issued none for today.
   */
  async credential(type: BackupCredentialType = 'messages'): Promise<BackupAuthCredential> {
    const day = this.#today();
    const cached = this.#type(type).byDay.get(day);
    if (cached !== undefined) return cached;
    await this.#fetchCredentials();
    const fetched = this.#type(type).byDay.get(day);
    if (fetched === undefined) {
      throw new BackupError('SERVER_ERROR', `the server issued no ${type} credential for today`, {
        request: 'GET /v1/archives/auth',
      });
    }
    return fetched;
  }

  /** The backup level the server grants (read from today's messages credential). */
  async level(): Promise<BackupLevel> {
    return (await this.credential('messages')).level;
  }

  /**
   * A fresh presentation of today's credential of `type`, signed with that type's backup-id key.
   * Present a new one for every request: one presentation is never reused.
   */
  async signedPresentation(type: BackupCredentialType): Promise<SignedPresentation> {
    const credential = await this.credential(type);
    const presentation = credential.present(this.#params, this.#random);
    const signature = xeddsaSign(this.#type(type).keys.privateKey, presentation, this.#random);
    return { presentation, signature };
  }

  /**
   * Runs one anonymous call of `type`: registers the public key first (once per type), gives the
   * call a fresh signed presentation on each attempt, and retries as the module comment says.
   */
  async call<T>(type: BackupCredentialType, fn: (auth: SignedPresentation) => Promise<T>): Promise<T> {
    this.#type(type);
    await this.#register(type);
    return this.#retry(async () => fn(await this.signedPresentation(type)));
  }

  /** Keeps the backup alive (both types; messages only while the media root key is unknown). */
  async refresh(): Promise<void> {
    await this.call('messages', (a) => this.#anonymous.refresh(a));
    if (this.hasMediaRootKey) await this.call('media', (a) => this.#anonymous.refresh(a));
  }

  /** Where the message backup lives. @throws {BackupError} `NOT_FOUND` when there is none. */
  getBackupInfo(): Promise<BackupInfo> {
    return this.call('messages', (a) => this.#anonymous.getBackupInfo(a));
  }

  /** Headers to read the backup (messages) or media (`type: 'media'`) on CDN `cdn`. */
  getCdnCredentials(cdn: number, type: BackupCredentialType = 'messages'): Promise<CdnCredentials> {
    return this.call(type, (a) => this.#anonymous.getCdnCredentials(a, cdn));
  }

  /** Where to upload the message backup file of `uploadLength` bytes. */
  getUploadForm(uploadLength: number): Promise<UploadForm> {
    return this.call('messages', (a) => this.#anonymous.getUploadForm(a, uploadLength));
  }

  /** Where to upload one transit-encrypted medium of `uploadLength` bytes. */
  getMediaUploadForm(uploadLength: number): Promise<UploadForm> {
    return this.call('media', (a) => this.#anonymous.getMediaUploadForm(a, uploadLength));
  }

  /** Copies uploaded media into the backup tier. */
  copyMedia(items: readonly CopyMediaItem[]): Promise<CopyMediaResult[]> {
    return this.call('media', (a) => this.#anonymous.copyMedia(a, items));
  }

  /** One page of the stored media. */
  listMediaPage(options: { cursor?: string; limit?: number } = {}): Promise<MediaPage> {
    return this.call('media', (a) =>
      this.#anonymous.listMedia(a, {
        limit: options.limit ?? LIST_PAGE,
        ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
      }),
    );
  }

  /**
   * Every stored media object, following the cursor; an id listed more than once (a server may
   * repeat one copied twice) appears once, with its last listed length.
   * @throws {BackupError} `SERVER_ERROR` when the server repeats a cursor (it would never end).
   */
  async listAllMedia(): Promise<{
    /** The stored objects, one per media id. */
    objects: StoredMediaObject[];
    /** The backup directory on the CDN (from the last page). */
    backupDir?: string;
    /** The media directory under it (from the last page). */
    mediaDir?: string;
  }> {
    const byId = new Map<string, StoredMediaObject>();
    const seen = new Set<string>();
    let cursor: string | undefined;
    let dirs: { backupDir?: string; mediaDir?: string } = {};
    for (;;) {
      const page = await this.listMediaPage(cursor === undefined ? {} : { cursor });
      dirs = { backupDir: page.backupDir, mediaDir: page.mediaDir };
      for (const o of page.storedMediaObjects) {
        const key = Array.from(o.mediaId, (b) => b.toString(16).padStart(2, '0')).join('');
        byId.delete(key);
        byId.set(key, o);
      }
      if (page.cursor === undefined || page.cursor === '' || page.storedMediaObjects.length === 0) break;
      if (seen.has(page.cursor)) {
        throw new BackupError('SERVER_ERROR', 'the media list repeats a cursor', { request: 'GET /v1/archives/media' });
      }
      seen.add(page.cursor);
      cursor = page.cursor;
    }
    return { objects: [...byId.values()], ...dirs };
  }

  /** Deletes media from the backup tier. */
  deleteMedia(items: readonly MediaToDelete[]): Promise<void> {
    return this.call('media', (a) => this.#anonymous.deleteMedia(a, items));
  }

  #today(): number {
    const s = Math.floor(this.#now() / 1000);
    return s - (((s % DAY_SECONDS) + DAY_SECONDS) % DAY_SECONDS);
  }

  #register(type: BackupCredentialType): Promise<void> {
    const t = this.#type(type);
    if (t.registered === undefined) {
      t.registered = this.#retry(async () =>
        this.#anonymous.setPublicKey(await this.signedPresentation(type), t.keys.publicKey.slice()),
      );
      t.registered.catch(() => {
        t.registered = undefined;
      });
    }
    return t.registered;
  }

  #fetchCredentials(): Promise<void> {
    if (this.#fetching === undefined) {
      this.#fetching = this.#doFetch().finally(() => {
        this.#fetching = undefined;
      });
    }
    return this.#fetching;
  }

  async #doFetch(): Promise<void> {
    const start = this.#today();
    const end = start + (CREDENTIAL_DAYS - 1) * DAY_SECONDS;
    const get = () => this.#retry(() => this.#account.getCredentials(start, end));
    let issued: Awaited<ReturnType<ArchiveAccountApi['getCredentials']>>;
    try {
      issued = await get();
    } catch (e) {
      if (!isBackupError(e, 'NOT_FOUND')) throw e;
      const media = this.#types.media;
      if (media === undefined) {
        throw new BackupError('NOT_FOUND', 'the account has no backup id yet (setting it needs the media root key)', {
          ...e.details,
          cause: e,
        });
      }
      await this.#retry(() =>
        this.#account.setBackupId({
          messagesBackupAuthCredentialRequest: this.#types.messages.context.getRequest(),
          mediaBackupAuthCredentialRequest: media.context.getRequest(),
        }),
      );
      issued = await get();
    }
    this.#receive('messages', issued.messages, start, end);
    if (this.#types.media !== undefined) this.#receive('media', issued.media, start, end);
  }

  #receive(type: BackupCredentialType, list: readonly IssuedCredential[], start: number, end: number): void {
    if (!Array.isArray(list)) {
      throw new BackupError('SERVER_ERROR', `the server sent no ${type} credential list`, {
        request: 'GET /v1/archives/auth',
      });
    }
    const t = this.#type(type);
    const byDay = new Map<number, BackupAuthCredential>();
    for (const c of list) {
      // Only days asked for: a credential for another day could tag this client.
      if (c.redemptionTime < start || c.redemptionTime > end) continue;
      const credential = t.context.receive(c.credential, c.redemptionTime, this.#params);
      if (credential.type !== type) {
        throw new BackupError(
          'VERIFICATION_FAILED',
          `the server sent a ${credential.type} credential as a ${type} one`,
        );
      }
      byDay.set(c.redemptionTime, credential);
    }
    t.byDay.clear();
    for (const [day, c] of byDay) t.byDay.set(day, c);
  }

  async #retry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const retryable = isBackupError(e, 'RATE_LIMITED') || isBackupError(e, 'NETWORK');
        if (!retryable || attempt >= this.#retries) throw e;
        let delay = Math.min(this.#maxDelay, this.#baseDelay * 2 ** attempt);
        if (isBackupError(e, 'RATE_LIMITED') && e.details.retryAfterMs !== undefined) {
          // Waiting less than the server asked would only be refused again.
          if (e.details.retryAfterMs > this.#maxDelay) throw e;
          delay = Math.max(delay, e.details.retryAfterMs);
        }
        await this.#sleep(delay);
      }
    }
  }
}
