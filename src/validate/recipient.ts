/** Recipient frames: contacts, groups, distribution lists, self, release notes, call links. Rules: libsignal backup/recipient.rs, recipient/group.rs, call.rs. */

import type { signal } from '../frames/generated/schema.js';
import {
  bytesOf,
  has,
  hexOf,
  isValidUsername,
  parseServiceId,
  type RecipientInfo,
  u64,
  type ValidationState,
} from './context.js';
import { enumValue } from './enums.js';

/** ACI and PNI are 16-byte UUIDs (libsignal-protocol `ServiceId`). */
const UUID_LENGTH = 16;
/** Profile keys are 32 bytes. */
const PROFILE_KEY_LENGTH = 32;
/** Group master keys are 32 bytes (zkgroup `GroupMasterKeyBytes`). */
const MASTER_KEY_LENGTH = 32;
/** Call-link root keys have at least 16 bytes (call.rs `CALL_LINK_ROOT_KEY_MIN_LEN`). */
const CALL_LINK_ROOT_KEY_MIN_LENGTH = 16;
/** Serialized identity keys: 0x05 then 32 bytes of Curve25519 public key. */
const IDENTITY_KEY_LENGTH = 33;
const DJB_TYPE = 0x05;
/** The all-zero distribution id is "My Story" (recipient.rs `MY_STORY_UUID`). */
const MY_STORY = '00000000000000000000000000000000';

type Recipient = signal.backup.Recipient.$Properties;

/** Checks one Recipient frame and remembers it for later references. */
export function checkRecipient(s: ValidationState, r: Recipient): void {
  const id = u64(r.id);
  if (id === 0n) {
    s.error('INVALID_RECIPIENT_ID', 'recipient id 0 is not allowed');
    return;
  }
  let info: RecipientInfo | undefined;
  if (r.contact) info = checkContact(s, r.contact);
  else if (r.group) info = checkGroup(s, r.group);
  else if (r.distributionList) info = checkDistributionList(s, r.distributionList);
  else if (r.self) info = { kind: 'self' };
  else if (r.releaseNotes) info = { kind: 'releaseNotes' };
  else if (r.callLink) info = checkCallLink(s, r.callLink);
  else s.error('RECIPIENT_WITHOUT_DESTINATION', `recipient ${id} has no destination (contact, group, …)`);
  if (s.recipients.has(id)) {
    s.error('DUPLICATE_RECIPIENT_ID', `recipient id ${id} is used twice`);
    return;
  }
  if (info) s.recipients.set(id, info);
}

function checkContact(s: ValidationState, c: signal.backup.Contact.$Properties): RecipientInfo {
  const info: RecipientInfo = { kind: 'contact' };
  if (has(c.aci)) {
    if (c.aci!.length !== UUID_LENGTH)
      s.error('INVALID_ACI', `contact ACI must be ${UUID_LENGTH} bytes, found ${c.aci!.length}`);
    else info.aci = hexOf(c.aci!);
  }
  if (has(c.pni)) {
    if (c.pni!.length !== UUID_LENGTH)
      s.error('INVALID_PNI', `contact PNI must be ${UUID_LENGTH} bytes, found ${c.pni!.length}`);
    else info.pni = hexOf(c.pni!);
  }
  if (has(c.username)) {
    if (!isValidUsername(c.username!)) s.error('INVALID_USERNAME', 'contact username is not a valid Signal username');
    else info.username = c.username!.toLowerCase();
  }
  if (has(c.profileKey) && c.profileKey!.length !== PROFILE_KEY_LENGTH) {
    s.error(
      'INVALID_PROFILE_KEY',
      `contact profile key must be ${PROFILE_KEY_LENGTH} bytes, found ${c.profileKey!.length}`,
    );
  }
  if (c.notRegistered) {
    const t = u64(c.notRegistered.unregisteredTimestamp);
    if (t !== 0n) s.timestamp(t, 'Contact.notRegistered.unregisteredTimestamp');
  } else if (!c.registered) {
    s.error('CONTACT_REGISTRATION_UNKNOWN', 'contact is neither registered nor notRegistered');
  }
  if (has(c.e164)) {
    const e = u64(c.e164);
    if (e === 0n) s.error('INVALID_E164', 'contact e164 is 0');
    else info.e164 = e;
  }
  const blockedAt = u64(c.blockedAtTimestamp);
  if (blockedAt !== 0n) {
    if (!c.blocked) s.error('BLOCKED_AT_WITHOUT_BLOCKED', 'contact has blockedAtTimestamp but is not blocked');
    else s.timestamp(blockedAt, 'Contact.blockedAtTimestamp');
  }
  if (!has(c.aci) && !has(c.pni) && !has(c.e164))
    s.error('CONTACT_WITHOUT_IDENTIFIERS', 'contact has no ACI, PNI or e164');
  if (has(c.identityKey)) {
    const k = c.identityKey!;
    // libsignal's key parser reads the type byte and 32 key bytes and ignores anything after them.
    if (k.length < IDENTITY_KEY_LENGTH || k[0] !== DJB_TYPE) {
      s.error('INVALID_IDENTITY_KEY', 'contact identity key is not a valid public key');
    } else if (k.length > IDENTITY_KEY_LENGTH) {
      s.warn(
        'IDENTITY_KEY_TRAILING_BYTES',
        `contact identity key has ${k.length - IDENTITY_KEY_LENGTH} bytes after the key, ignored`,
      );
    }
  }
  const state = enumValue(c.identityState, 'Contact.IdentityState');
  if (state !== 0 && !has(c.identityKey))
    s.error('MISSING_IDENTITY_KEY', 'contact is VERIFIED or UNVERIFIED but has no identity key');
  if (c.nickname && !c.nickname.given && !c.nickname.family) {
    s.error('EMPTY_NICKNAME', 'contact nickname is present but both parts are empty');
  }
  // libsignal-client 0.103.0: a shared name, like a nickname, must not be present and empty.
  if (c.sharedName && !c.sharedName.given && !c.sharedName.family) {
    s.error('EMPTY_SHARED_NAME', 'contact sharedName is present but both parts are empty');
  }
  return info;
}

