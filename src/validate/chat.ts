/** Chat frames. Rules: libsignal backup/chat.rs (`Chat`), plus libsignal-client 0.103.0's newer fields. */

import type { signal } from '../frames/generated/schema.js';
import { FOREVER_MS, has, u64, type ValidationState } from './context.js';
import { checkChatStyle } from './chatStyle.js';

/** Checks one Chat frame and remembers it for its chat items. */
export function checkChat(s: ValidationState, c: signal.backup.Chat.$Properties): void {
  const id = u64(c.id);
  if (id === 0n) {
    s.error('INVALID_CHAT_ID', 'chat id 0 is not allowed');
    return;
  }
  const rid = u64(c.recipientId);
  const r = s.recipients.get(rid);
  let ok = true;
  if (!r) {
    s.error('UNKNOWN_RECIPIENT', `chat ${id} refers to recipient ${rid}, which does not exist (yet)`);
    ok = false;
  } else if (r.kind === 'distributionList' || r.kind === 'callLink') {
    s.error(
      'INVALID_CHAT_RECIPIENT',
      `chat ${id} belongs to a ${r.kind}; chats belong to contacts, groups, Self or Release Notes`,
    );
    ok = false;
  }
  if (has(c.pinnedOrder)) {
    if (s.pinnedOrders.has(c.pinnedOrder!))
      s.error('DUPLICATE_PINNED_ORDER', `pinned order ${c.pinnedOrder} is used by two chats`);
  }
  if (c.style) checkChatStyle(s, c.style);
  if (has(c.muteUntilMs) && u64(c.muteUntilMs) < FOREVER_MS) s.timestamp(c.muteUntilMs, 'Chat.muteUntilMs');
  if (has(c.expirationTimerMs) && !c.expireTimerVersion) {
    s.error('MISSING_EXPIRE_TIMER_VERSION', `chat ${id} has an expiration timer but expireTimerVersion is 0`);
  }
  if (r && r.kind !== 'group') {
    // libsignal-client 0.103.0: these two settings only exist for group chats.
    if (has(c.notifyForMentionsIfMuted))
      s.error('MENTION_SETTING_OUTSIDE_GROUP', 'notifyForMentionsIfMuted is only allowed in group chats');
    if (has(c.notifyForRepliesIfMuted))
      s.error('REPLY_SETTING_OUTSIDE_GROUP', 'notifyForRepliesIfMuted is only allowed in group chats');
  }
  if (s.chats.has(id)) {
    s.error('DUPLICATE_CHAT_ID', `chat id ${id} is used twice`);
    return;
  }
  if (ok && r) {
    if (has(c.pinnedOrder)) s.pinnedOrders.add(c.pinnedOrder!);
    s.chats.set(id, { recipientId: rid, kind: r.kind, hasAci: r.aci !== undefined });
  }
}
