/**
 * Writes a people-shaped export (`sbackup/export`) to a directory: HTML archive, JSON or JSON
 * Lines, plus the media, decrypted and checked by the caller's media source, each written once
 * under `<chat>/<date>-<n>-<file name>`. Everything goes to a temporary sibling directory that
 * is renamed to the target at the end; on failure it is removed and nothing is left. Files are
 * created 0600 and directories 0700 (they hold plaintext). A medium that is missing or fails its
 * checks is listed in the summary, not fatal.
 */

import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isBackupError } from '../errors.js';
import { chatDirectoryName, HtmlArchive } from '../export/html.js';
import { recordsToJson, recordsToJsonLines } from '../export/json.js';
import type { ExportAttachment, ExportChat, ExportMessage, ExportRecord } from '../export/model.js';
import { filePointersOf, TAKEOUT_METADATA, TakeoutExporter, takeoutFrameLine } from '../export/takeout.js';
import type { BackupInfo, Frame } from '../frames/codec.js';
import type { FilePointer } from '../frames/schema.js';
import { toHex } from '../internal/bytes.js';
import { localBackupFileName, mediaName } from '../media/names.js';

/**
 * Output formats: `html`, `json` and `jsonl` are written by {@link exportToDirectory}, `signal`
 * (Signal's own plaintext export layout) by {@link exportTakeoutToDirectory}.
 */
export type ExportFormat = 'html' | 'json' | 'jsonl' | 'signal';

/**
 * The plaintext of one medium (checked against its plaintext hash by the source), or undefined
 * when the source does not have it.
 */
export type ExportMediaSource = (
  attachment: ExportAttachment,
) => MediaBytes | undefined | Promise<MediaBytes | undefined>;

/** The plaintext of a medium, in chunks. */
export type MediaBytes = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Options of {@link exportToDirectory}. */
export interface ExportToDirectoryOptions {
  /** HTML archive, one JSON document (`export.json`) or JSON Lines (`export.jsonl`). */
  format: ExportFormat;
  /** Media plaintexts; without it (or with `media: false`) no medium is written. */
  media?: ExportMediaSource | false;
  /** Messages per HTML page (default 1000). */
  pageSize?: number;
  /** IANA time zone of the dates and times in the HTML pages (default `UTC`), e.g. `Europe/Berlin`. */
  timeZone?: string;
  /** Called after each message record. */
  onProgress?: (messages: number) => void;
}

/** A medium that was not written. */
export interface MissingMedium {
  /** Id of the chat of the message that has the medium. */
  chatId: string;
  /** Id of the message that has the medium ({@link ExportMessage.id}). */
  messageId: string;
  /** The attachment's file name, when it has one. */
  fileName?: string;
  /** The attachment's MIME type, when it has one. */
  contentType?: string;
  /** `NOT_IN_BACKUP` (never downloaded), `NOT_FOUND` (the source lacks it) or the BackupError code of its check. */
  reason: string;
}

/** What {@link exportToDirectory} wrote. */
export interface ExportSummary {
  /** The format written. */
  format: ExportFormat;
  /** The target directory, as given. */
  directory: string;
  /** Chat records written. */
  chats: number;
  /** Messages written. */
  messages: number;
  /** The media: files written, their total plaintext size, and those not written. */
  media: {
    /** Media files written (a medium shared by several messages is written once). */
    written: number;
    /** Total bytes of the media files written. */
    bytes: number;
    /** Media not written and why (none are listed when no media source was given). */
    missing: MissingMedium[];
  };
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'audio/aac': 'aac',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/mp4': 'm4a',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/x-signal-plain': 'txt',
};

/**
 * Longest file name written, in UTF-8 bytes: file systems limit names to 255 bytes (ext4, APFS,
 * NTFS in UTF-16 units), and the writer puts `<YYYY-MM-DD>-<n>-` before it.
 */
const MAX_NAME_BYTES = 200;
const encoder = new TextEncoder();

/** `name` cut to at most `max` UTF-8 bytes, at a code point boundary. */
function cutToBytes(name: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const c of name) {
    bytes += encoder.encode(c).length;
    if (bytes > max) break;
    out += c;
  }
  return out;
}

