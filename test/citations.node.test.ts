/**
 * Comments cite public sources only: docs/format.md sections, or file paths in libsignal and
 * Signal's apps. The notes the project was researched from live outside the repository and are
 * not public, so no file may name them (by file name, or as "reference 3.6.2" style sections).
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const self = fileURLToPath(import.meta.url);

/**
 * The private notes by file name (with or without `.md`), a numbered "reference" section, the notes as such, or
 * the shorthands "clients §N" and "(notes N.N)".
 */
const PRIVATE_CITATION = new RegExp(
  [
    'signal-backup-format(?:\\.md)?',
    'signal-clients-behaviou?r(?:\\.md)?',
    'performance-baseline(?:\\.md)?',
    'signal-hosted-backups(?:\\.md)?',
    '\\breference\\s+(?:section\\s+\\d|\\d+(?:\\.\\d+)+)',
    '\\breference notes\\b',
    '\\bclients(?:\\s+behaviou?r)?\\s+§\\s*\\d',
    '\\(notes(?:,|\\s+\\d+\\.\\d+)',
    'shared/reference/',
  ].join('|'),
  'i',
);

function files(dir: string, skip: string[] = []): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (skip.includes(relative(root, path))) continue;
    if (entry.isDirectory()) out.push(...files(path, skip));
    else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name) && path !== self) out.push(path);
  }
  return out;
}

/** `file:line: text` for every line of `paths` that cites the private notes. */
function offenders(paths: string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (PRIVATE_CITATION.test(line)) out.push(`${relative(root, path)}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

describe('citations', () => {
  it('recognizes citations of the private notes, and not public ones', () => {
    for (const bad of [
      '(signal-backup-format.md 3.7)',
      '(reference: signal-clients-behaviour.md §7)',
      'see performance-baseline.md',
      'signal-hosted-backups.md §2',
      'the outer layout (reference 3.1):',
      "libsignal's validity rule (reference section 1)",
      'the known plaintext (reference 3.10)',
      'from the reference notes',
      'a tombstone (clients §5.2)',
      'backup schedule (clients behaviour §7)',
      '(notes 4.2)',
      "(notes, clients' behaviour section 4)",
      '/work/shared/reference/x.md',
    ]) {
      expect(PRIVATE_CITATION.test(bad), bad).toBe(true);
    }
    for (const good of [
      '(docs/format.md §6; libsignal rust/message-backup/src/lib.rs `padded_length`)',
      'Signal-Android app/src/main/java/org/thoughtcrime/securesms/backup/v2/local/LocalArchiver.kt',
      'Signal-Desktop ts/services/backups/util/expiration.std.ts',
      '/** Bytes of skipped media the store holds and keeps (referenced, so not deleted). */',
      "'encode (reference: protobufjs Writer, numbers)'",
      'RFC 1952 section 2.3',
    ]) {
      expect(PRIVATE_CITATION.test(good), good).toBe(false);
    }
  });

  it('no file under src/ (generated code aside) cites the private notes', () => {
    const src = files(join(root, 'src'), ['src/frames/generated']);
    expect(src.length).toBeGreaterThan(50);
    expect(offenders(src)).toEqual([]);
  });

  it('neither do the tests, benchmarks and scripts', () => {
    const rest = ['test', 'bench', 'scripts'].flatMap((d) => files(join(root, d)));
    expect(rest.length).toBeGreaterThan(50);
    expect(offenders(rest)).toEqual([]);
  });
});
