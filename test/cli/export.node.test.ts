/**
 * `sbackup chats` and `sbackup export`, run through their command objects (main.ts registers
 * them). Input: a synthetic account as a local backup folder on disk and as a backup file.
 */

import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupWriter } from '../../src/api/writer.js';
import type { CliContext } from '../../src/cli/io.js';
import { chats, exportChats } from '../../src/cli/commands/export.js';
import { type Frame, encodeBackup } from '../../src/frames/index.js';
import { toHex } from '../../src/internal/bytes.js';
import { createLocalBackup } from '../../src/incremental/localFolder.js';
import { fsStorage } from '../../src/node/fsStorage.js';
import { generateSyntheticAccount } from '../../src/testing/index.js';

const account = generateSyntheticAccount({ contacts: 4, groups: 2, messages: 400, attachments: 12, seed: 11 });
let dir: string;
let folder: string;
let file: string;

async function run(command: typeof chats, args: string[]) {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { SBACKUP_AEP: account.recoveryKey },
    readStdin: async () => '',
  };
  const code = await command.run(args, ctx);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-cli-export-'));
  const frames: Frame[] = [
    { account: account.account },
    ...account.recipients.map((recipient) => ({ recipient })),
    ...account.chats.map((chat) => ({ chat })),
    ...[...account.chatItems()].map((chatItem) => ({ chatItem })),
  ];
  const binproto = encodeBackup({ backupInfo: account.backupInfo, frames });
  const byHash = new Map(account.attachments.map((a) => [toHex(a.plaintextHash), a.plaintext]));
  folder = join(dir, 'SignalBackups');
  await createLocalBackup(fsStorage(folder), {
    key: { recoveryKey: account.recoveryKey, aci: account.aci },
    frames: binproto,
    media: (req) => {
      const p = byHash.get(req.plaintextHashHex);
      return p === undefined ? undefined : [p];
    },
    now: Date.UTC(2025, 5, 1),
  });
  const { bytes } = await new BackupWriter({
    purpose: 'remote',
    key: { recoveryKey: account.recoveryKey, aci: account.aci },
  }).writeToBytes(account.backupContent());
  file = join(dir, 'remote.backup');
  await writeFile(file, bytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sbackup chats', () => {
  it('lists every chat with its message count (--json) and as a table', async () => {
    const items = [...account.chatItems()];
    const json = await run(chats, [folder, '--aci', account.aci, '--json']);
    expect(json.code).toBe(0);
    const list = JSON.parse(json.stdout) as { id: string; kind: string; messages: number; title: string }[];
    expect(list.length).toBe(account.chats.length);
    for (const c of account.chats) {
      const row = list.find((r) => r.id === String(c.id))!;
      expect(row.messages).toBe(items.filter((i) => i.chatId === c.id).length);
    }
    expect(list.find((r) => r.kind === 'note-to-self')?.title).toBe('Note to Self');
    const table = await run(chats, [file, '--aci', account.aci, '--groups']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +KIND +MESSAGES +LAST +TITLE$/);
    expect(lines.length).toBe(1 + 2);
    expect(lines.slice(1).every((l) => / group /.test(l))).toBe(true);
  });
});

describe('sbackup export', () => {
  it('writes an HTML archive with every medium decrypted once, 0600, from a local folder', async () => {
    const to = join(dir, 'html');
    const r = await run(exportChats, [folder, '--aci', account.aci, '--to', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      ok: true,
      format: 'html',
      chats: account.chats.length,
      messages: account.messageCount,
    });
    expect(summary.media.written).toBe(account.attachments.length);
    expect(summary.media.missing).toEqual([]);
    const names = await readdir(to, { recursive: true });
    expect(names).toContain('index.html');
    expect(names.some((n) => n.startsWith('.'))).toBe(false);
    // Media bytes equal the originals, each written once.
    const media = names.filter((n) => /\/\d{4}-\d{2}-\d{2}-\d+-/.test(n));
    expect(media.length).toBe(account.attachments.length);
    const want = new Set(account.attachments.map((a) => toHex(a.plaintextHash)));
    const { createHash } = await import('node:crypto');
    for (const n of media) {
      const bytes = await readFile(join(to, n));
      expect(want.delete(createHash('sha256').update(bytes).digest('hex'))).toBe(true);
      expect((await stat(join(to, n))).mode & 0o777).toBe(0o600);
    }
    expect((await stat(join(to, 'index.html'))).mode & 0o777).toBe(0o600);
    // Pages reference images by relative path, and no network URL.
    const pages = names.filter((n) => n.endsWith('.html'));
    const html = (await Promise.all(pages.map((p) => readFile(join(to, p), 'utf8')))).join('');
    expect(html).toMatch(/<img src="\.\.\/[^"]+\.png"/);
    expect(html).toMatch(/<audio controls preload="metadata" src="\.\.\/[^"]+\.wav"/);
    expect(html).not.toMatch(/(src|href)="(https?:|\/\/)/);
    // A second run into the same directory is refused and leaves it as it was.
    const again = await run(exportChats, [folder, '--aci', account.aci, '--to', to]).catch((e: Error) => e);
    expect(again).toBeInstanceOf(Error);
    expect((await readdir(to, { recursive: true })).length).toBe(names.length);
  });

  it('writes JSON Lines of one chat from a backup file, listing media it cannot get', async () => {
    const to = join(dir, 'jsonl');
    const title = account.recipients.find((x) => x.id === 4n)!.contact!.profileGivenName!;
    const r = await run(exportChats, [file, '--aci', account.aci, '--to', to, '--format', 'jsonl', '--chat', title]);
    expect(r.code).toBe(0);
    const lines = (await readFile(join(to, 'export.jsonl'), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const chatsOut = lines.filter((l) => l.type === 'chat');
    expect(chatsOut.map((c) => c.title)).toEqual([title]);
    const chatId = BigInt(chatsOut[0].id);
    const items = [...account.chatItems()].filter((i) => i.chatId === chatId);
    const messages = lines.filter((l) => l.type === 'message');
    expect(messages.map((m) => m.sentMs)).toEqual(items.map((i) => Number(i.dateSent)));
    const withMedia = items.filter(
      (i) => (i.standardMessage?.attachments?.length ?? 0) + (i.viewOnceMessage ? 1 : 0) > 0,
    );
    expect(JSON.parse(r.stdout).media.missing.length).toBe(withMedia.length);
  });

  it('--no-media writes no media; bad options are usage errors', async () => {
    const to = join(dir, 'nomedia');
    const r = await run(exportChats, [folder, '--aci', account.aci, '--to', to, '--format', 'json', '--no-media']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(await readFile(join(to, 'export.json'), 'utf8'));
    expect(doc.format).toBe('sbackup-export');
    expect(doc.records.filter((x: { type: string }) => x.type === 'message').length).toBe(account.messageCount);
    expect((await readdir(to, { recursive: true })).filter((n) => /\d{4}-\d{2}-\d{2}-\d+-/.test(n))).toEqual([]);
    await expect(run(exportChats, [folder, '--to', join(dir, 'x'), '--format', 'pdf'])).rejects.toThrow(/--format/);
    await expect(run(exportChats, [folder, '--to', join(dir, 'x'), '--since', 'soon'])).rejects.toThrow(/--since/);
  });
});
