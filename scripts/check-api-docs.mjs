// `npm run docs:api`: builds the API documentation of every public entry point (typedoc.json),
// with typedoc in memory (`--emit none`; `npx typedoc` writes docs/api/) and
// fails on any validation warning: an exported symbol without TSDoc, or a {@link} that does not
// resolve. The protobuf namespaces generated from proto/backup.proto (`signal`, `svrb`) are
// documented by the .proto text, not by TSDoc, so warnings about src/frames/generated/ are skipped.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../node_modules/typedoc/bin/typedoc', import.meta.url));
// typedoc's output goes to a file, not a pipe: Node writes to pipes asynchronously, and typedoc
// exits before a long output (a note per generated-schema property) has drained, so a pipe loses
// the tail of it, real warnings included.
const dir = mkdtempSync(join(tmpdir(), 'sbackup-typedoc-'));
const logFile = join(dir, 'typedoc.log');
const fd = openSync(logFile, 'w');
const r = spawnSync(process.execPath, [bin, '--emit', 'none', ...process.argv.slice(2)], {
  cwd: root,
  stdio: ['ignore', fd, fd],
  env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
});
closeSync(fd);
const output = readFileSync(logFile, 'utf8');
rmSync(dir, { recursive: true, force: true });
if (r.error) {
  console.error(`docs:api: could not run typedoc: ${r.error.message}`);
  process.exit(1);
}
// Without ANSI colours, one line per message.
const lines = output.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
// A note is about the generated schema when it names a file under src/frames/generated/ or a
// symbol of the generated namespaces (`signal.backup.*`, `svrb.*`, e.g. a broken {@link} that
// protobufjs-cli writes into its own comments).
const generated = (l) => l.includes('src/frames/generated/') || /\b(index|node|schema)\.(signal|svrb)\./.test(l);
const summary = (l) => /^\[(warning|error)\] Found \d+ errors? and \d+ warnings?$/.test(l);
const problems = lines.filter((l) => /^\[(warning|error)\]/.test(l) && !generated(l) && !summary(l));
const skipped = lines.filter((l) => /^\[warning\]/.test(l) && generated(l)).length;
if (problems.length > 0 || r.status !== 0) {
  for (const l of problems) console.error(l);
  console.error(`docs:api: ${problems.length} problem(s) in the TSDoc of the public API (typedoc exit ${r.status})`);
  process.exit(1);
}
console.log(
  `docs:api: every public symbol is documented and every link resolves (${skipped} generated-schema notes skipped)`,
);
