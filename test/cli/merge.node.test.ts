import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupWriter } from '../../src/api/writer.js';
import type { ChatItem } from '../../src/frames/schema.js';
import { createLocalBackup } from '../../src/incremental/localFolder.js';
import { concatByteList, toHex } from '../../src/internal/bytes.js';
import { nodeBackend } from '../../src/node/backend.js';
import { fsStorage } from '../../src/node/fsStorage.js';
import { ExclusionPolicy } from '../../src/policy/exclusions.js';
import {
  extendSyntheticAccount,
  generateSyntheticAccount,
  type SyntheticAccount,
} from '../../src/testing/synthetic.js';
import { cli } from '../helpers/cli.js';

const T0 = Date.UTC(2025, 5, 1);
let dir: string;

const acc = generateSyntheticAccount({ seed: 21, contacts: 4, groups: 1, messages: 120, attachments: 8 });
const later = extendSyntheticAccount(acc, { messages: 20, attachments: 3 });
const olderItems = [...acc.chatItems()];
// The newer backup lacks a few old messages with photos (deleted on the phone, say) that the older one has.
const withPhoto = (i: ChatItem) => (i.standardMessage?.attachments?.length ?? 0) > 0;
const lost = new Set(olderItems.filter(withPhoto).slice(0, 2));
const newerItems = [...later.chatItems()].filter((_i, n) => n >= olderItems.length || !lost.has(olderItems[n]!));
/** The items each folder holds: the writer applies the exclusion rules at each backup's time. */
const stored = (a: SyntheticAccount, items: ChatItem[]) => {
  const policy = new ExclusionPolicy('remote', a.backupInfo.backupTimeMs as bigint);
  return items.filter((i) => policy.apply(i) !== undefined);
};
const keyOf = (i: ChatItem) => `${i.chatId}:${i.authorId}:${i.dateSent}`;
const olderStored = stored(acc, olderItems);
const newerStored = stored(later, newerItems);
const newerKeys = new Set(newerStored.map(keyOf));
/** Older-only items still valid at the newer time: what the merge adds to the newer backup. */
const olderOnly = stored(
  later,
  olderStored.filter((i) => !newerKeys.has(keyOf(i))),
);
const duplicates = olderStored.length - olderStored.filter((i) => !newerKeys.has(keyOf(i))).length;

