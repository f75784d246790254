/**
 * The fixed strings and sizes of Signal's backup key hierarchy. Each is a wire fact: change one
 * byte and no backup made by Signal's apps opens. Sources are cited per constant
 * (signalapp/libsignal paths at commit b056faa6, libsignal 0.101.0; see docs/format.md).
 */

/** Recovery-key length in characters (rust/account-keys/src/lib.rs). */
export const RECOVERY_KEY_LENGTH = 64;
/** Recovery-key alphabet: digits then lowercase letters (rust/account-keys/src/lib.rs). */
export const RECOVERY_KEY_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** HKDF info for the SVR master key from the recovery key (rust/account-keys/src/lib.rs). */
export const LABEL_SVR_KEY = '20240801_SIGNAL_SVR_MASTER_KEY';
/** HKDF info for the BackupKey from the recovery key (rust/account-keys/src/lib.rs). */
export const LABEL_BACKUP_KEY = '20240801_SIGNAL_BACKUP_KEY';
/** HKDF info prefix for the BackupId; the ACI's 16 bytes follow (rust/account-keys/src/backup.rs). */
export const LABEL_BACKUP_ID = '20241024_SIGNAL_BACKUP_ID:';
/** HKDF info prefix for the backup-id EC key pair; the ACI's 16 bytes follow (backup.rs). */
export const LABEL_BACKUP_ID_KEYPAIR = '20241024_SIGNAL_BACKUP_ID_KEYPAIR:';
/** HKDF info for the local backup metadata key (backup.rs). */
export const LABEL_LOCAL_METADATA_KEY = '20241011_SIGNAL_LOCAL_BACKUP_METADATA_KEY';
/** HKDF info prefix for a media id; the media name's UTF-8 follows (backup.rs). */
export const LABEL_MEDIA_ID = '20241007_SIGNAL_BACKUP_MEDIA_ID:';
/** HKDF info prefix for media encryption key data; the 15-byte media id follows (backup.rs). */
export const LABEL_MEDIA_ENCRYPTION_KEY = '20241007_SIGNAL_BACKUP_ENCRYPT_MEDIA:';
/** HKDF info prefix for thumbnail transit key data; the 15-byte media id follows (backup.rs). */
export const LABEL_THUMBNAIL_TRANSIT_KEY = '20241030_SIGNAL_BACKUP_ENCRYPT_THUMBNAIL:';
/** HKDF info prefix for the legacy MessageBackupKey; BackupId follows (rust/message-backup/src/key.rs). */
export const LABEL_MESSAGE_BACKUP_KEY_LEGACY = '20241007_SIGNAL_BACKUP_ENCRYPT_MESSAGE_BACKUP:';
/** HKDF info prefix for the forward-secrecy MessageBackupKey; BackupId follows, token is the salt (key.rs). */
export const LABEL_MESSAGE_BACKUP_KEY_FORWARD_SECRECY = '20250708_SIGNAL_BACKUP_ENCRYPT_MESSAGE_BACKUP:';
/** HKDF info for the SVR-B password, salted with pw_salt (rust/account-keys/src/backup.rs). */
export const LABEL_FORWARD_SECRECY_PASSWORD = 'Signal Message Backup 20250627:SVR PIN';
/** HKDF info for the token-pair encryption key, salted with enc_salt (backup.rs). */
export const LABEL_FORWARD_SECRECY_ENCRYPTION_KEY =
  'Signal Message Backup 20250627:BackupForwardSecrecyToken Encryption Key';

/** BackupKey and media root key length (backup.rs `BACKUP_KEY_LEN`). */
export const BACKUP_KEY_LENGTH = 32;
/** BackupId length (backup.rs). */
export const BACKUP_ID_LENGTH = 16;
/** ACI length in its binary service-id form (16 raw UUID bytes, no kind prefix; rust/core/src/address.rs). */
export const ACI_LENGTH = 16;
/** Media id length (backup.rs `MEDIA_ID_LEN`). */
export const MEDIA_ID_LENGTH = 15;
/** Forward-secrecy token length (backup.rs `BackupForwardSecrecyToken`). */
export const FORWARD_SECRECY_TOKEN_LENGTH = 32;
/** Each half of a 64-byte split key (HMAC key, AES-256 key). */
export const SPLIT_KEY_HALF = 32;
/** A libsignal public key serialization: type byte 0x05 (Curve25519) then the u-coordinate (rust/core/src/curve.rs). */
export const DJB_KEY_TYPE = 0x05;

/** Length of each token-pair ciphertext: 32-byte token + 16-byte truncated MAC (rust/net/src/svrb.rs). */
export const TOKEN_PAIR_CT_LENGTH = 48;
/** Truncated HMAC length in a token-pair ciphertext (svrb.rs). */
export const TOKEN_PAIR_MAC_LENGTH = 16;
/** Salt length of a token pair (both pw_salt and enc_salt; svrb.rs). */
export const TOKEN_PAIR_SALT_LENGTH = 32;
/** IV shared by the token pairs of one metadata header: a 12-byte AES-CTR nonce (svrb.rs, Aes256Ctr32). */
export const METADATA_IV_LENGTH = 12;
/** At most this many token pairs in a metadata header (rust/message-backup/src/frame.rs). */
export const METADATA_MAX_PAIRS = 2;
