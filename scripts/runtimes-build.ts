/**
 * Build options for the browser / React Native entry (`dist/index.js`, the `default` condition),
 * so that it imports in an engine without `TextEncoder`, `TextDecoder`, WHATWG streams or
 * `crypto` (QuickJS in CI, standing in for Hermes); scripts/runtimes.mjs checks it.
 *
 * Two dependencies do work at import time that needs those globals, and a bundle is the only place
 * to stop it (an ES module's imports are evaluated before any of its own code):
 * - protobufjs 8 builds two `TextDecoder`s when `src/util/utf8.js` loads. The bundle takes
 *   protobufjs in and gives it src/internal/protobufUtf8.ts instead of that file (same functions,
 *   same results, codecs looked up on first use, src/internal/utf8.ts when there are none). Its
 *   optional `long` dependency is left out: 64-bit fields are bigint here (scripts/gen-proto.ts
 *   removes every Long use from the generated code), and protobufjs falls back to plain numbers
 *   when `require("long")` gives nothing, as it does without the package.
 * - @noble/curves 2.4's `ed25519.js` builds its FROST instance at load (`utf8ToBytes`, i.e.
 *   `new TextEncoder()`), inside a `/* @__PURE__ *\/` call. Bundled, the unused instance is
 *   tree-shaken away; x25519 and ristretto255 (what the core uses) stay.
 *
 * Use in tsup.config.ts: `{ ...shared, ...browserBundle, entry: { index: 'src/index.ts' }, platform: 'neutral', ... }`.
 */

import { fileURLToPath } from 'node:url';
import type { Options } from 'tsup';

const protobufUtf8 = fileURLToPath(new URL('../src/internal/protobufUtf8.ts', import.meta.url));
const fromProtobufjs = /[\\/]node_modules[\\/]protobufjs[\\/]/;
const EMPTY = 'sbackup-empty-module';

interface ResolveArgs {
  path: string;
  importer: string;
}
interface PluginBuild {
  onResolve(
    options: { filter: RegExp },
    callback: (args: ResolveArgs) => { path: string; namespace?: string } | undefined,
  ): void;
  onLoad(options: { filter: RegExp; namespace: string }, callback: () => { contents: string; loader: 'js' }): void;
}

/** esbuild plugin: protobufjs's utf8 module becomes ours; its `long` require resolves to nothing. */
export const protobufjsWithoutTextDecoder = {
  name: 'sbackup-protobufjs-without-textdecoder',
  setup(build: PluginBuild) {
    build.onResolve({ filter: /^\.\/utf8(\.js)?$/ }, (args) =>
      fromProtobufjs.test(args.importer) && /[\\/]src[\\/]util[\\/]minimal\.js$/.test(args.importer)
        ? { path: protobufUtf8 }
        : undefined,
    );
    build.onResolve({ filter: /^long$/ }, (args) =>
      fromProtobufjs.test(args.importer) ? { path: 'long', namespace: EMPTY } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: EMPTY }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

/** Options to spread into the browser entry's tsup configuration. */
export const browserBundle: Pick<Options, 'noExternal' | 'esbuildPlugins'> = {
  noExternal: ['protobufjs', /^@noble\//],
  esbuildPlugins: [protobufjsWithoutTextDecoder as NonNullable<Options['esbuildPlugins']>[number]],
};
