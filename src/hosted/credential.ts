/**
 * Signal's BackupAuthCredential, client side: the anonymous credential that lets a client use its
 * backup (upload, list, read) without telling the server which account it belongs to.
 *
 * 1. {@link BackupAuthCredentialRequestContext.create} from the BackupKey (messages) or the media
 *    root key (media) and the ACI; its {@link BackupAuthCredentialRequestContext.getRequest | request}
 *    goes to the server once (`PUT /v1/archives/backupid`).
 * 2. The server returns one credential response per day; {@link BackupAuthCredentialRequestContext.receive}
 *    checks the day and the issuance proof and yields a {@link BackupAuthCredential}.
 * 3. Every anonymous call carries a fresh {@link BackupAuthCredential.present | presentation}.
 *
 * The serialized forms are byte-identical to libsignal's (zkgroup's bincode with version bytes);
 * the algorithms follow libsignal `rust/zkgroup/src/api/backups/auth_credential.rs`. The parsers
 * are stricter than libsignal-client 0.103.0's in two ways: bytes after the end of an object are
 * refused (libsignal ignores them), and so are redemption times of 2^53 seconds or more (not
 * representable as a number; libsignal reads any u64).
 */

import { BackupError } from '../errors.js';
import { assertBytes, uuidToBytes, utf8 } from '../internal/bytes.js';
import { deriveBackupId } from '../keys/hierarchy.js';
import { randomBytes, type RandomSource } from '../random.js';
import { BincodeReader, BincodeWriter } from './bincode.js';
import { BASE, mul, type Point, shoPoint, shoScalar } from './group.js';
import { ShoHmacSha256 } from './sho.js';
import {
  type BlindedPoint,
  blindPoint,
  type Credential,
  type CredentialPublicKey,
  NUM_SUPPORTED_ATTRS,
  presentRevealedOnly,
  publicAttributesPoint,
  verifyBlindedIssuance,
} from './zkcredential.js';

/** The backup level of a free account (messages, and 45 days of media). */
export const BACKUP_LEVEL_FREE = 200;
/** The backup level of a paid account. */
export const BACKUP_LEVEL_PAID = 201;
/** A backup level as credentials carry it: {@link BACKUP_LEVEL_FREE} or {@link BACKUP_LEVEL_PAID}. */
export type BackupLevel = typeof BACKUP_LEVEL_FREE | typeof BACKUP_LEVEL_PAID;
/** Which part of the backup a credential is for: the message backup or the media tier. */
export type BackupCredentialType = 'messages' | 'media';

/** Length of a BackupKey or media root key. */
const KEY_LENGTH = 32;
const ACI_LENGTH = 16;
const BACKUP_ID_LENGTH = 16;
/** Bytes of randomness a presentation consumes (zkcredential's RANDOMNESS_LEN). */
export const PRESENTATION_RANDOMNESS_LENGTH = 32;
/** Redemption times are whole UTC days. */
const SECONDS_PER_DAY = 86400;

/** zkgroup's reserved leading byte (always 0) and the public params' versions (0 legacy, 1 standard). */
const RESERVED = 0;
const PARAMS_VERSIONS = [0, 1];

/** Labels, from auth_credential.rs. */
const LABEL_REQUEST = '20231003_Signal_BackupAuthCredentialRequest';
const LABEL_BACKUP_ID = '20231003_Signal_BackupId';
const LABEL_CREDENTIAL = '20231003_Signal_BackupAuthCredential';

/** Wire values of the credential type (a u64 on the wire). */
const TYPE_TO_WIRE: Record<BackupCredentialType, bigint> = { messages: 1n, media: 2n };

function u64be(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v);
  return b;
}

function readLevel(r: BincodeReader): BackupLevel {
  const v = r.u64();
  if (v === BigInt(BACKUP_LEVEL_FREE)) return BACKUP_LEVEL_FREE;
  if (v === BigInt(BACKUP_LEVEL_PAID)) return BACKUP_LEVEL_PAID;
  return r.fail('unknown backup level');
}

function readType(r: BincodeReader): BackupCredentialType {
  const v = r.u64();
  if (v === TYPE_TO_WIRE.messages) return 'messages';
  if (v === TYPE_TO_WIRE.media) return 'media';
  return r.fail('unknown credential type');
}

function readTimestamp(r: BincodeReader): number {
  const v = r.u64();
  // Seconds since 1970; beyond 2^53 (the year 285 million) is not a time sbackup can represent.
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return r.fail('redemption time out of range');
  return Number(v);
}

function assertRedemptionTime(value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`"redemptionTime" expected number, got ${typeof value}`);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`"redemptionTime" expected seconds since 1970 as a non-negative integer, got ${value}`);
  }
}

