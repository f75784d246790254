/**
 * Shared state and helpers of the validator: the findings list, the id sets kept while frames
 * stream past (never the frames themselves), and small checks used by every area.
 */

import type { BackupPurpose } from '../policy/exclusions.js';
import type { ErrorFindingCode, FindingCode, WarningFindingCode } from './codes.js';

/**
 * What the backup is for; a few rules (disappearing messages, view-once) depend on it. The same
 * type as the exclusion policy's {@link BackupPurpose}.
 */
export type Purpose = BackupPurpose;

/**
 * One problem found in a backup. `C` narrows the code: {@link ValidationResult} lists errors as
 * `Finding<ErrorFindingCode>` and warnings as `Finding<WarningFindingCode>`.
 */
export interface Finding<C extends FindingCode = FindingCode> {
  /** Stable UPPER_SNAKE identifier of the rule (docs/format.md §8.3 lists them all). */
  code: C;
  /** Index of the record: 0 = BackupInfo, 1 = first Frame; -1 = the backup as a whole. */
  frame: number;
  /** Type of the record: `backupInfo`, a Frame item name (`chatItem`, …), `frame` or `backup`. */
  frameType: string;
  /** What is wrong, in plain words. */
  message: string;
}

/** The kind of a recipient, as far as other frames need to know it. */
export type RecipientKind = 'contact' | 'group' | 'distributionList' | 'self' | 'releaseNotes' | 'callLink';

/** What the validator remembers about one recipient (no names, no content). */
export interface RecipientInfo {
  kind: RecipientKind;
  /** Contacts: which identifiers are present. */
  aci?: string;
  pni?: string;
  e164?: bigint;
  username?: string;
  /** Group master key, distribution id or call-link root key (hex), for the uniqueness checks. */
  key?: string;
}

/** What the validator remembers about one chat. */
export interface ChatInfo {
  recipientId: bigint;
  kind: RecipientKind;
  hasAci: boolean;
}

/** Anything protobufjs may hand out for a 64-bit field. */
export type Int64Like = number | string | bigint | { low: number; high: number; unsigned?: boolean } | null | undefined;

/** A 64-bit field as an unsigned bigint (0n when absent). */
export function u64(v: Int64Like): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
}

/** Lowest timestamp libsignal accepts without complaint: 2000-01-01 (backup/time.rs). */
export const EXPECTED_MIN_MS = 946_684_800_000n;
/** Highest unsurprising timestamp: 2100-01-01 (backup/time.rs). */
export const EXPECTED_MAX_MS = 4_102_444_800_000n;
/** Hard limit: 100,000,000 days in ms, the range of a JavaScript Date (backup/time.rs). */
export const MAX_SAFE_TIMESTAMP_MS = 8_640_000_000_000_000n;
/** `muteUntilMs` at or above i64::MAX means "forever" (backup/time.rs). */
export const FOREVER_MS = (1n << 63n) - 1n;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes. */
export function hexOf(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

/** Bytes of a field (an empty array when absent). */
export function bytesOf(v: Uint8Array | null | undefined): Uint8Array {
  return v ?? EMPTY;
}
const EMPTY = new Uint8Array(0);

/** True when a field with explicit presence is set. */
export function has(v: unknown): boolean {
  return v !== null && v !== undefined;
}

/** UTF-8 length of a string, as libsignal measures text limits. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * A service id in its binary form: 16 bytes = ACI, 17 bytes starting with 0x01 = PNI
 * (libsignal-protocol `ServiceId::parse_from_service_id_binary`). Returns undefined when invalid.
 */
export function parseServiceId(b: Uint8Array | null | undefined): 'aci' | 'pni' | undefined {
  if (!b) return undefined;
  if (b.length === 16) return 'aci';
  if (b.length === 17 && b[0] === 0x01) return 'pni';
  return undefined;
}

/**
 * Whether a username is one libsignal accepts (usernames crate, `Username::new`): a nickname of
 * 1-48 characters from [A-Za-z0-9_] not starting with a digit, a dot, and a discriminator of at
 * least two digits, non-zero, without leading zeros beyond two digits, fitting in 64 bits.
 */
export function isValidUsername(u: string): boolean {
  const dot = u.lastIndexOf('.');
  if (dot < 0) return false;
  const nick = u.slice(0, dot);
  const disc = u.slice(dot + 1);
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,47}$/.test(nick)) return false;
  if (!/^[0-9]+$/.test(disc)) return false;
  const n = BigInt(disc);
  if (n === 0n || n > 0xffff_ffff_ffff_ffffn) return false;
  if (disc.length === 1) return false;
  if (disc.length > 2 && disc[0] === '0') return false;
  return true;
}

/** Valid enum numbers by enum, to tell known values from unknown ones. */
export type EnumTable = Record<string, Record<string, number>>;

/** The state of one validation run, shared by the area checkers. */
export class ValidationState {
  readonly purpose: Purpose;
  backupTimeMs = 0n;
  frameIndex = 0;
  frameType = 'backupInfo';
  readonly errors: Finding<ErrorFindingCode>[] = [];
  readonly warnings: Finding<WarningFindingCode>[] = [];
  accountDataCount = 0;
  readonly recipients = new Map<bigint, RecipientInfo>();
  readonly chats = new Map<bigint, ChatInfo>();
  readonly pinnedOrders = new Set<number>();
  readonly stickerPacks = new Set<string>();
  readonly customColorIds = new Set<bigint>();
  chatFolderCount = 0;
  allChatFolderCount = 0;
  /** Error codes already reported for this many frames, to cap the list on pathological input. */
  readonly maxFindings: number;

  constructor(purpose: Purpose, maxFindings: number) {
    this.purpose = purpose;
    this.maxFindings = maxFindings;
  }

  /** Records a hard error against the current frame. */
  error(code: ErrorFindingCode, message: string): void {
    if (this.errors.length < this.maxFindings) {
      this.errors.push({ code, frame: this.frameIndex, frameType: this.frameType, message });
    }
  }

  /** Records a soft finding against the current frame. */
  warn(code: WarningFindingCode, message: string): void {
    if (this.warnings.length < this.maxFindings) {
      this.warnings.push({ code, frame: this.frameIndex, frameType: this.frameType, message });
    }
  }

  /**
   * Checks a timestamp as libsignal does: above {@link MAX_SAFE_TIMESTAMP_MS} is an error; zero,
   * before 2000 or after 2100 only a warning.
   */
  timestamp(v: Int64Like, what: string, warnZero = true): void {
    const t = u64(v);
    if (t > MAX_SAFE_TIMESTAMP_MS) {
      this.error('TIMESTAMP_OUT_OF_RANGE', `${what} is ${t}, beyond the largest date a JavaScript Date can hold`);
    } else if (t === 0n) {
      if (warnZero) this.warn('TIMESTAMP_ZERO', `${what} is 0 (1970-01-01)`);
    } else if (t < EXPECTED_MIN_MS) {
      this.warn('TIMESTAMP_UNUSUAL', `${what} (${t}) is before the year 2000`);
    } else if (t > EXPECTED_MAX_MS) {
      this.warn('TIMESTAMP_UNUSUAL', `${what} (${t}) is after the year 2100`);
    }
  }

  /** Looks up a recipient by id. */
  recipient(id: Int64Like): RecipientInfo | undefined {
    return this.recipients.get(u64(id));
  }
}
