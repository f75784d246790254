/**
 * `npm run demo`: the main job, end to end. For now (foundation stage) it makes a fresh recovery
 * key and prints every key derived from it; later stages replace this with the full
 * backup -> incremental backup -> verify -> restore walk-through.
 */

import { runCli } from '../src/cli/main.js';
import { generateRecoveryKey } from '../src/keys/recoveryKey.js';

const aep = generateRecoveryKey();
const aci = crypto.randomUUID();
process.stdout.write(`recovery key: ${aep}\naci:          ${aci}\n`);
process.exitCode = await runCli(
  ['keys', '--aci', aci, '--media-root-key', '00'.repeat(32), '--media-name', 'example.jpg'],
  {
    stdout: process.stdout,
    stderr: process.stderr,
    env: { SBACKUP_AEP: aep },
    readStdin: async () => '',
  },
);
