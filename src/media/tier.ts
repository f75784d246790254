/**
 * The backup media tier. An object there is the attachment's transit blob encrypted once more
 * (by the server, when it copies the blob from the transit tier): `IV || AES-256-CBC/PKCS7(blob)
 * || HMAC-SHA256(IV || ciphertext)`, keyed from the media root key and the object's media id
 * (HMAC key first, AES key second), with no bucket padding. Thumbnails exist only there: their
 * inner layer uses the thumbnail transit key, whose split the clients disagree on.
 */

import { defaultBackend } from '../backends/auto.js';
import type { CryptoBackend } from '../backends/types.js';
import { BackupError, isBackupError } from '../errors.js';
import { assertBytes, concatBytes } from '../internal/bytes.js';
import type { SplitKey } from '../keys/hierarchy.js';
import { randomBytes, type RandomSource } from '../random.js';
import { decryptAttachment, type EncryptedAttachment, encryptAttachment } from './attachment.js';
import { CbcHmacDecryptEngine, CbcHmacEncryptEngine, cbcHmacDecrypt, cbcHmacEncrypt } from './cbcHmac.js';
import { IV_LENGTH } from './constants.js';
import { mediaTierKeys, thumbnailMediaName } from './names.js';
import { type ByteSource, isRereadable, openSource, type RereadableSource } from './source.js';

/** Options for the media-tier outer layer. */
export interface MediaTierOptions {
  /** 16-byte IV for encryption; random by default (the server picks one). */
  iv?: Uint8Array;
  /** Randomness for the IV. */
  random?: RandomSource;
  /** Crypto backend (default `defaultBackend()`). */
  backend?: CryptoBackend;
}

function outerKey(mediaRootKey: Uint8Array, mediaName: string): SplitKey {
  return mediaTierKeys(mediaRootKey, mediaName).mediaEncryptionKey;
}

function ivOf(options: MediaTierOptions): Uint8Array {
  const iv = options.iv ?? randomBytes(IV_LENGTH, options.random);
  assertBytes(iv, 'iv', IV_LENGTH);
  return iv;
}

/**
 * Adds the media-tier outer layer to a transit blob, as the server does when it copies the blob
 * to the media tier under `mediaName`'s media id.
 *
 * @throws {TypeError | RangeError} when the blob, root key, media name or IV is malformed.
 */
export async function encryptForMediaTier(
  transitBlob: Uint8Array,
  mediaRootKey: Uint8Array,
  mediaName: string,
  options: MediaTierOptions = {},
): Promise<Uint8Array> {
  assertBytes(transitBlob, 'transitBlob');
  const { hmacKey, aesKey } = outerKey(mediaRootKey, mediaName);
  return cbcHmacEncrypt(transitBlob, aesKey, hmacKey, ivOf(options), options.backend ?? defaultBackend());
}

/**
 * Removes the media-tier outer layer, returning the transit blob (checked by its MAC first).
 *
 * @throws {BackupError} `TRUNCATED`, `MAC_MISMATCH` (wrong root key or media name, or damaged), `BAD_PADDING`.
 * @throws {TypeError | RangeError} when an argument is malformed.
 */
export async function decryptFromMediaTier(
  object: Uint8Array,
  mediaRootKey: Uint8Array,
  mediaName: string,
  options: Pick<MediaTierOptions, 'backend'> = {},
): Promise<Uint8Array> {
  assertBytes(object, 'object');
  const { hmacKey, aesKey } = outerKey(mediaRootKey, mediaName);
  return cbcHmacDecrypt(object, aesKey, hmacKey, options.backend ?? defaultBackend());
}

/**
 * Streams the outer layer onto a transit blob with bounded memory.
 *
 * @throws {TypeError | RangeError} when an argument is malformed.
 */
export async function* encryptForMediaTierStream(
  source: ByteSource | RereadableSource,
  mediaRootKey: Uint8Array,
  mediaName: string,
  options: MediaTierOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { hmacKey, aesKey } = outerKey(mediaRootKey, mediaName);
  const engine = new CbcHmacEncryptEngine(
    aesKey,
    hmacKey,
    ivOf(options),
    options.backend ?? defaultBackend(),
    () => {},
  );
  for await (const chunk of openSource(source)) {
    const out = await engine.push(chunk);
    if (out.length > 0) yield out;
  }
  yield await engine.end();
}

/**
 * Streams the outer layer off a media-tier object. A re-readable source is read twice (MAC
 * first, then decryption); a one-time stream needs `singlePass: true` and yields unverified
 * bytes (the error, if any, comes at the end).
 *
 * @throws {BackupError} `TRUNCATED`, `MAC_MISMATCH`, `BAD_PADDING`.
 * @throws {TypeError} for a one-time stream without `singlePass`, or a malformed argument.
 */
