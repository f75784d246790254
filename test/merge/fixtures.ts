/**
 * Pairs of backups of one account for the merge tests: a synthetic account at two times, each
 * side with its own file-local ids (renumbered), some chat items only on one side, records only
 * in the older backup (a contact and its chat, a chat folder, a sticker pack) and an ALL folder
 * with another id; and an id-free view of a backup to compare the merge with the inputs.
 */

import { BackupWriter } from '../../src/api/writer.js';
import type { BackupContent } from '../../src/api/writer.js';
import type { Frame } from '../../src/frames/codec.js';
import type { Chat, ChatFolder, ChatItem, Recipient } from '../../src/frames/schema.js';
import { decodeBackup } from '../../src/frames/stream.js';
import { concatByteList, toHex } from '../../src/internal/bytes.js';
import { type MergedBackup, type MergeSource, mergeSourceOf } from '../../src/merge/merge.js';
import { type BackupPurpose, ExclusionPolicy } from '../../src/policy/exclusions.js';
import {
  extendSyntheticAccount,
  generateSyntheticAccount,
  type SyntheticAccount,
} from '../../src/testing/synthetic.js';

export const KEY = { hmacKey: new Uint8Array(32).fill(3), aesKey: new Uint8Array(32).fill(5) };

/** How one side of a pair differs from the account's own content. */
export interface SideOptions {
  /** Added to every recipient id and chat id (a different file-local id space). */
  offset: bigint;
  /** Chat items (by index in the account's stream) this side does not have. */
  missing: (index: number) => boolean;
  /** Add a contact, its chat and `extraMessages` messages from it, and a custom folder (older side). */
  extras?: { seed: number; extraMessages: number };
  /** Give the ALL folder another id (as another device would). */
  otherAllFolderId?: boolean;
}

const bump = (id: unknown, offset: bigint): bigint => BigInt((id as bigint | number | undefined) ?? 0) + offset;

function renumberItem(item: ChatItem, offset: bigint): ChatItem {
  const out: ChatItem = { ...item, chatId: bump(item.chatId, offset), authorId: bump(item.authorId, offset) };
  if (item.outgoing?.sendStatus) {
    out.outgoing = {
      ...item.outgoing,
      sendStatus: item.outgoing.sendStatus.map((s) => ({ ...s, recipientId: bump(s.recipientId, offset) })),
    };
  }
  const sm = item.standardMessage;
  if (sm) {
    out.standardMessage = {
      ...sm,
      ...(sm.quote ? { quote: { ...sm.quote, authorId: bump(sm.quote.authorId, offset) } } : {}),
      ...(sm.reactions ? { reactions: sm.reactions.map((r) => ({ ...r, authorId: bump(r.authorId, offset) })) } : {}),
    };
  }
  const vo = item.viewOnceMessage;
  if (vo?.reactions) {
    out.viewOnceMessage = { ...vo, reactions: vo.reactions.map((r) => ({ ...r, authorId: bump(r.authorId, offset) })) };
  }
  if (item.revisions) out.revisions = item.revisions.map((r) => renumberItem(r, offset));
  return out;
}

/** One side of a pair: the account's content, changed as `o` says. Chat items stream afresh on each call. */
export function side(acc: SyntheticAccount, o: SideOptions): () => BackupContent {
  const off = o.offset;
  const recipients: Recipient[] = acc.recipients.map((r) => {
    const out: Recipient = { ...r, id: bump(r.id, off) };
    return out;
  });
  const chats: Chat[] = acc.chats.map((c) => ({ ...c, id: bump(c.id, off), recipientId: bump(c.recipientId, off) }));
  let chatFolders: ChatFolder[] = acc.chatFolders.map((f) => ({
    ...f,
    includedRecipientIds: (f.includedRecipientIds ?? []).map((m) => bump(m, off)),
  }));
  if (o.otherAllFolderId) {
    chatFolders = chatFolders.map((f) => (f.folderType === 1 ? { ...f, id: new Uint8Array(16).fill(0xa1) } : f));
  }
  const stickerPacks = [...acc.stickerPacks];
  const extra: ChatItem[] = [];
  if (o.extras) {
    const rid = recipients.reduce((m, r) => (BigInt(r.id!) > m ? BigInt(r.id!) : m), 0n) + 1n;
    const cid = chats.reduce((m, c) => (BigInt(c.id!) > m ? BigInt(c.id!) : m), 0n) + 1n;
    const aci = new Uint8Array(16).fill(0x40 + (o.extras.seed % 64));
    aci[6] = 0x4f;
    aci[8] = 0x8f;
    recipients.push({
      id: rid,
      contact: {
        aci,
        e164: 15559990000n + BigInt(o.extras.seed % 1000),
        profileGivenName: 'Only Older',
        registered: {},
        profileSharing: true,
      },
    });
    chats.push({ id: cid, recipientId: rid, expireTimerVersion: 1, pinnedOrder: 1 });
    chatFolders.push({
      id: new Uint8Array(16).fill(0x33),
      name: `Older folder ${o.extras.seed}`,
      folderType: 2,
      showMutedChats: true,
      includedRecipientIds: [rid],
    });
    stickerPacks.push({ packId: new Uint8Array(16).fill(0x77), packKey: new Uint8Array(32).fill(0x78) });
    const t0 = BigInt(acc.backupInfo.backupTimeMs as bigint) - 30n * 86_400_000n;
    for (let i = 0; i < o.extras.extraMessages; i++) {
      const sent = t0 + BigInt(i) * 60_000n;
      extra.push({
        chatId: cid,
        authorId: rid,
        dateSent: sent,
        incoming: { dateReceived: sent + 1000n, read: true, sealedSender: true },
        standardMessage: { text: { body: `from the older backup ${i}` } },
      });
    }
  }
  return () => ({
    backupInfo: acc.backupInfo,
    account: acc.account,
    recipients,
    chats,
    stickerPacks,
    adHocCalls: acc.adHocCalls.map((a) => ({ ...a, recipientId: bump(a.recipientId, off) })),
    notificationProfiles: acc.notificationProfiles.map((p) => ({
      ...p,
      allowedMembers: (p.allowedMembers ?? []).map((m) => bump(m, off)),
    })),
    chatFolders,
    chatItems: (function* () {
      let i = 0;
      for (const item of acc.chatItems()) {
        if (!o.missing(i++)) yield renumberItem(item, off);
      }
      yield* extra;
    })(),
  });
}

