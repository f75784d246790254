/**
 * Merging two backups of one account into one backup that libsignal's validator accepts
 * (issue 14, item 5). Third-party merge tools concatenate records and write backups Signal
 * rejects (`EXPIRATION_TOO_SOON`, two ALL chat folders, duplicate recipients); this merge
 * identifies every record by what it is, not by its file-local id, and re-checks every rule the
 * union could break.
 *
 * **Rules** (each input is a backup of the same account; `newer` wins every tie):
 *
 * - **Recipients** are identified by identity, never by their file-local id: a contact by ACI,
 *   then PNI, then e164 (two contacts whose ACIs, or PNIs, both exist and differ are never the
 *   same person); a group by its master key; a distribution list by its distribution id; a call
 *   link by its root key; Self and Release Notes are one each. The newer backup's recipients are
 *   written as they are, with their ids; an older recipient with the same identity becomes that
 *   recipient (the older record is dropped), and one the newer backup lacks is added with a fresh
 *   id above the newer ids. An added contact loses a username, PNI or e164 that a newer contact
 *   holds (the newer backup knows who has it now), so the uniqueness rules keep holding.
 * - **Chats** are identified by their (merged) recipient: an older chat of a recipient the newer
 *   backup has a chat with becomes that chat; otherwise it is added with a fresh id. An added
 *   chat loses a `pinnedOrder` another chat already has, and its custom bubble colour is mapped to
 *   the newer account's colour of the same content, or added to the account's custom colours.
 * - **Static records** (sticker packs by pack id, ad-hoc calls by call id, notification
 *   profiles by id and then by name, chat folders by id and then by name, the ALL folder by its
 *   type) are deduplicated; the newer record wins, older-only ones are added after the newer
 *   ones (folders keep their render order: the newer folders, then the older-only ones). So a
 *   merge never holds two ALL folders or two folders of one name. Member lists are mapped to the
 *   merged ids and any repeat the mapping makes is removed. The account (AccountData) is the
 *   newer one; the BackupInfo is the newer one with the later of the two backup times.
 * - **Chat items** are identified by (chat, author, `dateSent`) in the merged id space. An older
 *   item with the key of a newer item is a duplicate and is left out (one older item per newer
 *   item with that key, so two distinct messages sent in the same millisecond both stay), as is
 *   an older item whose key is that of a revision of a newer item (the message before its edit).
 *   Every other item of either backup is kept: the result holds the union. The two streams are
 *   interleaved by `dateSent` (ties: newer first) and each keeps its own order, so the result is
 *   in render order when both inputs are. Recipient ids inside items (author, send statuses,
 *   quote authors, reactions, poll voters, admin deletes, call and pin updates, revisions) are
 *   mapped; a repeat the mapping makes (two reactions of one person) is removed.
 * - **Expiration**: every kept item is judged by the exclusion rules of the purpose
 *   (`sbackup/policy`) against the merged backup's time, so an older disappearing message that
 *   would now expire too soon (`EXPIRATION_TOO_SOON`) is dropped, as the clients' export drops it.
 * - **Media**: pointers are kept as they are. When a newer item's pointer lacks the local copy
 *   (`localKey`) that the older backup's pointer to the same medium (same plaintext hash, or same
 *   key and size) has, the older local copy is taken over, so a medium present in either input is
 *   kept. With {@link MergeOptions.hasLocalMedium}, a pointer whose local copy the output will not
 *   hold loses its `localKey` (the clients' "not available locally"), so the result never names a
 *   file it lacks.
 *
 * **Streaming.** Two passes over each input: the first keeps the records before the chat items
 * (recipients, chats, …: small) and the keys of the newer backup's chat items; the second, run by
 * each {@link MergedBackup.content} call, streams the chat items of both inputs. Memory grows
 * with recipients, chats, the newer backup's chat-item keys and the older backup's local media,
 * never with the content of chat items.
 */

import { defaultBackend } from '../backends/auto.js';
import type { CryptoBackend } from '../backends/types.js';
import type { BackupContent, Records } from '../api/writer.js';
import { BackupError } from '../errors.js';
import type { BackupInfo, Frame } from '../frames/codec.js';
import type {
  AccountData,
  AdHocCall,
  Chat,
  ChatFolder,
  ChatItem,
  FilePointer,
  NotificationProfile,
  Recipient,
  StickerPack,
} from '../frames/schema.js';
import { forEachFilePointer } from '../incremental/references.js';
import { toHex } from '../internal/bytes.js';
import { localBackupFileName } from '../media/names.js';
import { assertPurpose, type BackupPurpose, ExclusionPolicy, type ExclusionReason } from '../policy/exclusions.js';

/**
 * One input of {@link mergeBackups}: the BackupInfo and a way to read the frames, in file order,
 * once per pass (`frames()` is called twice, or more with several {@link MergedBackup.content}
 * calls). With a `BackupReader` (root `sbackup`): `{ backupInfo: r.backupInfo, frames: async function* () {
 * yield* (await BackupReader.open(file, options)).frames(); } }`; with records in memory:
 * {@link mergeSourceOf}.
 */
export interface MergeSource {
  /** The backup's header. */
  readonly backupInfo: BackupInfo;
  /** The frames after the BackupInfo, decoded, in file order; a fresh stream on each call. */
  frames(): AsyncIterable<Frame> | Iterable<Frame>;
}

