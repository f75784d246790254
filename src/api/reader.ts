/**
 * BackupReader: opens an encrypted backup (MAC verified before any frame is released), gives the
 * BackupInfo, then the typed frames as an async iterable, and helps with what an importer needs
 * next: recipients and chats by id, and each attachment's media name, media id and local file name.
 */

import type { CryptoBackend } from '../backends/types.js';
import { BackupError } from '../errors.js';
import { openBackup, type OpenedBackup } from '../container/reader.js';
import type { RereadableSource } from '../container/sources.js';
import { type BackupInfo, decodeBackupInfo, decodeFrame, type Frame } from '../frames/codec.js';
import type {
  AccountData,
  AdHocCall,
  Chat,
  ChatFolder,
  ChatItem,
  FilePointer,
  NotificationProfile,
  Recipient,
  StickerPack,
} from '../frames/schema.js';
import type { BackupMetadata } from '../keys/metadata.js';
import { deriveMediaId } from '../keys/hierarchy.js';
import type { BackupKeyInput } from '../keys/input.js';
import type { BackupContent } from './writer.js';
import { localBackupFileName, mediaIdToBase64Url, mediaName } from '../media/names.js';

/** Options of {@link BackupReader.open}. */
export interface BackupReaderOptions {
  /** The key: the recovery key and ACI (with the token of a modern file), or a derived MessageBackupKey. */
  key: BackupKeyInput;
  /** As `OpenBackupOptions.maxDecompressedBytes` (`sbackup/container`). */
  maxDecompressedBytes?: number;
  /** As `OpenBackupOptions.maxFrameBytes` (`sbackup/container`). */
  maxFrameBytes?: number;
  /** As `OpenBackupOptions.backend` (`sbackup/container`). */
  backend?: CryptoBackend;
}

/** The names of one attachment in each place it can be stored. */
export interface AttachmentNames {
  /** `hex(plaintextHash || key)` (192 characters). */
  mediaName: string;
  /** The media id on the media tier (15 bytes). */
  mediaId: Uint8Array;
  /** The media id as unpadded base64url (its object name on the media tier). */
  mediaIdBase64Url: string;
  /** The file name in a local backup folder, when the pointer has a localKey. */
  localFileName?: string;
}

/**
 * A whole backup in memory (for tests and small backups; large ones should stream `frames()`).
 * It is a {@link BackupContent}: `writer.write(await reader.readAll())` writes it again.
 */
export interface RestoredBackup extends BackupContent {
  /** The decoded header. */
  backupInfo: BackupInfo;
  /** The AccountData frame. */
  account: AccountData;
  /** The recipient frames, in file order. */
  recipients: Recipient[];
  /** The chat frames, in file order. */
  chats: Chat[];
  /** The sticker pack frames, in file order. */
  stickerPacks: StickerPack[];
  /** The ad-hoc call frames, in file order. */
  adHocCalls: AdHocCall[];
  /** The notification profile frames, in file order. */
  notificationProfiles: NotificationProfile[];
  /** The chat folder frames, in file order. */
  chatFolders: ChatFolder[];
  /** The chat item frames, in file order. */
  chatItems: ChatItem[];
}

/** `BackupInfo.mediaRootBackupKey` is 32 bytes (docs/format.md §8.2; libsignal rust/message-backup/src/backup.rs). */
const MEDIA_ROOT_KEY_LENGTH = 32;

/** Reads one encrypted backup. Create it with {@link BackupReader.open}. */
export class BackupReader {
  /** The decoded header. */
  readonly backupInfo: BackupInfo;
  /** `modern` (with the forward-secrecy header) or `legacy`. */
  readonly layout: OpenedBackup['layout'];
  /** The forward-secrecy metadata of a modern file. */
  readonly metadata: BackupMetadata | undefined;
  readonly #opened: OpenedBackup;
  readonly #recipients = new Map<bigint, Recipient>();
  readonly #chats = new Map<bigint, Chat>();

  private constructor(opened: OpenedBackup) {
    this.#opened = opened;
    this.layout = opened.layout;
    this.metadata = opened.metadata;
    this.backupInfo = decodeBackupInfo(opened.backupInfo);
  }

  /**
   * Opens a backup: verifies its MAC over the whole source, then decodes the BackupInfo.
   *
   * @param source the encrypted file: bytes, a Blob, or a re-openable source.
   * @throws {BackupError} `MAC_MISMATCH` (wrong key, token or damaged file), `NOT_A_BACKUP`,
   *   `TRUNCATED`, `UNSUPPORTED_VERSION`, `INVALID_METADATA`, `INVALID_FRAME` (BackupInfo does not parse).
   * @throws {TypeError | RangeError} for a malformed key or option.
   */
  static async open(source: RereadableSource, options: BackupReaderOptions): Promise<BackupReader> {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
    const opened = await openBackup(source, options);
    return new BackupReader(opened);
  }

