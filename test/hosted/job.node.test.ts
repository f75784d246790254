/**
 * hostedBackup / hostedRestore against the in-memory service of fakeArchive.ts (credentials and
 * presentations checked by libsignal; media copies encrypted with the outer keys the client
 * sends, as the server does) and an in-memory CDN: round trip of the synthetic account with
 * media, incremental second run, stale media deleted only after the upload, a server that
 * cannot delete, repeated listing ids, forward secrecy, and nothing deleted when an upload fails.
 */

import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSpool } from '../../src/node/hostedSpool.js';
import { BackupWriter } from '../../src/api/writer.js';
import { BackupError, isBackupError } from '../../src/errors.js';
import { encodeFrame } from '../../src/frames/codec.js';
import { ArchiveClient } from '../../src/hosted/client.js';
import { readAllChunks } from '../../src/hosted/cdn.js';
import { type HostedTransfer, hostedBackup, hostedRestore } from '../../src/hosted/job.js';
import { concatByteList, toHex } from '../../src/internal/bytes.js';
import { deriveBackupKey } from '../../src/keys/hierarchy.js';
import { openSource } from '../../src/media/source.js';
import { generateSyntheticAccount } from '../../src/testing/synthetic.js';
import type { RereadableSource } from '../../src/media/source.js';
import { FakeArchive } from './fakeArchive.js';

const NOW = Date.UTC(2026, 11, 3, 12);
const DAY = 86_400_000;

function account(seed = 3) {
  return generateSyntheticAccount({
    seed,
    contacts: 4,
    groups: 1,
    messages: 120,
    attachments: 8,
    attachmentBytes: [1000, 20_000],
    startMs: NOW - 10 * DAY,
  });
}

function setup(acc = account()) {
  const server = new FakeArchive();
  server.nowSeconds = () => Math.floor(NOW / 1000);
  const client = new ArchiveClient({
    account: server,
    anonymous: server,
    backupKey: deriveBackupKey(acc.recoveryKey),
    mediaRootKey: acc.backupInfo.mediaRootBackupKey as Uint8Array,
    aci: acc.aci,
    serverParams: server.publicParams,
    now: () => NOW,
    sleep: async () => {},
  });
  const events: string[] = [];
  const transfer: HostedTransfer = {
    async upload(form, source: RereadableSource) {
      const bytes = await readAllChunks(openSource(source));
      expect(bytes.length).toBe(source instanceof Uint8Array ? source.length : (source as { length: number }).length);
      events.push(`upload ${form.key.startsWith('backups/') ? 'backup' : 'media'}`);
      server.cdn.objects.set(form.key, bytes);
    },
    async read(url, headers) {
      expect(headers.authorization).toMatch(/^fake /);
      const path = decodeURIComponent(new URL(url).pathname.slice(1));
      const o = server.cdn.objects.get(path);
      if (o === undefined) throw new BackupError('NOT_FOUND', 'no object', { status: 404 });
      return {
        length: o.length,
        body: (async function* () {
          yield o;
        })(),
      };
    },
  };
  const deleteMedia = server.deleteMedia.bind(server);
  server.deleteMedia = async (a, items) => {
    events.push(`delete ${items.length}`);
    return deleteMedia(a, items);
  };
  const media = (r: { plaintextHashHex: string }) => {
    const a = acc.attachments.find((x) => toHex(x.plaintextHash) === r.plaintextHashHex);
    return a?.plaintext;
  };
  return { acc, server, client, transfer, events, media };
}

async function plaintextOf(acc: ReturnType<typeof account>, content = acc.backupContent()) {
  const parts: Uint8Array[] = [];
  for await (const c of new BackupWriter({
    purpose: 'remote',
    key: { recoveryKey: acc.recoveryKey, aci: acc.aci },
  }).plaintext(content))
    parts.push(c);
  return concatByteList(parts);
}

