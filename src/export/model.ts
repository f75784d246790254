/**
 * A people-shaped view of a backup: recipients with display names, chats with their kind, and
 * chat items as messages (author name, direction, times, formatted text with mentions resolved,
 * quotes, reactions, edits, polls, contact cards, link previews, stickers, tombstones, updates as
 * text, attachments).
 *
 * {@link exportRecords} streams: it takes decoded frames in file order and yields one record per
 * frame it keeps. It holds the recipients and chats tables (they come before the chat items in
 * the format), never the chat items.
 */

import type { Frame } from '../frames/codec.js';
import type { signal } from '../frames/generated/schema.js';
import type { ChatItem, FilePointer, Recipient } from '../frames/schema.js';
import { bytesToUuid, toHex } from '../internal/bytes.js';
import { localBackupFileName, mediaName } from '../media/names.js';
import { formatE164, type NameLookup, renderUpdate } from './updates.js';

type Text = signal.backup.Text.$Properties;
type MessageAttachment = signal.backup.MessageAttachment.$Properties;
type Reaction = signal.backup.Reaction.$Properties;
type Contact = signal.backup.Contact.$Properties;

/** What a recipient is. */
export type RecipientKind = 'self' | 'contact' | 'group' | 'distribution-list' | 'release-notes' | 'call-link';

/** What a chat is. */
export type ChatKind = 'direct' | 'group' | 'note-to-self' | 'release-notes' | 'call-link' | 'other';

/** The account owner (first record). */
export interface ExportAccount {
  /** Record discriminator, always `'account'`. */
  type: 'account';
  /** Profile name (given and family), or "" when the profile has none. */
  name: string;
  /** The account's Signal username, absent when it has none. */
  username?: string;
}

/** A recipient with its display name. Ids are decimal strings, unique within one backup. */
export interface ExportRecipient {
  /** Record discriminator, always `'recipient'`. */
  type: 'recipient';
  /** The recipient's id in the backup, as a decimal string. */
  id: string;
  /** What the recipient is (contact, group, self, ...). */
  kind: RecipientKind;
  /**
   * The display name: for a contact the nickname, else the system contact name, else the profile
   * name, else the shared name, else the username, else the phone number, else "Unknown"; a
   * group's title ("Unnamed group"); "Note to Self" for the local user; "Signal" for release notes.
   */
  name: string;
  /** ACI (UUID) of a contact. */
  aci?: string;
  /** Phone number (`+` and digits) of a contact. */
  e164?: string;
  /** A contact's Signal username, when known. */
  username?: string;
  /** A contact's profile name (given and family), when set. */
  profileName?: string;
  /** A contact's name in the system address book (given and family, else its nickname), when set. */
  systemName?: string;
  /** The nickname the account owner gave a contact (given and family), when set. */
  nickname?: string;
  /** `true` when the contact or group is blocked; absent otherwise. */
  blocked?: boolean;
  /** Members in a group's snapshot. */
  memberCount?: number;
}

/** A chat: one conversation with one recipient. */
export interface ExportChat {
  /** Record discriminator, always `'chat'`. */
  type: 'chat';
  /** The chat's id in the backup, as a decimal string. */
  id: string;
  /** A recipient id declared before. */
  recipientId: string;
  /** What the chat is, derived from its recipient's kind. */
  kind: ChatKind;
  /** The recipient's display name ("Note to Self" for the self chat). */
  title: string;
  /** Whether the chat is archived. */
  archived: boolean;
  /** Position among pinned chats (1 first), when pinned. */
  pinnedOrder?: number;
  /** Disappearing-message timer in milliseconds, when set (absent when off). */
  expirationTimerMs?: number;
}

/** A styled or mentioned range of a message's text, in UTF-16 code units of {@link FormattedText.text}. */
export interface TextRange {
  /** Offset of the range's first code unit. */
  start: number;
  /** Length of the range in code units. */
  length: number;
  /** The style applied, or `'mention'` for an "@Name" inserted for a mention. */
  style: 'bold' | 'italic' | 'spoiler' | 'strikethrough' | 'monospace' | 'mention';
  /** For a mention: the recipient id of the person mentioned, when the backup names them. */
  recipientId?: string;
}

/** Message text with mentions replaced by "@Name" and the style ranges moved to match. */
export interface FormattedText {
  /** The plain text, mentions already replaced by "@Name". */
  text: string;
  /** Style and mention ranges over {@link FormattedText.text}, sorted by start. */
  ranges: TextRange[];
}

