/**
 * `npm run viewer:screenshots`: screenshots of the viewer for the README, light and dark, of the
 * chat list and of a chat: docs/viewer-chats-{light,dark}.png and docs/viewer-chat-{light,dark}.png.
 * Uses demo-out/ (`npm run demo`) when it is there, else a smaller synthetic account; builds the
 * viewer, serves it with `sbackup view`'s server and drives Chromium (CHROMIUM_PATH or
 * /usr/bin/chromium).
 */

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright';
import { startViewServer } from '../src/node/viewServer.js';
import { makeViewerFixture } from '../test/viewer/fixture.js';
import { buildViewer } from './build-viewer.js';

const root = resolve(import.meta.dirname, '..');
const tmp = await mkdtemp(join(tmpdir(), 'sbackup-shots-'));
try {
  let folder: string;
  let recoveryKey: string;
  const demo = join(root, 'demo-out');
  if (existsSync(join(demo, 'summary.json'))) {
    const summary = JSON.parse(await readFile(join(demo, 'summary.json'), 'utf8'));
    folder = join(demo, summary.localFolder);
    recoveryKey = summary.key.recoveryKey;
    process.stderr.write(`using the demo in ${demo}\n`);
  } else {
    process.stderr.write('demo-out/ not found: using a smaller synthetic account\n');
    const fx = await makeViewerFixture(join(tmp, 'data'), { seed: 1, messages: 3000, attachments: 120, remote: false });
    folder = fx.folder;
    recoveryKey = fx.account.recoveryKey;
  }
  const server = await startViewServer({ root: await buildViewer(join(tmp, 'viewer')) });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({
        colorScheme: scheme,
        viewport: { width: 1200, height: 760 },
        deviceScaleFactor: 1,
        timezoneId: 'UTC',
        locale: 'en-GB',
      });
      const page = await context.newPage();
      await page.goto(server.url);
      await page.getByLabel('Backup folder').setInputFiles(folder);
      await page.getByLabel('Recovery key').fill(recoveryKey);
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      const items = page.getByRole('list', { name: 'Chats' }).getByRole('listitem');
      await items.first().waitFor({ timeout: 120_000 });
      await page.screenshot({ path: join(root, 'docs', `viewer-chats-${scheme}.png`) });
      // The first group chat whose last screenful shows a photo, else the first group.
      const groups = page.locator('.chat-item').filter({ has: page.locator('.chat-last') });
      let chosen = false;
      const count = Math.min(await groups.count(), 12);
      for (let i = 0; i < count && !chosen; i++) {
        await groups.nth(i).click();
        await page.waitForTimeout(600);
        chosen = (await page.locator('[role="log"] img').count()) > 0;
      }
      if (!chosen) await groups.first().click();
      await page.waitForFunction(
        () => [...document.querySelectorAll('[role="log"] img')].every((i) => (i as HTMLImageElement).complete),
        undefined,
        { timeout: 10_000 },
      );
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(root, 'docs', `viewer-chat-${scheme}.png`) });
      await context.close();
      process.stderr.write(`docs/viewer-chats-${scheme}.png, docs/viewer-chat-${scheme}.png\n`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