describe('hostedBackup and hostedRestore', () => {
  it('round trip: frames and media come back; a second run uploads nothing new', async () => {
    const { acc, server, client, transfer, events, media } = setup();
    const key = { recoveryKey: acc.recoveryKey, aci: acc.aci };
    const r = await hostedBackup({ client, key, content: acc.backupContent(), media, transfer, now: () => NOW });
    const distinct = new Set(acc.attachments.filter((a) => !a.viewOnce).map((a) => toHex(a.plaintextHash))).size;
    expect(r.level).toBe(200);
    expect(r.mediaUploaded).toBe(distinct);
    expect(r.mediaCopied).toBe(distinct);
    expect(r).toMatchObject({ mediaKept: 0, mediaDeleted: 0, mediaNotDeleted: 0, mediaMissing: 0 });
    expect(events[0]).toBe('upload backup');

    const restored = await hostedRestore({ client, key, transfer, cdnUrl: () => 'https://cdn.test' });
    const frames: Uint8Array[] = [];
    let n = 0;
    for await (const f of restored.reader.frames()) {
      frames.push(encodeFrame(f));
      for (const item of [f.chatItem]) {
        const att = item?.standardMessage?.attachments ?? [];
        for (const a of att) {
          const plain = await restored.readMedia(a.pointer!);
          const want = acc.attachments.find(
            (x) => toHex(x.plaintextHash) === toHex(a.pointer!.locatorInfo!.plaintextHash!),
          );
          expect(toHex(plain)).toBe(toHex(want!.plaintext));
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(0);
    // All at once: every distinct medium once, checked; one the server lost is reported, not fatal.
    const all = [];
    for await (const m of restored.allMedia()) all.push(m);
    expect(all).toHaveLength(distinct);
    for (const m of all) {
      const want = acc.attachments.find((x) => toHex(x.plaintextHash) === toHex(m.pointer.locatorInfo!.plaintextHash!));
      expect(toHex(m.plaintext!)).toBe(toHex(want!.plaintext));
    }
    const dir = [...server.media.keys()].find((d) => server.media.get(d)!.size > 0)!;
    const lost = [...server.media.get(dir)!.keys()][0]!;
    server.cdn.objects.delete(`backups/${dir}/media/${lost}`);
    const afterLoss = [];
    for await (const m of restored.allMedia()) afterLoss.push(m);
    expect(afterLoss.filter((m) => m.error !== undefined).map((m) => m.error!.code)).toEqual(['NOT_FOUND']);
    expect(afterLoss.filter((m) => m.plaintext !== undefined)).toHaveLength(distinct - 1);
    // The restored frames are what the writer wrote for this content.
    const expected = await plaintextOf(acc);
    const got = await plaintextOf(
      acc,
      await (await hostedRestore({ client, key, transfer, cdnUrl: () => 'https://cdn.test' })).reader.readAll(),
    );
    expect(toHex(got)).toBe(toHex(expected));

    events.length = 0;
    const again = await hostedBackup({ client, key, content: acc.backupContent(), media, transfer, now: () => NOW });
    expect(again).toMatchObject({ mediaUploaded: 0, mediaCopied: 0, mediaKept: distinct, mediaDeleted: 0 });
    expect(events).toEqual(['upload backup']);
  });

  it('deletes stale media only after the new backup is uploaded; counts what cannot be deleted', async () => {
    const { acc, server, client, transfer, events, media } = setup();
    const key = { recoveryKey: acc.recoveryKey, aci: acc.aci };
    await hostedBackup({ client, key, content: acc.backupContent(), media, transfer, now: () => NOW });
    // The next backup drops half of the messages (and so some media).
    const items = [...acc.chatItems()];
    const fewer = items.slice(0, 40);
    events.length = 0;
    server.repeatListing = true;
    const r = await hostedBackup({ client, key, content: acc.backupContent(fewer), media, transfer, now: () => NOW });
    expect(r.mediaDeleted).toBeGreaterThan(0);
    expect(events.indexOf('upload backup')).toBeLessThan(events.findIndex((e) => e.startsWith('delete')));

    server.canDelete = false;
    const r2 = await hostedBackup({
      client,
      key,
      content: acc.backupContent(fewer.slice(0, 10)),
      media,
      transfer,
      now: () => NOW,
    });
    expect(r2.mediaDeleted).toBe(0);
    expect(r2.mediaNotDeleted).toBeGreaterThan(0);
  });

  it('deletes nothing when a media upload fails', async () => {
    const { acc, server, client, transfer, events, media } = setup();
    const key = { recoveryKey: acc.recoveryKey, aci: acc.aci };
    await hostedBackup({ client, key, content: acc.backupContent(), media, transfer, now: () => NOW });
    const other = account(9);
    // Same keys, other content: every old medium is stale, every new one must be uploaded.
    const content = { ...other.backupContent(), backupInfo: acc.backupInfo };
    const otherMedia = (r: { plaintextHashHex: string }) =>
      other.attachments.find((x) => toHex(x.plaintextHash) === r.plaintextHashHex)?.plaintext;
    let uploads = 0;
    const failing: HostedTransfer = {
      ...transfer,
      async upload(form, source) {
        if (!form.key.startsWith('backups/') && ++uploads === 2) throw new BackupError('NETWORK', 'cut');
        return transfer.upload(form, source);
      },
    };
    events.length = 0;
    const e = await hostedBackup({ client, key, content, media: otherMedia, transfer: failing, now: () => NOW }).catch(
      (x) => x,
    );
    expect(isBackupError(e, 'NETWORK')).toBe(true);
    expect(events.some((x) => x.startsWith('delete'))).toBe(false);
    expect(server.media.size).toBeGreaterThan(0);
    void media;
  });

  it('writes the forward-secrecy layout with a token; restore needs the token', async () => {
    const { acc, client, transfer, media } = setup();
    const token = new Uint8Array(32).fill(5);
    const key = { recoveryKey: acc.recoveryKey, aci: acc.aci, forwardSecrecyToken: token };
    await hostedBackup({ client, key, content: acc.backupContent(), media, transfer, now: () => NOW });
    const ok = await hostedRestore({ client, key, transfer, cdnUrl: () => 'https://cdn.test' });
    expect(ok.reader.layout).toBe('modern');
    const e = await hostedRestore({
      client,
      key: { ...key, forwardSecrecyToken: new Uint8Array(32).fill(6) },
      transfer,
      cdnUrl: () => 'https://cdn.test',
    }).catch((x) => x);
    expect(isBackupError(e, 'MAC_MISMATCH')).toBe(true);
  });

  it('spools the backup in a private temporary file and removes it', async () => {
    const { acc, client, transfer, media } = setup();
    const key = { recoveryKey: acc.recoveryKey, aci: acc.aci };
    const dir = await mkdtemp(join(tmpdir(), 'sbackup-spool-test-'));
    try {
      const modes: number[] = [];
      const spool = () => {
        const inner = fileSpool(dir);
        return {
          ...inner,
          async finish() {
            const src = await inner.finish();
            const [sub] = await readdir(dir);
            modes.push(
              (await stat(join(dir, sub!, 'backup'))).mode & 0o777,
              (await stat(join(dir, sub!))).mode & 0o777,
            );
            return src;
          },
        };
      };
      const r = await hostedBackup({
        client,
        key,
        content: acc.backupContent(),
        media,
        transfer,
        now: () => NOW,
        spool,
      });
      expect(r.uploadedBytes).toBeGreaterThan(0);
      expect(modes).toEqual([0o600, 0o700]);
      expect(await readdir(dir)).toEqual([]);
      const restored = await hostedRestore({ client, key, transfer, cdnUrl: () => 'https://cdn.test', spool });
      expect((await restored.reader.readAll()).chatItems.length).toBeGreaterThan(0);
      expect(await readdir(dir)).toHaveLength(1);
      await restored.dispose();
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    }
  });

  it('a client made without the media root key takes the backup one', async () => {
    const { acc, server, transfer, media } = setup();
    const bare = new ArchiveClient({
      account: server,
      anonymous: server,
      backupKey: deriveBackupKey(acc.recoveryKey),
      aci: acc.aci,
      serverParams: server.publicParams,
      now: () => NOW,
    });
    expect(bare.hasMediaRootKey).toBe(false);
    const key = { recoveryKey: acc.recoveryKey, aci: acc.aci };
    const r = await hostedBackup({ client: bare, key, content: acc.backupContent(), media, transfer, now: () => NOW });
    expect(r.mediaCopied).toBeGreaterThan(0);
    expect(bare.hasMediaRootKey).toBe(true);
    expect(() => bare.setMediaRootKey(new Uint8Array(32).fill(9))).toThrow(TypeError);
  });

  it('refuses a client made with other keys', async () => {
    const { client, transfer, media } = setup();
    const other = account(11);
    await expect(
      hostedBackup({
        client,
        key: { recoveryKey: other.recoveryKey, aci: other.aci },
        content: other.backupContent(),
        media,
        transfer,
      }),
    ).rejects.toThrow(TypeError);
  });
});
