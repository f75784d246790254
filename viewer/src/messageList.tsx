/**
 * The message pane: a virtual list. Only the rows near the view are in the DOM; the others are
 * space of their measured (or estimated) height. Messages come from the worker in blocks and a
 * bounded number stay cached. The view is anchored to a row, so rows measured above it do not
 * move what the person reads; a new chat opens at its last message.
 */

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ExportMessage } from '../../src/export/model.js';
import type { ViewerClient } from './client.js';
import { dayKey, dayLabel } from './format.js';
import type { MediaContext } from './media.js';
import { MessageRow } from './message.js';

const ESTIMATE = 64;
const OVERSCAN = 600;
const BLOCK = 100;
const MAX_CACHED = 3000;
/** Space under the last message (its reactions hang below the bubble). */
const BOTTOM = 16;

export interface ListProps {
  client: ViewerClient;
  ctx: MediaContext;
  chatId: string;
  count: number;
  group: boolean;
  /** Index to show and highlight (a search hit), or undefined to open at the end. */
  jump?: { index: number; serial: number } | undefined;
}

export function MessageList({ client, ctx, chatId, count, group, jump }: ListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const state = useRef({
    heights: new Float64Array(count).fill(ESTIMATE),
    offsets: new Float64Array(count + 1),
    dirty: true,
    cache: new Map<number, ExportMessage>(),
    loading: new Set<number>(),
    anchor: { index: Math.max(0, count - 1), delta: 0 },
    atBottom: true,
    lastSet: Number.NaN,
  });
  const [, setTick] = useState(0);
  const [highlight, setHighlight] = useState<number | undefined>(undefined);
  const rerender = () => setTick((t) => t + 1);

  const s = state.current;
  const offsets = () => {
    if (s.dirty) {
      let o = 0;
      for (let i = 0; i < count; i++) {
        s.offsets[i] = o;
        o += s.heights[i]!;
      }
      s.offsets[count] = o;
      s.dirty = false;
    }
    return s.offsets;
  };
  const indexAt = (y: number) => {
    const off = offsets();
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (off[mid]! <= y) lo = mid;
      else hi = mid - 1;
    }
    return Math.max(0, lo);
  };

  const load = (from: number, to: number) => {
    for (let b = Math.floor(from / BLOCK) * BLOCK; b < to; b += BLOCK) {
      if (s.loading.has(b) || s.cache.has(b)) continue;
      s.loading.add(b);
      void client.messages(chatId, b, Math.min(count, b + BLOCK)).then(({ start, items }) => {
        s.loading.delete(b);
        for (const [i, m] of items.entries()) s.cache.set(start + i, m);
        if (s.cache.size > MAX_CACHED) {
          const keep = s.anchor.index;
          for (const k of s.cache.keys()) {
            if (s.cache.size <= MAX_CACHED * 0.75) break;
            if (Math.abs(k - keep) > MAX_CACHED / 2) s.cache.delete(k);
          }
        }
        rerender();
      });
    }
  };

  // Jumps to a search hit.
  useEffect(() => {
    if (jump === undefined) return;
    s.anchor = { index: Math.min(count - 1, jump.index), delta: -80 };
    s.atBottom = false;
    setHighlight(jump.index);
    rerender();
  }, [jump?.serial]);

  const el = scroller.current;
  const viewHeight = el?.clientHeight ?? 800;
  const off = offsets();
  const top = s.atBottom ? Math.max(0, off[count]! + BOTTOM - viewHeight) : off[s.anchor.index]! + s.anchor.delta;
  const first = count === 0 ? 0 : indexAt(Math.max(0, top - OVERSCAN));
  const last = count === 0 ? -1 : indexAt(top + viewHeight + OVERSCAN);
  load(first, last + 1);

  useLayoutEffect(() => {
    const node = scroller.current;
    if (node === null) return;
    let changed = false;
    for (const row of node.querySelectorAll<HTMLElement>('[data-index]')) {
      const i = Number(row.dataset.index);
      const h = row.offsetHeight;
      if (h > 0 && Math.abs(h - s.heights[i]!) > 0.5) {
        s.heights[i] = h;
        changed = true;
      }
    }
    if (changed) s.dirty = true;
    const o = offsets();
    const want = s.atBottom ? o[count]! + BOTTOM - node.clientHeight : o[s.anchor.index]! + s.anchor.delta;
    if (Math.abs(node.scrollTop - want) > 1) {
      node.scrollTop = want;
      s.lastSet = node.scrollTop;
    }
    if (changed) rerender();
  });

  const onScroll = () => {
    const node = scroller.current;
    if (node === null) return;
    const st = node.scrollTop;
    if (Math.abs(st - s.lastSet) < 1) return;
    s.lastSet = Number.NaN;
    const i = indexAt(st);
    s.anchor = { index: i, delta: st - offsets()[i]! };
    s.atBottom = st + node.clientHeight >= offsets()[count]! + BOTTOM - 2;
    rerender();
  };

  const rows = [];
  for (let i = first; i <= last; i++) {
    const m = s.cache.get(i);
    const prev = i > 0 ? s.cache.get(i - 1) : undefined;
    const day =
      m === undefined
        ? undefined
        : i === 0 || (prev !== undefined && dayKey(prev.sentMs) !== dayKey(m.sentMs))
          ? dayLabel(m.sentMs)
          : undefined;
    rows.push(
      <div class="row" data-index={i} key={i} style={{ transform: `translateY(${off[i]}px)` }}>
        {m === undefined ? (
          <div class="row-loading" aria-hidden="true" />
        ) : (
          <MessageRow m={m} ctx={ctx} group={group} day={day} highlighted={highlight === i} />
        )}
      </div>,
    );
  }
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: the message pane scrolls with the keyboard (arrows, Page Up/Down)
    <div class="log" role="log" aria-label="Messages" tabIndex={0} ref={scroller} onScroll={onScroll}>
      <div class="log-inner" style={{ height: `${off[count]! + BOTTOM}px` }}>
        {rows}
      </div>
    </div>
  );
}
