/**
 * Frames against the oracle: every corpus backup (Signal-Message-Backup-Tests, 604 files),
 * libsignal's canonical backup and its valid .jsonproto cases go through our decode -> encode,
 * and libsignal-client's ComparableBackup must find the result equal to the original with no
 * unknown fields. Also counts byte-identical re-encodings.
 */

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComparableBackup, Purpose } from '@signalapp/libsignal-client/dist/MessageBackup.js';
import { describe, expect, it } from 'vitest';
import {
  backupToJsonLines,
  decodeBackup,
  encodeBackup,
  findUnknownBackupInfoFields,
  findUnknownFields,
  parseJsonBackup,
} from '../../src/frames/index.js';
import { cli } from '../helpers/cli.js';
import { BytesInputStream, INTEROP_DIR } from './oracle.js';

const corpusDir = join(INTEROP_DIR, 'backup-tests');
const libsignalDir = join(INTEROP_DIR, 'libsignal');

async function comparable(bytes: Uint8Array): Promise<ComparableBackup> {
  return ComparableBackup.fromUnencrypted(Purpose.RemoteBackup, new BytesInputStream(bytes), BigInt(bytes.length));
}

function unknownCount(bytes: Uint8Array): number {
  const { backupInfo, frames } = decodeBackup(bytes);
  let n = findUnknownBackupInfoFields(backupInfo).length;
  for (const f of frames) n += findUnknownFields(f).length;
  return n;
}

async function expectSameBackup(original: Uint8Array, reencoded: Uint8Array): Promise<void> {
  const a = await comparable(original);
  const b = await comparable(reencoded);
  expect(b.unknownFields).toEqual([]);
  expect(b.comparableString()).toBe(a.comparableString());
}

const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.binproto'))
  .sort();
const jsonCases = readdirSync(join(libsignalDir, 'test-cases/valid'))
  .filter((f) => f.endsWith('.jsonproto'))
  .sort();

describe('frames interop: Signal-Message-Backup-Tests corpus', () => {
  it('has the 604 cases the issue names', () => {
    expect(corpus.length).toBe(604);
  });

  it('decode -> encode is equal for ComparableBackup, with zero unknown fields, for every file', async () => {
    let identical = 0;
    const failures: string[] = [];
    for (const name of corpus) {
      const original = new Uint8Array(readFileSync(join(corpusDir, name)));
      try {
        expect(unknownCount(original)).toBe(0);
        const reencoded = encodeBackup(decodeBackup(original));
        if (Buffer.compare(reencoded, original) === 0) identical++;
        await expectSameBackup(original, reencoded);
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    console.log(
      `frames interop: ${corpus.length - failures.length}/${corpus.length} equal; ${identical} byte-identical`,
    );
    expect(failures).toEqual([]);
  });

  it('binary -> JSONL -> binary is equal for ComparableBackup (every file)', async () => {
    for (const name of corpus) {
      const original = new Uint8Array(readFileSync(join(corpusDir, name)));
      const viaJson = encodeBackup(parseJsonBackup(backupToJsonLines(original)));
      await expectSameBackup(original, viaJson);
    }
  });
});

describe('frames interop: libsignal test material', () => {
  it('canonical-backup.binproto round-trips', async () => {
    const original = new Uint8Array(readFileSync(join(libsignalDir, 'canonical-backup.binproto')));
    expect(unknownCount(original)).toBe(0);
    await expectSameBackup(original, encodeBackup(decodeBackup(original)));
  });

  it('our JSONL of canonical-backup equals libsignal takeout export line for line', () => {
    const original = new Uint8Array(readFileSync(join(libsignalDir, 'canonical-backup.binproto')));
    const ours = backupToJsonLines(original)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const theirs = readFileSync(join(libsignalDir, 'canonical-backup.takeout-export.expected.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ours).toEqual(theirs);
  });

  it.each(jsonCases)(
    'valid/%s: .jsonproto -> binary is a valid backup that survives decode -> encode',
    async (name) => {
      const text = readFileSync(join(libsignalDir, 'test-cases/valid', name), 'utf8');
      const binary = encodeBackup(parseJsonBackup(text));
      const parsed = await comparable(binary);
      expect(parsed.unknownFields).toEqual([]);
      expect(unknownCount(binary)).toBe(0);
      await expectSameBackup(binary, encodeBackup(decodeBackup(binary)));
    },
  );
});

describe('frames interop: CLI on corpus files', () => {
  it('to-json -> from-json keeps every 25th corpus file equal for ComparableBackup; stats counts its frames', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbackup-frames-interop-'));
    for (const name of corpus.filter((_n, i) => i % 25 === 0)) {
      const input = join(corpusDir, name);
      const original = new Uint8Array(readFileSync(input));
      const json = await cli(['frames', 'to-json', input]);
      expect(json.code).toBe(0);
      writeFileSync(join(dir, 'x.jsonl'), json.stdout);
      expect((await cli(['frames', 'from-json', join(dir, 'x.jsonl'), join(dir, 'x.binproto')])).code).toBe(0);
      await expectSameBackup(original, new Uint8Array(readFileSync(join(dir, 'x.binproto'))));
      const stats = await cli(['frames', 'stats', input]);
      expect(stats.code).toBe(0);
      expect(JSON.parse(stats.stdout)).toMatchObject({
        bytes: original.length,
        frames: decodeBackup(original).frames.length,
        unknownFields: { count: 0 },
      });
    }
  });
});
