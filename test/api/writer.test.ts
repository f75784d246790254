import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackupReader } from '../../src/api/reader.js';
import { generateSyntheticAccount, type SyntheticAccount } from '../../src/testing/synthetic.js';
import { type BackupContent, type BackupWriteResult, BackupWriter } from '../../src/api/writer.js';
import { isBackupError } from '../../src/errors.js';
import { encodeFrame, type Frame } from '../../src/frames/codec.js';
import type { ChatItem } from '../../src/frames/schema.js';
import { decodeBackup } from '../../src/frames/stream.js';
import { concatByteList, toHex } from '../../src/internal/bytes.js';
import { type BackupPurpose, ExclusionPolicy } from '../../src/policy/exclusions.js';

/** The frames a backup of `acc` must contain, in order, encoded: the policy applied independently. */
function expectedFrames(acc: SyntheticAccount, purpose: BackupPurpose): string[] {
  const frames: Frame[] = [
    { account: acc.account },
    ...acc.recipients.map((recipient) => ({ recipient })),
    ...acc.chats.map((chat) => ({ chat })),
    ...acc.stickerPacks.map((stickerPack) => ({ stickerPack })),
    ...acc.adHocCalls.map((adHocCall) => ({ adHocCall })),
    ...acc.notificationProfiles.map((notificationProfile) => ({ notificationProfile })),
    ...acc.chatFolders.map((chatFolder) => ({ chatFolder })),
  ];
  const policy = new ExclusionPolicy(purpose, acc.backupInfo.backupTimeMs as bigint);
  for (const item of acc.chatItems()) {
    const kept = policy.apply(item);
    if (kept) frames.push({ chatItem: kept });
  }
  return frames.map((f) => toHex(encodeFrame(f)));
}

async function roundTrip(acc: SyntheticAccount, purpose: BackupPurpose) {
  const key = { recoveryKey: acc.recoveryKey, aci: acc.aci };
  const { bytes, result } = await new BackupWriter({ purpose, key }).writeToBytes(acc.backupContent());
  const reader = await BackupReader.open(bytes, { key });
  const got: string[] = [];
  for await (const f of reader.frames()) got.push(toHex(encodeFrame(f)));
  return { bytes, result, reader, got };
}

