/**
 * The viewer's worker: opens the backup (MAC pass, then decryption), turns its frames into
 * people-shaped records (sbackup/export's model), keeps them in a compact per-chat index, and
 * answers the page: message ranges, decrypted media as Blobs, search, and an HTML export of one
 * chat. Keys and backup bytes never leave it.
 */

import { zipSync } from 'fflate';
import { BackupReader } from '../../src/api/reader.js';
import { isBackupError } from '../../src/errors.js';
import { chatDirectoryName, HtmlArchive } from '../../src/export/html.js';
import type { ExportAttachment, ExportChat, ExportMessage, ExportRecord } from '../../src/export/model.js';
import { exportRecords } from '../../src/export/model.js';
import { decodeFrame, type Frame } from '../../src/frames/codec.js';
import { BlobStorage } from '../../src/incremental/blobStorage.js';
import { type OpenedLocalSnapshot, openLocalSnapshot } from '../../src/incremental/localRead.js';
import type { BackupStorage } from '../../src/incremental/storage.js';
import { findBackupFolder } from './findFolder.js';
import type { ChatSummary, OpenKey, OpenSource, Request, Response, SearchHit } from './protocol.js';

interface ChatIndex {
  chat: ExportChat;
  /** Each message as compact JSON (see {@link pack}). */
  messages: string[];
  /** Lower-cased searchable text per message ("" when none). */
  text: string[];
  lastMs?: number;
  lastText?: string;
  lastAuthor?: string;
}

