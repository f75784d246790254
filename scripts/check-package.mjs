// `npm run check:package`: packs the package as npm would publish it, then checks the tarball
// with publint (--strict) and @arethetypeswrong/cli, and proves that the built ESM entry points
// load in plain Node (import, and require() of ESM on Node >= 20.19).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', ...opts });
const dir = mkdtempSync(join(tmpdir(), 'sbackup-pack-'));
try {
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  const tarball = join(dir, name);
  run('npx', ['--no-install', 'publint', '--strict', tarball]);
  // ESM-only by design: the CommonJS resolution rows are expected to say "ESM (dynamic import only)"
  // on old Node; require(esm) works on Node >= 20.19 (checked below).
  run('npx', ['--no-install', 'attw', '--pack', '--profile', 'esm-only', tarball]);
  run('node', ['-e', "import('sbackup').then(m => { if (typeof m.deriveBackupKey !== 'function') process.exit(1); })"]);
  run('node', ['-e', "const m = require('sbackup'); if (typeof m.deriveBackupKey !== 'function') process.exit(1)"]);
  console.log('check:package: ok');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