describe('BackupWriter -> BackupReader', () => {
  for (const purpose of ['remote', 'transfer', 'takeout'] as const) {
    it(`round-trips everything the ${purpose} policy keeps`, async () => {
      const acc = generateSyntheticAccount({ seed: 5, messages: 1500, attachments: 40, contacts: 8, groups: 3 });
      const { bytes, result, reader, got } = await roundTrip(acc, purpose);
      expect(got).toEqual(expectedFrames(acc, purpose));
      expect(result.bytes).toBe(bytes.length);
      expect(result.chatItemsRead).toBe(1500);
      const dropped = Object.values(result.exclusions.dropped).reduce((a, b) => a + b, 0);
      expect(result.chatItemsWritten).toBe(1500 - dropped);
      expect(got.length).toBe(result.frames);
      expect(toHex(reader.backupInfo.mediaRootBackupKey as Uint8Array)).toBe(
        toHex(acc.backupInfo.mediaRootBackupKey as Uint8Array),
      );
      expect(reader.backupInfo.backupTimeMs).toBe(acc.backupInfo.backupTimeMs);
    });
  }

  it('property: generated accounts of any shape come back equal', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom<BackupPurpose>('remote', 'transfer', 'takeout'),
        async (seed, messages, contacts, groups, purpose) => {
          const acc = generateSyntheticAccount({
            seed,
            messages,
            contacts,
            groups,
            attachments: Math.min(messages, 5),
            attachmentBytes: [1, 4000],
          });
          const { got } = await roundTrip(acc, purpose);
          expect(got).toEqual(expectedFrames(acc, purpose));
        },
      ),
      { numRuns: 12 },
    );
  });

  it('returns the referenced media, with the names the reader derives', async () => {
    const acc = generateSyntheticAccount({ seed: 9, messages: 600, attachments: 40, contacts: 4, groups: 1 });
    const { result, reader } = await roundTrip(acc, 'remote');
    // Only attachments of kept messages count; view-once ones are stripped from remote backups.
    const policy = new ExclusionPolicy('remote', acc.backupInfo.backupTimeMs as bigint);
    const keptKeys = new Set<string>();
    for (const item of acc.chatItems()) {
      for (const a of policy.apply(item)?.standardMessage?.attachments ?? []) {
        keptKeys.add(toHex(a.pointer!.locatorInfo!.key as Uint8Array));
      }
    }
    const expected = acc.attachments.filter((a) => keptKeys.has(toHex(a.key)));
    expect(expected.length).toBeGreaterThan(30);
    expect(expected.some((a) => a.viewOnce)).toBe(false);
    expect(result.media.map((m) => m.mediaName).sort()).toEqual(
      expected.map((a) => toHex(a.plaintextHash) + toHex(a.key)).sort(),
    );
    for (const m of result.media) {
      const names = reader.attachmentNames({
        locatorInfo: { key: m.key, plaintextHash: m.plaintextHash, localKey: m.localKey },
      })!;
      expect(m.mediaId).toBe(names.mediaIdBase64Url);
      expect(m.localName).toBe(names.localFileName);
      expect(m.thumbnail).toBe(false);
      expect(m.size).toBe(expected.find((a) => toHex(a.key) === toHex(m.key))!.plaintext.length);
    }
    const local = await new BackupWriter({
      purpose: 'remote',
      key: { recoveryKey: acc.recoveryKey, aci: acc.aci },
      mediaLayout: 'local',
    }).writeToBytes(acc.backupContent());
    expect(local.result.media.every((m) => m.mediaId === m.localName)).toBe(true);
    const transfer = await new BackupWriter({
      purpose: 'transfer',
      key: { recoveryKey: acc.recoveryKey, aci: acc.aci },
      thumbnails: true,
    }).writeToBytes(acc.backupContent());
    expect(transfer.result.media.length).toBeGreaterThan(acc.attachments.length); // view-once kept, plus thumbnails
    expect(transfer.result.media.filter((m) => m.thumbnail).every((m) => m.mediaName.endsWith('_thumbnail'))).toBe(
      true,
    );
  });

  it('plaintext(): the same frames unencrypted, as a varint-delimited .binproto', async () => {
    const acc = generateSyntheticAccount({ seed: 4, messages: 300, attachments: 10, contacts: 3, groups: 1 });
    const writer = new BackupWriter({ purpose: 'remote', key: { recoveryKey: acc.recoveryKey, aci: acc.aci } });
    const parts: Uint8Array[] = [];
    let result: BackupWriteResult | undefined;
    for await (const p of writer.plaintext(acc.backupContent(), (r) => {
      result = r;
    }))
      parts.push(p);
    const all = concatByteList(parts);
    const decoded = decodeBackup(all);
    expect(decoded.frames.map((f) => toHex(encodeFrame(f)))).toEqual(expectedFrames(acc, 'remote'));
    expect(result?.bytes).toBe(all.length);
    expect(result?.frames).toBe(decoded.frames.length);
  });

  it('reader lookups: recipients and chats by id', async () => {
    const acc = generateSyntheticAccount({ messages: 50, attachments: 0, contacts: 3, groups: 1 });
    const { reader } = await roundTrip(acc, 'transfer');
    expect(reader.chat(2)?.recipientId).toBe(acc.chats[1]!.recipientId);
    expect(reader.recipient(acc.chats[1]!.recipientId as bigint)?.contact?.profileGivenName).toBe('Alice');
    expect(reader.recipient(999)).toBeUndefined();
  });

  it('streams: reads chat items lazily from an async iterable as the output is consumed', async () => {
    const acc = generateSyntheticAccount({ messages: 20_000, attachments: 0, contacts: 5, groups: 1 });
    let produced = 0;
    async function* items() {
      for (const item of acc.chatItems()) {
        produced++;
        yield item;
      }
    }
    const seenAtChunk: number[] = [];
    await new BackupWriter({ purpose: 'transfer', key: { recoveryKey: acc.recoveryKey, aci: acc.aci } }).writeTo(
      acc.backupContent(items()),
      () => {
        seenAtChunk.push(produced);
      },
    );
    // Output started flowing long before the input ended.
    expect(seenAtChunk.length).toBeGreaterThan(3);
    expect(seenAtChunk[2]).toBeLessThan(20_000);
  });

  it('forward secrecy: a token gives the modern layout, which opens only with the token', async () => {
    const acc = generateSyntheticAccount({ messages: 20, attachments: 0, contacts: 2, groups: 0 });
    const token = new Uint8Array(32).fill(0xab);
    const key = { recoveryKey: acc.recoveryKey, aci: acc.aci, forwardSecrecyToken: token };
    const { bytes, result } = await new BackupWriter({ purpose: 'remote', key }).writeToBytes(acc.backupContent());
    expect(toHex(bytes.subarray(0, 8))).toBe('534241434b555001'); // "SBACKUP\x01" (format §3.1)
    expect(result.metadata).toBeDefined();
    const reader = await BackupReader.open(bytes, { key });
    expect(reader.layout).toBe('modern');
    await expect(
      BackupReader.open(bytes, { key: { recoveryKey: acc.recoveryKey, aci: acc.aci } }),
    ).rejects.toMatchObject({
      code: 'MAC_MISMATCH',
    });
  });
});

