/**
 * The HTML archive's human dates and times in a chosen IANA time zone (`timeZone`, CLI `--tz`),
 * UTC by default. Expected wall times are calendar facts (Asia/Kolkata is UTC+05:30 all year;
 * America/New_York is UTC-04:00 in July), not our output.
 */

import { describe, expect, it } from 'vitest';
import { HtmlArchive, messageToHtml } from '../../src/export/html.js';
import { type ExportRecord, exportRecords } from '../../src/export/model.js';
import type { Frame } from '../../src/frames/codec.js';
import { generateSyntheticAccount } from '../../src/testing/synthetic.js';

async function recordsAt(startMs: number): Promise<ExportRecord[]> {
  const acc = generateSyntheticAccount({ contacts: 1, groups: 0, messages: 2, attachments: 0, startMs, seed: 4 });
  const frames: Frame[] = [
    { account: acc.account },
    ...acc.recipients.map((recipient) => ({ recipient })),
    ...acc.chats.map((chat) => ({ chat })),
    ...[...acc.chatItems()].map((chatItem) => ({ chatItem })),
  ];
  const out: ExportRecord[] = [];
  for await (const r of exportRecords(frames, { selfAci: acc.aci })) out.push(r);
  return out;
}

function render(records: ExportRecord[], timeZone?: string): string {
  const archive = new HtmlArchive(timeZone === undefined ? {} : { timeZone });
  let html = '';
  for (const r of records) for (const c of archive.push(r)) html += c.text;
  for (const c of archive.finish()) html += c.text;
  return html;
}

describe('HTML times in a time zone', () => {
  it('UTC by default; Asia/Kolkata moves the first message to the next day', async () => {
    const records = await recordsAt(Date.UTC(2025, 0, 1, 20, 0));
    const first = records.find((r) => r.type === 'message')!;
    expect(first.type === 'message' && first.sentMs).toBe(Date.UTC(2025, 0, 1, 20, 0));
    const utc = render(records);
    expect(utc).toContain('Wednesday, 1 January 2025');
    expect(utc).toContain('>20:00</time>');
    expect(utc).toContain('times in UTC');
    const india = render(records, 'Asia/Kolkata');
    expect(india).toContain('Thursday, 2 January 2025');
    expect(india).toContain('>01:30</time>');
    expect(india).not.toContain('>20:00</time>');
    expect(india).toContain('times in Asia/Kolkata');
    expect(india).toContain('Dates (Asia/Kolkata)');
    // The machine-readable time stays UTC.
    expect(india).toContain('datetime="2025-01-01T20:00:00.000Z"');
  });

  it('daylight saving time: America/New_York in July is UTC-4, back to the previous day', async () => {
    const records = await recordsAt(Date.UTC(2025, 6, 4, 3, 30));
    const html = render(records, 'America/New_York');
    expect(html).toContain('Thursday, 3 July 2025');
    expect(html).toContain('>23:30</time>');
    const m = records.find((r) => r.type === 'message')!;
    if (m.type === 'message') expect(messageToHtml(m, { timeZone: 'America/New_York' })).toContain('>23:30</time>');
  });

  it('an unknown zone is a RangeError', () => {
    expect(() => new HtmlArchive({ timeZone: 'Mars/Olympus_Mons' })).toThrow(RangeError);
    expect(() => new HtmlArchive({ timeZone: 'Mars/Olympus_Mons' })).toThrow(/IANA time zone/);
  });
});
