/**
 * Runs an ES module in QuickJS (quickjs-emscripten), an engine with no TextEncoder/TextDecoder,
 * no WHATWG streams, no Blob and no `crypto` at all: a stand-in for React Native's Hermes.
 * Used by scripts/runtimes.mjs:
 *
 *   node scripts/runtimes-quickjs.mjs <quickjs-emscripten install dir> <entry.mjs>
 *
 * The module loader resolves files the way a bundler for such an engine would: relative paths,
 * bare specifiers from node_modules through package.json `exports` with the conditions `import`
 * and `default` (never `node`), JSON modules, and CommonJS packages (protobufjs) wrapped in a
 * small `require` registry inside the engine. `node:*` imports are refused. The only things the
 * host adds to the engine are `console.log/warn/error` (output) and `__sbackupRuntimeRandom`, a
 * function returning host random bytes that the round trip hands to `setRandomSource`.
 *
 * Prints what the entry prints, then one JSON line of its own:
 * {"quickjs": {"missingGlobals": [...], "addedGlobals": [...], "error": "..."}}.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const [installDir, entryArg] = process.argv.slice(2);
if (!installDir || !entryArg) {
  console.error('usage: node scripts/runtimes-quickjs.mjs <quickjs-emscripten install dir> <entry.mjs>');
  process.exit(2);
}
const { getQuickJS } = createRequire(join(resolve(installDir), 'package.json'))('quickjs-emscripten');

// What the engine must not have (checked before and after the run: the library may not add them).
const ABSENT = ['TextEncoder', 'TextDecoder', 'ReadableStream', 'WritableStream', 'TransformStream', 'Blob', 'crypto'];

// --- resolution ----------------------------------------------------------------------------

const ESM_CONDITIONS = ['import', 'default'];
const CJS_CONDITIONS = ['require', 'default'];

function isFile(path) {
  return existsSync(path) && statSync(path).isFile();
}

function packageJsonOf(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (isFile(p)) return JSON.parse(readFileSync(p, 'utf8'));
  }
  return {};
}

/** CommonJS unless `.mjs`, `"type": "module"`, or (like Node's module detection) ES syntax. */
function isCommonJs(file) {
  if (file.endsWith('.cjs')) return true;
  if (file.endsWith('.mjs') || file.endsWith('.json')) return false;
  if (packageJsonOf(file).type === 'module') return false;
  return !/^\s*(?:import|export)\b/m.test(readFileSync(file, 'utf8'));
}

/** The target of an `exports` entry under `conditions` (strings, condition objects, arrays). */
function pickExport(entry, conditions) {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) {
    for (const e of entry) {
      const t = pickExport(e, conditions);
      if (t !== undefined) return t;
    }
    return undefined;
  }
  if (entry !== null && typeof entry === 'object') {
    for (const [k, v] of Object.entries(entry)) {
      if (conditions.includes(k)) {
        const t = pickExport(v, conditions);
        if (t !== undefined) return t;
      }
    }
  }
  return undefined;
}

function resolveExports(exportsField, subpath, conditions) {
  const map =
    typeof exportsField === 'string' || Array.isArray(exportsField) || !Object.keys(exportsField)[0]?.startsWith('.')
      ? { '.': exportsField }
      : exportsField;
  if (map[subpath] !== undefined) return pickExport(map[subpath], conditions);
  for (const [pattern, target] of Object.entries(map)) {
    const star = pattern.indexOf('*');
    if (star < 0) continue;
    const [before, after] = [pattern.slice(0, star), pattern.slice(star + 1)];
    if (subpath.startsWith(before) && subpath.endsWith(after) && subpath.length >= pattern.length - 1) {
      const t = pickExport(target, conditions);
      return t?.replaceAll('*', subpath.slice(before.length, subpath.length - after.length));
    }
  }
  return undefined;
}

function withExtension(path) {
  for (const p of [path, `${path}.js`, `${path}.json`, join(path, 'index.js')]) if (isFile(p)) return p;
  return undefined;
}

/** Resolves `specifier` imported from `fromFile`; returns an absolute real path. */
function resolveFile(specifier, fromFile, conditions) {
  if (specifier.startsWith('node:')) throw new Error(`"${specifier}" is a Node built-in (imported by ${fromFile})`);
  if (specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/')) {
    const p = withExtension(resolve(dirname(fromFile), specifier));
    if (p === undefined) throw new Error(`cannot find "${specifier}" from ${fromFile}`);
    return realpathSync(p);
  }
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const subpath = `.${specifier.slice(name.length)}`;
  for (let dir = dirname(fromFile); dir !== dirname(dir); dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', name);
    if (!isFile(join(pkgDir, 'package.json'))) continue;
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    let target;
    if (pkg.exports !== undefined) {
      target = resolveExports(pkg.exports, subpath, conditions);
      if (target === undefined) throw new Error(`"${specifier}" is not exported for ${conditions.join('/')}`);
    } else {
      target = subpath === '.' ? (conditions === ESM_CONDITIONS && pkg.module) || pkg.main || 'index.js' : subpath;
    }
    const p = withExtension(join(pkgDir, target));
    if (p === undefined) throw new Error(`cannot find "${specifier}" (${target}) in ${pkgDir}`);
    return realpathSync(p);
  }
  throw new Error(`cannot find package "${name}" from ${fromFile}`);
}

// --- CommonJS inside the engine ------------------------------------------------------------

const REGISTRY = 'cjs-registry:';
const defined = new Set();

