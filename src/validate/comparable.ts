/**
 * The comparable form: one canonical string per backup, equal for backups with the same logical
 * content. File-local ids are replaced by what they refer to (recipients by their content, chat
 * items grouped under their chat), unordered collections are sorted, and the fields that change
 * from one export to the next (`backupTimeMs`, `currentAppVersion`) are left out. Like
 * libsignal's ComparableBackup, it is for diffing, not a format to parse back.
 */

import type { BackupInfo, Frame } from '../frames/codec.js';
import { backupInfoToJson, frameToJson, type JsonObject, type JsonValue } from '../frames/json.js';
import { type DecodedBackup, decodeBackup } from '../frames/stream.js';

/** Fields that hold one recipient id (or a list of them) anywhere in a frame. */
const RECIPIENT_REFS = new Set([
  'recipientId',
  'authorId',
  'voterId',
  'adminId',
  'startedCallRecipientId',
  'ringerRecipientId',
  'memberRecipientIds',
  'allowedMembers',
  'includedRecipientIds',
  'excludedRecipientIds',
]);
/** Lists whose order carries no meaning, sorted in the canonical form. */
const UNORDERED = new Set([
  'memberRecipientIds',
  'allowedMembers',
  'includedRecipientIds',
  'excludedRecipientIds',
  'reactions',
  'sendStatus',
  'members',
  'membersPendingProfileKey',
  'membersPendingAdminApproval',
  'membersBanned',
  'customChatColors',
  'scheduleDaysEnabled',
]);

/** JSON with object keys in sorted order, so equal values give equal text. */
function canonical(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k]!)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function resolve(v: JsonValue, key: string, recipients: Map<string, JsonValue>): JsonValue {
  if (Array.isArray(v)) {
    const out = v.map((x) => resolve(x, key, recipients));
    return UNORDERED.has(key)
      ? out.sort((a, b) => (canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0))
      : out;
  }
  if (v !== null && typeof v === 'object') {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      // A revision repeats the chat id of its message; the grouping under the chat says it already.
      if (k !== 'chatId') out[k] = resolve(x, k, recipients);
    }
    return out;
  }
  if (RECIPIENT_REFS.has(key) && (typeof v === 'string' || typeof v === 'number')) {
    return recipients.get(String(v)) ?? { unknownRecipient: String(v) };
  }
  return v;
}

const sortByText = (xs: JsonValue[]): JsonValue[] =>
  xs
    .map((x) => [canonical(x), x] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((p) => p[1]);

/**
 * The comparable form of a decoded backup as a plain JSON value (see {@link comparableString}).
 * @throws {TypeError} when `backup` is not a decoded backup.
 */
export function comparableBackup(backup: { backupInfo: BackupInfo; frames: Iterable<Frame> }): JsonObject {
  if (typeof backup !== 'object' || backup === null) throw new TypeError('"backup" expected a decoded backup');
  const meta = backupInfoToJson(backup.backupInfo);
  delete meta.backupTimeMs;
  delete meta.currentAppVersion;
  const recipients = new Map<string, JsonValue>();
  const chats = new Map<string, { chat: JsonValue; items: JsonValue[] }>();
  const account: JsonValue[] = [];
  const lists: Record<string, JsonValue[]> = { adHocCall: [], stickerPack: [], notificationProfile: [] };
  const chatFolders: JsonValue[] = [];
  const orphanItems: JsonValue[] = [];
  for (const frame of backup.frames) {
    const json = frameToJson(frame);
    const [kind, body] = Object.entries(json)[0] ?? ['empty', {}];
    const obj = (body ?? {}) as JsonObject;
    if (kind === 'recipient') {
      const id = String(obj.id ?? '0');
      const { id: _id, ...rest } = obj;
      recipients.set(id, resolve(rest, '', recipients));
    } else if (kind === 'chat') {
      const { id, ...rest } = obj;
      chats.set(String(id ?? '0'), { chat: resolve(rest, '', recipients), items: [] });
    } else if (kind === 'chatItem') {
      const { chatId, ...rest } = obj;
      const item = resolve(rest, '', recipients);
      const chat = chats.get(String(chatId ?? '0'));
      if (chat) chat.items.push(item);
      else orphanItems.push({ chatId: String(chatId ?? '0'), item });
    } else if (kind === 'account') {
      account.push(resolve(obj, '', recipients));
    } else if (kind === 'chatFolder') {
      chatFolders.push(resolve(obj, '', recipients));
    } else if (kind in lists) {
      lists[kind]!.push(resolve(obj, '', recipients));
    } else {
      orphanItems.push({ [kind]: obj });
    }
  }
  return {
    meta,
    accountData: account,
    recipients: sortByText([...recipients.values()]),
    chats: sortByText([...chats.values()].map((c) => ({ chat: c.chat, items: c.items }))),
    adHocCalls: sortByText(lists.adHocCall!),
    stickerPacks: sortByText(lists.stickerPack!),
    notificationProfiles: sortByText(lists.notificationProfile!),
    chatFolders,
    other: orphanItems,
  };
}

/**
 * The canonical string of a backup: equal for two backups with the same logical content (ids
 * renumbered, unordered collections reordered, backup time and app version changed), different
 * when content differs. Accepts an unencrypted backup's bytes or a decoded backup.
 * @throws {BackupError} when `backup` bytes are not a readable frame stream.
 * @throws {TypeError} on a wrong argument type.
 */
export function comparableString(backup: Uint8Array | DecodedBackup): string {
  const decoded = backup instanceof Uint8Array ? decodeBackup(backup) : backup;
  return canonical(comparableBackup(decoded));
}