/**
 * A file name safe on every common file system: no separators, controls or reserved characters,
 * no leading dot (so never `.` or `..`), at most {@link MAX_NAME_BYTES} bytes. Internal; exported
 * for its test.
 */
export function safeFileName(a: Pick<ExportAttachment, 'fileName' | 'contentType'>): string {
  const ext = EXTENSIONS[a.contentType ?? ''] ?? 'bin';
  const raw = a.fileName ?? `attachment.${ext}`;
  let name = basename(raw.replace(/\\/g, '/'))
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_')
    .replace(/^\.+/, '')
    .trim();
  if (name === '') name = `attachment.${ext}`;
  if (name.length > 100 || encoder.encode(name).length > MAX_NAME_BYTES) {
    const dot = name.lastIndexOf('.');
    const tail = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
    const head = name.slice(0, name.length - tail.length);
    name =
      cutToBytes([...head].slice(0, 100 - tail.length).join(''), MAX_NAME_BYTES - encoder.encode(tail).length) + tail;
  }
  return name;
}

/** Appends buffered text to files, flushing when the buffer grows (bounded memory). */
class Appender {
  readonly #buffers = new Map<string, string[]>();
  #size = 0;
  constructor(private readonly root: string) {}

  async add(path: string, text: string): Promise<void> {
    let list = this.#buffers.get(path);
    if (list === undefined) {
      list = [];
      this.#buffers.set(path, list);
    }
    list.push(text);
    this.#size += text.length;
    if (this.#size > 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    for (const [path, list] of this.#buffers) {
      const full = join(this.root, ...path.split('/'));
      await mkdir(dirname(full), { recursive: true, mode: DIR_MODE });
      await appendFile(full, list.join(''), { mode: FILE_MODE });
    }
    this.#buffers.clear();
    this.#size = 0;
  }
}

/** The media of a message that can have files. */
function* mediaOf(m: ExportMessage): Generator<ExportAttachment> {
  yield* m.attachments;
  if (m.longText !== undefined) yield m.longText;
  if (m.sticker?.image !== undefined) yield m.sticker.image;
  if (m.contact?.avatar !== undefined) yield m.contact.avatar;
  for (const l of m.linkPreviews) if (l.image !== undefined) yield l.image;
  for (const r of m.revisions) yield* r.attachments;
}

/** Creates the temporary sibling of `directory` (which must not exist) that is renamed to it at the end. */
async function temporaryDirectory(directory: string): Promise<string> {
  if ((await stat(directory).catch(() => undefined)) !== undefined) {
    throw Object.assign(new Error(`EEXIST: ${directory} exists`), { code: 'EEXIST', path: directory });
  }
  const tmp = join(dirname(directory), `.${basename(directory)}.${randomBytes(6).toString('hex')}.partial`);
  await mkdir(tmp, { mode: DIR_MODE });
  return tmp;
}

/** Writes a medium's chunks to a new file; on failure the file is removed and the error thrown. */
async function writeChunks(full: string, source: MediaBytes): Promise<number> {
  await mkdir(dirname(full), { recursive: true, mode: DIR_MODE });
  const handle = await open(full, 'wx', FILE_MODE);
  let bytes = 0;
  try {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      for (let off = 0; off < chunk.length; ) off += (await handle.write(chunk, off, chunk.length - off)).bytesWritten;
      bytes += chunk.length;
    }
    await handle.close();
  } catch (e) {
    await handle.close().catch(() => {});
    await rm(full, { force: true });
    throw e;
  }
  return bytes;
}

/**
 * Writes `records` to `directory` (which must not exist) in `format`, with the media from
 * `options.media`. Returns a summary; missing media are listed there.
 *
 * @throws the file-system error (`EEXIST` when `directory` exists), or the error of the records
 *   (e.g. a `BackupError` from the backup); nothing is left behind then.
 */
