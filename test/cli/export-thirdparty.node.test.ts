/**
 * `sbackup chats` and `sbackup export` on a SignalBackups folder that sbackup did not write: the
 * folder, its snapshot, the frames (hand-made protobuf), the encrypted `main`, `metadata`, the
 * `files` list and the media are all built here with node:crypto and node:zlib from the layout
 * facts alone (docs: /work/shared/reference signal-backup-format.md §1-3, clients' notes §1, §4):
 * AEP -> BackupKey -> BackupId -> legacy MessageBackupKey (HMAC key first), metadata with the
 * backup id under AES-256-CTR, `main` = IV ‖ AES-256-CBC(gzip(frames)) ‖ HMAC, media =
 * IV ‖ AES-256-CBC(padded plaintext) ‖ HMAC under the local key (AES key first), named
 * hex(SHA-256(plaintextHash ‖ localKey)) under files/<xx>/. The key alone opens it, from the
 * SignalBackups folder, its parent or the snapshot directory, with `.nomedia`, a missing medium,
 * metadata without a version and a 16-byte metadata IV.
 */

import { createCipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const AEP = 'k3q9z1m7x5c2v8b4n6a0s1d3f5g7h9j2l4p6o8i0u1y3t5r7e9w2q4z6x8c0v2b4';
/** How Signal shows the key: groups of four, here upper-cased. */
const DISPLAY_KEY = AEP.toUpperCase().match(/.{4}/g)!.join(' ');
const ACI = '5c1c7a8e-3f2b-4d6a-9e1f-0a2b3c4d5e6f';
const SNAPSHOT = 'signal-backup-2025-03-04-10-20-30';
const SENT = Date.UTC(2025, 2, 4, 9, 0, 0);

// --- protobuf by hand --------------------------------------------------------------------------

function varint(n: number | bigint): Buffer {
  let v = BigInt(n);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}
const num = (field: number, v: number | bigint) => Buffer.concat([varint(field << 3), varint(v)]);
const len = (field: number, ...parts: (Buffer | string)[]) => {
  const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
  return Buffer.concat([varint((field << 3) | 2), varint(body.length), body]);
};
const delimited = (msg: Buffer) => Buffer.concat([varint(msg.length), msg]);

// --- keys (signal-backup-format.md §1, §2) -----------------------------------------------------

const hkdf = (ikm: Buffer, info: Buffer | string, length: number) =>
  Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), typeof info === 'string' ? Buffer.from(info) : info, length));
const backupKey = hkdf(Buffer.from(AEP, 'ascii'), '20240801_SIGNAL_BACKUP_KEY', 32);
const aciBytes = Buffer.from(ACI.replace(/-/g, ''), 'hex');
const backupId = hkdf(backupKey, Buffer.concat([Buffer.from('20241024_SIGNAL_BACKUP_ID:'), aciBytes]), 16);
const messageKey = hkdf(
  backupKey,
  Buffer.concat([Buffer.from('20241007_SIGNAL_BACKUP_ENCRYPT_MESSAGE_BACKUP:'), backupId]),
  64,
);
const metadataKey = hkdf(backupKey, '20241011_SIGNAL_LOCAL_BACKUP_METADATA_KEY', 32);

function cbcThenMac(aesKey: Buffer, macKey: Buffer, plaintext: Buffer): Buffer {
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', aesKey, iv);
  const body = Buffer.concat([iv, c.update(plaintext), c.final()]);
  return Buffer.concat([body, createHmac('sha256', macKey).update(body).digest()]);
}

/** Local `metadata`: `{ [version = 1;] backupId = 2 { iv = 1; encryptedId = 2 } }`. */
function metadata(opts: { version?: number; ivLength: 12 | 16 }): Buffer {
  const iv = randomBytes(opts.ivLength);
  const counter = opts.ivLength === 12 ? Buffer.concat([iv, Buffer.alloc(4)]) : iv;
  const c = createCipheriv('aes-256-ctr', metadataKey, counter);
  const encryptedId = Buffer.concat([c.update(backupId), c.final()]);
  return Buffer.concat([
    opts.version === undefined ? Buffer.alloc(0) : num(1, opts.version),
    len(2, len(1, iv), len(2, encryptedId)),
  ]);
}

// --- the account --------------------------------------------------------------------------------

interface Medium {
  plaintext: Buffer;
  key: Buffer;
  localKey: Buffer;
  hash: Buffer;
  localName: string;
  contentType: string;
  fileName: string;
}