/** An attachment's description; its bytes are elsewhere (local folder, media tier). */
export interface ExportAttachment {
  /** MIME type as the backup gives it (e.g. `image/jpeg`), when set. */
  contentType?: string;
  /** Original file name as the sender gave it, when set (not sanitized). */
  fileName?: string;
  /** Plaintext size in bytes (0 when unknown). */
  size: number;
  /** Width in pixels of an image or video, when known (absent when 0). */
  width?: number;
  /** Height in pixels of an image or video, when known (absent when 0). */
  height?: number;
  /** The attachment's caption, when set. */
  caption?: string;
  /** Presentation hint. */
  flag?: 'voice-message' | 'borderless' | 'gif';
  /**
   * Whether the medium can be in a backup: the pointer has its key and plaintext hash (the
   * client had downloaded it). A writer still has to find it (local folder, media tier).
   */
  present: boolean;
  /** SHA-256 of the plaintext (hex), when known. */
  plaintextHash?: string;
  /** `hex(plaintextHash ‖ key)` (its name on the media tier, before the media id). */
  mediaName?: string;
  /** Its file name in a local backup folder, when the pointer has a local key. */
  localFileName?: string;
  /** Set by writers: the relative path of the exported file. */
  path?: string;
}

/** Someone named in a message. */
export interface Person {
  /** Recipient id (declared before), absent when the backup does not know them. */
  id?: string;
  /** Display name ("You" for the account owner, "Unknown" when the backup does not know them). */
  name: string;
}

/** An emoji reaction to a message. */
export interface ExportReaction {
  /** The reaction emoji ("" when the backup has none). */
  emoji: string;
  /** Who reacted. */
  author: Person;
  /** When the reaction was sent, in milliseconds since the Unix epoch. */
  sentMs: number;
  /** `sentMs` as ISO 8601 UTC. */
  sent: string;
}

/** The message a reply quotes. */
export interface ExportQuote {
  /** Sent time of the quoted message, absent when the original was not found. */
  targetSentMs?: number;
  /** Author of the quoted message. */
  author: Person;
  /** The quoted text as the reply carries it, when any. */
  text?: FormattedText;
  /** The quoted message's attachments as the reply describes them (no bytes). */
  attachments: {
    /** MIME type, when set. */
    contentType?: string;
    /** File name, when set. */
    fileName?: string;
  }[];
  /** What kind of message is quoted. */
  type: 'normal' | 'gift-badge' | 'view-once' | 'poll';
}

/** A link preview under a message (the URL is data; nothing is fetched). */
export interface ExportLinkPreview {
  /** The previewed URL ("" when the backup has none). */
  url: string;
  /** The page title, when set. */
  title?: string;
  /** The page description, when set. */
  description?: string;
  /** The preview's date in milliseconds since the Unix epoch, when the backup has one. */
  dateMs?: number;
  /** The preview image, when there is one. */
  image?: ExportAttachment;
}

/** A poll: its question, options and who voted for each. */
export interface ExportPoll {
  /** The poll's question ("" when the backup has none). */
  question: string;
  /** Whether a voter may choose more than one option. */
  allowMultiple: boolean;
  /** Whether the poll has been ended. */
  ended: boolean;
  /** The options in the poll's order. */
  options: {
    /** The option's text. */
    text: string;
    /** The votes cast for this option, one per voter. */
    votes: {
      /** Who voted. */
      voter: Person;
      /** The backup's vote count of this voter (how many times they have voted). */
      count: number;
    }[];
  }[];
}

/** A shared contact card. */
export interface ExportContactCard {
  /** The contact's full name, else its nickname, else its organization, else "Contact". */
  name: string;
  /** The organization, when set. */
  organization?: string;
  /** Phone numbers. */
  phones: {
    /** The number as written on the card. */
    value: string;
    /** `home`, `mobile`, `work` or `custom`. */
    type: string;
    /** The custom label, when set. */
    label?: string;
  }[];
  /** Email addresses. */
  emails: {
    /** The address as written on the card. */
    value: string;
    /** `home`, `mobile`, `work` or `custom`. */
    type: string;
    /** The custom label, when set. */
    label?: string;
  }[];
  /** Postal addresses. */
  addresses: {
    /** The non-empty address parts (street to country) joined by ", ". */
    text: string;
    /** `home`, `work` or `custom`. */
    type: string;
    /** The custom label, when set. */
    label?: string;
  }[];
  /** The contact's ACI (UUID), when the card has one. */
  aci?: string;
  /** The contact's avatar, when the card has one. */
  avatar?: ExportAttachment;
}

/** A sticker message: pack id (hex), sticker id, emoji and image. */
export interface ExportSticker {
  /** The sticker pack id in hex ("" when the backup has none). */
  packId: string;
  /** The sticker's id within its pack. */
  stickerId: number;
  /** The emoji the sticker stands for, when set. */
  emoji?: string;
  /** The sticker image, when the backup has a pointer to it. */
  image?: ExportAttachment;
}

/** An earlier version of an edited message. */
export interface ExportRevision {
  /** When this version was sent, in milliseconds since the Unix epoch. */
  sentMs: number;
  /** `sentMs` as ISO 8601 UTC. */
  sent: string;
  /** This version's text, when any. */
  text?: FormattedText;
  /** This version's attachments. */
  attachments: ExportAttachment[];
}

