/**
 * The merge against the oracle (libsignal-client 0.103.0): merged pairs of synthetic backups
 * with overlapping histories are accepted by its validator, and every case of Signal's corpus
 * merged with itself is equal to itself under its ComparableBackup.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackupWriter } from '../../src/api/writer.js';
import { encodeBackupInfo, encodeFrame, type Frame } from '../../src/frames/codec.js';
import type { Chat, ChatFolder, ChatItem, Recipient } from '../../src/frames/schema.js';
import { decodeBackup, delimit, splitBackupStream } from '../../src/frames/stream.js';
import { createLocalBackup } from '../../src/incremental/localFolder.js';
import { verifyLocalBackup } from '../../src/incremental/localRead.js';
import { MemoryStorage } from '../../src/incremental/storage.js';
import { concatByteList, toHex } from '../../src/internal/bytes.js';
import { nodeBackend } from '../../src/node/backend.js';
import { mergeBackups, type MergeSource } from '../../src/merge/merge.js';
import { KEY, pair, writtenFrames } from '../merge/fixtures.js';
import { BytesInputStream, INTEROP_DIR, libsignal } from './oracle.js';

const { OnlineBackupValidator, Purpose, ComparableBackup, MessageBackupKey, validate } = libsignal.messageBackup;

/** libsignal's verdict on a plaintext backup: null when valid, else its error text. */
async function oracleVerdict(plaintext: Uint8Array, purpose: number): Promise<string | null> {
  let validator: InstanceType<typeof OnlineBackupValidator> | undefined;
  try {
    for await (const m of splitBackupStream([plaintext])) {
      const bytes = m.bytes.slice() as Uint8Array<ArrayBuffer>;
      if (m.index === 0) validator = new OnlineBackupValidator(bytes, purpose);
      else validator!.addFrame(bytes);
    }
    validator!.finalize();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

async function comparable(plaintext: Uint8Array, purpose: number): Promise<string> {
  const c = await ComparableBackup.fromUnencrypted(purpose, new BytesInputStream(plaintext), BigInt(plaintext.length));
  return c.comparableString();
}

describe('merged backups are accepted by libsignal', () => {
  it('pairs of synthetic backups with overlapping histories (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer({ min: 1, max: 10_000 }),
          messages: fc.integer({ min: 50, max: 600 }),
          added: fc.integer({ min: 0, max: 40 }),
          olderOffset: fc.bigInt({ min: 0n, max: 100n }),
          olderMissing: fc.integer({ min: 2, max: 7 }),
          newerMissing: fc.integer({ min: 2, max: 7 }),
          extras: fc.integer({ min: 0, max: 4 }),
          otherAll: fc.boolean(),
        }),
        async (p) => {
          const { older, newer } = pair({
            seed: p.seed,
            messages: p.messages,
            added: p.added,
            older: {
              offset: p.olderOffset,
              missing: (i) => i % p.olderMissing === 1,
              ...(p.extras > 0 ? { extras: { seed: p.seed, extraMessages: p.extras } } : {}),
              otherAllFolderId: p.otherAll,
            },
            newer: { offset: 0n, missing: (i) => i % p.newerMissing === 0 && i < p.messages },
          });
          const merged = await mergeBackups(older, newer);
          const { plaintext } = await writtenFrames(merged);
          expect(await oracleVerdict(plaintext, Purpose.RemoteBackup)).toBeNull();
        },
      ),
      { numRuns: 15 },
    );
  });

  it('without the merge, the plain concatenation of the same pair is rejected (so the test can fail)', async () => {
    const { olderContent, newerContent } = pair({
      seed: 3,
      messages: 200,
      added: 10,
      older: { offset: 40n, missing: () => false, otherAllFolderId: true },
      newer: { offset: 0n, missing: () => false },
    });
    const o = olderContent();
    const n = newerContent();
    // Frames as a concatenating tool writes them: newer then older records, ids as they were.
    const parts: Uint8Array[] = [delimit(encodeBackupInfo(n.backupInfo))];
    const add = (f: Frame) => parts.push(delimit(encodeFrame(f)));
    add({ account: n.account });
    for (const c of [o, n]) for (const recipient of c.recipients as Recipient[]) add({ recipient });
    for (const c of [o, n]) for (const chat of c.chats as Chat[]) add({ chat });
    for (const c of [o, n]) for (const chatFolder of c.chatFolders as ChatFolder[]) add({ chatFolder });
    for (const c of [o, n]) for (const chatItem of c.chatItems as Iterable<ChatItem>) add({ chatItem });
    expect(await oracleVerdict(concatByteList(parts), Purpose.RemoteBackup)).not.toBeNull();
  });
});

