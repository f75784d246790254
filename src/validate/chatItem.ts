/** ChatItem frames: direction, author, message kinds, revisions, disappearing timers. Rules: libsignal backup/chat.rs and backup/chat/*.rs. */

import type { signal } from '../frames/generated/schema.js';
import { has, type RecipientInfo, u64, type ValidationState } from './context.js';
import { enumValue } from './enums.js';
import { checkGroupUpdates } from './groupUpdate.js';
import { checkMessage } from './message.js';

type ChatItem = signal.backup.ChatItem.$Properties;
type Direction = 'incoming' | 'outgoing' | 'directionless';
type AuthorKind = 'self' | 'releaseNotes' | 'contact';

/** Unstarted timers in a remote backup must be at least 24 h (chat.rs `MAX_REMOTE_BACKUP_DISAPPEARING_MESSAGE_TIME`). */
const DAY_MS = 86_400_000n;

/** What one chat item is, for the rules that compare an item with its revisions and its chat. */
interface ItemSummary {
  direction?: Direction;
  author?: RecipientInfo;
  authorKind?: AuthorKind;
  kind?: string;
  update?: string;
}

/** Checks one ChatItem frame. */
export function checkChatItem(s: ValidationState, item: ChatItem): void {
  const summary = checkItem(s, item, false);
  const chatId = u64(item.chatId);
  const chat = s.chats.get(chatId);
  if (!chat) {
    s.error('UNKNOWN_CHAT', `chat item refers to chat ${chatId}, which does not exist (yet)`);
    return;
  }
  if (summary) checkPlacement(s, summary, chat.kind, chat.hasAci, u64(item.authorId) === chat.recipientId);
}

function directionOf(item: ChatItem): Direction | undefined {
  if (item.incoming) return 'incoming';
  if (item.outgoing) return 'outgoing';
  if (item.directionless) return 'directionless';
  return undefined;
}

const ITEM_KINDS = [
  'standardMessage',
  'contactMessage',
  'stickerMessage',
  'remoteDeletedMessage',
  'updateMessage',
  'paymentNotification',
  'giftBadge',
  'viewOnceMessage',
  'directStoryReplyMessage',
  'poll',
  'adminDeletedMessage',
] as const;