/** What a message is. */
export type MessageKind =
  | 'standard'
  | 'contact'
  | 'sticker'
  | 'view-once'
  | 'deleted'
  | 'admin-deleted'
  | 'update'
  | 'payment'
  | 'gift-badge'
  | 'story-reply'
  | 'poll';

/** One chat item as a message. */
export interface ExportMessage {
  /** Record discriminator, always `'message'`. */
  type: 'message';
  /** Position of the item among the backup's chat items (0 first), as a string. */
  id: string;
  /** A chat id declared before. */
  chatId: string;
  /** What the message is. */
  kind: MessageKind;
  /** Who wrote it ("You" for the account owner). */
  author: Person;
  /** Incoming, outgoing, or `'none'` for items that are neither (e.g. chat updates). */
  direction: 'incoming' | 'outgoing' | 'none';
  /** When it was sent, in milliseconds since the Unix epoch. */
  sentMs: number;
  /** `sentMs` as ISO 8601 UTC. */
  sent: string;
  /** When it was received, in milliseconds since the Unix epoch; absent when unknown or 0. */
  receivedMs?: number;
  /** `receivedMs` as ISO 8601 UTC, present with it. */
  received?: string;
  /** Disappearing timer of the message, in milliseconds; absent when none. */
  expiresInMs?: number;
  /** `true` when it was an SMS/MMS; absent otherwise. */
  sms?: boolean;
  /** `true` when the message is pinned; absent otherwise. */
  pinned?: boolean;
  /** The body (text, caption of a story reply, long text when the backup has it inline). */
  text?: FormattedText;
  /** The full body is in an attachment (long messages). */
  longText?: ExportAttachment;
  /** The message it replies to, when it is a reply. */
  quote?: ExportQuote;
  /** Its attachments (empty when none). */
  attachments: ExportAttachment[];
  /** Its link previews (empty when none). */
  linkPreviews: ExportLinkPreview[];
  /** Its reactions, in the backup's sort order (empty when none). */
  reactions: ExportReaction[];
  /** Earlier versions, oldest first, when the message was edited. */
  revisions: ExportRevision[];
  /** The sticker, for a sticker message. */
  sticker?: ExportSticker;
  /** The shared contact card, for a contact message. */
  contact?: ExportContactCard;
  /** The poll, for a poll message. */
  poll?: ExportPoll;
  /** A story reply's emoji. */
  emoji?: string;
  /** Payment: amount and fee in MOB, note, status. */
  payment?: {
    /** Amount in MOB as a decimal string, when set. */
    amountMob?: string;
    /** Fee in MOB as a decimal string, when set. */
    feeMob?: string;
    /** The payment note, when set. */
    note?: string;
    /** `initial`, `submitted`, `successful` or `failed`. */
    status: string;
  };
  /** Gift badge state. */
  giftBadge?: {
    /** `unopened`, `opened`, `redeemed` or `failed`. */
    state: string;
  };
  /** Who deleted it (admin deletions). */
  deletedBy?: Person;
  /** A chat update, as a type and a sentence. */
  update?: {
    /** The update's type, e.g. `group-change`, `timer`, `individual-call`, `unknown`. */
    type: string;
    /** The update as an English sentence. */
    text: string;
  };
}

/** One record of the export, in order: the account, recipients, chats, messages. */
export type ExportRecord = ExportAccount | ExportRecipient | ExportChat | ExportMessage;

/** Which chats and messages to keep; every condition given must hold. */
export interface ExportFilter {
  /**
   * Chats by id, by title (case-insensitive), or `aci:<uuid>`, `e164:<+digits>`, `recipient:<id>`.
   * Any one matching keeps the chat.
   */
  chats?: readonly string[];
  /** Keep only chats of these kinds. */
  kinds?: readonly ChatKind[];
  /** Keep messages sent at or after this time (ms). */
  sinceMs?: number;
  /** Keep messages sent before this time (ms). */
  untilMs?: number;
  /** Keep messages whose text, update text, file names or quote contain this (case-insensitive). */
  search?: string;
}

/** Options of {@link exportRecords}. */
export interface ExportOptions {
  /** Which chats and messages to keep; everything when absent. */
  filter?: ExportFilter;
  /** The account's ACI (UUID or 16 bytes): group updates by it read "You". Guessed from the group rosters when absent. */
  selfAci?: string | Uint8Array;
  /**
   * Names of an attachment (media name, local file name), e.g. `reader.attachmentNames` bound
   * to its reader. By default computed from the pointer (no media id).
   */
  attachmentNames?: (pointer: FilePointer) =>
    | {
        /** The medium's name on the media tier. */
        mediaName: string;
        /** Its file name in a local backup folder, when it has a local key. */
        localFileName?: string;
      }
    | undefined;
}

