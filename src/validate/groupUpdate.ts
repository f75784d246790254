/** Group-change chat updates. Rules: libsignal backup/chat/group.rs. */

import { descriptor } from '../frames/generated/descriptor.js';
import type { signal } from '../frames/generated/schema.js';
import { bytesOf, has, parseServiceId, type ValidationState } from './context.js';
import { enumValue } from './enums.js';

/** ACIs in group updates are 16-byte UUIDs. */
const ACI_LENGTH = 16;
/** Fields that count something and must not be 0 (group.rs `NonZeroU32`). */
const COUNT_FIELDS = new Set(['inviteeCount', 'invitedMembersCount', 'droppedMembersCount', 'count']);

type Update = signal.backup.GroupChangeChatUpdate.Update.$Properties;

/** Checks the list of updates of one GroupChangeChatUpdate. */
export function checkGroupUpdates(s: ValidationState, updates: Update[]): void {
  if (updates.length === 0) {
    s.error('GROUP_CHANGE_EMPTY', 'group change update lists no changes');
    return;
  }
  const rows = descriptor.messages['signal.backup.GroupChangeChatUpdate.Update']!;
  for (const u of updates) {
    const row = rows.find((r) => has((u as Record<string, unknown>)[r[0]]));
    if (!row) {
      s.error('GROUP_CHANGE_UPDATE_EMPTY', 'a group change has no update set');
      continue;
    }
    const name = row[0];
    const msg = (u as Record<string, unknown>)[name] as Record<string, unknown>;
    const fields = descriptor.messages[row[3]!] ?? [];
    for (const [field, , kind, type, flags] of fields) {
      const v = msg[field];
      const present = (flags & 2) !== 0 ? has(v) : true;
      if (kind === 'bytes' && present) {
        const b = bytesOf(v as Uint8Array | undefined);
        if (field.endsWith('ServiceId')) {
          if (!parseServiceId(b))
            s.error('GROUP_UPDATE_INVALID_SERVICE_ID', `${name}.${field} is not a valid service id`);
        } else if (field.endsWith('Aci') || field === 'aci') {
          if (b.length !== ACI_LENGTH) s.error('GROUP_UPDATE_INVALID_ACI', `${name}.${field}: invalid ACI`);
        }
      } else if (kind === 'uint32' && COUNT_FIELDS.has(field) && !v) {
        s.error('GROUP_UPDATE_ZERO_COUNT', `${name}.${field} must not be 0`);
      } else if (kind === 'enum' && type === 'signal.backup.GroupV2AccessLevel') {
        const level = enumValue(v as number, 'GroupV2AccessLevel');
        if (level === 0 || level === 4) {
          s.error(
            'GROUP_UPDATE_INVALID_ACCESS_LEVEL',
            `${name}.${field} is ${level === 0 ? 'UNKNOWN' : 'UNSATISFIABLE'}`,
          );
        }
      }
    }
    if (name === 'groupInvitationRevokedUpdate') {
      const invitees = (msg.invitees as signal.backup.GroupInvitationRevokedUpdate.Invitee.$Properties[]) ?? [];
      if (invitees.length === 0) s.error('GROUP_UPDATE_ZERO_COUNT', 'groupInvitationRevokedUpdate lists no invitees');
      for (const i of invitees) {
        for (const k of ['inviterAci', 'inviteeAci', 'inviteePni'] as const) {
          if (has(i[k]) && i[k]!.length !== ACI_LENGTH)
            s.error('GROUP_UPDATE_INVALID_INVITEE', `revoked invitee ${k} is not 16 bytes`);
        }
      }
    }
    if (name === 'groupMemberAddedUpdate' && has(msg.inviterAci) && !msg.hadOpenInvitation) {
      s.error(
        'GROUP_UPDATE_INVITER_MISMATCH',
        'groupMemberAddedUpdate names an inviter but hadOpenInvitation is false',
      );
    }
  }
}
