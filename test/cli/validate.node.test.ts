import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const SHARED = process.env.SBACKUP_SHARED ?? join(import.meta.dirname, '../../../shared');
const CASES = join(SHARED, 'interop/libsignal/test-cases');
const AEP = 'm'.repeat(64);
const ACI = '11111111-1111-1111-1111-111111111111';

describe('sbackup validate', () => {
  it('accepts the encrypted test file with its key (exit 0)', async () => {
    const r = await cli([
      'validate',
      '--aep',
      AEP,
      '--aci',
      ACI,
      '--fs-token',
      'ab'.repeat(32),
      join(CASES, 'valid-encrypted/new-account.binproto.encrypted'),
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, errors: [], warnings: [], unknownFields: [] });
  });

  it('rejects an invalid backup with findings (exit 1)', async () => {
    const r = await cli(['validate', join(CASES, 'invalid/missing-account-data.jsonproto')]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.errors.map((e: { code: string }) => e.code)).toContain('MISSING_ACCOUNT_DATA');
  });

  it('is a usage error without a key for an encrypted file, or with a bad purpose (exit 2)', async () => {
    expect((await cli(['validate', join(CASES, 'valid-encrypted/new-account.binproto.encrypted')])).code).toBe(2);
    expect((await cli(['validate', '--purpose', 'later', 'x.binproto'])).code).toBe(2);
  });
});