const SELF_AUTHOR = 'You';

const iso = (ms: number) => {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
};
const num = (v: bigint | number | null | undefined) => (v == null ? 0 : Number(v));
const nonEmpty = (s: string | null | undefined) => (s == null || s === '' ? undefined : s);
const joinName = (...parts: (string | null | undefined)[]) =>
  parts
    .filter((p) => p != null && p !== '')
    .join(' ')
    .trim();

function contactNames(c: Contact) {
  const nickname = joinName(c.nickname?.given, c.nickname?.family) || undefined;
  const systemName = joinName(c.systemGivenName, c.systemFamilyName) || nonEmpty(c.systemNickname);
  const profileName = joinName(c.profileGivenName, c.profileFamilyName) || undefined;
  const sharedName = joinName(c.sharedName?.given, c.sharedName?.family) || undefined;
  return { nickname, systemName, profileName, sharedName };
}

/** Builds the recipient record of a Recipient frame. */
export function recipientRecord(r: Recipient): ExportRecipient {
  const id = String(r.id ?? 0);
  if (r.contact != null) {
    const c = r.contact;
    const names = contactNames(c);
    const e164 = formatE164(c.e164);
    const username = nonEmpty(c.username);
    const aci = c.aci instanceof Uint8Array && c.aci.length === 16 ? bytesToUuid(c.aci) : undefined;
    const name =
      names.nickname ?? names.systemName ?? names.profileName ?? names.sharedName ?? username ?? e164 ?? 'Unknown';
    return {
      type: 'recipient',
      id,
      kind: 'contact',
      name,
      ...(aci === undefined ? {} : { aci }),
      ...(e164 === undefined ? {} : { e164 }),
      ...(username === undefined ? {} : { username }),
      ...(names.profileName === undefined ? {} : { profileName: names.profileName }),
      ...(names.systemName === undefined ? {} : { systemName: names.systemName }),
      ...(names.nickname === undefined ? {} : { nickname: names.nickname }),
      ...(c.blocked ? { blocked: true } : {}),
    };
  }
  if (r.group != null) {
    const snap = r.group.snapshot;
    return {
      type: 'recipient',
      id,
      kind: 'group',
      name: nonEmpty(snap?.title?.title) ?? 'Unnamed group',
      memberCount: snap?.members?.length ?? 0,
      ...(r.group.blocked ? { blocked: true } : {}),
    };
  }
  if (r.self != null) return { type: 'recipient', id, kind: 'self', name: 'Note to Self' };
  if (r.releaseNotes != null) return { type: 'recipient', id, kind: 'release-notes', name: 'Signal' };
  if (r.callLink != null) {
    return { type: 'recipient', id, kind: 'call-link', name: nonEmpty(r.callLink.name) ?? 'Call link' };
  }
  const list = r.distributionList;
  const allZero = list?.distributionId instanceof Uint8Array && list.distributionId.every((b) => b === 0);
  return {
    type: 'recipient',
    id,
    kind: 'distribution-list',
    name: nonEmpty(list?.distributionList?.name) ?? (allZero ? 'My Story' : 'Story'),
  };
}

const CHAT_KIND: Record<RecipientKind, ChatKind> = {
  self: 'note-to-self',
  contact: 'direct',
  group: 'group',
  'release-notes': 'release-notes',
  'call-link': 'call-link',
  'distribution-list': 'other',
};

const STYLES: Record<number, TextRange['style']> = {
  1: 'bold',
  2: 'italic',
  3: 'spoiler',
  4: 'strikethrough',
  5: 'monospace',
};

const FLAGS: Record<number, ExportAttachment['flag']> = { 1: 'voice-message', 2: 'borderless', 3: 'gif' };
const QUOTE_TYPES: Record<number, ExportQuote['type']> = { 2: 'gift-badge', 3: 'view-once', 4: 'poll' };
const PHONE_TYPES = ['home', 'home', 'mobile', 'work', 'custom'];
const ADDRESS_TYPES = ['home', 'home', 'work', 'custom'];
const GIFT_STATES = ['unopened', 'opened', 'redeemed', 'failed'];

/** The state of one export run: the recipients and chats tables. */
class Tables {
  readonly recipients = new Map<bigint, ExportRecipient>();
  readonly byAci = new Map<string, bigint>();
  readonly chats = new Map<bigint, ExportChat>();
  readonly kept = new Set<bigint>();
  readonly groupMemberAcis: string[][] = [];
  selfId: bigint | undefined;
  selfAci: string | undefined;
  selfGuessed = false;

  person(id: bigint | number | null | undefined): Person {
    if (id == null) return { name: 'Unknown' };
    const key = BigInt(id);
    const r = this.recipients.get(key);
    if (r === undefined) return { name: 'Unknown' };
    return { id: r.id, name: key === this.selfId ? SELF_AUTHOR : r.name };
  }

