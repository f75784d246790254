import { describe, expect, it } from 'vitest';
import { extendSyntheticAccount, generateSyntheticAccount } from '../../src/testing/synthetic.js';
import { encodeFrame } from '../../src/frames/codec.js';
import { toHex } from '../../src/internal/bytes.js';
import { isValidRecoveryKey } from '../../src/keys/recoveryKey.js';

function digestOfItems(acc: ReturnType<typeof generateSyntheticAccount>): string {
  // A cheap fingerprint of the whole item stream: total encoded length and a rolling sum.
  let sum = 0;
  let length = 0;
  for (const item of acc.chatItems()) {
    const b = encodeFrame({ chatItem: item });
    length += b.length;
    for (let i = 0; i < b.length; i += 7) sum = (sum * 31 + b[i]!) >>> 0;
  }
  return `${length}:${sum}`;
}

describe('synthetic account', () => {
  const acc = generateSyntheticAccount({ messages: 4000, attachments: 60 });

  it('has the sizes asked for', () => {
    expect(acc.recipients.filter((r) => r.contact != null)).toHaveLength(50);
    expect(acc.recipients.filter((r) => r.group != null)).toHaveLength(10);
    expect(acc.chats).toHaveLength(61); // Note to Self + 50 + 10
    expect(acc.messageCount).toBe(4000);
    expect([...acc.chatItems()]).toHaveLength(4000);
    expect(acc.attachments).toHaveLength(60);
    expect(isValidRecoveryKey(acc.recoveryKey)).toBe(true);
    expect(acc.aci).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('is deterministic: same seed, same account; another seed, another account', () => {
    const again = generateSyntheticAccount({ messages: 4000, attachments: 60 });
    expect(again.recoveryKey).toBe(acc.recoveryKey);
    expect(digestOfItems(again)).toBe(digestOfItems(acc));
    expect(toHex(again.attachments[17]!.plaintext)).toBe(toHex(acc.attachments[17]!.plaintext));
    const other = generateSyntheticAccount({ seed: 2, messages: 4000, attachments: 60 });
    expect(other.recoveryKey).not.toBe(acc.recoveryKey);
    expect(digestOfItems(other)).not.toBe(digestOfItems(acc));
  });

  it('contains every kind of content the demo promises', () => {
    const items = [...acc.chatItems()];
    const count = (f: (i: (typeof items)[number]) => boolean) => items.filter(f).length;
    expect(count((i) => (i.revisions?.length ?? 0) > 0)).toBeGreaterThan(10);
    expect(count((i) => (i.standardMessage?.reactions?.length ?? 0) > 0)).toBeGreaterThan(100);
    expect(count((i) => i.standardMessage?.quote != null)).toBeGreaterThan(50);
    expect(count((i) => (i.standardMessage?.text?.bodyRanges?.length ?? 0) > 0)).toBeGreaterThan(20);
    expect(count((i) => i.expiresInMs != null)).toBeGreaterThan(5);
    expect(count((i) => i.expiresInMs != null && i.expireStartDate == null)).toBeGreaterThan(0);
    expect(count((i) => i.viewOnceMessage?.attachment != null)).toBe(3); // every 20th of 60
    expect(count((i) => i.outgoing != null)).toBeGreaterThan(1000);
    expect(count((i) => i.incoming != null)).toBeGreaterThan(1000);
    const withAttachments = count((i) => (i.standardMessage?.attachments?.length ?? 0) > 0);
    expect(withAttachments + 3).toBe(60);
  });

  it('attachments carry real bytes whose SHA-256 is the plaintextHash (checked with WebCrypto)', async () => {
    for (const a of acc.attachments.slice(0, 10)) {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', a.plaintext as Uint8Array<ArrayBuffer>));
      expect(toHex(a.plaintextHash)).toBe(toHex(digest));
      expect(a.key).toHaveLength(64);
      expect(a.localKey).toHaveLength(64);
      expect(a.plaintext.length).toBeGreaterThanOrEqual(2048);
      expect(a.plaintext.length).toBeLessThanOrEqual(96 * 1024);
    }
  });

  it('items are in render order and reference known chats', () => {
    const chatIds = new Set(acc.chats.map((c) => c.id));
    let previous = -1n;
    for (const item of acc.chatItems()) {
      expect(chatIds.has(item.chatId as bigint)).toBe(true);
      expect(item.dateSent as bigint).toBeGreaterThan(previous);
      previous = item.dateSent as bigint;
    }
    expect(previous).toBeLessThan(acc.backupInfo.backupTimeMs as bigint);
  });

  it('rejects bad sizes', () => {
    expect(() => generateSyntheticAccount({ messages: -1 })).toThrow(RangeError);
    expect(() => generateSyntheticAccount({ messages: 10, attachments: 11 })).toThrow(/attachments/);
    expect(() => generateSyntheticAccount({ contacts: 0 })).toThrow(/contacts/);
  });
});

describe('extendSyntheticAccount', () => {
  it('keeps the old items, adds new ones with new photos, and moves the backup time', () => {
    const acc = generateSyntheticAccount({ messages: 500, attachments: 20, contacts: 5, groups: 1 });
    const later = extendSyntheticAccount(acc, { messages: 30, attachments: 5 });
    const oldItems = [...acc.chatItems()].map((i) => toHex(encodeFrame({ chatItem: i })));
    const newItems = [...later.chatItems()].map((i) => toHex(encodeFrame({ chatItem: i })));
    expect(newItems).toHaveLength(530);
    expect(newItems.slice(0, 500)).toEqual(oldItems);
    expect(later.attachments).toHaveLength(25);
    expect(later.attachments.slice(0, 20)).toEqual(acc.attachments);
    expect(later.backupInfo.backupTimeMs).toBe((acc.backupInfo.backupTimeMs as bigint) + 86_400_000n);
    const added = [...later.chatItems()].slice(500);
    expect(added.filter((i) => (i.standardMessage?.attachments?.length ?? 0) > 0)).toHaveLength(5);
    for (const i of added) expect(i.dateSent as bigint).toBeLessThan(later.backupInfo.backupTimeMs as bigint);
    expect(added[0]!.dateSent as bigint).toBeGreaterThan(acc.backupInfo.backupTimeMs as bigint);
    expect(() => extendSyntheticAccount({ ...acc })).toThrow(TypeError);
  });
});

describe('SyntheticAccount.backupContent', () => {
  it('holds the records of its own account, also after extendSyntheticAccount', async () => {
    const acc = generateSyntheticAccount({ contacts: 3, groups: 1, messages: 40, attachments: 4 });
    const later = extendSyntheticAccount(acc, { messages: 5, attachments: 1 });
    for (const a of [acc, later]) {
      const c = a.backupContent();
      expect(c.backupInfo).toBe(a.backupInfo);
      expect(c.account).toBe(a.account);
      expect(c.recipients).toBe(a.recipients);
      expect(c.chats).toBe(a.chats);
      expect(c.chatFolders).toBe(a.chatFolders);
      let n = 0;
      for await (const _ of c.chatItems as Iterable<unknown>) n++;
      expect(n).toBe(a.messageCount);
    }
    expect(later.backupContent().backupInfo.backupTimeMs).not.toBe(acc.backupInfo.backupTimeMs);
    expect(acc.backupContent([]).chatItems).toEqual([]);
  });
});
