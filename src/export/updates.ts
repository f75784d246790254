/**
 * Chat updates (group changes, calls, timers, safety numbers, ...) as one line of plain text for
 * people, in this project's own wording. Names come from a {@link NameLookup}; the local user is
 * "You".
 */

import type { signal } from '../frames/generated/schema.js';

type ChatUpdateMessage = signal.backup.ChatUpdateMessage.$Properties;
type GroupChangeUpdate = signal.backup.GroupChangeChatUpdate.Update.$Properties;

/** How update texts name people. */
export interface NameLookup {
  /** The display name of a recipient id, or "You" for the local user. */
  byRecipientId(id: bigint): string;
  /** The display name of a binary service id (16-byte ACI, or PNI with its prefix), "You" for the local user. */
  byServiceId(id: Uint8Array | null | undefined): string;
}

const UNKNOWN = 'Someone';

/** A duration for people: "30 seconds", "1 hour", "8 hours", "1 week". */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [7 * 86_400_000, 'week'],
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  const s = Math.round(ms / 1000);
  return `${s} second${s === 1 ? '' : 's'}`;
}

/** "+15550100000" from the integer form of an E.164 number. */
export function formatE164(value: bigint | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const digits = BigInt(value);
  return digits > 0n ? `+${digits}` : undefined;
}

const ACCESS: Record<number, string> = {
  1: 'anyone',
  2: 'all members',
  3: 'only admins',
  4: 'no one',
};
const access = (level: number | null | undefined) => ACCESS[level ?? 0] ?? 'no one';

function timer(who: string, ms: number): string {
  return ms > 0
    ? `${who} set the disappearing message timer to ${formatDuration(ms)}.`
    : `${who} turned off disappearing messages.`;
}

