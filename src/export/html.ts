/**
 * The people-shaped export as a static, offline HTML archive: `index.html` (the chats),
 * `style.css`, and per chat a directory `<chat>/` with `page-1.html`, `page-2.html`, ... of at
 * most `pageSize` messages each, in the look of a chat app (bubbles, names, day separators,
 * quotes, reactions, inline images, video and audio by relative path, file links). No script,
 * no network reference (links in messages are shown as text), light and dark through
 * `prefers-color-scheme`. Every text is HTML-escaped. Times are UTC unless a time zone is given.
 *
 * {@link HtmlArchive} streams: each {@link HtmlArchive.push} returns the text to append to
 * which file; it holds one small state per chat, never the messages.
 */

import type { ExportAttachment, ExportChat, ExportMessage, ExportRecord, FormattedText, TextRange } from './model.js';

/** Text to append to a file of the archive (path relative to the archive's root, `/`-separated). */
export interface HtmlChunk {
  /** The file, relative to the archive's root, e.g. `index.html` or `<chat>/page-1.html`. */
  path: string;
  /** HTML text to append to that file. */
  text: string;
}

/** Options of {@link HtmlArchive}. */
export interface HtmlArchiveOptions {
  /** Messages per page (default 1000). */
  pageSize?: number;
  /** Title of the index page (default "Signal chats"). */
  title?: string;
  /**
   * IANA time zone of the dates and times people read (default `UTC`), e.g. `Europe/Berlin`;
   * the machine-readable `datetime` attributes stay in UTC.
   */
  timeZone?: string;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The directory of a chat in the archive: its title with only letters, digits, `-` and `_`
 * kept (others become `_`, at most 40 characters), then `-<chat id>`; unique per chat.
 */
export function chatDirectoryName(chat: Pick<ExportChat, 'id' | 'title'>): string {
  const base = [...chat.title.normalize('NFC')]
    .map((c) => (/[\p{L}\p{N}_-]/u.test(c) ? c : '_'))
    .join('')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 40);
  return `${base === '' ? 'chat' : base}-${chat.id}`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** Wall-clock fields of an instant in one time zone (month 1-12). */
interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** Dates and times as people read them, in one time zone. */
interface Zone {
  /** The zone's IANA name (`UTC` by default). */
  name: string;
  wall(ms: number): WallTime;
}

const UTC_ZONE: Zone = {
  name: 'UTC',
  wall(ms) {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
    };
  },
};
const zones = new Map<string, Zone>([['UTC', UTC_ZONE]]);

/**
 * The zone named `timeZone` (Intl's time-zone data, read on first use).
 * @throws {RangeError} for a name that is not a time zone.
 */
function zoneOf(timeZone: string | undefined): Zone {
  const wanted = timeZone ?? 'UTC';
  const known = zones.get(wanted);
  if (known !== undefined) return known;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: wanted,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  } catch {
    throw new RangeError(`"timeZone" expected an IANA time zone such as Europe/Berlin, got ${JSON.stringify(wanted)}`);
  }
  const zone: Zone = {
    name: wanted, // as given: ICU may answer an older alias (Asia/Kolkata -> Asia/Calcutta)
    wall(ms) {
      const parts: Record<string, number> = {};
      for (const p of format.formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
      return {
        year: parts.year!,
        month: parts.month!,
        day: parts.day!,
        hour: parts.hour! % 24,
        minute: parts.minute!,
      };
    },
  };
  zones.set(wanted, zone);
  return zone;
}

