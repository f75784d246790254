/**
 * The `sbackup` command. Each command lives in `commands/`; this file only dispatches, and turns
 * every failure into one line on stderr and an exit code (never a stack trace).
 */

import { isBackupError } from '../errors.js';
import { type CliContext, type Command, EXIT_OK, EXIT_REJECTED, EXIT_USAGE, UsageError } from './io.js';

/**
 * Commands by name (a name with a space is a sub-command: `frames to-json`), each with the module
 * that defines it and its export there. A command's module, and what it imports, is loaded only
 * when that command runs (or for `--help`), so `sbackup keygen` does not load the frame codec,
 * the container or the validator.
 */
const COMMAND_MODULES: Record<string, [load: () => Promise<Record<string, Command>>, name: string]> = {
  keygen: [() => import('./commands/keygen.js'), 'keygen'],
  keys: [() => import('./commands/keys.js'), 'keys'],
  encrypt: [() => import('./commands/container.js'), 'encrypt'],
  decrypt: [() => import('./commands/container.js'), 'decrypt'],
  inspect: [() => import('./commands/container.js'), 'inspect'],
  'frames to-json': [() => import('./commands/frames.js'), 'framesToJson'],
  'frames from-json': [() => import('./commands/frames.js'), 'framesFromJson'],
  'frames stats': [() => import('./commands/frames.js'), 'framesStats'],
  'media encrypt': [() => import('./commands/media.js'), 'mediaEncrypt'],
  'media decrypt': [() => import('./commands/media.js'), 'mediaDecrypt'],
  'media id': [() => import('./commands/media.js'), 'mediaId'],
  'media tier-encrypt': [() => import('./commands/media.js'), 'mediaTierEncrypt'],
  'media tier-decrypt': [() => import('./commands/media.js'), 'mediaTierDecrypt'],
  validate: [() => import('./commands/validate.js'), 'validate'],
  chats: [() => import('./commands/export.js'), 'chats'],
  export: [() => import('./commands/export.js'), 'exportChats'],
  plan: [() => import('./commands/incremental.js'), 'plan'],
  'local create': [() => import('./commands/incremental.js'), 'localCreate'],
  'local verify': [() => import('./commands/incremental.js'), 'localVerify'],
  'local list': [() => import('./commands/incremental.js'), 'localList'],
  'local restore': [() => import('./commands/incremental.js'), 'localRestore'],
  merge: [() => import('./commands/merge.js'), 'merge'],
  view: [() => import('./commands/view.js'), 'view'],
  'hosted backup': [() => import('./commands/hosted.js'), 'hostedBackupCommand'],
  'hosted restore': [() => import('./commands/hosted.js'), 'hostedRestoreCommand'],
  'hosted status': [() => import('./commands/hosted.js'), 'hostedStatusCommand'],
};

/** The names of every command, in the order `sbackup --help` lists them. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMAND_MODULES);

/** Loads one command's definition. */
export async function loadCommand(name: string): Promise<Command> {
  const entry = COMMAND_MODULES[name];
  if (entry === undefined) throw new RangeError(`unknown command ${name}`);
  const command = (await entry[0]())[entry[1]];
  if (command === undefined) throw new Error(`command ${name} is missing from its module`);
  return command;
}

async function help(): Promise<string> {
  const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
  const commands = await Promise.all(COMMAND_NAMES.map(loadCommand));
  const lines = COMMAND_NAMES.map((name, i) => `  ${name.padEnd(width)}  ${commands[i]!.summary}`);
  return `sbackup: Signal backups (keys, frames, encrypted files, media)

Usage: sbackup <command> [options]    (sbackup <command> --help for details)

${lines.join('\n')}

Exit status: 0 ok, 1 input rejected or problems found, 2 usage error.
`;
}

/**
 * A message as one plain line: line breaks and other control characters (which a message can
 * quote from bad input, e.g. JSON.parse's excerpt of a binary file) become spaces.
 */
function oneLine(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length === 0 ? ctx.stderr : ctx.stdout).write(await help());
    return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  // Longest match first, so "frames to-json" wins over a hypothetical "frames".
  let name = '';
  let rest: string[] = [];
  for (let n = Math.min(2, argv.length); n >= 1; n--) {
    const candidate = argv.slice(0, n).join(' ');
    if (candidate in COMMAND_MODULES) {
      name = candidate;
      rest = argv.slice(n);
      break;
    }
  }
  if (name === '') {
    const group = COMMAND_NAMES.filter((c) => c.startsWith(`${argv[0]} `));
    ctx.stderr.write(
      group.length > 0
        ? `sbackup ${argv[0]}: expected one of: ${group.map((g) => g.split(' ')[1]).join(', ')}\n`
        : `sbackup: unknown command "${argv[0]}" (try sbackup --help)\n`,
    );
    return EXIT_USAGE;
  }
  const command = await loadCommand(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout.write(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.stderr.write(`sbackup ${name}: ${oneLine(e.message)}\n`);
      return EXIT_USAGE;
    }
    if (isBackupError(e)) {
      ctx.stderr.write(`sbackup ${name}: ${oneLine(e.message)}\n`);
      return EXIT_REJECTED;
    }
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code === 'string' && typeof err.path === 'string') {
      ctx.stderr.write(`sbackup ${name}: ${err.code === 'ENOENT' ? 'no such file' : err.code}: ${oneLine(err.path)}\n`);
      return err.code === 'ENOENT' ? EXIT_USAGE : EXIT_REJECTED;
    }
    ctx.stderr.write(`sbackup ${name}: internal error: ${oneLine(err?.message ?? String(e))}\n`);
    return EXIT_REJECTED;
  }
}
