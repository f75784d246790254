/** End-of-backup checks (libsignal backup.rs `CompletedBackup::try_from`). */

import type { ErrorFindingCode } from './codes.js';
import type { ValidationState } from './context.js';

/** Runs the checks that need the whole backup; findings go to frame -1 (`backup`). */
export function checkCompletion(s: ValidationState): void {
  s.frameIndex = -1;
  s.frameType = 'backup';
  if (s.accountDataCount === 0) s.error('MISSING_ACCOUNT_DATA', 'no AccountData frame was found');
  if (s.chatFolderCount > 0) {
    if (s.allChatFolderCount === 0) s.error('MISSING_ALL_CHAT_FOLDER', 'there are chat folders but none of type ALL');
    else if (s.allChatFolderCount > 1)
      s.error('DUPLICATE_ALL_CHAT_FOLDER', 'there is more than one chat folder of type ALL');
  }
  const seen = new Map<string, bigint>();
  let self = 0;
  let releaseNotes = 0;
  const unique = (space: string, value: string | undefined, id: bigint, code: ErrorFindingCode, what: string) => {
    if (value === undefined) return;
    const k = `${space}:${value}`;
    const prev = seen.get(k);
    if (prev !== undefined) s.error(code, `recipients ${prev} and ${id} have the same ${what}`);
    else seen.set(k, id);
  };
  for (const [id, r] of s.recipients) {
    switch (r.kind) {
      case 'contact':
        unique('u', r.username, id, 'DUPLICATE_USERNAME', 'username');
        unique('e', r.e164 === undefined ? undefined : r.e164.toString(), id, 'DUPLICATE_E164', 'phone number');
        unique('a', r.aci, id, 'DUPLICATE_ACI', 'ACI');
        unique('p', r.pni, id, 'DUPLICATE_PNI', 'PNI');
        break;
      case 'group':
        unique('g', r.key, id, 'DUPLICATE_GROUP_MASTER_KEY', 'group master key');
        break;
      case 'distributionList':
        unique('d', r.key, id, 'DUPLICATE_DISTRIBUTION_ID', 'distribution id');
        break;
      case 'callLink':
        unique('c', r.key, id, 'DUPLICATE_CALL_LINK_ROOT_KEY', 'call link root key');
        break;
      case 'self':
        if (++self === 2) s.error('DUPLICATE_SELF_RECIPIENT', 'there is more than one Self recipient');
        break;
      case 'releaseNotes':
        if (++releaseNotes === 2)
          s.error('DUPLICATE_RELEASE_NOTES_RECIPIENT', 'there is more than one Release Notes recipient');
        break;
    }
  }
  if (self === 0) s.error('MISSING_SELF_RECIPIENT', 'no Self recipient was found');
}
