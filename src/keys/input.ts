/**
 * The one way a caller names the key of a backup, accepted by every call that encrypts or reads
 * one (`key` in its options): either the secrets a person has (the recovery key and the ACI,
 * plus the forward-secrecy token of a modern remote backup), or a MessageBackupKey derived
 * beforehand (docs/format.md §2).
 */

import { assertBytes } from '../internal/bytes.js';
import { FORWARD_SECRECY_TOKEN_LENGTH, SPLIT_KEY_HALF } from './constants.js';
import { normalizeRecoveryKey } from './recoveryKey.js';
import { type Aci, deriveBackupId, deriveBackupKey, deriveMessageBackupKey, type SplitKey } from './hierarchy.js';

/** The secrets a person has: the recovery key and the ACI (and, for modern remote backups, the token). */
export interface RecoveryKeyInput {
  /** The account's recovery key (account entropy pool): 64 characters, or as Signal displays it. */
  recoveryKey: string;
  /**
   * The account's ACI, as a UUID string or its 16 bytes: it derives the backup id. Needed to
   * write a backup and to read a remote one; a local backup folder is read without it (the
   * backup id is in each snapshot's `metadata`), and then a given ACI is a cross-check.
   */
  aci?: Aci;
  /**
   * The 32-byte forward-secrecy token of a modern remote backup (from SVR-B). With it, the
   * forward-secrecy MessageBackupKey is derived; without it, the legacy one.
   */
  forwardSecrecyToken?: Uint8Array;
}

/** A MessageBackupKey (`deriveMessageBackupKey`): the HMAC key and the AES key, 32 bytes each. */
export type MessageBackupKey = SplitKey;

/** The key of a backup: a {@link RecoveryKeyInput}, or a {@link MessageBackupKey} derived beforehand. */
export type BackupKeyInput = RecoveryKeyInput | MessageBackupKey;

/** True when `key` names the recovery key (rather than a derived MessageBackupKey). */
export function isRecoveryKeyInput(key: BackupKeyInput): key is RecoveryKeyInput {
  return typeof key === 'object' && key !== null && 'recoveryKey' in key;
}

/**
 * The MessageBackupKey a {@link BackupKeyInput} names (derived when it is a recovery key).
 *
 * @throws {BackupError} `INVALID_RECOVERY_KEY`.
 * @throws {TypeError | RangeError} for a malformed key, ACI or token.
 */
export function resolveMessageBackupKey(key: BackupKeyInput): MessageBackupKey {
  if (typeof key !== 'object' || key === null) throw new TypeError('"key" expected an object');
  if (isRecoveryKeyInput(key)) {
    if (key.forwardSecrecyToken !== undefined) {
      assertBytes(key.forwardSecrecyToken, 'key.forwardSecrecyToken', FORWARD_SECRECY_TOKEN_LENGTH);
    }
    if (key.aci === undefined) {
      throw new TypeError(
        '"key.aci" is needed: the key of a backup file derives from the backup id, which the ACI gives',
      );
    }
    const backupKey = deriveBackupKey(normalizeRecoveryKey(key.recoveryKey));
    return deriveMessageBackupKey(backupKey, deriveBackupId(backupKey, key.aci), key.forwardSecrecyToken);
  }
  assertBytes(key.hmacKey, 'key.hmacKey', SPLIT_KEY_HALF);
  assertBytes(key.aesKey, 'key.aesKey', SPLIT_KEY_HALF);
  return key;
}
