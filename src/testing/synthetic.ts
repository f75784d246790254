/**
 * A synthetic Signal account for demos, tests and benchmarks: contacts, groups, chats, and a
 * stream of chat items with edits, reactions, quotes, mentions, disappearing and view-once
 * messages and attachments that open (PNG photos that a browser shows, WAV voice notes that
 * play, text documents), all drawn from a seeded generator, so the same options always give the
 * same account. The frames follow libsignal's validation rules
 * (docs/format.md §8.3) so that `validate()` accepts the backups made from them.
 *
 * Chat items are produced lazily by {@link SyntheticAccount.chatItems}: a caller can stream
 * hundreds of thousands of them without holding them.
 */

import { sha256 } from '@noble/hashes/sha2.js';
import type { BackupInfo } from '../frames/codec.js';
import type {
  AccountData,
  AdHocCall,
  Chat,
  ChatFolder,
  ChatItem,
  NotificationProfile,
  Recipient,
  StickerPack,
} from '../frames/schema.js';
import { bytesToUuid, utf8 } from '../internal/bytes.js';
import { RECOVERY_KEY_ALPHABET } from '../keys/constants.js';
import { drawPicture } from './png.js';
import { toneClip } from './wav.js';
import type { BackupContent, BackupWriter, Records } from '../api/writer.js';

/** Size parameters of {@link generateSyntheticAccount}. Defaults are the demo's account. */
export interface SyntheticAccountOptions {
  /** Seed of the generator; the same seed and sizes give the same account. Default 1. */
  seed?: number;
  /** Contacts (1:1 chats). Default 50. */
  contacts?: number;
  /** Groups (group chats). Default 10. */
  groups?: number;
  /** Chat items. Default 20,000. */
  messages?: number;
  /** Attachments with real bytes (a few of them view-once). Default 300. */
  attachments?: number;
  /**
   * Smallest and largest attachment size in bytes (log-uniform between). Default 2 KiB and 96 KiB.
   * Files are never smaller than the smallest valid file of their kind (69 bytes for a picture,
   * 844 for a voice note); voice notes have even sizes.
   */
  attachmentBytes?: readonly [number, number];
  /** Time of the first message, ms since the epoch. Default 2025-01-01T00:00:00Z. */
  startMs?: number;
}

/** One attachment of the synthetic account, with its plaintext and its FilePointer keys. */
export interface SyntheticAttachment {
  /** The plaintext bytes (what the app has on disk). */
  plaintext: Uint8Array;
  /** 64-byte attachment key (LocatorInfo.key; AES key then HMAC key). */
  key: Uint8Array;
  /** 64-byte key of the local-backup copy (LocatorInfo.localKey). */
  localKey: Uint8Array;
  /** SHA-256 of the plaintext (LocatorInfo.plaintextHash). */
  plaintextHash: Uint8Array;
  /**
   * MIME type (FilePointer.contentType): `image/png` (a photo), `audio/wav` (a voice note) or
   * `text/plain` (a document); view-once attachments are always photos.
   */
  contentType: string;
  /** Pixel size of a photo (FilePointer.width and height). */
  width?: number;
  /** Pixel size of a photo (FilePointer.width and height). */
  height?: number;
  /** File name of a document (FilePointer.fileName). */
  fileName?: string;
  /** True for a voice note (MessageAttachment.flag VOICE_MESSAGE): sent without text. */
  voiceNote?: boolean;
  /** `dateSent` of the message that carries it. */
  sentAtMs: number;
  /** True when it belongs to a view-once message. */
  viewOnce: boolean;
}

