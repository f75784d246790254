/** Sticker packs, ad-hoc calls, notification profiles and chat folders. Rules: libsignal backup/sticker.rs, call.rs, notification_profile.rs, chat_folder.rs. */

import type { signal } from '../frames/generated/schema.js';
import { bytesOf, hexOf, u64, type ValidationState } from './context.js';
import { enumValue } from './enums.js';

/** Sticker pack ids are 16 bytes, keys 32 (sticker.rs). */
const PACK_ID_LENGTH = 16;
const PACK_KEY_LENGTH = 32;
/** Notification profile and chat folder ids are 16-byte UUIDs. */
const UUID_LENGTH = 16;
/** ChatFolder.FolderType (backup.proto). */
const FOLDER_ALL = 1;
const FOLDER_CUSTOM = 2;

/** Checks one StickerPack frame. */
export function checkStickerPack(s: ValidationState, p: signal.backup.StickerPack.$Properties): void {
  const id = bytesOf(p.packId);
  if (id.length !== PACK_ID_LENGTH) {
    s.error('INVALID_STICKER_PACK_ID', `sticker pack id must be ${PACK_ID_LENGTH} bytes, found ${id.length}`);
    return;
  }
  if (bytesOf(p.packKey).length !== PACK_KEY_LENGTH)
    s.error('INVALID_STICKER_PACK_KEY', `sticker pack key must be ${PACK_KEY_LENGTH} bytes`);
  const key = hexOf(id);
  if (s.stickerPacks.has(key)) s.error('DUPLICATE_STICKER_PACK', 'the same sticker pack appears twice');
  s.stickerPacks.add(key);
}

/** Checks one AdHocCall frame. */
export function checkAdHocCall(s: ValidationState, c: signal.backup.AdHocCall.$Properties): void {
  const id = u64(c.recipientId);
  const r = s.recipients.get(id);
  if (!r) s.error('UNKNOWN_AD_HOC_CALL_RECIPIENT', `ad-hoc call refers to recipient ${id}, which does not exist (yet)`);
  else if (r.kind !== 'callLink')
    s.error('INVALID_AD_HOC_CALL_RECIPIENT', `ad-hoc call recipient ${id} is a ${r.kind}, not a call link`);
  if (enumValue(c.state, 'AdHocCall.State') === 0) s.error('CALL_STATE_UNKNOWN', 'ad-hoc call state is UNKNOWN');
  s.timestamp(c.callTimestamp, 'AdHocCall.callTimestamp');
}

function clockTime(s: ValidationState, v: number | null | undefined, what: string): void {
  const t = v ?? 0;
  if (t >= 2400 || t % 100 >= 60) s.error('INVALID_CLOCK_TIME', `${what} ${t} is not a valid HHMM time`);
}

/** Checks one NotificationProfile frame. */
export function checkNotificationProfile(s: ValidationState, p: signal.backup.NotificationProfile.$Properties): void {
  if (!p.name) s.error('NOTIFICATION_PROFILE_NO_NAME', 'notification profile has no name');
  if (p.emoji === '') s.error('NOTIFICATION_PROFILE_EMPTY_EMOJI', 'notification profile emoji is present but empty');
  if ((p.color ?? 0) >>> 24 !== 0xff)
    s.error('COLOR_NOT_OPAQUE', 'notification profile color is not opaque (alpha must be 0xFF)');
  s.timestamp(p.createdAtMs, 'NotificationProfile.createdAtMs');
  const seen = new Set<bigint>();
  for (const raw of p.allowedMembers ?? []) {
    const id = u64(raw);
    if (seen.has(id)) s.error('DUPLICATE_PROFILE_MEMBER', `notification profile lists recipient ${id} twice`);
    seen.add(id);
    const r = s.recipients.get(id);
    if (!r) s.error('UNKNOWN_PROFILE_MEMBER', `notification profile member ${id} does not exist (yet)`);
    else if (r.kind !== 'contact' && r.kind !== 'group')
      s.error('PROFILE_MEMBER_WRONG_KIND', `notification profile member ${id} is a ${r.kind}`);
  }
  clockTime(s, p.scheduleStartTime, 'schedule start time');
  clockTime(s, p.scheduleEndTime, 'schedule end time');
  const days = new Set<number>();
  for (const d of p.scheduleDaysEnabled ?? []) {
    const v = enumValue(d, 'NotificationProfile.DayOfWeek');
    if (v === 0) s.error('INVALID_WEEKDAY', `schedule day ${d} is not a weekday`);
    else if (days.has(v)) s.error('DUPLICATE_WEEKDAY', `schedule day ${d} is listed twice`);
    days.add(v);
  }
  const id = bytesOf(p.id);
  if (id.length === 0) s.error('MISSING_ID', 'notification profile has no id');
  else if (id.length !== UUID_LENGTH)
    s.error('INVALID_ID', `notification profile id must be ${UUID_LENGTH} bytes, found ${id.length}`);
}

