/** `sbackup view`: serves the browser viewer on 127.0.0.1 and opens it. */

import { spawn } from 'node:child_process';
import { startViewServer } from '../../node/viewServer.js';
import { command, EXIT_OK, parse, UsageError } from '../io.js';

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No browser to open: the URL is printed.
  }
}

export const view = command({
  summary: 'open the backup viewer in the browser (served on 127.0.0.1)',
  usage: `sbackup view [--port N] [--no-open]

Serves the viewer, a web page that reads a backup folder or file from your disk and decrypts it
in the browser (nothing is uploaded; the page may make no request but for its own files), on
http://127.0.0.1 only, prints its address and opens it in the browser. Ctrl-C stops it.
  --port N    listen on port N (default: any free port)
  --no-open   print the address without opening a browser`,
  async run(args, ctx) {
    const { values } = parse(args, { port: { type: 'string' }, 'no-open': { type: 'boolean' } }, { min: 0, max: 0 });
    let port = 0;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!/^\d+$/.test(values.port) || port < 1 || port > 65535)
        throw new UsageError('--port: expected a number 1-65535');
    }
    let server: Awaited<ReturnType<typeof startViewServer>>;
    try {
      server = await startViewServer({ port });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use`);
      throw new UsageError((e as Error).message);
    }
    ctx.stdout.write(`sbackup viewer: ${server.url}  (Ctrl-C to stop)\n`);
    if (values['no-open'] !== true) openBrowser(server.url);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    return EXIT_OK;
  },
});
