/**
 * The browser viewer in real Chromium (playwright), served by `sbackup view`'s own server: a
 * synthetic account as a local folder and as a remote-style file, opened with their keys; the
 * chat list, a chat's last messages, a decoded image, search; wrong key and damaged file; no
 * request leaves the origin; the CSP. Expected values come from the library reading the same
 * backup in Node (openLocalSnapshot + the export model), not from the page.
 */

import { createHash } from 'node:crypto';
import { cp, mkdtemp, open, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strFromU8, unzipSync } from 'fflate';
import { buildViewer } from '../../scripts/build-viewer.js';
import { chatDirectoryName, escapeHtml, formattedTextToHtml } from '../../src/export/html.js';
import { type ExportChat, type ExportMessage, exportRecords } from '../../src/export/model.js';
import { decodeFrame } from '../../src/frames/codec.js';
import { openLocalSnapshot } from '../../src/incremental/localRead.js';
import { generateRecoveryKey } from '../../src/keys/recoveryKey.js';
import { fsStorage } from '../../src/node/fsStorage.js';
import { startViewServer, VIEWER_CSP, type ViewServer } from '../../src/node/viewServer.js';
import { makeViewerFixture, type ViewerFixture } from './fixture.js';

let dir: string;
let fixture: ViewerFixture;
let server: ViewServer;
let browser: Browser;
let context: BrowserContext;
const foreign: string[] = [];
const chats: ExportChat[] = [];
const messages = new Map<string, ExportMessage[]>();