/** A generated account: everything a {@link BackupWriter} takes, plus the secrets to open the result. */
export interface SyntheticAccount {
  /** The account's recovery key (account entropy pool). */
  recoveryKey: string;
  /** The account's ACI (UUID string). */
  aci: string;
  /** The backup header; `backupTimeMs` falls just over an hour after the last message. */
  backupInfo: BackupInfo;
  /** The account's settings and profile. */
  account: AccountData;
  /** Self, release notes, My Story, the contacts, the groups and a call link. */
  recipients: Recipient[];
  /** The note-to-self chat, one chat per contact and one per group. */
  chats: Chat[];
  /** Installed sticker packs. */
  stickerPacks: StickerPack[];
  /** Ad-hoc calls on the call link. */
  adHocCalls: AdHocCall[];
  /** Notification profiles. */
  notificationProfiles: NotificationProfile[];
  /** Chat folders. */
  chatFolders: ChatFolder[];
  /** All attachments the chat items reference, in message order. */
  attachments: SyntheticAttachment[];
  /** How many chat items {@link chatItems} yields. */
  messageCount: number;
  /** The chat items in render order, generated afresh on each call (the same every time). */
  chatItems(): Generator<ChatItem>;
  /**
   * Everything {@link BackupWriter} takes to back this account up: its records, and `chatItems`
   * (default: a fresh {@link chatItems} run).
   */
  backupContent(chatItems?: Records<ChatItem>): BackupContent;
}

/** The account's records as a {@link BackupContent}. */
function contentOf(account: SyntheticAccount, chatItems: Records<ChatItem> = account.chatItems()): BackupContent {
  return {
    backupInfo: account.backupInfo,
    account: account.account,
    recipients: account.recipients,
    chats: account.chats,
    stickerPacks: account.stickerPacks,
    adHocCalls: account.adHocCalls,
    notificationProfiles: account.notificationProfiles,
    chatFolders: account.chatFolders,
    chatItems,
  };
}

const DEFAULTS = {
  seed: 1,
  contacts: 50,
  groups: 10,
  messages: 20_000,
  attachments: 300,
  attachmentBytes: [2048, 96 * 1024] as const,
  startMs: Date.UTC(2025, 0, 1),
};
/** Average gap between two messages. */
const STEP_MS = 4 * 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Disappearing timers Signal's apps offer (1 h, 8 h, 1 day, 1 week, 4 weeks). */
const TIMERS = [HOUR, 8 * HOUR, DAY, 7 * DAY, 28 * DAY];
/** Recipient ids of the fixed recipients. */
const SELF_ID = 1n;
const RELEASE_NOTES_ID = 2n;
const MY_STORY_ID = 3n;
const FIRST_CONTACT_ID = 4;
/** U+FFFC OBJECT REPLACEMENT CHARACTER: where Signal's apps put a mention in the body. */
const MENTION_PLACEHOLDER = '\uFFFC';
const WORDS =
  'the a to and of you I it is in that for on we this be are with have was at so just what do can get how see ok yes no good time now here there lunch dinner tomorrow today meeting photo trip weekend call later soon thanks great sounds love plan train station coffee movie game party park beach rain sun city office home work music book idea question answer'.split(
    ' ',
  );
const NAMES =
  'Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy Rupert Sybil Trent Victor Walter Yara Zoe Amir Bea Chen Dana Elif Femi Gus Hana Ines Jon Kai Lena Milo Nora Omar Pia Quinn Rosa Sami Tess Umar Vera Wen Xena Yuri Zack Anya Boris Cleo'.split(
    ' ',
  );
/** Attachment kinds and their odds: mostly photos, some voice notes and documents. */
const KINDS = ['photo', 'photo', 'photo', 'photo', 'voice', 'document'] as const;
type Kind = (typeof KINDS)[number];
const REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'];

/** sfc32: a small, fast seeded generator (not for secrets: this account is public test data). */
class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9 ^ seed;
    this.b = 0x243f6a88 ^ stream;
    this.c = 0xb7e15162;
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 0x1_0000_0000;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      out[i] = v;
      if (i + 1 < n) out[i + 1] = v >>> 8;
      if (i + 2 < n) out[i + 2] = v >>> 16;
      if (i + 3 < n) out[i + 3] = v >>> 24;
    }
    return out;
  }
}