function checkGroup(s: ValidationState, g: signal.backup.Group.$Properties): RecipientInfo {
  const key = bytesOf(g.masterKey);
  const info: RecipientInfo = { kind: 'group', key: hexOf(key) };
  if (key.length !== MASTER_KEY_LENGTH)
    s.error('INVALID_MASTER_KEY', `group master key must be ${MASTER_KEY_LENGTH} bytes, found ${key.length}`);
  const blockedAt = u64(g.blockedAtTimestamp);
  if (blockedAt !== 0n) {
    if (!g.blocked) s.error('BLOCKED_AT_WITHOUT_BLOCKED', 'group has blockedAtTimestamp but is not blocked');
    else s.timestamp(blockedAt, 'Group.blockedAtTimestamp');
  }
  const snap = g.snapshot;
  if (!snap) {
    s.error('GROUP_WITHOUT_SNAPSHOT', 'group has no snapshot');
    return info;
  }
  blob(s, snap.title, 'title', 'title');
  blob(s, snap.description, 'descriptionText', 'description');
  blob(s, snap.disappearingMessagesTimer, 'disappearingMessagesDuration', 'disappearingMessagesTimer');
  const ac = snap.accessControl;
  if (ac) {
    const acc = (v: number | null | undefined) => enumValue(v, 'Group.AccessControl.AccessRequired');
    // 1 ANY, 2 MEMBER, 3 ADMINISTRATOR, 4 UNSATISFIABLE
    for (const k of ['attributes', 'members', 'memberLabel'] as const) {
      const v = acc(ac[k]);
      if (v === 1 || v === 4)
        s.error('INVALID_ACCESS_CONTROL', `group access control ${k} cannot be ${v === 1 ? 'ANY' : 'UNSATISFIABLE'}`);
    }
    if (acc(ac.addFromInviteLink) === 2)
      s.error('INVALID_ACCESS_CONTROL', 'group access control addFromInviteLink cannot be MEMBER');
  }
  for (const m of snap.members ?? []) {
    const kind = parseServiceId(m.userId);
    if (kind !== 'aci')
      s.error(
        'INVALID_GROUP_MEMBER',
        `group member id is ${kind ? 'a PNI' : 'not a valid service id'}; members need an ACI`,
      );
    if (enumValue(m.role, 'Group.Member.Role') === 0)
      s.error('GROUP_MEMBER_ROLE_UNKNOWN', 'group member role is UNKNOWN');
    if (m.labelEmoji && !m.labelString)
      s.error('GROUP_MEMBER_LABEL_EMOJI_ONLY', 'group member label has an emoji but no text');
  }
  for (const p of snap.membersPendingProfileKey ?? []) {
    const m = p.member;
    if (!m) {
      s.error('INVALID_GROUP_MEMBER', 'pending group member has no member record');
      continue;
    }
    const kind = parseServiceId(m.userId);
    if (!kind) s.error('INVALID_GROUP_MEMBER', 'invited group member id is not a valid service id');
    if (enumValue(m.role, 'Group.Member.Role') === 0)
      s.error('GROUP_MEMBER_ROLE_UNKNOWN', 'invited group member role is UNKNOWN');
    const inviter = parseServiceId(p.addedByUserId);
    if (inviter !== 'aci') s.error('INVALID_GROUP_MEMBER', 'group member inviter is not a valid ACI');
    else if (kind === 'aci' && hexOf(bytesOf(p.addedByUserId)) === hexOf(bytesOf(m.userId))) {
      s.error('GROUP_MEMBER_INVITED_BY_SELF', 'a pending group member was invited by themself');
    }
    s.timestamp(p.timestamp, 'MemberPendingProfileKey.timestamp');
    if (m.labelEmoji || m.labelString) s.error('GROUP_PENDING_MEMBER_HAS_LABEL', 'a pending group member has a label');
  }
  for (const p of snap.membersPendingAdminApproval ?? []) {
    if (parseServiceId(p.userId) !== 'aci')
      s.error('INVALID_GROUP_MEMBER', 'requesting group member is not a valid ACI');
    s.timestamp(p.timestamp, 'MemberPendingAdminApproval.timestamp');
  }
  for (const p of snap.membersBanned ?? []) {
    if (!parseServiceId(p.userId)) s.error('INVALID_GROUP_MEMBER', 'banned group member id is not a valid service id');
    s.timestamp(p.timestamp, 'MemberBanned.timestamp');
  }
  return info;
}