async function plaintext(a: SyntheticAccount, items: ChatItem[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const writer = new BackupWriter({ purpose: 'remote', key: { recoveryKey: a.recoveryKey, aci: a.aci } });
  for await (const c of writer.plaintext(a.backupContent(items))) parts.push(c);
  return concatByteList(parts);
}

async function makeFolder(path: string, a: SyntheticAccount, items: ChatItem[], now: number, aci = a.aci) {
  const byHash = new Map(a.attachments.map((x) => [toHex(x.plaintextHash), x.plaintext]));
  await createLocalBackup(fsStorage(path), {
    key: { recoveryKey: a.recoveryKey, aci },
    frames: await plaintext(a, items),
    media: (r) => {
      const p = byHash.get(r.plaintextHashHex);
      return p === undefined ? undefined : [p];
    },
    backend: nodeBackend,
    now,
  });
}

/** Distinct local media the frames reference. */
function localMedia(items: ChatItem[]): Set<string> {
  const out = new Set<string>();
  for (const i of items) {
    for (const a of i.standardMessage?.attachments ?? []) {
      const li = a.pointer?.locatorInfo;
      if (li?.localKey) out.add(toHex(li.plaintextHash!));
    }
  }
  return out;
}

const key = ['--aep', acc.recoveryKey];
let olderDir: string;
let newerDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-cli-merge-'));
  olderDir = join(dir, 'old', 'SignalBackups');
  newerDir = join(dir, 'new', 'SignalBackups');
  await makeFolder(olderDir, acc, olderItems, T0);
  await makeFolder(newerDir, later, newerItems, T0 + 86_400_000);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function snapshotOf(folder: string): Promise<string> {
  return (await readdir(folder)).find((n) => n.startsWith('signal-backup-'))!;
}

describe('sbackup merge', () => {
  it('merges two local folders into one that verifies, with the union of items and media', async () => {
    const out = join(dir, 'merged');
    const before = await readFile(join(olderDir, await snapshotOf(olderDir), 'main'));
    // The parent of SignalBackups is accepted, as everywhere.
    const r = await cli(['merge', ...key, join(dir, 'old'), newerDir, '--to', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    // What the merge must keep: every item of either side, judged at the newer backup time.
    expect(olderOnly.length).toBeGreaterThanOrEqual(lost.size);
    expect(summary.counts.chatItems.kept).toBe(newerStored.length + olderOnly.length);
    expect(summary.counts.chatItems.deduplicated).toBe(duplicates);
    expect(summary.counts.recipients.merged).toBe(acc.recipients.length);
    const union = new Set([...localMedia(olderItems), ...localMedia(newerItems)]);
    expect(summary.media.local).toBe(union.size);
    expect(summary.media.fromOlder).toBe(localMedia([...lost]).size);
    expect(summary.media.written).toBe(union.size);

    const verify = await cli(['local', 'verify', ...key, '--aci', acc.aci, out, '--decrypt-media', 'all']);
    expect(verify.stderr).toBe('');
    const v = JSON.parse(verify.stdout);
    expect(v).toMatchObject({ ok: true, media: union.size, mediaDecrypted: union.size, problems: [] });
    expect(verify.code).toBe(0);
    // The inputs are untouched.
    expect((await readFile(join(olderDir, await snapshotOf(olderDir), 'main'))).equals(before)).toBe(true);
    expect(await readdir(out)).toContain('.nomedia');
  });

  it('--dry-run prints the counts and writes nothing', async () => {
    const out = join(dir, 'dry');
    const r = await cli(['merge', ...key, olderDir, newerDir, '--to', out, '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.dryRun).toBe(true);
    expect(s.counts.chatItems.older).toBe(olderStored.length);
    expect(s.counts.chatItems.newer).toBe(newerStored.length);
    expect(s.counts.chatItems.deduplicated).toBe(duplicates);
    expect(
      s.counts.chatItems.kept +
        s.counts.chatItems.deduplicated +
        s.counts.chatItems.droppedExpired.older +
        s.counts.chatItems.droppedExpired.newer,
    ).toBe(olderStored.length + newerStored.length);
    expect(s.media.local).toBe(new Set([...localMedia(olderItems), ...localMedia(newerItems)]).size);
    await expect(readdir(out)).rejects.toThrow();
    // Without --to too.
    expect((await cli(['merge', ...key, olderDir, newerDir, '--dry-run'])).code).toBe(0);
  });

  it('a newer backup file (remote-style) merges with --aci; media come from the older folder', async () => {
    const file = join(dir, 'newer.backup');
    const { bytes } = await new BackupWriter({
      purpose: 'remote',
      key: { recoveryKey: later.recoveryKey, aci: later.aci },
    }).writeToBytes(later.backupContent(newerItems));
    await writeFile(file, bytes);
    const out = join(dir, 'from-file');
    const noAci = await cli(['merge', ...key, olderDir, file, '--to', out]);
    expect(noAci.code).toBe(2);
    expect(noAci.stderr).toMatch(/--aci/);
    const r = await cli(['merge', ...key, '--aci', acc.aci, olderDir, file, '--to', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    // Only the older folder holds files: the newer-only photos lose their local copy.
    expect(s.media.local).toBe(localMedia(olderItems).size);
    expect(s.media.unavailable).toBeGreaterThan(0);
    const verify = await cli(['local', 'verify', ...key, out, '--decrypt-media', 'all']);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, problems: [] });
  });

  it('refuses a non-empty --to, an output inside an input, a missing --to, and two accounts', async () => {
    const busy = join(dir, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'notes.txt'), 'mine');
    const r1 = await cli(['merge', ...key, olderDir, newerDir, '--to', busy]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/not empty/);
    expect(await readdir(busy)).toEqual(['notes.txt']);

    const r2 = await cli(['merge', ...key, olderDir, newerDir, '--to', join(newerDir, 'merged')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/overlaps/);

    const r3 = await cli(['merge', ...key, olderDir, newerDir]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/--to/);

    // Same recovery key, another ACI: the snapshots name different backup ids.
    const other = join(dir, 'other', 'SignalBackups');
    await makeFolder(other, acc, olderItems, T0, '22222222-2222-4222-8222-222222222222');
    const r4 = await cli(['merge', ...key, other, newerDir, '--to', join(dir, 'never')]);
    expect(r4.code).toBe(1);
    expect(r4.stderr).toMatch(/different accounts/);
    expect(r4.stderr.split('\n').length).toBe(2);
    await expect(readdir(join(dir, 'never'))).rejects.toThrow();

    const r5 = await cli(['merge', ...key, olderDir, olderDir, '--to', join(dir, 'same')]);
    expect(r5.code).toBe(2);
  });

  it('completes the leftovers of an interrupted merge in --to (and --help says where the backup id comes from)', async () => {
    const out = join(dir, 'resumed');
    const name = 'ab'.repeat(32);
    await mkdir(join(out, 'files', 'ab'), { recursive: true });
    await writeFile(join(out, 'files', 'ab', name), 'half a medium');
    await mkdir(join(out, 'signal-backup-2025-01-01-00-00-00-tmp'));
    await writeFile(join(out, 'signal-backup-2025-01-01-00-00-00-tmp', 'main'), 'half a main');
    const r = await cli(['merge', ...key, olderDir, newerDir, '--to', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const entries = await readdir(out);
    expect(entries.filter((n) => n.startsWith('signal-backup-'))).toEqual([JSON.parse(r.stdout).snapshot]);
    expect(await readdir(join(out, 'files', 'ab')).catch(() => [])).not.toContain(name);
    const verify = await cli(['local', 'verify', ...key, out]);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, problems: [] });
    const help = await cli(['merge', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--aci \(then required\)/);
  });
});
