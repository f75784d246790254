/**
 * The streaming validator: feed the BackupInfo and then each Frame (decoded or as bytes), call
 * `finish()`, read the findings. Memory stays bounded by the number of ids (recipients, chats,
 * sticker packs), never by the number or size of frames.
 */

import { isBackupError } from '../errors.js';
import { type BackupInfo, decodeBackupInfo, decodeFrameWithStats, type Frame, frameKind } from '../frames/codec.js';
import { BACKUP_INFO_TYPE, FRAME_TYPE } from '../frames/schema.js';
import { checkAccount } from './account.js';
import { checkBackupInfo } from './backupInfo.js';
import { checkChat } from './chat.js';
import { checkChatItem } from './chatItem.js';
import { checkCompletion } from './completion.js';
import type { ErrorFindingCode, UnknownContentCode, WarningFindingCode } from './codes.js';
import { type Finding, type Purpose, ValidationState } from './context.js';
import { checkAdHocCall, checkChatFolder, checkNotificationProfile, checkStickerPack } from './misc.js';
import { checkRecipient } from './recipient.js';
import { findInvalidUtf8, type ScanFinding, scanRecord } from './scan.js';

/** Options of {@link BackupValidator}. */
export interface ValidatorOptions {
  /** What the backup is for (default `remote`): the disappearing-message rules depend on it. */
  purpose?: Purpose;
  /** Stop recording findings after this many errors (and as many warnings); default 1000. */
  maxFindings?: number;
}

/** An unknown field or enum value, tied to its frame. */
export interface UnknownFieldFinding {
  /** Always `UNKNOWN_FIELD` or `UNKNOWN_ENUM_VALUE`. */
  code: UnknownContentCode;
  /** Index of the frame it was found in: 0 for the BackupInfo, then 1, 2, ... in order. */
  frame: number;
  /** Kind of that frame (`backupInfo`, `account`, `chatItem`, ...). */
  frameType: string;
  /** Dotted path, e.g. `Frame.chatItem.standardMessage: unknown field 99 (varint)`. */
  message: string;
}

/** The verdict on a backup. */
export interface ValidationResult {
  /** True when there is no error (warnings and unknown fields do not make a backup invalid). */
  ok: boolean;
  /** Rule violations that make the backup invalid (at most `maxFindings`). */
  errors: Finding<ErrorFindingCode>[];
  /** Unusual but valid content (at most `maxFindings`). */
  warnings: Finding<WarningFindingCode>[];
  /** Unknown fields and enum values, by frame (at most `maxFindings`). */
  unknownFields: UnknownFieldFinding[];
}

const PURPOSES: readonly Purpose[] = ['remote', 'transfer', 'takeout'];

/**
 * Validates a backup record by record, with libsignal-client 0.103.0's rules. Use it offline
 * (see `validateBackup`) or online while a backup is being written: call {@link pushBackupInfo}
 * once, {@link push} for each frame, then {@link finish}. Findings accumulate; nothing throws
 * for bad data.
 */
export class BackupValidator {
  readonly #s: ValidationState;
  readonly #unknown: UnknownFieldFinding[] = [];
  #frames = 0;
  #started = false;
  #finished = false;

