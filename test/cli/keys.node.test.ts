import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isValidRecoveryKey } from '../../src/keys/recoveryKey.js';
import vectors from '../../vectors/keys.json' with { type: 'json' };
import { cli } from '../helpers/cli.js';

const ref = vectors.recoveryKeyCases[0]!;
const e = ref.expected as Record<string, string>;

describe('sbackup keygen', () => {
  it('prints a canonical recovery key', async () => {
    const r = await cli(['keygen']);
    expect(r.code).toBe(0);
    expect(isValidRecoveryKey(r.stdout.trim())).toBe(true);
  });
  it('--display prints 16 groups of 4', async () => {
    const r = await cli(['keygen', '--display']);
    expect(r.stdout.trim()).toMatch(/^([0-9a-z]{4} ){15}[0-9a-z]{4}$/);
  });
});

describe('sbackup keys', () => {
  it('derives every key of the reference vector', async () => {
    const r = await cli([
      'keys',
      '--aep',
      ref.recoveryKey,
      '--aci',
      ref.aci,
      '--fs-token',
      ref.forwardSecrecyToken!,
      '--media-root-key',
      ref.mediaRootKey,
      '--media-name',
      ref.mediaName,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      backupKey: e.backupKey,
      localMetadataKey: e.localMetadataKey,
      backupId: e.backupId,
      backupIdPrivateKey: e.backupIdPrivateKey,
      backupIdPublicKey: e.backupIdPublicKey,
      messageBackupKey: { hmacKey: e.forwardSecrecyMessageBackupHmacKey, aesKey: e.forwardSecrecyMessageBackupAesKey },
      mediaId: e.mediaId,
      mediaEncryptionKey: { hmacKey: e.mediaEncryptionHmacKey, aesKey: e.mediaEncryptionAesKey },
      thumbnailTransitKey: { hmacKey: e.thumbnailTransitHmacKey, aesKey: e.thumbnailTransitAesKey },
    });
  });

  it('uses the legacy message backup key without --fs-token', async () => {
    const r = await cli(['keys', '--aep', ref.recoveryKey, '--aci', ref.aci]);
    expect(JSON.parse(r.stdout).messageBackupKey).toEqual({
      hmacKey: e.legacyMessageBackupHmacKey,
      aesKey: e.legacyMessageBackupAesKey,
    });
  });

  it('reads the key from SBACKUP_AEP or from stdin, in display form', async () => {
    const display = ref.recoveryKey.toUpperCase().match(/.{4}/g)!.join('-');
    const fromEnv = await cli(['keys'], { env: { SBACKUP_AEP: display } });
    const fromStdin = await cli(['keys', '--aep', '-'], { stdin: `${display}\n` });
    expect(JSON.parse(fromEnv.stdout).backupKey).toBe(e.backupKey);
    expect(JSON.parse(fromStdin.stdout).backupKey).toBe(e.backupKey);
  });

  const bad: [string, string[], RegExp][] = [
    ['a short key', ['--aep', 'abc'], /--aep: recovery key: expected 64 characters, got 3/],
    ['a bad character', ['--aep', `${'a'.repeat(63)}!`], /character 64 \("!"\)/],
    ['bad hex', ['--aep', 'a'.repeat(64), '--aci', ref.aci, '--fs-token', 'zz'], /--fs-token: expected hex digits/],
    [
      'a short token',
      ['--aep', 'a'.repeat(64), '--aci', ref.aci, '--fs-token', 'abcd'],
      /--fs-token: expected 32 bytes/,
    ],
    ['a bad UUID', ['--aep', 'a'.repeat(64), '--aci', 'not-a-uuid'], /--aci: expected a UUID/],
    ['a missing key', [], /missing option --aep/],
    [
      'a lone media name',
      ['--aep', 'a'.repeat(64), '--media-name', 'x'],
      /--media-root-key and --media-name go together/,
    ],
    ['an unknown option', ['--aep', 'a'.repeat(64), '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [what, args, message] of bad) {
    it(`exits 2 with one line on stderr for ${what}`, async () => {
      const r = await cli(['keys', ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    });
  }

  it('never echoes the recovery key on error', async () => {
    const secret = `${'s3cr3t'.repeat(10)}!`;
    const r = await cli(['keys', '--aep', secret]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('s3cr3t');
  });
});

describe('the sbackup executable', () => {
  const bin = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
  it('exits 2 without a stack trace for an unknown command', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', bin, 'frobnicate'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it('prints help with every command', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', bin, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/keygen/);
    expect(r.stdout).toMatch(/keys/);
  });
});
