import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

// The Node build swaps the automatic backend choice for the node:crypto/node:zlib one.
const nodeAuto = fileURLToPath(new URL('./src/node/auto.ts', import.meta.url));
const swapAutoBackend = {
  name: 'sbackup-node-auto-backend',
  setup(build: { onResolve: (o: { filter: RegExp }, cb: (a: { path: string }) => { path: string }) => void }) {
    build.onResolve({ filter: /\/backends\/auto\.js$/ }, () => ({ path: nodeAuto }));
  },
};

const shared: Options = {
  format: ['esm'],
  target: 'es2022',
  sourcemap: true,
  treeshake: true,
  splitting: false,
};

export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/index.ts' },
    platform: 'neutral',
    dts: true,
    clean: true,
  },
  {
    ...shared,
    entry: { 'index.node': 'src/index.ts', node: 'src/node/index.ts' },
    platform: 'node',
    target: 'node20',
    dts: { entry: { node: 'src/node/index.ts' } },
    esbuildPlugins: [swapAutoBackend],
  },
  {
    ...shared,
    entry: { cli: 'src/cli/bin.ts' },
    platform: 'node',
    target: 'node20',
    esbuildPlugins: [swapAutoBackend],
    banner: { js: '#!/usr/bin/env node' },
  },
]);