function checkItem(s: ValidationState, item: ChatItem, isRevision: boolean): ItemSummary | undefined {
  const direction = directionOf(item);
  const sum: ItemSummary = {};
  if (!direction) {
    s.error('CHAT_ITEM_NO_DIRECTION', 'chat item is neither incoming, outgoing nor directionless');
    return undefined;
  }
  sum.direction = direction;
  let allSent = true;
  if (item.incoming) {
    if (has(item.incoming.dateServerSent)) s.timestamp(item.incoming.dateServerSent, 'incoming dateServerSent');
    s.timestamp(item.incoming.dateReceived, 'incoming dateReceived');
  } else if (item.outgoing) {
    for (const st of item.outgoing.sendStatus ?? []) {
      const rid = u64(st.recipientId);
      const r = s.recipients.get(rid);
      if (!r)
        s.error('UNKNOWN_SEND_STATUS_RECIPIENT', `send status refers to recipient ${rid}, which does not exist (yet)`);
      else if (r.kind !== 'contact' && r.kind !== 'self')
        s.error('INVALID_SEND_STATUS_RECIPIENT', `send status recipient ${rid} is a ${r.kind}`);
      if (st.pending || st.failed) allSent = false;
      else if (!(st.sent || st.delivered || st.read || st.viewed || st.skipped)) {
        s.error('SEND_STATUS_MISSING', `send status for recipient ${rid} has no delivery status`);
      }
      s.timestamp(st.timestamp, 'SendStatus.timestamp');
    }
    s.timestamp(item.outgoing.dateReceived, 'outgoing dateReceived');
  }
  const authorId = u64(item.authorId);
  const author = s.recipients.get(authorId);
  if (!author) {
    s.error('UNKNOWN_AUTHOR', `chat item author ${authorId} does not exist (yet)`);
    return undefined;
  }
  sum.author = author;
  if (author.kind === 'group' || author.kind === 'distributionList' || author.kind === 'callLink') {
    s.error('INVALID_AUTHOR', `chat item author ${authorId} is a ${author.kind}`);
    return undefined;
  }
  if (author.kind === 'self') {
    if (direction === 'incoming') {
      s.error('INCOMING_FROM_SELF', 'an incoming message is authored by Self');
      return;
    }
    sum.authorKind = 'self';
  } else {
    if (direction === 'outgoing') {
      s.error('OUTGOING_NOT_FROM_SELF', `an outgoing message is authored by ${author.kind} ${authorId}, not Self`);
      return;
    }
    if (author.kind === 'contact' && direction === 'incoming' && !author.aci && author.e164 === undefined) {
      s.error(
        'INCOMING_FROM_CONTACT_WITHOUT_ACI_OR_E164',
        `incoming message author ${authorId} has neither ACI nor e164`,
      );
      return;
    }
    sum.authorKind = author.kind === 'releaseNotes' ? 'releaseNotes' : 'contact';
  }
  const kind = ITEM_KINDS.find((k) => has(item[k]));
  if (!kind) {
    s.error('CHAT_ITEM_EMPTY', 'chat item has no content (item is not set)');
    return undefined;
  }
  sum.kind = kind;
  const before = s.errors.length;
  if (kind === 'updateMessage') sum.update = checkUpdate(s, item.updateMessage!);
  else sum.kind = checkMessage(s, item, kind);
  if (s.errors.length > before) return undefined;
  if (direction === 'directionless' && kind !== 'updateMessage') {
    s.error('DIRECTIONLESS_MESSAGE', 'only update messages may be directionless');
    return;
  }
  if (direction !== 'directionless' && kind === 'updateMessage') {
    s.error('UPDATE_NOT_DIRECTIONLESS', 'update messages must be directionless');
    return;
  }
  if (sum.update) checkUpdateAuthor(s, sum.update, sum.authorKind!, author);
  if (s.purpose === 'takeout' && kind === 'viewOnceMessage' && item.viewOnceMessage!.attachment) {
    s.error(
      'EXPIRATION_NOT_ALLOWED_FOR_PURPOSE',
      'view-once messages with an attachment are not allowed in a takeout export',
    );
  }
  const revisions = item.revisions ?? [];
  if (revisions.length > 0) {
    if (isRevision) s.error('NESTED_REVISIONS', 'a revision has revisions of its own');
    else if (sum.kind !== 'standardMessage' && sum.kind !== 'directStoryReplyMessage') {
      s.error('REVISIONS_ON_NON_STANDARD_MESSAGE', `a ${sum.kind} cannot have revisions`);
    } else {
      for (const rev of revisions) {
        if (u64(rev.authorId) !== authorId) {
          s.error('REVISION_AUTHOR_MISMATCH', 'a revision has a different author than its message');
          continue;
        }
        const r = checkItem(s, rev, true);
        if (!r) continue;
        if (r.direction !== direction)
          s.error('REVISION_DIRECTION_MISMATCH', 'a revision has a different direction than its message');
        else if (r.kind !== sum.kind)
          s.error('REVISION_KIND_MISMATCH', `a revision is a ${r.kind} but its message a ${sum.kind}`);
      }
    }
  }
  s.timestamp(item.dateSent, 'ChatItem.dateSent');
  checkExpiration(s, item, direction, allSent);
  const pin = item.pinDetails;
  if (pin) {
    s.timestamp(pin.pinnedAtTimestamp, 'PinDetails.pinnedAtTimestamp');
    if (has(pin.pinExpiresAtTimestamp)) {
      s.timestamp(pin.pinExpiresAtTimestamp, 'PinDetails.pinExpiresAtTimestamp');
      if (u64(pin.pinExpiresAtTimestamp) < u64(pin.pinnedAtTimestamp))
        s.error('PIN_EXPIRES_BEFORE_PINNED', 'pin expires before it was pinned');
    } else if (pin.pinNeverExpires !== true) {
      // chat/pinned.rs: `pinNeverExpires: false` counts as no expiry at all.
      s.error(
        'PIN_EXPIRY_NOT_SET',
        has(pin.pinNeverExpires)
          ? 'pin details say pinNeverExpires = false and have no expiry time'
          : 'pin details have no expiry',
      );
    }
  }
  return sum;
}

