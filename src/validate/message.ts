/** The message kinds of a ChatItem (everything but updates). Rules: libsignal backup/chat/*.rs. */

import type { signal } from '../frames/generated/schema.js';
import { bytesOf, has, u64, utf8Length, type ValidationState } from './context.js';
import { enumValue } from './enums.js';
import { checkAttachment, checkFilePointer } from './filePointer.js';
import { checkPollString } from './chatItem.js';
import { checkReceiptPresentation } from './receipt.js';

/** Message bodies: at most 128 KiB of UTF-8 (chat/text.rs `MAX_BODY_LENGTH`). */
const MAX_BODY_BYTES = 128 * 1024;
/** With a long-text attachment, or in a quote: at most 2 KiB (chat/text.rs). */
const MAX_SHORT_BODY_BYTES = 2 * 1024;
/** Sticker pack ids are 16 bytes, keys 32 (sticker.rs). */
const PACK_ID_LENGTH = 16;
const PACK_KEY_LENGTH = 32;
/** ACIs in mentions are 16 bytes. */
const ACI_LENGTH = 16;
/** Polls: at least two options, option text up to 100, question up to 200 characters (chat/poll.rs). */
const MIN_POLL_OPTIONS = 2;
const MAX_OPTION_CHARS = 100;
const MAX_QUESTION_CHARS = 200;
/** MessageAttachment.Flag.VOICE_MESSAGE (backup.proto). */
const VOICE_MESSAGE = 1;

type ChatItem = signal.backup.ChatItem.$Properties;