/** What a local copy check is asked about. */
export interface LocalMediumQuery {
  /** The medium's local file name, `hex(SHA-256(plaintextHash ‖ localKey))`. */
  readonly localName: string;
  /** LocatorInfo.plaintextHash. */
  readonly plaintextHash: Uint8Array;
  /** LocatorInfo.localKey. */
  readonly localKey: Uint8Array;
  /** Plaintext size in bytes. */
  readonly size: number;
}

/** Options of {@link mergeBackups}. */
export interface MergeOptions {
  /** The purpose whose exclusion rules judge the chat items (default `remote`, as local backups are). */
  purpose?: BackupPurpose;
  /** The merged backup's time (ms); default the later of the two inputs' `backupTimeMs`. */
  backupTimeMs?: bigint | number;
  /**
   * Whether the output will hold the local copy of a medium. A pointer whose local copy it will
   * not hold loses its `localKey`. Default: every pointer is kept as it is.
   */
  hasLocalMedium?: (medium: LocalMediumQuery) => boolean | Promise<boolean>;
  /** Crypto backend for local media names (default `defaultBackend()`). */
  backend?: CryptoBackend;
}

/** Record counts of one kind. */
export interface MergeRecordCounts {
  /** Records in the older input. */
  older: number;
  /** Records in the newer input. */
  newer: number;
  /** Records in the merged backup. */
  merged: number;
  /** Older records that were the same as a newer one (identity) and left out. */
  deduplicated: number;
}

/** Chat item counts; final once a {@link MergedBackup.content} run has been consumed. */
export interface MergeChatItemCounts {
  /** Chat items in the older input. */
  older: number;
  /** Chat items in the newer input. */
  newer: number;
  /** Chat items in the merged backup. */
  kept: number;
  /** Older chat items left out as duplicates of newer ones. */
  deduplicated: number;
  /** Chat items dropped by the exclusion rules at the merged time (disappearing too soon), by input. */
  droppedExpired: {
    /** Of the older input. */
    older: number;
    /** Of the newer input. */
    newer: number;
  };
  /** Dropped items by rule. */
  droppedByReason: Partial<Record<ExclusionReason, number>>;
  /** Newer items that took over the local copy of a medium from the older input. */
  mediaTakenOver: number;
  /** Pointers that lost their `localKey` because the output will not hold the medium. */
  localCopiesDropped: number;
}

/** What a merge found and did. */
export interface MergeCounts {
  /** Recipients. */
  recipients: MergeRecordCounts;
  /** Chats. */
  chats: MergeRecordCounts;
  /** Sticker packs. */
  stickerPacks: MergeRecordCounts;
  /** Ad-hoc calls. */
  adHocCalls: MergeRecordCounts;
  /** Notification profiles. */
  notificationProfiles: MergeRecordCounts;
  /** Chat folders. */
  chatFolders: MergeRecordCounts;
  /** Custom chat colours added to the account from the older one. */
  customColorsAdded: number;
  /** Added contacts that lost a username, PNI or e164 a newer contact holds; added chats that lost a taken pinnedOrder. */
  fieldsCleared: number;
  /** Chat items (final after a content run). */
  chatItems: MergeChatItemCounts;
}

/** The merged backup, ready for `BackupWriter` (or `createLocalBackup` through `writer.plaintext`). */
export interface MergedBackup {
  /** The merged header (the newer one, with the merged backup time). */
  readonly backupInfo: BackupInfo;
  /** The merged account. */
  readonly account: AccountData;
  /** Counts; the chat-item counts are those of the last content run consumed. */
  readonly counts: MergeCounts;
  /**
   * The merged content. Every call gives a fresh content whose `chatItems` stream reads both
   * inputs again (iterate it once); the other lists are in memory.
   */
  content(): BackupContent;
}

type Int64 = bigint | number | null | undefined;

