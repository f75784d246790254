/**
 * The ephemeral-content rules: which chat items a backup leaves out (disappearing messages about
 * to vanish) and what it strips (the attachment of a view-once message), per purpose, as
 * Signal's clients apply them and libsignal's validator checks them.
 *
 * Sources: docs/format.md §14; Signal-Desktop ts/services/backups/util/expiration.std.ts
 * (`expiresTooSoonForBackup`); Signal-Android app/src/main/java/org/thoughtcrime/securesms/backup/v2/
 * database/MessageTableArchiveExtensions.kt (`getMessagesForBackup`); Signal-iOS
 * SignalServiceKit/Backups/Archiving/BackupArchive+IncludedContentFilter.swift; libsignal
 * rust/message-backup/src/backup.rs (`Purpose`), rust/message-backup/src/backup/chat.rs and
 * rust/message-backup/src/json/exporter.rs (`sanitize_chat_item`).
 *
 * | purpose  | timer <= 24 h | started, expires <= backup + 24 h | started, expired by backup time | view-once attachment |
 * |----------|---------------|-----------------------------------|---------------------------------|----------------------|
 * | remote   | dropped       | dropped                           | dropped                         | stripped (tombstone) |
 * | transfer | kept          | kept                              | dropped                         | kept                 |
 * | takeout  | every message with a timer is dropped                                             || stripped (tombstone) |
 *
 * The clients' comparisons (`<=`) are one millisecond stricter than libsignal's (`<`), which is
 * the safe side: everything kept here passes the validator. A timer that has not started (an
 * unread message with a long timer) is kept with `expiresInMs` and no `expireStartDate`.
 * Revisions (earlier versions of an edited message) are judged one by one with the same rules,
 * as libsignal's takeout sanitizer does; when the message itself is dropped, its revisions go too.
 */

import type { ChatItem } from '../frames/schema.js';

/** What a backup is for (libsignal `Purpose`: RemoteBackup, DeviceTransfer, TakeoutExport). */
export type BackupPurpose = 'remote' | 'transfer' | 'takeout';

/** Why a chat item (or one of its revisions) was dropped or changed. */
export type ExclusionReason =
  /** remote: the disappearing timer is 24 hours or less, started or not. */
  | 'shortTimer'
  /** remote: the timer has started and the message expires within 24 hours of the backup time. */
  | 'expiresWithin24h'
  /** transfer: the timer has started and the message has expired by the backup time. */
  | 'expired'
  /** takeout: the message has a disappearing timer (takeout keeps none). */
  | 'disappearing'
  /** remote, takeout: the view-once attachment was removed; the message stays as a tombstone. */
  | 'viewOnceAttachment'
  /** every purpose: `expiresInMs` was 0 with no start date, which means "no timer"; the field was cleared. */
  | 'zeroTimer';

/** What happened to the item. */
export type ExclusionAction = 'dropped' | 'revisionDropped' | 'stripped';

/** One chat item the policy touched, identified the way libsignal names chat items. */
export interface ExclusionEntry {
  /** Whether the item was dropped, one of its revisions was dropped, or it was stripped. */
  action: ExclusionAction;
  /** The rule that applied. */
  reason: ExclusionReason;
  /** The chat the item belongs to. */
  chatId: bigint;
  /** The item's author (recipient id). */
  authorId: bigint;
  /** The item's `dateSent` (for a dropped revision: the revision's). */
  dateSent: bigint;
}

/** What the policy did, with exact counts. */
export interface ExclusionReport {
  /** The purpose whose rules were applied. */
  purpose: BackupPurpose;
  /** The backup time the rules were judged against (BackupInfo.backupTimeMs). */
  backupTimeMs: bigint;
  /** Chat items looked at. */
  itemsSeen: number;
  /** Chat items dropped, by reason (each is one Frame fewer in the backup). */
  dropped: Partial<Record<ExclusionReason, number>>;
  /** Revisions removed from items that were kept, by reason. */
  revisionsDropped: Partial<Record<ExclusionReason, number>>;
  /** Items kept but changed, by reason. */
  stripped: Partial<Record<ExclusionReason, number>>;
  /** The touched items, in input order, at most `maxEntries` of them. */
  entries: ExclusionEntry[];
  /** True when more items were touched than `entries` holds. */
  entriesTruncated: boolean;
}