  personByServiceId(id: Uint8Array | null | undefined): Person {
    if (id == null || id.length === 0) return { name: 'Unknown' };
    const hex = toHex(id.length === 17 ? id.subarray(1) : id);
    this.guessSelf();
    if (hex === this.selfAci) return this.selfId === undefined ? { name: SELF_AUTHOR } : this.person(this.selfId);
    const rid = this.byAci.get(hex);
    return rid === undefined ? { name: 'Unknown' } : this.person(rid);
  }

  /** Without a given ACI: the one ACI in every group's roster that is no contact's is the local user's. */
  guessSelf(): void {
    if (this.selfAci !== undefined || this.selfGuessed) return;
    this.selfGuessed = true;
    let candidates: Set<string> | undefined;
    for (const members of this.groupMemberAcis) {
      const unknown = new Set(members.filter((a) => !this.byAci.has(a)));
      candidates = candidates === undefined ? unknown : new Set([...candidates].filter((a) => unknown.has(a)));
    }
    if (candidates?.size === 1) this.selfAci = [...candidates][0];
  }

  names(): NameLookup {
    return {
      byRecipientId: (id) => this.person(id).name,
      byServiceId: (id) => this.personByServiceId(id).name,
    };
  }
}

function chatMatches(chat: ExportChat, recipient: ExportRecipient | undefined, filter: ExportFilter): boolean {
  if (filter.kinds !== undefined && !filter.kinds.includes(chat.kind)) return false;
  if (filter.chats === undefined || filter.chats.length === 0) return true;
  return filter.chats.some((want) => {
    const w = want.trim();
    const lower = w.toLowerCase();
    if (lower.startsWith('aci:')) return recipient?.aci?.toLowerCase() === lower.slice(4).trim();
    if (lower.startsWith('e164:')) {
      const digits = lower.slice(5).replace(/[^0-9]/g, '');
      return recipient?.e164 === `+${digits}`;
    }
    if (lower.startsWith('recipient:')) return chat.recipientId === lower.slice(10).trim();
    return w === chat.id || lower === chat.title.toLowerCase();
  });
}

function messageMatches(m: ExportMessage, filter: ExportFilter): boolean {
  if (filter.sinceMs !== undefined && m.sentMs < filter.sinceMs) return false;
  if (filter.untilMs !== undefined && m.sentMs >= filter.untilMs) return false;
  if (filter.search !== undefined && filter.search !== '') {
    const needle = filter.search.toLowerCase();
    const hay = [
      m.text?.text,
      m.update?.text,
      m.quote?.text?.text,
      m.poll?.question,
      ...(m.poll?.options.map((o) => o.text) ?? []),
      m.contact?.name,
      ...m.attachments.map((a) => a.fileName),
      ...m.attachments.map((a) => a.caption),
      ...m.linkPreviews.map((l) => l.title),
      ...m.linkPreviews.map((l) => l.url),
      ...m.revisions.map((r) => r.text?.text),
    ];
    if (!hay.some((h) => h?.toLowerCase().includes(needle))) return false;
  }
  return true;
}

class Renderer {
  constructor(
    private readonly t: Tables,
    private readonly names: ExportOptions['attachmentNames'],
  ) {}

  text(text: Text | null | undefined): FormattedText | undefined {
    if (text == null) return undefined;
    const body = text.body ?? '';
    const ranges = text.bodyRanges ?? [];
    if (body === '' && ranges.length === 0) return undefined;
    // Mentions: replace each placeholder range by "@Name"; keep them sorted, drop overlaps.
    const mentions = ranges
      .filter((r) => r.mentionAci instanceof Uint8Array && r.mentionAci.length > 0)
      .map((r) => ({ start: r.start ?? 0, end: (r.start ?? 0) + (r.length ?? 0), aci: r.mentionAci! }))
      .filter((r) => r.end <= body.length)
      .sort((a, b) => a.start - b.start);
    const kept: typeof mentions = [];
    for (const m of mentions) if (kept.length === 0 || m.start >= kept[kept.length - 1]!.end) kept.push(m);
    let out = '';
    let at = 0;
    const shifts: { start: number; end: number; newStart: number; newEnd: number }[] = [];
    const mentionRanges: TextRange[] = [];
    for (const m of kept) {
      out += body.slice(at, m.start);
      const person = this.t.personByServiceId(m.aci);
      const label = `@${person.name}`;
      const newStart = out.length;
      out += label;
      shifts.push({ start: m.start, end: m.end, newStart, newEnd: out.length });
      mentionRanges.push({
        start: newStart,
        length: label.length,
        style: 'mention',
        ...(person.id === undefined ? {} : { recipientId: person.id }),
      });
      at = m.end;
    }
    out += body.slice(at);
    const map = (p: number, isEnd: boolean): number => {
      let delta = 0;
      for (const s of shifts) {
        if (p <= s.start) break;
        if (p < s.end) return isEnd ? s.newEnd : s.newStart;
        delta = s.newEnd - s.end;
      }
      return p + delta;
    };
    const styled: TextRange[] = [];
    for (const r of ranges) {
      const style = STYLES[r.style ?? 0];
      if (style === undefined || r.mentionAci != null) continue;
      const start = Math.min(r.start ?? 0, body.length);
      const end = Math.min(start + (r.length ?? 0), body.length);
      if (end <= start) continue;
      const s = map(start, false);
      styled.push({ start: s, length: map(end, true) - s, style });
    }
    return {
      text: out,
      ranges: [...mentionRanges, ...styled].sort((a, b) => a.start - b.start || b.length - a.length),
    };
  }

