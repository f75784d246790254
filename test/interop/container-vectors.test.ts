/**
 * vectors/container/ against the oracle (libsignal-client 0.103.0): libsignal's `validate()`
 * (RemoteBackup) accepts every positive vector with the vectors' recovery key and ACI, with no
 * unknown fields, and derives the same MessageBackupKeys; it rejects the negative files
 * that break the MAC.
 */

import { describe, expect, it } from 'vitest';
import decryptVectors from '../../vectors/container/decrypt.json' with { type: 'json' };
import encryptVectors from '../../vectors/container/encrypt.json' with { type: 'json' };
import negativeVectors from '../../vectors/container/negative.json' with { type: 'json' };
import { pureBackend } from '../../src/backends/pure.js';
import { fromHex, toHex } from '../../src/internal/bytes.js';
import { encryptCase } from '../container/vectorSuite.js';
import { BytesInputStream, libsignal } from './oracle.js';

const { MessageBackupKey, Purpose, validate } = libsignal.messageBackup;

function theirKey(layout: string) {
  return new MessageBackupKey({
    accountEntropy: encryptVectors.recoveryKey,
    aci: libsignal.address.Aci.fromUuid(encryptVectors.aci),
    ...(layout === 'modern'
      ? {
          forwardSecrecyToken: new libsignal.accountKeys.BackupForwardSecrecyToken(
            fromHex(encryptVectors.forwardSecrecyToken) as Uint8Array<ArrayBuffer>,
          ),
        }
      : {}),
  });
}

async function run(file: Uint8Array, layout: string) {
  return validate(theirKey(layout), Purpose.RemoteBackup, () => new BytesInputStream(file), BigInt(file.length));
}

describe('container vectors against libsignal-client', () => {
  it('the MessageBackupKeys of the vectors are libsignal’s', () => {
    for (const layout of ['legacy', 'modern'] as const) {
      const k = theirKey(layout);
      expect(toHex(k.hmacKey)).toBe(encryptVectors.keys[layout].hmacKey);
      expect(toHex(k.aesKey)).toBe(encryptVectors.keys[layout].aesKey);
    }
  });

  it('validate() accepts every encrypt.json file (level 0, stored blocks)', async () => {
    for (const c of encryptVectors.cases) {
      const outcome = await run(await encryptCase(c, pureBackend), c.layout);
      expect(outcome.errorMessage, c.description).toBeNull();
      expect(outcome.unknownFieldMessages).toEqual([]);
    }
  });

  it('validate() accepts every decrypt.json file', async () => {
    for (const c of decryptVectors.cases) {
      const outcome = await run(fromHex(c.file), c.layout);
      expect(outcome.errorMessage, c.description).toBeNull();
      expect(outcome.unknownFieldMessages).toEqual([]);
    }
  });

  it('validate() rejects every negative.json file that sbackup rejects before releasing anything', async () => {
    let checked = 0;
    for (const c of negativeVectors.cases) {
      if (c.mayRelease !== 0) continue;
      const file = fromHex(c.file);
      let failed: boolean;
      try {
        failed = (await run(file, c.key)).errorMessage !== null;
      } catch {
        failed = true;
      }
      expect(failed, c.description).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(15);
  });
});
