/**
 * BackupWriter: the one call an app makes to turn its data into an encrypted Signal backup.
 * It puts the frames in the order the format requires (AccountData; recipients; chats; sticker
 * packs; ad-hoc calls; notification profiles; chat folders; chat items — Desktop's export order,
 * Signal-Desktop ts/services/backups/export.preload.ts), applies the exclusion policy of the
 * purpose, checks each frame it writes with the validator's rules (every reference points
 * backwards, and the rest of docs/format.md §8.3), encrypts with the container writer, and lists
 * the media the backup references for the incremental planner.
 *
 * Streaming: inputs may be async iterables; chat items are encoded, encrypted and forgotten one at
 * a time. Memory grows with recipients, chats and distinct media, never with chat items.
 */

import type { CryptoBackend } from '../backends/types.js';
import { type EncryptBackupOptions, encryptBackupStream, type PaddingScheme } from '../container/writer.js';
import { type BackupInfo, encodeBackupInfo, encodeFrame, type Frame } from '../frames/codec.js';
import { delimit } from '../frames/stream.js';
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
import type { StoreLayout } from '../incremental/plan.js';
import { concatByteList } from '../internal/bytes.js';
import { createBackupMetadata } from '../keys/forwardSecrecy.js';
import type { BackupMetadata } from '../keys/metadata.js';
import { deriveBackupKey } from '../keys/hierarchy.js';
import { type BackupKeyInput, isRecoveryKeyInput, resolveMessageBackupKey } from '../keys/input.js';
import { normalizeRecoveryKey } from '../keys/recoveryKey.js';
import { assertPurpose, type BackupPurpose, ExclusionPolicy, type ExclusionReport } from '../policy/exclusions.js';
import { randomBytes, type RandomSource } from '../random.js';
import { assertRecord, FrameGuard } from '../validate/guard.js';
import { type BackupMedia, MediaCollector } from './media.js';

/** A list of records, given at once or streamed. */
export type Records<T> = Iterable<T> | AsyncIterable<T>;

/** What goes into a backup. Every list is optional except the account. */
export interface BackupContent {
  /** The header. `backupTimeMs` is the time the exclusion rules judge against; `mediaRootBackupKey` must be 32 bytes. */
  backupInfo: BackupInfo;
  /** The account's settings and profile (the AccountData frame, written first); required. */
  account: AccountData;
  /** Recipients (contacts, groups, call links, ...), written before the chats that refer to them. */
  recipients?: Records<Recipient>;
  /** Chats, each referring to a recipient given before it. */
  chats?: Records<Chat>;
  /** Installed sticker packs. */
  stickerPacks?: Records<StickerPack>;
  /** Ad-hoc calls (call-link calls), each referring to a recipient given before it. */
  adHocCalls?: Records<AdHocCall>;
  /** Notification profiles. */
  notificationProfiles?: Records<NotificationProfile>;
  /** Chat folders. */
  chatFolders?: Records<ChatFolder>;
  /** Chat items in render order (oldest first). */
  chatItems?: Records<ChatItem>;
}

/** Options of {@link BackupWriter}. */
export interface BackupWriterOptions {
  /** `remote` (uploaded or local backups), `transfer` (device to device) or `takeout`. */
  purpose: BackupPurpose;
  /**
   * The key to encrypt with: the recovery key and ACI (with a forward-secrecy token, the modern
   * layout is written, with `metadata` or one fresh metadata pair), or a derived MessageBackupKey.
   */
  key: BackupKeyInput;
  /**
   * Forward-secrecy metadata for the header (encoded, e.g. from SVR-B, or decoded). When given,
   * the modern layout is written; with a recovery key it needs `key.forwardSecrecyToken`.
   */
  metadata?: Uint8Array | BackupMetadata;
  /** Which store the returned media's `mediaId` names: `media-tier` (default) or `local` (a backup folder). */
  mediaLayout?: StoreLayout;
  /** List media-tier thumbnails for images and videos (paid tier). Default false. */
  thumbnails?: boolean;
  /** Called about every 1000 chat items and at the end. */
  onProgress?: (progress: BackupWriteProgress) => void;
  /** How many touched items the exclusion report lists (counts stay exact). */
  maxReportEntries?: number;
  /** Container: gzip level, 0 (stored) to 9; default 6. */
  level?: number;
  /** Container: padding scheme, `randomized` (default), `bucketed` or `none`. */
  padding?: PaddingScheme;
  /** Container: estimated total uncompressed length in bytes (e.g. the previous backup's), to space the flush points. */
  estimatedTotalLength?: number;
  /** Container: fixed 16-byte IV (tests and vectors only); random when absent. */
  iv?: Uint8Array;
  /** Random source for the IV, the padding and new forward-secrecy salts; secure when absent. */
  random?: RandomSource;
  /** Crypto backend; the runtime's fastest when absent. */
  backend?: CryptoBackend;
}