  pointer(p: FilePointer | null | undefined, extra: Partial<ExportAttachment> = {}): ExportAttachment | undefined {
    if (p == null) return undefined;
    const li = p.locatorInfo;
    const key = li?.key;
    const hash = li?.plaintextHash;
    const present = key instanceof Uint8Array && key.length === 64 && hash instanceof Uint8Array && hash.length === 32;
    let names: { mediaName: string; localFileName?: string } | undefined;
    if (present) {
      if (this.names !== undefined) names = this.names(p);
      else {
        const localKey = li?.localKey;
        names = {
          mediaName: mediaName(hash, key),
          ...(localKey instanceof Uint8Array && localKey.length > 0
            ? { localFileName: localBackupFileName(hash, localKey) }
            : {}),
        };
      }
    }
    const contentType = nonEmpty(p.contentType);
    const fileName = nonEmpty(p.fileName);
    const caption = nonEmpty(p.caption);
    return {
      ...(contentType === undefined ? {} : { contentType }),
      ...(fileName === undefined ? {} : { fileName }),
      size: li?.size ?? 0,
      ...(p.width ? { width: p.width } : {}),
      ...(p.height ? { height: p.height } : {}),
      ...(caption === undefined ? {} : { caption }),
      present,
      ...(present ? { plaintextHash: toHex(hash) } : {}),
      ...(names === undefined ? {} : names),
      ...extra,
    };
  }

  attachment(a: MessageAttachment | null | undefined): ExportAttachment | undefined {
    if (a == null) return undefined;
    const flag = FLAGS[a.flag ?? 0];
    return this.pointer(a.pointer, flag === undefined ? {} : { flag });
  }

  reactions(list: Reaction[] | null | undefined): ExportReaction[] {
    return (list ?? [])
      .slice()
      .sort((a, b) => (num(a.sortOrder) < num(b.sortOrder) ? -1 : 1))
      .map((r) => ({
        emoji: r.emoji ?? '',
        author: this.t.person(r.authorId),
        sentMs: num(r.sentTimestamp),
        sent: iso(num(r.sentTimestamp)),
      }));
  }

