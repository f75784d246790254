import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';
import { browserBundle } from './scripts/runtimes-build.js';

// The Node build swaps the automatic backend choice for the node:crypto/node:zlib one.
const nodeAuto = fileURLToPath(new URL('./src/node/auto.ts', import.meta.url));
const swapAutoBackend = {
  name: 'sbackup-node-auto-backend',
  setup(build: { onResolve: (o: { filter: RegExp }, cb: (a: { path: string }) => { path: string }) => void }) {
    build.onResolve({ filter: /\/backends\/auto\.js$/ }, () => ({ path: nodeAuto }));
  },
};

/** The entry points every runtime gets: the root and one per part of the format (package.json "exports"). */
export const CORE_ENTRIES = {
  index: 'src/index.ts',
  keys: 'src/keys/index.ts',
  frames: 'src/frames/index.ts',
  schema: 'src/schema/index.ts',
  container: 'src/container/index.ts',
  media: 'src/media/index.ts',
  incremental: 'src/incremental/index.ts',
  policy: 'src/policy/index.ts',
  validate: 'src/validate/index.ts',
  backends: 'src/backends/index.ts',
  export: 'src/export/index.ts',
  merge: 'src/merge/index.ts',
  hosted: 'src/hosted/index.ts',
  testing: 'src/testing/index.ts',
};

// Code splitting: modules shared by several entry points live in one chunk, so there is one
// BackupError class (and one of everything else) however many subpaths an app imports.
const shared: Options = {
  format: ['esm'],
  target: 'es2022',
  sourcemap: true,
  treeshake: true,
  splitting: true,
};

export default defineConfig([
  {
    // Every runtime but Node: protobufjs and noble are bundled in, so that nothing they do at
    // import time needs TextDecoder/TextEncoder (React Native's Hermes; QuickJS in CI).
    ...shared,
    ...browserBundle,
    entry: CORE_ENTRIES,
    outDir: 'dist',
    platform: 'neutral',
    dts: { entry: { ...CORE_ENTRIES, node: 'src/node/index.ts' } },
    clean: true,
  },
  {
    // Under the `node` export condition: the same entries with the Node backend, `sbackup/node`,
    // and the CLI (which loads each command's modules only when that command runs).
    ...shared,
    entry: { ...CORE_ENTRIES, node: 'src/node/index.ts', cli: 'src/cli/bin.ts' },
    outDir: 'dist/node',
    platform: 'node',
    target: 'node20',
    esbuildPlugins: [swapAutoBackend],
  },
]);
