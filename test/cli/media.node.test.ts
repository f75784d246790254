import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/internal/bytes.js';
import { ciphertextSize, paddedSize } from '../../src/media/padding.js';
import { cli } from '../helpers/cli.js';

let dir: string;
const KEY = 'ab'.repeat(32) + 'cd'.repeat(32);
const ROOT = 'ea26a2ddb5dba5ef9e34e1b8dea1f5ae7f255306a6d2d883e542306eaa9fe985';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sbackup-media-'));
});

const p = (name: string) => join(dir, name);

describe('sbackup media', () => {
  it('encrypt then decrypt a file, with the FilePointer fields printed', async () => {
    const data = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    await writeFile(p('in.bin'), data);
    const enc = await cli(['media', 'encrypt', '--key', KEY, '--iv', '00'.repeat(16), p('in.bin'), p('out.enc')]);
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    const info = JSON.parse(enc.stdout);
    expect(info.size).toBe(100_000);
    expect(info.paddedSize).toBe(paddedSize(100_000));
    expect(info.mediaName).toBe(info.plaintextHash + KEY);
    expect(info.chunkSize).toBe(65536);
    expect(info.incrementalMac).toHaveLength(64 * Math.floor(ciphertextSize(100_000) / 65536 + 1));
    const blob = await readFile(p('out.enc'));
    expect(blob.length).toBe(ciphertextSize(100_000));
    const dec = await cli([
      'media',
      'decrypt',
      '--key',
      KEY,
      '--size',
      '100000',
      '--digest',
      info.digest,
      p('out.enc'),
      p('back.bin'),
    ]);
    expect(dec.code).toBe(0);
    expect(toHex(await readFile(p('back.bin')))).toBe(toHex(data));
  });

  it('rejects a damaged file with exit 1 and leaves no output behind', async () => {
    const blob = await readFile(p('out.enc'));
    blob[500]! ^= 1;
    await writeFile(p('bad.enc'), blob);
    const before = await readdir(dir);
    const r = await cli(['media', 'decrypt', '--key', KEY, '--size', '100000', p('bad.enc'), p('bad.out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MAC/);
    expect(await readdir(dir)).toEqual(before);
    const wrongSize = await cli(['media', 'decrypt', '--key', KEY, '--size', '200000', p('out.enc'), p('x.out')]);
    expect(wrongSize.code).toBe(1);
    expect(await readdir(dir)).toEqual(before);
  });

  it('media id prints the libsignal-verified id of "example.jpg"', async () => {
    const r = await cli(['media', 'id', '--media-root-key', ROOT, '--media-name', 'example.jpg']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.mediaId).toBe('239cada7829564eb551a51aab15ebe');
    expect(out.mediaIdBase64Url).toBe(Buffer.from(out.mediaId, 'hex').toString('base64url'));
    expect(out.mediaEncryptionKey.hmacKey).toBe('3f5d446dcb6a859bdeade4ce444c401c759c5f1fa447e8d6924b84d9318fe0d3');
    expect(out.thumbnailTransitKey.aesKey).toBe('bd41a34f6dccbfc1548b4b073d28704c52555328065e06d22c231b186b2787b8');
  });

  it('tier-encrypt and tier-decrypt round-trip; the wrong name is rejected', async () => {
    const args = ['--media-root-key', ROOT, '--media-name', 'x'];
    expect((await cli(['media', 'tier-encrypt', ...args, p('out.enc'), p('tier.bin')])).code).toBe(0);
    expect((await cli(['media', 'tier-decrypt', ...args, p('tier.bin'), p('untier.bin')])).code).toBe(0);
    expect(toHex(await readFile(p('untier.bin')))).toBe(toHex(await readFile(p('out.enc'))));
    const bad = await cli([
      'media',
      'tier-decrypt',
      '--media-root-key',
      ROOT,
      '--media-name',
      'y',
      p('tier.bin'),
      p('no.bin'),
    ]);
    expect(bad.code).toBe(1);
    expect((await readdir(dir)).includes('no.bin')).toBe(false);
  });

  it('usage mistakes exit 2', async () => {
    expect((await cli(['media', 'encrypt', '--key', 'abcd', p('in.bin'), p('o')])).code).toBe(2);
    expect((await cli(['media', 'decrypt', '--key', KEY, p('out.enc'), p('o')])).code).toBe(2);
    expect((await cli(['media', 'decrypt', '--key', KEY, '--size', '-3', p('out.enc'), p('o')])).code).toBe(2);
    expect((await cli(['media', 'id', '--media-name', 'x'])).code).toBe(2);
    expect((await cli(['media', 'encrypt', '--key', KEY, p('missing'), p('o')])).code).toBe(2);
  });
});