  /**
   * The frames in file order, decoded; iterate once. Recipients and chats are remembered as they
   * pass, for {@link recipient} and {@link chat}.
   *
   * @throws {BackupError} from the container (`BAD_PADDING`, `DECOMPRESSION_FAILED`, `LIMIT_EXCEEDED`,
   *   `TRUNCATED_FRAME`, `MAC_MISMATCH` if the source changed) or `INVALID_FRAME`.
   */
  async *frames(): AsyncGenerator<Frame> {
    for await (const bytes of this.#opened.frames) {
      const frame = decodeFrame(bytes);
      if (frame.recipient != null) this.#recipients.set(BigInt(frame.recipient.id ?? 0), frame.recipient);
      else if (frame.chat != null) this.#chats.set(BigInt(frame.chat.id ?? 0), frame.chat);
      yield frame;
    }
  }

  /** The recipient with this id, once its frame has been read. */
  recipient(id: bigint | number): Recipient | undefined {
    return this.#recipients.get(BigInt(id));
  }

  /** The chat with this id, once its frame has been read. */
  chat(id: bigint | number): Chat | undefined {
    return this.#chats.get(BigInt(id));
  }

  /**
   * The names of an attachment (media name, media id, local file name), or undefined when the
   * pointer has no 64-byte key and 32-byte plaintextHash (an attachment that cannot be backed up).
   *
   * @throws {BackupError} `INVALID_BACKUP` when the backup's `mediaRootBackupKey` is not 32 bytes.
   */
  attachmentNames(pointer: FilePointer): AttachmentNames | undefined {
    const li = pointer?.locatorInfo;
    const key = li?.key;
    const hash = li?.plaintextHash;
    if (!(key instanceof Uint8Array) || key.length !== 64 || !(hash instanceof Uint8Array) || hash.length !== 32) {
      return undefined;
    }
    const rootKey = this.backupInfo.mediaRootBackupKey;
    if (!(rootKey instanceof Uint8Array) || rootKey.length !== MEDIA_ROOT_KEY_LENGTH) {
      throw new BackupError(
        'INVALID_BACKUP',
        `the backup's mediaRootBackupKey is ${rootKey instanceof Uint8Array ? `${rootKey.length} bytes` : 'missing'} (expected ${MEDIA_ROOT_KEY_LENGTH}): media names cannot be derived`,
      );
    }
    const name = mediaName(hash, key);
    const id = deriveMediaId(rootKey, name);
    const localKey = li?.localKey;
    return {
      mediaName: name,
      mediaId: id,
      mediaIdBase64Url: mediaIdToBase64Url(id),
      ...(localKey instanceof Uint8Array && localKey.length > 0
        ? { localFileName: localBackupFileName(hash, localKey) }
        : {}),
    };
  }

  /**
   * Reads every frame into memory, sorted by kind.
   * @throws {BackupError} as {@link frames}; `INVALID_BACKUP` when the backup has no AccountData frame.
   */
  async readAll(): Promise<RestoredBackup> {
    return collectBackup(this.backupInfo, this.frames(), 'the backup');
  }
}

/**
 * Sorts a backup's frames by kind into a {@link RestoredBackup} (internal: {@link BackupReader.readAll}
 * and the CLI's `.binproto` reader share it).
 * @param what names the input in the error message.
 * @throws {BackupError} `INVALID_BACKUP` when there is no AccountData frame.
 */
export async function collectBackup(
  backupInfo: BackupInfo,
  frames: AsyncIterable<Frame> | Iterable<Frame>,
  what: string,
): Promise<RestoredBackup> {
  let account: AccountData | undefined;
  const out: Omit<RestoredBackup, 'account'> = {
    backupInfo,
    recipients: [],
    chats: [],
    stickerPacks: [],
    adHocCalls: [],
    notificationProfiles: [],
    chatFolders: [],
    chatItems: [],
  };
  for await (const f of frames) {
    if (f.account != null) account = f.account;
    else if (f.recipient != null) out.recipients.push(f.recipient);
    else if (f.chat != null) out.chats.push(f.chat);
    else if (f.stickerPack != null) out.stickerPacks.push(f.stickerPack);
    else if (f.adHocCall != null) out.adHocCalls.push(f.adHocCall);
    else if (f.notificationProfile != null) out.notificationProfiles.push(f.notificationProfile);
    else if (f.chatFolder != null) out.chatFolders.push(f.chatFolder);
    else if (f.chatItem != null) out.chatItems.push(f.chatItem);
  }
  if (account === undefined) throw new BackupError('INVALID_BACKUP', `${what} has no AccountData frame`);
  return { ...out, account };
}
