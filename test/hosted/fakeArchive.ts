/**
 * An in-memory backup service for the client and job tests (Node only): credentials are issued
 * and presentations verified by the oracle (libsignal-client's zkgroup, as Signal's server does),
 * signatures checked with libsignal's PublicKey.verify against the key stored at the first
 * SetPublicKey. Media copies store the transit blob encrypted with the media tier's outer keys,
 * as the server does. Faults can be queued per method.
 */

import { createRequire } from 'node:module';
import { BackupError } from '../../src/errors.js';
import type {
  ArchiveApi,
  BackupInfo,
  CopyMediaItem,
  CopyMediaResult,
  IssuedCredentials,
  MediaPage,
  MediaToDelete,
  SignedPresentation,
  UploadForm,
} from '../../src/hosted/api.js';
import { toBase64 } from '../../src/internal/bytes.js';
import { cbcHmacEncrypt } from '../../src/media/cbcHmac.js';
import { pureBackend } from '../../src/backends/pure.js';

const require = createRequire(import.meta.url);
const zk =
  require('@signalapp/libsignal-client/dist/zkgroup/index.js') as typeof import('@signalapp/libsignal-client/dist/zkgroup/index.js');
const ec =
  require('@signalapp/libsignal-client/dist/EcKeys.js') as typeof import('@signalapp/libsignal-client/dist/EcKeys.js');

const DAY = 86_400;
const ab = (b: Uint8Array) => new Uint8Array(b) as Uint8Array<ArrayBuffer>;

export interface FakeCall {
  method: string;
  backupDir?: string;
}

/** A fake CDN object store shared by uploads and reads. */
export class FakeCdn {
  readonly objects = new Map<string, Uint8Array>();
}

