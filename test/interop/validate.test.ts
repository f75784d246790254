import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeBackupInfo, encodeFrame } from '../../src/frames/codec.js';
import { parseJsonBackup } from '../../src/frames/json.js';
import { decodeBackup, encodeBackup } from '../../src/frames/stream.js';
import { comparableString } from '../../src/validate/comparable.js';
import type { Purpose } from '../../src/validate/context.js';
import { BackupValidator } from '../../src/validate/validator.js';
import { mulberry32 } from '../helpers/prng.js';
import { type Backup, encodeMutant, mutate, mutateMany, mutatePresentation } from './mutate.js';
import { BytesInputStream, INTEROP_DIR, libsignal } from './oracle.js';

const { OnlineBackupValidator, Purpose: OraclePurpose } = libsignal.messageBackup;
const MUTANTS = Number(process.env.SBACKUP_MUTANTS ?? 1500);
const SEED = Number(process.env.SBACKUP_SEED ?? 20250708);
/** Mutations per mutant (default 1); deeper mutants combine edits the single ones never meet. */
const DEPTH = Number(process.env.SBACKUP_MUTATION_DEPTH ?? 1);
const CORPUS = join(INTEROP_DIR, 'backup-tests');
const CASES = join(INTEROP_DIR, 'libsignal/test-cases');

const { ComparableBackup } = libsignal.messageBackup;

async function oracleComparable(bytes: Uint8Array): Promise<string> {
  const c = await ComparableBackup.fromUnencrypted(
    OraclePurpose.RemoteBackup,
    new BytesInputStream(bytes),
    BigInt(bytes.length),
  );
  return c.comparableString();
}

const oraclePurpose = (p: Purpose) =>
  p === 'remote'
    ? OraclePurpose.RemoteBackup
    : p === 'transfer'
      ? OraclePurpose.DeviceTransfer
      : OraclePurpose.TakeoutExport;

function ours(info: Uint8Array, frames: Uint8Array[], purpose: Purpose) {
  const v = new BackupValidator({ purpose });
  v.pushBackupInfo(info);
  for (const f of frames) v.push(f);
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
  it(`agrees on the verdict for ${MUTANTS} seeded mutants (seed ${SEED}, depth ${DEPTH})`, () => {
    const r = mulberry32(SEED);
    const cache = new Map<string, Backup>();
    const disagreements: object[] = [];
    let agree = 0;
    let total = 0;
    let invalid = 0;
    let utf8 = 0;
    let utf8Named = 0;
    for (let i = 0; i < MUTANTS; i++) {
      const file = corpusFiles[Math.floor(r() * corpusFiles.length)]!;
      const purpose: Purpose = r() < 0.7 ? 'remote' : r() < 0.5 ? 'transfer' : 'takeout';
      let base = cache.get(file);
      if (!base) {
        base = loadCorpus(file);
        cache.set(file, base);
      }
      const seed = Math.floor(r() * 2 ** 31);
      const mutant = DEPTH > 1 ? mutateMany(base, seed, DEPTH) : mutate(base, seed);
      const label = mutant.label;
      let info: Uint8Array;
      let frames: Uint8Array[];
      try {
        ({ info, frames } = encodeMutant(mutant));
      } catch {
        continue; // the mutation produced something the encoder refuses; not a backup
      }
      total++;
      const oracle = theirs(info, frames, purpose);
      const mine = ours(info, frames, purpose);
      if (!oracle.ok) invalid++;
      if (/UTF-8|surrogate/.test(label)) {
        utf8++;
        if (!oracle.ok && !mine.ok && mine.errors.some((e) => e.code === 'INVALID_UTF8')) utf8Named++;
      }
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
        `${disagreements.length} disagreements in test-output/validate-disagreements.jsonl; ` +
        `${utf8} string mutants not UTF-8, ${utf8Named} rejected by both with INVALID_UTF8`,
    );
    expect(utf8).toBeGreaterThanOrEqual(MUTANTS / 100);
    // At depth > 1 a later mutation may delete or overwrite the bad string.
    if (DEPTH === 1) expect(utf8Named).toBe(utf8);
    expect(total).toBeGreaterThanOrEqual(1000);
    expect(rate).toBeGreaterThanOrEqual(0.99);
  });
});

