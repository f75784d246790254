import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import { concatBytes, toHex } from '../../src/internal/bytes.js';
import { encodeBytesField } from '../../src/internal/wire.js';
import {
  createBackupMetadata,
  decryptForwardSecrecyToken,
  encryptForwardSecrecyToken,
} from '../../src/keys/forwardSecrecy.js';
import { decodeBackupMetadata, encodeBackupMetadata } from '../../src/keys/metadata.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

describe('forward-secrecy token pairs', () => {
  it('round-trip for random keys, salts, nonces and tokens', () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), bytes(12), bytes(32), (bk, salt, iv, token) => {
        const ct = encryptForwardSecrecyToken(bk, salt, iv, token);
        expect(ct).toHaveLength(48);
        expect(decryptForwardSecrecyToken(bk, salt, iv, ct)).toEqual(token);
      }),
      { numRuns: 50 },
    );
  });

  it('reject a flipped bit in ct, iv or salt (and a wrong backup key)', () => {
    const bk = new Uint8Array(32).fill(7);
    const salt = new Uint8Array(32).fill(1);
    const iv = new Uint8Array(12).fill(3);
    const ct = encryptForwardSecrecyToken(bk, salt, iv, new Uint8Array(32).fill(0xab));
    const flip = (b: Uint8Array, i: number, bit: number) => {
      const c = b.slice();
      c[i]! ^= 1 << bit;
      return c;
    };
    const fails = (f: () => unknown) => {
      try {
        f();
        return false;
      } catch (e) {
        return isBackupError(e, 'TOKEN_DECRYPT_FAILED');
      }
    };
    for (let i = 0; i < 48; i++)
      expect(fails(() => decryptForwardSecrecyToken(bk, salt, iv, flip(ct, i, i % 8)))).toBe(true);
    for (let i = 0; i < 12; i++)
      expect(fails(() => decryptForwardSecrecyToken(bk, salt, flip(iv, i, 0), ct))).toBe(true);
    for (let i = 0; i < 32; i++)
      expect(fails(() => decryptForwardSecrecyToken(bk, flip(salt, i, 7), iv, ct))).toBe(true);
    expect(fails(() => decryptForwardSecrecyToken(flip(bk, 0, 0), salt, iv, ct))).toBe(true);
  });

  it('check argument lengths with RangeError naming the argument', () => {
    const k = new Uint8Array(32);
    expect(() => encryptForwardSecrecyToken(k, k, new Uint8Array(16), k)).toThrow(
      /"iv" expected Uint8Array of length 12/,
    );
    expect(() => encryptForwardSecrecyToken(k, k, new Uint8Array(12), new Uint8Array(31))).toThrow(RangeError);
    expect(() => decryptForwardSecrecyToken(k, k, new Uint8Array(12), new Uint8Array(47))).toThrow(/"ct"/);
  });
});

