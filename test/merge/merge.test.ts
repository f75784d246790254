import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BackupContent, BackupWriter } from '../../src/api/writer.js';
import { isBackupError } from '../../src/errors.js';
import { concatByteList, toHex } from '../../src/internal/bytes.js';
import type { ChatItem } from '../../src/frames/schema.js';
import { mergeBackups, mergeSourceOf } from '../../src/merge/merge.js';
import { generateSyntheticAccount } from '../../src/testing/synthetic.js';
import { KEY, pair, viewAfterPolicy, viewOf, writtenFrames } from './fixtures.js';

const DAY = 86_400_000n;

describe('mergeBackups', () => {
  it('merging a backup with itself gives the same frames', async () => {
    const acc = generateSyntheticAccount({ seed: 5, contacts: 5, groups: 2, messages: 400, attachments: 6 });
    const src = () => acc.backupContent();
    const merged = await mergeBackups(mergeSourceOf(src), mergeSourceOf(src));
    const out = await writtenFrames(merged);
    const parts: Uint8Array[] = [];
    for await (const c of new BackupWriter({ purpose: 'remote', key: KEY }).plaintext(acc.backupContent()))
      parts.push(c);
    expect(toHex(out.plaintext)).toBe(toHex(concatByteList(parts)));
    expect(merged.counts.chatItems.deduplicated).toBe(400);
    expect(merged.counts.recipients.deduplicated).toBe(acc.recipients.length);
    expect(merged.counts.chatFolders.merged).toBe(acc.chatFolders.length);
  });

  it('keeps the union, deduplicates, maps ids, and never duplicates the ALL folder (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 1000 }),
          messages: fc.integer({ min: 20, max: 200 }),
          added: fc.integer({ min: 0, max: 30 }),
          olderOffset: fc.bigInt({ min: 0n, max: 50n }),
          newerOffset: fc.bigInt({ min: 0n, max: 50n }),
          olderMissing: fc.integer({ min: 2, max: 9 }),
          newerMissing: fc.integer({ min: 2, max: 9 }),
          extras: fc.integer({ min: 0, max: 5 }),
          otherAll: fc.boolean(),
        }),
        async (p) => {
          const { older, newer, olderContent, newerContent } = pair({
            seed: p.seed,
            messages: p.messages,
            added: p.added,
            // Each side lacks some items the other has (deleted, or expired on that device).
            older: {
              offset: p.olderOffset,
              missing: (i) => i % p.olderMissing === 1,
              ...(p.extras > 0 ? { extras: { seed: p.seed, extraMessages: p.extras } } : {}),
              otherAllFolderId: p.otherAll,
            },
            newer: { offset: p.newerOffset, missing: (i) => i % p.newerMissing === 0 && i < p.messages },
          });
          const merged = await mergeBackups(older, newer);
          // The writer runs every frame through the validator: it throws on anything libsignal rejects.
          const { frames } = await writtenFrames(merged);
          const got = await viewOf(frames);
          const time = merged.backupInfo.backupTimeMs as bigint;
          const a = await viewAfterPolicy(olderContent(), 'remote', time);
          const b = await viewAfterPolicy(newerContent(), 'remote', time);
          expect(got.dangling).toBe(0);
          // No duplicate chat item, and exactly the union of both sides.
          expect(new Set(got.items).size).toBe(got.items.length);
          expect(new Set(got.items)).toEqual(new Set([...a.items, ...b.items]));
          // One record per identity.
          expect(new Set(got.recipients).size).toBe(got.recipients.length);
          expect(new Set(got.recipients)).toEqual(new Set([...a.recipients, ...b.recipients]));
          expect(new Set(got.chats).size).toBe(got.chats.length);
          expect(got.folders.filter((f) => f === 'ALL')).toEqual(['ALL']);
          expect(new Set(got.folders)).toEqual(new Set([...a.folders, ...b.folders]));
          expect(new Set(got.folders).size).toBe(got.folders.length);
          const c = merged.counts.chatItems;
          expect(c.kept).toBe(got.items.length);
          expect(c.kept + c.deduplicated + c.droppedExpired.older + c.droppedExpired.newer).toBe(c.older + c.newer);
          // The newer recipients keep their ids (the newer backup is the base).
          const newerIds = (newerContent().recipients as { id?: unknown }[]).map((r) => BigInt(r.id as bigint));
          const gotIds = frames.filter((f) => f.recipient).map((f) => BigInt(f.recipient!.id as bigint));
          expect(gotIds.slice(0, newerIds.length)).toEqual(newerIds);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('drops what would now expire too soon, judged at the later backup time', async () => {
    const acc = generateSyntheticAccount({ seed: 9, contacts: 2, groups: 0, messages: 0, attachments: 0 });
    const time = BigInt(acc.backupInfo.backupTimeMs as bigint);
    const chat = acc.chats[1]!;
    const item = (sent: bigint, fields: Partial<ChatItem>): ChatItem => ({
      chatId: chat.id!,
      authorId: chat.recipientId!,
      dateSent: sent,
      incoming: { dateReceived: sent, read: true },
      standardMessage: { text: { body: 'x' } },
      ...fields,
    });
    // Valid in the older backup (expires 2 days after it), too soon 2 days later.
    const expiring = item(time - DAY, { expiresInMs: 7n * DAY, expireStartDate: time + 2n * DAY - 7n * DAY });
    const plain = item(time - DAY + 1n, {});
    const older = mergeSourceOf({ ...acc.backupContent([expiring, plain]) });
    const newer = mergeSourceOf({
      ...acc.backupContent([]),
      backupInfo: { ...acc.backupInfo, backupTimeMs: time + 2n * DAY },
    });
    const merged = await mergeBackups(older, newer);
    const { frames } = await writtenFrames(merged);
    const items = frames.filter((f) => f.chatItem).map((f) => f.chatItem!);
    expect(items.map((i) => i.dateSent)).toEqual([plain.dateSent]);
    expect(merged.counts.chatItems.droppedExpired).toEqual({ older: 1, newer: 0 });
    expect(merged.counts.chatItems.droppedByReason).toEqual({ expiresWithin24h: 1 });
    expect(merged.backupInfo.backupTimeMs).toBe(time + 2n * DAY);
  });

  it('a newer pointer without a local copy takes the older one; unavailable local copies are dropped', async () => {
    const acc = generateSyntheticAccount({ seed: 4, contacts: 3, groups: 0, messages: 60, attachments: 5 });
    const withLocal = [...acc.chatItems()];
    const strip = (i: ChatItem): ChatItem => {
      const att = i.standardMessage?.attachments;
      if (!att?.length) return i;
      return {
        ...i,
        standardMessage: {
          ...i.standardMessage,
          attachments: att.map((a) => ({
            ...a,
            pointer: { ...a.pointer, locatorInfo: { ...a.pointer!.locatorInfo, localKey: null } },
          })),
        },
      };
    };
    const older = mergeSourceOf(() => acc.backupContent(withLocal));
    const newer = mergeSourceOf(() => acc.backupContent(withLocal.map(strip)));
    const localKeys = (frames: { chatItem?: ChatItem | null }[]) => {
      let n = 0;
      for (const f of frames)
        for (const a of f.chatItem?.standardMessage?.attachments ?? []) if (a.pointer?.locatorInfo?.localKey) n++;
      return n;
    };
    const expected = localKeys(withLocal.map((chatItem) => ({ chatItem })));
    expect(expected).toBeGreaterThan(0);
    const merged = await mergeBackups(older, newer);
    expect(localKeys((await writtenFrames(merged)).frames)).toBe(expected);
    expect(merged.counts.chatItems.mediaTakenOver).toBe(expected);
    // With a check that says no medium is there, no pointer keeps a local copy.
    const none = await mergeBackups(older, newer, { hasLocalMedium: () => false });
    expect(localKeys((await writtenFrames(none)).frames)).toBe(0);
    expect(none.counts.chatItems.mediaTakenOver).toBe(0);
  });

  it('an older item naming a recipient its backup lacks is a typed error', async () => {
    const acc = generateSyntheticAccount({ seed: 2, contacts: 2, groups: 0, messages: 0, attachments: 0 });
    const bad: ChatItem = {
      chatId: acc.chats[1]!.id!,
      authorId: 999n,
      dateSent: 1n,
      incoming: { dateReceived: 1n, read: true },
      standardMessage: { text: { body: 'x' } },
    };
    const merged = await mergeBackups(
      mergeSourceOf(() => acc.backupContent([bad])),
      mergeSourceOf(acc.backupContent([])),
    );
    const err = await writtenFrames(merged).catch((e) => e);
    expect(isBackupError(err, 'INVALID_BACKUP')).toBe(true);
    expect((err as Error).message).toMatch(/recipient 999/);
  });

  it('rejects malformed sources', async () => {
    await expect(mergeBackups({} as never, {} as never)).rejects.toThrow(TypeError);
  });
});

