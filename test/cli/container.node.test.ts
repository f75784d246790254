/** `sbackup encrypt` / `decrypt` / `inspect`, including libsignal's encrypted test file and rejections. */

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { delimited, frame, gz, handBuilt, INFO, readAll, sampleFrames, text } from '../container/helpers.js';
import { splitBackupStream } from '../../src/frames/stream.js';
import { concatByteList } from '../../src/internal/bytes.js';
import { deriveBackupId, deriveBackupKey, deriveMessageBackupKey } from '../../src/keys/hierarchy.js';

const AEP = 'm'.repeat(64);
const ACI = '11111111-1111-1111-1111-111111111111';
const TOKEN = 'ab'.repeat(32);
const KEY_OF_AEP = (() => {
  const bk = deriveBackupKey(AEP);
  return deriveMessageBackupKey(bk, deriveBackupId(bk, ACI));
})();
/** The message of the error iterating `it` throws. */
async function messageOf(it: AsyncIterable<unknown>): Promise<string> {
  try {
    for await (const _ of it) {
      // drain
    }
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('no error');
}
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

  it('round-trips a .binproto read in many chunks: tiny frames, empty ones, a frame across reads', async () => {
    // Views of 1 MiB reads on encrypt, checked inflated chunks on decrypt: the frames must come
    // back byte for byte, whatever falls on a chunk boundary.
    const frames = [...sampleFrames(20)];
    for (let i = 0; i < 60000; i++) frames.push(frame(4, text(`m${i}`)));
    frames.push(frame(4, new Uint8Array(3 * 2 ** 20).fill(0x42)));
    for (let i = 0; i < 500; i++) frames.push(new Uint8Array(0));
    frames.push(...sampleFrames(3));
    const plain = delimited(INFO, frames);
    const input = join(dir, 'many.binproto');
    const enc = join(dir, 'many.bin');
    const back = join(dir, 'many.back.binproto');
    await writeFile(input, plain);
    expect((await cli(['encrypt', '--aep', AEP, '--aci', ACI, input, enc])).code).toBe(0);
    const d = await cli(['decrypt', '--aep', AEP, '--aci', ACI, enc, back]);
    expect(d.stderr).toBe('');
    expect(d.code).toBe(0);
    expect(Buffer.compare(await readFile(back), plain)).toBe(0);
  });

  it('encrypt names damage in the .binproto in one line, in the words of the frame splitter', async () => {
    const good = delimited(INFO, sampleFrames(3));
    const cases: [string, Uint8Array, string[]][] = [
      ['cut', good.subarray(0, good.length - 3), []],
      ['prefix', concatByteList([good, Uint8Array.of(0x80)]), []],
      ['long-prefix', concatByteList([good, Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)]), []],
      ['large', good, ['--max-frame-bytes', '20']],
      ['empty', new Uint8Array(0), []],
    ];
    for (const [name, bytes, extra] of cases) {
      const input = join(dir, `bad-${name}.binproto`);
      const out = join(dir, `bad-${name}.bin`);
      await writeFile(input, bytes);
      const e = await cli(['encrypt', '--aep', AEP, '--aci', ACI, ...extra, input, out]);
      const expected =
        name === 'empty'
          ? 'input: no BackupInfo (the file is empty)'
          : await messageOf(splitBackupStream([bytes], name === 'large' ? { maxFrameBytes: 20 } : {}));
      expect(e.code, name).toBe(1);
      expect(e.stderr, name).toBe(`sbackup encrypt: ${expected}\n`);
      expect((await readdir(dir)).filter((f) => f.startsWith(`bad-${name}.bin`) && !f.endsWith('proto'))).toEqual([]);
    }
  });

  it('decrypt rejects damage inside the plaintext with one line, as the frame reader words it, and no output', async () => {
    const good = delimited(INFO, sampleFrames(3));
    for (const [name, plaintext] of [
      ['cut', good.subarray(0, good.length - 3)],
      ['prefix', concatByteList([good, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)])],
    ] as const) {
      // A file whose MAC verifies but whose plaintext is damaged: found by the framing check.
      const bytes = handBuilt(gz(plaintext), KEY_OF_AEP);
      const file = join(dir, `${name}.bin`);
      await writeFile(file, bytes);
      const out = join(dir, `${name}.plain`);
      const d = await cli(['decrypt', '--aep', AEP, '--aci', ACI, file, out]);
      const r = await readAll(bytes, { key: KEY_OF_AEP });
      expect(r.ok).toBe(false);
      expect(d.code).toBe(1);
      expect(d.stderr).toBe(`sbackup decrypt: ${(r as { error: Error }).error.message}\n`);
      expect((await readdir(dir)).filter((f) => f.startsWith(`${name}.plain`))).toEqual([]);
    }
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['encrypt', '--aep', AEP, 'a'])).code).toBe(2);
    expect((await cli(['encrypt', '--aep', AEP, '--aci', ACI, '--fs-token', TOKEN, 'a', 'b'])).code).toBe(2);
    expect((await cli(['inspect'])).code).toBe(2);
  });
});
