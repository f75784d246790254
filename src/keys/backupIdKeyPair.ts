/**
 * The backup-id key pair, which signs the backup-auth credential presentations of hosted backups
 * (format §2). In a module of its own because it needs X25519 (@noble/curves), which the other
 * derivations do not: a program that only derives keys does not load the curve code.
 */

import { x25519 } from '@noble/curves/ed25519.js';
import { assertBytes, concatBytes, utf8 } from '../internal/bytes.js';
import { BACKUP_KEY_LENGTH, DJB_KEY_TYPE, LABEL_BACKUP_ID_KEYPAIR } from './constants.js';
import { type Aci, aciBytes } from './hierarchy.js';
import { hkdfSha256 } from './hkdf.js';

/** The backup-id key pair (Curve25519, as libsignal serializes it). */
export interface BackupIdKeyPair {
  /** 32-byte clamped X25519 private key. */
  readonly privateKey: Uint8Array;
  /** 33-byte public key: `0x05` then the X25519 u-coordinate. */
  readonly publicKey: Uint8Array;
}

/**
 * The backup-id key pair (used to sign backup-auth credential presentations):
 * HKDF(backupKey, no salt, "20241024_SIGNAL_BACKUP_ID_KEYPAIR:" || ACI), clamped as an X25519 key.
 *
 * @throws {RangeError} when `backupKey` is not 32 bytes or `aci` not 16 bytes.
 * @throws {TypeError} when `aci` is not a UUID string or bytes.
 */
export function deriveBackupIdKeyPair(backupKey: Uint8Array, aci: Aci): BackupIdKeyPair {
  assertBytes(backupKey, 'backupKey', BACKUP_KEY_LENGTH);
  const privateKey = hkdfSha256(backupKey, undefined, concatBytes(utf8(LABEL_BACKUP_ID_KEYPAIR), aciBytes(aci)), 32);
  // X25519 clamping (RFC 7748 section 5), as libsignal stores the private key.
  privateKey[0]! &= 248;
  privateKey[31]! &= 127;
  privateKey[31]! |= 64;
  const publicKey = concatBytes(Uint8Array.of(DJB_KEY_TYPE), x25519.getPublicKey(privateKey));
  return { privateKey, publicKey };
}