function blob(
  s: ValidationState,
  b: signal.backup.Group.GroupAttributeBlob.$Properties | null | undefined,
  expected: 'title' | 'descriptionText' | 'disappearingMessagesDuration',
  which: string,
): void {
  if (!b) return;
  const set = (['title', 'avatar', 'disappearingMessagesDuration', 'descriptionText'] as const).filter((k) =>
    has(b[k]),
  );
  if (set.length === 0) s.error('GROUP_BLOB_MISSING_CONTENT', `group ${which} has no content`);
  else if (set[0] !== expected) s.error('GROUP_BLOB_WRONG_CONTENT', `group ${which} holds ${set[0]} instead`);
}

function checkDistributionList(s: ValidationState, d: signal.backup.DistributionListItem.$Properties): RecipientInfo {
  const id = bytesOf(d.distributionId);
  const info: RecipientInfo = { kind: 'distributionList', key: hexOf(id) };
  if (id.length !== UUID_LENGTH) {
    s.error('INVALID_DISTRIBUTION_ID', `distribution id must be ${UUID_LENGTH} bytes, found ${id.length}`);
    return info;
  }
  const myStory = info.key === MY_STORY;
  if (has(d.deletionTimestamp)) {
    if (myStory) s.error('CANNOT_DELETE_MY_STORY', 'My Story cannot be a deleted distribution list');
    else s.timestamp(d.deletionTimestamp, 'DistributionList.deletionTimestamp');
    return info;
  }
  const list = d.distributionList;
  if (!list) {
    s.error('DISTRIBUTION_LIST_MISSING', 'distribution list item has neither a list nor a deletion timestamp');
    return info;
  }
  const seen = new Set<bigint>();
  for (const raw of list.memberRecipientIds ?? []) {
    const m = u64(raw);
    if (seen.has(m)) {
      s.error('DUPLICATE_DISTRIBUTION_MEMBER', `distribution list lists recipient ${m} twice`);
      continue;
    }
    seen.add(m);
    const r = s.recipients.get(m);
    if (!r) s.error('UNKNOWN_DISTRIBUTION_MEMBER', `distribution list member ${m} is not a known recipient (yet)`);
    else if (r.kind !== 'contact')
      s.error('DISTRIBUTION_MEMBER_WRONG_KIND', `distribution list member ${m} is a ${r.kind}, not a contact`);
    else if (!r.aci && !r.pni)
      s.error('DISTRIBUTION_MEMBER_WITHOUT_SERVICE_ID', `distribution list member ${m} has no ACI or PNI`);
  }
  const mode = enumValue(list.privacyMode, 'DistributionList.PrivacyMode');
  const n = (list.memberRecipientIds ?? []).length;
  if (mode === 0) s.error('DISTRIBUTION_PRIVACY_UNKNOWN', 'distribution list privacy mode is UNKNOWN');
  else if (mode !== 1 && !myStory) s.error('DISTRIBUTION_PRIVACY_INVALID', 'only My Story may use ALL or ALL_EXCEPT');
  else if (mode === 2 && n === 0)
    s.error('DISTRIBUTION_ALL_EXCEPT_EMPTY', 'My Story with ALL_EXCEPT must list at least one member');
  else if (mode === 3 && n > 0) s.error('DISTRIBUTION_ALL_WITH_MEMBERS', 'My Story with ALL must not list members');
  return info;
}

function checkCallLink(s: ValidationState, c: signal.backup.CallLink.$Properties): RecipientInfo {
  const root = bytesOf(c.rootKey);
  const info: RecipientInfo = { kind: 'callLink', key: hexOf(root) };
  if (root.length < CALL_LINK_ROOT_KEY_MIN_LENGTH) {
    s.error(
      'INVALID_CALL_LINK_ROOT_KEY',
      `call link root key must have at least ${CALL_LINK_ROOT_KEY_MIN_LENGTH} bytes, found ${root.length}`,
    );
  } else if (has(c.adminKey) && c.adminKey!.length === 0) {
    s.error('INVALID_CALL_LINK_ADMIN_KEY', 'call link admin key is present but empty');
  } else {
    s.timestamp(c.expirationMs, 'CallLink.expirationMs');
  }
  return info;
}
