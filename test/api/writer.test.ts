import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackupReader } from '../../src/api/reader.js';
import { generateSyntheticAccount, type SyntheticAccount } from '../../src/testing/synthetic.js';
import { type BackupContent, type BackupWriteResult, BackupWriter } from '../../src/api/writer.js';
import { type AnyBackupError, isBackupError } from '../../src/errors.js';
import { encodeFrame, type Frame } from '../../src/frames/codec.js';
import type { ChatItem } from '../../src/frames/schema.js';
import { decodeBackup } from '../../src/frames/stream.js';
import { concatByteList, fromHex, toHex } from '../../src/internal/bytes.js';
import { type BackupPurpose, ExclusionPolicy } from '../../src/policy/exclusions.js';
import { isReferenceFindingCode } from '../../src/validate/codes.js';
import { BackupValidator } from '../../src/validate/validator.js';

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
    expect(toHex(bytes.subarray(0, 8))).toBe('534241434b555001'); // "SBACKUP\x01" (docs/format.md §4)
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
  async function rejection(c: BackupContent, purpose: BackupPurpose = 'transfer'): Promise<AnyBackupError> {
    try {
      await new BackupWriter({ purpose, key }).writeToBytes(c);
    } catch (e) {
      if (isBackupError(e)) return e;
      throw e;
    }
    throw new Error('expected a rejection');
  }
  async function failure(c: BackupContent): Promise<{ code: string; message: string }> {
    const e = await rejection(c);
    return { code: e.code, message: e.message };
  }
  const incoming = () => structuredClone([...acc.chatItems()].find((i) => i.incoming != null && i.standardMessage)!);

  it('a chat item whose chat is unknown', async () => {
    const bad: ChatItem = { ...[...acc.chatItems()][0]!, chatId: 99n, dateSent: 12345n };
    expect(await failure(acc.backupContent([bad]))).toEqual({
      code: 'ORDER_VIOLATION',
      message: 'chat item 12345 in chat 99: chat item refers to chat 99, which does not exist (yet)',
    });
    const e = await rejection(acc.backupContent([bad]));
    if (e.code !== 'ORDER_VIOLATION') throw new Error(`expected ORDER_VIOLATION, got ${e.code}`);
    // Narrowed by the code: details.finding is a reference finding code.
    expect(e.details).toEqual({
      finding: 'UNKNOWN_CHAT',
      // after the account, the recipients, the chats, 2 sticker packs, a call, a profile, 2 folders
      frameIndex: 1 + acc.recipients.length + acc.chats.length + 6 + 1,
      frameType: 'chatItem',
      chatId: 99n,
      dateSent: 12345n,
    });
  });

  it('a chat item whose author or reaction author is unknown', async () => {
    const item = incoming();
    const f = await failure(acc.backupContent([{ ...item, authorId: 77n }]));
    expect(f.code).toBe('ORDER_VIOLATION');
    expect(f.message).toMatch(/^chat item \d+ in chat \d+: chat item author 77 does not exist \(yet\)$/);
    item.standardMessage!.reactions = [{ authorId: 78n, emoji: '👍', sentTimestamp: item.dateSent, sortOrder: 1n }];
    const e = await rejection(acc.backupContent([item]));
    expect(e).toMatchObject({ code: 'ORDER_VIOLATION', details: { finding: 'UNKNOWN_REACTION_AUTHOR' } });
    expect(e.message).toMatch(/reaction author 78/);
  });

  it('a chat given before its recipient', async () => {
    const chats = [...acc.chats];
    const f = await failure({ ...acc.backupContent(), recipients: acc.recipients.slice(0, 3), chats });
    expect(f).toMatchObject({ code: 'ORDER_VIOLATION' });
    expect(f.message).toMatch(/^chat 2 refers to recipient \d+, which does not exist \(yet\)$/);
  });

  it('references of the other frames: ad-hoc call, notification profile, chat folder', async () => {
    const without = (id: bigint) => acc.recipients.filter((r) => r.id !== id);
    const callLink = acc.adHocCalls[0]!.recipientId as bigint;
    expect(await rejection({ ...acc.backupContent(), recipients: without(callLink) })).toMatchObject({
      code: 'ORDER_VIOLATION',
      message: expect.stringMatching(/^ad-hoc call \d+: ad-hoc call refers to recipient \d+/),
      details: { finding: 'UNKNOWN_AD_HOC_CALL_RECIPIENT', callId: acc.adHocCalls[0]!.callId },
    });
    const member = acc.notificationProfiles[0]!.allowedMembers![0] as bigint;
    const profiles = [{ ...acc.notificationProfiles[0]!, allowedMembers: [999n] }];
    expect(await rejection({ ...acc.backupContent(), notificationProfiles: profiles })).toMatchObject({
      code: 'ORDER_VIOLATION',
      message: 'notification profile "Work": notification profile member 999 does not exist (yet)',
      details: { finding: 'UNKNOWN_PROFILE_MEMBER' },
    });
    expect(member).not.toBe(999n);
    const folders = [acc.chatFolders[0]!, { ...acc.chatFolders[1]!, includedRecipientIds: [998n] }];
    expect(await rejection({ ...acc.backupContent(), chatFolders: folders })).toMatchObject({
      code: 'ORDER_VIOLATION',
      details: { finding: 'UNKNOWN_FOLDER_MEMBER', frameType: 'chatFolder' },
    });
  });

  it('a duplicate recipient id, a missing Self, a missing account, a bad media root key', async () => {
    const dup = await rejection({ ...acc.backupContent(), recipients: [...acc.recipients, acc.recipients[3]!] });
    expect(dup.message).toMatch(/^recipient (\d+): recipient id \1 is used twice$/);
    expect(dup).toMatchObject({
      code: 'INVALID_BACKUP',
      details: { finding: 'DUPLICATE_RECIPIENT_ID', recipientId: acc.recipients[3]!.id },
    });
    const noSelf = await rejection({ ...acc.backupContent([]), recipients: acc.recipients.slice(1), chats: [] });
    expect(noSelf).toMatchObject({
      code: 'INVALID_BACKUP',
      message: 'the backup: no Self recipient was found',
      details: { finding: 'MISSING_SELF_RECIPIENT', frameIndex: -1, frameType: 'backup' },
    });
    expect(await rejection({ ...acc.backupContent(), account: undefined as never })).toMatchObject({
      code: 'INVALID_BACKUP',
      details: { finding: 'MISSING_ACCOUNT_DATA', frameIndex: 1 },
    });
    const badKey = { ...acc.backupContent(), backupInfo: { ...acc.backupInfo, mediaRootBackupKey: new Uint8Array(5) } };
    expect(await rejection(badKey)).toMatchObject({
      code: 'INVALID_BACKUP',
      message: 'BackupInfo: mediaRootBackupKey must be 32 bytes, found 5',
      details: { finding: 'INVALID_MEDIA_ROOT_KEY', frameIndex: 0, frameType: 'backupInfo' },
    });
  });

  it('any other error of the validator, such as a contact without identifiers or a lone surrogate', async () => {
    const contact = acc.recipients.find((r) => r.contact)!;
    const bare = { ...contact, contact: { ...contact.contact, aci: null, pni: null, e164: null } };
    const recipients = acc.recipients.map((r) => (r === contact ? bare : r));
    expect(await rejection({ ...acc.backupContent(), recipients })).toMatchObject({
      code: 'INVALID_BACKUP',
      message: `recipient ${contact.id}: contact has no ACI, PNI or e164`,
      details: { finding: 'CONTACT_WITHOUT_IDENTIFIERS', recipientId: contact.id, frameType: 'recipient' },
    });
    // protobuf cannot write a lone surrogate as UTF-8; the validator's walk over objects finds it.
    const item = incoming();
    item.standardMessage!.text = { body: 'broken \uD83D text' };
    expect(await rejection(acc.backupContent([item]))).toMatchObject({
      code: 'INVALID_BACKUP',
      details: { finding: 'INVALID_UTF8', frameType: 'chatItem' },
    });
  });

  it('checks chat items as written: what the exclusion policy drops is not rejected', async () => {
    // An unstarted 1-hour timer: too short for a remote backup, so the remote policy drops it,
    // and the validator would reject it if it were written (EXPIRATION_TOO_SHORT).
    const item = { ...incoming(), expiresInMs: 3_600_000n, expireStartDate: null };
    item.incoming = { ...item.incoming!, read: false };
    const v = new BackupValidator({ purpose: 'remote' });
    v.pushBackupInfo(acc.backupInfo);
    for (const f of expectedFrames(acc, 'transfer').slice(0, 1 + acc.recipients.length + acc.chats.length)) {
      v.push(fromHex(f));
    }
    v.push({ chatItem: item });
    expect(v.errors.map((e) => e.code)).toEqual(['EXPIRATION_TOO_SHORT']);
    const { result } = await new BackupWriter({ purpose: 'remote', key }).writeToBytes(acc.backupContent([item]));
    expect(result).toMatchObject({ chatItemsRead: 1, chatItemsWritten: 0 });
    // In a transfer backup the same item is kept and valid.
    const transfer = await new BackupWriter({ purpose: 'transfer', key }).writeToBytes(acc.backupContent([item]));
    expect(transfer.result.chatItemsWritten).toBe(1);
  });

  it('property: the writer rejects exactly what the validator rejects, with its first error', async () => {
    const big = generateSyntheticAccount({ seed: 3, messages: 60, attachments: 3, contacts: 4, groups: 2 });
    const bigKey = { recoveryKey: big.recoveryKey, aci: big.aci };
    const ids = big.recipients.map((r) => r.id as bigint);
    const seen = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 59 }),
        fc.constantFrom('chatId', 'authorId', 'dropRecipient', 'duplicateChat', 'none'),
        fc.integer({ min: 0, max: ids.length + 2 }),
        fc.constantFrom<BackupPurpose>('remote', 'transfer'),
        async (at, mutation, pick, purpose) => {
          const items = [...big.chatItems()];
          let recipients = [...big.recipients];
          let chats = [...big.chats];
          const target = BigInt(pick < ids.length ? ids[pick]! : 500 + pick);
          if (mutation === 'chatId') items[at] = { ...items[at]!, chatId: BigInt(pick) };
          if (mutation === 'authorId') items[at] = { ...items[at]!, authorId: target };
          if (mutation === 'dropRecipient') recipients = recipients.filter((r) => r.id !== target);
          if (mutation === 'duplicateChat') chats = [...chats, chats[pick % chats.length]!];
          const content = { ...big.backupContent(items), recipients, chats };
          // What the validator says about the frames the writer would write.
          const v = new BackupValidator({ purpose });
          v.pushBackupInfo(content.backupInfo);
          const policy = new ExclusionPolicy(purpose, content.backupInfo.backupTimeMs as bigint);
          const frames: Frame[] = [
            { account: content.account },
            ...recipients.map((recipient) => ({ recipient })),
            ...chats.map((chat) => ({ chat })),
            ...big.stickerPacks.map((stickerPack) => ({ stickerPack })),
            ...big.adHocCalls.map((adHocCall) => ({ adHocCall })),
            ...big.notificationProfiles.map((notificationProfile) => ({ notificationProfile })),
            ...big.chatFolders.map((chatFolder) => ({ chatFolder })),
          ];
          for (const item of items) {
            const kept = policy.apply(item);
            if (kept) frames.push({ chatItem: kept });
          }
          for (const f of frames) v.push(f);
          const verdict = v.finish();
          let thrown: AnyBackupError | undefined;
          try {
            await new BackupWriter({ purpose, key: bigKey }).writeToBytes(content);
          } catch (e) {
            if (!isBackupError(e)) throw e;
            thrown = e;
          }
          if (verdict.ok) {
            expect(thrown).toBeUndefined();
            seen.accepted++;
            return;
          }
          seen.rejected++;
          const first = verdict.errors[0]!;
          expect(thrown?.code).toBe(isReferenceFindingCode(first.code) ? 'ORDER_VIOLATION' : 'INVALID_BACKUP');
          expect(thrown?.details).toMatchObject({ finding: first.code, frameIndex: first.frame });
          expect(thrown?.message.endsWith(first.message)).toBe(true);
          // Thrown as the record is written (named by it), not at the end of the backup.
          expect(thrown?.message.startsWith('the backup: ')).toBe(first.frame === -1);
        },
      ),
      { numRuns: 40 },
    );
    // Both outcomes were exercised.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(0);
  });

  it('bad options and records', async () => {
    expect(() => new BackupWriter({ purpose: 'backup' as never, key })).toThrow(/purpose/);
    expect(() => new BackupWriter({ purpose: 'remote', key, mediaLayout: 'cloud' as never })).toThrow(/mediaLayout/);
    const writer = new BackupWriter({ purpose: 'remote', key });
    await expect(writer.writeToBytes({ ...acc.backupContent(), recipients: [null as never] })).rejects.toThrow(
      new TypeError('"recipient" expected an object, got null'),
    );
    await expect(writer.writeToBytes(acc.backupContent([7 as never]))).rejects.toThrow(
      new TypeError('"chatItem" expected an object, got number'),
    );
    await expect(writer.writeToBytes({ ...acc.backupContent(), backupInfo: 'x' as never })).rejects.toThrow(TypeError);
  });
});