/** Progress of a write. */
export interface BackupWriteProgress {
  /** Frames written so far (BackupInfo not counted). */
  frames: number;
  /** Chat items read from the input so far (kept or not). */
  chatItemsRead: number;
  /** Encrypted bytes produced so far. */
  bytes: number;
}

/** What a finished write reports. */
export interface BackupWriteResult {
  /** The purpose the backup was written for (its exclusion rules). */
  purpose: BackupPurpose;
  /** Size of the encrypted file (of the plaintext, for {@link BackupWriter.plaintext}). */
  bytes: number;
  /** Total size of the encoded frames (BackupInfo and length prefixes not counted): the uncompressed content. */
  frameBytes: number;
  /** Frames written (BackupInfo not counted). */
  frames: number;
  /** Chat items read from the input (kept or not). */
  chatItemsRead: number;
  /** Chat items written (read minus those the exclusion policy dropped). */
  chatItemsWritten: number;
  /** What the exclusion policy dropped and stripped. */
  exclusions: ExclusionReport;
  /** The media the backup references, one per media name, ready for `planMedia`. */
  media: BackupMedia[];
  /** The forward-secrecy metadata written in the header (modern layout), if any. */
  metadata?: Uint8Array | BackupMetadata;
}

const PROGRESS_EVERY = 1000;
/** Length of the forward-secrecy token and of each metadata salt (docs/format.md §3). */
const TOKEN_LENGTH = 32;

async function* records<T>(list: Records<T> | undefined, name: string): AsyncGenerator<T> {
  if (list === undefined) return;
  if (typeof list !== 'object' || list === null || !(Symbol.iterator in list || Symbol.asyncIterator in list)) {
    throw new TypeError(`"${name}" expected an array or an iterable`);
  }
  yield* list as AsyncIterable<T>;
}

function resolveKey(
  input: BackupKeyInput,
  metadata: Uint8Array | BackupMetadata | undefined,
  random: RandomSource | undefined,
): Pick<EncryptBackupOptions, 'key' | 'metadata'> {
  const key = resolveMessageBackupKey(input);
  if (!isRecoveryKeyInput(input)) return { key, ...(metadata === undefined ? {} : { metadata }) };
  const token = input.forwardSecrecyToken;
  if (token === undefined) {
    if (metadata !== undefined) throw new TypeError('"metadata" needs "key.forwardSecrecyToken"');
    return { key };
  }
  const backupKey = deriveBackupKey(normalizeRecoveryKey(input.recoveryKey));
  return {
    key,
    metadata:
      metadata ??
      createBackupMetadata(
        backupKey,
        token,
        [{ encSalt: randomBytes(TOKEN_LENGTH, random), pwSalt: randomBytes(TOKEN_LENGTH, random) }],
        random === undefined ? {} : { random },
      ),
  };
}

/**
 * Writes encrypted backups. One writer can write several backups with the same options.
 *
 * @example
 * const writer = new BackupWriter({ purpose: 'remote', key: { recoveryKey, aci } });
 * const { bytes, result } = await writer.writeToBytes({ backupInfo, account, recipients, chats, chatItems });
 */
export class BackupWriter {
  readonly #options: BackupWriterOptions;

  /**
   * @throws {TypeError} for an unknown purpose or a malformed option.
   */
  constructor(options: BackupWriterOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
    assertPurpose(options.purpose);
    if (options.mediaLayout !== undefined && !['media-tier', 'local'].includes(options.mediaLayout)) {
      throw new TypeError(`"mediaLayout" expected media-tier or local, got ${String(options.mediaLayout)}`);
    }
    this.#options = options;
  }

  /**
   * Writes one backup, giving each chunk of the encrypted file to `sink` as it is ready (waiting
   * for it when it returns a promise).
   *
   * @throws {BackupError} `ORDER_VIOLATION` naming the first record that refers to a recipient or
   *   chat not given before it; `INVALID_BACKUP` naming the first record the validator rejects
   *   (`details.finding` is its code, docs/format.md §8.3: a duplicate id, a missing account, not
   *   exactly one Self recipient, a bad BackupInfo, …). Chat items are checked as written, after the
   *   exclusion policy. The sink may have received part of the file by then: write to a temporary place.
   * @throws {TypeError | RangeError} for malformed options, keys or records.
   */
  async writeTo(content: BackupContent, sink: (chunk: Uint8Array) => void | Promise<void>): Promise<BackupWriteResult> {
    if (typeof sink !== 'function') throw new TypeError('"sink" expected a function');
    const o = this.#options;
    const run = this.#prepare(content);
    const { key, metadata } = resolveKey(o.key, o.metadata, o.random);
    const stream = encryptBackupStream(run.info, run.frames(), {
      key,
      ...(metadata === undefined ? {} : { metadata }),
      ...(o.level === undefined ? {} : { level: o.level }),
      ...(o.padding === undefined ? {} : { padding: o.padding }),
      ...(o.estimatedTotalLength === undefined ? {} : { estimatedTotalLength: o.estimatedTotalLength }),
      ...(o.iv === undefined ? {} : { iv: o.iv }),
      ...(o.random === undefined ? {} : { random: o.random }),
      ...(o.backend === undefined ? {} : { backend: o.backend }),
    });
    for await (const chunk of stream) {
      run.progress.bytes += chunk.length;
      await sink(chunk);
    }
    o.onProgress?.({ ...run.progress });
    return { ...run.result(), ...(metadata === undefined ? {} : { metadata }) };
  }