  /** Fills the kind-specific parts of `m` from `item` (also used for revisions). */
  content(item: ChatItem, m: ExportMessage): void {
    if (item.standardMessage != null) {
      const s = item.standardMessage;
      m.kind = 'standard';
      const text = this.text(s.text);
      if (text !== undefined) m.text = text;
      const longText = this.pointer(s.longText);
      if (longText !== undefined) m.longText = longText;
      m.attachments = (s.attachments ?? []).map((a) => this.attachment(a)).filter((a) => a !== undefined);
      m.linkPreviews = (s.linkPreview ?? []).map((l) => {
        const image = this.pointer(l.image);
        const title = nonEmpty(l.title);
        const description = nonEmpty(l.description);
        return {
          url: l.url ?? '',
          ...(title === undefined ? {} : { title }),
          ...(description === undefined ? {} : { description }),
          ...(l.date == null ? {} : { dateMs: num(l.date) }),
          ...(image === undefined ? {} : { image }),
        };
      });
      m.reactions = this.reactions(s.reactions);
      if (s.quote != null) {
        const q = s.quote;
        const qt = this.text(q.text);
        m.quote = {
          ...(q.targetSentTimestamp == null ? {} : { targetSentMs: num(q.targetSentTimestamp) }),
          author: this.t.person(q.authorId),
          ...(qt === undefined ? {} : { text: qt }),
          attachments: (q.attachments ?? []).map((a) => ({
            ...(nonEmpty(a.contentType) === undefined ? {} : { contentType: a.contentType! }),
            ...(nonEmpty(a.fileName) === undefined ? {} : { fileName: a.fileName! }),
          })),
          type: QUOTE_TYPES[q.type ?? 0] ?? 'normal',
        };
      }
    } else if (item.contactMessage != null) {
      m.kind = 'contact';
      const c = item.contactMessage.contact ?? {};
      const n = c.name;
      const name =
        joinName(n?.prefix, n?.givenName, n?.middleName, n?.familyName, n?.suffix) ||
        nonEmpty(n?.nickname) ||
        nonEmpty(c.organization) ||
        'Contact';
      const avatar = this.pointer(c.avatar);
      const organization = nonEmpty(c.organization);
      m.contact = {
        name,
        ...(organization === undefined ? {} : { organization }),
        phones: (c.number ?? []).map((p) => ({
          value: p.value ?? '',
          type: PHONE_TYPES[p.type ?? 0] ?? 'home',
          ...(nonEmpty(p.label) === undefined ? {} : { label: p.label! }),
        })),
        emails: (c.email ?? []).map((p) => ({
          value: p.value ?? '',
          type: PHONE_TYPES[p.type ?? 0] ?? 'home',
          ...(nonEmpty(p.label) === undefined ? {} : { label: p.label! }),
        })),
        addresses: (c.address ?? []).map((a) => ({
          text: [a.street, a.pobox, a.neighborhood, a.city, a.region, a.postcode, a.country]
            .filter((x) => x != null && x !== '')
            .join(', '),
          type: ADDRESS_TYPES[a.type ?? 0] ?? 'home',
          ...(nonEmpty(a.label) === undefined ? {} : { label: a.label! }),
        })),
        ...(c.aci instanceof Uint8Array && c.aci.length === 16 ? { aci: bytesToUuid(c.aci) } : {}),
        ...(avatar === undefined ? {} : { avatar }),
      };
      m.reactions = this.reactions(item.contactMessage.reactions);
    } else if (item.stickerMessage != null) {
      m.kind = 'sticker';
      const s = item.stickerMessage.sticker ?? {};
      const image = this.pointer(s.data);
      const emoji = nonEmpty(s.emoji);
      m.sticker = {
        packId: s.packId instanceof Uint8Array ? toHex(s.packId) : '',
        stickerId: s.stickerId ?? 0,
        ...(emoji === undefined ? {} : { emoji }),
        ...(image === undefined ? {} : { image }),
      };
      m.reactions = this.reactions(item.stickerMessage.reactions);
    } else if (item.remoteDeletedMessage != null) {
      m.kind = 'deleted';
    } else if (item.adminDeletedMessage != null) {
      m.kind = 'admin-deleted';
      m.deletedBy = this.t.person(item.adminDeletedMessage.adminId);
    } else if (item.updateMessage != null) {
      m.kind = 'update';
      const chat = this.t.chats.get(BigInt(item.chatId ?? 0));
      const peer =
        chat !== undefined && (chat.kind === 'direct' || chat.kind === 'note-to-self')
          ? BigInt(chat.recipientId)
          : undefined;
      m.update = renderUpdate(item.updateMessage, BigInt(item.authorId ?? 0), this.t.names(), peer);
    } else if (item.paymentNotification != null) {
      m.kind = 'payment';
      const p = item.paymentNotification;
      const details = p.transactionDetails;
      const status =
        details?.failedTransaction != null
          ? 'failed'
          : details?.transaction != null
            ? (['initial', 'submitted', 'successful'][details.transaction.status ?? 0] ?? 'initial')
            : 'successful';
      m.payment = {
        ...(nonEmpty(p.amountMob) === undefined ? {} : { amountMob: p.amountMob! }),
        ...(nonEmpty(p.feeMob) === undefined ? {} : { feeMob: p.feeMob! }),
        ...(nonEmpty(p.note) === undefined ? {} : { note: p.note! }),
        status,
      };
    } else if (item.giftBadge != null) {
      m.kind = 'gift-badge';
      m.giftBadge = { state: GIFT_STATES[item.giftBadge.state ?? 0] ?? 'unopened' };
    } else if (item.viewOnceMessage != null) {
      m.kind = 'view-once';
      const a = this.attachment(item.viewOnceMessage.attachment);
      m.attachments = a === undefined ? [] : [a];
      m.reactions = this.reactions(item.viewOnceMessage.reactions);
    } else if (item.directStoryReplyMessage != null) {
      m.kind = 'story-reply';
      const r = item.directStoryReplyMessage;
      if (r.textReply != null) {
        const text = this.text(r.textReply.text);
        if (text !== undefined) m.text = text;
        const longText = this.pointer(r.textReply.longText);
        if (longText !== undefined) m.longText = longText;
      }
      if (nonEmpty(r.emoji) !== undefined) m.emoji = r.emoji!;
      m.reactions = this.reactions(r.reactions);
    } else if (item.poll != null) {
      m.kind = 'poll';
      const p = item.poll;
      m.poll = {
        question: p.question ?? '',
        allowMultiple: p.allowMultiple === true,
        ended: p.hasEnded === true,
        options: (p.options ?? []).map((o) => ({
          text: o.option ?? '',
          votes: (o.votes ?? []).map((v) => ({ voter: this.t.person(v.voterId), count: v.voteCount ?? 0 })),
        })),
      };
      m.reactions = this.reactions(p.reactions);
    }
  }