describe('BackupWriter rejects what the format forbids, naming the record', () => {
  const acc = generateSyntheticAccount({ messages: 10, attachments: 0, contacts: 2, groups: 0 });
  const key = { recoveryKey: acc.recoveryKey, aci: acc.aci };
  async function failure(c: BackupContent): Promise<{ code: string; message: string }> {
    try {
      await new BackupWriter({ purpose: 'transfer', key }).writeToBytes(c);
    } catch (e) {
      if (isBackupError(e)) return { code: e.code, message: e.message };
      throw e;
    }
    throw new Error('expected a rejection');
  }

  it('a chat item whose chat is unknown', async () => {
    const bad: ChatItem = { ...[...acc.chatItems()][0]!, chatId: 99n, dateSent: 12345n };
    expect(await failure(acc.backupContent([bad]))).toEqual({
      code: 'ORDER_VIOLATION',
      message: 'chat item 12345 in chat 99: no chat with id 99 was given before it',
    });
  });

  it('a chat item whose author or reaction author is unknown', async () => {
    const item = [...acc.chatItems()].find((i) => i.incoming != null)!;
    const f = await failure(acc.backupContent([{ ...item, authorId: 77n }]));
    expect(f.code).toBe('ORDER_VIOLATION');
    expect(f.message).toMatch(/authorId.*no recipient with id 77/);
  });

  it('a chat given before its recipient', async () => {
    const chats = [...acc.chats];
    const f = await failure({ ...acc.backupContent(), recipients: acc.recipients.slice(0, 3), chats });
    expect(f).toMatchObject({ code: 'ORDER_VIOLATION' });
    expect(f.message).toMatch(/^chat 2: no recipient with id \d+ was given before it$/);
  });

  it('a duplicate recipient id, a missing Self, a missing account, a bad media root key', async () => {
    expect(
      (await failure({ ...acc.backupContent(), recipients: [...acc.recipients, acc.recipients[3]!] })).message,
    ).toMatch(/recipient \d+: the id is used twice/);
    expect(
      (await failure({ ...acc.backupContent([]), recipients: acc.recipients.slice(1), chats: [] })).message,
    ).toMatch(/exactly one Self recipient, got 0/);
    expect((await failure({ ...acc.backupContent(), account: undefined as never })).code).toBe('INVALID_BACKUP');
    expect(
      (
        await failure({
          ...acc.backupContent(),
          backupInfo: { ...acc.backupInfo, mediaRootBackupKey: new Uint8Array(5) },
        })
      ).message,
    ).toMatch(/mediaRootBackupKey must be 32 bytes/);
  });

  it('bad options', () => {
    expect(() => new BackupWriter({ purpose: 'backup' as never, key })).toThrow(/purpose/);
    expect(() => new BackupWriter({ purpose: 'remote', key, mediaLayout: 'cloud' as never })).toThrow(/mediaLayout/);
  });
});
