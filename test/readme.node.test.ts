/**
 * The documentation cannot drift from the code: every ```ts sample in README.md and docs/*.md
 * runs (imports of `sbackup` and its subpaths point at the source entry points; `console.assert`
 * throws), and the README's API overview lists, on each entry point's row, exactly the runtime
 * names that entry exports. Exported types are covered by `npm run docs:api` (typedoc), which
 * fails on any undocumented public symbol.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENTRY_SOURCES } from './helpers/entries.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'test-output', 'doc-samples');

function markdownFiles(): string[] {
  const files = ['README.md'];
  for (const f of readdirSync(join(root, 'docs'))) if (f.endsWith('.md')) files.push(`docs/${f}`);
  return files;
}

/** The ```ts blocks of a Markdown file, with the line each starts on. */
function samples(file: string): { line: number; code: string }[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => ({
    line: text.slice(0, m.index).split('\n').length,
    code: m[1]!,
  }));
}

const entry = (path: string) => pathToFileURL(join(root, path)).href;
const PRELUDE =
  "console.assert = (ok, ...why) => { if (!ok) throw new Error('assertion failed: ' + why.join(' ')); };\n";

function runnable(code: string): string {
  return (
    PRELUDE +
    code.replaceAll(/from ['"](sbackup(?:\/[a-z]+)?)['"]/g, (_, spec: string) => {
      const source = ENTRY_SOURCES[spec];
      if (source === undefined) throw new Error(`a sample imports ${spec}, which is not an entry point`);
      return `from '${entry(source)}'`;
    }) +
    '\nexport {};\n'
  );
}

describe('code samples in the documentation run', () => {
  mkdirSync(outDir, { recursive: true });
  const all = markdownFiles().flatMap((file) => samples(file).map((s) => ({ file, ...s })));

  it('finds the samples (README and docs/format.md have some)', () => {
    expect(all.some((s) => s.file === 'README.md')).toBe(true);
    expect(all.some((s) => s.file === 'docs/format.md')).toBe(true);
  });

  it('turns console.assert into a failure', () => {
    const path = join(outDir, 'assert-check.mts');
    writeFileSync(path, runnable("console.assert(1 + 1 === 3, 'arithmetic');"));
    const r = spawnSync(process.execPath, ['--import', 'tsx', path], { cwd: root, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('assertion failed: arithmetic');
  });

  for (const s of all) {
    it(`${s.file}:${s.line}`, { timeout: 60_000 }, () => {
      const path = join(outDir, `${s.file.replaceAll('/', '_')}-${s.line}.mts`);
      writeFileSync(path, runnable(s.code));
      const r = spawnSync(process.execPath, ['--import', 'tsx', path], { cwd: root, encoding: 'utf8' });
      expect(r.status, `${s.file}:${s.line} failed:\n${r.stderr}`).toBe(0);
    });
  }
});

describe("README's API overview", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## API overview');
  const end = readme.indexOf('\n## ', start + 1);
  const overview = readme.slice(start, end === -1 ? undefined : end);

  it('has an API overview section', () => {
    expect(start).toBeGreaterThan(-1);
  });

  const rows = new Map<string, string[]>();
  for (const line of overview.split('\n')) {
    const m = /^\| `(sbackup(?:\/[a-z]+)?)` \|[^|]*\|(.*)\|$/.exec(line);
    if (m)
      rows.set(
        m[1]!,
        [...m[2]!.matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((n) => n[1]!),
      );
  }

  it('has a row for every entry point, and no other', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(ENTRY_SOURCES).sort());
  });

  for (const [spec, source] of Object.entries(ENTRY_SOURCES)) {
    it(`lists exactly the runtime exports of ${spec}`, async () => {
      const mod = (await import(join(root, source))) as Record<string, unknown>;
      expect([...(rows.get(spec) ?? [])].sort(), `the ${spec} row of the README's API overview`).toEqual(
        Object.keys(mod).sort(),
      );
    });
  }
});

it('the doc sample directory is writable', () => {
  expect(existsSync(outDir)).toBe(true);
});
