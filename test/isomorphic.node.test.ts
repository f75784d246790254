import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
/** Folders allowed to use Node: the Node entry point and the CLI. */
const NODE_ONLY = ['node', 'cli'];

function coreFiles(dir = src): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (dir === src && NODE_ONLY.includes(entry.name)) continue;
      out.push(...coreFiles(path));
    } else if (/\.(ts|js|mjs|cjs)$/.test(entry.name) && !/\.node\.ts$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

describe('isomorphic core', () => {
  const files = coreFiles();

  it('has core files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('imports no node:* module (nor a Node builtin by its bare name) outside src/node and src/cli', () => {
    const builtin =
      /(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"](node:[^'"]+|fs|path|crypto|zlib|stream|os|buffer|util|child_process)(?:\/[^'"]*)?['"]/;
    const offenders = files.filter((f) => builtin.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('never imports the Node-only folders from the core', () => {
    const offenders = files
      .filter((f) => /from\s*['"](\.\.\/)+(node|cli)\//.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('does not touch Node globals (process, Buffer, require) in the core', () => {
    const offenders = files
      .filter((f) =>
        /\b(process\.|Buffer\.|require\()/.test(readFileSync(f, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')),
      )
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('reads no global and draws no randomness at import time', () => {
    // A fresh process whose globalThis.crypto throws on any use, then imports the whole core.
    const script = `
      const trap = new Proxy({}, { get() { throw new Error('crypto touched at import time'); } });
      Object.defineProperty(globalThis, 'crypto', { value: trap, configurable: true });
      await import(${JSON.stringify(pathToFileURL(join(src, 'index.ts')).href)});
      console.log('imported');
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('imported');
  });
});