const post = (r: Response, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(r, transfer);

let chats = new Map<string, ChatIndex>();
let local: OpenedLocalSnapshot | undefined;
let account = '';

/** A message without what the index already knows or can rebuild (type, chat, ISO times, empty lists). */
function pack(m: ExportMessage): string {
  const o: Partial<ExportMessage> = { ...m };
  delete o.type;
  delete o.chatId;
  delete o.sent;
  delete o.received;
  for (const k of ['attachments', 'linkPreviews', 'reactions', 'revisions'] as const) {
    if (o[k]?.length === 0) delete o[k];
  }
  return JSON.stringify(o);
}

const iso = (ms: number) => {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
};

function unpack(chatId: string, s: string): ExportMessage {
  const o = JSON.parse(s) as ExportMessage;
  o.type = 'message';
  o.chatId = chatId;
  o.sent = iso(o.sentMs);
  if (o.receivedMs !== undefined) o.received = iso(o.receivedMs);
  o.attachments ??= [];
  o.linkPreviews ??= [];
  o.reactions ??= [];
  o.revisions ??= [];
  return o;
}

function searchText(m: ExportMessage): string {
  const parts: string[] = [];
  if (m.text !== undefined) parts.push(m.text.text);
  if (m.update !== undefined) parts.push(m.update.text);
  for (const a of m.attachments) {
    if (a.fileName !== undefined) parts.push(a.fileName);
    if (a.caption !== undefined) parts.push(a.caption);
  }
  if (m.poll !== undefined) parts.push(m.poll.question, ...m.poll.options.map((o) => o.text));
  if (m.quote?.text !== undefined) parts.push(m.quote.text.text);
  return parts.join('\n').toLowerCase();
}

/** What the chat list shows of a message. */
export function preview(m: ExportMessage): string {
  if (m.update !== undefined) return m.update.text;
  if (m.text !== undefined && m.text.text !== '') return m.text.text;
  if (m.poll !== undefined) return `📊 ${m.poll.question}`;
  if (m.sticker !== undefined) return `${m.sticker.emoji ?? ''} Sticker`.trim();
  if (m.contact !== undefined) return `👤 ${m.contact.name}`;
  const a = m.attachments[0];
  if (a !== undefined) {
    const t = a.contentType ?? '';
    if (a.flag === 'voice-message') return '🎤 Voice message';
    if (t.startsWith('image/')) return '📷 Photo';
    if (t.startsWith('video/')) return '🎥 Video';
    if (t.startsWith('audio/')) return '🎵 Audio';
    return `📎 ${a.fileName ?? 'File'}`;
  }
  if (m.kind === 'deleted' || m.kind === 'admin-deleted') return 'This message was deleted.';
  if (m.kind === 'view-once') return 'View-once media';
  return '';
}

/** A storage that reports how much of a snapshot's `main` has been read (two passes: MAC, then frames). */
function counting(storage: BackupStorage, onBytes: (read: number, total: number) => void): BackupStorage {
  let read = 0;
  let total = 0;
  return {
    put: (n, d) => storage.put(n, d),
    stat: (n) => storage.stat(n),
    list: (p) => storage.list(p),
    children: (p) => storage.children(p),
    delete: (n) => storage.delete(n),
    rename: (a, b) => storage.rename(a, b),
    create: (n, b) => storage.create(n, b),
    async *get(name) {
      const isMain = name.endsWith('/main');
      if (isMain && total === 0) total = 2 * ((await storage.stat(name)) ?? 0);
      for await (const chunk of storage.get(name)) {
        if (isMain) {
          read += chunk.length;
          onBytes(read, total);
        }
        yield chunk;
      }
    },
  };
}

function hexToBytes(hex: string): Uint8Array {
  const h = hex.trim().replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new RangeError('the forward-secrecy token is not hex');
  return Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

async function* decoded(frames: AsyncIterable<Uint8Array>): AsyncGenerator<Frame> {
  for await (const f of frames) yield decodeFrame(f);
}

async function open(source: OpenSource, key: OpenKey): Promise<void> {
  const t0 = performance.now();
  chats = new Map();
  local = undefined;
  account = '';
  let messages = 0;
  let lastPost = 0;
  let fraction = 0;
  const progress = (read: number, total: number) => {
    fraction = total > 0 ? Math.min(1, read / total) : 0;
    const now = performance.now();
    if (now - lastPost < 80) return;
    lastPost = now;
    post({ type: 'progress', phase: fraction < 0.5 ? 'verify' : 'read', fraction, messages });
  };
  const aci = key.aci?.trim() === '' ? undefined : key.aci?.trim();
  let frames: AsyncIterable<Frame>;
  let snapshot: string | undefined;
  let selfAci: string | undefined = aci;
  let attachmentNames:
    | ((
        p: import('../../src/frames/schema.js').FilePointer,
      ) => { mediaName: string; localFileName?: string } | undefined)
    | undefined;
  if (source.kind === 'folder') {
    const found = findBackupFolder(source.files);
    const storage = counting(new BlobStorage(found.files), progress);
    local = await openLocalSnapshot(storage, {
      key: { recoveryKey: key.recoveryKey, ...(aci === undefined ? {} : { aci }) },
      ...(found.snapshot === undefined ? {} : { snapshot: found.snapshot }),
    });
    snapshot = local.snapshot;
    frames = decoded(local.frames);
  } else {
    const file = source.file;
    if (aci === undefined) {
      throw new TypeError("a backup file needs the account's ACI (and, for a modern file, its forward-secrecy token)");
    }
    let read = 0;
    const total = 2 * file.size;
    const reader = await BackupReader.open(
      {
        length: file.size,
        open: () =>
          (async function* () {
            for (let o = 0; o < file.size; o += 1 << 20) {
              const chunk = new Uint8Array(await file.slice(o, Math.min(file.size, o + (1 << 20))).arrayBuffer());
              read += chunk.length;
              progress(read, total);
              yield chunk;
            }
          })(),
      },
      {
        key: {
          recoveryKey: key.recoveryKey,
          aci,
          ...(key.fsToken === undefined || key.fsToken.trim() === ''
            ? {}
            : { forwardSecrecyToken: hexToBytes(key.fsToken) }),
        },
      },
    );
    frames = reader.frames();
    attachmentNames = (p) => reader.attachmentNames(p);
    selfAci = aci;
  }
  const index = new Map<string, ChatIndex>();
  for await (const r of exportRecords(frames, {
    ...(selfAci === undefined ? {} : { selfAci }),
    ...(attachmentNames === undefined ? {} : { attachmentNames }),
  })) {
    if (r.type === 'account') account = r.name;
    else if (r.type === 'chat') index.set(r.id, { chat: r, messages: [], text: [] });
    else if (r.type === 'message') {
      const c = index.get(r.chatId);
      if (c === undefined) continue;
      c.messages.push(pack(r));
      c.text.push(searchText(r));
      c.lastMs = r.sentMs;
      c.lastText = preview(r);
      c.lastAuthor = r.direction === 'none' ? undefined : r.author.name;
      messages++;
    }
  }
  chats = index;
  const list: ChatSummary[] = [...index.values()].map((c) => ({
    id: c.chat.id,
    title: c.chat.title,
    kind: c.chat.kind,
    archived: c.chat.archived,
    ...(c.chat.pinnedOrder === undefined ? {} : { pinnedOrder: c.chat.pinnedOrder }),
    count: c.messages.length,
    ...(c.lastMs === undefined ? {} : { lastMs: c.lastMs }),
    ...(c.lastText === undefined ? {} : { lastText: c.lastText }),
    ...(c.lastAuthor === undefined ? {} : { lastAuthor: c.lastAuthor }),
  }));
  post({
    type: 'opened',
    account,
    ...(snapshot === undefined ? {} : { snapshot }),
    chats: list,
    messages,
    hasMedia: local !== undefined,
    seconds: (performance.now() - t0) / 1000,
  });
}

async function mediaBlob(localFileName: string | undefined, contentType: string | undefined): Promise<Blob> {
  if (local === undefined) throw new Error('Media of a backup file are on the media tier, not in this file.');
  const entry = localFileName === undefined ? undefined : local.media.get(localFileName);
  if (entry === undefined) throw new Error('This medium is not in the backup folder.');
  const parts: BlobPart[] = [];
  for await (const chunk of local.readMedia(entry)) parts.push(chunk as Uint8Array<ArrayBuffer>);
  return new Blob(parts, { type: contentType ?? entry.contentType ?? 'application/octet-stream' });
}

function search(query: string, limit: number): { hits: SearchHit[]; more: boolean } {
  const q = query.trim().toLowerCase();
  const hits: SearchHit[] = [];
  if (q === '') return { hits, more: false };
  for (const c of chats.values()) {
    for (let i = c.text.length - 1; i >= 0; i--) {
      const t = c.text[i]!;
      if (!t.includes(q)) continue;
      if (hits.length >= limit) return { hits, more: true };
      const m = unpack(c.chat.id, c.messages[i]!);
      const body = m.text?.text ?? m.update?.text ?? t;
      const pos = Math.max(0, body.toLowerCase().indexOf(q));
      const start = Math.max(0, pos - 30);
      hits.push({
        chatId: c.chat.id,
        chatTitle: c.chat.title,
        index: i,
        sentMs: m.sentMs,
        author: m.author.name,
        snippet: `${start > 0 ? '…' : ''}${body.slice(start, pos + q.length + 60)}`,
      });
    }
  }
  hits.sort((a, b) => b.sentMs - a.sentMs);
  return { hits, more: false };
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'audio/wav': 'wav',
  'audio/mpeg': 'mp3',
  'audio/aac': 'aac',
  'application/pdf': 'pdf',
};

function safeName(a: ExportAttachment): string {
  const raw = a.fileName ?? `attachment.${EXTENSIONS[a.contentType ?? ''] ?? 'bin'}`;
  const name = (raw.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_').replace(/^\.+/, '');
  return (name === '' ? 'attachment.bin' : name).slice(0, 100);
}

function* mediaOf(m: ExportMessage): Generator<ExportAttachment> {
  yield* m.attachments;
  if (m.longText !== undefined) yield m.longText;
  if (m.sticker?.image !== undefined) yield m.sticker.image;
  if (m.contact?.avatar !== undefined) yield m.contact.avatar;
  for (const l of m.linkPreviews) if (l.image !== undefined) yield l.image;
  for (const r of m.revisions) yield* r.attachments;
}

/** One chat as the HTML archive of `sbackup export --format html`, in a zip, with its media when the folder has them. */
async function exportChat(chatId: string): Promise<{ blob: Blob; name: string }> {
  const c = chats.get(chatId);
  if (c === undefined) throw new Error('no such chat');
  const files: Record<string, Uint8Array> = {};
  const enc = new TextEncoder();
  const text = new Map<string, string[]>();
  const add = (path: string, t: string) => {
    const list = text.get(path);
    if (list === undefined) text.set(path, [t]);
    else list.push(t);
  };
  const archive = new HtmlArchive({ title: `Signal chat: ${c.chat.title}` });
  const dir = chatDirectoryName(c.chat);
  const written = new Map<string, string>();
  let n = 0;
  const records: ExportRecord[] = [{ type: 'account', name: account }, c.chat];
  for (const r of records) for (const ch of archive.push(r)) add(ch.path, ch.text);
  for (const s of c.messages) {
    const m = unpack(chatId, s);
    if (local !== undefined) {
      for (const a of mediaOf(m)) {
        if (!a.present || a.localFileName === undefined || a.plaintextHash === undefined) continue;
        const done = written.get(a.plaintextHash);
        if (done !== undefined) {
          a.path = done;
          continue;
        }
        try {
          const blob = await mediaBlob(a.localFileName, a.contentType);
          const rel = `${dir}/${m.sent.slice(0, 10)}-${++n}-${safeName(a)}`;
          files[rel] = new Uint8Array(await blob.arrayBuffer());
          written.set(a.plaintextHash, rel);
          a.path = rel;
        } catch {
          // Left out: the page says "not exported" for it.
        }
      }
    }
    for (const ch of archive.push(m)) add(ch.path, ch.text);
  }
  for (const ch of archive.finish()) add(ch.path, ch.text);
  for (const [path, parts] of text) files[path] = enc.encode(parts.join(''));
  const zip = zipSync(
    Object.fromEntries(
      Object.entries(files).map(([k, v]) => [k, [v, { level: k.endsWith('.html') || k.endsWith('.css') ? 6 : 0 }]]),
    ),
  );
  return { blob: new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), name: `${dir}.zip` };
}

function failure(e: unknown): { code: string; message: string } {
  if (isBackupError(e)) return { code: e.code, message: e.message };
  if (e instanceof TypeError || e instanceof RangeError) return { code: 'INVALID_INPUT', message: e.message };
  return { code: 'INTERNAL', message: `internal error: ${(e as Error)?.message ?? String(e)}` };
}

self.onmessage = async (event: MessageEvent<Request>) => {
  const r = event.data;
  try {
    switch (r.type) {
      case 'open':
        await open(r.source, r.key);
        break;
      case 'messages': {
        const c = chats.get(r.chatId);
        const start = Math.max(0, r.start);
        const items = c === undefined ? [] : c.messages.slice(start, r.end).map((s) => unpack(r.chatId, s));
        post({ type: 'messages', id: r.id, start, items });
        break;
      }
      case 'media':
        try {
          post({ type: 'media', id: r.id, blob: await mediaBlob(r.localFileName, r.contentType) });
        } catch (e) {
          post({ type: 'media', id: r.id, error: failure(e).message });
        }
        break;
      case 'search':
        post({ type: 'search', id: r.id, ...search(r.query, r.limit) });
        break;
      case 'export':
        try {
          post({ type: 'export', id: r.id, ...(await exportChat(r.chatId)) });
        } catch (e) {
          post({ type: 'export', id: r.id, error: failure(e).message });
        }
        break;
    }
  } catch (e) {
    chats = new Map();
    local = undefined;
    post({ type: 'failed', ...failure(e) });
  }
};
