/**
 * The package's surface: the entry points in package.json, tsup.config.ts, typedoc.json and the
 * test helper list are the same set, and the root entry exports exactly the names the README's
 * overview lists for it (checked by readme.node.test.ts); constants cannot be changed in place.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CORE_ENTRIES } from '../tsup.config.js';
import { ENTRY_SOURCES } from './helpers/entries.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, Record<string, string> | string>;
};
const typedoc = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };

describe('entry points', () => {
  const specs = Object.keys(pkg.exports)
    .filter((k) => k !== './package.json')
    .map((k) => `sbackup${k.slice(1)}`);

  it('package.json exports the entries the tests know', () => {
    expect(specs.sort()).toEqual(Object.keys(ENTRY_SOURCES).sort());
  });

  it('tsup builds each core entry from the source the tests import', () => {
    for (const [name, source] of Object.entries(CORE_ENTRIES)) {
      const spec = name === 'index' ? 'sbackup' : `sbackup/${name}`;
      expect(ENTRY_SOURCES[spec], spec).toBe(source);
      const target = pkg.exports[spec === 'sbackup' ? '.' : `./${name}`] as Record<string, string>;
      expect(target).toEqual({
        types: `./dist/${name}.d.ts`,
        node: `./dist/node/${name}.js`,
        default: `./dist/${name}.js`,
      });
    }
    expect(Object.keys(CORE_ENTRIES).length).toBe(specs.length - 1); // sbackup/node is Node only
  });

  it('typedoc documents every entry', () => {
    expect([...typedoc.entryPoints].sort()).toEqual(Object.values(ENTRY_SOURCES).sort());
  });

  it('the root stays small', async () => {
    const core = await import('../src/index.js');
    expect(Object.keys(core).length).toBeLessThanOrEqual(20);
  });

  it('constants cannot be changed in place', async () => {
    const container = await import('../src/container/index.js');
    expect(typeof container.BACKUP_MAGIC).toBe('string');
    const keys = await import('../src/keys/index.js');
    const media = await import('../src/media/index.js');
    for (const ns of [keys.keyConstants, media.mediaConstants] as Record<string, unknown>[]) {
      // A module namespace: assigning to it throws in strict code.
      const [name] = Object.keys(ns);
      expect(() => {
        (ns as Record<string, unknown>)[name!] = 0;
      }).toThrow(TypeError);
      for (const v of Object.values(ns)) expect(v instanceof Uint8Array, 'a mutable constant').toBe(false);
    }
  });
});
