/**
 * `sbackup export --format signal`: Signal's plaintext export layout (main.jsonl, metadata.json,
 * files/<xx>/<name>.<ext> decrypted) from a local backup folder and from a backup file. The
 * line-by-line equality of main.jsonl with libsignal's exporter is in test/interop/takeout.test.ts;
 * here: the layout, the takeout rules, the media bytes and names (computed with node:crypto from
 * the layout facts), and the options.
 */

import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupWriter } from '../../src/api/writer.js';
import { exportChats } from '../../src/cli/commands/export.js';
import type { CliContext } from '../../src/cli/io.js';
import { encodeBackup, type Frame } from '../../src/frames/index.js';
import { createLocalBackup } from '../../src/incremental/localFolder.js';
import { toHex } from '../../src/internal/bytes.js';
import { fsStorage } from '../../src/node/fsStorage.js';
import { generateSyntheticAccount } from '../../src/testing/index.js';

const account = generateSyntheticAccount({ contacts: 4, groups: 2, messages: 500, attachments: 30, seed: 12 });
const items = [...account.chatItems()];
let dir: string;
let folder: string;
let file: string;

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { SBACKUP_AEP: account.recoveryKey },
    readStdin: async () => '',
  };
  const code = await exportChats.run(args, ctx);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-cli-signal-'));
  const frames: Frame[] = [
    { account: account.account },
    ...account.recipients.map((recipient) => ({ recipient })),
    ...account.chats.map((chat) => ({ chat })),
    ...items.map((chatItem) => ({ chatItem })),
  ];
  const byHash = new Map(account.attachments.map((a) => [toHex(a.plaintextHash), a.plaintext]));
  folder = join(dir, 'SignalBackups');
  await createLocalBackup(fsStorage(folder), {
    key: { recoveryKey: account.recoveryKey, aci: account.aci },
    frames: encodeBackup({ backupInfo: account.backupInfo, frames }),
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

const EXT: Record<string, string> = { 'image/png': '.png', 'audio/wav': '.wav', 'text/plain': '.txt' };

describe('sbackup export --format signal', () => {
  it('writes main.jsonl, metadata.json and files/<xx>/<local name>.<ext>, decrypted, 0600', async () => {
    const to = join(dir, 'takeout');
    const r = await run([folder, '--to', to, '--format', 'signal']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ ok: true, format: 'signal', chats: account.chats.length });

    expect(await readFile(join(to, 'metadata.json'), 'utf8')).toBe('{"version":1}\n');
    const text = await readFile(join(to, 'main.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .slice(0, -1)
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].backupTimeMs).toBe(String(account.backupInfo.backupTimeMs));
    // Takeout keeps no disappearing message and no view-once medium.
    const kept = items.filter((i) => i.expiresInMs == null);
    expect(kept.length).toBeLessThan(items.length);
    const itemLines = lines.filter((l) => l.chatItem !== undefined);
    expect(itemLines.map((l) => l.chatItem.dateSent)).toEqual(kept.map((i) => String(i.dateSent)));
    expect(summary.messages).toBe(kept.length);
    expect(itemLines.some((l) => l.chatItem.expiresInMs !== undefined)).toBe(false);
    const viewOnce = itemLines.filter((l) => l.chatItem.viewOnceMessage !== undefined);
    expect(viewOnce.length).toBeGreaterThan(0);
    expect(viewOnce.some((l) => l.chatItem.viewOnceMessage.attachment !== undefined)).toBe(false);

    // Media: the attachments of kept, non-view-once messages, named from the layout facts:
    // name = hex(SHA-256(plaintextHash || localKey)), under files/<first two characters>/.
    const byHash = new Map(account.attachments.map((a) => [toHex(a.plaintextHash), a]));
    const want = new Map<string, Uint8Array>();
    for (const i of kept) {
      for (const m of i.standardMessage?.attachments ?? []) {
        const a = byHash.get(toHex(m.pointer!.locatorInfo!.plaintextHash!))!;
        const name = createHash('sha256').update(a.plaintextHash).update(a.localKey).digest('hex');
        want.set(`files/${name.slice(0, 2)}/${name}${EXT[a.contentType]}`, a.plaintext);
      }
    }
    expect(want.size).toBeGreaterThan(5);
    const files = (await readdir(join(to, 'files'), { recursive: true }))
      .map((n) => `files/${n}`)
      .filter((n) => n.split('/').length === 3);
    expect(files.sort()).toEqual([...want.keys()].sort());
    for (const [rel, bytes] of want) {
      expect(Buffer.from(await readFile(join(to, rel))).equals(Buffer.from(bytes)), rel).toBe(true);
      expect((await stat(join(to, rel))).mode & 0o777).toBe(0o600);
    }
    expect(summary.media).toMatchObject({ written: want.size, missingCount: 0 });
    expect((await stat(join(to, 'main.jsonl'))).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).some((n) => n.includes('.partial'))).toBe(false);
  });

  it('from a backup file without its media: main.jsonl complete, every medium listed as missing', async () => {
    const to = join(dir, 'takeout-file');
    const r = await run([file, '--aci', account.aci, '--to', to, '--format', 'signal']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.media.written).toBe(0);
    expect(summary.media.missingCount).toBeGreaterThan(5);
    expect(summary.media.missing.every((m: { reason: string }) => m.reason === 'NOT_FOUND')).toBe(true);
    expect(await readdir(to)).toEqual(['main.jsonl', 'metadata.json']);
  });

  it('--no-media writes no files/; filters are refused and nothing is created', async () => {
    const to = join(dir, 'takeout-nomedia');
    const r = await run([folder, '--to', to, '--format', 'signal', '--no-media']);
    expect(r.code).toBe(0);
    expect((await readdir(to)).sort()).toEqual(['main.jsonl', 'metadata.json']);
    const refused = join(dir, 'refused');
    await expect(run([folder, '--to', refused, '--format', 'signal', '--chat', 'Alice'])).rejects.toThrow(
      /--format signal .*--chat/,
    );
    await expect(run([folder, '--to', refused, '--format', 'signal', '--page-size', '5'])).rejects.toThrow(
      /--page-size/,
    );
    expect(await stat(refused).catch(() => undefined)).toBeUndefined();
  });
});
