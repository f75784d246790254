/**
 * The `sbackup` command. Each command lives in `commands/`; this file only dispatches, and turns
 * every failure into one line on stderr and an exit code (never a stack trace).
 */

import { isBackupError } from '../errors.js';
import { framesFromJson, framesStats, framesToJson } from './commands/frames.js';
import { decrypt, encrypt, inspect } from './commands/container.js';
import { keygen, keys } from './commands/keys.js';
import { localCreate, localList, localRestore, localVerify, plan } from './commands/incremental.js';
import { validate } from './commands/validate.js';
import { mediaDecrypt, mediaEncrypt, mediaId, mediaTierDecrypt, mediaTierEncrypt } from './commands/media.js';
import { type CliContext, type Command, EXIT_OK, EXIT_REJECTED, EXIT_USAGE, UsageError } from './io.js';

/** Commands by name; a name with a space is a sub-command (`frames to-json`). */
export const COMMANDS: Record<string, Command> = {
  keygen,
  keys,
  encrypt,
  decrypt,
  inspect,
  'frames to-json': framesToJson,
  'frames from-json': framesFromJson,
  'frames stats': framesStats,
  'media encrypt': mediaEncrypt,
  'media decrypt': mediaDecrypt,
  'media id': mediaId,
  'media tier-encrypt': mediaTierEncrypt,
  'media tier-decrypt': mediaTierDecrypt,
  validate,
  plan,
  'local create': localCreate,
  'local verify': localVerify,
  'local list': localList,
  'local restore': localRestore,
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `sbackup: Signal backups (keys, frames, encrypted files, media)

Usage: sbackup <command> [options]    (sbackup <command> --help for details)

${lines.join('\n')}

Exit status: 0 ok, 1 input rejected or problems found, 2 usage error.
`;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length === 0 ? ctx.stderr : ctx.stdout).write(help());
    return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  // Longest match first, so "frames to-json" wins over a hypothetical "frames".
  let name = '';
  let rest: string[] = [];
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const candidate = argv.slice(0, n).join(' ');
    if (candidate in COMMANDS) {
      name = candidate;
      rest = argv.slice(n);
      break;
    }
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    const group = Object.keys(COMMANDS).filter((c) => c.startsWith(`${argv[0]} `));
    ctx.stderr.write(
      group.length > 0
        ? `sbackup ${argv[0]}: expected one of: ${group.map((g) => g.split(' ')[1]).join(', ')}\n`
        : `sbackup: unknown command "${argv[0]}" (try sbackup --help)\n`,
    );
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout.write(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.stderr.write(`sbackup ${name}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (isBackupError(e)) {
      ctx.stderr.write(`sbackup ${name}: ${e.message}\n`);
      return EXIT_REJECTED;
    }
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code === 'string' && typeof err.path === 'string') {
      ctx.stderr.write(`sbackup ${name}: ${err.code === 'ENOENT' ? 'no such file' : err.code}: ${err.path}\n`);
      return err.code === 'ENOENT' ? EXIT_USAGE : EXIT_REJECTED;
    }
    ctx.stderr.write(`sbackup ${name}: internal error: ${err?.message ?? String(e)}\n`);
    return EXIT_REJECTED;
  }
}
