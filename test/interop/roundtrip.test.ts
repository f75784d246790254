/**
 * What the reader restores, the writer takes (issue 12: round trip at the type level and in
 * fact): every case of Signal's corpus and a synthetic account, encrypted, opened with
 * BackupReader, read whole with readAll(), and written again with BackupWriter, gives a backup
 * that libsignal-client's ComparableBackup finds equal to the original.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ComparableBackup, Purpose } from '@signalapp/libsignal-client/dist/MessageBackup.js';
import { describe, expect, it } from 'vitest';
import { BackupReader } from '../../src/api/reader.js';
import { BackupWriter } from '../../src/api/writer.js';
import { encryptBackup } from '../../src/container/writer.js';
import { splitBackupStream } from '../../src/frames/stream.js';
import { concatByteList } from '../../src/internal/bytes.js';
import { generateSyntheticAccount } from '../../src/testing/synthetic.js';
import { BytesInputStream, INTEROP_DIR } from './oracle.js';

const KEY = { hmacKey: new Uint8Array(32).fill(7), aesKey: new Uint8Array(32).fill(9) };
const corpusDir = join(INTEROP_DIR, 'backup-tests');

async function comparableString(plaintext: Uint8Array, purpose: number): Promise<string> {
  const c = await ComparableBackup.fromUnencrypted(purpose, new BytesInputStream(plaintext), BigInt(plaintext.length));
  return c.comparableString();
}

/** Encrypts a .binproto, reads it back whole, writes it again: the plaintext the writer produced. */
async function roundTrip(plaintext: Uint8Array, purpose: 'remote' | 'transfer'): Promise<Uint8Array> {
  const messages: Uint8Array[] = [];
  for await (const m of splitBackupStream([plaintext])) messages.push(m.bytes);
  const file = await encryptBackup(messages[0]!, messages.slice(1), { key: KEY });
  const reader = await BackupReader.open(file, { key: KEY });
  const restored = await reader.readAll();
  const writer = new BackupWriter({ purpose, key: KEY });
  // Type-level round trip: a RestoredBackup is a BackupContent.
  const again = await writer.writeToBytes(restored);
  expect((await BackupReader.open(again.bytes, { key: KEY })).backupInfo).toEqual(reader.backupInfo);
  const parts: Uint8Array[] = [];
  for await (const chunk of writer.plaintext(restored)) parts.push(chunk);
  return concatByteList(parts);
}

describe('reader -> writer round trip, equal under libsignal-client ComparableBackup', () => {
  it('every case of Signal-Message-Backup-Tests (written for device transfer)', async () => {
    const files = readdirSync(corpusDir)
      .filter((f) => f.endsWith('.binproto'))
      .sort();
    expect(files.length).toBe(604);
    const failures: string[] = [];
    for (const name of files) {
      const original = new Uint8Array(readFileSync(join(corpusDir, name)));
      try {
        const again = await roundTrip(original, 'transfer');
        const [a, b] = [
          await comparableString(original, Purpose.DeviceTransfer),
          await comparableString(again, Purpose.DeviceTransfer),
        ];
        if (a !== b) failures.push(`${name}: differs`);
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    console.log(`round trip: ${files.length - failures.length}/${files.length} equal`);
    expect(failures).toEqual([]);
  });

  it('a synthetic account, written for remote backup, read and written again', async () => {
    const acc = generateSyntheticAccount({ seed: 3, contacts: 20, groups: 4, messages: 3000, attachments: 30 });
    const parts: Uint8Array[] = [];
    for await (const chunk of new BackupWriter({ purpose: 'remote', key: KEY }).plaintext(acc.backupContent())) {
      parts.push(chunk);
    }
    const original = concatByteList(parts);
    const again = await roundTrip(original, 'remote');
    expect(await comparableString(again, Purpose.RemoteBackup)).toBe(
      await comparableString(original, Purpose.RemoteBackup),
    );
  });
});