/** `require("…")` calls with a literal argument (enough for protobufjs and long). */
function requiresOf(source) {
  return [...source.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
}

/** ES module text that defines every CommonJS file reachable from `entry` (not yet defined) and exports it. */
function commonJsModule(entry) {
  const defs = [];
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop();
    if (defined.has(file)) continue;
    defined.add(file);
    const source = readFileSync(file, 'utf8');
    const deps = {};
    for (const spec of requiresOf(source)) {
      try {
        deps[spec] = resolveFile(spec, file, CJS_CONDITIONS);
        queue.push(deps[spec]);
      } catch {
        // Left unresolved: `require` throws in the engine, as it would for a missing module.
      }
    }
    const body = file.endsWith('.json') ? `module.exports = ${source};` : source;
    defs.push(
      `  ${JSON.stringify(file)}: [new Function("exports", "require", "module", ${JSON.stringify(body)}), ${JSON.stringify(deps)}],`,
    );
  }
  return `import { define, load } from ${JSON.stringify(REGISTRY)};\ndefine({\n${defs.join('\n')}\n});\nexport default load(${JSON.stringify(entry)});\n`;
}

const REGISTRY_SOURCE = `
const factories = new Map();
const cache = new Map();
export function define(table) {
  for (const [file, entry] of Object.entries(table)) factories.set(file, entry);
}
export function load(file) {
  const cached = cache.get(file);
  if (cached !== undefined) return cached.exports;
  const [factory, deps] = factories.get(file);
  const module = { exports: {} };
  cache.set(file, module);
  const require = (spec) => {
    if (deps[spec] === undefined) throw new Error("Cannot find module '" + spec + "'");
    return load(deps[spec]);
  };
  factory.call(module.exports, module.exports, require, module);
  return module.exports;
}
`;

// --- run -----------------------------------------------------------------------------------

const QuickJS = await getQuickJS();
const runtime = QuickJS.newRuntime();
runtime.setMemoryLimit(1024 * 1024 * 1024);
runtime.setModuleLoader(
  (name) => {
    if (name === REGISTRY) return REGISTRY_SOURCE;
    if (name.startsWith('cjs:')) return commonJsModule(name.slice(4));
    const source = readFileSync(name, 'utf8');
    return name.endsWith('.json') ? `export default ${source};` : source;
  },
  (base, requested) => {
    if (requested === REGISTRY) return REGISTRY;
    const file = resolveFile(requested, base.startsWith('cjs:') ? base.slice(4) : base, ESM_CONDITIONS);
    return !file.endsWith('.json') && isCommonJs(file) ? `cjs:${file}` : file;
  },
);
const ctx = runtime.newContext();

function hostFunction(name, fn) {
  const handle = ctx.newFunction(name, fn);
  ctx.setProp(ctx.global, name, handle);
  handle.dispose();
}

const out =
  (stream) =>
  (...args) => {
    stream.write(`${args.map((a) => String(ctx.dump(a))).join(' ')}\n`);
  };
hostFunction('__hostLog', out(process.stdout));
hostFunction('__hostError', out(process.stderr));
hostFunction('__hostRandomBuffer', (n) => {
  const bytes = randomBytes(ctx.getNumber(n));
  return ctx.newArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
});

function evalGlobal(code) {
  const r = ctx.evalCode(code, 'host.js');
  if (r.error) {
    const e = ctx.dump(r.error);
    r.error.dispose();
    throw new Error(`host code failed: ${JSON.stringify(e)}`);
  }
  const v = ctx.dump(r.value);
  r.value.dispose();
  return v;
}

const missingBefore = evalGlobal(`${JSON.stringify(ABSENT)}.filter((n) => typeof globalThis[n] === 'undefined')`);
evalGlobal(`
globalThis.console = { log: __hostLog, warn: __hostError, error: __hostError, info: __hostLog };
globalThis.__sbackupRuntimeRandom = (n) => new Uint8Array(__hostRandomBuffer(n));
`);

const report = { missingGlobals: missingBefore, addedGlobals: [] };
const entry = realpathSync(resolve(entryArg));
const result = ctx.evalCode(readFileSync(entry, 'utf8'), entry, { type: 'module' });
if (result.error) {
  const e = ctx.dump(result.error);
  result.error.dispose();
  report.error = `${e?.name ?? 'Error'}: ${e?.message ?? JSON.stringify(e)}${e?.stack ? `\n${e.stack}` : ''}`;
} else {
  const promise = result.value;
  for (;;) {
    const state = ctx.getPromiseState(promise);
    if (state.type === 'fulfilled') {
      if (!state.notAPromise) state.value.dispose();
      break;
    }
    if (state.type === 'rejected') {
      const e = ctx.dump(state.error);
      state.error.dispose();
      report.error = `${e?.name ?? 'Error'}: ${e?.message ?? JSON.stringify(e)}${e?.stack ? `\n${e.stack}` : ''}`;
      break;
    }
    const jobs = runtime.executePendingJobs();
    if (jobs.error) {
      const e = ctx.dump(jobs.error);
      jobs.error.dispose();
      report.error = `job failed: ${e?.message ?? JSON.stringify(e)}`;
      break;
    }
    if (jobs.value === 0) {
      report.error = 'the module never settled (no pending jobs left)';
      break;
    }
  }
  promise.dispose();
}
report.addedGlobals = evalGlobal(
  `${JSON.stringify(missingBefore)}.filter((n) => typeof globalThis[n] !== 'undefined')`,
);
console.log(JSON.stringify({ quickjs: report }));
