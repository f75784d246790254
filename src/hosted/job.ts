/**
 * The whole hosted-backup job in one call each way.
 *
 * `hostedBackup`: writes the backup with {@link BackupWriter} (the forward-secrecy layout when a
 * token is given, else the legacy one), lists the media the server holds (every page; an id
 * listed twice counted once), plans the media with `planMedia` at the level the credential
 * grants, uploads the backup, then uploads each new medium (the attachment blob under its
 * FilePointer key, streamed) and copies it to the backup tier with the media tier's outer keys,
 * and only then, once the new backup and its media are in place, deletes what no longer has a
 * reference. A server that cannot delete (Signal's mock servers) leaves the stale objects; they
 * are counted in `mediaNotDeleted`.
 *
 * `hostedRestore`: finds the backup (backup info), reads it from the CDN with the read
 * credentials, opens it with {@link BackupReader} (MAC first), and fetches media on demand or all
 * at once, each checked (outer MAC, inner MAC, size and plaintext hash) before a byte is released.
 */

import { BackupReader } from '../api/reader.js';
import { type BackupContent, BackupWriter } from '../api/writer.js';
import type { BackupMedia } from '../api/media.js';
import type { CryptoBackend } from '../backends/types.js';
import { BackupError, isBackupError } from '../errors.js';
import type { FilePointer } from '../frames/schema.js';
import { type PlanPolicy, planMedia, type StoredObject } from '../incremental/plan.js';
import { forEachFilePointer } from '../incremental/references.js';
import { concatByteList, constantTimeEqual, toBase64, toHex } from '../internal/bytes.js';
import { deriveBackupId, deriveBackupKey } from '../keys/hierarchy.js';
import type { RecoveryKeyInput } from '../keys/input.js';
import { normalizeRecoveryKey } from '../keys/recoveryKey.js';
import { decryptAttachment, encryptAttachmentStream } from '../media/attachment.js';
import { ciphertextSize } from '../media/padding.js';
import { mediaName as mediaNameOf, mediaTierKeys } from '../media/names.js';
import type { RereadableSource } from '../media/source.js';
import { decryptFromMediaTier } from '../media/tier.js';
import { randomBytes, type RandomSource } from '../random.js';
import type { CopyMediaItem, UploadForm } from './api.js';
import { cdnBackupUrl, type CdnFetch, type CdnObject, cdnRead, readAllChunks } from './cdn.js';
import type { ArchiveClient } from './client.js';
import type { BackupLevel } from './credential.js';
import { BACKUP_LEVEL_PAID } from './credential.js';
import { sourceLength, tusUpload, type TusUploadOptions } from './upload.js';

/** Media copied per batch request. */
const COPY_BATCH = 100;
/** Media deleted per request. */
const DELETE_BATCH = 100;
const IV_LENGTH = 16;

/** How bytes move to and from the CDN; defaults: {@link tusUpload} and {@link cdnRead}. */
export interface HostedTransfer {
  /** Uploads `source` as `form` says. */
  upload(form: UploadForm, source: RereadableSource, onProgress?: (sent: number, total: number) => void): Promise<void>;
  /** GETs `url` with `headers`. */
  read(url: string, headers: Readonly<Record<string, string>>): Promise<CdnObject>;
}

/** Options of the default transfer. */
export interface DefaultTransferOptions {
  /** tus-js-client's HTTP stack (`nodeTusHttpStack` in `sbackup/node` for a custom CA). */
  httpStack?: TusUploadOptions['httpStack'];
  /** The CDN's fetch (`nodeCdnFetch` in `sbackup/node` for a custom CA). */
  fetch?: CdnFetch;
  /** TUS bytes per request; the whole object in the creation request when absent. */
  chunkSize?: number;
}

/** The default {@link HostedTransfer}: TUS with tus-js-client, reads with fetch. */
export function defaultTransfer(options: DefaultTransferOptions = {}): HostedTransfer {
  return {
    async upload(form, source, onProgress) {
      await tusUpload(form, source, {
        ...(options.httpStack === undefined ? {} : { httpStack: options.httpStack }),
        ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
        ...(onProgress === undefined ? {} : { onProgress }),
      });
    },
    read: (url, headers) => cdnRead(url, headers, options.fetch === undefined ? {} : { fetch: options.fetch }),
  };
}

