// `npm run check:dist` (after `npm run build`): the built package as its users meet it.
// 1. Every subpath in package.json "exports" loads in Node (node condition) and as the neutral
//    build (what browsers, Deno and Bun get), with the same runtime names in both.
// 2. One BackupError across entry points: an error thrown through one subpath is an instance of
//    the class exported by another.
// 3. The emitted .d.ts typecheck under `lib: ES2022` without DOM or @types/node, given only the
//    ambient globals listed in AMBIENT (the types mention them; an app without DOM types
//    declares them), as jose's tools/typecheck-dist.sh does. `sbackup/node` is checked with
//    @types/node.
// 4. Bundle size of the root entry for the browser: the whole root, and an import of
//    deriveBackupKey alone, which must not pull in protobufjs or fflate.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** The globals the public types may name (besides ES2022). */
export const AMBIENT = ['Blob', 'ReadableStream'];
let failures = 0;
const fail = (msg) => {
  failures++;
  console.error(`check:dist: ${msg}`);
};

// 1 + 2
const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
for (const key of subpaths) {
  const spec = `sbackup${key.slice(1)}`;
  const target = pkg.exports[key];
  const viaNode = await import(spec);
  if (Object.keys(viaNode).length === 0) fail(`${spec} exports nothing`);
  if (target.default !== undefined) {
    const neutral = await import(pathToFileURL(join(root, target.default)).href);
    const a = Object.keys(viaNode).sort().join();
    const b = Object.keys(neutral).sort().join();
    if (a !== b) fail(`${spec}: the node and default builds export different names`);
  }
}
const core = await import('sbackup');
const keys = await import('sbackup/keys');
const container = await import('sbackup/container');
try {
  keys.normalizeRecoveryKey('not a key');
  fail('normalizeRecoveryKey accepted a bad key');
} catch (e) {
  if (!(e instanceof core.BackupError)) fail('an error from sbackup/keys is not an instance of the root BackupError');
}
try {
  await container.openBackup(new Uint8Array(10), { key: { hmacKey: new Uint8Array(32), aesKey: new Uint8Array(32) } });
  fail('openBackup accepted 10 bytes');
} catch (e) {
  if (!(e instanceof core.BackupError))
    fail('an error from sbackup/container is not an instance of the root BackupError');
}

// 3
const dir = join(root, 'test-output', 'check-dist');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const core3 = subpaths.filter((k) => k !== './node');
writeFileSync(
  join(dir, 'core.ts'),
  `${core3.map((k, i) => `import * as m${i} from 'sbackup${k.slice(1)}';`).join('\n')}\nexport const all = [${core3.map((_, i) => `m${i}`).join(', ')}];\n`,
);
writeFileSync(
  join(dir, 'ambient.d.ts'),
  `// The only globals sbackup's types may name beyond ES2022 (any shape will do).\n${AMBIENT.map((g) => `interface ${g}<T = unknown> { readonly __ambient?: T }`).join('\n')}\n`,
);
writeFileSync(join(dir, 'node.ts'), "import * as n from 'sbackup/node';\nexport const all = n;\n");
const options = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  noEmit: true,
  skipLibCheck: false,
};
writeFileSync(
  join(dir, 'tsconfig.core.json'),
  JSON.stringify({ compilerOptions: { ...options, lib: ['ES2022'], types: [] }, files: ['core.ts', 'ambient.d.ts'] }),
);
writeFileSync(
  join(dir, 'tsconfig.node.json'),
  JSON.stringify({ compilerOptions: { ...options, lib: ['ES2022'], types: ['node'] }, files: ['node.ts'] }),
);
for (const cfg of ['tsconfig.core.json', 'tsconfig.node.json']) {
  try {
    execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, cfg)], { stdio: 'inherit' });
  } catch {
    fail(`the .d.ts files do not typecheck (${cfg})`);
  }
}

// 4
async function bundle(name, code) {
  const r = await build({
    stdin: { contents: code, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = r.outputFiles[0].contents;
  // Modules that contribute bytes to the output (the metafile's inputs also list what was shaken off).
  const output = Object.values(r.metafile.outputs)[0];
  const inputs = Object.entries(output.inputs)
    .filter(([, v]) => v.bytesInOutput > 0)
    .map(([k]) => k);
  const gz = gzipSync(bytes).length;
  console.log(
    `check:dist: browser bundle of ${name}: ${(bytes.length / 1024).toFixed(1)} KiB minified, ${(gz / 1024).toFixed(1)} KiB gzipped`,
  );
  return { inputs, bytes: bytes.length, gz };
}
await bundle('the whole root entry', "export * from 'sbackup';");
const one = await bundle(
  'deriveBackupKey alone',
  "import { deriveBackupKey } from 'sbackup'; console.log(deriveBackupKey);",
);
for (const dep of ['protobufjs', 'fflate']) {
  if (one.inputs.some((i) => i.includes(`node_modules/${dep}/`))) fail(`a deriveBackupKey-only import pulls in ${dep}`);
}

if (failures > 0) process.exit(1);
console.log(`check:dist: ok (${subpaths.length} entry points)`);