/** Checks the message of a chat item; returns its kind (`voiceMessage` for a voice note). */
export function checkMessage(s: ValidationState, item: ChatItem, kind: string): string {
  switch (kind) {
    case 'standardMessage': {
      const m = item.standardMessage!;
      const atts = m.attachments ?? [];
      if (atts.length === 1 && enumValue(atts[0]!.flag, 'MessageAttachment.Flag') === VOICE_MESSAGE) {
        checkVoice(s, m);
        return 'voiceMessage';
      }
      checkStandard(s, m);
      return kind;
    }
    case 'contactMessage': {
      const m = item.contactMessage!;
      reactions(s, m.reactions ?? []);
      if (!m.contact) s.error('CONTACT_MESSAGE_EMPTY', 'contact message has no contact');
      else checkContactAttachment(s, m.contact);
      return kind;
    }
    case 'stickerMessage': {
      const m = item.stickerMessage!;
      reactions(s, m.reactions ?? []);
      const st = m.sticker;
      if (!st) s.error('STICKER_MESSAGE_WITHOUT_STICKER', 'sticker message has no sticker');
      else if (bytesOf(st.packId).length !== PACK_ID_LENGTH)
        s.error('INVALID_STICKER_PACK_ID', 'sticker message: pack ID is invalid');
      else if (bytesOf(st.packKey).length !== PACK_KEY_LENGTH)
        s.error('INVALID_STICKER_PACK_KEY', 'sticker message: pack key is invalid');
      else if (!st.data) s.error('STICKER_WITHOUT_DATA', 'sticker message: sticker has no data pointer');
      else checkFilePointer(s, st.data, 'sticker');
      return kind;
    }
    case 'paymentNotification':
      checkPayment(s, item.paymentNotification!);
      return kind;
    case 'giftBadge': {
      const g = item.giftBadge!;
      const presentation = bytesOf(g.receiptCredentialPresentation);
      if (enumValue(g.state, 'GiftBadge.State') === 3) {
        if (presentation.length > 0)
          s.error(
            'GIFT_BADGE_FAILED_WITH_PRESENTATION',
            'a failed gift badge still carries a receipt credential presentation',
          );
      } else if (presentation.length === 0) {
        s.error('INVALID_GIFT_BADGE_PRESENTATION', 'gift badge has no receipt credential presentation');
      } else {
        const check = checkReceiptPresentation(presentation);
        if (check.problem !== undefined)
          s.error(
            'INVALID_GIFT_BADGE_PRESENTATION',
            `gift badge receipt credential presentation is malformed: ${check.problem}`,
          );
        else if (check.trailing > 0)
          s.warn(
            'GIFT_BADGE_PRESENTATION_TRAILING_BYTES',
            `gift badge receipt credential presentation has ${check.trailing} bytes after its last field`,
          );
      }
      return kind;
    }
    case 'viewOnceMessage': {
      const v = item.viewOnceMessage!;
      if (v.attachment) checkAttachment(s, v.attachment, 'view-once attachment');
      reactions(s, v.reactions ?? []);
      return kind;
    }
    case 'directStoryReplyMessage': {
      const r = item.directStoryReplyMessage!;
      reactions(s, r.reactions ?? []);
      if (r.textReply) {
        if (!r.textReply.text) s.error('STORY_REPLY_EMPTY_TEXT', 'story reply has no text');
        else {
          text(s, r.textReply.text, MAX_BODY_BYTES, true);
          if (r.textReply.longText) {
            checkFilePointer(s, r.textReply.longText, 'long text');
            if (utf8Length(r.textReply.text.body ?? '') > MAX_SHORT_BODY_BYTES)
              s.error('BODY_TOO_LONG', 'story reply body over 2 KiB with a long-text attachment');
          }
        }
      } else if (has(r.emoji)) {
        if (r.emoji === '') s.error('STORY_REPLY_EMPTY_EMOJI', 'story reply emoji is empty');
      } else s.error('STORY_REPLY_MISSING', 'story reply has neither text nor emoji');
      return kind;
    }
    case 'poll': {
      const p = item.poll!;
      checkPollString(s, p.question ?? '', 'poll question', MAX_QUESTION_CHARS);
      const options = p.options ?? [];
      if (options.length < MIN_POLL_OPTIONS)
        s.error('POLL_TOO_FEW_OPTIONS', `a poll needs at least ${MIN_POLL_OPTIONS} options, found ${options.length}`);
      // A single-choice poll: one vote per voter across all options (chat/poll.rs).
      const pollVoters = p.allowMultiple ? undefined : new Set<bigint>();
      for (const o of options) {
        checkPollString(s, o.option ?? '', 'poll option', MAX_OPTION_CHARS);
        const voters = new Set<bigint>();
        for (const v of o.votes ?? []) {
          const id = u64(v.voterId);
          const r = s.recipients.get(id);
          if (!r) s.error('UNKNOWN_POLL_VOTER', `poll voter ${id} does not exist (yet)`);
          else if (r.kind !== 'contact' && r.kind !== 'self')
            s.error('INVALID_POLL_VOTER', `poll voter ${id} is a ${r.kind}`);
          if (voters.has(id)) s.error('DUPLICATE_POLL_VOTER', `poll voter ${id} votes twice for one option`);
          else if (pollVoters?.has(id))
            s.error('DUPLICATE_POLL_VOTER', `poll voter ${id} votes for two options of a single-choice poll`);
          voters.add(id);
          pollVoters?.add(id);
        }
      }
      reactions(s, p.reactions ?? []);
      return kind;
    }
    case 'adminDeletedMessage': {
      const id = u64(item.adminDeletedMessage!.adminId);
      const r = s.recipients.get(id);
      if (!r) s.error('UNKNOWN_ADMIN', `deleting admin ${id} does not exist (yet)`);
      else if (r.kind !== 'contact' && r.kind !== 'self')
        s.error('INVALID_ADMIN', `deleting admin ${id} is a ${r.kind}`);
      return kind;
    }
    default:
      return kind;
  }
}

function checkStandard(s: ValidationState, m: signal.backup.StandardMessage.$Properties): void {
  reactions(s, m.reactions ?? []);
  if (m.quote) quote(s, m.quote);
  if (m.text && (m.text.bodyRanges ?? []).length > 0) text(s, m.text, MAX_BODY_BYTES, true);
  for (const p of m.linkPreview ?? []) {
    if (!p.url) s.error('LINK_PREVIEW_EMPTY_URL', 'link preview has no URL');
    if (has(p.date)) s.timestamp(p.date, 'LinkPreview.date');
    if (p.image) checkFilePointer(s, p.image, 'link preview image');
  }
  if (m.longText) checkFilePointer(s, m.longText, 'long text');
  const atts = m.attachments ?? [];
  for (const a of atts) checkAttachment(s, a, 'attachment');
  if (m.text) {
    if (m.longText && utf8Length(m.text.body ?? '') > MAX_SHORT_BODY_BYTES) {
      s.error('BODY_TOO_LONG', 'message body is over 2 KiB although it has a long-text attachment');
    }
  } else {
    if (atts.length === 0) s.error('STANDARD_MESSAGE_EMPTY', 'standard message has neither text nor attachments');
    else if (m.longText) s.error('LONG_TEXT_WITHOUT_BODY', 'standard message has a long-text attachment but no body');
  }
}