const two = (n: number) => String(n).padStart(2, '0');
function dayKey(ms: number, zone: Zone): string {
  const w = zone.wall(ms);
  return `${String(w.year).padStart(4, '0')}-${two(w.month)}-${two(w.day)}`;
}
function dayLabel(ms: number, zone: Zone): string {
  const w = zone.wall(ms);
  const weekday = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
  return `${WEEKDAYS[weekday]}, ${w.day} ${MONTHS[w.month - 1]} ${w.year}`;
}
function clock(ms: number, zone: Zone): string {
  const w = zone.wall(ms);
  return `${two(w.hour)}:${two(w.minute)}`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const TAGS: Record<TextRange['style'], [string, string]> = {
  bold: ['<strong>', '</strong>'],
  italic: ['<em>', '</em>'],
  strikethrough: ['<s>', '</s>'],
  monospace: ['<code>', '</code>'],
  spoiler: ['<span class="spoiler" tabindex="0">', '</span>'],
  mention: ['<span class="mention">', '</span>'],
};
const ORDER: TextRange['style'][] = ['mention', 'spoiler', 'bold', 'italic', 'strikethrough', 'monospace'];

/** Formatted text as HTML: the text cut at every range boundary, each piece in the tags of the ranges over it. */
export function formattedTextToHtml(t: FormattedText): string {
  const cuts = new Set<number>([0, t.text.length]);
  for (const r of t.ranges) {
    cuts.add(Math.max(0, Math.min(r.start, t.text.length)));
    cuts.add(Math.max(0, Math.min(r.start + r.length, t.text.length)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  let out = '';
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const styles = new Set(t.ranges.filter((r) => r.start <= a && r.start + r.length >= b).map((r) => r.style));
    let piece = escapeHtml(t.text.slice(a, b));
    for (const s of [...ORDER].reverse()) if (styles.has(s)) piece = `${TAGS[s][0]}${piece}${TAGS[s][1]}`;
    out += piece;
  }
  return out;
}

const CSS = `:root{color-scheme:light dark;--bg:#f6f6f6;--fg:#1b1b1b;--muted:#6b6b6b;--in:#e9e9eb;--out:#2c6bed;--outfg:#fff;--card:#fff;--line:#d8d8d8;--quote:rgba(0,0,0,.08)}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#e9e9e9;--muted:#a0a0a0;--in:#2e2e30;--out:#2c58c3;--outfg:#fff;--card:#1f1f1f;--line:#3a3a3a;--quote:rgba(255,255,255,.12)}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header{position:sticky;top:0;background:var(--card);border-bottom:1px solid var(--line);padding:10px 16px;display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:18px;margin:0}header a,nav a{color:inherit}.sub{color:var(--muted);font-size:13px}
main{max-width:760px;margin:0 auto;padding:12px 12px 40px}
.day{text-align:center;margin:18px 0 8px}.day span{background:var(--card);color:var(--muted);font-size:12px;padding:3px 10px;border-radius:10px;border:1px solid var(--line)}
.msg{display:flex;flex-direction:column;margin:3px 0}.msg.out{align-items:flex-end}.msg.in{align-items:flex-start}
.bubble{max-width:78%;padding:7px 11px;border-radius:16px;background:var(--in);overflow-wrap:anywhere}
.out .bubble{background:var(--out);color:var(--outfg)}.author{font-weight:600;font-size:13px;margin-bottom:2px}
.text{white-space:pre-wrap}.meta{font-size:11px;opacity:.75;text-align:right;margin-top:2px}
.quote{margin:0 0 5px;padding:4px 8px;border-left:3px solid currentColor;border-radius:6px;background:var(--quote);font-size:13px}
.quote .author{font-size:12px}.reactions{font-size:13px;margin-top:-2px;padding:1px 8px;border-radius:10px;background:var(--card);border:1px solid var(--line)}
.media img,.media video{display:block;max-width:100%;max-height:420px;border-radius:10px;margin:2px 0}.media audio{display:block;max-width:100%}
.file{display:block;padding:6px 8px;margin:2px 0;border-radius:8px;background:var(--quote);color:inherit}.missing{opacity:.7;font-style:italic}
.card{padding:6px 8px;margin:2px 0;border-radius:8px;background:var(--quote);font-size:14px}.card b{display:block}
.tomb{font-style:italic;opacity:.8}.update{text-align:center;color:var(--muted);font-size:13px;margin:8px 0}
.spoiler{background:currentColor;border-radius:3px}.spoiler:hover,.spoiler:focus{background:transparent}
.mention{font-weight:600}code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.95em}
details{font-size:12px;margin-top:3px}summary{cursor:pointer}
nav.pages{display:flex;justify-content:space-between;max-width:760px;margin:0 auto;padding:10px 16px}
table{border-collapse:collapse;width:100%;background:var(--card)}td,th{padding:8px 10px;border-bottom:1px solid var(--line);text-align:left}th{font-size:13px;color:var(--muted)}
`;

function page(title: string, sub: string, root: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="${root}style.css"></head><body>\n<header><h1>${escapeHtml(title)}</h1><span class="sub">${sub}</span></header>\n`;
}

interface ChatState {
  chat: ExportChat;
  dir: string;
  group: boolean;
  page: number;
  onPage: number;
  total: number;
  lastDay: string;
  firstMs: number | undefined;
  lastMs: number | undefined;
}

/** A medium's URL from a chat page (`path` is relative to the archive's root). */
const mediaHref = (path: string) =>
  `../${path
    .split('/')
    .map((p) => encodeURIComponent(p))
    .join('/')}`;

function attachmentHtml(a: ExportAttachment, viewOnce = false): string {
  const label = escapeHtml(a.fileName ?? a.contentType ?? 'attachment');
  const size = a.size > 0 ? ` (${formatSize(a.size)})` : '';
  const caption = a.caption === undefined ? '' : `<div class="text">${escapeHtml(a.caption)}</div>`;
  if (a.path === undefined) {
    const why = a.present ? 'not exported' : 'not in the backup';
    return `<div class="file missing">${viewOnce ? 'View-once media' : label}${size}, ${why}</div>${caption}`;
  }
  const href = escapeHtml(mediaHref(a.path));
  const type = a.contentType ?? '';
  if (viewOnce) return `<a class="file" href="${href}">View-once media${size}</a>`;
  if (type.startsWith('image/')) {
    return `<div class="media"><a href="${href}"><img src="${href}" alt="${label}" loading="lazy"${a.width ? ` width="${a.width}"` : ''}${a.height ? ` height="${a.height}"` : ''}></a></div>${caption}`;
  }
  if (type.startsWith('video/')) {
    return `<div class="media"><video controls preload="metadata" src="${href}"></video></div>${caption}`;
  }
  if (type.startsWith('audio/')) {
    return `<div class="media"><audio controls preload="metadata" src="${href}"></audio></div>${caption}`;
  }
  return `<a class="file" href="${href}">📎 ${label}${size}</a>${caption}`;
}

function messageBody(m: ExportMessage): string {
  let out = '';
  if (m.quote !== undefined) {
    const q = m.quote;
    const qtext =
      q.text !== undefined
        ? formattedTextToHtml(q.text)
        : q.attachments.length > 0
          ? escapeHtml(q.attachments.map((a) => a.fileName ?? a.contentType ?? 'attachment').join(', '))
          : escapeHtml(q.type === 'normal' ? 'Original message not found' : q.type);
    out += `<blockquote class="quote"><div class="author">${escapeHtml(q.author.name)}</div><div class="text">${qtext}</div></blockquote>`;
  }
  switch (m.kind) {
    case 'deleted':
      return `${out}<div class="tomb">This message was deleted.</div>`;
    case 'admin-deleted':
      return `${out}<div class="tomb">This message was deleted by ${escapeHtml(m.deletedBy?.name ?? 'an admin')}.</div>`;
    case 'view-once':
      return `${out}${m.attachments.map((a) => attachmentHtml(a, true)).join('') || '<div class="tomb">View-once media</div>'}`;
    case 'sticker': {
      const s = m.sticker;
      if (s?.image?.path !== undefined) {
        const href = escapeHtml(mediaHref(s.image.path));
        return `${out}<div class="media"><img src="${href}" alt="${escapeHtml(s.emoji ?? 'sticker')}" width="128" height="128"></div>`;
      }
      return `${out}<div class="card">Sticker ${escapeHtml(s?.emoji ?? '')}</div>`;
    }
    case 'contact': {
      const c = m.contact!;
      const lines = [
        ...(c.organization === undefined ? [] : [c.organization]),
        ...c.phones.map((p) => `${p.label ?? p.type}: ${p.value}`),
        ...c.emails.map((p) => `${p.label ?? p.type}: ${p.value}`),
        ...c.addresses.map((p) => `${p.label ?? p.type}: ${p.text}`),
      ];
      return `${out}<div class="card"><b>👤 ${escapeHtml(c.name)}</b>${lines.map((l) => `<div>${escapeHtml(l)}</div>`).join('')}</div>`;
    }
    case 'poll': {
      const p = m.poll!;
      const opts = p.options
        .map((o) => {
          const votes = o.votes.reduce((n, v) => n + (v.count > 0 ? 1 : 0), 0);
          const who = o.votes.map((v) => v.voter.name).join(', ');
          return `<div>${escapeHtml(o.text)}: ${votes} vote${votes === 1 ? '' : 's'}${who === '' ? '' : ` (${escapeHtml(who)})`}</div>`;
        })
        .join('');
      return `${out}<div class="card"><b>📊 ${escapeHtml(p.question)}</b>${opts}${p.ended ? '<div class="sub">Poll ended</div>' : ''}</div>`;
    }
    case 'payment': {
      const p = m.payment!;
      return `${out}<div class="card"><b>Payment${p.amountMob === undefined ? '' : `: ${escapeHtml(p.amountMob)} MOB`}</b>${p.note === undefined ? '' : `<div>${escapeHtml(p.note)}</div>`}<div class="sub">${escapeHtml(p.status)}</div></div>`;
    }
    case 'gift-badge':
      return `${out}<div class="card"><b>🎁 Gift badge</b><div class="sub">${escapeHtml(m.giftBadge?.state ?? '')}</div></div>`;
    default:
      break;
  }
  if (m.kind === 'story-reply') out += '<div class="sub">Replied to a story</div>';
  for (const a of m.attachments) out += attachmentHtml(a);
  if (m.emoji !== undefined) out += `<div class="text">${escapeHtml(m.emoji)}</div>`;
  if (m.text !== undefined) out += `<div class="text">${formattedTextToHtml(m.text)}</div>`;
  if (m.longText !== undefined && m.text === undefined) out += attachmentHtml(m.longText);
  for (const l of m.linkPreviews) {
    out += `<div class="card">${l.image === undefined ? '' : attachmentHtml(l.image)}<b>${escapeHtml(l.title ?? l.url)}</b>${l.description === undefined ? '' : `<div>${escapeHtml(l.description)}</div>`}<div class="sub">${escapeHtml(l.url)}</div></div>`;
  }
  return out;
}

/**
 * One message (or update) as HTML, its time in `options.timeZone` (IANA name, default UTC).
 * @throws {RangeError} for a name that is not a time zone.
 */
export function messageToHtml(m: ExportMessage, options: { showAuthor?: boolean; timeZone?: string } = {}): string {
  const zone = zoneOf(options.timeZone);
  const time = `<time datetime="${escapeHtml(m.sent)}">${clock(m.sentMs, zone)}</time>`;
  if (m.kind === 'update') {
    return `<div class="update" id="m${escapeHtml(m.id)}">${escapeHtml(m.update?.text ?? '')} · ${time}</div>\n`;
  }
  const side = m.direction === 'outgoing' ? 'out' : 'in';
  const author =
    options.showAuthor === true && side === 'in' ? `<div class="author">${escapeHtml(m.author.name)}</div>` : '';
  const edited =
    m.revisions.length === 0
      ? ''
      : `<details><summary>edited</summary>${m.revisions
          .map(
            (r) =>
              `<div><time datetime="${escapeHtml(r.sent)}">${clock(r.sentMs, zone)}</time> ${r.text === undefined ? '' : formattedTextToHtml(r.text)}</div>`,
          )
          .join('')}</details>`;
  const reactions =
    m.reactions.length === 0
      ? ''
      : `<div class="reactions" title="${escapeHtml(m.reactions.map((r) => `${r.emoji} ${r.author.name}`).join(', '))}">${m.reactions
          .map((r) => escapeHtml(r.emoji))
          .join(' ')}</div>`;
  const flags = `${m.expiresInMs === undefined ? '' : ' · ⏱'}${m.pinned ? ' · 📌' : ''}`;
  return `<div class="msg ${side}" id="m${escapeHtml(m.id)}"><div class="bubble">${author}${messageBody(m)}<div class="meta">${time}${flags}${m.revisions.length > 0 ? ' · edited' : ''}</div>${edited}</div>${reactions}</div>\n`;
}

const KIND_LABEL: Record<ExportChat['kind'], string> = {
  direct: 'Direct',
  group: 'Group',
  'note-to-self': 'Note to Self',
  'release-notes': 'Signal',
  'call-link': 'Call link',
  other: 'Other',
};

/** Streams an export into an archive; see the module comment. */
export class HtmlArchive {
  readonly #pageSize: number;
  readonly #title: string;
  readonly #zone: Zone;
  readonly #chats = new Map<string, ChatState>();
  #account = '';

  constructor(options: HtmlArchiveOptions = {}) {
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError('"pageSize" expected an integer >= 1');
    this.#pageSize = pageSize;
    this.#title = options.title ?? 'Signal chats';
    this.#zone = zoneOf(options.timeZone);
  }

  /** The directory (relative to the archive's root) of a chat already pushed. */
  chatDirectory(chatId: string): string | undefined {
    return this.#chats.get(chatId)?.dir;
  }

  #header(s: ChatState): HtmlChunk {
    const prev = s.page > 1 ? ` · <a href="page-${s.page - 1}.html">← earlier</a>` : '';
    return {
      path: `${s.dir}/page-${s.page}.html`,
      text: `${page(s.chat.title, `<a href="../index.html">All chats</a> · ${escapeHtml(KIND_LABEL[s.chat.kind])} · page ${s.page} · times in ${escapeHtml(this.#zone.name)}${prev}`, '../')}<main>\n`,
    };
  }

  #footer(s: ChatState, next: boolean): HtmlChunk {
    const prev = s.page > 1 ? `<a href="page-${s.page - 1}.html">← earlier</a>` : '<span></span>';
    const nextLink = next ? `<a href="page-${s.page + 1}.html">later →</a>` : '<span></span>';
    return {
      path: `${s.dir}/page-${s.page}.html`,
      text: `</main>\n<nav class="pages">${prev}${nextLink}</nav>\n</body></html>\n`,
    };
  }

  /** Takes the next record; returns what to append to which file. */
  push(record: ExportRecord): HtmlChunk[] {
    if (record.type === 'account') {
      this.#account = record.name;
      return [];
    }
    if (record.type === 'recipient') return [];
    if (record.type === 'chat') {
      if (!this.#chats.has(record.id)) {
        this.#chats.set(record.id, {
          chat: record,
          dir: chatDirectoryName(record),
          group: record.kind === 'group',
          page: 0,
          onPage: 0,
          total: 0,
          lastDay: '',
          firstMs: undefined,
          lastMs: undefined,
        });
      }
      return [];
    }
    const s = this.#chats.get(record.chatId);
    if (s === undefined) return [];
    const out: HtmlChunk[] = [];
    if (s.page === 0 || s.onPage >= this.#pageSize) {
      if (s.page > 0) out.push(this.#footer(s, true));
      s.page++;
      s.onPage = 0;
      s.lastDay = '';
      out.push(this.#header(s));
    }
    let text = '';
    const day = dayKey(record.sentMs, this.#zone);
    if (day !== s.lastDay) {
      text += `<div class="day"><span>${dayLabel(record.sentMs, this.#zone)}</span></div>\n`;
      s.lastDay = day;
    }
    text += messageToHtml(record, { showAuthor: s.group, timeZone: this.#zone.name });
    out.push({ path: `${s.dir}/page-${s.page}.html`, text });
    s.onPage++;
    s.total++;
    s.firstMs ??= record.sentMs;
    s.lastMs = record.sentMs;
    return out;
  }

  /** Ends every page, and writes `index.html` and `style.css`. */
  finish(): HtmlChunk[] {
    const out: HtmlChunk[] = [];
    const rows: string[] = [];
    for (const s of this.#chats.values()) {
      if (s.page === 0) {
        s.page = 1;
        out.push(this.#header(s), { path: `${s.dir}/page-1.html`, text: '<div class="update">No messages.</div>\n' });
      }
      out.push(this.#footer(s, false));
      const range =
        s.firstMs === undefined
          ? ''
          : `${dayKey(s.firstMs, this.#zone)}${dayKey(s.lastMs!, this.#zone) === dayKey(s.firstMs, this.#zone) ? '' : ` – ${dayKey(s.lastMs!, this.#zone)}`}`;
      rows.push(
        `<tr><td><a href="${escapeHtml(encodeURIComponent(s.dir))}/page-1.html">${escapeHtml(s.chat.title)}</a></td><td>${escapeHtml(KIND_LABEL[s.chat.kind])}</td><td>${s.total}</td><td>${range}</td></tr>`,
      );
    }
    const sub =
      this.#account === '' ? `${this.#chats.size} chats` : `${escapeHtml(this.#account)} · ${this.#chats.size} chats`;
    out.push(
      {
        path: 'index.html',
        text: `${page(this.#title, sub, '')}<main><table><thead><tr><th>Chat</th><th>Kind</th><th>Messages</th><th>Dates (${escapeHtml(this.#zone.name)})</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></main>\n</body></html>\n`,
      },
      { path: 'style.css', text: CSS },
    );
    return out;
  }
}