/** Checks one ChatFolder frame. */
export function checkChatFolder(s: ValidationState, f: signal.backup.ChatFolder.$Properties): void {
  s.chatFolderCount++;
  const type = f.folderType ?? 0;
  const id = bytesOf(f.id);
  const idCheck = () => {
    if (id.length === 0) s.error('MISSING_ID', 'chat folder has no id');
    else if (id.length !== UUID_LENGTH)
      s.error('INVALID_ID', `chat folder id must be ${UUID_LENGTH} bytes, found ${id.length}`);
  };
  if (type === FOLDER_ALL) {
    s.allChatFolderCount++;
    if (f.name) s.error('ALL_FOLDER_INVALID', 'the ALL chat folder must not have a name');
    else if (f.showOnlyUnread) s.error('ALL_FOLDER_INVALID', 'the ALL chat folder must not show only unread chats');
    else if (!f.showMutedChats) s.error('ALL_FOLDER_INVALID', 'the ALL chat folder must show muted chats');
    else if (!f.includeAllIndividualChats)
      s.error('ALL_FOLDER_INVALID', 'the ALL chat folder must include all 1:1 chats');
    else if (!f.includeAllGroupChats) s.error('ALL_FOLDER_INVALID', 'the ALL chat folder must include all group chats');
    else if ((f.includedRecipientIds ?? []).length > 0)
      s.error('ALL_FOLDER_INVALID', 'the ALL chat folder must not list included chats');
    else if ((f.excludedRecipientIds ?? []).length > 0)
      s.error('ALL_FOLDER_INVALID', 'the ALL chat folder must not exclude chats');
    else idCheck();
    return;
  }
  if (type !== FOLDER_CUSTOM) {
    s.error('UNKNOWN_FOLDER_TYPE', `chat folder type ${type} is not ALL or CUSTOM`);
    return;
  }
  if (!f.name) s.error('CHAT_FOLDER_NO_NAME', 'custom chat folder has no name');
  const included = new Set<bigint>();
  const member = (raw: bigint | number, list: string) => {
    const id = u64(raw);
    const r = s.recipients.get(id);
    if (!r) s.error('UNKNOWN_FOLDER_MEMBER', `chat folder ${list} recipient ${id} does not exist (yet)`);
    else if (r.kind === 'distributionList' || r.kind === 'callLink')
      s.error('FOLDER_MEMBER_WRONG_KIND', `chat folder ${list} recipient ${id} is a ${r.kind}`);
    return id;
  };
  for (const raw of f.includedRecipientIds ?? []) {
    const id = u64(raw);
    if (included.has(id)) s.error('DUPLICATE_FOLDER_MEMBER', `chat folder includes recipient ${id} twice`);
    included.add(id);
    member(raw, 'included');
  }
  const excluded = new Set<bigint>();
  for (const raw of f.excludedRecipientIds ?? []) {
    const id = u64(raw);
    if (excluded.has(id)) s.error('DUPLICATE_FOLDER_MEMBER', `chat folder excludes recipient ${id} twice`);
    else if (included.has(id))
      s.error('FOLDER_MEMBER_BOTH_INCLUDED_AND_EXCLUDED', `chat folder both includes and excludes recipient ${id}`);
    excluded.add(id);
    member(raw, 'excluded');
  }
  idCheck();
}