function big(v: Int64): bigint {
  if (v === null || v === undefined) return 0n;
  return typeof v === 'bigint' ? v : BigInt(v);
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array && v.length > 0;
const hexOf = (v: unknown): string | undefined => (isBytes(v) ? toHex(v) : undefined);

/** FolderType ALL (backup.proto ChatFolder.FolderType). */
const FOLDER_ALL = 1;

/** The records before the chat items, kept from the first pass. */
interface Head {
  account: AccountData | undefined;
  recipients: Recipient[];
  chats: Chat[];
  stickerPacks: StickerPack[];
  adHocCalls: AdHocCall[];
  notificationProfiles: NotificationProfile[];
  chatFolders: ChatFolder[];
  chatItems: number;
}

function emptyHead(): Head {
  return {
    account: undefined,
    recipients: [],
    chats: [],
    stickerPacks: [],
    adHocCalls: [],
    notificationProfiles: [],
    chatFolders: [],
    chatItems: 0,
  };
}

function addToHead(head: Head, f: Frame): ChatItem | undefined {
  if (f.chatItem != null) {
    head.chatItems++;
    return f.chatItem;
  }
  if (f.account != null) head.account = f.account;
  else if (f.recipient != null) head.recipients.push(f.recipient);
  else if (f.chat != null) head.chats.push(f.chat);
  else if (f.stickerPack != null) head.stickerPacks.push(f.stickerPack);
  else if (f.adHocCall != null) head.adHocCalls.push(f.adHocCall);
  else if (f.notificationProfile != null) head.notificationProfiles.push(f.notificationProfile);
  else if (f.chatFolder != null) head.chatFolders.push(f.chatFolder);
  return undefined;
}

async function* framesOf(source: MergeSource, which: string): AsyncGenerator<Frame> {
  const frames = source.frames();
  if (typeof frames !== 'object' || frames === null || !(Symbol.asyncIterator in frames || Symbol.iterator in frames)) {
    throw new TypeError(`"${which}.frames()" expected to return an iterable of frames`);
  }
  yield* frames as AsyncIterable<Frame>;
}

/** `chat:author:dateSent`, the identity of a chat item. */
function itemKey(chatId: bigint, authorId: bigint, dateSent: Int64): string {
  return `${chatId}:${authorId}:${big(dateSent)}`;
}

/** Identity keys of a contact, strongest first. */
function contactKeys(r: Recipient): { aci?: string; pni?: string; e164?: string; username?: string } {
  const c = r.contact!;
  const aci = hexOf(c.aci);
  const pni = hexOf(c.pni);
  const e164 = c.e164 != null && big(c.e164) !== 0n ? big(c.e164).toString() : undefined;
  const username = typeof c.username === 'string' && c.username !== '' ? c.username.toLowerCase() : undefined;
  return {
    ...(aci === undefined ? {} : { aci }),
    ...(pni === undefined ? {} : { pni }),
    ...(e164 === undefined ? {} : { e164 }),
    ...(username === undefined ? {} : { username }),
  };
}

/** The identity of a non-contact recipient, or undefined for a contact. */
function otherIdentity(r: Recipient, index: number, side: string): string | undefined {
  if (r.contact != null) return undefined;
  if (r.group != null) return `group:${hexOf(r.group.masterKey) ?? ''}`;
  if (r.distributionList != null) return `list:${hexOf(r.distributionList.distributionId) ?? ''}`;
  if (r.callLink != null) return `callLink:${hexOf(r.callLink.rootKey) ?? ''}`;
  if (r.self != null) return 'self';
  if (r.releaseNotes != null) return 'releaseNotes';
  // A recipient of no kind we know (the validator rejects it): never the same as another.
  return `unknown:${side}:${index}`;
}

/** A stable text of a value, for comparing records by content (bigints, bytes, nested objects). */
function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `b${toHex(value)}`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => k !== '$unknowns' && (value as Record<string, unknown>)[k] != null)
      .sort();
    return `{${keys.map((k) => `${k}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Removes repeats (by `key`), keeping the first. */
function unique<T>(list: readonly T[], key: (t: T) => string | bigint): T[] {
  const seen = new Set<string | bigint>();
  const out: T[] = [];
  for (const t of list) {
    const k = key(t);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(t);
  }
  return out;
}

/** A deep copy of plain records (byte arrays shared: they are never changed). */
function clone<T>(value: T): T {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) out[k] = clone((value as Record<string, unknown>)[k]);
  return out as T;
}

/** A local copy known from the older input. */
interface LocalCopy {
  plaintextHash: Uint8Array;
  localKey: Uint8Array;
  key: Uint8Array | undefined;
  size: number;
}

function localCopiesOf(item: ChatItem): LocalCopy[] {
  const out: LocalCopy[] = [];
  forEachFilePointer(item, (p) => {
    const li = p.locatorInfo;
    if (li == null || !isBytes(li.localKey) || !isBytes(li.plaintextHash)) return;
    out.push({
      plaintextHash: li.plaintextHash,
      localKey: li.localKey,
      key: isBytes(li.key) ? li.key : undefined,
      size: Number(li.size ?? 0),
    });
  });
  return out;
}

const sameBytes = (a: Uint8Array | null | undefined, b: Uint8Array | null | undefined) =>
  a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && toHex(a) === toHex(b);

/** Maps one input's recipient ids to the merged ones. */
type IdMap = Map<bigint, bigint>;

function mapId(map: IdMap, id: Int64, what: string): bigint {
  // 0 is no recipient (the validator names it); it stays 0.
  if (big(id) === 0n) return 0n;
  const v = map.get(big(id));
  if (v === undefined) {
    throw new BackupError(
      'INVALID_BACKUP',
      `the older backup's ${what} refers to recipient ${big(id)}, which that backup does not have`,
    );
  }
  return v;
}