  message(item: ChatItem, index: number): ExportMessage {
    const sentMs = num(item.dateSent);
    const direction = item.incoming != null ? 'incoming' : item.outgoing != null ? 'outgoing' : 'none';
    const receivedMs =
      item.incoming != null
        ? num(item.incoming.dateReceived)
        : item.outgoing != null
          ? num(item.outgoing.dateReceived)
          : 0;
    const m: ExportMessage = {
      type: 'message',
      id: String(index),
      chatId: String(item.chatId ?? 0),
      kind: 'standard',
      author: this.t.person(item.authorId),
      direction,
      sentMs,
      sent: iso(sentMs),
      ...(receivedMs > 0 ? { receivedMs, received: iso(receivedMs) } : {}),
      ...(item.expiresInMs != null && num(item.expiresInMs) > 0 ? { expiresInMs: num(item.expiresInMs) } : {}),
      ...(item.sms ? { sms: true } : {}),
      ...(item.pinDetails != null ? { pinned: true } : {}),
      attachments: [],
      linkPreviews: [],
      reactions: [],
      revisions: [],
    };
    this.content(item, m);
    for (const rev of item.revisions ?? []) {
      const r: ExportMessage = { ...m, attachments: [], linkPreviews: [], reactions: [], revisions: [] };
      delete r.text;
      this.content(rev, r);
      const revSent = num(rev.dateSent);
      m.revisions.push({
        sentMs: revSent,
        sent: iso(revSent),
        ...(r.text === undefined ? {} : { text: r.text }),
        attachments: r.attachments,
      });
    }
    return m;
  }
}

function aciHex(aci: string | Uint8Array | undefined): string | undefined {
  if (aci === undefined) return undefined;
  if (aci instanceof Uint8Array) return toHex(aci);
  return aci.replace(/-/g, '').toLowerCase();
}

/**
 * The backup as people-shaped records: the account, then every recipient, then the chats the
 * filter keeps, then their messages, in file order. Every id a record refers to belongs to a
 * record yielded before it (a reference to an unknown id becomes a {@link Person} without `id`).
 *
 * @param frames decoded frames in file order (`reader.frames()`, or `decodeBackup(...).frames`).
 */
export async function* exportRecords(
  frames: AsyncIterable<Frame> | Iterable<Frame>,
  options: ExportOptions = {},
): AsyncGenerator<ExportRecord> {
  const filter = options.filter ?? {};
  const t = new Tables();
  t.selfAci = aciHex(options.selfAci);
  const renderer = new Renderer(t, options.attachmentNames);
  let itemIndex = 0;
  for await (const frame of frames) {
    if (frame.account != null) {
      const a = frame.account;
      const username = nonEmpty(a.username);
      yield {
        type: 'account',
        name: joinName(a.givenName, a.familyName),
        ...(username === undefined ? {} : { username }),
      };
    } else if (frame.recipient != null) {
      const r = frame.recipient;
      const record = recipientRecord(r);
      const id = BigInt(r.id ?? 0);
      t.recipients.set(id, record);
      if (record.kind === 'self') t.selfId = id;
      if (r.contact?.aci instanceof Uint8Array && r.contact.aci.length === 16) t.byAci.set(toHex(r.contact.aci), id);
      const members = r.group?.snapshot?.members;
      if (members != null) {
        t.groupMemberAcis.push(
          members.map((mb) => (mb.userId instanceof Uint8Array ? toHex(mb.userId) : '')).filter((x) => x !== ''),
        );
      }
      yield record;
    } else if (frame.chat != null) {
      const c = frame.chat;
      const rid = BigInt(c.recipientId ?? 0);
      const recipient = t.recipients.get(rid);
      const kind = recipient === undefined ? 'other' : CHAT_KIND[recipient.kind];
      const chat: ExportChat = {
        type: 'chat',
        id: String(c.id ?? 0),
        recipientId: String(rid),
        kind,
        title: recipient?.name ?? 'Unknown',
        archived: c.archived === true,
        ...(c.pinnedOrder != null && c.pinnedOrder > 0 ? { pinnedOrder: c.pinnedOrder } : {}),
        ...(c.expirationTimerMs != null && num(c.expirationTimerMs) > 0
          ? { expirationTimerMs: num(c.expirationTimerMs) }
          : {}),
      };
      const id = BigInt(c.id ?? 0);
      t.chats.set(id, chat);
      if (recipient !== undefined && chatMatches(chat, recipient, filter)) {
        t.kept.add(id);
        yield chat;
      }
    } else if (frame.chatItem != null) {
      const item = frame.chatItem;
      const index = itemIndex++;
      if (!t.kept.has(BigInt(item.chatId ?? 0))) continue;
      const m = renderer.message(item, index);
      if (messageMatches(m, filter)) yield m;
    }
  }
}
