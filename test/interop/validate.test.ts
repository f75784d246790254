import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeBackupInfo, encodeFrame } from '../../src/frames/codec.js';
import { parseJsonBackup } from '../../src/frames/json.js';
import { decodeBackup } from '../../src/frames/stream.js';
import type { Purpose } from '../../src/validate/context.js';
import { BackupValidator } from '../../src/validate/validator.js';
import { type Backup, mutate, rng } from './mutate.js';
import { INTEROP_DIR, libsignal } from './oracle.js';

const { OnlineBackupValidator, Purpose: OraclePurpose } = libsignal.messageBackup;
const MUTANTS = Number(process.env.SBACKUP_MUTANTS ?? 1500);
const SEED = Number(process.env.SBACKUP_SEED ?? 20250708);
const CORPUS = join(INTEROP_DIR, 'backup-tests');
const CASES = join(INTEROP_DIR, 'libsignal/test-cases');

const oraclePurpose = (p: Purpose) =>
  p === 'remote'
    ? OraclePurpose.RemoteBackup
    : p === 'transfer'
      ? OraclePurpose.DeviceTransfer
      : OraclePurpose.TakeoutExport;

function ours(info: Uint8Array, frames: Uint8Array[], purpose: Purpose) {
  const v = new BackupValidator({ purpose });
  v.addBackupInfo(info);
  for (const f of frames) v.addFrame(f);
  return v.finish();
}

function theirs(info: Uint8Array, frames: Uint8Array[], purpose: Purpose): { ok: boolean; error?: string } {
  try {
    const v = new OnlineBackupValidator(new Uint8Array(info), oraclePurpose(purpose));
    for (const f of frames) v.addFrame(new Uint8Array(f));
    v.finalize();
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

const corpusFiles = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.binproto'))
  .sort();
const loadCorpus = (f: string): Backup => decodeBackup(readFileSync(join(CORPUS, f))) as Backup;

describe('libsignal test cases', () => {
  for (const f of readdirSync(join(CASES, 'valid')).filter((f) => f.endsWith('.jsonproto'))) {
    it(`accepts valid/${f}`, () => {
      const b = parseJsonBackup(readFileSync(join(CASES, 'valid', f), 'utf8'));
      const r = ours(encodeBackupInfo(b.backupInfo), b.frames.map(encodeFrame), 'remote');
      expect(r.errors).toEqual([]);
      expect(r.unknownFields).toEqual([]);
    });
  }
  for (const f of readdirSync(join(CASES, 'invalid')).filter((f) => f.endsWith('.jsonproto'))) {
    it(`rejects invalid/${f}`, () => {
      const b = parseJsonBackup(readFileSync(join(CASES, 'invalid', f), 'utf8'));
      const info = encodeBackupInfo(b.backupInfo);
      const frames = b.frames.map(encodeFrame);
      expect(theirs(info, frames, 'remote').ok).toBe(false);
      expect(ours(info, frames, 'remote').ok).toBe(false);
    });
  }
});

describe('Signal-Message-Backup-Tests corpus', () => {
  it(`finds all ${corpusFiles.length} cases valid, with no findings`, () => {
    expect(corpusFiles.length).toBe(604);
    const bad: string[] = [];
    for (const f of corpusFiles) {
      const bytes = readFileSync(join(CORPUS, f));
      const b = decodeBackup(bytes);
      const r = ours(encodeBackupInfo(b.backupInfo), b.frames.map(encodeFrame), 'remote');
      if (!r.ok || r.unknownFields.length > 0) bad.push(`${f}: ${JSON.stringify(r.errors[0] ?? r.unknownFields[0])}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('differential test against libsignal-client OnlineBackupValidator', () => {
  it(`agrees on the verdict for ${MUTANTS} seeded mutants (seed ${SEED})`, () => {
    const r = rng(SEED);
    const cache = new Map<string, Backup>();
    const disagreements: object[] = [];
    let agree = 0;
    let total = 0;
    let invalid = 0;
    for (let i = 0; i < MUTANTS; i++) {
      const file = corpusFiles[Math.floor(r() * corpusFiles.length)]!;
      const purpose: Purpose = r() < 0.7 ? 'remote' : r() < 0.5 ? 'transfer' : 'takeout';
      let base = cache.get(file);
      if (!base) {
        base = loadCorpus(file);
        cache.set(file, base);
      }
      const seed = Math.floor(r() * 2 ** 31);
      const { backup, label } = mutate(base, seed);
      let info: Uint8Array;
      let frames: Uint8Array[];
      try {
        info = encodeBackupInfo(backup.backupInfo);
        frames = backup.frames.map(encodeFrame);
      } catch {
        continue; // the mutation produced something the encoder refuses; not a backup
      }
      total++;
      const oracle = theirs(info, frames, purpose);
      const mine = ours(info, frames, purpose);
      if (!oracle.ok) invalid++;
      if (oracle.ok === mine.ok) agree++;
      else {
        disagreements.push({
          file,
          seed,
          purpose,
          mutation: label,
          oracle: oracle.ok ? 'valid' : oracle.error,
          ours: mine.ok ? 'valid' : mine.errors.slice(0, 3),
          backupInfo: Buffer.from(info).toString('base64'),
          frames: frames.map((f) => Buffer.from(f).toString('base64')),
        });
      }
    }
    const rate = agree / total;
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/validate-disagreements.jsonl', disagreements.map((d) => JSON.stringify(d)).join('\n'));
    console.log(
      `validator differential: ${agree}/${total} agree (${(rate * 100).toFixed(2)}%), ${invalid} mutants invalid per libsignal, ` +
        `${disagreements.length} disagreements in test-output/validate-disagreements.jsonl`,
    );
    expect(total).toBeGreaterThanOrEqual(1000);
    expect(rate).toBeGreaterThanOrEqual(0.99);
  });
});