/** A copy of an older chat item with every recipient and chat id in the merged space. */
function remapItem(item: ChatItem, r: IdMap, chatId: bigint): ChatItem {
  const where = `chat item (sent ${big(item.dateSent)})`;
  const id = (v: Int64) => mapId(r, v, where);
  const reactions = <T extends { reactions?: { authorId?: Int64 }[] | null }>(m: T): T =>
    m.reactions == null || m.reactions.length === 0
      ? m
      : {
          ...m,
          reactions: unique(
            m.reactions.map((x) => ({ ...x, authorId: id(x.authorId) })),
            (x) => x.authorId as bigint,
          ),
        };
  const out: ChatItem = { ...item };
  if (chatId !== 0n) out.chatId = chatId;
  if (item.authorId != null) out.authorId = id(item.authorId);
  if (item.outgoing != null && (item.outgoing.sendStatus?.length ?? 0) > 0) {
    out.outgoing = {
      ...item.outgoing,
      sendStatus: unique(
        item.outgoing.sendStatus!.map((s) => ({ ...s, recipientId: id(s.recipientId) })),
        (s) => s.recipientId as bigint,
      ),
    };
  }
  const sm = item.standardMessage;
  if (sm != null) {
    const m = reactions({ ...sm });
    if (sm.quote != null) m.quote = { ...sm.quote, authorId: id(sm.quote.authorId) };
    out.standardMessage = m;
  }
  if (item.contactMessage != null) out.contactMessage = reactions({ ...item.contactMessage });
  if (item.stickerMessage != null) out.stickerMessage = reactions({ ...item.stickerMessage });
  if (item.viewOnceMessage != null) out.viewOnceMessage = reactions({ ...item.viewOnceMessage });
  if (item.directStoryReplyMessage != null)
    out.directStoryReplyMessage = reactions({ ...item.directStoryReplyMessage });
  if (item.poll != null) {
    const p = reactions({ ...item.poll });
    if (item.poll.options != null) {
      p.options = item.poll.options.map((o) =>
        o.votes == null || o.votes.length === 0
          ? o
          : {
              ...o,
              votes: unique(
                o.votes.map((v) => ({ ...v, voterId: id(v.voterId) })),
                (v) => v.voterId as bigint,
              ),
            },
      );
    }
    out.poll = p;
  }
  if (item.adminDeletedMessage != null) {
    out.adminDeletedMessage = { ...item.adminDeletedMessage, adminId: id(item.adminDeletedMessage.adminId) };
  }
  const u = item.updateMessage;
  if (u?.groupCall != null) {
    const g = { ...u.groupCall };
    if (g.ringerRecipientId != null) g.ringerRecipientId = id(g.ringerRecipientId);
    if (g.startedCallRecipientId != null) g.startedCallRecipientId = id(g.startedCallRecipientId);
    out.updateMessage = { ...u, groupCall: g };
  } else if (u?.pinMessage != null) {
    out.updateMessage = { ...u, pinMessage: { ...u.pinMessage, authorId: id(u.pinMessage.authorId) } };
  }
  if (item.revisions != null && item.revisions.length > 0) {
    // A revision's chat id is kept absent when it was (the message names the chat).
    out.revisions = item.revisions.map((rev) => remapItem(rev, r, big(rev.chatId) === 0n ? 0n : chatId));
  }
  return out;
}

/** The recipients of both inputs, merged, and the maps from each input's ids. */
interface RecipientMerge {
  recipients: Recipient[];
  older: IdMap;
  newer: IdMap;
  counts: MergeRecordCounts;
  fieldsCleared: number;
}

function mergeRecipients(older: Recipient[], newer: Recipient[]): RecipientMerge {
  const newerMap: IdMap = new Map();
  const byIdentity = new Map<string, bigint>();
  const contacts = new Map<bigint, ReturnType<typeof contactKeys>>();
  const taken = {
    aci: new Set<string>(),
    pni: new Set<string>(),
    e164: new Set<string>(),
    username: new Set<string>(),
  };
  let maxId = 0n;
  const out: Recipient[] = [];
  newer.forEach((r, i) => {
    const id = big(r.id);
    newerMap.set(id, id);
    if (id > maxId) maxId = id;
    out.push(r);
    if (r.contact != null) {
      const k = contactKeys(r);
      contacts.set(id, k);
      for (const f of ['aci', 'pni', 'e164', 'username'] as const) {
        const v = k[f];
        if (v !== undefined) {
          taken[f].add(v);
          if (f !== 'username' && !byIdentity.has(`${f}:${v}`)) byIdentity.set(`${f}:${v}`, id);
        }
      }
    } else {
      const key = otherIdentity(r, i, 'newer')!;
      if (!byIdentity.has(key)) byIdentity.set(key, id);
    }
  });
  const olderMap: IdMap = new Map();
  /** Merged ids of the recipients that come from the older backup. */
  const added = new Set<bigint>();
  let deduplicated = 0;
  let fieldsCleared = 0;
  older.forEach((r, i) => {
    const id = big(r.id);
    let match: bigint | undefined;
    if (r.contact != null) {
      const k = contactKeys(r);
      // ACI, then PNI (unless both ACIs exist and differ), then e164 (unless ACIs or PNIs differ).
      for (const f of ['aci', 'pni', 'e164'] as const) {
        const v = k[f];
        if (v === undefined) continue;
        const candidate = byIdentity.get(`${f}:${v}`);
        const n = candidate === undefined ? undefined : contacts.get(candidate);
        if (n === undefined) continue;
        const differ = (g: 'aci' | 'pni') => k[g] !== undefined && n[g] !== undefined && k[g] !== n[g];
        if (f === 'aci' || (f === 'pni' && !differ('aci')) || (f === 'e164' && !differ('aci') && !differ('pni'))) {
          match = candidate;
          break;
        }
      }
      if (match === undefined) {
        // Added: drop what a newer contact holds now (the uniqueness rules, libsignal backup.rs).
        const c = { ...r.contact };
        for (const f of ['pni', 'e164', 'username'] as const) {
          const v = k[f];
          if (v !== undefined && taken[f].has(v)) {
            c[f] = null;
            fieldsCleared++;
          }
        }
        maxId++;
        const copy: Recipient = { ...r, id: maxId, contact: c };
        out.push(copy);
        const kk = contactKeys(copy);
        contacts.set(maxId, kk);
        for (const f of ['aci', 'pni', 'e164', 'username'] as const) {
          const v = kk[f];
          if (v !== undefined) {
            taken[f].add(v);
            if (f !== 'username' && !byIdentity.has(`${f}:${v}`)) byIdentity.set(`${f}:${v}`, maxId);
          }
        }
        olderMap.set(id, maxId);
        added.add(maxId);
        return;
      }
    } else {
      const key = otherIdentity(r, i, 'older')!;
      match = byIdentity.get(key);
      if (match === undefined) {
        maxId++;
        byIdentity.set(key, maxId);
        olderMap.set(id, maxId);
        added.add(maxId);
        out.push({ ...r, id: maxId });
        return;
      }
    }
    deduplicated++;
    olderMap.set(id, match);
  });
  // Distribution lists that came from the older backup name older recipient ids.
  const recipients = out.map((r) => {
    const list = r.distributionList?.distributionList;
    if (!added.has(big(r.id)) || list == null || (list.memberRecipientIds?.length ?? 0) === 0) return r;
    const members = unique(
      list.memberRecipientIds!.map((m) => mapId(olderMap, m, `distribution list ${big(r.id)}`)),
      (m) => m,
    );
    return {
      ...r,
      distributionList: { ...r.distributionList!, distributionList: { ...list, memberRecipientIds: members } },
    };
  });
  return {
    recipients,
    older: olderMap,
    newer: newerMap,
    counts: { older: older.length, newer: newer.length, merged: recipients.length, deduplicated },
    fieldsCleared,
  };
}