function checkExpiration(s: ValidationState, item: ChatItem, direction: Direction, allSent: boolean): void {
  const hasStart = has(item.expireStartDate);
  const hasIn = has(item.expiresInMs);
  if (hasStart) s.timestamp(item.expireStartDate, 'ChatItem.expireStartDate');
  if (hasStart && !hasIn) {
    s.error('EXPIRATION_MISMATCH', 'expireStartDate is set without expiresInMs');
    return;
  }
  if (!hasIn) return;
  const expiresIn = u64(item.expiresInMs);
  if (!hasStart) {
    const shouldHaveStarted =
      direction === 'incoming' ? Boolean(item.incoming!.read) : direction === 'outgoing' ? allSent : false;
    if (shouldHaveStarted) {
      s.error('EXPIRATION_NOT_STARTED', 'the message was read or sent but its disappearing timer has not started');
      return;
    }
    if (s.purpose === 'remote' && expiresIn < DAY_MS) {
      s.error(
        'EXPIRATION_TOO_SHORT',
        `disappearing timer of ${expiresIn / 1000n}s is under 24 h, too short for a remote backup`,
      );
      return;
    }
    if (s.purpose === 'takeout') {
      s.error('EXPIRATION_NOT_ALLOWED_FOR_PURPOSE', 'disappearing messages are not allowed in a takeout export');
      return;
    }
    return;
  }
  if (s.purpose === 'takeout') {
    s.error('EXPIRATION_NOT_ALLOWED_FOR_PURPOSE', 'disappearing messages are not allowed in a takeout export');
    return;
  }
  const expiresAt = u64(item.expireStartDate) + expiresIn;
  const allowed = s.backupTimeMs + (s.purpose === 'remote' ? DAY_MS : 0n);
  if (expiresAt < allowed) {
    s.error(
      'EXPIRATION_TOO_SOON',
      s.purpose === 'remote'
        ? 'the message disappears less than 24 h after the backup was made'
        : 'the message disappeared before the backup was made',
    );
  }
}

/** Checks an update message; returns its kind (`simple:<n>`, `groupChange`, …). */
function checkUpdate(s: ValidationState, u: signal.backup.ChatUpdateMessage.$Properties): string | undefined {
  if (u.simpleUpdate) {
    const t = enumValue(u.simpleUpdate.type, 'SimpleChatUpdate.Type');
    if (t === 0) {
      s.error('SIMPLE_UPDATE_UNKNOWN', 'simple chat update type is UNKNOWN');
      return;
    }
    return `simple:${t}`;
  }
  if (u.groupChange) {
    checkGroupUpdates(s, u.groupChange.updates ?? []);
    return 'groupChange';
  }
  if (u.expirationTimerChange) return 'expirationTimerChange';
  if (u.profileChange) {
    if (!u.profileChange.previousName || !u.profileChange.newName)
      s.error('PROFILE_CHANGE_MISSING_NAMES', 'profile change update lacks the old or new name');
    return 'profileChange';
  }
  if (u.threadMerge) {
    if (u64(u.threadMerge.previousE164) === 0n) s.error('INVALID_E164', 'thread merge update has e164 0');
    return 'threadMerge';
  }
  if (u.sessionSwitchover) {
    if (u64(u.sessionSwitchover.e164) === 0n) s.error('INVALID_E164', 'session switchover update has e164 0');
    return 'sessionSwitchover';
  }
  if (u.individualCall) {
    const c = u.individualCall;
    if (enumValue(c.direction, 'IndividualCall.Direction') === 0)
      s.error('CALL_DIRECTION_UNKNOWN', 'individual call direction is UNKNOWN');
    if (enumValue(c.type, 'IndividualCall.Type') === 0) s.error('CALL_TYPE_UNKNOWN', 'individual call type is UNKNOWN');
    if (enumValue(c.state, 'IndividualCall.State') === 0)
      s.error('CALL_STATE_UNKNOWN', 'individual call state is UNKNOWN');
    s.timestamp(c.startedCallTimestamp, 'IndividualCall.startedCallTimestamp');
    return 'individualCall';
  }
  if (u.groupCall) {
    const c = u.groupCall;
    for (const [k, what] of [
      ['startedCallRecipientId', 'call starter'],
      ['ringerRecipientId', 'ringer'],
    ] as const) {
      if (!has(c[k])) continue;
      const r = s.recipients.get(u64(c[k]));
      if (!r) s.error('UNKNOWN_CALL_RECIPIENT', `group call ${what} ${u64(c[k])} does not exist (yet)`);
      else if (r.kind === 'contact' && !r.aci) s.error('CALL_RECIPIENT_WITHOUT_ACI', `group call ${what} has no ACI`);
      else if (r.kind !== 'contact' && r.kind !== 'self')
        s.error('INVALID_CALL_RECIPIENT', `group call ${what} is a ${r.kind}`);
    }
    if (enumValue(c.state, 'GroupCall.State') === 0) s.error('CALL_STATE_UNKNOWN', 'group call state is UNKNOWN');
    s.timestamp(c.startedCallTimestamp, 'GroupCall.startedCallTimestamp');
    if (has(c.endedCallTimestamp) && u64(c.endedCallTimestamp) !== 0n)
      s.timestamp(c.endedCallTimestamp, 'GroupCall.endedCallTimestamp');
    return 'groupCall';
  }
  if (u.learnedProfileChange) {
    const l = u.learnedProfileChange;
    if (!has(l.e164) && !has(l.username) && !has(l.sharedName))
      s.error('LEARNED_PROFILE_EMPTY', 'learned profile update names nothing');
    return 'learnedProfile';
  }
  if (u.pollTerminate) {
    checkPollString(s, u.pollTerminate.question ?? '', 'poll question', 200);
    s.timestamp(u.pollTerminate.targetSentTimestamp, 'PollTerminateUpdate.targetSentTimestamp');
    return 'pollTerminate';
  }
  if (u.pinMessage) {
    const r = s.recipients.get(u64(u.pinMessage.authorId));
    if (!r) s.error('UNKNOWN_PIN_AUTHOR', 'pinned message author does not exist (yet)');
    else if (r.kind !== 'contact' && r.kind !== 'self')
      s.error('INVALID_PIN_AUTHOR', `pinned message author is a ${r.kind}`);
    s.timestamp(u.pinMessage.targetSentTimestamp, 'PinMessageUpdate.targetSentTimestamp');
    return 'pinMessage';
  }
  s.error('UPDATE_EMPTY', 'update message has no update set');
  return undefined;
}

