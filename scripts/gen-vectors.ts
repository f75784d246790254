/**
 * `npm run gen:vectors`: regenerates every file under vectors/ from fixed inputs and fixed
 * randomness. Each module in scripts/vectors/ exports `generate(): Promise<Record<path, content>>`
 * (paths relative to vectors/). With `--check`, nothing is written and the run fails when a
 * committed file differs from a fresh generation (CI uses this).
 */

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
const generators = (await readdir(join(root, 'scripts/vectors'))).filter((f) => f.endsWith('.ts')).sort();

let differences = 0;
for (const file of generators) {
  const mod = (await import(join(root, 'scripts/vectors', file))) as {
    generate(): Promise<Record<string, string | Uint8Array>>;
  };
  const outputs = await mod.generate();
  for (const [rel, content] of Object.entries(outputs)) {
    const path = join(root, 'vectors', rel);
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    if (check) {
      const old = await readFile(path).catch(() => undefined);
      if (old === undefined || Buffer.compare(old, bytes) !== 0) {
        console.error(`vectors/${rel} differs from a fresh generation (run npm run gen:vectors)`);
        differences++;
      }
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
    }
  }
  console.log(`${file}: ${Object.keys(outputs).length} file(s)${check ? ' checked' : ' written'}`);
}
if (differences > 0) process.exitCode = 1;
