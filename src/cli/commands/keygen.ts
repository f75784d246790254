/** `sbackup keygen`: a new recovery key (its own module: it loads nothing but the recovery-key code). */

import { formatRecoveryKey, generateRecoveryKey } from '../../keys/recoveryKey.js';
import { command, EXIT_OK, parse } from '../io.js';

export const keygen = command({
  summary: 'print a new recovery key',
  usage: `sbackup keygen [--display]

Prints a new random recovery key (64 characters of 0-9a-z).
  --display   print it in groups of 4 characters, as people copy it down`,
  async run(args, ctx) {
    const { values } = parse(args, { display: { type: 'boolean' } }, { min: 0, max: 0 });
    const key = generateRecoveryKey();
    ctx.stdout.write(`${values.display ? formatRecoveryKey(key) : key}\n`);
    return EXIT_OK;
  },
});