function checkVoice(s: ValidationState, m: signal.backup.StandardMessage.$Properties): void {
  if (m.text) s.error('VOICE_MESSAGE_UNEXPECTED_FIELD', 'voice message has text');
  else if (m.longText) s.error('VOICE_MESSAGE_UNEXPECTED_FIELD', 'voice message has a long-text attachment');
  else if ((m.linkPreview ?? []).length > 0)
    s.error('VOICE_MESSAGE_UNEXPECTED_FIELD', 'voice message has link previews');
  checkAttachment(s, m.attachments![0]!, 'voice attachment');
  if (m.quote) quote(s, m.quote);
  reactions(s, m.reactions ?? []);
}

function text(s: ValidationState, t: signal.backup.Text.$Properties, max: number, checkRanges: boolean): void {
  const n = utf8Length(t.body ?? '');
  if (n === 0) s.error('EMPTY_BODY', 'message text is empty');
  else if (n > max) s.error('BODY_TOO_LONG', `message body is ${n} bytes, over the limit of ${max}`);
  if (!checkRanges) return;
  for (const r of t.bodyRanges ?? []) {
    if (has(r.mentionAci)) {
      if (r.mentionAci!.length !== ACI_LENGTH) s.error('INVALID_MENTION_ACI', 'a mention does not hold a valid ACI');
    } else if (!has(r.style)) s.error('BODY_RANGE_WITHOUT_VALUE', 'a body range has neither a mention nor a style');
  }
}

function quote(s: ValidationState, q: signal.backup.Quote.$Properties): void {
  const id = u64(q.authorId);
  const r = s.recipients.get(id);
  if (!r) {
    s.error('UNKNOWN_QUOTE_AUTHOR', `quote author ${id} does not exist (yet)`);
    return;
  }
  if (r.kind === 'contact' && !r.aci && r.e164 === undefined) {
    s.error('QUOTE_AUTHOR_WITHOUT_ACI_OR_E164', `quote author ${id} has neither ACI nor e164`);
    return;
  }
  if (r.kind !== 'contact' && r.kind !== 'self' && r.kind !== 'releaseNotes') {
    s.error('INVALID_QUOTE_AUTHOR', `quote author ${id} is a ${r.kind}`);
    return;
  }
  if (has(q.targetSentTimestamp)) s.timestamp(q.targetSentTimestamp, 'Quote.targetSentTimestamp');
  const type = enumValue(q.type, 'Quote.Type');
  if (type === 0) {
    s.error('QUOTE_TYPE_UNKNOWN', 'quote type is UNKNOWN');
    return;
  }
  if (type === 1 && !q.text && (q.attachments ?? []).length === 0) {
    s.error('QUOTE_EMPTY', 'a normal quote has neither text nor attachments');
    return;
  }
  if (q.text) {
    text(s, q.text, MAX_BODY_BYTES, true);
    if (utf8Length(q.text.body ?? '') > MAX_SHORT_BODY_BYTES) s.error('QUOTE_TOO_LONG', 'quoted text is over 2 KiB');
  }
  for (const a of q.attachments ?? []) {
    if (a.thumbnail) {
      checkAttachment(s, a.thumbnail, 'quote thumbnail');
      if (enumValue(a.thumbnail.flag, 'MessageAttachment.Flag') === VOICE_MESSAGE)
        s.error('QUOTE_THUMBNAIL_WRONG_FLAG', 'a quote thumbnail is flagged as a voice message');
    }
  }
}

