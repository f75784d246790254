// `npm run docs:api`: builds the API documentation of the public entry points (src/index.ts,
// src/node/index.ts) with typedoc in memory (`--emit none`; `npx typedoc` writes docs/api/) and
// fails on any validation warning: an exported symbol without TSDoc, or a {@link} that does not
// resolve. The protobuf namespaces generated from proto/backup.proto (`signal`, `svrb`) are
// documented by the .proto text, not by TSDoc, so warnings about src/frames/generated/ are skipped.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../node_modules/typedoc/bin/typedoc', import.meta.url));
const r = spawnSync(process.execPath, [bin, '--emit', 'none', ...process.argv.slice(2)], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
});
// Without ANSI colours, one line per message.
const lines = `${r.stdout}\n${r.stderr}`.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
const problems = lines.filter((l) => /^\[(warning|error)\]/.test(l) && !l.includes('src/frames/generated/'));
const skipped = lines.filter((l) => /^\[warning\]/.test(l) && l.includes('src/frames/generated/')).length;
if (problems.length > 0 || r.status !== 0) {
  for (const l of problems) console.error(l);
  console.error(`docs:api: ${problems.length} problem(s) in the TSDoc of the public API (typedoc exit ${r.status})`);
  process.exit(1);
}
console.log(
  `docs:api: every public symbol is documented and every link resolves (${skipped} generated-schema notes skipped)`,
);
