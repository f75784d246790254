/** The export model over Signal's corpus (Signal-Message-Backup-Tests): every chat item kind. */

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ExportMessage, type ExportRecord, exportRecords, HtmlArchive } from '../../src/export/index.js';
import { decodeBackup } from '../../src/frames/index.js';

const corpusDir = join(
  resolve(process.env.SBACKUP_SHARED ?? join(import.meta.dirname, '../../../shared')),
  'interop/backup-tests',
);
const files = readdirSync(corpusDir)
  .filter((f) => f.startsWith('chat_item_') && f.endsWith('.binproto'))
  .sort();

async function exportFile(name: string) {
  const { frames } = decodeBackup(new Uint8Array(readFileSync(join(corpusDir, name))));
  const records: ExportRecord[] = [];
  for await (const r of exportRecords(frames)) records.push(r);
  return { frames, records, messages: records.filter((r): r is ExportMessage => r.type === 'message') };
}

describe('export model over the corpus', () => {
  it('covers the chat item files', () => {
    expect(files.length).toBeGreaterThan(400);
  });

  it('gives one message per chat item, in order, with the author named and the times', async () => {
    for (const name of files) {
      const { frames, records, messages } = await exportFile(name);
      const items = frames.filter((f) => f.chatItem != null).map((f) => f.chatItem!);
      expect(messages.length, name).toBe(items.length);
      const names = new Map(records.filter((r) => r.type === 'recipient').map((r) => [r.id, r]));
      for (const [k, item] of items.entries()) {
        const m = messages[k]!;
        expect(m.sentMs, name).toBe(Number(item.dateSent));
        expect(m.author.id, name).toBe(String(item.authorId));
        const author = names.get(String(item.authorId))!;
        expect(m.author.name, name).toBe(author.kind === 'self' ? 'You' : author.name);
        expect(m.author.name, name).not.toBe('Unknown');
        if (item.updateMessage != null) {
          expect(m.kind).toBe('update');
          expect(m.update!.text, name).not.toMatch(/^Unknown update|^$/);
        }
      }
      // And the HTML archive of the file renders every message.
      const archive = new HtmlArchive();
      let html = '';
      for (const r of records) for (const c of archive.push(r)) html += c.text;
      for (const c of archive.finish()) html += c.text;
      expect(html.match(/ id="m\d+"/g)?.length ?? 0, name).toBe(items.length);
    }
  });

  // Expected sentences follow the values in the corpus's .txtproto files.
  it('renders group and call updates as sentences', async () => {
    const text = async (name: string) => (await exportFile(name)).messages.map((m) => m.update?.text ?? '').join(' ');
    expect(await text('chat_item_group_change_chat_update_05.binproto')).toContain(
      'changed the group name to “Ut Cubilia”.',
    );
    expect(await text('chat_item_group_change_chat_update_04.binproto')).toContain('removed the group name.');
    expect(await text('chat_item_group_change_chat_update_02.binproto')).toMatch(/^\S.* created the group\.$/);
  });

  it('keeps formatting ranges, quotes, polls, edits and tombstones', async () => {
    const all = new Map<string, ExportMessage[]>();
    for (const prefix of [
      'formatted_text',
      'with_quote',
      'poll_single_vote',
      'with_edits',
      'remote_delete',
      'contact_message',
      'sticker_message',
      'with_link_preview',
    ]) {
      const list: ExportMessage[] = [];
      for (const f of files.filter((x) => x.includes(prefix))) list.push(...(await exportFile(f)).messages);
      all.set(prefix, list);
    }
    const styles = new Set(all.get('formatted_text')!.flatMap((m) => m.text?.ranges.map((r) => r.style) ?? []));
    for (const s of ['bold', 'italic', 'spoiler', 'strikethrough', 'monospace'])
      expect(styles.has(s as never), s).toBe(true);
    expect(all.get('with_quote')!.some((m) => m.quote !== undefined && m.quote.author.name !== 'Unknown')).toBe(true);
    expect(all.get('poll_single_vote')!.every((m) => m.kind === 'poll' && m.poll!.options.length >= 2)).toBe(true);
    expect(all.get('with_edits')!.some((m) => m.revisions.length > 0)).toBe(true);
    expect(all.get('remote_delete')!.every((m) => m.kind === 'deleted')).toBe(true);
    expect(all.get('contact_message')!.every((m) => m.kind === 'contact' && m.contact!.name !== '')).toBe(true);
    expect(all.get('sticker_message')!.every((m) => m.kind === 'sticker' && m.sticker!.packId.length === 32)).toBe(
      true,
    );
    expect(all.get('with_link_preview')!.some((m) => m.linkPreviews.length > 0 && m.linkPreviews[0]!.url !== '')).toBe(
      true,
    );
  });
});