  /**
   * The backup's plaintext, unencrypted: `varint(len) || BackupInfo`, then `varint(len) || Frame`
   * for each frame (a `.binproto`, what `createLocalBackup` and libsignal's comparator read),
   * with the same ordering checks and exclusion policy as {@link writeTo}. `onResult` receives the
   * report at the end (`bytes` is then the plaintext length).
   *
   * @throws {BackupError | TypeError | RangeError} as {@link BackupWriter.writeTo}, while iterating.
   */
  async *plaintext(content: BackupContent, onResult?: (result: BackupWriteResult) => void): AsyncGenerator<Uint8Array> {
    const run = this.#prepare(content);
    const info = delimit(run.info);
    run.progress.bytes += info.length;
    yield info;
    for await (const frame of run.frames()) {
      const out = delimit(frame);
      run.progress.bytes += out.length;
      yield out;
    }
    this.#options.onProgress?.({ ...run.progress });
    onResult?.(run.result());
  }

  #prepare(content: BackupContent) {
    const o = this.#options;
    if (typeof content !== 'object' || content === null) throw new TypeError('"content" expected an object');
    const guard = new FrameGuard(o.purpose);
    const info = guard.backupInfo(content.backupInfo);
    const backupTimeMs = BigInt(info.backupTimeMs ?? 0);
    const policy = new ExclusionPolicy(
      o.purpose,
      backupTimeMs,
      o.maxReportEntries === undefined ? {} : { maxEntries: o.maxReportEntries },
    );
    const collector = new MediaCollector(
      info.mediaRootBackupKey as Uint8Array,
      o.mediaLayout ?? 'media-tier',
      o.thumbnails === true,
    );
    const progress: BackupWriteProgress = { frames: 0, chatItemsRead: 0, bytes: 0 };
    let written = 0;
    let frameBytes = 0;

    async function* frames(): AsyncGenerator<Uint8Array> {
      const emit = (frame: Frame) => {
        progress.frames++;
        const bytes = encodeFrame(frame);
        frameBytes += bytes.length;
        return bytes;
      };
      yield emit(guard.add('account', content.account));
      for await (const r of records(content.recipients, 'recipients')) {
        const frame = guard.add('recipient', r);
        collector.add(r, 0);
        yield emit(frame);
      }
      for await (const c of records(content.chats, 'chats')) {
        const frame = guard.add('chat', c);
        collector.add(c, 0);
        yield emit(frame);
      }
      for await (const s of records(content.stickerPacks, 'stickerPacks')) yield emit(guard.add('stickerPack', s));
      for await (const a of records(content.adHocCalls, 'adHocCalls')) yield emit(guard.add('adHocCall', a));
      for await (const n of records(content.notificationProfiles, 'notificationProfiles')) {
        yield emit(guard.add('notificationProfile', n));
      }
      for await (const f of records(content.chatFolders, 'chatFolders')) yield emit(guard.add('chatFolder', f));
      for await (const item of records(content.chatItems, 'chatItems')) {
        progress.chatItemsRead++;
        assertRecord(item, 'chatItem');
        const kept = policy.apply(item);
        if (kept !== undefined) {
          const frame = guard.add('chatItem', kept);
          collector.add(kept, Number(kept.dateSent ?? 0));
          written++;
          yield emit(frame);
        }
        if (progress.chatItemsRead % PROGRESS_EVERY === 0) o.onProgress?.({ ...progress });
      }
      guard.finish();
    }

    const result = (): BackupWriteResult => ({
      purpose: o.purpose,
      bytes: progress.bytes,
      frameBytes,
      frames: progress.frames,
      chatItemsRead: progress.chatItemsRead,
      chatItemsWritten: written,
      exclusions: policy.report,
      media: collector.list(),
    });
    return { info: encodeBackupInfo(info), frames, progress, result };
  }

  /**
   * Writes one backup into memory.
   * @throws {BackupError | TypeError | RangeError} as {@link BackupWriter.writeTo}.
   */
  async writeToBytes(content: BackupContent): Promise<{
    /** The whole encrypted backup file. */
    bytes: Uint8Array;
    /** The write's report, as {@link BackupWriter.writeTo} returns it. */
    result: BackupWriteResult;
  }> {
    const parts: Uint8Array[] = [];
    const result = await this.writeTo(content, (c) => {
      parts.push(c);
    });
    return { bytes: concatByteList(parts), result };
  }
}
