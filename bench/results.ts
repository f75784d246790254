/**
 * Benchmark results shared between the benchmark processes of one `npm run bench`: each benchmark
 * appends its figures to bench/results/latest.json (gitignored) with {@link recordResult}, and
 * bench/run.ts renders them as docs/bench.svg at the end (bench/chart.ts).
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One measured figure. */
export interface BenchResult {
  /** The benchmark: `container`, `media`, … (one chart group each). */
  bench: string;
  /** The operation: `encrypt` or `decrypt` (one panel each). */
  op: string;
  /** What ran: a backend name (`node`, `webcrypto`, `pure`) or the reference's name. */
  impl: string;
  /** Throughput in MB/s (10^6 bytes per second). */
  mbps: number;
  /** Throughput divided by the reference's in the same run, when there is a reference. */
  ratio?: number;
  /** True for the reference measurement the others are compared with. */
  reference?: boolean;
  /**
   * True for the floor: the native primitives alone, one-shot, on the same data in the same run
   * (what no implementation of the format can beat by much).
   */
  floor?: boolean;
  /** Throughput divided by the floor's in the same run, when there is a floor. */
  floorRatio?: number;
  /** What was measured (sizes, gzip level), shown under the chart. */
  note?: string;
}

/** The results file of the current run. */
export const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');

/** Reads the results recorded so far (none when the file is missing). */
export function readResults(file = RESULTS_FILE): BenchResult[] {
  if (!existsSync(file)) return [];
  return JSON.parse(readFileSync(file, 'utf8')) as BenchResult[];
}

/**
 * Starts a run: forgets the results of the benchmarks about to run (all of them when `benches`
 * is absent), so a partial run (`npm run bench -- media`) keeps the others' last figures.
 */
export function clearResults(benches?: readonly string[], file = RESULTS_FILE): void {
  const kept = benches === undefined ? [] : readResults(file).filter((r) => !benches.includes(r.bench));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`);
}

/**
 * Appends one figure to the results file (benchmarks run one after another, so there is no
 * concurrent writer).
 *
 * @throws {RangeError} when `mbps` is not a positive finite number.
 */
export function recordResult(result: BenchResult, file = RESULTS_FILE): void {
  if (!Number.isFinite(result.mbps) || result.mbps <= 0) {
    throw new RangeError(`"mbps" expected a positive number, got ${result.mbps}`);
  }
  const all = readResults(file);
  all.push(result);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}
