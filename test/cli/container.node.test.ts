/** `sbackup encrypt` / `decrypt` / `inspect`, including libsignal's encrypted test file and rejections. */

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { delimited, frame, INFO, sampleFrames } from '../container/helpers.js';

const AEP = 'm'.repeat(64);
const ACI = '11111111-1111-1111-1111-111111111111';
const TOKEN = 'ab'.repeat(32);
const shared = resolve(process.env.SBACKUP_SHARED ?? '../shared');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sbackup encrypt / decrypt / inspect', () => {
  it('round-trips both layouts', async () => {
    const plain = delimited(INFO, [frame(1, new Uint8Array([1])), ...sampleFrames(10)]);
    const input = join(dir, 'in.binproto');
    await writeFile(input, plain);
    const salts = ['--enc-salt', '01'.repeat(32), '--pw-salt', '02'.repeat(32)];
    for (const [name, extra, layout] of [
      ['legacy.bin', [], 'legacy'],
      ['modern.bin', ['--fs-token', TOKEN, ...salts], 'modern'],
    ] as const) {
      const out = join(dir, name);
      const e = await cli(['encrypt', '--aep', AEP, '--aci', ACI, ...extra, input, out]);
      expect(e.stderr).toBe('');
      expect(e.code).toBe(0);
      const i = await cli(['inspect', out]);
      expect(i.code).toBe(0);
      expect(JSON.parse(i.stdout).layout).toBe(layout);
      const back = join(dir, `${name}.binproto`);
      const token = layout === 'modern' ? ['--fs-token', TOKEN] : [];
      const d = await cli(['decrypt', '--aep', AEP, '--aci', ACI, ...token, out, back]);
      expect(d.code).toBe(0);
      expect(new Uint8Array(await readFile(back))).toEqual(plain);
    }
  });

  it("decrypts libsignal's new-account file", async () => {
    const file = join(shared, 'interop/libsignal/test-cases/valid-encrypted/new-account.binproto.encrypted');
    const out = join(dir, 'new-account.binproto');
    const d = await cli(['decrypt', '--aep', AEP, '--aci', ACI, '--fs-token', TOKEN, file, out]);
    expect(d.code).toBe(0);
    expect((await readFile(out)).length).toBe(117);
    const i = JSON.parse((await cli(['inspect', file])).stdout);
    expect(i).toMatchObject({ layout: 'modern', totalLength: 701, headerLength: 109, ciphertextLength: 544 });
  });

  it('rejects a wrong key with exit 1, one line, and no output file', async () => {
    const file = join(shared, 'interop/libsignal/test-cases/valid-encrypted/new-account.binproto.encrypted');
    const out = join(dir, 'rejected.binproto');
    const d = await cli(['decrypt', '--aep', AEP, '--aci', ACI, file, out]);
    expect(d.code).toBe(1);
    expect(d.stderr.trim().split('\n')).toHaveLength(1);
    expect(d.stderr).toMatch(/wrong recovery key/);
    expect((await readdir(dir)).filter((f) => f.startsWith('rejected'))).toEqual([]);
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['encrypt', '--aep', AEP, 'a'])).code).toBe(2);
    expect((await cli(['encrypt', '--aep', AEP, '--aci', ACI, '--fs-token', TOKEN, 'a', 'b'])).code).toBe(2);
    expect((await cli(['inspect'])).code).toBe(2);
  });
});