function medium(plaintext: Buffer, contentType: string, fileName: string): Medium {
  const localKey = randomBytes(64);
  const hash = createHash('sha256').update(plaintext).digest();
  const localName = createHash('sha256').update(hash).update(localKey).digest('hex');
  return { plaintext, key: randomBytes(64), localKey, hash, localName, contentType, fileName };
}

/** A small real PNG (1x1 red pixel), written out byte by byte. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478da63f8cfc0000003010100c9fe92ef0000000049454e44ae426082',
  'hex',
);
const photo = medium(PNG, 'image/png', 'red.png');
const lost = medium(Buffer.from('this file was never copied to the backup folder\n'), 'text/plain', 'lost.txt');

function attachment(m: Medium): Buffer {
  const locator = Buffer.concat([len(1, m.key), num(3, m.plaintext.length), len(9, m.localKey), len(10, m.hash)]);
  return len(3, len(1, len(4, m.contentType), len(7, m.fileName), len(13, locator)), num(3, 1));
}

const TEXTS = ['Did you get the tickets?', 'Yes! Two for Saturday.', 'Here is the seat plan'];

function plaintextFrames(): Buffer {
  const info = Buffer.concat([num(1, 1), num(2, SENT + 3_600_000), len(3, randomBytes(32))]);
  const frames = [
    len(1, len(1, randomBytes(32)), len(4, 'Third'), len(5, 'Party')), // account
    len(2, num(1, 1), len(5)), // recipient 1: self
    len(2, num(1, 2), len(2, len(1, randomBytes(16)), len(7), len(11, 'Marta'))), // recipient 2: contact
    len(3, num(1, 1), num(2, 2)), // chat 1 with recipient 2
    // chat items: incoming text; outgoing text; outgoing photo and a document that is missing
    len(
      4,
      num(1, 1),
      num(2, 2),
      num(3, SENT),
      len(8, num(1, SENT + 1000), num(3, 1)),
      len(11, len(2, len(1, TEXTS[0]!))),
    ),
    len(
      4,
      num(1, 1),
      num(2, 1),
      num(3, SENT + 60_000),
      len(9, num(2, SENT + 60_000)),
      len(11, len(2, len(1, TEXTS[1]!))),
    ),
    len(
      4,
      num(1, 1),
      num(2, 1),
      num(3, SENT + 120_000),
      len(9, num(2, SENT + 120_000)),
      len(11, len(2, len(1, TEXTS[2]!)), attachment(photo), attachment(lost)),
    ),
  ];
  return Buffer.concat([delimited(info), ...frames.map(delimited)]);
}

/** The attachment padding of clients' notes §1: zeros up to max(541, floor(1.05^ceil(log_1.05(size)))). */
function padded(p: Buffer): Buffer {
  const size = Math.max(541, Math.floor(1.05 ** Math.ceil(Math.log(p.length) / Math.log(1.05))));
  return Buffer.concat([p, Buffer.alloc(size - p.length)]);
}

let dir: string;
let parent: string;
let root: string;

