#!/usr/bin/env node
/** Entry point of the `sbackup` executable. */

import { readHiddenLine } from './io.js';
import { runCli } from './main.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// A reader that stops early (`sbackup frames to-json x | head`) closes the pipe: stop quietly,
// as command-line tools do, instead of dying on an unhandled 'error' event with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (stream === process.stdout) process.stderr.write(`sbackup: cannot write the output: ${e.code ?? e.message}\n`);
    process.exit(1);
  });
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readStdin,
  ...(process.stdin.isTTY
    ? { promptSecret: (prompt: string) => readHiddenLine(process.stdin, process.stderr, prompt) }
    : {}),
});
