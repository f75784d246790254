import { describe, expect, it } from 'vitest';
import {
  type ExportMessage,
  type ExportRecord,
  recordsToJsonLines,
  exportRecords,
  formattedTextToHtml,
  HtmlArchive,
  recipientRecord,
} from '../../src/export/index.js';
import type { Frame } from '../../src/frames/index.js';
import { bytesToUuid } from '../../src/internal/bytes.js';
import { generateSyntheticAccount, type SyntheticAccount } from '../../src/testing/index.js';

function framesOf(account: SyntheticAccount): Frame[] {
  return [
    { account: account.account },
    ...account.recipients.map((recipient) => ({ recipient })),
    ...account.chats.map((chat) => ({ chat })),
    ...[...account.chatItems()].map((chatItem) => ({ chatItem })),
  ];
}

async function collect(it: AsyncIterable<ExportRecord>): Promise<ExportRecord[]> {
  const out: ExportRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

const account = generateSyntheticAccount({ contacts: 8, groups: 3, messages: 600, attachments: 20, seed: 7 });

/** Names as the synthetic generator gave them (profile given + family name). */
function expectedName(id: bigint): string {
  const r = account.recipients.find((x) => x.id === id)!;
  if (r.self != null) return 'You';
  return [r.contact!.profileGivenName, r.contact!.profileFamilyName].filter((s) => s).join(' ');
}

describe('exportRecords on a synthetic account', () => {
  it('yields every chat item of a chosen chat once, with its author name and times', async () => {
    const records = await collect(exportRecords(framesOf(account)));
    const items = [...account.chatItems()];
    // The busiest group chat.
    const groupChatIds = account.chats
      .filter((c) => account.recipients.find((r) => r.id === c.recipientId)?.group != null)
      .map((c) => c.id as bigint);
    const counts = groupChatIds.map((id) => items.filter((i) => i.chatId === id).length);
    const chatId = groupChatIds[counts.indexOf(Math.max(...counts))]!;
    const want = items.filter((i) => i.chatId === chatId);
    const got = records.filter((r): r is ExportMessage => r.type === 'message' && r.chatId === String(chatId));
    expect(want.length).toBeGreaterThan(20);
    expect(got.length).toBe(want.length);
    for (const [k, item] of want.entries()) {
      const m = got[k]!;
      expect(m.sentMs).toBe(Number(item.dateSent));
      expect(m.sent).toBe(new Date(Number(item.dateSent)).toISOString());
      expect(m.author.name).toBe(expectedName(item.authorId as bigint));
      expect(m.author.id).toBe(String(item.authorId));
      expect(m.direction).toBe(item.outgoing != null ? 'outgoing' : 'incoming');
      if (item.incoming != null) expect(m.receivedMs).toBe(Number(item.incoming.dateReceived));
      expect(m.reactions.length).toBe(
        (item.standardMessage?.reactions ?? item.viewOnceMessage?.reactions ?? []).length,
      );
      expect(m.revisions.length).toBe(item.revisions?.length ?? 0);
      const attachments =
        item.standardMessage?.attachments ?? (item.viewOnceMessage ? [item.viewOnceMessage.attachment] : []);
      expect(m.attachments.map((a) => a.size)).toEqual(attachments.map((a) => a!.pointer!.locatorInfo!.size));
      expect(m.attachments.every((a) => a.present && a.localFileName?.length === 64)).toBe(true);
    }
    // Chats: the self chat is "Note to Self", a group is titled by its group title.
    const chats = records.filter((r) => r.type === 'chat');
    expect(chats.find((c) => c.kind === 'note-to-self')?.title).toBe('Note to Self');
    expect(chats.filter((c) => c.kind === 'group').length).toBe(3);
  });

  it('resolves mentions to @Name and moves the ranges', async () => {
    const items = [...account.chatItems()];
    const mentioned = items.find((i) => i.standardMessage?.text?.bodyRanges?.some((r) => r.mentionAci != null))!;
    expect(mentioned).toBeDefined();
    const aci = mentioned.standardMessage!.text!.bodyRanges![0]!.mentionAci!;
    const contact = account.recipients.find((r) => r.contact?.aci && bytesToUuid(r.contact.aci) === bytesToUuid(aci))!;
    const name = contact.contact!.profileGivenName!;
    const records = await collect(exportRecords(framesOf(account)));
    const m = records.find(
      (r): r is ExportMessage =>
        r.type === 'message' && r.sentMs === Number(mentioned.dateSent) && r.chatId === String(mentioned.chatId),
    )!;
    const rest = mentioned.standardMessage!.text!.body!.slice(1);
    expect(m.text!.text).toBe(`@${name}${rest}`);
    expect(m.text!.ranges).toEqual([
      { start: 0, length: name.length + 1, style: 'mention', recipientId: String(contact.id) },
    ]);
  });

  it('filters by chat, kind, time and text', async () => {
    const frames = framesOf(account);
    const all = (await collect(exportRecords(frames))).filter((r): r is ExportMessage => r.type === 'message');
    const dms = await collect(exportRecords(frames, { filter: { kinds: ['direct'] } }));
    expect(dms.filter((r) => r.type === 'chat').every((c) => c.type === 'chat' && c.kind === 'direct')).toBe(true);
    const mid = all[300]!.sentMs;
    const late = (await collect(exportRecords(frames, { filter: { sinceMs: mid } }))).filter(
      (r) => r.type === 'message',
    );
    expect(late.length).toBe(all.filter((m) => m.sentMs >= mid).length);
    const title = expectedName(4n);
    const one = await collect(exportRecords(frames, { filter: { chats: [title.toUpperCase()] } }));
    expect(one.filter((r) => r.type === 'chat').map((c) => (c as { title: string }).title)).toEqual([title]);
    const word = all[10]!.text!.text.split(' ').at(-1)!;
    const found = (await collect(exportRecords(frames, { filter: { search: word } }))).filter(
      (r) => r.type === 'message',
    );
    expect(found.length).toBeGreaterThan(0);
    expect(
      found.every((m) => m.type === 'message' && JSON.stringify(m).toLowerCase().includes(word.toLowerCase())),
    ).toBe(true);
  });

  it('JSON Lines declares every id before a record uses it', async () => {
    const lines: string[] = [];
    for await (const l of recordsToJsonLines(exportRecords(framesOf(account)))) lines.push(l);
    expect(JSON.parse(lines[0]!)).toEqual({ type: 'header', format: 'sbackup-export', version: 1 });
    const recipients = new Set<string>();
    const chats = new Set<string>();
    let messages = 0;
    const usesRecipient = (id: string | undefined) => {
      if (id !== undefined) expect(recipients.has(id)).toBe(true);
    };
    for (const line of lines.slice(1)) {
      expect(line.endsWith('\n')).toBe(true);
      const r = JSON.parse(line) as ExportRecord;
      if (r.type === 'recipient') recipients.add(r.id);
      else if (r.type === 'chat') {
        usesRecipient(r.recipientId);
        chats.add(r.id);
      } else if (r.type === 'message') {
        messages++;
        expect(chats.has(r.chatId)).toBe(true);
        usesRecipient(r.author.id);
        usesRecipient(r.quote?.author.id);
        for (const x of r.reactions) usesRecipient(x.author.id);
        for (const x of r.text?.ranges ?? []) usesRecipient(x.recipientId);
      }
    }
    expect(messages).toBe(account.messageCount);
  });
});

describe('display names', () => {
  const base = { aci: new Uint8Array(16).fill(1), e164: 15550100001n, username: 'neo.01' };
  it('follow nickname, system name, profile name, shared name, username, phone number', () => {
    const name = (contact: object) => recipientRecord({ id: 9n, contact: { ...base, ...contact } }).name;
    const full = {
      nickname: { given: 'Nick', family: 'N' },
      systemGivenName: 'Sys',
      systemFamilyName: 'Tem',
      profileGivenName: 'Pro',
      profileFamilyName: 'File',
      sharedName: { given: 'Sha', family: '' },
    };
    expect(name(full)).toBe('Nick N');
    expect(name({ ...full, nickname: null })).toBe('Sys Tem');
    expect(
      name({ ...full, nickname: null, systemGivenName: '', systemFamilyName: '', systemNickname: 'Sysnick' }),
    ).toBe('Sysnick');
    expect(name({ profileGivenName: 'Pro', profileFamilyName: 'File', sharedName: { given: 'Sha' } })).toBe('Pro File');
    expect(name({ sharedName: { given: 'Sha' } })).toBe('Sha');
    expect(name({})).toBe('neo.01');
    expect(recipientRecord({ id: 9n, contact: { e164: 15550100001n } }).name).toBe('+15550100001');
    expect(recipientRecord({ id: 9n, contact: {} }).name).toBe('Unknown');
    expect(recipientRecord({ id: 1n, self: {} }).name).toBe('Note to Self');
    expect(recipientRecord({ id: 2n, releaseNotes: {} }).name).toBe('Signal');
    expect(recipientRecord({ id: 3n, group: { snapshot: { title: { title: 'Climbing' } } } }).name).toBe('Climbing');
    expect(recipientRecord({ id: 3n, group: { snapshot: {} } }).name).toBe('Unnamed group');
  });
});

describe('HTML', () => {
  it('escapes text and styles ranges', () => {
    const html = formattedTextToHtml({
      text: '<b>bold</b> & "q"',
      ranges: [
        { start: 3, length: 4, style: 'bold' },
        { start: 0, length: 17, style: 'italic' },
      ],
    });
    expect(html).not.toContain('<b>');
    expect(html).toContain('&#60;b&#62;');
    // "bold" is in both ranges; the rest only in the italic one; the text itself is unchanged.
    expect(html).toContain('<strong><em>bold</em></strong>');
    expect(html.replace(/<\/?(em|strong)>/g, '')).toBe('&#60;b&#62;bold&#60;/b&#62; &#38; &#34;q&#34;');
    expect(html.match(/<em>/g)?.length).toBe(3);
    expect(html).toContain('&#38; &#34;q&#34;');
  });

  it('pages long chats, escapes names and has no network reference', async () => {
    const evil = generateSyntheticAccount({ contacts: 2, groups: 1, messages: 300, attachments: 5, seed: 3 });
    const frames = framesOf(evil);
    const contact = frames.find((f) => f.recipient?.contact != null)!.recipient!.contact!;
    contact.profileGivenName = '<img src=x onerror=alert(1)>';
    const item = frames.find((f) => f.chatItem?.standardMessage?.text != null)!.chatItem!;
    item.standardMessage!.text!.body = '<script>alert("x")</script> see https://example.com/';
    item.standardMessage!.linkPreview = [{ url: 'https://example.com/', title: 'Example' }];
    const archive = new HtmlArchive({ pageSize: 50 });
    const files = new Map<string, string>();
    const add = (c: { path: string; text: string }) => files.set(c.path, (files.get(c.path) ?? '') + c.text);
    for await (const r of exportRecords(frames)) archive.push(r).forEach(add);
    archive.finish().forEach(add);
    const pages = [...files.keys()].filter((p) => p.endsWith('.html') && p !== 'index.html');
    expect(pages.length).toBeGreaterThan(300 / 50);
    const all = [...files.values()].join('');
    expect(all).not.toContain('<script');
    expect(all).not.toContain('<img src=x');
    expect(all).toContain('&#60;script&#62;');
    // No URL an offline page would fetch or follow: no scheme, no protocol-relative reference.
    expect(all).not.toMatch(/(src|href)="(https?:|\/\/|data:|javascript:)/i);
    expect(all).not.toMatch(/url\(/i);
    expect(all).not.toMatch(/@import/);
    expect(files.get('style.css')).toContain('prefers-color-scheme:dark');
    // Every page is closed and links the next one except the last.
    for (const p of pages) expect(files.get(p)!.trimEnd().endsWith('</html>')).toBe(true);
    expect(files.get('index.html')).toContain('page-1.html');
  });
});
