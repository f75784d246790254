/**
 * Renders benchmark results (bench/results.ts) as an SVG bar chart, docs/bench.svg: one panel per
 * benchmark and operation (container encrypt / decrypt, media encrypt / decrypt, …), one bar per
 * backend beside the reference measured in the same run, with MB/s and the ratio to the reference
 * (and, where the benchmark measured one, beside the floor of one-shot primitives, with the ratio
 * to it).
 * Run by bench/run.ts after the benchmarks; `tsx bench/chart.ts` re-renders the last results.
 */

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchResult, readResults } from './results.js';

/** Where the chart goes (shown by the README). */
export const CHART_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'bench.svg');

const WIDTH = 960;
const LABEL_WIDTH = 250;
const VALUE_WIDTH = 190;
const BAR_HEIGHT = 22;
const BAR_GAP = 6;
const PANEL_GAP = 26;
const TITLE_HEIGHT = 24;
const COLORS: Record<string, string> = { node: '#2563eb', webcrypto: '#059669', pure: '#d97706' };
const REFERENCE_COLOR = '#64748b';
const FLOOR_COLOR = '#cbd5e1';
const OTHER_COLOR = '#7c3aed';

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Groups results by benchmark and operation, keeping first-seen order; floors, then references first. */
function panels(results: readonly BenchResult[]): { title: string; rows: BenchResult[] }[] {
  const map = new Map<string, BenchResult[]>();
  for (const r of results) {
    const key = `${r.bench} ${r.op}`;
    const rows = map.get(key) ?? [];
    rows.push(r);
    map.set(key, rows);
  }
  return [...map].map(([title, rows]) => ({
    title,
    rows: [
      ...rows.filter((r) => r.floor),
      ...rows.filter((r) => r.reference && !r.floor),
      ...rows.filter((r) => !r.reference && !r.floor),
    ],
  }));
}

/**
 * The chart as SVG text.
 *
 * @param subtitle a line under the title (e.g. machine and date).
 */
export function renderChart(results: readonly BenchResult[], subtitle = ''): string {
  const groups = panels(results);
  const barArea = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 40;
  const out: string[] = [];
  let y = 64;
  for (const g of groups) {
    const max = Math.max(...g.rows.map((r) => r.mbps));
    out.push(
      `<text x="20" y="${y + 16}" font-size="15" font-weight="600" fill="#0f172a">${esc(g.title[0]!.toUpperCase() + g.title.slice(1))}</text>`,
    );
    y += TITLE_HEIGHT;
    for (const r of g.rows) {
      const w = Math.max(1, Math.round((r.mbps / max) * barArea));
      const color = r.floor ? FLOOR_COLOR : r.reference ? REFERENCE_COLOR : (COLORS[r.impl] ?? OTHER_COLOR);
      const ratio = [
        r.reference ? 'reference' : r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}× reference`,
        r.floor ? 'floor' : r.floorRatio === undefined ? '' : `${r.floorRatio.toFixed(2)}× floor`,
      ]
        .filter((x) => x !== '')
        .join(', ');
      out.push(
        `<text x="${LABEL_WIDTH + 10}" y="${y + 15}" font-size="13" text-anchor="end" fill="#0f172a">${esc(r.impl)}</text>`,
        `<rect x="${LABEL_WIDTH + 20}" y="${y}" width="${w}" height="${BAR_HEIGHT}" rx="3" fill="${color}"${r.reference ? ' fill-opacity="0.75"' : ''}/>`,
        `<text x="${LABEL_WIDTH + 28 + w}" y="${y + 15}" font-size="12" fill="#334155">${r.mbps.toFixed(1)} MB/s${ratio ? `  (${esc(ratio)})` : ''}</text>`,
      );
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += PANEL_GAP;
  }
  const notes = [
    ...new Set(
      results
        .filter((r) => r.note !== undefined)
        .map((r) => (r.note!.startsWith(`${r.bench}:`) ? r.note! : `${r.bench}: ${r.note}`)),
    ),
  ];
  for (const n of notes) {
    out.push(`<text x="20" y="${y}" font-size="12" fill="#475569">${esc(n)}</text>`);
    y += 18;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`,
    '<title>sbackup benchmark: throughput per backend beside the reference</title>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    '<text x="20" y="30" font-size="18" font-weight="600" fill="#0f172a">Throughput per backend beside the reference (MB/s, higher is better)</text>',
    `<text x="20" y="50" font-size="12" fill="#475569">${esc(subtitle)}</text>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/** Renders the recorded results into {@link CHART_FILE}; returns false when there are none. */
export function writeChart(results = readResults(), file = CHART_FILE): boolean {
  if (results.length === 0) return false;
  const date = new Date().toISOString().slice(0, 10);
  const subtitle = `npm run bench, ${date}, Node ${process.versions.node} on ${process.platform}/${process.arch}; grey: each panel's reference, light grey: its floor (one-shot primitives), measured in the same run`;
  writeFileSync(file, renderChart(results, subtitle));
  return true;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!writeChart()) console.log('no results recorded (run npm run bench first)');
}