/** Merges records identified by `identities` (first match wins), newer first. */
function mergeStatic<T>(
  older: readonly T[],
  newer: readonly T[],
  identities: (t: T) => string[],
  remapOlder: (t: T) => T,
): { list: T[]; counts: MergeRecordCounts } {
  const known = new Set<string>();
  const out: T[] = [];
  for (const t of newer) {
    out.push(t);
    for (const k of identities(t)) known.add(k);
  }
  let deduplicated = 0;
  for (const t of older) {
    const ids = identities(t);
    if (ids.some((k) => known.has(k))) {
      deduplicated++;
      continue;
    }
    for (const k of ids) known.add(k);
    out.push(remapOlder(t));
  }
  return { list: out, counts: { older: older.length, newer: newer.length, merged: out.length, deduplicated } };
}

function checkSource(source: MergeSource, name: string): void {
  if (typeof source !== 'object' || source === null || typeof source.frames !== 'function') {
    throw new TypeError(`"${name}" expected { backupInfo, frames() }`);
  }
  if (typeof source.backupInfo !== 'object' || source.backupInfo === null) {
    throw new TypeError(`"${name}.backupInfo" expected a BackupInfo`);
  }
}

/**
 * Merges two backups of one account (see the module comment for every rule). Reads both inputs
 * once now (their records, the newer chat-item keys); the chat items stream on each
 * {@link MergedBackup.content} call.
 *
 * @example
 * const merged = await mergeBackups(mergeSourceOf(olderContent), mergeSourceOf(newerContent));
 * const { bytes } = await new BackupWriter({ purpose: 'remote', key }).writeToBytes(merged.content());
 *
 * @throws {BackupError} `INVALID_BACKUP` when an input has no AccountData frame, or an older
 *   record refers to a recipient or chat that input does not have (the message names it); the
 *   inputs' own errors while they are read.
 * @throws {TypeError | RangeError} for malformed sources or options.
 */
