/**
 * The HTML archive in a real browser (Debian's Chromium through playwright, as vitest's browser
 * project uses it): a synthetic account exported with its media, a chat page opened by file://
 * URL. Its bubbles are visible, an inline picture decodes (naturalWidth > 0), a voice note's
 * audio loads, no request leaves file://, and the page renders in light and dark.
 *
 * `SBACKUP_SCREENSHOTS=1 npx vitest run --project node test/export/html.browser.node.test.ts`
 * also saves docs/export-chat.png and docs/export-chat-dark.png (for the README).
 */

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRecords } from '../../src/export/model.js';
import type { Frame } from '../../src/frames/codec.js';
import { toHex } from '../../src/internal/bytes.js';
import { exportToDirectory } from '../../src/node/export.js';
import { generateSyntheticAccount } from '../../src/testing/synthetic.js';

const account = generateSyntheticAccount({ contacts: 5, groups: 2, messages: 900, attachments: 60, seed: 21 });
let dir: string;
let out: string;
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-html-browser-'));
  out = join(dir, 'archive');
  const frames: Frame[] = [
    { account: account.account },
    ...account.recipients.map((recipient) => ({ recipient })),
    ...account.chats.map((chat) => ({ chat })),
    ...[...account.chatItems()].map((chatItem) => ({ chatItem })),
  ];
  const byHash = new Map(account.attachments.map((a) => [toHex(a.plaintextHash), a.plaintext]));
  await exportToDirectory(out, exportRecords(frames, { selfAci: account.aci }), {
    format: 'html',
    media: (a) => {
      const bytes = a.plaintextHash === undefined ? undefined : byHash.get(a.plaintextHash);
      return bytes === undefined ? undefined : [bytes];
    },
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The group chat page with the most inline pictures and at least one voice note. */
async function pickPage(): Promise<string> {
  let best = '';
  let bestCount = -1;
  for (const rel of await readdir(out, { recursive: true })) {
    if (!rel.endsWith('.html') || rel === 'index.html') continue;
    const html = await readFile(join(out, rel), 'utf8');
    const images = html.match(/<img src="[^"]+\.png"/g)?.length ?? 0;
    // A group chat (authors shown on incoming bubbles) with a voice note, most pictures first.
    if (html.includes('<audio') && html.includes('<div class="bubble"><div class="author">') && images > bestCount) {
      best = rel;
      bestCount = images;
    }
  }
  expect(bestCount).toBeGreaterThan(0);
  return best;
}

describe('HTML archive in Chromium', () => {
  it('shows bubbles, decoded pictures and playable audio, offline, in light and dark', async () => {
    const rel = await pickPage();
    const context = await browser.newContext({ viewport: { width: 900, height: 1200 } });
    const page = await context.newPage();
    const outside: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.goto(pathToFileURL(join(out, rel)).href, { waitUntil: 'load' });

    const backgrounds: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const bubbles = page.locator('.msg .bubble');
      expect(await bubbles.count()).toBeGreaterThan(10);
      await expect.poll(() => bubbles.first().isVisible()).toBe(true);
      backgrounds.push(await page.evaluate(() => getComputedStyle(document.body).backgroundColor));
      const bubbleColours = await page.evaluate(() => {
        const pick = (sel: string) => {
          const el = document.querySelector(sel);
          return el === null ? '' : getComputedStyle(el).backgroundColor;
        };
        return [pick('.msg.in .bubble'), pick('.msg.out .bubble')];
      });
      expect(bubbleColours[0]).not.toBe(bubbleColours[1]);
    }
    // Both schemes rendered, and differently.
    expect(backgrounds[0]).not.toBe(backgrounds[1]);

    // Pictures decode once scrolled into view (they load lazily).
    const images = page.locator('.media img');
    const n = await images.count();
    expect(n).toBeGreaterThan(0);
    for (let i = 0; i < Math.min(n, 3); i++) {
      const img = images.nth(i);
      await img.scrollIntoViewIfNeeded();
      await expect
        .poll(() => img.evaluate((e: HTMLImageElement) => (e.complete ? e.naturalWidth : 0)), { timeout: 10_000 })
        .toBeGreaterThan(0);
      const [natural, declared] = await img.evaluate((e: HTMLImageElement) => [e.naturalWidth, e.width]);
      expect(natural).toBeGreaterThan(0);
      expect(declared).toBeGreaterThan(0);
    }
    // A voice note's audio: the WAV loads and has a duration.
    const audio = page.locator('.media audio').first();
    await audio.scrollIntoViewIfNeeded();
    await expect
      .poll(() => audio.evaluate((a: HTMLAudioElement) => (a.readyState >= 1 ? a.duration : 0)), { timeout: 10_000 })
      .toBeGreaterThan(0.05);

    expect(outside).toEqual([]);
    expect(failed).toEqual([]);

    if (process.env.SBACKUP_SCREENSHOTS === '1') {
      const docs = new URL('../../docs/', import.meta.url);
      await page.evaluate(() => window.scrollTo(0, 0));
      const firstImage = images.first();
      await firstImage.scrollIntoViewIfNeeded();
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await page.screenshot({
          path: new URL(colorScheme === 'light' ? 'export-chat.png' : 'export-chat-dark.png', docs).pathname,
        });
      }
    }
    await context.close();
  }, 120_000);

  it('the index lists every chat and links only to local pages', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(join(out, 'index.html')).href, { waitUntil: 'load' });
    const links = await page.locator('a[href]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(links.length).toBeGreaterThanOrEqual(account.chats.length);
    expect(links.every((h) => h.startsWith('file://'))).toBe(true);
    expect(outside).toEqual([]);
    await page.close();
  }, 60_000);
});