/** The point the backup id is hidden in (zkgroup's BackupIdPoint). */
function backupIdPoint(backupId: Uint8Array): Point {
  const sho = new ShoHmacSha256(utf8(LABEL_BACKUP_ID));
  sho.absorbAndRatchet(backupId);
  return shoPoint(sho);
}

/** The credential's public attributes, hashed into its first attribute point. */
function publicAttributes(redemptionTime: number, level: BackupLevel, type: BackupCredentialType): Point {
  return publicAttributesPoint(utf8(LABEL_CREDENTIAL), [
    u64be(BigInt(redemptionTime)),
    u64be(BigInt(level)),
    u64be(TYPE_TO_WIRE[type]),
  ]);
}

/** The credential key inside parsed params (module-private; set by the class's static block). */
let keyOf: (params: BackupServerPublicParams) => CredentialPublicKey;

/** Builds a credential (module-private; set by BackupAuthCredential's static block). */
let makeCredential: (
  redemptionTime: number,
  level: BackupLevel,
  type: BackupCredentialType,
  credential: Credential,
  backupId: Uint8Array,
) => BackupAuthCredential;

/**
 * The server's public parameters for backup credentials (zkgroup's GenericServerPublicParams,
 * 225 bytes: a version byte, then the credential public key). Signal publishes its production
 * value; a test server (Signal's mock server) has its own.
 */
export class BackupServerPublicParams {
  readonly #bytes: Uint8Array;
  readonly #key: CredentialPublicKey;

  static {
    keyOf = (params) => params.#key;
  }

  private constructor(bytes: Uint8Array, key: CredentialPublicKey) {
    this.#bytes = bytes;
    this.#key = key;
  }

  /**
   * Parses serialized public params (version 0 or 1).
   * @throws {BackupError} `INVALID_CREDENTIAL` when the bytes are not valid public params.
   */
  static deserialize(bytes: Uint8Array): BackupServerPublicParams {
    assertBytes(bytes, 'bytes');
    const r = new BincodeReader(bytes, 'server public params');
    r.version(...PARAMS_VERSIONS);
    const C_W = r.point();
    const I = Array.from({ length: NUM_SUPPORTED_ATTRS - 1 }, () => r.point());
    r.end();
    // Every presentation multiplies I twice: cache its table (built on first use) when the
    // parsed params are kept and reused.
    for (const p of I) p.precompute(4);
    return new BackupServerPublicParams(bytes.slice(), { C_W, I });
  }

  /** The serialized form, as given to {@link deserialize}. */
  serialize(): Uint8Array {
    return this.#bytes.slice();
  }
}

function toKey(params: BackupServerPublicParams | Uint8Array): CredentialPublicKey {
  if (params instanceof BackupServerPublicParams) return keyOf(params);
  if (params instanceof Uint8Array) return keyOf(BackupServerPublicParams.deserialize(params));
  throw new TypeError('"serverParams" expected BackupServerPublicParams or Uint8Array');
}

/**
 * The client's side of one credential request: the backup id, blinded, and the key that
 * unblinds the server's answer. Deterministic: the same key and ACI always give the same
 * context (libsignal derives the blinding from them), so it can be recreated instead of stored.
 * Serialized: 113 bytes.
 */
export class BackupAuthCredentialRequestContext {
  readonly #blinded: BlindedPoint;
  readonly #backupId: Uint8Array;
  readonly #y: bigint;

  private constructor(blinded: BlindedPoint, backupId: Uint8Array, y: bigint) {
    this.#blinded = blinded;
    this.#backupId = backupId;
    this.#y = y;
  }

  /**
   * Creates the context for a backup key and an ACI. Use the BackupKey for the messages
   * credential and the media root key (`BackupInfo.mediaRootBackupKey`) for the media one.
   *
   * @param key 32 bytes: the BackupKey or the media root key.
   * @param aci the account's ACI, as a UUID string or 16 bytes.
   * @throws {RangeError} when `key` is not 32 bytes or `aci` not 16 bytes.
   * @throws {TypeError} when `aci` is not a UUID string or bytes.
   */
  static create(key: Uint8Array, aci: string | Uint8Array): BackupAuthCredentialRequestContext {
    assertBytes(key, 'key', KEY_LENGTH);
    const aciBytes = typeof aci === 'string' ? uuidToBytes(aci, 'aci') : aci;
    assertBytes(aciBytes, 'aci', ACI_LENGTH);
    const backupId = deriveBackupId(key, aciBytes);
    const sho = new ShoHmacSha256(utf8(LABEL_REQUEST));
    sho.absorbAndRatchet(aciBytes);
    sho.absorbAndRatchet(key);
    const y = shoScalar(sho);
    // The blinding nonce is the next scalar of the same hash: the context is deterministic.
    const blinded = blindPoint(y, backupIdPoint(backupId), sho);
    return new BackupAuthCredentialRequestContext(blinded, backupId, y);
  }