/** Options of {@link ExclusionPolicy}. */
export interface ExclusionPolicyOptions {
  /** How many touched items `report.entries` lists (counts stay exact). Default 10,000. */
  maxEntries?: number;
}

/** 24 hours in ms (libsignal `MAX_REMOTE_BACKUP_DISAPPEARING_MESSAGE_TIME`; Desktop `DAY`). */
export const DISAPPEARING_LIMIT_MS = 86_400_000n;
const DEFAULT_MAX_ENTRIES = 10_000;

type Int64 = bigint | number | null | undefined;

function big(v: Int64): bigint | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** Throws a TypeError naming `purpose` unless it is one of the three {@link BackupPurpose} values. */
export function assertPurpose(purpose: unknown): asserts purpose is BackupPurpose {
  if (purpose !== 'remote' && purpose !== 'transfer' && purpose !== 'takeout') {
    throw new TypeError(`"purpose" expected remote, transfer or takeout, got ${String(purpose)}`);
  }
}

/**
 * The drop rule for one item's own timer fields, or undefined when the item stays.
 * A zero timer without a start is "no timer" and never drops.
 */
function dropReason(item: ChatItem, purpose: BackupPurpose, backupTimeMs: bigint): ExclusionReason | undefined {
  const expiresIn = big(item.expiresInMs as Int64);
  const start = big(item.expireStartDate as Int64);
  if (expiresIn === undefined || (expiresIn === 0n && start === undefined)) return undefined;
  if (purpose === 'takeout') return 'disappearing';
  if (purpose === 'remote') {
    // Desktop: expireTimer <= DAY; Android: keeps expires_in > 1 day; iOS: expiresInMs <= dayInMs -> skip.
    if (expiresIn <= DISAPPEARING_LIMIT_MS) return 'shortTimer';
    // Desktop expiresTooSoonForBackup: expiresAt <= now + DAY.
    if (start !== undefined && start + expiresIn <= backupTimeMs + DISAPPEARING_LIMIT_MS) return 'expiresWithin24h';
    return undefined;
  }
  // transfer: iOS uses 0 for both limits (`<=`); libsignal rejects expiresAt < backupTime.
  if (start !== undefined && start + expiresIn <= backupTimeMs) return 'expired';
  return undefined;
}

/**
 * Applies the exclusion rules to chat items one at a time and keeps a report. It never mutates
 * its input: a changed item is a shallow copy. Memory stays bounded by `maxEntries`.
 *
 * @example
 * const policy = new ExclusionPolicy('remote', backupInfo.backupTimeMs);
 * for (const item of items) { const kept = policy.apply(item); if (kept) write(kept); }
 * console.log(policy.report.dropped);
 */
export class ExclusionPolicy {
  /** The purpose whose rules are applied. */
  readonly purpose: BackupPurpose;
  /** The backup time the rules judge against (BackupInfo.backupTimeMs), ms since the epoch. */
  readonly backupTimeMs: bigint;
  /** The running report, updated by every {@link apply} call. */
  readonly report: ExclusionReport;
  readonly #maxEntries: number;