async function writeFolder(meta: { version?: number; ivLength: 12 | 16 }): Promise<void> {
  await rm(parent, { recursive: true, force: true });
  root = join(parent, 'SignalBackups');
  const snap = join(root, SNAPSHOT);
  await mkdir(snap, { recursive: true });
  await writeFile(join(root, '.nomedia'), '');
  const main = cbcThenMac(messageKey.subarray(32), messageKey.subarray(0, 32), gzipSync(plaintextFrames()));
  await writeFile(join(snap, 'main'), main);
  await writeFile(join(snap, 'metadata'), metadata(meta));
  // The files list names what the snapshot copied: the photo, not the lost document.
  await writeFile(join(snap, 'files'), delimited(len(1, photo.localName)));
  const mediaDir = join(root, 'files', photo.localName.slice(0, 2));
  await mkdir(mediaDir, { recursive: true });
  const blob = cbcThenMac(photo.localKey.subarray(0, 32), photo.localKey.subarray(32), padded(photo.plaintext));
  await writeFile(join(mediaDir, photo.localName), blob);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-thirdparty-'));
  parent = join(dir, 'phone-export');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const METADATA_FORMS = [
  { name: 'version 1, 12-byte IV', meta: { version: 1, ivLength: 12 as const } },
  { name: 'no version field', meta: { ivLength: 12 as const } },
  { name: '16-byte IV (older Desktop)', meta: { version: 1, ivLength: 16 as const } },
];

describe('a third-party SignalBackups folder, opened with the key alone', () => {
  for (const { name, meta } of METADATA_FORMS) {
    it(`sbackup chats from the folder, its parent and the snapshot (${name})`, async () => {
      await writeFolder(meta);
      for (const path of [root, parent, join(root, SNAPSHOT)]) {
        const r = await cli(['chats', path, '--json', '--aep', DISPLAY_KEY]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual([
          expect.objectContaining({ id: '1', kind: 'direct', title: 'Marta', messages: 3 }),
        ]);
      }
      // Without a key it says so in one line; a wrong key is refused.
      const none = await cli(['chats', root]);
      expect(none.code).not.toBe(0);
      expect(none.stderr.trim().split('\n')).toHaveLength(1);
      const wrong = await cli(['chats', root, '--aep', 'a'.repeat(64)]);
      expect(wrong.code).not.toBe(0);
      expect(wrong.stdout).toBe('');
    });
  }

  it('sbackup export html from the parent: texts, authors, the photo decrypted, the lost file listed', async () => {
    await writeFolder({ ivLength: 12 });
    const to = join(dir, 'html');
    const r = await cli(['export', parent, '--to', to], { env: { SBACKUP_AEP: AEP } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ ok: true, format: 'html', chats: 1, messages: 3 });
    expect(summary.media.written).toBe(1);
    expect(summary.media.missing).toEqual([
      expect.objectContaining({ fileName: 'lost.txt', contentType: 'text/plain', reason: 'NOT_FOUND' }),
    ]);
    const names = (await readdir(to, { recursive: true })).map(String);
    const photoFile = names.find((n) => n.endsWith('red.png'))!;
    expect(Buffer.from(await readFile(join(to, photoFile))).equals(PNG)).toBe(true);
    const page = (
      await Promise.all(names.filter((n) => /page-\d+\.html$/.test(n)).map((n) => readFile(join(to, n), 'utf8')))
    ).join('');
    for (const t of TEXTS) expect(page).toContain(t);
    expect(page).toContain('Marta');
    expect(page).toContain('09:00');
    // The folder is untouched: .nomedia is still there, nothing was added.
    expect((await readdir(root)).sort()).toEqual(['.nomedia', 'files', SNAPSHOT]);
  });

  it('--tz shows the times in that zone (html only); a bad zone is a usage error', async () => {
    await writeFolder({ ivLength: 12 });
    const to = join(dir, 'html-tz');
    const r = await cli(['export', root, '--to', to, '--tz', 'Asia/Kolkata', '--aep', AEP]);
    expect(r.code).toBe(0);
    const names = (await readdir(to, { recursive: true })).map(String);
    const page = await readFile(join(to, names.find((n) => /page-1\.html$/.test(n))!), 'utf8');
    expect(page).toContain('>14:30</time>'); // 09:00 UTC is 14:30 in India (UTC+05:30)
    expect(page).toContain('times in Asia/Kolkata');
    const bad = await cli(['export', root, '--to', join(dir, 'x'), '--tz', 'Nowhere/Else', '--aep', AEP]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--tz/);
    const json = await cli(['export', root, '--to', join(dir, 'y'), '--tz', 'UTC', '--format', 'json', '--aep', AEP]);
    expect(json.code).toBe(2);
  });

  it('sbackup export signal from the snapshot directory: main.jsonl and files/<xx>/<name>.png', async () => {
    await writeFolder({ version: 1, ivLength: 16 });
    const to = join(dir, 'signal');
    const r = await cli(['export', join(root, SNAPSHOT), '--to', to, '--format', 'signal', '--aep', AEP]);
    expect(r.code).toBe(0);
    const lines = (await readFile(join(to, 'main.jsonl'), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1 + 7);
    expect(lines.filter((l) => l.chatItem).map((l) => l.chatItem.standardMessage.text.body)).toEqual(TEXTS);
    const rel = `files/${photo.localName.slice(0, 2)}/${photo.localName}.png`;
    expect(Buffer.from(await readFile(join(to, rel))).equals(PNG)).toBe(true);
    expect(JSON.parse(r.stdout).media.missing).toEqual([expect.objectContaining({ reason: 'NOT_FOUND' })]);
  });
});
