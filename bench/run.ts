/**
 * `npm run bench`: runs every bench/*.bench.ts in its own process (so peak RSS is per benchmark)
 * and prints their reports. `npm run bench -- <name>` runs only benchmarks whose file name
 * contains <name>. Each benchmark prints MB/s side by side with its reference and the ratios.
 */

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHART_FILE, writeChart } from './chart.js';
import { clearResults } from './results.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '';
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();
clearResults(filter === '' ? undefined : files.map((f) => f.replace(/\.bench\.ts$/, '')));
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
// The chart of the figures the benchmarks recorded (bench/results.ts), shown by the README. A
// filtered run redraws it only when asked (`npm run bench -- <name> --chart`), so that a quick
// run of one benchmark does not replace the committed chart with a partial one.
if ((filter === '' || process.argv.includes('--chart')) && writeChart()) console.log(`\nchart: ${CHART_FILE}`);
if (failed > 0) process.exitCode = 1;
