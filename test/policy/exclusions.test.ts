import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatItem } from '../../src/frames/schema.js';
import {
  applyExclusions,
  type BackupPurpose,
  DISAPPEARING_LIMIT_MS,
  ExclusionPolicy,
} from '../../src/policy/exclusions.js';

// The limit is 24 h: libsignal MAX_REMOTE_BACKUP_DISAPPEARING_MESSAGE_TIME (rust/message-backup/src/backup/chat.rs);
// Desktop DAY (ts/services/backups/util/expiration.std.ts); docs/format.md §14.
const DAY = 86_400_000n;
const BACKUP_TIME = 1_700_000_000_000n;

let sent = 1_600_000_000_000n;
function message(fields: Partial<ChatItem> = {}): ChatItem {
  sent += 1000n;
  return {
    chatId: 1n,
    authorId: 2n,
    dateSent: sent,
    incoming: { dateReceived: sent + 5n, read: false },
    standardMessage: { text: { body: 'hello' } },
    ...fields,
  };
}
/** A started timer of `timer` ms that expires at `expiresAt`. */
function started(timer: bigint, expiresAt: bigint): Partial<ChatItem> {
  return { expiresInMs: timer, expireStartDate: expiresAt - timer };
}
const attachment = { pointer: { contentType: 'image/jpeg', locatorInfo: { size: 10 } }, wasDownloaded: true };
function viewOnce(): ChatItem {
  return message({
    standardMessage: null,
    viewOnceMessage: { attachment, reactions: [{ emoji: '👍', authorId: 1n, sentTimestamp: sent, sortOrder: 1n }] },
  });
}
function run(purpose: BackupPurpose, item: ChatItem) {
  const policy = new ExclusionPolicy(purpose, BACKUP_TIME);
  return { out: policy.apply(item), report: policy.report };
}

describe('exclusion policy: remote backups (docs/format.md §14)', () => {
  it('the constant is 24 hours', () => expect(DISAPPEARING_LIMIT_MS).toBe(DAY));

  it('drops a timer of exactly 24 h, unstarted', () => {
    const { out, report } = run('remote', message({ expiresInMs: DAY }));
    expect(out).toBeUndefined();
    expect(report.dropped).toEqual({ shortTimer: 1 });
  });

  it('drops a timer of 24 h - 1 ms', () => {
    expect(run('remote', message({ expiresInMs: DAY - 1n })).report.dropped).toEqual({ shortTimer: 1 });
  });

  it('keeps an unstarted timer of 24 h + 1 ms, fields untouched', () => {
    const item = message({ expiresInMs: DAY + 1n });
    const { out, report } = run('remote', item);
    expect(out).toBe(item);
    expect(out?.expiresInMs).toBe(DAY + 1n);
    expect(out?.expireStartDate).toBeUndefined();
    expect(report.dropped).toEqual({});
  });

  it('drops a started 24 h timer even when it expires long after the backup', () => {
    const { report } = run('remote', message(started(DAY, BACKUP_TIME + 10n * DAY)));
    expect(report.dropped).toEqual({ shortTimer: 1 });
  });

  it('drops a started message expiring exactly 24 h after the backup time', () => {
    const { out, report } = run('remote', message(started(7n * DAY, BACKUP_TIME + DAY)));
    expect(out).toBeUndefined();
    expect(report.dropped).toEqual({ expiresWithin24h: 1 });
  });

  it('drops one expiring 24 h - 1 ms after the backup time', () => {
    expect(run('remote', message(started(7n * DAY, BACKUP_TIME + DAY - 1n))).report.dropped).toEqual({
      expiresWithin24h: 1,
    });
  });

  it('keeps one expiring 24 h + 1 ms after the backup time', () => {
    const item = message(started(7n * DAY, BACKUP_TIME + DAY + 1n));
    expect(run('remote', item).out).toBe(item);
  });

  it('drops one that had already expired', () => {
    expect(run('remote', message(started(7n * DAY, BACKUP_TIME - 1n))).report.dropped).toEqual({
      expiresWithin24h: 1,
    });
  });

  it('keeps messages without a timer, and clears a zero timer that never started', () => {
    const plain = message();
    expect(run('remote', plain).out).toBe(plain);
    const zero = message({ expiresInMs: 0n });
    const { out, report } = run('remote', zero);
    expect(out?.expiresInMs).toBeNull();
    expect(zero.expiresInMs).toBe(0n); // input untouched
    expect(report.stripped).toEqual({ zeroTimer: 1 });
    // A zero timer that did start has expired: dropped.
    expect(run('remote', message({ expiresInMs: 0n, expireStartDate: 5n })).out).toBeUndefined();
  });

  it('keeps a view-once message as a tombstone without its attachment (docs/format.md §14)', () => {
    const item = viewOnce();
    const { out, report } = run('remote', item);
    expect(out?.viewOnceMessage?.attachment).toBeNull();
    expect(out?.viewOnceMessage?.reactions).toHaveLength(1);
    expect(item.viewOnceMessage?.attachment).toBe(attachment); // input untouched
    expect(report.stripped).toEqual({ viewOnceAttachment: 1 });
    // An already viewed one (no attachment) is not counted.
    const viewed = message({ standardMessage: null, viewOnceMessage: { reactions: [] } });
    expect(run('remote', viewed).report.stripped).toEqual({});
  });

  it('drops an edited disappearing message with all its revisions', () => {
    const item = message({
      expiresInMs: DAY,
      revisions: [message({ expiresInMs: DAY }), message({ expiresInMs: DAY })],
    });
    const { out, report } = run('remote', item);
    expect(out).toBeUndefined();
    expect(report.dropped).toEqual({ shortTimer: 1 });
    expect(report.revisionsDropped).toEqual({});
  });

  it('removes revisions that would be dropped on their own from a kept message', () => {
    const keep = message({ expiresInMs: 7n * DAY });
    const short = message({ expiresInMs: DAY });
    const soon = message(started(7n * DAY, BACKUP_TIME + DAY));
    const item = message({ expiresInMs: 7n * DAY, revisions: [short, keep, soon] });
    const { out, report } = run('remote', item);
    expect(out?.revisions).toEqual([keep]);
    expect(item.revisions).toHaveLength(3);
    expect(report.dropped).toEqual({});
    expect(report.revisionsDropped).toEqual({ shortTimer: 1, expiresWithin24h: 1 });
    expect(report.entries.map((e) => [e.action, e.reason, e.dateSent])).toEqual([
      ['revisionDropped', 'shortTimer', short.dateSent],
      ['revisionDropped', 'expiresWithin24h', soon.dateSent],
    ]);
  });
});

