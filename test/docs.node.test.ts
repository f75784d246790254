import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GZIP_HEADER } from '../src/container/gzip.js';
import * as layout from '../src/container/layout.js';
import { MAX_VARINT32_BYTES } from '../src/internal/wire.js';
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

describe('docs/file-layout.svg', () => {
  const svg = readFileSync(join(root, 'docs/file-layout.svg'), 'utf8');
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

  it('shows the sizes and offsets the container code uses', () => {
    expect(texts).toContain(`${layout.BACKUP_IV_LENGTH} bytes`);
    expect(texts).toContain(`${layout.BACKUP_MAC_LENGTH} bytes`);
    expect(texts).toContain(String(layout.BACKUP_IV_LENGTH));
    expect(texts).toContain(`N−${layout.BACKUP_MAC_LENGTH}`);
    expect(texts).toContain(String(layout.MAGIC_LENGTH));
    expect(texts).toContain(`B+${layout.BACKUP_IV_LENGTH}`);
    expect(texts).toContain(`${GZIP_HEADER.length} bytes`);
    expect(texts).toContain(`1-${MAX_VARINT32_BYTES} bytes`);
    expect(texts).toContain(`1-${layout.BLOCK_LENGTH} bytes, each = count`);
  });

  it('spells the magic number as the code does', () => {
    const magic = layout.MAGIC;
    const ascii = String.fromCharCode(...magic.subarray(0, layout.MAGIC_LENGTH - 1));
    const version = magic[layout.MAGIC_LENGTH - 1]!.toString(16).padStart(2, '0');
    expect(texts).toContain(`${ascii} ${version}`);
  });
});

describe('docs/format.md names only codes the code has', () => {
  const spec = readFileSync(join(root, 'docs/format.md'), 'utf8');
  const errorCodes = new Set(
    [...readFileSync(join(root, 'src/errors.ts'), 'utf8').matchAll(/\| '([A-Z_]+)'/g)].map((m) => m[1]!),
  );

  it('every [`CODE`] in brackets is a BackupError code', () => {
    const named = [...spec.matchAll(/\[`([A-Z][A-Z_]+)`\]/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(10);
    for (const code of named) expect(errorCodes.has(code), code).toBe(true);
  });

  it('the error table of §15 lists every BackupError code, and nothing else', () => {
    const section = spec.slice(spec.indexOf('## 15.'), spec.indexOf('## 16.'));
    const rows = [...section.matchAll(/^\| `([A-Z][A-Z_]+)` \|/gm)].map((m) => m[1]!);
    expect(new Set(rows)).toEqual(errorCodes);
    expect(rows.length).toBe(errorCodes.size);
  });

  it('every finding code of the validity-rule table is reported by src/validate/', () => {
    const validate = readdirSync(join(root, 'src/validate'))
      .map((f) => readFileSync(join(root, 'src/validate', f), 'utf8'))
      .join('\n');
    const table = spec.slice(spec.indexOf('### 8.3'), spec.indexOf('## 9.'));
    const codes = [...table.matchAll(/`([A-Z][A-Z_]{3,})`/g)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(50);
    for (const code of codes) expect(validate.includes(`'${code}'`), code).toBe(true);
  });
});

describe('relative links in README.md, DEVELOPERS.md, SECURITY.md and docs/', () => {
  const files = ['README.md', 'DEVELOPERS.md', 'SECURITY.md', 'CHANGELOG.md', 'vectors/README.md', 'proto/README.md'];
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