/**
 * Where a backup file waits between writing and uploading, or downloading and opening: in memory
 * by default ({@link memorySpool}); `fileSpool` in `sbackup/node` keeps it in a private
 * temporary file instead, for backups larger than memory should hold.
 */
export interface HostedSpool {
  /** Appends a chunk (waited for when it returns a promise). */
  write(chunk: Uint8Array): void | Promise<void>;
  /** Ends the writing and returns the bytes written, re-readable. */
  finish(): Promise<RereadableSource>;
  /** Frees what it holds; called once the file is no longer needed, also after a failure. */
  dispose(): void | Promise<void>;
}

/** A {@link HostedSpool} in memory. */
export function memorySpool(): HostedSpool {
  let chunks: Uint8Array[] = [];
  return {
    write(chunk) {
      chunks.push(chunk.slice());
    },
    async finish() {
      const all = concatByteList(chunks);
      chunks = [];
      return all;
    },
    dispose() {
      chunks = [];
    },
  };
}

/** A medium's plaintext, as the app finds it (by plaintext hash and size). */
export interface HostedMediaRequest {
  /** LocatorInfo.plaintextHash (32 bytes). */
  readonly plaintextHash: Uint8Array;
  /** The same as lowercase hex. */
  readonly plaintextHashHex: string;
  /** Plaintext size in bytes. */
  readonly size: number;
  /** MIME type, when the pointer has one. */
  readonly contentType?: string;
  /** The remote media name. */
  readonly mediaName: string;
}

/** Where {@link hostedBackup} gets each medium's plaintext; undefined when the app does not have it. */
export type HostedMediaSource = (
  request: HostedMediaRequest,
) => RereadableSource | undefined | Promise<RereadableSource | undefined>;

/** Progress of {@link hostedBackup}. */
export interface HostedBackupProgress {
  /** The step: writing the backup, uploading it, uploading media, deleting stale media. */
  readonly phase: 'write' | 'upload' | 'media' | 'cleanup';
  /** Units done (bytes for `upload`, media otherwise). */
  readonly done: number;
  /** Units in the step. */
  readonly total: number;
}

/** Options of {@link hostedBackup}. */
export interface HostedBackupOptions {
  /** The archive client (its BackupKey and media root key must be the backup's; one made without a media root key takes the backup's). */
  client: ArchiveClient;
  /** The recovery key and ACI; with `forwardSecrecyToken`, the forward-secrecy layout is written. */
  key: RecoveryKeyInput;
  /** What goes into the backup. */
  content: BackupContent;
  /** The media plaintexts; without it no medium is uploaded (they count as missing). */
  media?: HostedMediaSource;
  /** Planner overrides (quota, window, ...); the tier comes from the credential. Thumbnails are never uploaded here. */
  plan?: Omit<PlanPolicy, 'tier' | 'now' | 'layout' | 'thumbnails'>;
  /** How bytes move; {@link defaultTransfer} when absent. */
  transfer?: HostedTransfer;
  /** Where the encrypted backup waits for its upload (its length must be known first); {@link memorySpool} when absent. */
  spool?: () => HostedSpool;
  /** The clock (ms); `Date.now` when absent. */
  now?: () => number;
  /** Randomness (container IV, padding, attachment IVs). */
  random?: RandomSource;
  /** Crypto backend. */
  backend?: CryptoBackend;
  /** Progress. */
  onProgress?: (progress: HostedBackupProgress) => void;
}

/** What {@link hostedBackup} did. */
export interface HostedBackupReport {
  /** The backup id (base64url: the server's backup directory). */
  backupId: string;
  /** The level the credential grants (200 free, 201 paid). */
  level: BackupLevel;
  /** Bytes uploaded (the backup file and the media blobs). */
  uploadedBytes: number;
  /** Media uploaded to the transit tier. */
  mediaUploaded: number;
  /** Media copied to the backup tier. */
  mediaCopied: number;
  /** Referenced media the server already held. */
  mediaKept: number;
  /** Stale media deleted. */
  mediaDeleted: number;
  /** Stale media the server could not delete (left in place). */
  mediaNotDeleted: number;
  /** Media the plan wanted to upload that `media` did not provide. */
  mediaMissing: number;
  /** Referenced media the plan left out (window, size, quota). */
  mediaSkipped: number;
}