export class FakeArchive implements ArchiveApi {
  readonly secret: InstanceType<typeof zk.GenericServerSecretParams>;
  readonly publicParams: Uint8Array;
  readonly cdn = new FakeCdn();
  readonly calls: FakeCall[] = [];
  /** Faults to throw, per method, in order. */
  readonly faults = new Map<string, BackupError[]>();
  level = zk.BackupLevel.Free;
  canDelete = true;
  /** Repeat every listed media object (the mock server lists an id copied twice twice). */
  repeatListing = false;
  /** Clock for verification, in seconds. */
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000);
  #requests: { messages: Uint8Array; media: Uint8Array } | undefined;
  readonly #keys = new Map<string, Uint8Array>();
  readonly media = new Map<string, Map<string, { mediaId: Uint8Array; object: Uint8Array }>>();
  readonly backups = new Map<string, string>();
  #uploads = 0;

  constructor(seed = 0xa0) {
    this.secret = zk.GenericServerSecretParams.generateWithRandom(ab(new Uint8Array(32).fill(seed)));
    this.publicParams = new Uint8Array(this.secret.getPublicParams().serialize());
  }

  fail(method: string, ...errors: BackupError[]): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), ...errors]);
  }

  #fault(method: string): void {
    const q = this.faults.get(method);
    const e = q?.shift();
    if (e !== undefined) throw e;
  }

  /** Verifies as Signal's server: presentation (today), then the signature with the stored key. */
  #verify(method: string, auth: SignedPresentation, allowUnknownKey = false): { dir: string; type: number } {
    this.#fault(method);
    let p: InstanceType<typeof zk.BackupAuthCredentialPresentation>;
    try {
      p = new zk.BackupAuthCredentialPresentation(ab(auth.presentation));
      p.verify(this.secret, new Date(this.nowSeconds() * 1000));
    } catch {
      throw new BackupError('AUTH_FAILED', 'presentation refused', { status: 401, request: method });
    }
    const dir = toBase64(new Uint8Array(p.getBackupId()), true);
    const key = this.#keys.get(dir);
    if (key === undefined) {
      if (!allowUnknownKey) throw new BackupError('AUTH_FAILED', 'no public key', { status: 401, request: method });
    } else if (!ec.PublicKey.deserialize(ab(key)).verify(ab(auth.presentation), ab(auth.signature))) {
      throw new BackupError('AUTH_FAILED', 'bad signature', { status: 401, request: method });
    }
    this.calls.push({ method, backupDir: dir });
    return { dir, type: p.getType() };
  }

  async setBackupId(r: {
    messagesBackupAuthCredentialRequest: Uint8Array;
    mediaBackupAuthCredentialRequest: Uint8Array;
  }): Promise<void> {
    this.#fault('setBackupId');
    this.calls.push({ method: 'setBackupId' });
    this.#requests = { messages: r.messagesBackupAuthCredentialRequest, media: r.mediaBackupAuthCredentialRequest };
  }

  async getCredentials(start: number, end: number): Promise<IssuedCredentials> {
    this.#fault('getCredentials');
    this.calls.push({ method: 'getCredentials' });
    if (this.#requests === undefined) throw new BackupError('NOT_FOUND', 'no backup id', { status: 404 });
    const issue = (req: Uint8Array, type: number) => {
      const out = [];
      for (let t = start; t <= end; t += DAY) {
        const response = new zk.BackupAuthCredentialRequest(ab(req)).issueCredentialWithRandom(
          t,
          this.level,
          type,
          this.secret,
          ab(new Uint8Array(32).fill(t % 251)),
        );
        out.push({ credential: new Uint8Array(response.serialize()), redemptionTime: t });
      }
      return out;
    };
    return {
      messages: issue(this.#requests.messages, zk.BackupCredentialType.Messages),
      media: issue(this.#requests.media, zk.BackupCredentialType.Media),
    };
  }

  async setPublicKey(auth: SignedPresentation, publicKey: Uint8Array): Promise<void> {
    const { dir } = this.#verify('setPublicKey', auth, true);
    const known = this.#keys.get(dir);
    if (known !== undefined && toBase64(known) !== toBase64(publicKey)) {
      throw new BackupError('AUTH_FAILED', 'another key is registered', { status: 401 });
    }
    this.#keys.set(dir, publicKey.slice());
  }

  async refresh(auth: SignedPresentation): Promise<void> {
    this.#verify('refresh', auth);
  }

  async getBackupInfo(auth: SignedPresentation): Promise<BackupInfo> {
    const { dir } = this.#verify('getBackupInfo', auth);
    const name = this.backups.get(dir);
    if (name === undefined) throw new BackupError('NOT_FOUND', 'no backup', { status: 404 });
    return { cdn: 3, backupDir: dir, mediaDir: 'media', backupName: name };
  }

  async getCdnCredentials(auth: SignedPresentation, cdn: number) {
    const { dir } = this.#verify('getCdnCredentials', auth);
    return { headers: { authorization: `fake ${dir} ${cdn}` } };
  }

  #form(prefix: string): UploadForm {
    this.#uploads++;
    return {
      cdn: 3,
      key: `${prefix}${this.#uploads}`,
      headers: { 'x-form': prefix },
      signedUploadLocation: `fake://upload/${prefix}${this.#uploads}`,
    };
  }

  async getUploadForm(auth: SignedPresentation, _length: number): Promise<UploadForm> {
    const { dir } = this.#verify('getUploadForm', auth);
    const form = this.#form(`backups/${dir}/`);
    // The fake server names the backup after the form, as Signal's does (the upload key).
    this.backups.set(dir, form.key.slice(`backups/${dir}/`.length));
    return form;
  }

  async getMediaUploadForm(auth: SignedPresentation, _length: number): Promise<UploadForm> {
    this.#verify('getMediaUploadForm', auth);
    return this.#form('attachments/');
  }

  async copyMedia(auth: SignedPresentation, items: readonly CopyMediaItem[]): Promise<CopyMediaResult[]> {
    const { dir } = this.#verify('copyMedia', auth);
    const store = this.media.get(dir) ?? new Map();
    this.media.set(dir, store);
    const out: CopyMediaResult[] = [];
    for (const item of items) {
      const blob = this.cdn.objects.get(item.sourceAttachment.key);
      if (blob === undefined || blob.length !== item.objectLength) {
        out.push({ mediaId: item.mediaId, status: 410 });
        continue;
      }
      const iv = new Uint8Array(16).fill(7);
      const object = await cbcHmacEncrypt(blob, item.encryptionKey, item.hmacKey, iv, pureBackend);
      const id = toBase64(item.mediaId, true);
      store.set(id, { mediaId: item.mediaId, object });
      this.cdn.objects.set(`backups/${dir}/media/${id}`, object);
      out.push({ mediaId: item.mediaId, status: 200, cdn: 3 });
    }
    return out;
  }

  async listMedia(auth: SignedPresentation, options: { cursor?: string; limit: number }): Promise<MediaPage> {
    const { dir } = this.#verify('listMedia', auth);
    const all = [...(this.media.get(dir)?.values() ?? [])].map((m) => ({
      cdn: 3,
      mediaId: m.mediaId,
      objectLength: m.object.length,
    }));
    const list = this.repeatListing ? all.flatMap((o) => [o, o]) : all;
    const start = options.cursor === undefined ? 0 : Number(options.cursor);
    const page = list.slice(start, start + options.limit);
    const next = start + options.limit < list.length ? String(start + options.limit) : undefined;
    return {
      storedMediaObjects: page,
      backupDir: dir,
      mediaDir: 'media',
      ...(next === undefined ? {} : { cursor: next }),
    };
  }

  async deleteMedia(auth: SignedPresentation, items: readonly MediaToDelete[]): Promise<void> {
    const { dir } = this.#verify('deleteMedia', auth);
    if (!this.canDelete) throw new BackupError('SERVER_ERROR', 'no delete route', { status: 404 });
    for (const item of items) {
      const id = toBase64(item.mediaId, true);
      this.media.get(dir)?.delete(id);
      this.cdn.objects.delete(`backups/${dir}/media/${id}`);
    }
  }
}