/** Counts user-perceived characters (grapheme clusters) where the runtime can, else code points. */
export function graphemeCount(text: string): number {
  const Seg = (
    Intl as unknown as { Segmenter?: new (l?: string, o?: object) => { segment(t: string): Iterable<unknown> } }
  ).Segmenter;
  if (Seg) {
    let n = 0;
    for (const _ of new Seg(undefined, { granularity: 'grapheme' }).segment(text)) n++;
    return n;
  }
  return [...text].length;
}

/** Poll strings: 1..max characters (poll.rs). */
export function checkPollString(s: ValidationState, text: string, what: string, max: number): void {
  const n = graphemeCount(text);
  if (n < 1 || n > max) s.error('INVALID_POLL_STRING', `${what} must have 1 to ${max} characters, found ${n}`);
}

// SimpleChatUpdate.Type numbers (backup.proto)
const JOINED_SIGNAL = 1;
const IDENTITY_UPDATE = 2;
const IDENTITY_VERIFIED = 3;
const IDENTITY_DEFAULT = 4;
const CHANGE_NUMBER = 5;
const DONATION_REQUEST = 6;
const END_SESSION = 7;
const CHAT_SESSION_REFRESH = 8;
const BAD_DECRYPT = 9;
const PAYMENTS_ACTIVATED = 10;
const PAYMENT_ACTIVATION_REQUEST = 11;
const UNSUPPORTED_PROTOCOL = 12;
const REPORTED_SPAM = 13;
const BLOCKED = 14;
const UNBLOCKED = 15;
const MESSAGE_REQUEST_ACCEPTED = 16;

function simpleType(update: string): number {
  return update.startsWith('simple:') ? Number(update.slice(7)) : -1;
}

function checkUpdateAuthor(s: ValidationState, update: string, author: AuthorKind, info: RecipientInfo): void {
  const validSender =
    author === 'self' || (author === 'contact' && (info.aci !== undefined || info.e164 !== undefined));
  const contactWithAci = author === 'contact' && info.aci !== undefined;
  const t = simpleType(update);
  let bad = false;
  if ([JOINED_SIGNAL, END_SESSION, CHAT_SESSION_REFRESH, IDENTITY_UPDATE].includes(t)) bad = author === 'releaseNotes';
  else if ([IDENTITY_DEFAULT, IDENTITY_VERIFIED, CHANGE_NUMBER, BAD_DECRYPT, UNSUPPORTED_PROTOCOL].includes(t))
    bad = !validSender;
  else if (t === PAYMENT_ACTIVATION_REQUEST || t === PAYMENTS_ACTIVATED) bad = !(contactWithAci || author === 'self');
  else if ([REPORTED_SPAM, BLOCKED, UNBLOCKED, MESSAGE_REQUEST_ACCEPTED].includes(t)) bad = author !== 'self';
  else if (t === DONATION_REQUEST) bad = author !== 'releaseNotes';
  else if (update === 'threadMerge') bad = !(contactWithAci || author === 'self');
  else if (update === 'sessionSwitchover') bad = author === 'releaseNotes';
  else bad = !validSender;
  if (bad)
    s.error(
      'UPDATE_WRONG_AUTHOR',
      `a ${update.replace(/^simple:\d+/, 'simple update')} cannot come from this author (${author})`,
    );
}