  /** @throws {RangeError} when `purpose` or `maxFindings` is invalid. */
  constructor(options: ValidatorOptions = {}) {
    const purpose = options.purpose ?? 'remote';
    if (!PURPOSES.includes(purpose))
      throw new RangeError(`"purpose" expected remote, transfer or takeout, got ${String(purpose)}`);
    const max = options.maxFindings ?? 1000;
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`"maxFindings" expected a positive integer, got ${max}`);
    this.#s = new ValidationState(purpose, max);
  }

  /**
   * Adds the BackupInfo (frame 0), encoded or decoded.
   * @throws {Error} when called twice or after {@link finish}.
   */
  pushBackupInfo(info: Uint8Array | BackupInfo): void {
    if (this.#started || this.#finished) throw new Error('pushBackupInfo must be called once, first');
    this.#started = true;
    const s = this.#s;
    s.frameIndex = 0;
    s.frameType = 'backupInfo';
    let decoded: BackupInfo;
    const bytes = info instanceof Uint8Array;
    try {
      decoded = bytes ? decodeBackupInfo(info) : info;
    } catch (e) {
      this.#unreadable(e, info as Uint8Array, BACKUP_INFO_TYPE, 'BackupInfo');
      return;
    }
    this.#scan(scanRecord(decoded, BACKUP_INFO_TYPE, 'BackupInfo', !bytes));
    checkBackupInfo(s, decoded);
  }

  /**
   * Adds the next Frame, encoded or decoded.
   * @throws {Error} when called before {@link pushBackupInfo} or after {@link finish}.
   */
  push(frame: Uint8Array | Frame): void {
    if (!this.#started || this.#finished) throw new Error('push must come after pushBackupInfo and before finish');
    const s = this.#s;
    s.frameIndex = ++this.#frames;
    s.frameType = 'frame';
    let f: Frame;
    // Frames decoded here are walked only when the decoder saw an unknown field or an enum value
    // that may lack a name; frames handed over as objects are always walked, strings included.
    let walk = true;
    if (frame instanceof Uint8Array) {
      try {
        const decoded = decodeFrameWithStats(frame);
        f = decoded.frame;
        walk = decoded.unknownFields > 0 || decoded.wideEnums;
      } catch (e) {
        this.#unreadable(e, frame, FRAME_TYPE, 'Frame');
        return;
      }
    } else f = frame;
    const type = frameKind(f);
    s.frameType = type ?? 'frame';
    if (walk) this.#scan(scanRecord(f, FRAME_TYPE, 'Frame', !(frame instanceof Uint8Array)));
    switch (type) {
      case 'account':
        checkAccount(s, f.account!);
        break;
      case 'recipient':
        checkRecipient(s, f.recipient!);
        break;
      case 'chat':
        checkChat(s, f.chat!);
        break;
      case 'chatItem':
        checkChatItem(s, f.chatItem!);
        break;
      case 'stickerPack':
        checkStickerPack(s, f.stickerPack!);
        break;
      case 'adHocCall':
        checkAdHocCall(s, f.adHocCall!);
        break;
      case 'notificationProfile':
        checkNotificationProfile(s, f.notificationProfile!);
        break;
      case 'chatFolder':
        checkChatFolder(s, f.chatFolder!);
        break;
      default:
        s.error('EMPTY_FRAME', 'the frame carries no item (Frame.item is not set)');
    }
  }

  /** The errors found so far (live view; for online use between frames). */
  get errors(): readonly Finding<ErrorFindingCode>[] {
    return this.#s.errors;
  }

  /** Number of frames added so far (not counting the BackupInfo). */
  get frameCount(): number {
    return this.#frames;
  }

  /**
   * Runs the end-of-backup checks and returns the verdict. Calling it again returns the same result.
   */
  finish(): ValidationResult {
    const s = this.#s;
    if (!this.#finished) {
      this.#finished = true;
      if (!this.#started) {
        s.frameIndex = -1;
        s.frameType = 'backup';
        s.error('NO_FRAMES', 'the backup is empty (no BackupInfo)');
      } else checkCompletion(s);
      if (this.#unknown.length > 0) {
        s.frameIndex = -1;
        s.frameType = 'backup';
      }
    }
    return {
      ok: s.errors.length === 0,
      errors: [...s.errors],
      warnings: [...s.warnings],
      unknownFields: [...this.#unknown],
    };
  }

  /** Reports a record that does not decode: invalid UTF-8 in a string field, or broken protobuf. */
  #unreadable(e: unknown, bytes: Uint8Array, typeName: string, root: string): void {
    const what = root === 'Frame' ? 'the frame' : 'BackupInfo';
    if (isBackupError(e, 'INVALID_FRAME') && e.details.reason === 'invalid-utf8') {
      const path = findInvalidUtf8(bytes, typeName, root) ?? 'a string field';
      this.#s.error('INVALID_UTF8', `${what} cannot be parsed: ${path} is not valid UTF-8`);
    } else {
      this.#s.error('UNREADABLE_FRAME', `${what} cannot be parsed: ${isBackupError(e) ? e.message : String(e)}`);
    }
  }

  /** Records the walk's findings: lone surrogates are errors, the rest unknown-field findings. */
  #scan(list: ScanFinding[]): void {
    for (const u of list) {
      if (u.kind === 'utf16') {
        this.#s.error('INVALID_UTF8', u.message);
        continue;
      }
      if (this.#unknown.length >= this.#s.maxFindings) continue;
      this.#unknown.push({
        code: u.kind === 'field' ? 'UNKNOWN_FIELD' : 'UNKNOWN_ENUM_VALUE',
        frame: this.#s.frameIndex,
        frameType: this.#s.frameType,
        message: u.message,
      });
    }
  }
}
