/**
 * ArchiveClient against an in-memory service whose credentials and checks are libsignal's
 * (test/hosted/fakeArchive.ts): backup id set on NOT_FOUND, a week of credentials cached,
 * key registered once per type, fresh presentations, bounded retries.
 */

import { describe, expect, it } from 'vitest';
import { BackupError } from '../../src/errors.js';
import { ArchiveClient } from '../../src/hosted/client.js';
import { BACKUP_LEVEL_PAID } from '../../src/hosted/credential.js';
import { deriveBackupId } from '../../src/keys/hierarchy.js';
import { toBase64 } from '../../src/internal/bytes.js';
import { isBackupError } from '../../src/errors.js';
import { FakeArchive } from './fakeArchive.js';

/** The BackupError code a promise rejects with (undefined when it resolves). */
async function thrownCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    if (!isBackupError(e)) throw e;
    return e.code;
  }
  return undefined;
}

const ACI = 'c0fc16e4-bae5-4343-9f0d-e7ecf4251343';
const backupKey = new Uint8Array(32).fill(0x42);
const mediaRootKey = new Uint8Array(32).fill(0x43);
const NOW = Date.UTC(2026, 11, 3, 14, 0, 0);

function setup(extra: Partial<ConstructorParameters<typeof ArchiveClient>[0]> = {}) {
  const server = new FakeArchive();
  server.nowSeconds = () => Math.floor(NOW / 1000);
  const sleeps: number[] = [];
  const client = new ArchiveClient({
    account: server,
    anonymous: server,
    backupKey,
    mediaRootKey,
    aci: ACI,
    serverParams: server.publicParams,
    now: () => NOW,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { server, client, sleeps };
}

describe('ArchiveClient', () => {
  it('sets the backup id on NOT_FOUND, then fetches a week and registers each key once', async () => {
    const { server, client } = setup();
    await client.refresh();
    await client.refresh();
    const methods = server.calls.map((c) => c.method);
    expect(methods.slice(0, 3)).toEqual(['getCredentials', 'setBackupId', 'getCredentials']);
    expect(methods.filter((m) => m === 'getCredentials')).toHaveLength(2);
    expect(methods.filter((m) => m === 'setPublicKey')).toHaveLength(2);
    expect(methods.filter((m) => m === 'refresh')).toHaveLength(4);
    // The server saw the backup ids our keys derive (messages from the BackupKey, media from the root key).
    const dirs = new Set(server.calls.filter((c) => c.method === 'refresh').map((c) => c.backupDir));
    expect(dirs).toEqual(
      new Set([toBase64(deriveBackupId(backupKey, ACI), true), toBase64(deriveBackupId(mediaRootKey, ACI), true)]),
    );
    expect(client.backupId()).toEqual(deriveBackupId(backupKey, ACI));
  });

  it('fetches today..today+6 in whole days and uses the cache for the rest of the week', async () => {
    let now = NOW;
    const server = new FakeArchive();
    server.nowSeconds = () => Math.floor(now / 1000);
    const asked: [number, number][] = [];
    const getCredentials = server.getCredentials.bind(server);
    server.getCredentials = (s, e) => {
      asked.push([s, e]);
      return getCredentials(s, e);
    };
    const client = new ArchiveClient({
      account: server,
      anonymous: server,
      backupKey,
      mediaRootKey,
      aci: ACI,
      serverParams: server.publicParams,
      now: () => now,
    });
    const day = Math.floor(NOW / 86_400_000) * 86_400;
    const c = await client.credential('media');
    expect(c.redemptionTime).toBe(day);
    expect(asked).toEqual([
      [day, day + 6 * 86_400],
      [day, day + 6 * 86_400],
    ]);
    now += 6 * 86_400_000;
    expect((await client.credential('messages')).redemptionTime).toBe(day + 6 * 86_400);
    expect(asked).toHaveLength(2);
    now += 86_400_000;
    await client.credential('messages');
    expect(asked).toHaveLength(3);
  });

  it('gives a fresh presentation to every call and reads the level from the credential', async () => {
    const { server, client } = setup();
    server.level = BACKUP_LEVEL_PAID;
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      await client.call('messages', async (auth) => {
        seen.push(toBase64(auth.presentation));
        await server.refresh(auth);
      });
    }
    expect(new Set(seen).size).toBe(3);
    expect(await client.level()).toBe(BACKUP_LEVEL_PAID);
  });

  it('refuses a credential response the server tampered with', async () => {
    const { server, client } = setup();
    const getCredentials = server.getCredentials.bind(server);
    server.getCredentials = async (s, e) => {
      const r = await getCredentials(s, e);
      const bad = r.messages.map((c) => {
        const credential = c.credential.slice();
        credential[100]! ^= 1;
        return { ...c, credential };
      });
      return { ...r, messages: bad };
    };
    expect(await thrownCode(client.level())).toMatch(/VERIFICATION_FAILED|INVALID_CREDENTIAL/);
  });

  it('the server refuses a wrong signing key and a corrupted presentation', async () => {
    const { server, client } = setup();
    await client.refresh();
    // A presentation signed by another key pair (the media key signs a messages presentation).
    const media = await client.signedPresentation('media');
    const messages = await client.signedPresentation('messages');
    expect(await thrownCode(server.refresh({ presentation: messages.presentation, signature: media.signature }))).toBe(
      'AUTH_FAILED',
    );
    const bad = messages.presentation.slice();
    bad[50]! ^= 1;
    expect(await thrownCode(server.refresh({ presentation: bad, signature: messages.signature }))).toBe('AUTH_FAILED');
    await server.refresh(await client.signedPresentation('messages'));
  });

  it('an expired credential is refused', async () => {
    const { server, client } = setup();
    await client.refresh();
    const old = await client.signedPresentation('messages');
    server.nowSeconds = () => Math.floor(NOW / 1000) + 10 * 86_400;
    expect(await thrownCode(server.refresh(old))).toBe('AUTH_FAILED');
  });

  it('retries RATE_LIMITED and NETWORK with bounded backoff, and stops at other errors', async () => {
    const { server, client, sleeps } = setup();
    server.fail(
      'refresh',
      new BackupError('RATE_LIMITED', 'slow down', { status: 429, retryAfterMs: 2000 }),
      new BackupError('NETWORK', 'reset'),
    );
    await client.call('messages', (a) => server.refresh(a));
    expect(sleeps).toEqual([2000, 1000]);

    server.fail('refresh', ...Array.from({ length: 5 }, () => new BackupError('NETWORK', 'down')));
    expect(await thrownCode(client.call('messages', (a) => server.refresh(a)))).toBe('NETWORK');
    expect(sleeps.slice(2)).toEqual([500, 1000, 2000]);
    server.faults.clear();

    server.fail('refresh', new BackupError('AUTH_FAILED', 'no', { status: 401 }));
    const before = sleeps.length;
    expect(await thrownCode(client.call('messages', (a) => server.refresh(a)))).toBe('AUTH_FAILED');
    expect(sleeps.length).toBe(before);

    // A retry-after longer than the bound is not waited out.
    server.fail('refresh', new BackupError('RATE_LIMITED', 'later', { status: 429, retryAfterMs: 3_600_000 }));
    expect(await thrownCode(client.call('messages', (a) => server.refresh(a)))).toBe('RATE_LIMITED');
  });

  it('lists all media across pages, an id repeated once', async () => {
    const { server, client } = setup();
    await client.refresh();
    const dir = toBase64(deriveBackupId(mediaRootKey, ACI), true);
    const store = new Map<string, { mediaId: Uint8Array; object: Uint8Array }>();
    for (let i = 0; i < 5; i++) {
      const mediaId = new Uint8Array(15).fill(i);
      store.set(toBase64(mediaId, true), { mediaId, object: new Uint8Array(10 + i) });
    }
    server.media.set(dir, store);
    server.repeatListing = true;
    const pages: number[] = [];
    const listMedia = server.listMedia.bind(server);
    server.listMedia = async (a, o) => {
      const p = await listMedia(a, { ...o, limit: 3 });
      pages.push(p.storedMediaObjects.length);
      return p;
    };
    const { objects } = await client.listAllMedia();
    expect(pages).toEqual([3, 3, 3, 1]);
    expect(objects.map((o) => o.objectLength).sort()).toEqual([10, 11, 12, 13, 14]);
  });
});
