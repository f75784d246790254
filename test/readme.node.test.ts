/**
 * The documentation cannot drift from the code: every ```ts sample in README.md and docs/*.md
 * runs (imports of `sbackup` / `sbackup/node` point at the source entry points; `console.assert`
 * throws), and every runtime name exported by `src/index.ts` and `src/node/index.ts` is listed
 * in the README's API overview. Exported types are covered by `npm run docs:api` (typedoc), which
 * fails on any undocumented public symbol.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import * as node from '../src/node/index.js';

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
    code
      .replaceAll(/from ['"]sbackup\/node['"]/g, `from '${entry('src/node/index.ts')}'`)
      .replaceAll(/from ['"]sbackup['"]/g, `from '${entry('src/index.ts')}'`) +
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
  const listed = new Set([...overview.matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((m) => m[1]!));

  it('has an API overview section', () => {
    expect(start).toBeGreaterThan(-1);
  });

  it('lists every runtime export of sbackup', () => {
    const missing = Object.keys(core).filter((name) => !listed.has(name));
    expect(missing, 'exported from src/index.ts but not in the README API overview').toEqual([]);
  });

  it('lists every runtime export of sbackup/node', () => {
    const missing = Object.keys(node).filter((name) => !listed.has(name));
    expect(missing, 'exported from src/node/index.ts but not in the README API overview').toEqual([]);
  });

  it('lists nothing that is not exported', () => {
    const exported = new Set([...Object.keys(core), ...Object.keys(node)]);
    const lines = overview.slice(overview.indexOf('| Area |')).split('\n');
    const end = lines.findIndex((l) => !l.startsWith('|'));
    const table = lines.slice(0, end === -1 ? undefined : end).join('\n');
    const names = [...table.matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((m) => m[1]!);
    // Words in backticks in the table that are not API names.
    const prose = new Set(['code']);
    expect(names.filter((n) => !exported.has(n) && !prose.has(n))).toEqual([]);
  });
});

it('the doc sample directory is writable', () => {
  expect(existsSync(outDir)).toBe(true);
});
