/**
 * The fixed sizes and strings of Signal's attachment format, media tier and incremental MAC.
 * Each is a wire fact; sources are cited per constant (and docs/format.md §9, §11, §12).
 */

/** Attachment key length: AES-256 key then HMAC-SHA256 key (Desktop `ATTACHMENT_KEY_LENGTH`, Android `Util.split(key, 32, 32)`). */
export const ATTACHMENT_KEY_LENGTH = 64;
/** Each half of an attachment key (Desktop `splitKeys`). */
export const ATTACHMENT_KEY_HALF = 32;
/** IV length that starts every encrypted blob: one AES block (Desktop AttachmentCrypto `IV_LENGTH`). */
export const IV_LENGTH = 16;
/** HMAC-SHA256 tag appended to every encrypted blob, not truncated (Desktop `appendMacStream`). */
export const MAC_LENGTH = 32;
/** SHA-256 output length: plaintextHash and digest (FIPS 180-4). */
export const HASH_LENGTH = 32;
/** AES block size in bytes (FIPS 197); PKCS#7 adds 1..16 bytes of it. */
export const AES_BLOCK_SIZE = 16;

/** Smallest padded plaintext size (Desktop `logPadSize`: `Math.max(541, ...)`). */
export const MIN_PADDED_SIZE = 541;
/** Base of the padding buckets: sizes are rounded up to a power of 1.05 (Desktop `logPadSize`, Android `PaddingInputStream`). */
export const PADDING_BUCKET_BASE = 1.05;

/** Suffix of a thumbnail's media name (Desktop `getMediaNameForAttachmentThumbnail`, Android `forThumbnailFromMediaName`). */
export const THUMBNAIL_SUFFIX = '_thumbnail';

/** Size of one incremental-MAC entry: an HMAC-SHA256 tag (libsignal incremental_mac.rs, `Digest = Sha256`). */
export const INCREMENTAL_MAC_ENTRY_SIZE = 32;
/** Target number of chunks, 8 KiB of MACs / 32 bytes (libsignal incremental_mac.rs `calculate_chunk_size`). */
export const INCREMENTAL_MAC_TARGET_CHUNKS = 256;
/** Smallest chunk size the clients choose: 64 KiB (libsignal `calculate_chunk_size`). */
export const INCREMENTAL_MAC_MIN_CHUNK = 64 * 1024;
/** Largest chunk size the clients choose: 2 MiB (libsignal `calculate_chunk_size`). */
export const INCREMENTAL_MAC_MAX_CHUNK = 2 * 1024 * 1024;

/** Piece size used when streaming padding zeros and re-reading a Blob (a memory bound, not a wire fact). */
export const STREAM_PIECE = 64 * 1024;