function checkKeys(client: ArchiveClient, key: RecoveryKeyInput, rootKey: Uint8Array): void {
  if (key.aci === undefined) throw new TypeError('"key.aci" is needed for a hosted backup');
  const backupKey = deriveBackupKey(normalizeRecoveryKey(key.recoveryKey));
  if (!constantTimeEqual(deriveBackupId(backupKey, key.aci), client.backupId('messages'))) {
    throw new TypeError('the client was made with another BackupKey or ACI than "key"');
  }
  if (!constantTimeEqual(deriveBackupId(rootKey, key.aci), client.backupId('media'))) {
    throw new TypeError("the client was made with another media root key than the backup's mediaRootBackupKey");
  }
}

/** Stored objects by base64url media id (the planner's names). */
function storedObjects(objects: readonly { mediaId: Uint8Array; objectLength: number }[]): StoredObject[] {
  return objects.map((o) => ({ mediaId: toBase64(o.mediaId, true), size: o.objectLength }));
}

/** The error of a failed copy item. */
function copyError(status: number, reason: string | undefined): BackupError {
  const message = `copying a medium to the backup tier failed (status ${status}${reason ? `: ${reason}` : ''})`;
  const request = 'copy media';
  if (status === 413) return new BackupError('QUOTA_EXCEEDED', message, { status, request });
  if (status === 429) return new BackupError('RATE_LIMITED', message, { status, request });
  return new BackupError('SERVER_ERROR', message, { status, request });
}

/**
 * Backs up to the hosted service. See the module comment for the steps and their order.
 *
 * @throws {BackupError} from the writer (`INVALID_BACKUP`, `ORDER_VIOLATION`), the client and the
 *   transfers (`AUTH_FAILED`, `QUOTA_EXCEEDED`, `RATE_LIMITED`, `NOT_FOUND`, `NETWORK`, `SERVER_ERROR`).
 *   Nothing is deleted unless the backup and every new medium were uploaded and copied.
 * @throws {TypeError} when the client's keys are not the backup's.
 */
export async function hostedBackup(options: HostedBackupOptions): Promise<HostedBackupReport> {
  const { client, key, content } = options;
  const rootKey = content?.backupInfo?.mediaRootBackupKey;
  if (!(rootKey instanceof Uint8Array) || rootKey.length !== 32) {
    throw new BackupError('INVALID_BACKUP', 'the BackupInfo has no 32-byte mediaRootBackupKey');
  }
  // A client made without the media root key takes the backup's.
  if (!client.hasMediaRootKey) client.setMediaRootKey(rootKey);
  checkKeys(client, key, rootKey);
  const transfer = options.transfer ?? defaultTransfer();
  const now = options.now ?? Date.now;
  const progress = options.onProgress ?? (() => {});

  const spool = (options.spool ?? memorySpool)();
  try {
    return await backupWith(options, spool, rootKey, transfer, now, progress);
  } finally {
    await spool.dispose();
  }
}

