import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as constants from '../src/keys/constants.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('docs/key-hierarchy.svg', () => {
  const svg = readFileSync(join(root, 'docs/key-hierarchy.svg'), 'utf8');
  const decode = (s: string) => s.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  // The HKDF labels are the monospace texts: "[salt = x · ]<label>[ ‖ <suffix>]".
  const labels = [...svg.matchAll(/<text[^>]*monospace[^>]*>([^<]*)<\/text>/g)].map((m) =>
    decode(m[1]!)
      .replace(/^salt = [^·]+· /, '')
      .replace(/ ‖ .*$/, ''),
  );
  const values = new Set<string>(
    Object.values(constants as Record<string, unknown>).filter((v): v is string => typeof v === 'string'),
  );

  it('shows every HKDF label of the hierarchy', () => {
    expect(labels.length).toBe(12);
    const hkdfLabels = Object.entries(constants as Record<string, unknown>)
      .filter(([k]) => k.startsWith('LABEL_'))
      .map(([, v]) => String(v));
    for (const l of hkdfLabels) expect(labels).toContain(l);
  });

  it('labels nothing that is not a constant in src/keys/constants.ts', () => {
    for (const l of labels) expect(values.has(l), `diagram label "${l}"`).toBe(true);
  });
});

describe('relative links in README.md, DEVELOPERS.md, SECURITY.md and docs/', () => {
  const files = ['README.md', 'DEVELOPERS.md', 'SECURITY.md', 'vectors/README.md', 'proto/README.md'];
  if (existsSync(join(root, 'docs'))) {
    for (const f of readdirSync(join(root, 'docs'))) if (f.endsWith('.md')) files.push(`docs/${f}`);
  }
  for (const file of files.filter((f) => existsSync(join(root, f)))) {
    it(`${file} has no dead relative link`, () => {
      const text = readFileSync(join(root, file), 'utf8');
      const links = [...text.matchAll(/\]\(([^)\s]+)\)|<img[^>]+src="([^"]+)"/g)].map((m) => m[1] ?? m[2]!);
      for (const link of links) {
        if (/^[a-z]+:/.test(link) || link.startsWith('#')) continue;
        const target = resolve(dirname(join(root, file)), link.split('#')[0]!);
        expect(existsSync(target), `${file}: link ${link}`).toBe(true);
      }
    });
  }
});
