/**
 * `npm run build:viewer`: bundles the browser viewer (viewer/) into static files in dist/viewer/:
 * index.html, style.css, app.js (the page, Preact) and worker.js (decryption and indexing), with
 * no external reference. `--out <dir>` writes elsewhere.
 */

import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the viewer into `outDir` (default dist/viewer). */
export async function buildViewer(
  outDir = join(root, 'dist', 'viewer'),
  options: { minify?: boolean } = {},
): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { app: join(root, 'viewer/src/main.tsx'), worker: join(root, 'viewer/src/worker.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(root, 'viewer/tsconfig.json'),
    conditions: ['browser', 'import', 'default'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  await copyFile(join(root, 'viewer/index.html'), join(outDir, 'index.html'));
  await copyFile(join(root, 'viewer/style.css'), join(outDir, 'style.css'));
  return outDir;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = await buildViewer(at > 0 ? resolve(process.argv[at + 1]!) : undefined, {
    minify: !process.argv.includes('--no-minify'),
  });
  process.stderr.write(`viewer built in ${out}\n`);
}