/** What the library reads from a folder, or the message it fails with. */
async function libraryOpen(folder: string, recoveryKey: string): Promise<string | undefined> {
  try {
    const opened = await openLocalSnapshot(fsStorage(folder), { key: { recoveryKey } });
    for await (const _ of opened.frames) {
      // read to the end: a damaged file fails here at the latest
    }
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The chat whose last photo (a PNG the folder holds) is nearest its end. */
function chatWithPhoto() {
  return chats
    .map((c) => {
      const list = messages.get(c.id)!;
      let i = list.length - 1;
      while (
        i >= 0 &&
        !list[i]!.attachments.some((a) => a.contentType === 'image/png' && a.localFileName !== undefined)
      )
        i--;
      return { chat: c, fromEnd: i < 0 ? Number.POSITIVE_INFINITY : list.length - i, message: list[i] };
    })
    .sort((a, b) => a.fromEnd - b.fromEnd)[0]!;
}

const utcClock = (ms: number) => new Date(ms).toISOString().slice(11, 16);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-viewer-'));
  const [built, fx] = await Promise.all([
    buildViewer(join(dir, 'viewer')),
    makeViewerFixture(join(dir, 'data'), { seed: 7, contacts: 5, groups: 2, messages: 600, attachments: 24 }),
  ]);
  fixture = fx;
  const opened = await openLocalSnapshot(fsStorage(fixture.folder), {
    key: { recoveryKey: fixture.account.recoveryKey },
  });
  for await (const r of exportRecords(
    (async function* () {
      for await (const f of opened.frames) yield decodeFrame(f);
    })(),
  )) {
    if (r.type === 'chat') {
      chats.push(r);
      messages.set(r.id, []);
    } else if (r.type === 'message') messages.get(r.chatId)?.push(r);
  }
  server = await startViewServer({ root: built });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-GB', viewport: { width: 1200, height: 800 } });
  // Tracks the page's live blob: URLs, to check that they are revoked when media leave the view.
  await context.addInitScript(() => {
    const live = new Set<string>();
    (globalThis as unknown as { liveBlobUrls: Set<string> }).liveBlobUrls = live;
    const create = URL.createObjectURL.bind(URL);
    const revoke = URL.revokeObjectURL.bind(URL);
    URL.createObjectURL = (o: Blob | MediaSource) => {
      const url = create(o);
      live.add(url);
      return url;
    };
    URL.revokeObjectURL = (url: string) => {
      live.delete(url);
      revoke(url);
    };
  });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== new URL(server.url).origin) {
      foreign.push(url.href);
      return route.abort();
    }
    return route.continue();
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function openPage(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(server.url);
  return page;
}

async function openFolder(page: Page, folder: string, key: string): Promise<void> {
  await page.getByLabel('Backup folder').setInputFiles(folder);
  await page.getByLabel('Recovery key').fill(key);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
}

/** A locator's text, or "" while it is not there. */
const textOf = async (l: Locator) => ((await l.count()) === 0 ? '' : ((await l.first().textContent()) ?? '').trim());

const chatList = (page: Page) => page.getByRole('list', { name: 'Chats' });

describe('viewer', () => {
  it('is served with the CSP header and carries it in a meta', async () => {
    const page = await context.newPage();
    const response = await page.goto(server.url);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toBe(VIEWER_CSP);
    for (const d of ["default-src 'self'", "connect-src 'none'", "img-src 'self' blob:", 'media-src blob:']) {
      expect(csp).toContain(d);
    }
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toContain("connect-src 'none'");
    expect(meta).toContain("script-src 'self'");
    await page.close();
  });

  it('opens the local folder: the chat list, the last messages of a chat, a decoded image', async () => {
    const page = await openPage();
    await openFolder(page, fixture.folder, fixture.account.recoveryKey);
    const items = chatList(page).getByRole('listitem');
    await expect.poll(() => items.count(), { timeout: 30_000 }).toBe(chats.length);
    const titles = await items.locator('.chat-title').allInnerTexts();
    expect(new Set(titles)).toEqual(new Set(chats.map((c) => c.title)));

    // The group chat with the most messages: its last three messages, authors and times.
    const group = chats
      .filter((c) => c.kind === 'group')
      .sort((a, b) => messages.get(b.id)!.length - messages.get(a.id)!.length)[0]!;
    await items.filter({ hasText: group.title }).first().getByRole('button').click();
    const log = page.getByRole('log', { name: 'Messages' });
    const expected = messages.get(group.id)!.slice(-3);
    const labels = async () =>
      await log.getByRole('article').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    const want = expected.map((m) =>
      m.kind === 'update' ? `Update at ${utcClock(m.sentMs)}` : `${m.author.name} at ${utcClock(m.sentMs)}`,
    );
    await expect.poll(async () => (await labels()).slice(-3), { timeout: 15_000 }).toEqual(want);
    const lastText = expected.at(-1)!.text?.text ?? expected.at(-1)!.update?.text;
    if (lastText !== undefined)
      expect(await log.getByRole('article').last().textContent()).toContain(lastText.slice(0, 40));

    // A chat with a photo near its end: scroll up until the image is decoded.
    const withImage = chatWithPhoto();
    expect(withImage.message).toBeDefined();
    await items.filter({ hasText: withImage.chat.title }).first().getByRole('button').click();
    await page.getByRole('heading', { name: withImage.chat.title }).waitFor();
    const decoded = await page.evaluate(async () => {
      const log = document.querySelector('[role="log"]') as HTMLElement;
      for (let step = 0; step < 200; step++) {
        const img = [...log.querySelectorAll('img')].find((i) => i.complete && i.naturalWidth > 0);
        if (img !== undefined) return { width: img.naturalWidth, alt: img.alt, src: img.src };
        if (step % 4 === 3) log.scrollTop = Math.max(0, log.scrollTop - 500);
        await new Promise((r) => setTimeout(r, 100));
      }
      return undefined;
    });
    expect(decoded).toBeDefined();
    expect(decoded!.width).toBeGreaterThan(0);
    expect(decoded!.src.startsWith('blob:')).toBe(true);
    expect(decoded!.alt).not.toBe('');
    const liveBlobs = () =>
      page.evaluate(() => [...(globalThis as unknown as { liveBlobUrls: Set<string> }).liveBlobUrls]);
    expect(await liveBlobs()).toContain(decoded!.src);
    // Another chat: the media of the first leave the view and their URLs are revoked.
    const other = chats.find(
      (c) => c.id !== withImage.chat.id && messages.get(c.id)!.every((m) => m.attachments.length === 0),
    );
    if (other !== undefined) {
      await items.filter({ hasText: other.title }).first().getByRole('button').click();
      await page.getByRole('heading', { name: other.title }).waitFor();
      await expect.poll(liveBlobs, { timeout: 5_000 }).toEqual([]);
    } else {
      await page.getByRole('button', { name: 'Close' }).click();
      await expect.poll(liveBlobs, { timeout: 5_000 }).toEqual([]);
    }
    await page.close();
  });

  it('searches across chats and jumps to the message', async () => {
    const page = await openPage();
    await openFolder(page, fixture.folder, fixture.account.recoveryKey);
    await expect.poll(() => chatList(page).getByRole('listitem').count(), { timeout: 30_000 }).toBe(chats.length);
    // A message with a distinctive word: the longest text's longest word.
    const all = [...messages.values()].flat().filter((m) => m.kind === 'standard' && (m.text?.text.length ?? 0) > 20);
    const target = all[Math.floor(all.length / 2)]!;
    const phrase = target.text!.text.slice(0, 24);
    await page.getByRole('searchbox', { name: 'Search' }).fill(phrase);
    const results = page.getByRole('list', { name: 'Search results' }).getByRole('listitem');
    await expect.poll(() => textOf(results.first()), { timeout: 15_000 }).toContain(phrase);
    const title = chats.find((c) => c.id === target.chatId)!.title;
    await results.filter({ hasText: title }).first().getByRole('button').click();
    const hit = page.getByRole('log', { name: 'Messages' }).locator('article.hit');
    await expect.poll(() => textOf(hit), { timeout: 15_000 }).toContain(phrase);
    const box = await hit.boundingBox();
    const logBox = await page.getByRole('log', { name: 'Messages' }).boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(logBox!.y - 1);
    expect(box!.y).toBeLessThan(logBox!.y + logBox!.height);
    await page.close();
  });

  it('exports one chat as the HTML archive, with its media', async () => {
    const page = await openPage();
    await openFolder(page, fixture.folder, fixture.account.recoveryKey);
    const { chat, message } = chatWithPhoto();
    await chatList(page).getByRole('listitem').filter({ hasText: chat.title }).first().getByRole('button').click();
    await page.getByRole('heading', { name: chat.title }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 30_000 }),
      page.getByRole('button', { name: 'Export as HTML' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${chatDirectoryName(chat)}.zip`);
    const files = unzipSync(new Uint8Array(await readFile((await download.path())!)));
    expect(Object.keys(files)).toContain('index.html');
    expect(Object.keys(files)).toContain('style.css');
    const pages = Object.keys(files)
      .filter((f) => f.startsWith(`${chatDirectoryName(chat)}/page-`))
      .map((f) => strFromU8(files[f]!))
      .join('');
    const last = messages.get(chat.id)!.at(-1)!;
    expect(pages).toContain(
      last.text === undefined ? escapeHtml(last.update?.text ?? '') : formattedTextToHtml(last.text),
    );
    // The photo is in the zip, byte for byte (its SHA-256 is the pointer's plaintextHash).
    const photo = message!.attachments.find((a) => a.contentType === 'image/png')!;
    const found = Object.entries(files).find(
      ([name, bytes]) =>
        name.endsWith('.png') && createHash('sha256').update(bytes).digest('hex') === photo.plaintextHash,
    );
    expect(found).toBeDefined();
    expect(pages).toContain(`src="${escapeHtml(`../${found![0].split('/').map(encodeURIComponent).join('/')}`)}"`);
    await page.close();
  });

  it('is keyboard navigable, and plays a voice note', async () => {
    const page = await openPage();
    await page.getByLabel('Backup folder').setInputFiles(fixture.folder);
    await page.getByLabel('Recovery key').fill(fixture.account.recoveryKey);
    await page.getByLabel('Recovery key').press('Enter');
    const buttons = chatList(page).getByRole('button');
    await expect.poll(() => buttons.count(), { timeout: 30_000 }).toBe(chats.length);
    await buttons.first().focus();
    await page.keyboard.press('ArrowDown');
    const second = (await buttons.nth(1).locator('.chat-title').textContent())!;
    expect(await page.evaluate(() => document.activeElement?.querySelector('.chat-title')?.textContent)).toBe(second);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: second }).waitFor();

    // The chat whose last voice note is nearest its end.
    const withAudio = chats
      .map((c) => {
        const list = messages.get(c.id)!;
        let i = list.length - 1;
        while (
          i >= 0 &&
          !list[i]!.attachments.some((a) => a.contentType === 'audio/wav' && a.localFileName !== undefined)
        )
          i--;
        return { chat: c, fromEnd: i < 0 ? Number.POSITIVE_INFINITY : list.length - i };
      })
      .sort((a, b) => a.fromEnd - b.fromEnd)[0]!;
    expect(withAudio.fromEnd).toBeLessThan(Number.POSITIVE_INFINITY);
    await chatList(page)
      .getByRole('listitem')
      .filter({ hasText: withAudio.chat.title })
      .first()
      .getByRole('button')
      .click();
    await page.getByRole('heading', { name: withAudio.chat.title }).waitFor();
    const duration = await page.evaluate(`(async () => {
      const log = document.querySelector('[role="log"]');
      for (let step = 0; step < 200; step++) {
        const audio = [...log.querySelectorAll('audio')].find((a) => a.src.startsWith('blob:'));
        if (audio !== undefined) {
          if (audio.readyState < 1) await new Promise((r) => { audio.onloadedmetadata = r; audio.onerror = r; });
          return audio.duration;
        }
        if (step % 4 === 3) log.scrollTop = Math.max(0, log.scrollTop - 500);
        await new Promise((r) => setTimeout(r, 100));
      }
      return -1;
    })()`);
    expect(duration).toBeGreaterThan(0);
    await page.close();
  });

  it('opens the remote-style file with the recovery key, ACI and token', async () => {
    const page = await openPage();
    await page.getByLabel('Or a backup file').setInputFiles(fixture.file!);
    await page.getByLabel('Recovery key').fill(fixture.account.recoveryKey);
    await page.getByLabel('Account ID (ACI)').fill(fixture.account.aci);
    await page.getByLabel('Forward-secrecy token (hex)').fill(fixture.fsToken);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const items = chatList(page).getByRole('listitem');
    await expect.poll(() => items.count(), { timeout: 30_000 }).toBe(chats.length);
    expect(new Set(await items.locator('.chat-title').allInnerTexts())).toEqual(new Set(chats.map((c) => c.title)));
    await page.close();
  });

  it('a wrong key: the CLI message, and no chat', async () => {
    const wrong = generateRecoveryKey();
    const message = await libraryOpen(fixture.folder, wrong);
    expect(message).toBeDefined();
    const page = await openPage();
    await openFolder(page, fixture.folder, wrong);
    await expect.poll(() => textOf(page.getByRole('alert')), { timeout: 20_000 }).toBe(message);
    expect(await chatList(page).count()).toBe(0);
    expect(await page.getByRole('article').count()).toBe(0);
    await page.close();
  });

  it('a damaged main: the CLI message, nothing shown', async () => {
    const damaged = join(dir, 'damaged', 'SignalBackups');
    await cp(fixture.folder, damaged, { recursive: true });
    const snapshot = (await readdir(damaged)).find((n) => n.startsWith('signal-backup-'))!;
    const handle = await open(join(damaged, snapshot, 'main'), 'r+');
    const { size } = await handle.stat();
    const b = Buffer.alloc(1);
    await handle.read(b, 0, 1, Math.floor(size / 2));
    b[0] = b[0]! ^ 0x01;
    await handle.write(b, 0, 1, Math.floor(size / 2));
    await handle.close();
    const message = await libraryOpen(damaged, fixture.account.recoveryKey);
    expect(message).toBeDefined();
    const page = await openPage();
    await openFolder(page, damaged, fixture.account.recoveryKey);
    await expect.poll(() => textOf(page.getByRole('alert')), { timeout: 20_000 }).toBe(message);
    expect(await chatList(page).count()).toBe(0);
    expect(await page.getByRole('article').count()).toBe(0);
    await page.close();
  });

  it('made no request outside its origin', () => {
    expect(foreign).toEqual([]);
  });
});