describe('exclusion policy: device transfer', () => {
  it('keeps short timers and messages that expire soon', () => {
    const short = message({ expiresInMs: 1000n });
    expect(run('transfer', short).out).toBe(short);
    const soon = message(started(DAY, BACKUP_TIME + 1n));
    expect(run('transfer', soon).out).toBe(soon);
  });

  it('drops only what has expired by the backup time (boundary inclusive, like iOS)', () => {
    expect(run('transfer', message(started(DAY, BACKUP_TIME))).report.dropped).toEqual({ expired: 1 });
    expect(run('transfer', message(started(DAY, BACKUP_TIME - 1n))).report.dropped).toEqual({ expired: 1 });
  });

  it('keeps view-once attachments', () => {
    const item = viewOnce();
    expect(run('transfer', item).out).toBe(item);
  });
});

describe('exclusion policy: takeout', () => {
  it('drops every disappearing message, however long the timer and started or not', () => {
    for (const fields of [{ expiresInMs: 365n * DAY }, started(365n * DAY, BACKUP_TIME + 300n * DAY)]) {
      const { out, report } = run('takeout', message(fields));
      expect(out).toBeUndefined();
      expect(report.dropped).toEqual({ disappearing: 1 });
    }
  });

  it('drops disappearing revisions of a message without a timer', () => {
    const plain = message();
    const { out, report } = run('takeout', message({ revisions: [message({ expiresInMs: 30n * DAY }), plain] }));
    expect(out?.revisions).toEqual([plain]);
    expect(report.revisionsDropped).toEqual({ disappearing: 1 });
  });

  it('strips view-once attachments', () => {
    const { out, report } = run('takeout', viewOnce());
    expect(out?.viewOnceMessage?.attachment).toBeNull();
    expect(report.stripped).toEqual({ viewOnceAttachment: 1 });
  });
});

describe('exclusion report', () => {
  it('identifies each item and caps the list, keeping exact counts', () => {
    const items = Array.from({ length: 5 }, () => message({ expiresInMs: 1n }));
    const { items: kept, report } = applyExclusions('remote', BACKUP_TIME, items, { maxEntries: 2 });
    expect(kept).toEqual([]);
    expect(report.dropped).toEqual({ shortTimer: 5 });
    expect(report.entries).toEqual([
      { action: 'dropped', reason: 'shortTimer', chatId: 1n, authorId: 2n, dateSent: items[0]!.dateSent },
      { action: 'dropped', reason: 'shortTimer', chatId: 1n, authorId: 2n, dateSent: items[1]!.dateSent },
    ]);
    expect(report.entriesTruncated).toBe(true);
  });

  it('property: counts equal the items actually dropped, and kept items pass the rules', () => {
    const timer = fc.option(fc.bigInt({ min: 0n, max: 3n * DAY }), { nil: undefined });
    const offset = fc.option(fc.bigInt({ min: -3n * DAY, max: 3n * DAY }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.constantFrom<BackupPurpose>('remote', 'transfer', 'takeout'),
        fc.array(fc.tuple(timer, offset, fc.boolean()), { maxLength: 40 }),
        (purpose, specs) => {
          const items = specs.map(([t, off, vo]) => {
            const fields: Partial<ChatItem> = {};
            if (t !== undefined) fields.expiresInMs = t;
            if (t !== undefined && off !== undefined) fields.expireStartDate = BACKUP_TIME + off;
            return vo ? { ...viewOnce(), ...fields } : message(fields);
          });
          const { items: kept, report } = applyExclusions(purpose, BACKUP_TIME, items);
          const droppedCount = Object.values(report.dropped).reduce((a, b) => a + b, 0);
          expect(kept.length + droppedCount).toBe(items.length);
          expect(report.itemsSeen).toBe(items.length);
          for (const k of kept) {
            const timerMs = k.expiresInMs as bigint | null | undefined;
            if (purpose === 'takeout') expect(timerMs ?? null).toBeNull();
            if (purpose === 'remote' && timerMs != null) {
              expect(timerMs).toBeGreaterThan(DAY);
              const start = k.expireStartDate as bigint | undefined;
              if (start !== undefined) expect(start + timerMs).toBeGreaterThan(BACKUP_TIME + DAY);
            }
            if (purpose !== 'transfer') expect(k.viewOnceMessage?.attachment ?? null).toBeNull();
          }
        },
      ),
    );
  });

  it('rejects bad arguments', () => {
    expect(() => new ExclusionPolicy('backup' as never, 0n)).toThrow(/purpose/);
    expect(() => new ExclusionPolicy('remote', 1.5)).toThrow(/backupTimeMs/);
    expect(() => new ExclusionPolicy('remote', -1n)).toThrow(RangeError);
    expect(() => new ExclusionPolicy('remote', 0n).apply(null as never)).toThrow(TypeError);
  });
});
