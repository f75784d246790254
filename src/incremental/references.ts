/**
 * Which media a backup references: every FilePointer in its frames (message attachments,
 * quotes, link previews, stickers, contact avatars, wallpapers, ...), found by walking the decoded
 * frames rather than by listing the schema's paths, so new places are covered too.
 */

import { type BackupInfo, decodeBackupInfo, decodeFrame, type Frame } from '../frames/codec.js';
import type { FilePointer } from '../frames/schema.js';
import { toHex } from '../internal/bytes.js';
import { mediaName, thumbnailMediaName } from '../media/names.js';
import type { MediaReference } from './plan.js';

/** Length of a plaintext hash (SHA-256). */
const HASH_LENGTH = 32;
/** Length of an attachment key and of a local key (AES key ‖ HMAC key). */
const KEY_LENGTH = 64;
/** Thumbnails are at most 8 KiB (Desktop `MAX_BACKUP_THUMBNAIL_SIZE`): the planner's size estimate. */
export const THUMBNAIL_SIZE_ESTIMATE = 8 * 1024;
/** Content types the clients make media-tier thumbnails for (Desktop: images and videos it can render). */
const THUMBNAIL_TYPES = /^(image\/(jpeg|png|gif|webp|heic|heif|avif|bmp)|video\/)/i;

/** One FilePointer with what locating its medium needs. */
export interface MediaLocator {
  /** Plaintext size (LocatorInfo.size). */
  readonly size: number;
  /** LocatorInfo.plaintextHash (32 bytes), when set. */
  readonly plaintextHash?: Uint8Array;
  /** LocatorInfo.key (64 bytes), when set. */
  readonly key?: Uint8Array;
  /** LocatorInfo.localKey, when set (the medium is in a local backup). */
  readonly localKey?: Uint8Array;
  /** FilePointer.contentType. */
  readonly contentType?: string;
  /** Date of the message that carries it, else the backup's time (ms). */
  readonly sentAtMs: number;
  /** 0 for the BackupInfo, then the frame's index. */
  readonly frameIndex: number;
}

const isBytes = (x: unknown, n: number): x is Uint8Array => x instanceof Uint8Array && x.length === n;

function toNumber(x: unknown): number {
  if (typeof x === 'bigint') return Number(x);
  return typeof x === 'number' ? x : 0;
}

/**
 * Calls `visit` for every FilePointer inside `message` (a decoded Frame, ChatItem or any part of
 * one): every object with a `locatorInfo`, depth first. Unknown-field bytes are not walked.
 */
export function forEachFilePointer(message: unknown, visit: (pointer: FilePointer) => void): void {
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
    if (Array.isArray(value)) {
      for (const v of value) walk(v);
      return;
    }
    const obj = value as Record<string, unknown>;
    if (Object.hasOwn(obj, 'locatorInfo')) {
      visit(obj as FilePointer);
      return;
    }
    for (const key of Object.keys(obj)) if (key !== '$unknowns') walk(obj[key]);
  };
  walk(message);
}

/**
 * The media locators of one decoded frame. `fallbackTimeMs` dates pointers outside chat items
 * (wallpapers, avatars): the backup's time.
 */
export function frameMediaLocators(frame: Frame, frameIndex: number, fallbackTimeMs: number): MediaLocator[] {
  const out: MediaLocator[] = [];
  const sent = frame.chatItem?.dateSent;
  const sentAtMs = sent === undefined || sent === null ? fallbackTimeMs : toNumber(sent);
  forEachFilePointer(frame, (pointer) => {
    const li = pointer.locatorInfo;
    if (li === null || li === undefined) return;
    const locator: {
      -readonly [K in keyof MediaLocator]: MediaLocator[K];
    } = { size: toNumber(li.size), sentAtMs, frameIndex };
    if (isBytes(li.plaintextHash, HASH_LENGTH)) locator.plaintextHash = li.plaintextHash;
    if (isBytes(li.key, KEY_LENGTH)) locator.key = li.key;
    if (li.localKey instanceof Uint8Array && li.localKey.length > 0) locator.localKey = li.localKey;
    if (typeof pointer.contentType === 'string' && pointer.contentType !== '')
      locator.contentType = pointer.contentType;
    out.push(locator);
  });
  return out;
}

