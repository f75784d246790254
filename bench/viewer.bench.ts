/**
 * Viewer scale benchmark (`npm run bench -- viewer`), in real Chromium: a synthetic backup of
 * SBACKUP_BENCH_VIEWER_MESSAGES messages (default 1,000,000; 300 contacts and 15 groups so that
 * the busiest chat has about a tenth of them) as a local folder, opened in the viewer served by
 * `sbackup view`'s server. Measures:
 * - time to the first chat list (MAC pass, decryption, indexing in the worker);
 * - time to open the chat nearest 100,000 messages (its last messages on screen);
 * - the page's JS heap (and, where the browser can measure it, the worker's) after scrolling
 *   through that whole chat from its end to its start, with the number of rows in the DOM.
 * The backup is built once per size under bench/results/viewer-<size>/ (gitignored) and reused.
 */

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { buildViewer } from '../scripts/build-viewer.js';
import { startViewServer } from '../src/node/viewServer.js';
import { makeViewerFixture } from '../test/viewer/fixture.js';

const MESSAGES = Number(process.env.SBACKUP_BENCH_VIEWER_MESSAGES ?? 1_000_000);
const TARGET_CHAT = 100_000;
const here = fileURLToPath(new URL('.', import.meta.url));
const dataDir = join(here, 'results', `viewer-${MESSAGES}`);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const t = () => performance.now();

if (!existsSync(join(dataDir, 'ready.json'))) {
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const t0 = t();
  process.stdout.write(`building a synthetic backup of ${MESSAGES.toLocaleString('en')} messages…\n`);
  const fx = await makeViewerFixture(dataDir, {
    seed: 5,
    messages: MESSAGES,
    contacts: 300,
    groups: 15,
    attachments: 300,
    remote: false,
  });
  await writeFile(
    join(dataDir, 'ready.json'),
    JSON.stringify({ recoveryKey: fx.account.recoveryKey, folder: fx.folder }),
  );
  process.stdout.write(`  built in ${((t() - t0) / 1000).toFixed(1)} s\n`);
}
const { recoveryKey, folder } = JSON.parse(
  await (await import('node:fs/promises')).readFile(join(dataDir, 'ready.json'), 'utf8'),
) as { recoveryKey: string; folder: string };

const SCROLL_THROUGH = `(async () => {
  const log = document.querySelector('[role="log"]');
  let maxRows = 0;
  let screens = 0;
  while (log.scrollTop > 0) {
    log.scrollTop = Math.max(0, log.scrollTop - log.clientHeight * 8);
    for (let k = 0; k < 200; k++) {
      await new Promise((r) => requestAnimationFrame(r));
      if (log.querySelector('.row-loading') === null) break;
    }
    maxRows = Math.max(maxRows, log.querySelectorAll('.row').length);
    screens++;
  }
  return { maxRows, screens, height: log.scrollHeight };
})()`;

const MEASURE_HEAP = `(async () => {
  if (typeof gc === 'function') gc();
  let worker;
  let all;
  if (crossOriginIsolated && typeof performance.measureUserAgentSpecificMemory === 'function') {
    const m = await performance.measureUserAgentSpecificMemory();
    all = m.bytes;
    worker = m.breakdown
      .filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope'))
      .reduce((n, b) => n + b.bytes, 0);
  }
  return { page: performance.memory ? performance.memory.usedJSHeapSize : 0, worker, all };
})()`;

const tmp = await mkdtemp(join(tmpdir(), 'sbackup-viewer-bench-'));
const server = await startViewServer({ root: await buildViewer(join(tmp, 'viewer')) });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--enable-precise-memory-info', '--js-flags=--expose-gc'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(server.url);
  await page.getByLabel('Backup folder').setInputFiles(folder);
  await page.getByLabel('Recovery key').fill(recoveryKey);
  const t0 = t();
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page.getByRole('list', { name: 'Chats' }).getByRole('listitem').first().waitFor({ timeout: 1_800_000 });
  const firstList = (t() - t0) / 1000;
  const total = await page.locator('.side-head .sub').textContent();

  // The chat nearest 100,000 messages.
  const counts = await page
    .locator('.chat-item')
    .evaluateAll((els) => els.map((e) => Number(e.querySelector('.count')?.getAttribute('title')?.split(' ')[0] ?? 0)));
  let best = 0;
  for (let i = 1; i < counts.length; i++) {
    if (Math.abs(counts[i]! - TARGET_CHAT) < Math.abs(counts[best]! - TARGET_CHAT)) best = i;
  }
  const t1 = t();
  await page.locator('.chat-item').nth(best).click();
  await page.waitForFunction(() => document.querySelectorAll('[role="log"] article').length > 5, undefined, {
    timeout: 120_000,
  });
  const openChat = (t() - t1) / 1000;

  // Scroll from the end to the start, a screenful at a time in big jumps, each screen loaded.
  const t2 = t();
  // A string, not a function: tsx would wrap inner functions in a helper the page does not have.
  const scroll = (await page.evaluate(SCROLL_THROUGH)) as { maxRows: number; screens: number; height: number };
  const scrollSeconds = (t() - t2) / 1000;
  const heap = (await page.evaluate(MEASURE_HEAP)) as { page: number; worker?: number; all?: number };
  console.log(`viewer, ${total}`);
  console.log(`  time to the first chat list         ${firstList.toFixed(1)} s`);
  console.log(`  time to open a chat of ${counts[best]!.toLocaleString('en')} messages  ${openChat.toFixed(2)} s`);
  console.log(
    `  scrolled through it: ${scroll.screens} jumps in ${scrollSeconds.toFixed(1)} s, at most ${scroll.maxRows} rows in the DOM (list height ${(scroll.height / 1e6).toFixed(1)} Mpx)`,
  );
  console.log(`  page JS heap after scrolling         ${mb(heap.page)}`);
  if (heap.worker !== undefined)
    console.log(`  worker memory (index of every chat)  ${mb(heap.worker)} (all: ${mb(heap.all ?? 0)})`);
} finally {
  await browser.close();
  await server.close();
  await rm(tmp, { recursive: true, force: true });
}
