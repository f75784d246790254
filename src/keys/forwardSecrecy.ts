/**
 * Forward secrecy for remote backups. Each backup is encrypted with a fresh 32-byte token; the
 * token is stored, encrypted, in the file's unencrypted metadata header as one or two "pairs"
 * (previous and new), each readable only with an `enc_salt` that Signal's SVR-B service releases
 * for the password derived from the pair's `pw_salt`.
 */

import { ctr } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { BackupError } from '../errors.js';
import type { BackupMetadata } from './metadata.js';
import { assertBytes, concatBytes, constantTimeEqual, utf8 } from '../internal/bytes.js';
import { randomBytes, type RandomSource } from '../random.js';
import {
  BACKUP_KEY_LENGTH,
  FORWARD_SECRECY_TOKEN_LENGTH,
  LABEL_FORWARD_SECRECY_ENCRYPTION_KEY,
  LABEL_FORWARD_SECRECY_PASSWORD,
  METADATA_IV_LENGTH,
  METADATA_MAX_PAIRS,
  SPLIT_KEY_HALF,
  TOKEN_PAIR_CT_LENGTH,
  TOKEN_PAIR_MAC_LENGTH,
  TOKEN_PAIR_SALT_LENGTH,
} from './constants.js';
import { hkdfSha256 } from './hkdf.js';

/** The key that encrypts a token pair: cipher key first, HMAC key second (the opposite of MessageBackupKey). */
export interface TokenEncryptionKey {
  /** 32-byte AES-256-CTR key. */
  readonly cipherKey: Uint8Array;
  /** 32-byte HMAC-SHA256 key (the MAC is truncated to 16 bytes). */
  readonly hmacKey: Uint8Array;
}

/** The two secrets behind one pair: what SVR-B stores (`encSalt`) and what derives its password (`pwSalt`). */
export interface PairSecrets {
  /** 32-byte salt of the token-encryption key (the secret SVR-B releases). */
  readonly encSalt: Uint8Array;
  /** 32-byte salt of the SVR-B password. */
  readonly pwSalt: Uint8Array;
}

/**
 * The 32-byte password given to SVR-B for a pair: HKDF(backupKey, salt = pwSalt, "Signal Message Backup 20250627:SVR PIN").
 *
 * @throws {RangeError} when `backupKey` or `pwSalt` is not 32 bytes.
 */
export function deriveForwardSecrecyPassword(backupKey: Uint8Array, pwSalt: Uint8Array): Uint8Array {
  assertBytes(backupKey, 'backupKey', BACKUP_KEY_LENGTH);
  assertBytes(pwSalt, 'pwSalt', TOKEN_PAIR_SALT_LENGTH);
  return hkdfSha256(backupKey, pwSalt, utf8(LABEL_FORWARD_SECRECY_PASSWORD), 32);
}

/**
 * The token-encryption key of a pair: HKDF(backupKey, salt = encSalt, "...BackupForwardSecrecyToken Encryption Key", 64),
 * split cipher key first, HMAC key second.
 *
 * @throws {RangeError} when `backupKey` or `encSalt` is not 32 bytes.
 */
export function deriveForwardSecrecyEncryptionKey(backupKey: Uint8Array, encSalt: Uint8Array): TokenEncryptionKey {
  assertBytes(backupKey, 'backupKey', BACKUP_KEY_LENGTH);
  assertBytes(encSalt, 'encSalt', TOKEN_PAIR_SALT_LENGTH);
  const data = hkdfSha256(backupKey, encSalt, utf8(LABEL_FORWARD_SECRECY_ENCRYPTION_KEY), 2 * SPLIT_KEY_HALF);
  return { cipherKey: data.slice(0, SPLIT_KEY_HALF), hmacKey: data.slice(SPLIT_KEY_HALF) };
}

/** AES-256-CTR with a 12-byte nonce and a 32-bit big-endian block counter starting at 0. */
function ctr32(cipherKey: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  // The token is 2 blocks, so a 128-bit counter (noble) and libsignal's 32-bit one agree.
  return ctr(cipherKey, concatBytes(iv, new Uint8Array(4))).encrypt(data);
}

function truncatedMac(hmacKey: Uint8Array, iv: Uint8Array, ctext: Uint8Array): Uint8Array {
  return hmac(sha256, hmacKey, concatBytes(iv, ctext)).subarray(0, TOKEN_PAIR_MAC_LENGTH);
}

