/**
 * Media, decrypted on demand: a fixed-size placeholder asks the worker for the medium when it
 * scrolls into view, shows it from a `blob:` URL, and revokes the URL when it leaves the view
 * (or the row is unmounted by the virtual list).
 */

import { useEffect, useRef, useState } from 'preact/hooks';
import type { ExportAttachment } from '../../src/export/model.js';
import type { ViewerClient } from './client.js';
import { attachmentLabel, formatSize } from './format.js';

export interface MediaContext {
  client: ViewerClient;
  hasMedia: boolean;
}

const MAX_W = 280;
const MAX_H = 320;

function box(a: ExportAttachment, audio: boolean): { width: number; height: number } {
  if (audio) return { width: 260, height: 40 };
  const w = a.width ?? 0;
  const h = a.height ?? 0;
  if (w <= 0 || h <= 0) return { width: 240, height: 180 };
  // Small pictures are shown at up to 200 px (a chat app does not show a thumbnail-sized photo).
  const scale = Math.min(MAX_W / w, MAX_H / h, Math.max(1, 200 / Math.max(w, h)));
  return { width: Math.max(48, Math.round(w * scale)), height: Math.max(48, Math.round(h * scale)) };
}

/** Whether the medium can be shown: the folder has media and the pointer names a local file. */
const available = (a: ExportAttachment, ctx: MediaContext) =>
  ctx.hasMedia && a.present && a.localFileName !== undefined;

export function Missing({ a, ctx }: { a: ExportAttachment; ctx: MediaContext }) {
  const why = !a.present
    ? 'not in the backup'
    : ctx.hasMedia
      ? 'not in the backup folder'
      : 'media are not in a backup file';
  return (
    <div class="file missing">
      📎 {attachmentLabel(a)}
      {a.size > 0 ? ` (${formatSize(a.size)})` : ''} · {why}
    </div>
  );
}

/** An image, video or audio player whose bytes are fetched from the worker while it is in view. */
export function InlineMedia({
  a,
  ctx,
  kind,
}: {
  a: ExportAttachment;
  ctx: MediaContext;
  kind: 'image' | 'video' | 'audio';
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [url, setUrl] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const size = box(a, kind === 'audio');
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    let current: string | undefined;
    let wanted = false;
    let loading = false;
    const release = () => {
      if (current !== undefined) URL.revokeObjectURL(current);
      current = undefined;
      setUrl(undefined);
    };
    const load = async () => {
      if (loading || current !== undefined) return;
      loading = true;
      try {
        const blob = await ctx.client.media(a.localFileName, a.contentType);
        if (wanted && current === undefined) {
          current = URL.createObjectURL(blob);
          setUrl(current);
        }
      } catch (e) {
        setError((e as Error).message);
      } finally {
        loading = false;
      }
    };
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          wanted = entry.isIntersecting;
          if (wanted) void load();
          else if (kind !== 'audio' || el.querySelector('audio')?.paused !== false) release();
        }
      },
      { rootMargin: '200px 0px' },
    );
    observer.observe(el);
    return () => {
      wanted = false;
      observer.disconnect();
      if (current !== undefined) URL.revokeObjectURL(current);
    };
  }, [a.localFileName]);
  const label = attachmentLabel(a);
  if (error !== undefined) {
    return (
      <div class="file missing" ref={ref}>
        {label}: {error}
      </div>
    );
  }
  return (
    <div
      ref={ref}
      class={`media ${kind}${url === undefined ? ' loading' : ''}${a.flag === 'borderless' ? ' borderless' : ''}`}
      style={{ width: `${size.width}px`, height: `${size.height}px` }}
    >
      {url === undefined ? (
        <span class="placeholder" aria-hidden="true">
          {kind === 'audio' ? '🎵' : kind === 'video' ? '🎥' : '🖼'}
        </span>
      ) : kind === 'image' ? (
        <img src={url} alt={label} width={size.width} height={size.height} />
      ) : kind === 'video' ? (
        // biome-ignore lint/a11y/useMediaCaption: a backup has no caption tracks
        <video src={url} controls preload="metadata" aria-label={label} width={size.width} height={size.height} />
      ) : (
        // biome-ignore lint/a11y/useMediaCaption: a backup has no caption tracks
        <audio
          src={url}
          controls
          preload="metadata"
          aria-label={a.flag === 'voice-message' ? 'Voice message' : label}
        />
      )}
    </div>
  );
}

/** A file: decrypted when the person asks, then saved under its name. */
export function FileDownload({ a, ctx }: { a: ExportAttachment; ctx: MediaContext }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const name = a.fileName ?? 'attachment';
  const save = async () => {
    setBusy(true);
    try {
      const blob = await ctx.client.media(a.localFileName, a.contentType);
      download(blob, name);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="file">
      <button type="button" class="download" onClick={save} disabled={busy}>
        ⬇ Download {name}
        {a.size > 0 ? ` (${formatSize(a.size)})` : ''}
      </button>
      {error === undefined ? null : <div class="error-inline">{error}</div>}
    </div>
  );
}

/** Saves a Blob under a name through a temporary `blob:` link, revoked right after. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** One attachment, in the right player. */
export function Attachment({ a, ctx }: { a: ExportAttachment; ctx: MediaContext }) {
  if (!available(a, ctx)) return <Missing a={a} ctx={ctx} />;
  const type = a.contentType ?? '';
  const caption = a.caption === undefined ? null : <div class="caption">{a.caption}</div>;
  if (type.startsWith('image/'))
    return (
      <>
        <InlineMedia a={a} ctx={ctx} kind="image" />
        {caption}
      </>
    );
  if (type.startsWith('video/'))
    return (
      <>
        <InlineMedia a={a} ctx={ctx} kind="video" />
        {caption}
      </>
    );
  if (type.startsWith('audio/'))
    return (
      <>
        <InlineMedia a={a} ctx={ctx} kind="audio" />
        {caption}
      </>
    );
  return (
    <>
      <FileDownload a={a} ctx={ctx} />
      {caption}
    </>
  );
}