async function backupWith(
  options: HostedBackupOptions,
  spool: HostedSpool,
  rootKey: Uint8Array,
  transfer: HostedTransfer,
  now: () => number,
  progress: (p: HostedBackupProgress) => void,
): Promise<HostedBackupReport> {
  const { client, key, content } = options;
  // 1. Write the backup into the spool (the upload form needs its length first).
  const writer = new BackupWriter({
    purpose: 'remote',
    key,
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  });
  const written = await writer.writeTo(content, (c) => spool.write(c));
  const file = await spool.finish();
  const fileLength = sourceLength(file);
  progress({ phase: 'write', done: 1, total: 1 });

  // 2. The level, the server's media and the plan.
  const level = await client.level();
  const listing = await client.listAllMedia();
  const plan = planMedia(written.media, storedObjects(listing.objects), {
    ...(options.plan ?? {}),
    tier: level === BACKUP_LEVEL_PAID ? 'paid' : 'free',
    now: now(),
    layout: 'media-tier',
    thumbnails: false,
  });

  // 3. The backup file.
  const form = await client.getUploadForm(fileLength);
  await transfer.upload(form, file, (sent, total) => progress({ phase: 'upload', done: sent, total }));
  let uploadedBytes = fileLength;

  // 4. New media: upload each blob, copy in batches.
  const byId = new Map<string, BackupMedia>(written.media.map((m) => [m.mediaIdBase64Url, m]));
  let mediaUploaded = 0;
  let mediaCopied = 0;
  let mediaMissing = 0;
  let copyFailure: BackupError | undefined;
  let batch: CopyMediaItem[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    const results = await client.copyMedia(items);
    for (const r of results) {
      if (r.status === 200) mediaCopied++;
      else copyFailure ??= copyError(r.status, r.failureReason);
    }
  };
  for (const [i, u] of plan.upload.entries()) {
    const m = byId.get(u.mediaId);
    if (m === undefined || m.thumbnail) continue;
    const plain = await options.media?.({
      plaintextHash: m.plaintextHash,
      plaintextHashHex: toHex(m.plaintextHash),
      size: m.size,
      mediaName: m.mediaName,
      ...(m.contentType === undefined ? {} : { contentType: m.contentType }),
    });
    if (plain === undefined) {
      mediaMissing++;
      continue;
    }
    // One IV per upload: a retry that reopens the source produces the same blob.
    const iv = randomBytes(IV_LENGTH, options.random);
    const length = ciphertextSize(m.size);
    const blob: RereadableSource = {
      length,
      open: () =>
        encryptAttachmentStream(plain, m.key, {
          iv,
          size: m.size,
          incrementalMac: false,
          ...(options.backend === undefined ? {} : { backend: options.backend }),
        }),
    };
    const mediaForm = await client.getMediaUploadForm(length);
    await transfer.upload(mediaForm, blob);
    uploadedBytes += length;
    mediaUploaded++;
    const keys = mediaTierKeys(rootKey, m.mediaName);
    batch.push({
      sourceAttachment: { cdn: mediaForm.cdn, key: mediaForm.key },
      objectLength: length,
      mediaId: keys.mediaId,
      hmacKey: keys.mediaEncryptionKey.hmacKey,
      encryptionKey: keys.mediaEncryptionKey.aesKey,
    });
    if (batch.length >= COPY_BATCH) await flush();
    progress({ phase: 'media', done: i + 1, total: plan.upload.length });
  }
  await flush();
  if (copyFailure !== undefined) throw copyFailure;

  // 5. Only now: the stale media.
  let mediaDeleted = 0;
  let mediaNotDeleted = 0;
  const toDelete = new Set(plan.delete.map((d) => d.mediaId));
  const stale = listing.objects.filter((o) => toDelete.has(toBase64(o.mediaId, true)));
  for (let i = 0; i < stale.length; i += DELETE_BATCH) {
    const part = stale.slice(i, i + DELETE_BATCH);
    try {
      await client.deleteMedia(part.map((o) => ({ cdn: o.cdn, mediaId: o.mediaId })));
      mediaDeleted += part.length;
    } catch (e) {
      // A server without a delete call (or refusing it) keeps the objects: reported, not fatal.
      if (!isBackupError(e) || !['SERVER_ERROR', 'NOT_FOUND', 'AUTH_FAILED'].includes(e.code)) throw e;
      mediaNotDeleted += stale.length - i;
      break;
    }
    progress({ phase: 'cleanup', done: Math.min(stale.length, i + DELETE_BATCH), total: stale.length });
  }

  return {
    backupId: toBase64(client.backupId('messages'), true),
    level,
    uploadedBytes,
    mediaUploaded,
    mediaCopied,
    mediaKept: plan.keep.length,
    mediaDeleted,
    mediaNotDeleted,
    mediaMissing,
    mediaSkipped: plan.skipped.length,
  };
}

