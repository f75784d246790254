/**
 * The structure of a gift badge's receipt credential presentation, as libsignal's validator reads
 * it (message-backup chat/gift_badge.rs deserializes a zkgroup `ReceiptCredentialPresentation`;
 * any failure rejects the chat item). Everything that decides acceptance is structural: no proof
 * is verified, but the five group elements of the proof must decode as ristretto255 points.
 *
 * Layout (zkgroup common/serialization.rs: bincode, fixed-width little-endian integers;
 * api/receipts/receipt_credential_presentation.rs; crypto/proofs.rs):
 *   reserved u8 = 0 | C_x0 C_x1 C_y1 C_y2 C_V: 5 x 32-byte ristretto255 points |
 *   poksho proof: u64 length + bytes | expiration time u64 | receipt level u64 | serial 16 bytes
 *
 * Bytes after the serial are accepted: libsignal-client 0.103.0 takes a presentation with 1 or
 * 100 extra bytes (checked against it in test/interop/validate.test.ts), although newer zkgroup
 * sources reject trailing bytes. We accept them too and warn.
 */

import { ristretto255 } from '@noble/curves/ed25519.js';

/** `ReservedByte` (zkgroup serialization.rs): always 0. */
const RESERVED_BYTE = 0;
/** Compressed ristretto255 points are 32 bytes (RFC 9496 section 4.3). */
const POINT_LENGTH = 32;
/** The group elements of `ReceiptCredentialPresentationProof`, in serialization order (proofs.rs). */
const PROOF_POINTS = ['C_x0', 'C_x1', 'C_y1', 'C_y2', 'C_V'] as const;
/** bincode writes a Vec's length as a u64. */
const LENGTH_PREFIX = 8;
/** Expiration time (u64 seconds), receipt level (u64), serial (`RECEIPT_SERIAL_LEN` = 16 bytes). */
const TAIL_LENGTH = 8 + 8 + 16;
const PROOF_LENGTH_OFFSET = 1 + PROOF_POINTS.length * POINT_LENGTH;
/** The smallest presentation: every fixed part and an empty poksho proof (201 bytes). */
export const MIN_PRESENTATION_LENGTH = PROOF_LENGTH_OFFSET + LENGTH_PREFIX + TAIL_LENGTH;

/** True when `bytes` is a canonical ristretto255 encoding (the decoding of RFC 9496 section 4.3.1). */
function isRistrettoPoint(bytes: Uint8Array): boolean {
  try {
    ristretto255.Point.fromBytes(bytes);
    return true;
  } catch {
    return false;
  }
}

/** What the structural reading of a presentation found. */
export interface PresentationCheck {
  /** Why libsignal refuses it, in plain words; undefined when it would accept it. */
  problem?: string;
  /** Bytes after the last field (accepted by libsignal 0.103.0, but not written by Signal's apps). */
  trailing: number;
}

/** Reads `bytes` as a receipt credential presentation the way libsignal does (see the file comment). */
export function checkReceiptPresentation(bytes: Uint8Array): PresentationCheck {
  if (bytes.length < MIN_PRESENTATION_LENGTH) {
    return {
      problem: `it is ${bytes.length} bytes, less than the ${MIN_PRESENTATION_LENGTH} bytes of its fixed parts`,
      trailing: 0,
    };
  }
  if (bytes[0] !== RESERVED_BYTE) return { problem: `its first (reserved) byte is ${bytes[0]}, not 0`, trailing: 0 };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(PROOF_LENGTH_OFFSET, true);
  const high = view.getUint32(PROOF_LENGTH_OFFSET + 4, true);
  const proofLength = high * 2 ** 32 + low;
  const needed = MIN_PRESENTATION_LENGTH + proofLength;
  if (needed > bytes.length) {
    return {
      problem: `its proof length (${proofLength} bytes) needs ${needed} bytes, but it has ${bytes.length}`,
      trailing: 0,
    };
  }
  for (let i = 0; i < PROOF_POINTS.length; i++) {
    const at = 1 + i * POINT_LENGTH;
    if (!isRistrettoPoint(bytes.subarray(at, at + POINT_LENGTH))) {
      return { problem: `proof element ${PROOF_POINTS[i]} is not a valid ristretto255 point`, trailing: 0 };
    }
  }
  return { trailing: bytes.length - needed };
}