function groupChange(u: GroupChangeUpdate, names: NameLookup): string {
  const n = (id: Uint8Array | null | undefined) => (id == null || id.length === 0 ? UNKNOWN : names.byServiceId(id));
  if (u.genericGroupUpdate != null) return `${n(u.genericGroupUpdate.updaterAci)} updated the group.`;
  if (u.groupCreationUpdate != null) return `${n(u.groupCreationUpdate.updaterAci)} created the group.`;
  if (u.groupNameUpdate != null) {
    const name = u.groupNameUpdate.newGroupName;
    return name == null
      ? `${n(u.groupNameUpdate.updaterAci)} removed the group name.`
      : `${n(u.groupNameUpdate.updaterAci)} changed the group name to “${name}”.`;
  }
  if (u.groupAvatarUpdate != null) {
    return `${n(u.groupAvatarUpdate.updaterAci)} ${u.groupAvatarUpdate.wasRemoved ? 'removed' : 'changed'} the group avatar.`;
  }
  if (u.groupDescriptionUpdate != null) {
    return u.groupDescriptionUpdate.newDescription == null
      ? `${n(u.groupDescriptionUpdate.updaterAci)} removed the group description.`
      : `${n(u.groupDescriptionUpdate.updaterAci)} changed the group description.`;
  }
  if (u.groupMembershipAccessLevelChangeUpdate != null) {
    const x = u.groupMembershipAccessLevelChangeUpdate;
    return `${n(x.updaterAci)} changed who can add members to ${access(x.accessLevel)}.`;
  }
  if (u.groupAttributesAccessLevelChangeUpdate != null) {
    const x = u.groupAttributesAccessLevelChangeUpdate;
    return `${n(x.updaterAci)} changed who can edit the group info to ${access(x.accessLevel)}.`;
  }
  if (u.groupMemberLabelAccessLevelChangeUpdate != null) {
    const x = u.groupMemberLabelAccessLevelChangeUpdate;
    return `${n(x.updaterAci)} changed who can set member labels to ${access(x.accessLevel)}.`;
  }
  if (u.groupAnnouncementOnlyChangeUpdate != null) {
    const x = u.groupAnnouncementOnlyChangeUpdate;
    return x.isAnnouncementOnly
      ? `${n(x.updaterAci)} allowed only admins to send messages.`
      : `${n(x.updaterAci)} allowed all members to send messages.`;
  }
  if (u.groupAdminStatusUpdate != null) {
    const x = u.groupAdminStatusUpdate;
    return x.wasAdminStatusGranted
      ? `${n(x.updaterAci)} made ${n(x.memberAci)} an admin.`
      : `${n(x.updaterAci)} removed ${n(x.memberAci)} as an admin.`;
  }
  if (u.groupMemberLeftUpdate != null) return `${n(u.groupMemberLeftUpdate.aci)} left the group.`;
  if (u.groupMemberRemovedUpdate != null) {
    const x = u.groupMemberRemovedUpdate;
    return `${n(x.removerAci)} removed ${n(x.removedAci)} from the group.`;
  }
  if (u.selfInvitedToGroupUpdate != null)
    return `${n(u.selfInvitedToGroupUpdate.inviterAci)} invited you to the group.`;
  if (u.selfInvitedOtherUserToGroupUpdate != null) {
    return `You invited ${n(u.selfInvitedOtherUserToGroupUpdate.inviteeServiceId)} to the group.`;
  }
  if (u.groupUnknownInviteeUpdate != null) {
    const x = u.groupUnknownInviteeUpdate;
    const count = x.inviteeCount ?? 0;
    return `${n(x.inviterAci)} invited ${count} ${count === 1 ? 'person' : 'people'} to the group.`;
  }
  if (u.groupInvitationAcceptedUpdate != null) {
    const x = u.groupInvitationAcceptedUpdate;
    return x.inviterAci == null
      ? `${n(x.newMemberAci)} accepted an invitation to the group.`
      : `${n(x.newMemberAci)} accepted an invitation to the group from ${n(x.inviterAci)}.`;
  }
  if (u.groupInvitationDeclinedUpdate != null) {
    return `${n(u.groupInvitationDeclinedUpdate.inviteeAci)} declined the invitation to the group.`;
  }
  if (u.groupMemberJoinedUpdate != null) return `${n(u.groupMemberJoinedUpdate.newMemberAci)} joined the group.`;
  if (u.groupMemberAddedUpdate != null) {
    const x = u.groupMemberAddedUpdate;
    return `${n(x.updaterAci)} added ${n(x.newMemberAci)} to the group.`;
  }
  if (u.groupSelfInvitationRevokedUpdate != null) {
    return `${n(u.groupSelfInvitationRevokedUpdate.revokerAci)} revoked your invitation to the group.`;
  }
  if (u.groupInvitationRevokedUpdate != null) {
    const x = u.groupInvitationRevokedUpdate;
    const count = x.invitees?.length ?? 0;
    return `${n(x.updaterAci)} revoked ${count} invitation${count === 1 ? '' : 's'} to the group.`;
  }
  if (u.groupJoinRequestUpdate != null) {
    return `${n(u.groupJoinRequestUpdate.requestorAci)} asked to join via the group link.`;
  }
  if (u.groupJoinRequestApprovalUpdate != null) {
    const x = u.groupJoinRequestApprovalUpdate;
    return `${n(x.updaterAci)} ${x.wasApproved ? 'approved' : 'denied'} the request to join from ${n(x.requestorAci)}.`;
  }
  if (u.groupJoinRequestCanceledUpdate != null) {
    return `${n(u.groupJoinRequestCanceledUpdate.requestorAci)} cancelled their request to join.`;
  }
  if (u.groupSequenceOfRequestsAndCancelsUpdate != null) {
    const x = u.groupSequenceOfRequestsAndCancelsUpdate;
    const count = x.count ?? 0;
    return `${n(x.requestorAci)} asked to join and cancelled ${count} time${count === 1 ? '' : 's'}.`;
  }
  if (u.groupInviteLinkResetUpdate != null)
    return `${n(u.groupInviteLinkResetUpdate.updaterAci)} reset the group link.`;
  if (u.groupInviteLinkEnabledUpdate != null) {
    const x = u.groupInviteLinkEnabledUpdate;
    return `${n(x.updaterAci)} turned on the group link${x.linkRequiresAdminApproval ? ' with admin approval' : ''}.`;
  }
  if (u.groupInviteLinkAdminApprovalUpdate != null) {
    const x = u.groupInviteLinkAdminApprovalUpdate;
    return `${n(x.updaterAci)} turned ${x.linkRequiresAdminApproval ? 'on' : 'off'} admin approval for the group link.`;
  }
  if (u.groupInviteLinkDisabledUpdate != null) {
    return `${n(u.groupInviteLinkDisabledUpdate.updaterAci)} turned off the group link.`;
  }
  if (u.groupMemberJoinedByLinkUpdate != null) {
    return `${n(u.groupMemberJoinedByLinkUpdate.newMemberAci)} joined the group via the group link.`;
  }
  if (u.groupV2MigrationUpdate != null) return 'This group was upgraded to a new group.';
  if (u.groupV2MigrationSelfInvitedUpdate != null) {
    return 'You could not be added to the upgraded group and were invited to join.';
  }
  if (u.groupV2MigrationInvitedMembersUpdate != null) {
    const count = u.groupV2MigrationInvitedMembersUpdate.invitedMembersCount ?? 0;
    return `${count} member${count === 1 ? '' : 's'} could not be added to the upgraded group and ${count === 1 ? 'was' : 'were'} invited to join.`;
  }
  if (u.groupV2MigrationDroppedMembersUpdate != null) {
    const count = u.groupV2MigrationDroppedMembersUpdate.droppedMembersCount ?? 0;
    return `${count} member${count === 1 ? '' : 's'} could not be added to the upgraded group and ${count === 1 ? 'was' : 'were'} removed.`;
  }
  if (u.groupExpirationTimerUpdate != null) {
    const x = u.groupExpirationTimerUpdate;
    return timer(n(x.updaterAci), Number(x.expiresInMs ?? 0));
  }
  if (u.groupTerminateChangeUpdate != null) return `${n(u.groupTerminateChangeUpdate.updaterAci)} ended the group.`;
  return 'The group was updated.';
}

