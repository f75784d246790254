/**
 * The media a backup references: every FilePointer in a frame, turned into the planner's
 * `MediaReference` (src/incremental/plan.ts) with the names each store uses: the media id on the
 * media tier, the file name in a local backup folder (signal-clients-behaviour.md §2.1-2.2, §4.4).
 */

import type { FilePointer } from '../frames/schema.js';
import type { MediaReference, StoreLayout } from '../incremental/plan.js';
import { forEachFilePointer, hasMediaTierThumbnail, thumbnailSizeEstimate } from '../incremental/references.js';
import { deriveMediaId } from '../keys/hierarchy.js';
import { localBackupFileName, mediaIdToBase64Url, mediaName, thumbnailMediaName } from '../media/names.js';

/** Attachment keys are 64 bytes (AES key then HMAC key; clients §1). */
const ATTACHMENT_KEY_LENGTH = 64;
/** plaintextHash is a SHA-256 (clients §1). */
const PLAINTEXT_HASH_LENGTH = 32;

/** One medium a backup references, with what every store needs to find it. */
export interface BackupMedia extends MediaReference {
  /** The media id (15 bytes) as unpadded base64url, derived from the backup's media root key. */
  readonly mediaIdBase64Url: string;
  /** The local backup file name `hex(SHA-256(plaintextHash || localKey))`, when the pointer has a localKey. */
  readonly localName?: string;
  /** The pointer's keys and hash (the planner ignores them; uploaders need them). */
  readonly key: Uint8Array;
  /** The 32-byte SHA-256 of the plaintext (LocatorInfo.plaintextHash). */
  readonly plaintextHash: Uint8Array;
  /** The key of the local-backup copy (LocatorInfo.localKey), when the pointer has one. */
  readonly localKey?: Uint8Array;
}

/**
 * Collects the media of a backup, one entry per media name (repeats keep the newest date, as
 * Desktop reuses the first pointer of a repeated media name). Memory grows with distinct media,
 * not with frames.
 */
export class MediaCollector {
  readonly #rootKey: Uint8Array;
  readonly #layout: StoreLayout;
  readonly #thumbnails: boolean;
  readonly #byName = new Map<string, BackupMedia>();

  /**
   * @param mediaRootKey BackupInfo.mediaRootBackupKey (32 bytes).
   * @param layout which store names `mediaId`: the media tier (base64url media id) or a local
   *   folder (local file name; pointers without a localKey are then marked excluded).
   * @param thumbnails also list a media-tier thumbnail for each image and video (paid tier).
   */
  constructor(mediaRootKey: Uint8Array, layout: StoreLayout, thumbnails: boolean) {
    this.#rootKey = mediaRootKey;
    this.#layout = layout;
    this.#thumbnails = thumbnails && layout === 'media-tier';
  }

  /** Adds every FilePointer of `frameItem`; `sentAtMs` dates them; `excluded` marks media the backup leaves out. */
  add(frameItem: unknown, sentAtMs: number, excluded = false): void {
    forEachFilePointer(frameItem, (pointer) => this.#addPointer(pointer, sentAtMs, excluded));
  }

  #addPointer(pointer: FilePointer, sentAtMs: number, excluded: boolean): void {
    const li = pointer.locatorInfo;
    const key = li?.key;
    const hash = li?.plaintextHash;
    if (!(key instanceof Uint8Array) || key.length !== ATTACHMENT_KEY_LENGTH) return;
    if (!(hash instanceof Uint8Array) || hash.length !== PLAINTEXT_HASH_LENGTH) return;
    const name = mediaName(hash, key);
    const contentType = typeof pointer.contentType === 'string' ? pointer.contentType : undefined;
    const size = Number(li?.size ?? 0);
    this.#put(name, sentAtMs, excluded, () => {
      const localKey = li?.localKey instanceof Uint8Array && li.localKey.length > 0 ? li.localKey : undefined;
      const localName = localKey === undefined ? undefined : localBackupFileName(hash, localKey);
      const mediaIdBase64Url = mediaIdToBase64Url(deriveMediaId(this.#rootKey, name));
      const local = this.#layout === 'local';
      return {
        mediaName: name,
        mediaId: local ? (localName ?? name) : mediaIdBase64Url,
        mediaIdBase64Url,
        size,
        sentAtMs,
        thumbnail: false,
        ...(contentType === undefined ? {} : { contentType }),
        excluded: excluded || (local && localName === undefined),
        key,
        plaintextHash: hash,
        ...(localKey === undefined ? {} : { localKey, localName }),
      };
    });
    if (this.#thumbnails && hasMediaTierThumbnail(contentType)) {
      const thumbName = thumbnailMediaName(name);
      const thumbId = mediaIdToBase64Url(deriveMediaId(this.#rootKey, thumbName));
      this.#put(thumbName, sentAtMs, excluded, () => ({
        mediaName: thumbName,
        mediaId: thumbId,
        mediaIdBase64Url: thumbId,
        size: thumbnailSizeEstimate(size),
        sentAtMs,
        thumbnail: true,
        excluded,
        key,
        plaintextHash: hash,
      }));
    }
  }

  #put(name: string, sentAtMs: number, excluded: boolean, make: () => BackupMedia): void {
    const old = this.#byName.get(name);
    if (old === undefined) {
      this.#byName.set(name, make());
      return;
    }
    // One medium: the newest date; excluded only if every reference is.
    this.#byName.set(name, {
      ...old,
      sentAtMs: Math.max(old.sentAtMs, sentAtMs),
      excluded: old.excluded === true && excluded,
    });
  }

  /** The media collected so far, in first-seen order. */
  list(): BackupMedia[] {
    return [...this.#byName.values()];
  }
}
