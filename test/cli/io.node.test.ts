import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../src/cli/io.js';
import { cli } from '../helpers/cli.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-io-'));
});

/** Collects the errors Node reports as uncaught while `f` runs (they would print a stack trace). */
async function uncaughtDuring(f: () => Promise<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (e: unknown) => seen.push(e);
  process.prependListener('uncaughtException', listener);
  try {
    await f().catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off('uncaughtException', listener);
  }
  return seen;
}

describe('writeFileAtomically', () => {
  it('writes the whole file under its name, and nothing else', async () => {
    const target = join(dir, 'whole.bin');
    await writeFileAtomically(target, async (write) => {
      await write(Uint8Array.of(1, 2, 3));
      await write(new Uint8Array(100_000).fill(7));
    });
    const bytes = await readFile(target);
    expect(bytes.length).toBe(100_003);
    expect([...bytes.subarray(0, 4)]).toEqual([1, 2, 3, 7]);
    expect((await readdir(dir)).filter((n) => n.startsWith('whole.bin'))).toEqual(['whole.bin']);
  });

  it('rejects (no uncaught error event) when the directory does not exist', async () => {
    const target = join(dir, 'missing', 'x.bin');
    let error: unknown;
    const uncaught = await uncaughtDuring(async () => {
      try {
        await writeFileAtomically(target, async (write) => write(Uint8Array.of(1)));
      } catch (e) {
        error = e;
      }
    });
    expect(uncaught).toEqual([]);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('leaves neither the target nor a temporary file when the producer fails at once', async () => {
    await expect(
      writeFileAtomically(join(dir, 'fails.bin'), async () => {
        throw new Error('producer failed');
      }),
    ).rejects.toThrow('producer failed');
    await new Promise((r) => setTimeout(r, 50));
    expect((await readdir(dir)).filter((n) => n.startsWith('fails.bin'))).toEqual([]);
  });

  it('keeps the old file when the producer fails half-way', async () => {
    const target = join(dir, 'old.bin');
    await writeFile(target, 'old');
    await expect(
      writeFileAtomically(target, async (write) => {
        await write(new Uint8Array(10_000));
        throw new Error('half-way');
      }),
    ).rejects.toThrow('half-way');
    expect(await readFile(target, 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((n) => n.startsWith('old.bin'))).toEqual(['old.bin']);
  });
});

describe('CLI output into a directory that does not exist', () => {
  it('exits with one line on stderr, no stack trace', async () => {
    const input = join(dir, 'plain.bin');
    await writeFile(input, new Uint8Array(1000));
    let result: Awaited<ReturnType<typeof cli>> | undefined;
    const uncaught = await uncaughtDuring(async () => {
      result = await cli(['media', 'encrypt', '--key', 'ab'.repeat(64), input, join(dir, 'nope', 'out.enc')]);
    });
    expect(uncaught).toEqual([]);
    expect(result!.code).not.toBe(0);
    expect(result!.stderr.trim().split('\n')).toHaveLength(1);
    expect(result!.stderr).toContain(`no such file: ${join(dir, 'nope', 'out.enc')}\n`);
  });
});