  /**
   * @param purpose what the backup is for.
   * @param backupTimeMs the backup time (BackupInfo.backupTimeMs), ms since the epoch.
   * @throws {TypeError} for an unknown purpose or a time that is not a bigint or integer.
   * @throws {RangeError} for a negative time or a negative `maxEntries`.
   */
  constructor(purpose: BackupPurpose, backupTimeMs: bigint | number, options: ExclusionPolicyOptions = {}) {
    assertPurpose(purpose);
    if (typeof backupTimeMs === 'number' && !Number.isSafeInteger(backupTimeMs)) {
      throw new TypeError(`"backupTimeMs" expected an integer, got ${backupTimeMs}`);
    }
    if (typeof backupTimeMs !== 'number' && typeof backupTimeMs !== 'bigint') {
      throw new TypeError(`"backupTimeMs" expected bigint or number, got ${typeof backupTimeMs}`);
    }
    const time = BigInt(backupTimeMs);
    if (time < 0n) throw new RangeError(`"backupTimeMs" expected a non-negative time, got ${time}`);
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
      throw new RangeError(`"maxEntries" expected a non-negative integer, got ${maxEntries}`);
    }
    this.purpose = purpose;
    this.backupTimeMs = time;
    this.#maxEntries = maxEntries;
    this.report = {
      purpose,
      backupTimeMs: time,
      itemsSeen: 0,
      dropped: {},
      revisionsDropped: {},
      stripped: {},
      entries: [],
      entriesTruncated: false,
    };
  }

  /**
   * Judges one chat item.
   * @returns the item to write (the same object when nothing changed, else a shallow copy), or
   *   `undefined` when the item is left out of the backup.
   * @throws {TypeError} when `item` is not an object.
   */
  apply(item: ChatItem): ChatItem | undefined {
    if (typeof item !== 'object' || item === null) throw new TypeError('"item" expected a ChatItem object');
    this.report.itemsSeen++;
    const reason = dropReason(item, this.purpose, this.backupTimeMs);
    if (reason !== undefined) {
      this.#record('dropped', reason, item, item);
      return undefined;
    }
    let out = item;
    if (big(item.expiresInMs as Int64) === 0n && big(item.expireStartDate as Int64) === undefined) {
      out = { ...out, expiresInMs: null };
      this.#record('stripped', 'zeroTimer', item, item);
    }
    const viewOnce = item.viewOnceMessage;
    if (this.purpose !== 'transfer' && viewOnce != null && viewOnce.attachment != null) {
      // Desktop/Android/iOS keep the message as a tombstone "attachment = null" (docs/format.md §14).
      out = { ...out, viewOnceMessage: { ...viewOnce, attachment: null } };
      this.#record('stripped', 'viewOnceAttachment', item, item);
    }
    const revisions = item.revisions;
    if (revisions != null && revisions.length > 0) {
      let kept: ChatItem[] | undefined;
      for (let i = 0; i < revisions.length; i++) {
        const rev = revisions[i]!;
        const revReason = dropReason(rev, this.purpose, this.backupTimeMs);
        if (revReason === undefined) {
          kept?.push(rev);
          continue;
        }
        kept ??= revisions.slice(0, i);
        this.#record('revisionDropped', revReason, item, rev);
      }
      if (kept !== undefined) out = { ...out, revisions: kept };
    }
    return out;
  }

  #record(action: ExclusionAction, reason: ExclusionReason, item: ChatItem, which: ChatItem): void {
    const counts =
      action === 'dropped'
        ? this.report.dropped
        : action === 'stripped'
          ? this.report.stripped
          : this.report.revisionsDropped;
    counts[reason] = (counts[reason] ?? 0) + 1;
    if (this.report.entries.length >= this.#maxEntries) {
      this.report.entriesTruncated = true;
      return;
    }
    this.report.entries.push({
      action,
      reason,
      chatId: big(item.chatId as Int64) ?? 0n,
      authorId: big(item.authorId as Int64) ?? 0n,
      dateSent: big(which.dateSent as Int64) ?? 0n,
    });
  }
}

/**
 * Applies the exclusion rules to a list of chat items at once.
 * @returns the items to write, in order, and the report.
 * @throws {TypeError} for an unknown purpose, a bad time or an item that is not an object.
 * @throws {RangeError} for a negative time.
 */
export function applyExclusions(
  purpose: BackupPurpose,
  backupTimeMs: bigint | number,
  items: Iterable<ChatItem>,
  options?: ExclusionPolicyOptions,
): {
  /** The chat items to write, in input order (changed ones are shallow copies). */
  items: ChatItem[];
  /** What the policy dropped and stripped. */
  report: ExclusionReport;
} {
  const policy = new ExclusionPolicy(purpose, backupTimeMs, options);
  const out: ChatItem[] = [];
  for (const item of items) {
    const kept = policy.apply(item);
    if (kept !== undefined) out.push(kept);
  }
  return { items: out, report: policy.report };
}
