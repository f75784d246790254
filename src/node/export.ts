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

/** Output formats of {@link exportToDirectory}. */
export type ExportFormat = 'html' | 'json' | 'jsonl';

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
  if ((await stat(directory).catch(() => undefined)) !== undefined) {
    throw Object.assign(new Error(`EEXIST: ${directory} exists`), { code: 'EEXIST', path: directory });
  }
  const tmp = join(dirname(directory), `.${basename(directory)}.${randomBytes(6).toString('hex')}.partial`);
  await mkdir(tmp, { mode: DIR_MODE });
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
        ? new HtmlArchive(options.pageSize === undefined ? {} : { pageSize: options.pageSize })
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
      const full = join(tmp, ...rel.split('/'));
      await mkdir(dirname(full), { recursive: true, mode: DIR_MODE });
      const handle = await open(full, 'wx', FILE_MODE);
      let bytes = 0;
      try {
        for await (const chunk of source as AsyncIterable<Uint8Array>) {
          for (let off = 0; off < chunk.length; )
            off += (await handle.write(chunk, off, chunk.length - off)).bytesWritten;
          bytes += chunk.length;
        }
        await handle.close();
      } catch (e) {
        await handle.close().catch(() => {});
        await rm(full, { force: true });
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