function checkPlacement(
  s: ValidationState,
  sum: ItemSummary,
  chat: RecipientInfo['kind'],
  chatHasAci: boolean,
  authorIsChatRecipient: boolean,
): void {
  const individual = chat === 'contact' || chat === 'self';
  const contactWithAci = chat === 'contact' && chatHasAci;
  if (sum.authorKind === 'contact') {
    if (chat === 'contact' && !authorIsChatRecipient)
      s.error('MESSAGE_FROM_OTHER_CONTACT', 'a contact authored a message in another contact’s 1:1 chat');
    else if (chat === 'self')
      s.error('CONTACT_MESSAGE_IN_NOTE_TO_SELF', 'a contact authored a message in Note to Self');
    else if (chat === 'releaseNotes')
      s.error('CONTACT_MESSAGE_IN_RELEASE_NOTES', 'a contact authored a message in the Release Notes chat');
  } else if (sum.authorKind === 'releaseNotes' && chat !== 'releaseNotes') {
    s.error('RELEASE_NOTE_OUTSIDE_RELEASE_NOTES', 'a Release Notes message is outside the Release Notes chat');
  }
  const k = sum.kind;
  if (k === 'paymentNotification' && !contactWithAci)
    s.error('PAYMENT_NOT_IN_CONTACT_CHAT', 'payment notifications belong in a 1:1 chat with an ACI contact');
  if (k === 'directStoryReplyMessage' && !contactWithAci)
    s.error('STORY_REPLY_NOT_IN_CONTACT_CHAT', 'direct story replies belong in a 1:1 chat with an ACI contact');
  if (k === 'poll' && chat === 'releaseNotes')
    s.error('POLL_IN_RELEASE_NOTES', 'polls cannot be in the Release Notes chat');
  if (k === 'adminDeletedMessage' && chat !== 'group')
    s.error('ADMIN_DELETE_OUTSIDE_GROUP', 'admin-deleted messages belong in group chats');
  const u = sum.update;
  if (!u) return;
  const t = simpleType(u);
  let bad: string | undefined;
  if ([JOINED_SIGNAL, END_SESSION, CHAT_SESSION_REFRESH, PAYMENT_ACTIVATION_REQUEST, PAYMENTS_ACTIVATED].includes(t)) {
    if (!individual) bad = 'belongs in a 1:1 chat';
  } else if (
    [
      IDENTITY_DEFAULT,
      IDENTITY_VERIFIED,
      IDENTITY_UPDATE,
      CHANGE_NUMBER,
      BAD_DECRYPT,
      UNSUPPORTED_PROTOCOL,
      REPORTED_SPAM,
      MESSAGE_REQUEST_ACCEPTED,
    ].includes(t) ||
    u === 'profileChange' ||
    u === 'learnedProfile'
  ) {
    if (chat === 'releaseNotes') bad = 'cannot be in the Release Notes chat';
  } else if (t === DONATION_REQUEST) {
    if (chat !== 'releaseNotes') bad = 'belongs in the Release Notes chat';
  } else if (t === BLOCKED || t === UNBLOCKED) {
    // allowed anywhere
  } else if (u === 'groupChange' || u === 'groupCall') {
    if (chat !== 'group') bad = 'belongs in a group chat';
  } else if (u === 'expirationTimerChange' || u === 'individualCall') {
    if (!individual) bad = 'belongs in a 1:1 chat';
  } else if (u === 'threadMerge' || u === 'sessionSwitchover') {
    if (!contactWithAci) bad = 'belongs in a 1:1 chat with an ACI contact';
  } else if (u === 'pollTerminate' || u === 'pinMessage') {
    if (chat === 'releaseNotes') bad = 'cannot be in the Release Notes chat';
  }
  if (bad) s.error('UPDATE_IN_WRONG_CHAT', `this ${u.startsWith('simple:') ? 'simple update' : u} ${bad}`);
}