describe('metadata header (MetadataPb)', () => {
  const bk = new Uint8Array(32).fill(9);
  const pair = { encSalt: new Uint8Array(32).fill(1), pwSalt: new Uint8Array(32).fill(2) };

  it('builds a random nonce lazily from the given source', () => {
    const md = createBackupMetadata(bk, new Uint8Array(32), [pair], { random: (n) => new Uint8Array(n).fill(0x42) });
    expect(toHex(md.iv)).toBe('42'.repeat(12));
  });

  it('decodes the faux header of libsignal test files (docs/format.md §4)', () => {
    // 0a 54 {0a 30 <48 x cc> 12 20 <32 x 50>} 12 0c "iv_12_bytes_"
    const pairBytes = concatBytes(
      encodeBytesField(1, new Uint8Array(48).fill(0xcc)),
      encodeBytesField(2, new Uint8Array(32).fill(0x50)),
    );
    const md = concatBytes(
      encodeBytesField(1, pairBytes),
      encodeBytesField(2, new TextEncoder().encode('iv_12_bytes_')),
    );
    expect(md).toHaveLength(100);
    const parsed = decodeBackupMetadata(md);
    expect(parsed.pairs).toHaveLength(1);
    expect(encodeBackupMetadata(parsed)).toEqual(md);
  });

  it('skips known field numbers with another wire type, as libsignal 0.103.0 does', () => {
    // libsignal validates a file whose MetadataPb also holds `pair` as a varint or a fixed64 and
    // `iv` as a fixed32 (checked against the oracle in test/interop/keys.test.ts).
    const pair = concatBytes(
      encodeBytesField(1, new Uint8Array(48).fill(0xcc)),
      Uint8Array.of(0x09, 1, 2, 3, 4, 5, 6, 7, 8), // ct (field 1) as fixed64
      encodeBytesField(2, new Uint8Array(32).fill(0x50)),
      Uint8Array.of(0x10, 0x07), // pw_salt (field 2) as varint
    );
    const md = concatBytes(
      encodeBytesField(1, pair),
      Uint8Array.of(0x08, 0x05), // pair (field 1) as varint
      Uint8Array.of(0x09, 1, 2, 3, 4, 5, 6, 7, 8), // pair as fixed64
      encodeBytesField(2, new TextEncoder().encode('iv_12_bytes_')),
      Uint8Array.of(0x15, 1, 2, 3, 4), // iv (field 2) as fixed32
    );
    const parsed = decodeBackupMetadata(md);
    expect(parsed.pairs).toHaveLength(1);
    expect(toHex(parsed.pairs[0]!.ct)).toBe('cc'.repeat(48));
    expect(toHex(parsed.pairs[0]!.pwSalt)).toBe('50'.repeat(32));
    expect(new TextDecoder().decode(parsed.iv)).toBe('iv_12_bytes_');
  });

  const cases: [string, Uint8Array, RegExp][] = [
    ['no pair', encodeBytesField(2, new Uint8Array(12)), /missing field 'pair'/],
    [
      'three pairs',
      concatBytes(
        ...Array.from({ length: 3 }, () =>
          encodeBytesField(
            1,
            concatBytes(encodeBytesField(1, new Uint8Array(48)), encodeBytesField(2, new Uint8Array(32))),
          ),
        ),
        encodeBytesField(2, new Uint8Array(12)),
      ),
      /3 forward-secrecy pairs/,
    ],
    [
      'short ct',
      concatBytes(
        encodeBytesField(
          1,
          concatBytes(encodeBytesField(1, new Uint8Array(47)), encodeBytesField(2, new Uint8Array(32))),
        ),
        encodeBytesField(2, new Uint8Array(12)),
      ),
      /'pair.ct' is 47 bytes long \(expected 48\)/,
    ],
    [
      'missing pw_salt',
      concatBytes(
        encodeBytesField(1, encodeBytesField(1, new Uint8Array(48))),
        encodeBytesField(2, new Uint8Array(12)),
      ),
      /missing field 'pair.pw_salt'/,
    ],
    [
      'long iv',
      concatBytes(
        encodeBytesField(
          1,
          concatBytes(encodeBytesField(1, new Uint8Array(48)), encodeBytesField(2, new Uint8Array(32))),
        ),
        encodeBytesField(2, new Uint8Array(16)),
      ),
      /'iv' is 16 bytes long/,
    ],
    ['garbage', Uint8Array.of(0x0a, 0x7f, 0x01), /not a well-formed/],
  ];
  for (const [name, input, message] of cases) {
    it(`rejects ${name} with INVALID_METADATA`, () => {
      try {
        decodeBackupMetadata(input);
        expect.unreachable();
      } catch (e) {
        expect(isBackupError(e, 'INVALID_METADATA')).toBe(true);
        expect((e as Error).message).toMatch(message);
      }
    });
  }

  it('throws only INVALID_METADATA on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          decodeBackupMetadata(b);
        } catch (e) {
          expect(isBackupError(e, 'INVALID_METADATA')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