  /**
   * Parses a serialized context.
   * @throws {BackupError} `INVALID_CREDENTIAL` when the bytes are not a valid context.
   */
  static deserialize(bytes: Uint8Array): BackupAuthCredentialRequestContext {
    assertBytes(bytes, 'bytes');
    const r = new BincodeReader(bytes, 'credential request context');
    r.version(RESERVED);
    const D1 = r.point();
    const D2 = r.point();
    const backupId = r.fixed(BACKUP_ID_LENGTH);
    const y = r.scalar();
    r.end();
    return new BackupAuthCredentialRequestContext({ D1, D2 }, backupId, y);
  }

  /** The serialized context (113 bytes). */
  serialize(): Uint8Array {
    return new BincodeWriter()
      .u8(RESERVED)
      .point(this.#blinded.D1)
      .point(this.#blinded.D2)
      .fixed(this.#backupId)
      .scalar(this.#y)
      .finish();
  }

  /** The 16-byte backup id this context asks a credential for. */
  get backupId(): Uint8Array {
    return this.#backupId.slice();
  }

  /** The request to send to the server (97 bytes): the blinded backup id and the blinding public key. */
  getRequest(): Uint8Array {
    return new BincodeWriter()
      .u8(RESERVED)
      .point(this.#blinded.D1)
      .point(this.#blinded.D2)
      .point(mul(BASE, this.#y))
      .finish();
  }

  /**
   * Checks a credential response (417 bytes, as the server sends it for one day) and returns
   * the credential. The response must be for exactly `redemptionTime`, a whole UTC day, so that
   * the server cannot tag the credential with an unusual time.
   *
   * @param response the serialized BackupAuthCredentialResponse.
   * @param redemptionTime the day the server said the credential is for, in seconds since 1970.
   * @param serverParams the server's public params (parsed or serialized).
   * @throws {BackupError} `INVALID_CREDENTIAL` when the response or params are malformed
   *   (wrong length or version, a non-canonical point or scalar, an unknown level or type).
   * @throws {BackupError} `VERIFICATION_FAILED` when the time is not `redemptionTime` or not
   *   day-aligned, or the issuance proof does not verify.
   */
  receive(
    response: Uint8Array,
    redemptionTime: number,
    serverParams: BackupServerPublicParams | Uint8Array,
  ): BackupAuthCredential {
    assertBytes(response, 'response');
    assertRedemptionTime(redemptionTime);
    const key = toKey(serverParams);
    const r = new BincodeReader(response, 'credential response');
    r.version(RESERVED);
    const time = readTimestamp(r);
    const level = readLevel(r);
    const type = readType(r);
    const t = r.scalar();
    const U = r.point();
    const S1 = r.point();
    const S2 = r.point();
    const proof = r.bytes();
    r.end();
    if (time !== redemptionTime || time % SECONDS_PER_DAY !== 0) {
      throw new BackupError('VERIFICATION_FAILED', 'credential response is not for the expected day');
    }
    const credential = verifyBlindedIssuance(key, [publicAttributes(time, level, type)], [this.#blinded], this.#y, {
      t,
      U,
      S1,
      S2,
      proof,
    });
    if (credential === undefined) {
      throw new BackupError('VERIFICATION_FAILED', 'credential response does not verify (issuance proof)');
    }
    return makeCredential(time, level, type, credential, this.#backupId);
  }
}

/**
 * A backup credential for one day: backup id, level and type, and the MAC the server made over
 * them. Keep it (serialized: 137 bytes) until its day is over; present it once per request.
 */
export class BackupAuthCredential {
  readonly #credential: Credential;
  readonly #backupId: Uint8Array;
  /** The day the credential is valid for (seconds since 1970, a multiple of 86400). */
  readonly redemptionTime: number;
  /** The backup level the server granted. */
  readonly level: BackupLevel;
  /** Whether this credential is for the message backup or the media tier. */
  readonly type: BackupCredentialType;

  private constructor(
    redemptionTime: number,
    level: BackupLevel,
    type: BackupCredentialType,
    credential: Credential,
    backupId: Uint8Array,
  ) {
    this.redemptionTime = redemptionTime;
    this.level = level;
    this.type = type;
    this.#credential = credential;
    this.#backupId = backupId;
  }

  static {
    makeCredential = (time, level, type, credential, backupId) =>
      new BackupAuthCredential(time, level, type, credential, backupId.slice());
  }

  /**
   * Parses a serialized credential.
   * @throws {BackupError} `INVALID_CREDENTIAL` when the bytes are not a valid credential.
   */
  static deserialize(bytes: Uint8Array): BackupAuthCredential {
    assertBytes(bytes, 'bytes');
    const r = new BincodeReader(bytes, 'backup credential');
    r.version(RESERVED);
    const time = readTimestamp(r);
    const level = readLevel(r);
    const type = readType(r);
    const t = r.scalar();
    const U = r.point();
    const V = r.point();
    const backupId = r.fixed(BACKUP_ID_LENGTH);
    r.end();
    return new BackupAuthCredential(time, level, type, { t, U, V }, backupId);
  }

  /** The serialized credential (137 bytes). */
  serialize(): Uint8Array {
    return new BincodeWriter()
      .u8(RESERVED)
      .u64(this.redemptionTime)
      .u64(this.level)
      .u64(TYPE_TO_WIRE[this.type])
      .scalar(this.#credential.t)
      .point(this.#credential.U)
      .point(this.#credential.V)
      .fixed(this.#backupId)
      .finish();
  }

  /** The 16-byte backup id (the server's name for the backup; base64url of it is the backup directory). */
  get backupId(): Uint8Array {
    return this.#backupId.slice();
  }

  /**
   * A fresh presentation of this credential (345 bytes), for one request: it proves the
   * credential without letting the server link it to the issuance or to other presentations.
   * Draws 32 random bytes from `random`, else the installed random source.
   *
   * @throws {BackupError} `INVALID_CREDENTIAL` when serialized `serverParams` are malformed.
   */
  present(serverParams: BackupServerPublicParams | Uint8Array, random?: RandomSource): Uint8Array {
    const params =
      serverParams instanceof Uint8Array ? BackupServerPublicParams.deserialize(serverParams) : serverParams;
    return this.presentWithRandom(params, randomBytes(PRESENTATION_RANDOMNESS_LENGTH, random));
  }

  /**
   * {@link present} with the randomness given: deterministic, for tests and known-answer
   * vectors. Never reuse randomness for real presentations: the same bytes give the same
   * commitments, so the server could link those presentations to each other.
   *
   * @throws {RangeError} when `randomness` is not 32 bytes.
   */
  presentWithRandom(serverParams: BackupServerPublicParams | Uint8Array, randomness: Uint8Array): Uint8Array {
    assertBytes(randomness, 'randomness', PRESENTATION_RANDOMNESS_LENGTH);
    const key = toKey(serverParams);
    // One revealed attribute: the backup id's point (the verifier recomputes it from the id).
    const proof = presentRevealedOnly(key, this.#credential, 1, randomness);
    return new BincodeWriter()
      .u8(RESERVED)
      .u64(this.level)
      .u64(TYPE_TO_WIRE[this.type])
      .u64(this.redemptionTime)
      .point(proof.C_x0)
      .point(proof.C_x1)
      .point(proof.C_V)
      .points(proof.C_y)
      .bytes(proof.proof)
      .fixed(this.#backupId)
      .finish();
  }
}

/**
 * The public content of a presentation (what the server reads from it): backup id, level,
 * type and day. Verifying one needs the server's secret params, so it is not done here.
 */
export class BackupAuthCredentialPresentation {
  readonly #bytes: Uint8Array;
  /** The day the presented credential is valid for (seconds since 1970). */
  readonly redemptionTime: number;
  /** The backup level the presented credential claims. */
  readonly level: BackupLevel;
  /** The credential type the presentation claims. */
  readonly type: BackupCredentialType;
  readonly #backupId: Uint8Array;

  private constructor(
    bytes: Uint8Array,
    redemptionTime: number,
    level: BackupLevel,
    type: BackupCredentialType,
    backupId: Uint8Array,
  ) {
    this.#bytes = bytes;
    this.redemptionTime = redemptionTime;
    this.level = level;
    this.type = type;
    this.#backupId = backupId;
  }

  /**
   * Parses a serialized presentation.
   * @throws {BackupError} `INVALID_CREDENTIAL` when the bytes are not a well-formed presentation.
   */
  static deserialize(bytes: Uint8Array): BackupAuthCredentialPresentation {
    assertBytes(bytes, 'bytes');
    const r = new BincodeReader(bytes, 'credential presentation');
    r.version(RESERVED);
    const level = readLevel(r);
    const type = readType(r);
    const time = readTimestamp(r);
    r.point();
    r.point();
    r.point();
    r.points();
    r.bytes();
    const backupId = r.fixed(BACKUP_ID_LENGTH);
    r.end();
    return new BackupAuthCredentialPresentation(bytes.slice(), time, level, type, backupId);
  }

  /** The 16-byte backup id the presentation names. */
  get backupId(): Uint8Array {
    return this.#backupId.slice();
  }

  /** The serialized presentation. */
  serialize(): Uint8Array {
    return this.#bytes.slice();
  }
}