const SIMPLE: Record<number, (who: string) => string> = {
  1: (w) => `${w} is on Signal.`,
  2: (w) => `Your safety number with ${w} has changed.`,
  3: (w) => `You marked your safety number with ${w} as verified.`,
  4: (w) => `You marked your safety number with ${w} as not verified.`,
  5: (w) => `${w} changed their phone number.`,
  6: () => 'Signal asked for a donation.',
  7: () => 'The secure session was reset.',
  8: () => 'The chat session was refreshed.',
  9: (w) => `A message from ${w} could not be delivered.`,
  10: (w) => `${w} activated payments.`,
  11: (w) => `${w} asked you to activate payments.`,
  12: (w) => `${w} sent a message this version of Signal could not show.`,
  13: () => 'Reported as spam.',
  14: (w) => `You blocked ${w}.`,
  15: (w) => `You unblocked ${w}.`,
  16: () => 'You accepted the message request.',
};

const SIMPLE_TYPES: Record<number, string> = {
  1: 'joined-signal',
  2: 'identity-update',
  3: 'identity-verified',
  4: 'identity-default',
  5: 'change-number',
  6: 'donation-request',
  7: 'end-session',
  8: 'session-refresh',
  9: 'bad-decrypt',
  10: 'payments-activated',
  11: 'payment-activation-request',
  12: 'unsupported-message',
  13: 'reported-spam',
  14: 'blocked',
  15: 'unblocked',
  16: 'message-request-accepted',
};

/** A rendered update: a short machine-readable type and the text for people. */
export interface RenderedUpdate {
  /** `group-change`, `timer`, `profile-change`, `individual-call`, `group-call`, or the simple update's type (`joined-signal`, ...). */
  type: string;
  /** One or more sentences. */
  text: string;
}

/**
 * Renders one ChatUpdateMessage. `author` is the item's author recipient id (the other party of
 * most 1:1 updates); `chatPeer` the recipient id of a 1:1 chat's contact, when there is one.
 */
