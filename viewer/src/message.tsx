/** One message as a chat app shows it: a bubble (or a centred line for an update). */

import type { ComponentChildren } from 'preact';
import type { ExportMessage, FormattedText, TextRange } from '../../src/export/model.js';
import { clock, colourOf } from './format.js';
import { Attachment, InlineMedia, type MediaContext, Missing } from './media.js';

const WRAP: Record<TextRange['style'], (c: ComponentChildren, key: number) => ComponentChildren> = {
  bold: (c, k) => <strong key={k}>{c}</strong>,
  italic: (c, k) => <em key={k}>{c}</em>,
  strikethrough: (c, k) => <s key={k}>{c}</s>,
  monospace: (c, k) => <code key={k}>{c}</code>,
  spoiler: (c, k) => (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a spoiler is revealed on focus, so the keyboard must reach it
    <span class="spoiler" tabIndex={0} key={k}>
      {c}
    </span>
  ),
  mention: (c, k) => (
    <span class="mention" key={k}>
      {c}
    </span>
  ),
};

/** Formatted text: cut at every range boundary, each piece wrapped in the styles over it. */
export function Text({ t }: { t: FormattedText }) {
  if (t.ranges.length === 0) return <>{t.text}</>;
  const cuts = new Set<number>([0, t.text.length]);
  for (const r of t.ranges) {
    cuts.add(Math.max(0, Math.min(t.text.length, r.start)));
    cuts.add(Math.max(0, Math.min(t.text.length, r.start + r.length)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: ComponentChildren[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    let node: ComponentChildren = t.text.slice(a, b);
    for (const r of t.ranges) if (r.start <= a && r.start + r.length >= b) node = WRAP[r.style](node, i);
    out.push(node);
  }
  return <>{out}</>;
}

function Quote({ m }: { m: ExportMessage }) {
  const q = m.quote!;
  const what =
    q.text?.text ??
    q.attachments[0]?.fileName ??
    q.attachments[0]?.contentType ??
    (q.type === 'poll' ? 'Poll' : q.type === 'view-once' ? 'View-once media' : 'Original message not found');
  return (
    <blockquote class="quote">
      <div class="quote-author">{q.author.name}</div>
      <div class="quote-text">{q.text === undefined ? what : <Text t={q.text} />}</div>
    </blockquote>
  );
}

function Poll({ m }: { m: ExportMessage }) {
  const p = m.poll!;
  const total = p.options.reduce((n, o) => n + o.votes.length, 0);
  return (
    <div class="poll">
      <div class="poll-q">📊 {p.question}</div>
      <div class="sub">
        {p.allowMultiple ? 'Choose one or more' : 'Choose one'}
        {p.ended ? ' · Poll ended' : ''}
      </div>
      <ul class="poll-options">
        {p.options.map((o, i) => (
          <li key={i}>
            <div class="poll-row">
              <span>{o.text}</span>
              <span class="sub">{o.votes.length}</span>
            </div>
            <div class="poll-bar">
              <div style={{ width: `${total === 0 ? 0 : Math.round((o.votes.length / total) * 100)}%` }} />
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Body({ m, ctx }: { m: ExportMessage; ctx: MediaContext }) {
  const parts: ComponentChildren[] = [];
  if (m.quote !== undefined) parts.push(<Quote m={m} key="q" />);
  if (m.kind === 'deleted' || m.kind === 'admin-deleted') {
    parts.push(
      <div class="text deleted" key="d">
        {m.kind === 'admin-deleted'
          ? `This message was deleted by ${m.deletedBy?.name ?? 'an admin'}.`
          : 'This message was deleted.'}
      </div>,
    );
    return <>{parts}</>;
  }
  if (m.kind === 'view-once') {
    parts.push(
      <div class="text deleted" key="v">
        View-once media
      </div>,
    );
    return <>{parts}</>;
  }
  if (m.sticker !== undefined) {
    const img = m.sticker.image;
    parts.push(
      img !== undefined && ctx.hasMedia && img.present && img.localFileName !== undefined ? (
        <InlineMedia
          a={{ ...img, fileName: img.fileName ?? `Sticker ${m.sticker.emoji ?? ''}`.trim(), width: 160, height: 160 }}
          ctx={ctx}
          kind="image"
          key="s"
        />
      ) : (
        <div class="sticker" key="s" role="img" aria-label={`Sticker ${m.sticker.emoji ?? ''}`.trim()}>
          {m.sticker.emoji ?? '🏷'}
        </div>
      ),
    );
  }
  m.attachments.forEach((a, i) => {
    parts.push(<Attachment a={a} ctx={ctx} key={`a${i}`} />);
  });
  if (m.contact !== undefined) {
    const c = m.contact;
    parts.push(
      <div class="card" key="c">
        <b>👤 {c.name}</b>
        {c.organization === undefined ? null : <div class="sub">{c.organization}</div>}
        {c.phones.map((p, i) => (
          <div key={`p${i}`}>{p.value}</div>
        ))}
        {c.emails.map((p, i) => (
          <div key={`e${i}`}>{p.value}</div>
        ))}
      </div>,
    );
  }
  if (m.poll !== undefined) parts.push(<Poll m={m} key="p" />);
  if (m.payment !== undefined) {
    parts.push(
      <div class="card" key="pay">
        💸 Payment {m.payment.amountMob === undefined ? '' : `${m.payment.amountMob} MOB`} · {m.payment.status}
        {m.payment.note === undefined ? null : <div>{m.payment.note}</div>}
      </div>,
    );
  }
  if (m.giftBadge !== undefined)
    parts.push(
      <div class="card" key="g">
        🎁 Gift badge · {m.giftBadge.state}
      </div>,
    );
  if (m.emoji !== undefined && m.kind === 'story-reply')
    parts.push(
      <div class="sticker" key="se">
        {m.emoji}
      </div>,
    );
  if (m.text !== undefined && m.text.text !== '') {
    parts.push(
      <div class="text" key="t">
        <Text t={m.text} />
      </div>,
    );
  } else if (m.longText !== undefined) parts.push(<Missing a={m.longText} ctx={ctx} key="lt" />);
  m.linkPreviews.forEach((l, i) => {
    parts.push(
      <div class="card link" key={`l${i}`}>
        <b>{l.title ?? l.url}</b>
        {l.description === undefined ? null : <div>{l.description}</div>}
        <div class="sub">{l.url}</div>
      </div>,
    );
  });
  return <>{parts}</>;
}

/** A message row: the day separator when the day changes, then the update line or the bubble. */
export function MessageRow({
  m,
  ctx,
  group,
  day,
  highlighted,
}: {
  m: ExportMessage;
  ctx: MediaContext;
  group: boolean;
  day?: string | undefined;
  highlighted?: boolean;
}) {
  const time = (
    <time dateTime={m.sent} title={new Date(m.sentMs).toLocaleString()}>
      {clock(m.sentMs)}
    </time>
  );
  const separator =
    day === undefined ? null : (
      <div class="day">
        <span>{day}</span>
      </div>
    );
  if (m.kind === 'update') {
    return (
      <>
        {separator}
        <article class={`update${highlighted ? ' hit' : ''}`} aria-label={`Update at ${clock(m.sentMs)}`}>
          {m.update?.text ?? ''} · {time}
        </article>
      </>
    );
  }
  const side = m.direction === 'outgoing' ? 'out' : 'in';
  const showAuthor = group && side === 'in';
  return (
    <>
      {separator}
      <article class={`msg ${side}${highlighted ? ' hit' : ''}`} aria-label={`${m.author.name} at ${clock(m.sentMs)}`}>
        <div class="bubble">
          {showAuthor ? <div class={`author c${colourOf(m.author.name)}`}>{m.author.name}</div> : null}
          <Body m={m} ctx={ctx} />
          <div class="meta">
            {m.revisions.length > 0 ? 'edited · ' : ''}
            {m.expiresInMs === undefined ? '' : '⏱ '}
            {m.pinned ? '📌 ' : ''}
            {time}
          </div>
          {m.revisions.length === 0 ? null : (
            <details class="revisions">
              <summary>Earlier versions ({m.revisions.length})</summary>
              {m.revisions.map((r, i) => (
                <div key={i} class="revision">
                  <time dateTime={r.sent}>{clock(r.sentMs)}</time> {r.text === undefined ? '' : <Text t={r.text} />}
                </div>
              ))}
            </details>
          )}
        </div>
        {m.reactions.length === 0 ? null : (
          <div class="reactions" title={m.reactions.map((r) => `${r.emoji} ${r.author.name}`).join(', ')}>
            {summariseReactions(m)}
          </div>
        )}
      </article>
    </>
  );
}

function summariseReactions(m: ExportMessage): string {
  const counts = new Map<string, number>();
  for (const r of m.reactions) counts.set(r.emoji, (counts.get(r.emoji) ?? 0) + 1);
  return [...counts].map(([e, n]) => (n > 1 ? `${e} ${n}` : e)).join(' ');
}
