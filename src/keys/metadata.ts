/**
 * The forward-secrecy metadata header of a modern backup file (`MetadataPb`, docs/format.md §3):
 * its types and its protobuf codec. In a module of its own, without the token cryptography
 * (AES-CTR, HMAC) of forwardSecrecy.ts: reading a file's header needs only this.
 */

import { BackupError } from '../errors.js';
import { assertBytes, concatBytes } from '../internal/bytes.js';
import { encodeBytesField, readFields } from '../internal/wire.js';
import { METADATA_IV_LENGTH, METADATA_MAX_PAIRS, TOKEN_PAIR_CT_LENGTH, TOKEN_PAIR_SALT_LENGTH } from './constants.js';

/** One pair of the metadata header, as stored in the file. */
export interface MetadataPair {
  /** 48 bytes: the token encrypted with AES-256-CTR (32 bytes), then a 16-byte truncated HMAC. */
  readonly ct: Uint8Array;
  /** 32-byte salt of the SVR-B password for this pair. */
  readonly pwSalt: Uint8Array;
}

/** The unencrypted metadata header of a modern backup file (`MetadataPb`). */
export interface BackupMetadata {
  /** One pair (first backup) or two (previous, then new). */
  readonly pairs: readonly MetadataPair[];
  /** 12-byte AES-CTR nonce shared by every pair's `ct`. */
  readonly iv: Uint8Array;
}

/** Serializes metadata as a `MetadataPb` message (without the varint length the file puts before it). */
export function encodeBackupMetadata(metadata: BackupMetadata): Uint8Array {
  const parts = metadata.pairs.map((p) =>
    encodeBytesField(1, concatBytes(encodeBytesField(1, p.ct), encodeBytesField(2, p.pwSalt))),
  );
  parts.push(encodeBytesField(2, metadata.iv));
  return concatBytes(...parts);
}

/** Protobuf wire type of `bytes` and message fields (protobuf encoding guide). */
const LENGTH_DELIMITED = 2;

function metadataError(message: string): BackupError {
  return new BackupError('INVALID_METADATA', `backup metadata: ${message}`);
}

function checkLength(value: Uint8Array | undefined, field: string, expected: number): Uint8Array {
  if (value === undefined || value.length === 0) throw metadataError(`missing field '${field}'`);
  if (value.length !== expected)
    throw metadataError(`field '${field}' is ${value.length} bytes long (expected ${expected})`);
  return value;
}

/**
 * Parses and checks a `MetadataPb` message by libsignal's rules: 1 or 2 pairs, each `ct` 48 bytes
 * and `pw_salt` 32 bytes, `iv` 12 bytes. Unknown fields are ignored, as libsignal ignores them.
 *
 * @throws {BackupError} `INVALID_METADATA` with the rule that failed.
 */
export function decodeBackupMetadata(bytes: Uint8Array): BackupMetadata {
  assertBytes(bytes, 'bytes');
  const fields = readFields(bytes);
  if (fields === undefined) throw metadataError('not a well-formed MetadataPb message');
  const pairs: MetadataPair[] = [];
  let iv: Uint8Array | undefined;
  // A known field number under another wire type is skipped, as libsignal 0.103.0 reads past it.
  for (const f of fields) {
    if (f.field === 1 && f.wireType === LENGTH_DELIMITED) {
      const inner = readFields(f.bytes!);
      if (inner === undefined) throw metadataError('a pair is not a well-formed message');
      let ct: Uint8Array | undefined;
      let pwSalt: Uint8Array | undefined;
      for (const g of inner) {
        // A repeated singular field keeps its last value, as in protobuf.
        if (g.field === 1 && g.wireType === LENGTH_DELIMITED) ct = g.bytes;
        if (g.field === 2 && g.wireType === LENGTH_DELIMITED) pwSalt = g.bytes;
      }
      pairs.push({
        ct: checkLength(ct, 'pair.ct', TOKEN_PAIR_CT_LENGTH).slice(),
        pwSalt: checkLength(pwSalt, 'pair.pw_salt', TOKEN_PAIR_SALT_LENGTH).slice(),
      });
    } else if (f.field === 2 && f.wireType === LENGTH_DELIMITED) {
      iv = f.bytes;
    }
  }
  if (pairs.length === 0) throw metadataError("missing field 'pair'");
  if (pairs.length > METADATA_MAX_PAIRS)
    throw metadataError(`contains ${pairs.length} forward-secrecy pairs (at most ${METADATA_MAX_PAIRS})`);
  return { pairs, iv: checkLength(iv, 'iv', METADATA_IV_LENGTH).slice() };
}
