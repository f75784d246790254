/** Dates, sizes and text for the page (local time, the browser's locale). */

import type { ExportAttachment } from '../../src/export/model.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const shortDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

export const clock = (ms: number) => timeFormat.format(new Date(ms));
export const dayLabel = (ms: number) => dayFormat.format(new Date(ms));
export const dayKey = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
};

/** The chat list's time: the clock today, else the date. */
export function listTime(ms: number, now = Date.now()): string {
  return dayKey(ms) === dayKey(now) ? clock(ms) : shortDay.format(new Date(ms));
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

export const attachmentLabel = (a: ExportAttachment) =>
  a.caption ?? a.fileName ?? (a.contentType?.startsWith('image/') ? 'Image' : 'Attachment');

/** Initials for an avatar. */
export function initials(name: string): string {
  const parts = name
    .replace(/[^\p{L}\p{N} ]/gu, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const s =
    parts.length === 0
      ? '#'
      : parts.length === 1
        ? parts[0]!.slice(0, 2)
        : parts[0]![0]! + parts[parts.length - 1]![0]!;
  return s.toUpperCase();
}

/** A stable colour class (0-11) for a name. */
export function colourOf(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h % 12;
}
