/**
 * The backup service's calls, as one interface that every wire protocol implements: REST over
 * the chat WebSocket (`RestArchiveApi`) and gRPC (`GrpcArchiveApi`, Node). The high-level client
 * (credentials cache, presentations, signatures, retries) is written once against this
 * interface; an app may also implement it over a connection of its own.
 *
 * Every method throws a `BackupError` on failure: `AUTH_FAILED`, `QUOTA_EXCEEDED`,
 * `RATE_LIMITED`, `NOT_FOUND`, `NETWORK` or `SERVER_ERROR`, with `details.status` and
 * `details.request`. No method retries; the caller decides.
 */

/** The proof an anonymous call carries: a fresh presentation and its XEdDSA signature. */
export interface SignedPresentation {
  /** A `BackupAuthCredentialPresentation`, serialized. */
  readonly presentation: Uint8Array;
  /** The backup-id key pair's XEdDSA signature over `presentation` (64 bytes). */
  readonly signature: Uint8Array;
}

/** One day's credential, as the server issued it (still to be received and verified). */
export interface IssuedCredential {
  /** The `BackupAuthCredentialResponse` bytes. */
  readonly credential: Uint8Array;
  /** The day it is valid for, in seconds since the epoch (day-aligned, UTC). */
  readonly redemptionTime: number;
}

/** The credentials the server issued for a range of days, per credential type. */
export interface IssuedCredentials {
  /** For the messages backup (the context made from the BackupKey). */
  readonly messages: readonly IssuedCredential[];
  /** For the media backup (the context made from the media root key). */
  readonly media: readonly IssuedCredential[];
}

/** Where and how to upload one object (TUS on the CDN). */
export interface UploadForm {
  /** The CDN number (3 for the backup CDN). */
  readonly cdn: number;
  /** The object's key on that CDN (used to copy media to the backup tier). */
  readonly key: string;
  /** Headers the upload must carry. */
  readonly headers: Readonly<Record<string, string>>;
  /** The TUS endpoint to create the upload at. */
  readonly signedUploadLocation: string;
}

/** Where the message backup lives. */
export interface BackupInfo {
  /** The CDN holding the backup (3 for the backup CDN). */
  readonly cdn: number;
  /** The backup's directory on that CDN (derived from the backup id). */
  readonly backupDir: string;
  /** The media directory's name inside `backupDir`. */
  readonly mediaDir: string;
  /** The backup file's name; absent when no backup was uploaded yet. */
  readonly backupName?: string;
  /** Bytes used by the backup and its media, when the server says. */
  readonly usedSpace?: number;
}

/** Headers for reading `/backups/...` on a CDN. */
export interface CdnCredentials {
  /** Headers to send with every read (e.g. `Authorization`). */
  readonly headers: Readonly<Record<string, string>>;
}

/** One media object stored in the backup tier. */
export interface StoredMediaObject {
  /** The CDN holding the object. */
  readonly cdn: number;
  /** The media id (15 bytes), as the server lists it. */
  readonly mediaId: Uint8Array;
  /** The stored (media-tier encrypted) object's length in bytes. */
  readonly objectLength: number;
}

/** One page of the media list. */
export interface MediaPage {
  /** The objects on this page. */
  readonly storedMediaObjects: readonly StoredMediaObject[];
  /** The backup's directory on the CDN. */
  readonly backupDir: string;
  /** The media directory's name inside `backupDir`. */
  readonly mediaDir: string;
  /** The cursor of the next page; absent on the last page. */
  readonly cursor?: string;
}

/** One transit-tier object to copy into the backup tier, with the media tier's outer keys. */
export interface CopyMediaItem {
  /** Where the transit-encrypted upload is: its CDN and key, from the media upload form. */
  readonly sourceAttachment: {
    /** The CDN the medium was uploaded to. */
    readonly cdn: number;
    /** The upload's key on that CDN. */
    readonly key: string;
  };
  /** The uploaded (transit-encrypted) object's length in bytes. */
  readonly objectLength: number;
  /** The media id (15 bytes). */
  readonly mediaId: Uint8Array;
  /** The media tier's outer HMAC key (32 bytes). */
  readonly hmacKey: Uint8Array;
  /** The media tier's outer AES key (32 bytes). */
  readonly encryptionKey: Uint8Array;
}

/** The outcome of copying one item. */
export interface CopyMediaResult {
  /** The item's media id (15 bytes). */
  readonly mediaId: Uint8Array;
  /** 200 when copied; otherwise the server's per-item status (400, 410 source gone, 413 quota). */
  readonly status: number;
  /** The CDN it was copied to, when it was. */
  readonly cdn?: number;
  /** The server's reason, when the copy failed and it gave one. */
  readonly failureReason?: string;
}

/** The media object to delete. */
export interface MediaToDelete {
  /** The CDN holding the object. */
  readonly cdn: number;
  /** The media id (15 bytes). */
  readonly mediaId: Uint8Array;
}

/** Calls made as the account (its login): set the backup id, fetch credentials. */
export interface ArchiveAccountApi {
  /** Registers the blinded backup ids (the two credential requests, messages then media). */
  setBackupId(requests: {
    readonly messagesBackupAuthCredentialRequest: Uint8Array;
    readonly mediaBackupAuthCredentialRequest: Uint8Array;
  }): Promise<void>;
  /** Credentials for the days from `startSeconds` to `endSeconds` (day-aligned). `NOT_FOUND` when no backup id is set. */
  getCredentials(startSeconds: number, endSeconds: number): Promise<IssuedCredentials>;
}

/** Anonymous calls: each carries a fresh {@link SignedPresentation} for its credential type. */
export interface ArchiveAnonymousApi {
  /** Stores the backup-id public key (33 bytes, 0x05 || X25519) for the presentation's backup id. */
  setPublicKey(auth: SignedPresentation, publicKey: Uint8Array): Promise<void>;
  /** Keeps the backup alive. */
  refresh(auth: SignedPresentation): Promise<void>;
  /** Where the message backup lives. `NOT_FOUND` when there is none. */
  getBackupInfo(auth: SignedPresentation): Promise<BackupInfo>;
  /** Headers to read `/backups/...` on CDN `cdn`. */
  getCdnCredentials(auth: SignedPresentation, cdn: number): Promise<CdnCredentials>;
  /** Where to upload the message backup file of `uploadLength` bytes. */
  getUploadForm(auth: SignedPresentation, uploadLength: number): Promise<UploadForm>;
  /** Where to upload one transit-encrypted medium of `uploadLength` bytes. */
  getMediaUploadForm(auth: SignedPresentation, uploadLength: number): Promise<UploadForm>;
  /** Copies uploaded media into the backup tier; one result per item, in order. */
  copyMedia(auth: SignedPresentation, items: readonly CopyMediaItem[]): Promise<CopyMediaResult[]>;
  /** One page of the stored media. */
  listMedia(
    auth: SignedPresentation,
    options: { readonly cursor?: string; readonly limit: number },
  ): Promise<MediaPage>;
  /** Deletes media from the backup tier. A server that cannot delete throws `SERVER_ERROR` with `details.status`. */
  deleteMedia(auth: SignedPresentation, items: readonly MediaToDelete[]): Promise<void>;
}

/** Both halves, as one connection to the service provides them. */
export interface ArchiveApi extends ArchiveAccountApi, ArchiveAnonymousApi {}
