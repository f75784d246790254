/**
 * The writer's reference checks: every id a record uses must name a record given before it
 * (docs/format.md §8.3; rule 2 of the frame order in libsignal rust/message-backup/src/proto/backup.proto),
 * ids are non-zero and unique, and the backup has its account and exactly one Self recipient.
 * Remembers ids only (recipients, chats), never chat items.
 */

import { BackupError } from '../errors.js';
import type { BackupInfo } from '../frames/codec.js';
import type {
  AccountData,
  AdHocCall,
  Chat,
  ChatFolder,
  ChatItem,
  NotificationProfile,
  Recipient,
  StickerPack,
} from '../frames/schema.js';

/** `mediaRootBackupKey` is 32 bytes (docs/format.md §8.2; libsignal rust/message-backup/src/backup.rs). */
const MEDIA_ROOT_KEY_LENGTH = 32;
/** Chat item fields that name a recipient, wherever they sit in the item (author, reactions, quote, sends, votes). */
const RECIPIENT_REFERENCES = new Set(['authorId', 'recipientId', 'voterId', 'adminId']);

type RecipientKind = 'contact' | 'group' | 'distributionList' | 'self' | 'releaseNotes' | 'callLink' | 'unknown';

function id(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return 0n;
}

function order(message: string, details: Record<string, unknown>): BackupError {
  return new BackupError('ORDER_VIOLATION', message, details);
}

function invalid(message: string, details: Record<string, unknown> = {}): BackupError {
  return new BackupError('INVALID_BACKUP', message, details);
}

function assertObject(v: unknown, name: string): void {
  if (typeof v !== 'object' || v === null)
    throw new TypeError(`"${name}" expected an object, got ${v === null ? 'null' : typeof v}`);
}

function kindOf(r: Recipient): RecipientKind {
  for (const k of ['contact', 'group', 'distributionList', 'self', 'releaseNotes', 'callLink'] as const) {
    if (r[k] != null) return k;
  }
  return 'unknown';
}

/** Checks records in writing order; each method returns its record or throws naming it. */
export class OrderChecker {
  readonly #recipients = new Map<bigint, RecipientKind>();
  readonly #chats = new Set<bigint>();
  #selfCount = 0;

  backupInfo(info: BackupInfo): BackupInfo {
    assertObject(info, 'backupInfo');
    const key = info.mediaRootBackupKey;
    if (!(key instanceof Uint8Array) || key.length !== MEDIA_ROOT_KEY_LENGTH) {
      throw invalid(
        `BackupInfo: mediaRootBackupKey must be ${MEDIA_ROOT_KEY_LENGTH} bytes, got ${key instanceof Uint8Array ? key.length : 'none'}`,
      );
    }
    return info;
  }

  account(account: AccountData | undefined): AccountData {
    if (account === undefined || account === null) throw invalid('the backup needs its AccountData ("account")');
    assertObject(account, 'account');
    return account;
  }

  #known(ref: bigint, what: string, details: Record<string, unknown>): RecipientKind {
    const kind = this.#recipients.get(ref);
    if (kind === undefined) throw order(`${what}: no recipient with id ${ref} was given before it`, details);
    return kind;
  }

  recipient(r: Recipient): Recipient {
    assertObject(r, 'recipient');
    const rid = id(r.id);
    if (rid === 0n) throw invalid('recipient: id must be a positive integer', { recipientId: rid });
    if (this.#recipients.has(rid)) throw invalid(`recipient ${rid}: the id is used twice`, { recipientId: rid });
    const members = r.distributionList?.distributionList?.memberRecipientIds ?? [];
    for (const m of members) this.#known(id(m), `distribution list ${rid}`, { recipientId: rid });
    const kind = kindOf(r);
    if (kind === 'self') this.#selfCount++;
    this.#recipients.set(rid, kind);
    return r;
  }

  chat(c: Chat): Chat {
    assertObject(c, 'chat');
    const cid = id(c.id);
    if (cid === 0n) throw invalid('chat: id must be a positive integer', { chatId: cid });
    if (this.#chats.has(cid)) throw invalid(`chat ${cid}: the id is used twice`, { chatId: cid });
    const kind = this.#known(id(c.recipientId), `chat ${cid}`, { chatId: cid });
    if (kind === 'distributionList' || kind === 'callLink') {
      throw invalid(`chat ${cid}: a chat cannot be with a ${kind} recipient`, { chatId: cid });
    }
    this.#chats.add(cid);
    return c;
  }

  stickerPack(s: StickerPack): StickerPack {
    assertObject(s, 'stickerPack');
    return s;
  }

  adHocCall(a: AdHocCall): AdHocCall {
    assertObject(a, 'adHocCall');
    const kind = this.#known(id(a.recipientId), `ad-hoc call ${id(a.callId)}`, { callId: id(a.callId) });
    if (kind !== 'callLink') throw invalid(`ad-hoc call ${id(a.callId)}: its recipient must be a call link`);
    return a;
  }

  notificationProfile(n: NotificationProfile): NotificationProfile {
    assertObject(n, 'notificationProfile');
    for (const m of n.allowedMembers ?? []) this.#known(id(m), `notification profile "${n.name ?? ''}"`, {});
    return n;
  }

  chatFolder(f: ChatFolder): ChatFolder {
    assertObject(f, 'chatFolder');
    for (const m of [...(f.includedRecipientIds ?? []), ...(f.excludedRecipientIds ?? [])]) {
      this.#known(id(m), `chat folder "${f.name ?? ''}"`, {});
    }
    return f;
  }

  chatItem(item: ChatItem): ChatItem {
    assertObject(item, 'chatItem');
    const cid = id(item.chatId);
    const sent = id(item.dateSent);
    const what = `chat item ${sent} in chat ${cid}`;
    if (!this.#chats.has(cid)) {
      throw order(`${what}: no chat with id ${cid} was given before it`, { chatId: cid, dateSent: sent });
    }
    this.#references(item, what, { chatId: cid, dateSent: sent });
    return item;
  }

  #references(value: unknown, what: string, details: Record<string, unknown>): void {
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
    if (Array.isArray(value)) {
      for (const v of value) this.#references(v, what, details);
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const v = record[key];
      if (RECIPIENT_REFERENCES.has(key) && v != null) this.#known(id(v), `${what} (${key})`, details);
      else if (typeof v === 'object' && v !== null) this.#references(v, what, details);
    }
  }

  /** End-of-backup checks: exactly one Self recipient (docs/format.md §8.3). */
  finish(): void {
    if (this.#selfCount !== 1) {
      throw invalid(`the backup needs exactly one Self recipient, got ${this.#selfCount}`);
    }
  }
}
