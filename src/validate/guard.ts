/**
 * The writer's checks are the validator's rules: {@link FrameGuard} feeds each record the writer
 * is about to write to a {@link BackupValidator} (as the object it already has, never encoded and
 * decoded again) and throws the first error finding as a {@link BackupError} naming the record.
 * References to a recipient or chat not given before (format §5.1) are `ORDER_VIOLATION`, every
 * other rule `INVALID_BACKUP`; `details.finding` is the validator's code (docs/format.md §8.3).
 * Warnings and unknown fields do not stop a write.
 */

import { BackupError } from '../errors.js';
import type { BackupInfo, Frame, FrameKind } from '../frames/codec.js';
import { type ErrorFindingCode, isReferenceFindingCode } from './codes.js';
import { type Finding, type Purpose, u64 } from './context.js';
import { BackupValidator } from './validator.js';

/** Throws a TypeError unless `v` is an object (a record given in the wrong shape is a programming error). */
export function assertRecord(v: unknown, name: string): void {
  if (typeof v !== 'object' || v === null)
    throw new TypeError(`"${name}" expected an object, got ${v === null ? 'null' : typeof v}`);
}

/** What names a record in a message, and the ids that go into the error's details. */
interface Named {
  name: string;
  ids: { recipientId?: bigint; chatId?: bigint; dateSent?: bigint; callId?: bigint };
}

function describe(kind: FrameKind | 'backupInfo' | 'backup', record: unknown): Named {
  const r = record as Record<string, unknown>;
  switch (kind) {
    case 'backupInfo':
      return { name: 'BackupInfo', ids: {} };
    case 'backup':
      return { name: 'the backup', ids: {} };
    case 'account':
      return { name: 'AccountData', ids: {} };
    case 'recipient': {
      const recipientId = u64(r.id as bigint);
      return { name: `recipient ${recipientId}`, ids: { recipientId } };
    }
    case 'chat': {
      const chatId = u64(r.id as bigint);
      return { name: `chat ${chatId}`, ids: { chatId } };
    }
    case 'chatItem': {
      const chatId = u64(r.chatId as bigint);
      const dateSent = u64(r.dateSent as bigint);
      return { name: `chat item ${dateSent} in chat ${chatId}`, ids: { chatId, dateSent } };
    }
    case 'adHocCall': {
      const callId = u64(r.callId as bigint);
      return { name: `ad-hoc call ${callId}`, ids: { callId } };
    }
    case 'stickerPack':
      return { name: 'sticker pack', ids: {} };
    case 'notificationProfile':
      return { name: `notification profile "${String(r.name ?? '')}"`, ids: {} };
    case 'chatFolder':
      return { name: `chat folder "${String(r.name ?? '')}"`, ids: {} };
  }
}

/** The frame carrying `record` (a literal per kind: cheaper than a computed key, once per frame). */
function frameOf(kind: FrameKind, record: unknown): Frame {
  switch (kind) {
    case 'account':
      return { account: record as Frame['account'] };
    case 'recipient':
      return { recipient: record as Frame['recipient'] };
    case 'chat':
      return { chat: record as Frame['chat'] };
    case 'chatItem':
      return { chatItem: record as Frame['chatItem'] };
    case 'stickerPack':
      return { stickerPack: record as Frame['stickerPack'] };
    case 'adHocCall':
      return { adHocCall: record as Frame['adHocCall'] };
    case 'notificationProfile':
      return { notificationProfile: record as Frame['notificationProfile'] };
    case 'chatFolder':
      return { chatFolder: record as Frame['chatFolder'] };
  }
}

function toError(
  finding: Finding<ErrorFindingCode>,
  kind: FrameKind | 'backupInfo' | 'backup',
  record: unknown,
): BackupError<'ORDER_VIOLATION' | 'INVALID_BACKUP'> {
  const { name, ids } = describe(kind, record);
  // Name the record first, unless the finding already starts with its name ("chat 2 refers to …").
  const message = finding.message.startsWith(`${name} `) ? finding.message : `${name}: ${finding.message}`;
  const where = { frameIndex: finding.frame, frameType: finding.frameType, ...ids };
  if (isReferenceFindingCode(finding.code)) {
    return new BackupError('ORDER_VIOLATION', message, { ...where, finding: finding.code });
  }
  return new BackupError('INVALID_BACKUP', message, { ...where, finding: finding.code });
}

/**
 * Checks records in writing order with the validator's rules: {@link FrameGuard.backupInfo} once,
 * {@link FrameGuard.add} for each frame, then {@link FrameGuard.finish}. Each throws the first error
 * the validator finds. Remembers what the validator remembers (ids), never the records.
 */
export class FrameGuard {
  readonly #validator: BackupValidator;

  /** @throws {RangeError} for an unknown purpose. */
  constructor(purpose: Purpose) {
    // One finding of each kind is enough: the first error throws.
    this.#validator = new BackupValidator({ purpose, maxFindings: 1 });
  }

  /**
   * Checks the BackupInfo (frame 0).
   * @throws {BackupError} `INVALID_BACKUP` (e.g. `INVALID_MEDIA_ROOT_KEY`).
   * @throws {TypeError} when `info` is not an object.
   */
  backupInfo(info: BackupInfo): BackupInfo {
    assertRecord(info, 'backupInfo');
    this.#validator.pushBackupInfo(info);
    this.#throwFirst('backupInfo', info);
    return info;
  }

  /**
   * Checks the next frame, which carries `record` as its `kind`, and returns that frame.
   * @throws {BackupError} `ORDER_VIOLATION` for a reference to a recipient or chat not given before;
   *   `INVALID_BACKUP` for any other error of the validator, and for a missing AccountData.
   * @throws {TypeError} when `record` is not an object.
   */
  add<K extends FrameKind>(kind: K, record: NonNullable<Frame[K]>): Frame {
    if (kind === 'account' && (record === undefined || record === null)) {
      throw new BackupError('INVALID_BACKUP', 'the backup needs its AccountData ("account")', {
        frameIndex: this.#validator.frameCount + 1,
        frameType: 'account',
        finding: 'MISSING_ACCOUNT_DATA',
      });
    }
    assertRecord(record, kind);
    const frame = frameOf(kind, record);
    this.#validator.push(frame);
    this.#throwFirst(kind, record);
    return frame;
  }

  /**
   * Runs the end-of-backup checks (exactly one Self recipient, unique ACIs, …).
   * @throws {BackupError} `INVALID_BACKUP`.
   */
  finish(): void {
    const result = this.#validator.finish();
    if (result.errors.length > 0) throw toError(result.errors[0]!, 'backup', undefined);
  }

  #throwFirst(kind: FrameKind | 'backupInfo', record: unknown): void {
    const errors = this.#validator.errors;
    if (errors.length > 0) throw toError(errors[0]!, kind, record);
  }
}