/** Options of {@link hostedRestore}. */
export interface HostedRestoreOptions {
  /** The archive client; it may be made without the media root key (it is read from the backup). */
  client: ArchiveClient;
  /** The recovery key and ACI (and the forward-secrecy token of a modern backup). */
  key: RecoveryKeyInput;
  /** The base URL of CDN `cdn` (e.g. `https://cdn3.signal.org`). */
  cdnUrl: (cdn: number) => string;
  /** How bytes move; {@link defaultTransfer} when absent. */
  transfer?: HostedTransfer;
  /** Where the downloaded backup waits to be opened and read; {@link memorySpool} when absent. */
  spool?: () => HostedSpool;
  /** As `BackupReaderOptions`. */
  maxDecompressedBytes?: number;
  /** As `BackupReaderOptions`. */
  maxFrameBytes?: number;
  /** Crypto backend. */
  backend?: CryptoBackend;
}

/** A restored hosted backup: the opened backup and its media on demand. */
export interface HostedRestore {
  /** The opened backup (MAC verified). */
  reader: BackupReader;
  /** The encrypted file's size. */
  bytes: number;
  /** The encrypted file as downloaded (for a caller that wants the raw frames: `openBackup` in `sbackup/container`). */
  source: RereadableSource;
  /** Frees the downloaded file (the spool); the reader cannot be used after. */
  dispose(): Promise<void>;
  /** The server's backup info. */
  info: {
    /** The CDN holding the backup. */
    cdn: number;
    /** The backup directory (base64url backup id). */
    backupDir: string;
    /** The media directory under it. */
    mediaDir: string;
    /** The backup file's name. */
    backupName: string;
  };
  /**
   * One attachment's plaintext, fetched from the backup tier and checked (both MACs, size, plaintext hash).
   * @throws {BackupError} `NOT_FOUND` when the server does not hold it; the attachment's decryption errors.
   */
  readMedia(pointer: FilePointer): Promise<Uint8Array>;
  /** The media ids (base64url) the server holds. */
  storedMedia(): Promise<Set<string>>;
  /**
   * Every medium the backup references, once per media name, fetched and checked in turn (reads
   * the backup's frames again; memory grows with the distinct media, not with frames). A medium
   * the server lacks or that does not decrypt is yielded with its `error`; other failures throw.
   */
  allMedia(): AsyncGenerator<RestoredMedium>;
}

/** One medium of {@link HostedRestore.allMedia}. */
export interface RestoredMedium {
  /** The remote media name (`hex(plaintextHash || key)`). */
  readonly mediaName: string;
  /** The first FilePointer that names it. */
  readonly pointer: FilePointer;
  /** The checked plaintext, unless `error` says why there is none. */
  readonly plaintext?: Uint8Array;
  /** `NOT_FOUND` (the server lacks it) or the decryption's error. */
  readonly error?: BackupError;
}

/**
 * Restores from the hosted service. See the module comment.
 *
 * @throws {BackupError} `NOT_FOUND` when there is no backup; the client's and the CDN's errors;
 *   the reader's (`MAC_MISMATCH` for a wrong key or token, ...).
 */
