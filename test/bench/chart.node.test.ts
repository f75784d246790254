import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderChart } from '../../bench/chart.js';
import { clearResults, readResults, recordResult } from '../../bench/results.js';

describe('bench results and chart', () => {
  it('appends results and forgets only the benchmarks being rerun', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sbackup-bench-')), 'latest.json');
    clearResults(undefined, file);
    recordResult({ bench: 'container', op: 'encrypt', impl: 'node', mbps: 100 }, file);
    recordResult({ bench: 'media', op: 'encrypt', impl: 'node', mbps: 500 }, file);
    expect(readResults(file)).toHaveLength(2);
    clearResults(['media'], file);
    expect(readResults(file).map((r) => r.bench)).toEqual(['container']);
    expect(() => recordResult({ bench: 'x', op: 'y', impl: 'z', mbps: Number.NaN }, file)).toThrow(RangeError);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(1);
  });

  it('draws one bar per result, the reference first, with MB/s and ratios', () => {
    const svg = renderChart([
      { bench: 'media', op: 'decrypt', impl: 'pure', mbps: 50, ratio: 0.1 },
      { bench: 'media', op: 'decrypt', impl: 'node:crypto', mbps: 500, reference: true },
      { bench: 'media', op: 'encrypt', impl: 'node', mbps: 400, ratio: 0.8 },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect [^>]*rx="3"/g)).toHaveLength(3);
    expect(svg).toContain('Media decrypt');
    expect(svg).toContain('Media encrypt');
    expect(svg.indexOf('node:crypto')).toBeLessThan(svg.indexOf('>pure<'));
    expect(svg).toContain('50.0 MB/s  (0.10× reference)');
    expect(svg).toContain('500.0 MB/s  (reference)');
    // The largest bar of a panel spans the bar area; the others are proportional.
    const widths = [...svg.matchAll(/<rect [^>]*width="(\d+)" height="22"/g)].map((m) => Number(m[1]));
    expect(widths[0]).toBe(widths[2]);
    expect(widths[1]).toBe(Math.round(widths[0]! / 10));
  });

  it('draws the floor first, with every other bar as a ratio to it as well as to the reference', () => {
    const svg = renderChart([
      { bench: 'container', op: 'decrypt', impl: 'node', mbps: 100, ratio: 0.5, floorRatio: 0.25 },
      { bench: 'container', op: 'decrypt', impl: 'ref', mbps: 200, reference: true, floorRatio: 0.5 },
      { bench: 'container', op: 'decrypt', impl: 'one-shot', mbps: 400, ratio: 2, floor: true },
    ]);
    expect(svg.indexOf('>one-shot<')).toBeLessThan(svg.indexOf('>ref<'));
    expect(svg.indexOf('>ref<')).toBeLessThan(svg.indexOf('>node<'));
    expect(svg).toContain('400.0 MB/s  (2.00× reference, floor)');
    expect(svg).toContain('200.0 MB/s  (reference, 0.50× floor)');
    expect(svg).toContain('100.0 MB/s  (0.50× reference, 0.25× floor)');
    const widths = [...svg.matchAll(/<rect [^>]*width="(\d+)" height="22"/g)].map((m) => Number(m[1]));
    expect(widths[1]).toBe(Math.round(widths[0]! / 2));
    expect(widths[2]).toBe(Math.round(widths[0]! / 4));
  });
});