function checkCount(value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`"${name}" expected an integer >= ${min}, got ${value}`);
  }
  return value;
}

/** A v4-shaped UUID from the generator (version and variant bits set). */
function uuidBytes(rng: Prng): Uint8Array {
  const b = rng.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return b;
}

function sentence(rng: Prng, min: number, max: number): string {
  const n = min + rng.int(max - min + 1);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

interface ChatPlan {
  chatId: bigint;
  /** Contact recipient ids that can write in this chat (empty for Note to Self). */
  members: bigint[];
  /** ACIs of the members, same order. */
  memberAcis: Uint8Array[];
  group: boolean;
}

/**
 * Generates a synthetic account (see the module comment).
 *
 * @throws {RangeError} when a size is negative or not an integer, or `contacts` is 0 while groups are asked for.
 */
export function generateSyntheticAccount(options: SyntheticAccountOptions = {}): SyntheticAccount {
  const seed = checkCount(options.seed ?? DEFAULTS.seed, 'seed', 0);
  const contacts = checkCount(options.contacts ?? DEFAULTS.contacts, 'contacts', 1);
  const groups = checkCount(options.groups ?? DEFAULTS.groups, 'groups', 0);
  const messages = checkCount(options.messages ?? DEFAULTS.messages, 'messages', 0);
  const attachmentCount = checkCount(options.attachments ?? DEFAULTS.attachments, 'attachments', 0);
  if (attachmentCount > messages) throw new RangeError('"attachments" expected at most one per message');
  const [minBytes, maxBytes] = options.attachmentBytes ?? DEFAULTS.attachmentBytes;
  checkCount(minBytes, 'attachmentBytes[0]', 1);
  checkCount(maxBytes, 'attachmentBytes[1]', minBytes);
  const startMs = checkCount(options.startMs ?? DEFAULTS.startMs, 'startMs', 0);

  const rng = new Prng(seed, 1);
  let recoveryKey = '';
  for (let i = 0; i < 64; i++) recoveryKey += RECOVERY_KEY_ALPHABET[rng.int(36)];
  const aciBytes = uuidBytes(rng);
  const aci = bytesToUuid(aciBytes);
  const backupTimeMs = startMs + messages * STEP_MS + HOUR;

  const backupInfo: BackupInfo = {
    version: 1n,
    backupTimeMs: BigInt(backupTimeMs),
    mediaRootBackupKey: rng.bytes(32),
    currentAppVersion: 'sbackup synthetic 1',
    firstAppVersion: 'sbackup synthetic 1',
  };
  const account: AccountData = {
    profileKey: rng.bytes(32),
    givenName: 'Demo',
    familyName: 'User',
    accountSettings: {
      readReceipts: true,
      typingIndicators: true,
      linkPreviews: true,
      preferredReactionEmoji: REACTIONS.slice(),
      phoneNumberSharingMode: 2, // NOBODY
      defaultSentMediaQuality: 1, // STANDARD
      autoDownloadSettings: { images: 3, audio: 3, video: 2, documents: 2 }, // WIFI_AND_CELLULAR / WIFI
      appTheme: 1, // SYSTEM
      callsUseLessDataSetting: 1, // NEVER
    },
  };

  const recipients: Recipient[] = [
    { id: SELF_ID, self: { avatarColor: 11 } },
    { id: RELEASE_NOTES_ID, releaseNotes: {} },
    {
      id: MY_STORY_ID,
      distributionList: {
        distributionId: new Uint8Array(16),
        distributionList: { name: '', allowReplies: true, privacyMode: 3 }, // ALL ("My Story")
      },
    },
  ];
  const contactAcis: Uint8Array[] = [];
  for (let i = 0; i < contacts; i++) {
    const contactAci = uuidBytes(rng);
    contactAcis.push(contactAci);
    recipients.push({
      id: BigInt(FIRST_CONTACT_ID + i),
      contact: {
        aci: contactAci,
        e164: BigInt(15550100000 + i),
        profileKey: rng.bytes(32),
        profileSharing: true,
        profileGivenName: NAMES[i % NAMES.length]!,
        profileFamilyName: i >= NAMES.length ? `N${i}` : '',
        registered: {},
        avatarColor: i % 12,
      },
    });
  }
  const plans: ChatPlan[] = [];
  const chats: Chat[] = [];
  let chatId = 1n;
  chats.push({ id: chatId, recipientId: SELF_ID, expireTimerVersion: 1 });
  plans.push({ chatId, members: [], memberAcis: [], group: false });
  for (let i = 0; i < contacts; i++) {
    chatId++;
    const rid = BigInt(FIRST_CONTACT_ID + i);
    chats.push({ id: chatId, recipientId: rid, expireTimerVersion: 1, archived: i % 17 === 16 });
    plans.push({ chatId, members: [rid], memberAcis: [contactAcis[i]!], group: false });
  }
  const firstGroupId = FIRST_CONTACT_ID + contacts;
  for (let g = 0; g < groups; g++) {
    const size = Math.min(contacts, 3 + rng.int(10));
    const start = rng.int(contacts);
    const members: bigint[] = [];
    const memberAcis: Uint8Array[] = [];
    for (let k = 0; k < size; k++) {
      const c = (start + k) % contacts;
      members.push(BigInt(FIRST_CONTACT_ID + c));
      memberAcis.push(contactAcis[c]!);
    }
    const rid = BigInt(firstGroupId + g);
    recipients.push({
      id: rid,
      group: {
        masterKey: rng.bytes(32),
        whitelisted: true,
        snapshot: {
          title: { title: `${sentence(rng, 1, 3)} group` },
          version: 1,
          accessControl: { attributes: 2, members: 2, addFromInviteLink: 4 }, // MEMBER, MEMBER, UNSATISFIABLE
          members: [
            { userId: aciBytes, role: 2 }, // ADMINISTRATOR
            ...memberAcis.map((userId) => ({ userId, role: 1 })), // DEFAULT
          ],
        },
        avatarColor: g % 12,
      },
    });
    chatId++;
    chats.push({ id: chatId, recipientId: rid, expireTimerVersion: 1, pinnedOrder: g < 3 ? g + 1 : null });
    plans.push({ chatId, members, memberAcis, group: true });
  }
  const callLinkId = BigInt(firstGroupId + groups);
  recipients.push({ id: callLinkId, callLink: { rootKey: rng.bytes(16), name: 'Weekly call', restrictions: 1 } });

  const stickerPacks: StickerPack[] = [
    { packId: rng.bytes(16), packKey: rng.bytes(32) },
    { packId: rng.bytes(16), packKey: rng.bytes(32) },
  ];
  const adHocCalls: AdHocCall[] = [
    { callId: BigInt(rng.u32()) * 65536n + 7n, recipientId: callLinkId, state: 1, callTimestamp: BigInt(startMs) },
  ];
  const notificationProfiles: NotificationProfile[] = [
    {
      id: rng.bytes(16),
      name: 'Work',
      emoji: '💼',
      color: 0xff3366cc,
      createdAtMs: BigInt(startMs),
      allowAllMentions: true,
      allowedMembers: [BigInt(FIRST_CONTACT_ID)],
      scheduleEnabled: true,
      scheduleStartTime: 900,
      scheduleEndTime: 1700,
      scheduleDaysEnabled: [1, 2, 3, 4, 5], // MONDAY..FRIDAY
    },
  ];
  const chatFolders: ChatFolder[] = [
    {
      id: rng.bytes(16),
      name: '',
      folderType: 1, // ALL
      showMutedChats: true,
      includeAllIndividualChats: true,
      includeAllGroupChats: true,
    },
    {
      id: rng.bytes(16),
      name: 'Groups',
      folderType: 2, // CUSTOM
      showMutedChats: true,
      includeAllGroupChats: true,
    },
  ];

  // Attachments: exact count, spread evenly over the messages; every 20th is view-once.
  const [logMin, logMax] = [Math.log(minBytes), Math.log(maxBytes)];
  const attachments: SyntheticAttachment[] = [];
  const attachmentAt = new Map<number, number>();
  for (let k = 0; k < attachmentCount; k++) {
    const index = Math.floor(((k + 0.5) * messages) / attachmentCount);
    const size = Math.round(Math.exp(logMin + rng.next() * (logMax - logMin)));
    const viewOnce = k % 20 === 7;
    const kind = viewOnce ? 'photo' : rng.pick(KINDS);
    attachmentAt.set(index, k);
    attachments.push(makeAttachment(rng, kind, size, k, sentAt(startMs, index), viewOnce));
  }

  function* chatItems(): Generator<ChatItem> {
    yield* generateItems(new Prng(seed, 2), 0, messages, startMs, backupTimeMs, plans, attachments, attachmentAt);
  }
  const result: SyntheticAccount = {
    recoveryKey,
    aci,
    backupInfo,
    account,
    recipients,
    chats,
    stickerPacks,
    adHocCalls,
    notificationProfiles,
    chatFolders,
    attachments,
    messageCount: messages,
    chatItems,
    backupContent: (items) => contentOf(result, items),
  };
  internals.set(result, { seed, plans, startMs });
  return result;
}

/** What {@link extendSyntheticAccount} needs from the account it extends. */
interface Internals {
  seed: number;
  plans: ChatPlan[];
  startMs: number;
}
const internals = new WeakMap<SyntheticAccount, Internals>();

/** Options of {@link extendSyntheticAccount}. */
export interface ExtendSyntheticOptions {
  /** New chat items after the existing ones. Default 30. */
  messages?: number;
  /** New attachments (photos) among them. Default 5. */
  attachments?: number;
  /** Time between the old backup and the new one. Default 1 day. */
  laterMs?: number;
}

/**
 * The same account some time later: the old chat items, then `messages` new ones carrying
 * `attachments` new photos, with a later backup time. Deterministic, like the account itself.
 * The new backup time may make more of the old disappearing messages fall under the 24-hour rules.
 *
 * @throws {TypeError} when `account` was not made by {@link generateSyntheticAccount}.
 * @throws {RangeError} for bad sizes.
 */
export function extendSyntheticAccount(
  account: SyntheticAccount,
  options: ExtendSyntheticOptions = {},
): SyntheticAccount {
  const inner = internals.get(account);
  if (inner === undefined) throw new TypeError('"account" expected an account made by generateSyntheticAccount');
  const added = checkCount(options.messages ?? 30, 'messages', 0);
  const photos = checkCount(options.attachments ?? 5, 'attachments', 0);
  if (photos > added) throw new RangeError('"attachments" expected at most one per message');
  const laterMs = checkCount(options.laterMs ?? DAY, 'laterMs', 0);
  const oldBackup = Number(account.backupInfo.backupTimeMs);
  const backupTimeMs = oldBackup + laterMs;
  // The new messages fill the hour before the new backup.
  const first = account.messageCount;
  const rng = new Prng(inner.seed, 3 + account.messageCount);
  const attachments = account.attachments.slice();
  const attachmentAt = new Map<number, number>();
  const stepNew = HOUR / (added + 1);
  const timeOf = (index: number) => backupTimeMs - HOUR + (index - first + 1) * stepNew;
  for (let k = 0; k < photos; k++) {
    const index = first + Math.floor(((k + 0.5) * added) / photos);
    const size = 20_000 + rng.int(60_000);
    attachmentAt.set(index, attachments.length);
    attachments.push(makeAttachment(rng, 'photo', size, attachments.length, Math.round(timeOf(index)), false));
  }
  const old = account.chatItems;
  function* chatItems(): Generator<ChatItem> {
    yield* old();
    yield* generateItems(
      new Prng(inner!.seed, 4 + first),
      first,
      first + added,
      0,
      backupTimeMs,
      inner!.plans,
      attachments,
      attachmentAt,
      timeOf,
    );
  }
  const result: SyntheticAccount = {
    ...account,
    backupInfo: { ...account.backupInfo, backupTimeMs: BigInt(backupTimeMs) },
    attachments,
    messageCount: first + added,
    chatItems,
    backupContent: (items) => contentOf(result, items),
  };
  internals.set(result, inner);
  return result;
}

/** An attachment of `kind` about `size` bytes long, with fresh keys. */
function makeAttachment(
  rng: Prng,
  kind: Kind,
  size: number,
  n: number,
  sentAtMs: number,
  viewOnce: boolean,
): SyntheticAttachment {
  const seed = rng.u32();
  let plaintext: Uint8Array;
  let extra: Partial<SyntheticAttachment>;
  if (kind === 'photo') {
    const picture = drawPicture(seed, size);
    plaintext = picture.bytes;
    extra = { contentType: 'image/png', width: picture.width, height: picture.height };
  } else if (kind === 'voice') {
    plaintext = toneClip(seed, size);
    extra = { contentType: 'audio/wav', voiceNote: true };
  } else {
    plaintext = textDocument(new Prng(seed, 5), size);
    extra = { contentType: 'text/plain', fileName: `notes-${n + 1}.txt` };
  }
  return {
    plaintext,
    key: rng.bytes(64),
    localKey: rng.bytes(64),
    plaintextHash: sha256(plaintext),
    contentType: extra.contentType!,
    ...extra,
    sentAtMs,
    viewOnce,
  };
}

/** ASCII lines of words, exactly `size` bytes, ending in a newline. */
function textDocument(rng: Prng, size: number): Uint8Array {
  let text = '';
  while (text.length < size) text += `${sentence(rng, 4, 16)}.\n`;
  const out = utf8(text.slice(0, size));
  if (size > 0) out[size - 1] = 0x0a;
  return out;
}

function sentAt(startMs: number, index: number): number {
  return startMs + index * STEP_MS;
}

interface LastMessage {
  dateSent: bigint;
  authorId: bigint;
  body: string;
}

function* generateItems(
  rng: Prng,
  from: number,
  to: number,
  startMs: number,
  backupTimeMs: number,
  plans: ChatPlan[],
  attachments: SyntheticAttachment[],
  attachmentAt: Map<number, number>,
  timeOf: (index: number) => number = (index) => sentAt(startMs, index),
): Generator<ChatItem> {
  const last = new Map<bigint, LastMessage>();
  for (let i = from; i < to; i++) {
    const sent = Math.round(timeOf(i));
    // A few chats carry most of the traffic, as in a real account.
    const plan = plans[Math.min(plans.length - 1, Math.floor(plans.length * rng.next() ** 2.5))]!;
    const outgoing = plan.members.length === 0 || rng.next() < 0.45;
    const who = outgoing ? -1 : rng.int(plan.members.length);
    const authorId = outgoing ? SELF_ID : plan.members[who]!;
    const attachmentIndex = attachmentAt.get(i);
    const attachment = attachmentIndex === undefined ? undefined : attachments[attachmentIndex]!;
    const viewOnce = attachment?.viewOnce === true;
    const voiceNote = attachment?.voiceNote === true;
    const recent = backupTimeMs - sent < 3 * DAY;
    const read = outgoing || !recent || rng.next() < 0.5;

    const item: ChatItem = { chatId: plan.chatId, authorId, dateSent: BigInt(sent) };
    if (outgoing) {
      const statuses = (plan.members.length === 0 ? [SELF_ID] : plan.members).map((recipientId) => ({
        recipientId,
        timestamp: BigInt(sent + 2000),
        ...(rng.next() < 0.5 ? { read: { sealedSender: true } } : { delivered: { sealedSender: true } }),
      }));
      item.outgoing = { dateReceived: BigInt(sent), sendStatus: plan.members.length === 0 ? [] : statuses };
    } else {
      item.incoming = {
        dateReceived: BigInt(sent + 1500),
        dateServerSent: BigInt(sent + 1000),
        read,
        sealedSender: true,
      };
    }

    // Disappearing timers: about 3% of messages; timers that have run out were already deleted.
    if (rng.next() < 0.03 && !viewOnce) {
      const timer = rng.pick(TIMERS);
      const unstarted = !read && !outgoing;
      const start = sent + 1500 + rng.int(HOUR);
      if (unstarted) item.expiresInMs = BigInt(timer);
      else if (start + timer > backupTimeMs) {
        item.expiresInMs = BigInt(timer);
        item.expireStartDate = BigInt(start);
      }
    }

    let body = sentence(rng, 1, 14);
    if (viewOnce) {
      item.viewOnceMessage = { attachment: messageAttachment(attachment!), reactions: [] };
    } else {
      const text: { body: string; bodyRanges?: { start: number; length: number; mentionAci: Uint8Array }[] } = {
        body,
      };
      if (plan.group && rng.next() < 0.2) {
        const k = rng.int(plan.memberAcis.length);
        body = `${MENTION_PLACEHOLDER} ${body}`;
        text.body = body;
        text.bodyRanges = [{ start: 0, length: 1, mentionAci: plan.memberAcis[k]! }];
      }
      // A voice note carries no text, as in Signal's apps.
      item.standardMessage = voiceNote ? {} : { text };
      if (attachment !== undefined) item.standardMessage.attachments = [messageAttachment(attachment)];
      const previous = last.get(plan.chatId);
      if (previous !== undefined && rng.next() < 0.04) {
        item.standardMessage.quote = {
          targetSentTimestamp: previous.dateSent,
          authorId: previous.authorId,
          text: { body: previous.body.slice(0, 200) },
          type: 1, // NORMAL
        };
      }
      if (rng.next() < 0.015 && !voiceNote) {
        // An edited message: the earlier versions, oldest first, with the same timer.
        const count = 1 + rng.int(2);
        item.revisions = [];
        for (let r = count; r >= 1; r--) {
          const rev: ChatItem = { ...item, dateSent: BigInt(sent - r * 1000), revisions: null };
          rev.standardMessage = { text: { body: sentence(rng, 1, 10) } };
          item.revisions.push(rev);
        }
      }
    }
    if (rng.next() < 0.08) {
      const reactions = [];
      const n = 1 + rng.int(3);
      const pool = [SELF_ID, ...plan.members];
      const seen = new Set<bigint>();
      for (let r = 0; r < n; r++) {
        const reactor = pool[rng.int(pool.length)]!;
        if (seen.has(reactor)) continue;
        seen.add(reactor);
        reactions.push({
          emoji: rng.pick(REACTIONS),
          authorId: reactor,
          sentTimestamp: BigInt(sent + 60_000 + r),
          sortOrder: BigInt(r + 1),
        });
      }
      if (item.viewOnceMessage != null) item.viewOnceMessage.reactions = reactions;
      else item.standardMessage!.reactions = reactions;
    }
    if (!viewOnce && !voiceNote) last.set(plan.chatId, { dateSent: BigInt(sent), authorId, body });
    yield item;
  }
}

function messageAttachment(a: SyntheticAttachment) {
  return {
    pointer: {
      contentType: a.contentType,
      ...(a.fileName === undefined ? {} : { fileName: a.fileName }),
      ...(a.width === undefined ? {} : { width: a.width, height: a.height }),
      locatorInfo: { key: a.key, plaintextHash: a.plaintextHash, size: a.plaintext.length, localKey: a.localKey },
    },
    flag: a.voiceNote === true ? 1 : 0, // VOICE_MESSAGE or NONE
    wasDownloaded: true,
  };
}