describe('a merged local folder opens in libsignal', () => {
  it("its snapshot's main validates under libsignal's own key, and the folder verifies", async () => {
    const { older, newer, account } = pair({
      seed: 77,
      messages: 300,
      added: 20,
      older: {
        offset: 9n,
        missing: (i) => i % 4 === 1,
        extras: { seed: 77, extraMessages: 3 },
        otherAllFolderId: true,
      },
      newer: { offset: 0n, missing: (i) => i % 5 === 0 && i < 300 },
    });
    const merged = await mergeBackups(older, newer);
    const key = { recoveryKey: account.recoveryKey, aci: account.aci };
    const byHash = new Map(account.attachments.map((a) => [toHex(a.plaintextHash), a.plaintext]));
    const storage = new MemoryStorage();
    const writer = new BackupWriter({ purpose: 'remote', key: KEY, mediaLayout: 'local' });
    const r = await createLocalBackup(storage, {
      key,
      frames: () => writer.plaintext(merged.content()),
      media: (m) => {
        const p = byHash.get(m.plaintextHashHex);
        return p === undefined ? undefined : [p];
      },
      backend: nodeBackend,
    });
    expect(r.media).toBeGreaterThan(0);
    const main = storage.files.get(`${r.snapshot}/main`)!;
    const theirs = new MessageBackupKey({
      accountEntropy: account.recoveryKey,
      aci: libsignal.address.Aci.fromUuid(account.aci),
    });
    const outcome = await validate(theirs, Purpose.RemoteBackup, () => new BytesInputStream(main), BigInt(main.length));
    expect(outcome.errorMessage).toBeNull();
    const v = await verifyLocalBackup(storage, { key: { recoveryKey: account.recoveryKey }, decryptMedia: true });
    expect(v.problems).toEqual([]);
    expect(v.mediaDecrypted).toBe(r.media);
  });
});

describe("Signal's corpus merged with itself", () => {
  const corpus = join(INTEROP_DIR, 'backup-tests');
  const files = readdirSync(corpus)
    .filter((f) => f.endsWith('.binproto'))
    .sort();
  const step = Number(process.env.SBACKUP_MERGE_STEP ?? 1);

  it(`equals itself under ComparableBackup (every ${step === 1 ? '' : `${step}th `}case of ${files.length})`, async () => {
    const failures: string[] = [];
    let checked = 0;
    for (let i = 0; i < files.length; i += step) {
      const name = files[i]!;
      const original = new Uint8Array(readFileSync(join(corpus, name)));
      try {
        const decoded = decodeBackup(original);
        const source: MergeSource = { backupInfo: decoded.backupInfo, frames: () => decodeBackup(original).frames };
        const merged = await mergeBackups(source, source, { purpose: 'transfer' });
        const parts: Uint8Array[] = [];
        for await (const c of new BackupWriter({ purpose: 'transfer', key: KEY }).plaintext(merged.content())) {
          parts.push(c);
        }
        const again = concatByteList(parts);
        const [a, b] = [
          await comparable(original, Purpose.DeviceTransfer),
          await comparable(again, Purpose.DeviceTransfer),
        ];
        if (a !== b) failures.push(`${name}: differs`);
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      }
      checked++;
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(step === 1 ? 600 : 10);
  });

  it(`merged into a backup holding only its account and Self, equals itself: every id is mapped (every ${step === 1 ? '' : `${step}th `}case)`, async () => {
    const failures: string[] = [];
    let checked = 0;
    for (let i = 0; i < files.length; i += step) {
      const name = files[i]!;
      const original = new Uint8Array(readFileSync(join(corpus, name)));
      try {
        const decoded = decodeBackup(original);
        // The newer side: the account and Self only, Self under another id than the case gives it.
        const head = decoded.frames.filter((f) => f.account != null || f.recipient?.self != null);
        const bare = head.map((f) => (f.recipient != null ? { recipient: { ...f.recipient, id: 987_654n } } : f));
        const older: MergeSource = { backupInfo: decoded.backupInfo, frames: () => decodeBackup(original).frames };
        const newer: MergeSource = { backupInfo: decoded.backupInfo, frames: () => bare };
        const merged = await mergeBackups(older, newer, { purpose: 'transfer' });
        const parts: Uint8Array[] = [];
        for await (const c of new BackupWriter({ purpose: 'transfer', key: KEY }).plaintext(merged.content())) {
          parts.push(c);
        }
        const [a, b] = [
          await comparable(original, Purpose.DeviceTransfer),
          await comparable(concatByteList(parts), Purpose.DeviceTransfer),
        ];
        if (a !== b) failures.push(`${name}: differs`);
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      }
      checked++;
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(step === 1 ? 600 : 10);
  });
});