/**
 * Encrypts a forward-secrecy token for one pair: `AES-256-CTR(token) || HMAC-SHA256(iv || ctext)[0..16]`.
 *
 * @returns the 48-byte `ct` of the pair.
 * @throws {RangeError} on a wrong-length key, salt, token or iv.
 */
export function encryptForwardSecrecyToken(
  backupKey: Uint8Array,
  encSalt: Uint8Array,
  iv: Uint8Array,
  token: Uint8Array,
): Uint8Array {
  assertBytes(token, 'token', FORWARD_SECRECY_TOKEN_LENGTH);
  assertBytes(iv, 'iv', METADATA_IV_LENGTH);
  const { cipherKey, hmacKey } = deriveForwardSecrecyEncryptionKey(backupKey, encSalt);
  const ctext = ctr32(cipherKey, iv, token);
  return concatBytes(ctext, truncatedMac(hmacKey, iv, ctext));
}

/**
 * Decrypts a pair's `ct` back into the forward-secrecy token, checking its MAC first.
 *
 * @throws {BackupError} `TOKEN_DECRYPT_FAILED` when the MAC does not verify (wrong recovery key, wrong enc_salt, or damaged header).
 * @throws {RangeError} on a wrong-length key, salt, iv or ct.
 */
export function decryptForwardSecrecyToken(
  backupKey: Uint8Array,
  encSalt: Uint8Array,
  iv: Uint8Array,
  ct: Uint8Array,
): Uint8Array {
  assertBytes(ct, 'ct', TOKEN_PAIR_CT_LENGTH);
  assertBytes(iv, 'iv', METADATA_IV_LENGTH);
  const { cipherKey, hmacKey } = deriveForwardSecrecyEncryptionKey(backupKey, encSalt);
  const ctext = ct.subarray(0, FORWARD_SECRECY_TOKEN_LENGTH);
  if (!constantTimeEqual(truncatedMac(hmacKey, iv, ctext), ct.subarray(FORWARD_SECRECY_TOKEN_LENGTH))) {
    throw new BackupError(
      'TOKEN_DECRYPT_FAILED',
      'forward-secrecy token: MAC does not verify (wrong recovery key, wrong salt, or damaged metadata)',
    );
  }
  return ctr32(cipherKey, iv, ctext);
}

/** Options of {@link createBackupMetadata}. */
export interface CreateMetadataOptions {
  /** 12-byte nonce; random when absent. */
  iv?: Uint8Array;
  /** Random source for the nonce. */
  random?: RandomSource;
}

/**
 * Builds the metadata header for a backup encrypted with `token`: one pair per entry of `pairs`
 * (Signal's apps write the previous pair first, then the new one), all under one nonce.
 *
 * @throws {RangeError} unless there are 1 or 2 pairs and every length is right.
 */
export function createBackupMetadata(
  backupKey: Uint8Array,
  token: Uint8Array,
  pairs: readonly PairSecrets[],
  options: CreateMetadataOptions = {},
): BackupMetadata {
  if (!Array.isArray(pairs) || pairs.length < 1 || pairs.length > METADATA_MAX_PAIRS) {
    throw new RangeError(
      `"pairs" expected 1 or ${METADATA_MAX_PAIRS} pairs, got ${Array.isArray(pairs) ? pairs.length : typeof pairs}`,
    );
  }
  const iv = options.iv ?? randomBytes(METADATA_IV_LENGTH, options.random);
  return {
    iv,
    pairs: pairs.map((p, i) => {
      assertBytes(p.pwSalt, `pairs[${i}].pwSalt`, TOKEN_PAIR_SALT_LENGTH);
      return { ct: encryptForwardSecrecyToken(backupKey, p.encSalt, iv, token), pwSalt: p.pwSalt };
    }),
  };
}

/**
 * Tries each pair of `metadata` with `encSalt` and returns the token from the first whose MAC verifies.
 *
 * @throws {BackupError} `TOKEN_DECRYPT_FAILED` when no pair opens.
 */
export function recoverForwardSecrecyToken(
  backupKey: Uint8Array,
  metadata: BackupMetadata,
  encSalt: Uint8Array,
): Uint8Array {
  for (const pair of metadata.pairs) {
    try {
      return decryptForwardSecrecyToken(backupKey, encSalt, metadata.iv, pair.ct);
    } catch (e) {
      if (!(e instanceof BackupError)) throw e;
    }
  }
  throw new BackupError('TOKEN_DECRYPT_FAILED', 'forward-secrecy token: no metadata pair opens with this key and salt');
}