describe('gift badge receipt credential presentations', () => {
  it('our verdict agrees with libsignal-client on 300 corrupted presentations', () => {
    const files = corpusFiles.filter((f) =>
      loadCorpus(f).frames.some((fr) => (fr.chatItem?.giftBadge?.receiptCredentialPresentation?.length ?? 0) > 0),
    );
    expect(files.length).toBeGreaterThan(5);
    const r = mulberry32(SEED + 2);
    const byOp = new Map<string, { n: number; invalid: number; agree: number }>();
    const disagreements: string[] = [];
    for (let i = 0; i < 300; i++) {
      const file = files[Math.floor(r() * files.length)]!;
      const b = loadCorpus(file);
      const label = mutatePresentation(b, mulberry32(Math.floor(r() * 2 ** 31)))!;
      const info = encodeBackupInfo(b.backupInfo);
      const frames = b.frames.map(encodeFrame);
      const oracle = theirs(info, frames, 'remote');
      const mine = ours(info, frames, 'remote');
      const stat = byOp.get(label) ?? { n: 0, invalid: 0, agree: 0 };
      stat.n++;
      if (!oracle.ok) stat.invalid++;
      if (oracle.ok === mine.ok) stat.agree++;
      else
        disagreements.push(`${file} ${label}: libsignal ${oracle.error ?? 'valid'}, ours ${mine.errors[0]?.message}`);
      byOp.set(label, stat);
    }
    console.log(
      [...byOp]
        .sort()
        .map(([k, v]) => `${k}: ${v.agree}/${v.n} agree, ${v.invalid} invalid per libsignal`)
        .join('\n'),
    );
    expect(disagreements).toEqual([]);
    // Both outcomes occur: the check is not vacuous.
    const totals = [...byOp.values()].reduce((a, v) => ({ n: a.n + v.n, invalid: a.invalid + v.invalid }), {
      n: 0,
      invalid: 0,
    });
    expect(totals.invalid).toBeGreaterThan(50);
    expect(totals.n - totals.invalid).toBeGreaterThan(20);
  });
});

describe('comparable form', () => {
  it('is equal for each corpus case and its decode -> encode round trip', () => {
    const differ: string[] = [];
    for (const f of corpusFiles) {
      const bytes = readFileSync(join(CORPUS, f));
      if (comparableString(bytes) !== comparableString(encodeBackup(decodeBackup(bytes)))) differ.push(f);
    }
    expect(differ).toEqual([]);
  });

  it('does not depend on recipient and chat ids or on the order of recipients', () => {
    for (const f of corpusFiles.slice(0, 200)) {
      const b = decodeBackup(readFileSync(join(CORPUS, f)));
      const shift = (v: unknown) => (typeof v === 'bigint' && v !== 0n ? v + 1000n : v);
      const renumbered = encodeBackup({
        backupInfo: { ...b.backupInfo, backupTimeMs: BigInt(b.backupInfo.backupTimeMs as bigint) + 1n },
        frames: b.frames.map((fr) => {
          const x = structuredClone(fr) as Record<string, Record<string, unknown>>;
          const walk = (o: Record<string, unknown>) => {
            for (const [k, v] of Object.entries(o)) {
              if (
                [
                  'recipientId',
                  'authorId',
                  'chatId',
                  'voterId',
                  'adminId',
                  'startedCallRecipientId',
                  'ringerRecipientId',
                ].includes(k)
              )
                o[k] = shift(v);
              else if (
                ['memberRecipientIds', 'allowedMembers', 'includedRecipientIds', 'excludedRecipientIds'].includes(k)
              )
                o[k] = (v as unknown[]).map(shift);
              else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) walk(v as Record<string, unknown>);
            }
          };
          if (x.recipient) x.recipient.id = shift(x.recipient.id);
          if (x.chat) x.chat.id = shift(x.chat.id);
          walk(x);
          return x;
        }),
      });
      expect(comparableString(renumbered), f).toBe(comparableString(readFileSync(join(CORPUS, f))));
    }
  });

  it('differs for every mutant whose content libsignal says changed', async () => {
    const r = mulberry32(SEED + 1);
    let changed = 0;
    let checked = 0;
    const missed: string[] = [];
    for (let i = 0; i < 400; i++) {
      const file = corpusFiles[Math.floor(r() * corpusFiles.length)]!;
      const base = loadCorpus(file);
      const baseBytes = encodeBackup(base);
      const { backup, label, rawEdits } = mutate(base, Math.floor(r() * 2 ** 31));
      if (rawEdits) continue; // bytes that are not UTF-8: invalid, nothing to compare
      let bytes: Uint8Array;
      try {
        bytes = encodeBackup(backup);
      } catch {
        continue;
      }
      if (!theirs(encodeBackupInfo(backup.backupInfo), backup.frames.map(encodeFrame), 'remote').ok) continue;
      checked++;
      const [a, b] = await Promise.all([oracleComparable(baseBytes), oracleComparable(bytes)]);
      if (a === b) continue;
      changed++;
      if (comparableString(bytes) === comparableString(baseBytes)) missed.push(`${file}: ${label}`);
    }
    console.log(
      `comparable form: ${checked} valid mutants, ${changed} content-changing per libsignal, ${missed.length} missed`,
    );
    expect(changed).toBeGreaterThan(20);
    expect(missed).toEqual([]);
  });
});