/** A pair: the account now (older) and later (newer, with new messages), each side changed. */
export function pair(p: { seed: number; messages: number; added: number; older: SideOptions; newer: SideOptions }): {
  older: MergeSource;
  newer: MergeSource;
  olderContent: () => BackupContent;
  newerContent: () => BackupContent;
  /** The account later (its attachments include every one of both sides). */
  account: SyntheticAccount;
} {
  const acc = generateSyntheticAccount({ seed: p.seed, contacts: 6, groups: 2, messages: p.messages, attachments: 4 });
  const later = extendSyntheticAccount(acc, { messages: p.added, attachments: Math.min(2, p.added) });
  const olderContent = side(acc, p.older);
  const newerContent = side(later, p.newer);
  return {
    older: mergeSourceOf(olderContent),
    newer: mergeSourceOf(newerContent),
    olderContent,
    newerContent,
    account: later,
  };
}

/** The frames the writer makes of a merged backup (it runs every frame through the validator). */
export async function writtenFrames(
  merged: MergedBackup,
  purpose: BackupPurpose = 'remote',
): Promise<{ plaintext: Uint8Array; frames: Frame[] }> {
  const parts: Uint8Array[] = [];
  for await (const chunk of new BackupWriter({ purpose, key: KEY }).plaintext(merged.content())) parts.push(chunk);
  const plaintext = concatByteList(parts);
  const { frames } = decodeBackup(plaintext);
  return { plaintext, frames };
}

/** A recipient's identity, free of file-local ids. */
function identity(r: Recipient): string {
  if (r.contact) return `contact:${r.contact.aci ? toHex(r.contact.aci) : `e164:${r.contact.e164}`}`;
  if (r.group) return `group:${toHex(r.group.masterKey!)}`;
  if (r.distributionList) return `list:${toHex(r.distributionList.distributionId!)}`;
  if (r.callLink) return `callLink:${toHex(r.callLink.rootKey!)}`;
  if (r.self) return 'self';
  if (r.releaseNotes) return 'releaseNotes';
  return 'unknown';
}

/** An id-free view of a backup: recipient identities, chat identities, folders, chat item identities. */
export interface View {
  recipients: string[];
  chats: string[];
  folders: string[];
  items: string[];
  /** Every chat item's chat and author exist (checked while building the view). */
  dangling: number;
}

export async function viewOf(frames: Iterable<Frame> | AsyncIterable<Frame>): Promise<View> {
  const byId = new Map<bigint, string>();
  const chatById = new Map<bigint, string>();
  const v: View = { recipients: [], chats: [], folders: [], items: [], dangling: 0 };
  for await (const f of frames) {
    if (f.recipient) {
      const id = identity(f.recipient);
      byId.set(BigInt(f.recipient.id!), id);
      v.recipients.push(id);
    } else if (f.chat) {
      const who = byId.get(BigInt(f.chat.recipientId!)) ?? 'dangling';
      chatById.set(BigInt(f.chat.id!), who);
      v.chats.push(who);
    } else if (f.chatFolder) {
      v.folders.push(f.chatFolder.folderType === 1 ? 'ALL' : (f.chatFolder.name ?? ''));
    } else if (f.chatItem) {
      const chat = chatById.get(BigInt(f.chatItem.chatId!));
      const author = byId.get(BigInt(f.chatItem.authorId!));
      if (chat === undefined || author === undefined) v.dangling++;
      v.items.push(`${chat}|${author}|${f.chatItem.dateSent}`);
    }
  }
  return v;
}

/** The view of a content with the exclusion policy applied at `timeMs` (what a merge must keep of it). */
export async function viewAfterPolicy(content: BackupContent, purpose: BackupPurpose, timeMs: bigint): Promise<View> {
  const policy = new ExclusionPolicy(purpose, timeMs);
  async function* frames(): AsyncGenerator<Frame> {
    yield { account: content.account };
    for (const recipient of content.recipients as Recipient[]) yield { recipient };
    for (const chat of content.chats as Chat[]) yield { chat };
    for (const chatFolder of content.chatFolders as ChatFolder[]) yield { chatFolder };
    for await (const item of content.chatItems as Iterable<ChatItem>) {
      const kept = policy.apply(item);
      if (kept) yield { chatItem: kept };
    }
  }
  return viewOf(frames());
}