export async function mergeBackups(
  older: MergeSource,
  newer: MergeSource,
  options: MergeOptions = {},
): Promise<MergedBackup> {
  checkSource(older, 'older');
  checkSource(newer, 'newer');
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
  const purpose = options.purpose ?? 'remote';
  assertPurpose(purpose);
  const backend = options.backend ?? defaultBackend();
  const times = [big(older.backupInfo.backupTimeMs as Int64), big(newer.backupInfo.backupTimeMs as Int64)];
  let backupTimeMs = times[1]!;
  if (times[0]! > backupTimeMs) backupTimeMs = times[0]!;
  if (options.backupTimeMs !== undefined) backupTimeMs = BigInt(options.backupTimeMs);
  // Checks the time now (a bad one is a RangeError here, not in the middle of a stream).
  new ExclusionPolicy(purpose, backupTimeMs);

  // Pass 1: the records, the newer chat-item keys, the older local copies.
  const newerHead = emptyHead();
  const newerKeys = new Map<string, number>();
  const newerRevisionKeys = new Set<string>();
  for await (const f of framesOf(newer, 'newer')) {
    const item = addToHead(newerHead, f);
    if (item === undefined) continue;
    const chat = big(item.chatId);
    const author = big(item.authorId);
    const k = itemKey(chat, author, item.dateSent);
    newerKeys.set(k, (newerKeys.get(k) ?? 0) + 1);
    for (const rev of item.revisions ?? []) newerRevisionKeys.add(itemKey(chat, author, rev.dateSent));
  }
  const olderHead = emptyHead();
  const olderCopiesRaw: [string, LocalCopy[]][] = [];
  for await (const f of framesOf(older, 'older')) {
    const item = addToHead(olderHead, f);
    if (item === undefined) continue;
    const copies = localCopiesOf(item);
    if (copies.length > 0) olderCopiesRaw.push([itemKey(big(item.chatId), big(item.authorId), item.dateSent), copies]);
  }
  if (newerHead.account === undefined)
    throw new BackupError('INVALID_BACKUP', 'the newer backup has no AccountData frame');
  if (olderHead.account === undefined)
    throw new BackupError('INVALID_BACKUP', 'the older backup has no AccountData frame');

  // Recipients and chats.
  const rec = mergeRecipients(olderHead.recipients, newerHead.recipients);
  const newAccount = newerHead.account;
  const newerColors = newAccount.accountSettings?.customChatColors ?? [];
  const olderColors = olderHead.account.accountSettings?.customChatColors ?? [];
  const addedColors: typeof newerColors = [];
  let maxColor = 0n;
  for (const c of newerColors) if (big(c.id) > maxColor) maxColor = big(c.id);
  const colorMap = new Map<bigint, bigint>();
  const colorOf = (id: bigint): bigint | undefined => {
    const hit = colorMap.get(id);
    if (hit !== undefined) return hit;
    const c = olderColors.find((x) => big(x.id) === id);
    if (c === undefined) return undefined;
    const content = canonical({ ...c, id: null });
    const same = [...newerColors, ...addedColors].find((x) => canonical({ ...x, id: null }) === content);
    let mapped: bigint;
    if (same !== undefined) mapped = big(same.id);
    else {
      maxColor++;
      mapped = maxColor;
      addedColors.push({ ...c, id: mapped });
    }
    colorMap.set(id, mapped);
    return mapped;
  };

  const chatsByRecipient = new Map<bigint, bigint>();
  const newerChatMap = new Map<bigint, bigint>();
  const pins = new Set<number>();
  let maxChat = 0n;
  const chats: Chat[] = [];
  for (const c of newerHead.chats) {
    const id = big(c.id);
    newerChatMap.set(id, id);
    if (id > maxChat) maxChat = id;
    if (!chatsByRecipient.has(big(c.recipientId))) chatsByRecipient.set(big(c.recipientId), id);
    if (c.pinnedOrder != null && c.pinnedOrder !== 0) pins.add(c.pinnedOrder);
    chats.push(c);
  }
  const olderChatMap = new Map<bigint, bigint>();
  let chatsDeduplicated = 0;
  let fieldsCleared = rec.fieldsCleared;
  for (const c of olderHead.chats) {
    const rid = mapId(rec.older, c.recipientId, `chat ${big(c.id)}`);
    const existing = chatsByRecipient.get(rid);
    if (existing !== undefined) {
      olderChatMap.set(big(c.id), existing);
      chatsDeduplicated++;
      continue;
    }
    maxChat++;
    const added: Chat = { ...c, id: maxChat, recipientId: rid };
    if (c.pinnedOrder != null && c.pinnedOrder !== 0) {
      if (pins.has(c.pinnedOrder)) {
        added.pinnedOrder = null;
        fieldsCleared++;
      } else pins.add(c.pinnedOrder);
    }
    if (c.style?.customColorId != null) {
      const mapped = colorOf(big(c.style.customColorId));
      if (mapped !== undefined) added.style = { ...c.style, customColorId: mapped };
    }
    chatsByRecipient.set(rid, maxChat);
    olderChatMap.set(big(c.id), maxChat);
    chats.push(added);
  }
  const account: AccountData =
    addedColors.length === 0
      ? newAccount
      : {
          ...newAccount,
          accountSettings: { ...newAccount.accountSettings, customChatColors: [...newerColors, ...addedColors] },
        };

  // Static records.
  const olderIds = (list: readonly Int64[] | null | undefined, what: string) =>
    unique(
      (list ?? []).map((m) => mapId(rec.older, m, what)),
      (m) => m,
    );
  const stickerPacks = mergeStatic(
    olderHead.stickerPacks,
    newerHead.stickerPacks,
    (s) => [`pack:${hexOf(s.packId) ?? ''}`],
    (s) => s,
  );
  const adHocCalls = mergeStatic(
    olderHead.adHocCalls,
    newerHead.adHocCalls,
    (a) => [`call:${big(a.callId)}`],
    (a) => ({ ...a, recipientId: mapId(rec.older, a.recipientId, `ad-hoc call ${big(a.callId)}`) }),
  );
  const notificationProfiles = mergeStatic(
    olderHead.notificationProfiles,
    newerHead.notificationProfiles,
    (p) => [`id:${hexOf(p.id) ?? ''}`, ...(p.name ? [`name:${p.name}`] : [])],
    (p) => ({ ...p, allowedMembers: olderIds(p.allowedMembers, `notification profile ${p.name ?? ''}`) }),
  );
  const chatFolders = mergeStatic(
    olderHead.chatFolders,
    newerHead.chatFolders,
    (f) => (f.folderType === FOLDER_ALL ? ['all'] : [`id:${hexOf(f.id) ?? ''}`, ...(f.name ? [`name:${f.name}`] : [])]),
    (f) => {
      const what = `chat folder ${f.name ?? ''}`;
      const included = olderIds(f.includedRecipientIds, what);
      const inc = new Set(included);
      return {
        ...f,
        includedRecipientIds: included,
        excludedRecipientIds: olderIds(f.excludedRecipientIds, what).filter((m) => !inc.has(m)),
      };
    },
  );

  // Older local copies in the merged key space, by key.
  const olderCopies = new Map<string, LocalCopy[]>();
  for (const [k, copies] of olderCopiesRaw) {
    const [chat, author, sent] = k.split(':');
    const mc = olderChatMap.get(BigInt(chat!));
    const ma = rec.older.get(BigInt(author!));
    if (mc === undefined || ma === undefined) continue;
    const mk = `${mc}:${ma}:${sent}`;
    olderCopies.set(mk, [...(olderCopies.get(mk) ?? []), ...copies]);
  }

  const backupInfo: BackupInfo = { ...newer.backupInfo, backupTimeMs };
  const counts: MergeCounts = {
    recipients: rec.counts,
    chats: {
      older: olderHead.chats.length,
      newer: newerHead.chats.length,
      merged: chats.length,
      deduplicated: chatsDeduplicated,
    },
    stickerPacks: stickerPacks.counts,
    adHocCalls: adHocCalls.counts,
    notificationProfiles: notificationProfiles.counts,
    chatFolders: chatFolders.counts,
    customColorsAdded: addedColors.length,
    fieldsCleared,
    chatItems: {
      older: olderHead.chatItems,
      newer: newerHead.chatItems,
      kept: 0,
      deduplicated: 0,
      droppedExpired: { older: 0, newer: 0 },
      droppedByReason: {},
      mediaTakenOver: 0,
      localCopiesDropped: 0,
    },
  };

  const hasLocal = options.hasLocalMedium;
  /** A copy of `item` with the older local copies taken over and unavailable ones dropped (the item itself when nothing changes). */
  async function fixMedia(item: ChatItem, key: string | undefined, stats: MergeChatItemCounts): Promise<ChatItem> {
    const copies = key === undefined ? undefined : olderCopies.get(key);
    const pointers: FilePointer[] = [];
    forEachFilePointer(item, (p) => pointers.push(p));
    if (pointers.length === 0) return item;
    let needs = false;
    for (const p of pointers) {
      const li = p.locatorInfo;
      if (li == null) continue;
      if (hasLocal !== undefined && isBytes(li.localKey)) needs = true;
      if (copies !== undefined && !isBytes(li.localKey)) needs = true;
    }
    if (!needs) return item;
    const out = clone(item);
    let changed = false;
    const work: FilePointer[] = [];
    forEachFilePointer(out, (p) => work.push(p));
    for (const p of work) {
      const li = p.locatorInfo;
      if (li == null) continue;
      if (copies !== undefined && !isBytes(li.localKey)) {
        const size = Number(li.size ?? 0);
        const copy = copies.find(
          (c) =>
            (isBytes(li.plaintextHash) && sameBytes(li.plaintextHash, c.plaintextHash)) ||
            (!isBytes(li.plaintextHash) && c.key !== undefined && sameBytes(li.key, c.key) && size === c.size),
        );
        if (copy !== undefined && (hasLocal === undefined || (await hasLocal(query(copy))))) {
          p.locatorInfo = { ...li, plaintextHash: copy.plaintextHash, encryptedDigest: null, localKey: copy.localKey };
          stats.mediaTakenOver++;
          changed = true;
          continue;
        }
      }
      if (hasLocal !== undefined && isBytes(li.localKey) && isBytes(li.plaintextHash)) {
        const ok = await hasLocal(
          query({ plaintextHash: li.plaintextHash, localKey: li.localKey, key: undefined, size: Number(li.size ?? 0) }),
        );
        if (!ok) {
          p.locatorInfo = { ...li, localKey: null };
          stats.localCopiesDropped++;
          changed = true;
        }
      }
    }
    return changed ? out : item;
  }
  function query(c: LocalCopy): LocalMediumQuery {
    return {
      localName: localBackupFileName(c.plaintextHash, c.localKey, backend),
      plaintextHash: c.plaintextHash,
      localKey: c.localKey,
      size: c.size,
    };
  }

  /** The chat items of one input, in merged ids, with their keys. */
  async function* stream(
    source: MergeSource,
    side: 'older' | 'newer',
  ): AsyncGenerator<{ item: ChatItem; key: string; side: 'older' | 'newer' }> {
    for await (const f of framesOf(source, side)) {
      const item = f.chatItem;
      if (item == null) continue;
      if (side === 'newer') {
        yield { item, key: itemKey(big(item.chatId), big(item.authorId), item.dateSent), side };
        continue;
      }
      const chatId = olderChatMap.get(big(item.chatId));
      if (chatId === undefined) {
        throw new BackupError(
          'INVALID_BACKUP',
          `the older backup's chat item (sent ${big(item.dateSent)}) refers to chat ${big(item.chatId)}, which that backup does not have`,
        );
      }
      const mapped = remapItem(item, rec.older, chatId);
      yield { item: mapped, key: itemKey(chatId, big(mapped.authorId), mapped.dateSent), side };
    }
  }

  async function* chatItems(): AsyncGenerator<ChatItem> {
    const stats: MergeChatItemCounts = {
      older: olderHead.chatItems,
      newer: newerHead.chatItems,
      kept: 0,
      deduplicated: 0,
      droppedExpired: { older: 0, newer: 0 },
      droppedByReason: {},
      mediaTakenOver: 0,
      localCopiesDropped: 0,
    };
    const policy = new ExclusionPolicy(purpose, backupTimeMs, { maxEntries: 0 });
    const matched = new Map<string, number>();
    const a = stream(newer, 'newer');
    const b = stream(older, 'older');
    let na = await a.next();
    let nb = await b.next();
    try {
      while (!na.done || !nb.done) {
        let next: { item: ChatItem; key: string; side: 'older' | 'newer' };
        if (nb.done || (!na.done && big(na.value.item.dateSent) <= big(nb.value.item.dateSent))) {
          next = na.value!;
          na = await a.next();
        } else {
          next = nb.value;
          nb = await b.next();
        }
        if (next.side === 'older') {
          const have = newerKeys.get(next.key) ?? 0;
          const used = matched.get(next.key) ?? 0;
          if (used < have) {
            matched.set(next.key, used + 1);
            stats.deduplicated++;
            continue;
          }
          if (newerRevisionKeys.has(next.key)) {
            stats.deduplicated++;
            continue;
          }
        }
        const fixed = await fixMedia(next.item, next.side === 'newer' ? next.key : undefined, stats);
        const kept = policy.apply(fixed);
        if (kept === undefined) {
          stats.droppedExpired[next.side]++;
          continue;
        }
        stats.kept++;
        yield kept;
      }
    } finally {
      await a.return(undefined);
      await b.return(undefined);
    }
    stats.droppedByReason = { ...policy.report.dropped };
    counts.chatItems = stats;
  }

  /** `r`, or a copy of it whose pointers to local copies the output will not hold lose their `localKey`. */
  async function available<T>(r: T): Promise<T> {
    if (hasLocal === undefined) return r;
    const missing = async (li: FilePointer['locatorInfo']) =>
      li != null &&
      isBytes(li.localKey) &&
      isBytes(li.plaintextHash) &&
      !(await hasLocal(
        query({ plaintextHash: li.plaintextHash, localKey: li.localKey, key: undefined, size: Number(li.size ?? 0) }),
      ));
    const pointers: FilePointer[] = [];
    forEachFilePointer(r, (p) => pointers.push(p));
    let any = false;
    for (const p of pointers) if (await missing(p.locatorInfo)) any = true;
    if (!any) return r;
    const out = clone(r);
    const work: FilePointer[] = [];
    forEachFilePointer(out, (p) => work.push(p));
    for (const p of work) if (await missing(p.locatorInfo)) p.locatorInfo = { ...p.locatorInfo, localKey: null };
    return out;
  }
  // The account (default wallpaper) and the chats (wallpapers) are in memory: checked once.
  const finalAccount = await available(account);
  const finalChats: Chat[] = [];
  for (const c of chats) finalChats.push(await available(c));

  return {
    backupInfo,
    account: finalAccount,
    counts,
    content(): BackupContent {
      return {
        backupInfo,
        account: finalAccount,
        recipients: rec.recipients,
        chats: finalChats,
        stickerPacks: stickerPacks.list,
        adHocCalls: adHocCalls.list,
        notificationProfiles: notificationProfiles.list,
        chatFolders: chatFolders.list,
        chatItems: chatItems(),
      };
    },
  };
}