export async function* decryptFromMediaTierStream(
  source: ByteSource | RereadableSource,
  mediaRootKey: Uint8Array,
  mediaName: string,
  options: Pick<MediaTierOptions, 'backend'> & { singlePass?: boolean } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const { hmacKey, aesKey } = outerKey(mediaRootKey, mediaName);
  const backend = options.backend ?? defaultBackend();
  if (isRereadable(source)) {
    const check = new CbcHmacDecryptEngine(aesKey, hmacKey, backend, { decrypt: false });
    for await (const chunk of openSource(source)) check.push(chunk);
    await check.end();
  } else if (options.singlePass !== true) {
    throw new TypeError(
      '"source" is a one-time stream: pass bytes, a Blob or a function that opens the data again, or set singlePass',
    );
  }
  const engine = new CbcHmacDecryptEngine(aesKey, hmacKey, backend, { decrypt: true });
  for await (const chunk of openSource(source)) {
    const out = await engine.push(chunk);
    if (out.length > 0) yield out;
  }
  const last = await engine.end();
  if (last.length > 0) yield last;
}

/**
 * The 64-byte attachment key (AES key first, as attachment keys are split) that encrypts a
 * thumbnail's inner layer, from the thumbnail transit key of `mediaName + "_thumbnail"`.
 * `order: 'hmacFirst'` (default) reads the derived key as HMAC key then AES key, as libsignal
 * documents and Desktop and iOS do; `'aesFirst'` uses the 64 derived bytes as they are, as
 * Android does (docs/format.md §11; libsignal node/ts/AccountKeys.ts, Signal-Desktop
 * ts/services/backups/crypto.preload.ts).
 *
 * @param mediaName the full-size attachment's media name (without the suffix).
 * @throws {RangeError} when `mediaRootKey` is not 32 bytes. @throws {TypeError} when `mediaName` is not a string.
 */
export function thumbnailAttachmentKey(
  mediaRootKey: Uint8Array,
  mediaName: string,
  order: 'hmacFirst' | 'aesFirst' = 'hmacFirst',
): Uint8Array {
  const { hmacKey, aesKey } = mediaTierKeys(mediaRootKey, thumbnailMediaName(mediaName)).thumbnailTransitKey;
  return order === 'hmacFirst' ? concatBytes(aesKey, hmacKey) : concatBytes(hmacKey, aesKey);
}

/**
 * Encrypts a thumbnail's inner layer (the transit blob to upload, then copy to the media tier
 * under `thumbnailMediaName(mediaName)`), with the HMAC-first split of libsignal, Desktop and iOS.
 *
 * @param mediaName the full-size attachment's media name.
 * @throws {TypeError | RangeError} when an argument is malformed.
 */
export async function encryptThumbnail(
  thumbnail: Uint8Array,
  mediaRootKey: Uint8Array,
  mediaName: string,
  options: MediaTierOptions = {},
): Promise<EncryptedAttachment> {
  return encryptAttachment(thumbnail, thumbnailAttachmentKey(mediaRootKey, mediaName), {
    ...options,
    incrementalMac: false,
  });
}

/** Options of {@link decryptThumbnail}. */
export interface DecryptThumbnailOptions {
  /** The thumbnail's plaintext size when known; without it the zero padding is kept. */
  size?: number;
  /** Crypto backend (default `defaultBackend()`). */
  backend?: CryptoBackend;
}

/**
 * Decrypts a thumbnail's inner layer (after {@link decryptFromMediaTier}). Tries the HMAC-first
 * split, then Android's AES-first split when the MAC does not match.
 *
 * @param mediaName the full-size attachment's media name.
 * @throws {BackupError} `MAC_MISMATCH` when neither split matches; `TRUNCATED`, `BAD_PADDING`, `SIZE_MISMATCH`.
 * @throws {TypeError | RangeError} when an argument is malformed.
 */
export async function decryptThumbnail(
  transitBlob: Uint8Array,
  mediaRootKey: Uint8Array,
  mediaName: string,
  options: DecryptThumbnailOptions = {},
): Promise<Uint8Array> {
  assertBytes(transitBlob, 'transitBlob');
  const backend = options.backend ?? defaultBackend();
  const attempt = (key: Uint8Array) => {
    if (options.size !== undefined) return decryptAttachment(transitBlob, key, { size: options.size, backend });
    return cbcHmacDecrypt(transitBlob, key.subarray(0, 32), key.subarray(32), backend);
  };
  try {
    return await attempt(thumbnailAttachmentKey(mediaRootKey, mediaName, 'hmacFirst'));
  } catch (e) {
    if (!isBackupError(e, 'MAC_MISMATCH')) throw e;
  }
  try {
    return await attempt(thumbnailAttachmentKey(mediaRootKey, mediaName, 'aesFirst'));
  } catch (e) {
    if (isBackupError(e, 'MAC_MISMATCH')) {
      throw new BackupError(
        'MAC_MISMATCH',
        'thumbnail MAC check failed with both key orders: wrong key or damaged data',
      );
    }
    throw e;
  }
}