/** Decodes a BackupInfo record and returns it with its backup time in ms. */
export function backupInfoTime(bytes: Uint8Array): { info: BackupInfo; timeMs: number } {
  const info = decodeBackupInfo(bytes);
  return { info, timeMs: toNumber(info.backupTimeMs) };
}

/** True when the clients make a media-tier thumbnail for this content type. */
export function hasMediaTierThumbnail(contentType: string | undefined): boolean {
  return contentType !== undefined && THUMBNAIL_TYPES.test(contentType);
}

/** The planner's size estimate of a thumbnail of a `size`-byte medium: at most 8 KiB. */
export function thumbnailSizeEstimate(size: number): number {
  return Math.min(size, THUMBNAIL_SIZE_ESTIMATE);
}

/**
 * The planner's input for the media tier from a backup's locators: one reference per medium
 * with a plaintext hash and key, plus its thumbnail for images and videos. `mediaId` is left
 * unset (the caller derives it from the media root key when it plans against a listing).
 */
export function mediaTierReferences(locators: Iterable<MediaLocator>): MediaReference[] {
  const refs: MediaReference[] = [];
  for (const l of locators) {
    if (l.plaintextHash === undefined || l.key === undefined) continue;
    const name = mediaName(l.plaintextHash, l.key);
    const contentType = l.contentType ?? '';
    refs.push({ mediaName: name, size: l.size, sentAtMs: l.sentAtMs, thumbnail: false, contentType });
    if (hasMediaTierThumbnail(contentType)) {
      refs.push({
        mediaName: thumbnailMediaName(name),
        size: thumbnailSizeEstimate(l.size),
        sentAtMs: l.sentAtMs,
        thumbnail: true,
        contentType: 'image/jpeg',
      });
    }
  }
  return refs;
}

/** Decodes one frame's bytes and returns its locators (used by the folder code and the CLI). */
export function locatorsOfFrameBytes(bytes: Uint8Array, frameIndex: number, fallbackTimeMs: number): MediaLocator[] {
  return frameMediaLocators(decodeFrame(bytes), frameIndex, fallbackTimeMs);
}

/** `LocatorInfo.localKey` is field 9, length-delimited: tag byte `9 << 3 | 2` (backup.proto). */
const LOCAL_KEY_TAG = 0x4a;

/**
 * True unless the frame certainly holds no 64-byte `localKey`: such a key is encoded as the bytes
 * `0x4a 0x40` (tag, then length 64), so a frame without that pair has no local medium. A
 * pre-filter that saves decoding the (many) frames of plain text messages.
 */
export function mayHoldLocalKey(bytes: Uint8Array): boolean {
  for (
    let i = bytes.indexOf(LOCAL_KEY_TAG);
    i !== -1 && i + 1 < bytes.length;
    i = bytes.indexOf(LOCAL_KEY_TAG, i + 1)
  ) {
    if (bytes[i + 1] === KEY_LENGTH) return true;
  }
  return false;
}

/**
 * The locators of one frame's bytes that point into a local backup (plaintextHash and a 64-byte
 * localKey); frames that cannot hold one are not decoded.
 */
export function localLocatorsOfFrameBytes(
  bytes: Uint8Array,
  frameIndex: number,
  fallbackTimeMs: number,
): MediaLocator[] {
  if (!mayHoldLocalKey(bytes)) return [];
  return locatorsOfFrameBytes(bytes, frameIndex, fallbackTimeMs).filter(
    (l) => l.plaintextHash !== undefined && l.localKey?.length === KEY_LENGTH,
  );
}

/** Lowercase hex of a plaintext hash (how restored media files are named). */
export function plaintextHashHex(hash: Uint8Array): string {
  return toHex(hash);
}
