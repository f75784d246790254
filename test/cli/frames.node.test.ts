import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBackup } from '../../src/frames/index.js';
import { fromHex } from '../../src/internal/bytes.js';
import { cli } from '../helpers/cli.js';

let dir: string;
const p = (name: string) => join(dir, name);
const backup = encodeBackup({
  backupInfo: { version: 1n, backupTimeMs: 5n },
  frames: [
    { account: { givenName: 'Ann' } },
    { recipient: { id: 1n, self: {} } },
    { chatItem: { chatId: 1n, authorId: 1n, dateSent: 2n, standardMessage: { text: { body: 'hi' } } } },
  ],
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-frames-'));
  await writeFile(p('in.binproto'), backup);
});

describe('sbackup frames', () => {
  it('to-json prints JSON Lines, from-json turns them back into the same bytes', async () => {
    const out = await cli(['frames', 'to-json', p('in.binproto')]);
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n')[0]).toBe('{"version":"1","backupTimeMs":"5"}');
    expect(out.stdout.split('\n')[2]).toBe('{"recipient":{"id":"1","self":{}}}');
    await writeFile(p('in.jsonl'), out.stdout);
    const back = await cli(['frames', 'from-json', p('in.jsonl'), p('out.binproto')]);
    expect(back.code).toBe(0);
    expect(new Uint8Array(await readFile(p('out.binproto')))).toEqual(backup);
  });

  it('stats counts frames by type, chat items by type, and unknown fields', async () => {
    // One extra frame with an unknown field 50 (varint) at the top level.
    await writeFile(p('unknown.binproto'), new Uint8Array([...backup, ...fromHex('039003' + '01')]));
    const out = await cli(['frames', 'stats', p('unknown.binproto')]);
    expect(out.code).toBe(0);
    const stats = JSON.parse(out.stdout);
    expect(stats.frames).toBe(4);
    expect(stats.bytes).toBe(backup.length + 4);
    expect(stats.frameKinds).toEqual({ account: 1, recipient: 1, chatItem: 1, '(empty)': 1 });
    expect(stats.chatItemKinds).toEqual({ standardMessage: 1 });
    expect(stats.unknownFields).toEqual({ count: 1, first: ['frame 4: Frame: unknown field 50 (varint)'] });
  });

  it('bad data exits 1 with the offset and frame index; usage mistakes exit 2', async () => {
    await writeFile(p('trunc.binproto'), backup.subarray(0, backup.length - 2));
    const bad = await cli(['frames', 'to-json', p('trunc.binproto')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/frame 3 at byte \d+ is truncated/);
    expect((await cli(['frames', 'stats'])).code).toBe(2);
    expect((await cli(['frames', 'from-json', p('in.binproto')])).code).toBe(2);
  });

  it('from-json writes nothing when the JSON is rejected', async () => {
    await writeFile(p('bad.jsonl'), '{"version":"1"}\n{"chat":{"id":"x"}}\n');
    const r = await cli(['frames', 'from-json', p('bad.jsonl'), p('never.binproto')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/frame 1: Frame\.chat\.id/);
    expect((await readdir(dir)).filter((f) => f.startsWith('never'))).toEqual([]);
  });
});