/**
 * A {@link MergeSource} over records in memory (a `RestoredBackup`, a synthetic account's
 * content): the frames in the writer's order. `content` may be a function giving a fresh content
 * on each call (so that a streamed `chatItems` can be read once per pass).
 */
export function mergeSourceOf(content: BackupContent | (() => BackupContent)): MergeSource {
  const get = typeof content === 'function' ? content : () => content;
  const first = get();
  if (typeof first !== 'object' || first === null) throw new TypeError('"content" expected a BackupContent');
  let pending: BackupContent | undefined = first;
  return {
    backupInfo: first.backupInfo,
    frames: () => {
      const c = pending ?? get();
      pending = undefined;
      return framesOfContent(c);
    },
  };
}

async function* each<T>(list: Records<T> | undefined): AsyncGenerator<T> {
  if (list !== undefined) yield* list as AsyncIterable<T>;
}

/** The frames of a content, in the writer's order (AccountData first, chat items last). */
export async function* framesOfContent(content: BackupContent): AsyncGenerator<Frame> {
  yield { account: content.account };
  for await (const recipient of each(content.recipients)) yield { recipient };
  for await (const chat of each(content.chats)) yield { chat };
  for await (const stickerPack of each(content.stickerPacks)) yield { stickerPack };
  for await (const adHocCall of each(content.adHocCalls)) yield { adHocCall };
  for await (const notificationProfile of each(content.notificationProfiles)) yield { notificationProfile };
  for await (const chatFolder of each(content.chatFolders)) yield { chatFolder };
  for await (const chatItem of each(content.chatItems)) yield { chatItem };
}