describe('mergeBackups identity rules', () => {
  const acc = generateSyntheticAccount({ seed: 11, contacts: 3, groups: 1, messages: 0, attachments: 0 });
  const base = acc.backupContent([]);
  const contacts = acc.recipients.filter((r) => r.contact);
  const aci = (b: number) => {
    const x = new Uint8Array(16).fill(b);
    x[6] = 0x4f;
    x[8] = 0x8f;
    return x;
  };
  const incoming = (chatId: bigint, authorId: bigint, sent: bigint): ChatItem => ({
    chatId,
    authorId,
    dateSent: sent,
    incoming: { dateReceived: sent, read: true },
    standardMessage: { text: { body: `m${sent}` } },
  });
  const t = BigInt(acc.backupInfo.backupTimeMs as bigint) - DAY;

  it('a contact with the same ACI and another PNI is one person; another ACI with a newer e164 keeps its ACI only', async () => {
    const c0 = contacts[0]!;
    const older = {
      ...base,
      recipients: [
        ...acc.recipients.map((r) => (r.id === c0.id ? { ...r, contact: { ...r.contact, pni: aci(0x11) } } : r)),
        // Another person who had the phone number the newer backup gives contacts[1].
        { id: 500n, contact: { aci: aci(0x22), e164: contacts[1]!.contact!.e164, registered: {} } },
      ],
      chats: [...(base.chats as never[]), { id: 600n, recipientId: 500n, expireTimerVersion: 1 }],
      chatItems: [incoming(600n, 500n, t), incoming(acc.chats[1]!.id as bigint, c0.id as bigint, t + 1n)],
    };
    const newer = {
      ...base,
      recipients: acc.recipients.map((r) => (r.id === c0.id ? { ...r, contact: { ...r.contact, pni: aci(0x12) } } : r)),
    };
    const merged = await mergeBackups(mergeSourceOf(older), mergeSourceOf(newer));
    const { frames } = await writtenFrames(merged);
    const recipients = frames.filter((f) => f.recipient).map((f) => f.recipient!);
    expect(recipients.length).toBe(acc.recipients.length + 1);
    const added = recipients.at(-1)!;
    expect(added.contact!.aci).toEqual(aci(0x22));
    expect(added.contact!.e164 ?? null).toBeNull();
    expect(merged.counts.fieldsCleared).toBe(1);
    const items = frames.filter((f) => f.chatItem).map((f) => f.chatItem!);
    expect(items.map((i) => i.authorId)).toEqual([added.id, c0.id]);
  });

  it('an older-only chat keeps its custom colour (added to the account) and loses a taken pinnedOrder', async () => {
    const color = { id: 7n, solid: 0xff112233 };
    const olderAccount = {
      ...acc.account,
      accountSettings: { ...acc.account.accountSettings, customChatColors: [color] },
    };
    const older = {
      ...base,
      account: olderAccount,
      recipients: [...acc.recipients, { id: 500n, contact: { aci: aci(0x33), registered: {} } }],
      chats: [
        ...(base.chats as never[]),
        { id: 600n, recipientId: 500n, expireTimerVersion: 1, pinnedOrder: 1, style: { customColorId: 7n } },
      ],
    };
    const merged = await mergeBackups(mergeSourceOf(older), mergeSourceOf(base));
    const { frames } = await writtenFrames(merged);
    const colors = frames[0]!.account!.accountSettings!.customChatColors!;
    expect(colors.length).toBe(1);
    const chat = frames.filter((f) => f.chat).at(-1)!.chat!;
    expect(chat.style!.customColorId).toBe(colors[0]!.id);
    expect(chat.pinnedOrder ?? null).toBeNull();
    expect(merged.counts.customColorsAdded).toBe(1);
  });

  it('profiles and folders of one name are one; an older-only folder names merged ids', async () => {
    const older: BackupContent = {
      ...base,
      notificationProfiles: acc.notificationProfiles.map((p) => ({
        ...p,
        id: new Uint8Array(16).fill(9),
      })),
      chatFolders: [
        ...acc.chatFolders.map((f) => ({
          ...f,
          id: new Uint8Array(16).fill(f.folderType ?? 0),
        })),
        {
          id: new Uint8Array(16).fill(0x44),
          name: 'Friends',
          folderType: 2,
          showMutedChats: true,
          includedRecipientIds: [contacts[2]!.id!],
        },
      ],
    };
    const merged = await mergeBackups(mergeSourceOf(older), mergeSourceOf(base));
    const { frames } = await writtenFrames(merged);
    expect(frames.filter((f) => f.notificationProfile).length).toBe(acc.notificationProfiles.length);
    const folders = frames.filter((f) => f.chatFolder).map((f) => f.chatFolder!);
    expect(folders.map((f) => f.name)).toEqual([...acc.chatFolders.map((f) => f.name), 'Friends']);
    expect(folders.at(-1)!.includedRecipientIds).toEqual([contacts[2]!.id]);
  });
});