function reactions(s: ValidationState, list: signal.backup.Reaction.$Properties[]): void {
  const seen = new Set<bigint>();
  for (const r of list) {
    const id = u64(r.authorId);
    if (seen.has(id)) {
      s.error('DUPLICATE_REACTION', `recipient ${id} reacted twice to one message`);
      continue;
    }
    seen.add(id);
    if (!r.emoji) s.error('REACTION_EMPTY_EMOJI', 'a reaction has no emoji');
    const a = s.recipients.get(id);
    if (!a) s.error('UNKNOWN_REACTION_AUTHOR', `reaction author ${id} does not exist (yet)`);
    else if (a.kind === 'contact' && !a.aci && a.e164 === undefined)
      s.error('REACTION_AUTHOR_WITHOUT_ACI_OR_E164', `reaction author ${id} has neither ACI nor e164`);
    else if (a.kind !== 'contact' && a.kind !== 'self')
      s.error('INVALID_REACTION_AUTHOR', `reaction author ${id} is a ${a.kind}`);
    s.timestamp(r.sentTimestamp, 'Reaction.sentTimestamp');
  }
}

function checkContactAttachment(s: ValidationState, c: signal.backup.ContactAttachment.$Properties): void {
  const n = c.name;
  if (n && !n.givenName && !n.familyName && !n.prefix && !n.suffix && !n.middleName && !n.nickname) {
    s.error('CONTACT_ATTACHMENT_EMPTY_NAME', 'shared contact has an empty name');
  }
  for (const p of c.number ?? []) {
    if (enumValue(p.type, 'ContactAttachment.Phone.Type') === 0)
      s.error('CONTACT_ATTACHMENT_UNKNOWN_TYPE', 'shared contact phone number type is UNKNOWN');
    else if (!p.value) s.error('CONTACT_ATTACHMENT_MISSING_VALUE', 'shared contact phone number is empty');
  }
  for (const e of c.email ?? []) {
    if (enumValue(e.type, 'ContactAttachment.Email.Type') === 0)
      s.error('CONTACT_ATTACHMENT_UNKNOWN_TYPE', 'shared contact email type is UNKNOWN');
    else if (!e.value) s.error('CONTACT_ATTACHMENT_MISSING_VALUE', 'shared contact email is empty');
  }
  for (const a of c.address ?? []) {
    if (enumValue(a.type, 'ContactAttachment.PostalAddress.Type') === 0)
      s.error('CONTACT_ATTACHMENT_UNKNOWN_TYPE', 'shared contact address type is UNKNOWN');
    else if (!a.street && !a.pobox && !a.neighborhood && !a.city && !a.region && !a.postcode && !a.country) {
      s.error('CONTACT_ATTACHMENT_EMPTY_ADDRESS', 'shared contact address is empty');
    }
  }
  if (c.avatar) checkFilePointer(s, c.avatar, 'shared contact avatar');
}

/** A MOB amount: digits, optionally a dot and more digits, not both parts empty (chat/payment.rs). */
function isMobAmount(v: string): boolean {
  return /^[0-9]*(\.[0-9]*)?$/.test(v) && v !== '.' && v !== '';
}

function checkPayment(s: ValidationState, p: signal.backup.PaymentNotification.$Properties): void {
  if (has(p.amountMob) && !isMobAmount(p.amountMob!))
    s.error('INVALID_PAYMENT_AMOUNT', 'payment amount is not a decimal number');
  if (has(p.feeMob) && !isMobAmount(p.feeMob!)) s.error('INVALID_PAYMENT_FEE', 'payment fee is not a decimal number');
  const d = p.transactionDetails;
  if (!d) return;
  if (d.transaction) {
    const t = d.transaction;
    const id = t.mobileCoinIdentification;
    if (id) {
      const keys = (id.keyImages ?? []).length > 0;
      const pubs = (id.publicKey ?? []).length > 0;
      if (!keys && !pubs)
        s.error('PAYMENT_IDENTIFICATION_EMPTY', 'payment identification has neither key images nor public keys');
      else if (keys && pubs)
        s.error('PAYMENT_IDENTIFICATION_BOTH', 'payment identification has both key images and public keys');
    }
    if (has(t.timestamp)) s.timestamp(t.timestamp, 'Transaction.timestamp');
    if (has(t.blockTimestamp)) s.timestamp(t.blockTimestamp, 'Transaction.blockTimestamp');
  } else if (!d.failedTransaction) {
    s.error('PAYMENT_DETAILS_EMPTY', 'payment transaction details are empty');
  }
}
