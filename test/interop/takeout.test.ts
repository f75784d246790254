/**
 * Signal's plaintext export (`main.jsonl`) against the oracle: libsignal-client 0.103.0's
 * BackupJsonExporter (`validate: false`, as Signal Desktop runs it) and our TakeoutExporter must
 * write the same lines, byte for byte, for every case of Signal's corpus
 * (Signal-Message-Backup-Tests), libsignal's canonical backup and valid .jsonproto cases, and
 * synthetic accounts (which carry disappearing and view-once messages the export drops or strips).
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TakeoutExporter, takeoutFrameLine } from '../../src/export/takeout.js';
import { type BackupInfo, encodeBackupInfo, encodeFrame, type Frame } from '../../src/frames/codec.js';
import { decodeBackup, encodeBackup, parseJsonBackup } from '../../src/frames/index.js';
import { delimit } from '../../src/frames/stream.js';
import { exportTakeoutToDirectory } from '../../src/node/export.js';
import { generateSyntheticAccount, type SyntheticAccount } from '../../src/testing/synthetic.js';
import { INTEROP_DIR, libsignal } from './oracle.js';

const { BackupJsonExporter } = libsignal.messageBackup;

interface Comparison {
  lines: number;
  dropped: number;
  mismatches: string[];
}

/** Runs both exporters over the same frames and lists the lines that differ. */
function compare(backupInfo: BackupInfo, frames: Iterable<Frame>): Comparison {
  const start = BackupJsonExporter.start(encodeBackupInfo(backupInfo) as Uint8Array<ArrayBuffer>, {
    validate: false,
  });
  const ours = new TakeoutExporter(backupInfo);
  const mismatches: string[] = [];
  if (`${start.chunk}\n` !== ours.firstLine) mismatches.push(`backupInfo:\n T ${start.chunk}\n O ${ours.firstLine}`);
  let lines = 1;
  let dropped = 0;
  let index = 0;
  for (const frame of frames) {
    const results = start.exporter.exportFrames(delimit(encodeFrame(frame)) as Uint8Array<ArrayBuffer>);
    expect(results).toHaveLength(1);
    const theirs = results[0]!.line;
    const mine = ours.line(frame);
    if (theirs === undefined) dropped++;
    else lines++;
    const want = theirs === undefined ? undefined : `${theirs}\n`;
    if (mine !== want && mismatches.length < 5) mismatches.push(`frame ${index}:\n T ${want}\n O ${mine}`);
    index++;
  }
  start.exporter.finish();
  return { lines, dropped, mismatches };
}

function framesOf(acc: SyntheticAccount): Frame[] {
  return [
    { account: acc.account },
    ...acc.recipients.map((recipient) => ({ recipient })),
    ...acc.chats.map((chat) => ({ chat })),
    ...acc.stickerPacks.map((stickerPack) => ({ stickerPack })),
    ...acc.adHocCalls.map((adHocCall) => ({ adHocCall })),
    ...acc.notificationProfiles.map((notificationProfile) => ({ notificationProfile })),
    ...acc.chatFolders.map((chatFolder) => ({ chatFolder })),
  ];
}

const corpusDir = join(INTEROP_DIR, 'backup-tests');
const libsignalDir = join(INTEROP_DIR, 'libsignal');

describe('takeout main.jsonl = BackupJsonExporter', () => {
  it('for every case of Signal-Message-Backup-Tests', () => {
    const files = readdirSync(corpusDir)
      .filter((f) => f.endsWith('.binproto'))
      .sort();
    expect(files).toHaveLength(604);
    const failures: string[] = [];
    let lines = 0;
    for (const name of files) {
      const { backupInfo, frames } = decodeBackup(new Uint8Array(readFileSync(join(corpusDir, name))));
      const r = compare(backupInfo, frames);
      lines += r.lines;
      if (r.mismatches.length > 0) failures.push(`${name}: ${r.mismatches.join('\n')}`);
    }
    expect(failures.slice(0, 3)).toEqual([]);
    expect(lines).toBeGreaterThan(604 * 3);
  });

  it("for libsignal's canonical backup and its valid .jsonproto cases", () => {
    const canonical = decodeBackup(new Uint8Array(readFileSync(join(libsignalDir, 'canonical-backup.binproto'))));
    const cases: [string, BackupInfo, Frame[]][] = [['canonical', canonical.backupInfo, canonical.frames]];
    const validDir = join(libsignalDir, 'test-cases/valid');
    for (const name of readdirSync(validDir).filter((f) => f.endsWith('.jsonproto'))) {
      const d = decodeBackup(encodeBackup(parseJsonBackup(readFileSync(join(validDir, name), 'utf8'))));
      cases.push([name, d.backupInfo, d.frames]);
    }
    expect(cases.length).toBeGreaterThan(10);
    for (const [name, info, frames] of cases) expect(compare(info, frames).mismatches, name).toEqual([]);
  });

  it('for synthetic accounts, dropping disappearing messages and stripping view-once media as it does', () => {
    for (const options of [
      { seed: 3, messages: 3000, attachments: 100 },
      { seed: 8, messages: 800, attachments: 40, contacts: 5, groups: 2 },
    ]) {
      const acc = generateSyntheticAccount(options);
      const r = compare(acc.backupInfo, [...framesOf(acc), ...[...acc.chatItems()].map((chatItem) => ({ chatItem }))]);
      expect(r.mismatches).toEqual([]);
      expect(r.dropped).toBeGreaterThan(0);
    }
  });

  it('writes floats as the exporter does (shortest float32, Rust layout)', () => {
    const positions = [
      0, -0, 1, 0.5, 0.1, 1e-7, 1.5e-6, 0.000123, 123456.7, 1e12, 1e13, 1.5e20, 3.4e38, 1e-45, 16777216,
    ];
    const frame: Frame = {
      account: {
        profileKey: new Uint8Array(32),
        givenName: 'F',
        accountSettings: {
          customChatColors: [{ id: 1n, gradient: { angle: 1, colors: positions.map(() => 0xff000000), positions } }],
        },
      },
    };
    const info: BackupInfo = { version: 1n, backupTimeMs: 1n, mediaRootBackupKey: new Uint8Array(32) };
    expect(compare(info, [frame]).mismatches).toEqual([]);
    // The test means something: those floats are in the line, in the exporter's layout.
    expect(takeoutFrameLine(frame)).toContain('"positions":[0.0,-0.0,1.0,0.5,0.1,1e-7,0.0000015,');
    expect(takeoutFrameLine(frame)).toContain(',1e+13,1.5e+20,');
  });

  it("exportTakeoutToDirectory's main.jsonl is the exporter's lines, each ended by a newline", async () => {
    const acc = generateSyntheticAccount({ seed: 5, messages: 600, attachments: 20, contacts: 4, groups: 1 });
    const frames = [...framesOf(acc), ...[...acc.chatItems()].map((chatItem) => ({ chatItem }))];
    const start = BackupJsonExporter.start(encodeBackupInfo(acc.backupInfo) as Uint8Array<ArrayBuffer>, {
      validate: false,
    });
    let want = `${start.chunk}\n`;
    for (const f of frames) {
      const line = start.exporter.exportFrames(delimit(encodeFrame(f)) as Uint8Array<ArrayBuffer>)[0]!.line;
      if (line !== undefined) want += `${line}\n`;
    }
    const dir = mkdtempSync(join(tmpdir(), 'sbackup-takeout-'));
    try {
      await exportTakeoutToDirectory(join(dir, 'out'), acc.backupInfo, frames, { media: false });
      expect(readFileSync(join(dir, 'out', 'main.jsonl'), 'utf8') === want).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