export function renderUpdate(
  update: ChatUpdateMessage,
  author: bigint,
  names: NameLookup,
  chatPeer?: bigint,
): RenderedUpdate {
  const who = names.byRecipientId(author);
  const peer = chatPeer === undefined ? who : names.byRecipientId(chatPeer);
  if (update.simpleUpdate != null) {
    const t = update.simpleUpdate.type ?? 0;
    const subject = t === 2 || t === 3 || t === 4 || t === 14 || t === 15 ? peer : who;
    return { type: SIMPLE_TYPES[t] ?? 'unknown', text: (SIMPLE[t] ?? (() => 'Unknown update.'))(subject) };
  }
  if (update.groupChange != null) {
    const parts = (update.groupChange.updates ?? []).map((u) => groupChange(u, names));
    return { type: 'group-change', text: parts.join(' ') };
  }
  if (update.expirationTimerChange != null) {
    return { type: 'timer', text: timer(who, Number(update.expirationTimerChange.expiresInMs ?? 0)) };
  }
  if (update.profileChange != null) {
    const p = update.profileChange;
    return {
      type: 'profile-change',
      text: `${p.previousName || UNKNOWN} changed their profile name to ${p.newName || 'an empty name'}.`,
    };
  }
  if (update.threadMerge != null) {
    const e164 = formatE164(update.threadMerge.previousE164);
    return {
      type: 'thread-merge',
      text: `Your message history with ${peer}${e164 === undefined ? '' : ` and their number ${e164}`} was merged.`,
    };
  }
  if (update.sessionSwitchover != null) {
    const e164 = formatE164(update.sessionSwitchover.e164);
    return { type: 'session-switchover', text: `${peer} belongs to ${e164 ?? 'another number'}.` };
  }
  if (update.learnedProfileChange != null) {
    const l = update.learnedProfileChange;
    const previous = formatE164(l.e164) ?? (l.username || l.sharedName || undefined);
    return {
      type: 'learned-profile',
      text:
        previous === undefined ? `You started this chat with ${peer}.` : `${peer} was previously shown as ${previous}.`,
    };
  }
  if (update.individualCall != null) {
    const c = update.individualCall;
    const kind = c.type === 2 ? 'video call' : 'voice call';
    const outgoing = c.direction === 2;
    const state = c.state ?? 0;
    let text: string;
    if (state === 3 || state === 4) text = `Missed ${kind}`;
    else if (state === 2) text = outgoing ? `Unanswered ${kind}` : `Declined ${kind}`;
    else text = `${outgoing ? 'Outgoing' : 'Incoming'} ${kind}`;
    return { type: 'individual-call', text: `${text}.` };
  }
  if (update.groupCall != null) {
    const c = update.groupCall;
    const starter =
      c.startedCallRecipientId == null ? undefined : names.byRecipientId(BigInt(c.startedCallRecipientId));
    const ringer = c.ringerRecipientId == null ? undefined : names.byRecipientId(BigInt(c.ringerRecipientId));
    let text: string;
    switch (c.state ?? 0) {
      case 2:
        text = 'You joined a group call.';
        break;
      case 3:
        text = `${ringer ?? UNKNOWN} is calling the group.`;
        break;
      case 4:
        text = `You answered a group call from ${ringer ?? UNKNOWN}.`;
        break;
      case 5:
        text = `You declined a group call from ${ringer ?? UNKNOWN}.`;
        break;
      case 6:
      case 7:
        text = `You missed a group call from ${ringer ?? starter ?? UNKNOWN}.`;
        break;
      case 8:
        text = 'You started a group call.';
        break;
      default:
        text = starter === undefined ? 'A group call took place.' : `${starter} started a group call.`;
    }
    return { type: 'group-call', text };
  }
  if (update.pollTerminate != null) {
    return { type: 'poll-terminate', text: `${who} ended the poll “${update.pollTerminate.question ?? ''}”.` };
  }
  if (update.pinMessage != null) return { type: 'pin-message', text: `${who} pinned a message.` };
  return { type: 'unknown', text: 'Unknown update.' };
}