export async function exportToDirectory(
  directory: string,
  records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>,
  options: ExportToDirectoryOptions,
): Promise<ExportSummary> {
  const { format } = options;
  if (format !== 'html' && format !== 'json' && format !== 'jsonl') {
    throw new RangeError(`"format" expected html, json or jsonl, got ${String(format)}`);
  }
  const tmp = await temporaryDirectory(directory);
  const summary: ExportSummary = {
    format,
    directory,
    chats: 0,
    messages: 0,
    media: { written: 0, bytes: 0, missing: [] },
  };
  try {
    const appender = new Appender(tmp);
    const html =
      format === 'html'
        ? new HtmlArchive({
            ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
            ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
          })
        : undefined;
    const chatDirs = new Map<string, string>();
    const written = new Map<string, string>();
    const counters = new Map<string, number>();
    const usedNames = new Set<string>();
    const media = options.media === false ? undefined : options.media;

    const writeMedium = async (a: ExportAttachment, m: ExportMessage, chatDir: string): Promise<void> => {
      const missing = (reason: string): void => {
        summary.media.missing.push({
          chatId: m.chatId,
          messageId: m.id,
          ...(a.fileName === undefined ? {} : { fileName: a.fileName }),
          ...(a.contentType === undefined ? {} : { contentType: a.contentType }),
          reason,
        });
      };
      if (media === undefined) return;
      if (!a.present || a.plaintextHash === undefined) return missing('NOT_IN_BACKUP');
      const done = written.get(a.plaintextHash);
      if (done !== undefined) {
        a.path = done;
        return;
      }
      const source = await media(a);
      if (source === undefined) return missing('NOT_FOUND');
      const n = (counters.get(chatDir) ?? 0) + 1;
      counters.set(chatDir, n);
      let rel = `${chatDir}/${m.sent.slice(0, 10)}-${n}-${safeFileName(a)}`;
      for (let k = 2; usedNames.has(rel.toLowerCase()); k++)
        rel = `${chatDir}/${m.sent.slice(0, 10)}-${n}-${k}-${safeFileName(a)}`;
      usedNames.add(rel.toLowerCase());
      let bytes: number;
      try {
        bytes = await writeChunks(join(tmp, ...rel.split('/')), source);
      } catch (e) {
        usedNames.delete(rel.toLowerCase());
        if (isBackupError(e)) return missing(e.code);
        throw e;
      }
      written.set(a.plaintextHash, rel);
      a.path = rel;
      summary.media.written++;
      summary.media.bytes += bytes;
    };

    async function* prepared(): AsyncGenerator<ExportRecord> {
      for await (const r of records) {
        if (r.type === 'chat') {
          chatDirs.set(r.id, chatDirectoryName(r as ExportChat));
          summary.chats++;
        } else if (r.type === 'message') {
          const chatDir = chatDirs.get(r.chatId) ?? `chat-${r.chatId}`;
          for (const a of mediaOf(r)) await writeMedium(a, r, chatDir);
          summary.messages++;
          options.onProgress?.(summary.messages);
        }
        yield r;
      }
    }

    if (html !== undefined) {
      for await (const r of prepared()) for (const c of html.push(r)) await appender.add(c.path, c.text);
      for (const c of html.finish()) await appender.add(c.path, c.text);
    } else {
      const name = format === 'json' ? 'export.json' : 'export.jsonl';
      const chunks = format === 'json' ? recordsToJson(prepared()) : recordsToJsonLines(prepared());
      for await (const text of chunks) await appender.add(name, text);
    }
    await appender.flush();
    await rename(tmp, directory);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return summary;
}

/** Options of {@link exportTakeoutToDirectory}. */
export interface TakeoutToDirectoryOptions {
  /** Media plaintexts; without it (or with `media: false`) no medium is written. */
  media?: ExportMediaSource | false;
  /** Called after each chat item read. */
  onProgress?: (chatItems: number) => void;
}

/** A FilePointer as the media source takes it (the fields {@link ExportAttachment} has). */
function attachmentOfPointer(p: FilePointer): ExportAttachment {
  const li = p.locatorInfo;
  const key = li?.key;
  const hash = li?.plaintextHash;
  const localKey = li?.localKey;
  const present = key instanceof Uint8Array && key.length === 64 && hash instanceof Uint8Array && hash.length === 32;
  return {
    ...(p.contentType ? { contentType: p.contentType } : {}),
    ...(p.fileName ? { fileName: p.fileName } : {}),
    size: li?.size ?? 0,
    present,
    ...(present
      ? {
          plaintextHash: toHex(hash),
          mediaName: mediaName(hash, key),
          ...(localKey instanceof Uint8Array && localKey.length > 0
            ? { localFileName: localBackupFileName(hash, localKey) }
            : {}),
        }
      : {}),
  };
}

/** The extension of a medium in Signal's export: the file name's, else the content type's. */
function takeoutExtension(a: ExportAttachment): string {
  const fromName = /\.([A-Za-z0-9]{1,10})$/.exec(a.fileName ?? '')?.[1];
  if (fromName !== undefined) return `.${fromName.toLowerCase()}`;
  const fromType = EXTENSIONS[a.contentType ?? ''];
  return fromType === undefined ? '' : `.${fromType}`;
}

/**
 * Writes Signal's own plaintext export layout (clients' notes §4.7) to `directory` (which must not
 * exist): `main.jsonl` (the lines of {@link TakeoutExporter}: equal to libsignal's
 * BackupJsonExporter, disappearing messages left out, view-once media stripped),
 * `metadata.json` (`{"version":1}`) and `files/<xx>/<name>.<ext>` decrypted, where `<name>` is
 * the medium's local-backup name (or its media-tier name without a local key) and `<xx>` its
 * first two characters. Media are written once each; missing ones are listed in the summary.
 * Written under a temporary name and renamed at the end; nothing is left on failure.
 *
 * @throws the file-system error (`EEXIST` when `directory` exists), or the error of the frames.
 */
export async function exportTakeoutToDirectory(
  directory: string,
  backupInfo: BackupInfo,
  frames: AsyncIterable<Frame> | Iterable<Frame>,
  options: TakeoutToDirectoryOptions = {},
): Promise<ExportSummary> {
  const exporter = new TakeoutExporter(backupInfo);
  const tmp = await temporaryDirectory(directory);
  const summary: ExportSummary = {
    format: 'signal',
    directory,
    chats: 0,
    messages: 0,
    media: { written: 0, bytes: 0, missing: [] },
  };
  const media = options.media === false ? undefined : options.media;
  try {
    const appender = new Appender(tmp);
    await appender.add('main.jsonl', exporter.firstLine);
    const seen = new Set<string>();
    let itemIndex = -1;
    for await (const frame of frames) {
      if (frame.chatItem != null) {
        itemIndex++;
        options.onProgress?.(itemIndex + 1);
      }
      const kept = exporter.sanitize(frame);
      if (kept === undefined) continue;
      await appender.add('main.jsonl', `${takeoutFrameLine(kept)}\n`);
      if (kept.chat != null) summary.chats++;
      if (kept.chatItem != null) summary.messages++;
      if (media === undefined) continue;
      for (const pointer of filePointersOf(kept)) {
        const a = attachmentOfPointer(pointer);
        const missing = (reason: string): void => {
          summary.media.missing.push({
            chatId: String(kept.chatItem?.chatId ?? kept.chat?.id ?? ''),
            messageId: kept.chatItem == null ? '' : String(itemIndex),
            ...(a.fileName === undefined ? {} : { fileName: a.fileName }),
            ...(a.contentType === undefined ? {} : { contentType: a.contentType }),
            reason,
          });
        };
        if (!a.present) {
          missing('NOT_IN_BACKUP');
          continue;
        }
        const name = a.localFileName ?? a.mediaName!;
        const rel = `files/${name.slice(0, 2)}/${name}${takeoutExtension(a)}`;
        if (seen.has(rel)) continue;
        const source = await media(a);
        if (source === undefined) {
          missing('NOT_FOUND');
          continue;
        }
        try {
          summary.media.bytes += await writeChunks(join(tmp, ...rel.split('/')), source);
        } catch (e) {
          if (isBackupError(e)) {
            missing(e.code);
            continue;
          }
          throw e;
        }
        seen.add(rel);
        summary.media.written++;
      }
    }
    await appender.add('metadata.json', TAKEOUT_METADATA);
    await appender.flush();
    await rename(tmp, directory);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return summary;
}