export async function hostedRestore(options: HostedRestoreOptions): Promise<HostedRestore> {
  const { client, key } = options;
  const transfer = options.transfer ?? defaultTransfer();
  const info = await client.getBackupInfo();
  if (info.backupName === undefined || info.backupName === '') {
    throw new BackupError('NOT_FOUND', 'the server holds no message backup yet', { request: 'backup info' });
  }
  const backupName = info.backupName;
  const creds = await client.getCdnCredentials(info.cdn);
  const object = await transfer.read(cdnBackupUrl(options.cdnUrl(info.cdn), info.backupDir, backupName), creds.headers);
  const spool = (options.spool ?? memorySpool)();
  let file: RereadableSource;
  let reader: BackupReader;
  try {
    for await (const chunk of object.body) await spool.write(chunk);
    file = await spool.finish();
    reader = await BackupReader.open(file, {
      key,
      ...(options.maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes: options.maxDecompressedBytes }),
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
      ...(options.backend === undefined ? {} : { backend: options.backend }),
    });
  } catch (e) {
    await spool.dispose();
    throw e;
  }
  const rootKey = reader.backupInfo.mediaRootBackupKey;
  if (!(rootKey instanceof Uint8Array) || rootKey.length !== 32) {
    await spool.dispose();
    throw new BackupError('INVALID_BACKUP', 'the BackupInfo has no 32-byte mediaRootBackupKey');
  }
  // A client made without the media root key learns it from the backup (TypeError if it has another).
  try {
    client.setMediaRootKey(rootKey);
  } catch (e) {
    await spool.dispose();
    throw e;
  }

  let listing: Promise<Awaited<ReturnType<ArchiveClient['listAllMedia']>>> | undefined;
  const list = () => {
    listing ??= client.listAllMedia();
    return listing;
  };
  const mediaCreds = new Map<number, Promise<Readonly<Record<string, string>>>>();
  const headersFor = (cdn: number) => {
    let h = mediaCreds.get(cdn);
    if (h === undefined) {
      h = client.getCdnCredentials(cdn, 'media').then((c) => c.headers);
      mediaCreds.set(cdn, h);
    }
    return h;
  };

  const readerOptions = {
    key,
    ...(options.maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes: options.maxDecompressedBytes }),
    ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  };
  const source = file;
  const result: HostedRestore = {
    reader,
    bytes: sourceLength(file),
    source: file,
    dispose: async () => {
      await spool.dispose();
    },
    info: { cdn: info.cdn, backupDir: info.backupDir, mediaDir: info.mediaDir, backupName },
    async storedMedia() {
      return new Set((await list()).objects.map((o) => toBase64(o.mediaId, true)));
    },
    async readMedia(pointer) {
      const li = pointer?.locatorInfo;
      const k = li?.key;
      const hash = li?.plaintextHash;
      if (!(k instanceof Uint8Array) || k.length !== 64 || !(hash instanceof Uint8Array) || hash.length !== 32) {
        throw new BackupError('NOT_FOUND', 'the attachment has no backup-tier copy (no key or plaintext hash)');
      }
      const name = mediaNameOf(hash, k);
      const keys = mediaTierKeys(rootKey, name);
      const l = await list();
      const stored = l.objects.find((o) => toBase64(o.mediaId, true) === keys.mediaIdBase64Url);
      if (stored === undefined || l.backupDir === undefined || l.mediaDir === undefined) {
        throw new BackupError('NOT_FOUND', 'the server does not hold this medium', { request: 'list media' });
      }
      const url = cdnBackupUrl(options.cdnUrl(stored.cdn), l.backupDir, l.mediaDir, keys.mediaIdBase64Url);
      const obj = await transfer.read(url, await headersFor(stored.cdn));
      const outer = await readAllChunks(obj.body);
      const blob = await decryptFromMediaTier(
        outer,
        rootKey,
        name,
        options.backend ? { backend: options.backend } : {},
      );
      return decryptAttachment(blob, k, {
        size: Number(li?.size ?? 0),
        plaintextHash: hash,
        ...(options.backend === undefined ? {} : { backend: options.backend }),
      });
    },
    async *allMedia() {
      const again = await BackupReader.open(source, readerOptions);
      const pointers = new Map<string, FilePointer>();
      for await (const frame of again.frames()) {
        forEachFilePointer(frame, (p) => {
          const names = again.attachmentNames(p);
          if (names !== undefined && !pointers.has(names.mediaName)) pointers.set(names.mediaName, p);
        });
      }
      for (const [name, pointer] of pointers) {
        try {
          yield { mediaName: name, pointer, plaintext: await result.readMedia(pointer) };
        } catch (e) {
          // Missing or damaged media are reported one by one; a failing connection stops the restore.
          if (!isBackupError(e) || ['NETWORK', 'AUTH_FAILED', 'RATE_LIMITED'].includes(e.code)) throw e;
          yield { mediaName: name, pointer, error: e };
        }
      }
    },
  };
  return result;
}
