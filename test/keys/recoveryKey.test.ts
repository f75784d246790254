import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackupError } from '../../src/errors.js';
import {
  assertRecoveryKey,
  formatRecoveryKey,
  generateRecoveryKey,
  isValidRecoveryKey,
  normalizeRecoveryKey,
} from '../../src/keys/recoveryKey.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const canonicalKey = fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 64, maxLength: 64 });

/** Runs `f` and says how it failed: 'ok', the BackupError code, or 'other: …'. */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return isBackupError(e) ? e.code : `other: ${String(e)}`;
  }
}

describe('recovery key', () => {
  it("follows libsignal's validity rule (docs/format.md §1)", () => {
    expect(isValidRecoveryKey('0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqr')).toBe(true);
    expect(isValidRecoveryKey('A'.repeat(64))).toBe(false);
    expect(isValidRecoveryKey('a'.repeat(63))).toBe(false);
    expect(isValidRecoveryKey('a'.repeat(65))).toBe(false);
    expect(isValidRecoveryKey('invalid key')).toBe(false);
    expect(isValidRecoveryKey(`${'a'.repeat(63)} `)).toBe(false);
  });

  it('generates 64 characters of 0-9a-z', () => {
    for (let i = 0; i < 50; i++) expect(isValidRecoveryKey(generateRecoveryKey())).toBe(true);
  });

  it('draws without modulo bias (bytes >= 252 are redrawn)', () => {
    // A source that returns only 255s first, then a known pattern: the 255s must be skipped.
    let calls = 0;
    const source = (n: number) => {
      calls++;
      return calls === 1 ? new Uint8Array(n).fill(255) : Uint8Array.from({ length: n }, (_, i) => i);
    };
    expect(generateRecoveryKey(source)).toBe(Array.from({ length: 64 }, (_, i) => ALPHABET[i % 36]).join(''));
    expect(calls).toBe(2);
    // 251 is the largest accepted byte and maps to 251 % 36 = 35 ('z').
    expect(generateRecoveryKey((n) => new Uint8Array(n).fill(251))).toBe('z'.repeat(64));
  });

  it('uses every character of the alphabet roughly uniformly', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 200; i++) for (const c of generateRecoveryKey()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(36);
    // 12800 draws / 36 = 355.6 expected per symbol; a fair source is far inside these bounds.
    for (const n of counts.values()) expect(n).toBeGreaterThan(250);
    for (const n of counts.values()) expect(n).toBeLessThan(470);
  });

  it('formats in 16 groups of 4 and normalizes back (property)', () => {
    fc.assert(
      fc.property(canonicalKey, (k) => {
        const shown = formatRecoveryKey(k);
        expect(shown.split(' ')).toHaveLength(16);
        expect(normalizeRecoveryKey(shown)).toBe(k);
        expect(normalizeRecoveryKey(shown.toUpperCase())).toBe(k);
        expect(normalizeRecoveryKey(shown.replaceAll(' ', '-'))).toBe(k);
        expect(normalizeRecoveryKey(` ${shown.replaceAll(' ', '\n')}\t`)).toBe(k);
      }),
    );
  });

  it('says what is wrong without echoing the key', () => {
    const secret = 'q'.repeat(62);
    for (const bad of [secret, `${secret}!!`, `${secret}é1`]) {
      try {
        normalizeRecoveryKey(bad);
        expect.unreachable();
      } catch (e) {
        expect(isBackupError(e, 'INVALID_RECOVERY_KEY')).toBe(true);
        expect((e as Error).message).not.toContain('qqqq');
      }
    }
    expect(() => assertRecoveryKey('a'.repeat(63))).toThrow(/expected 64 characters, got 63/);
    expect(() => assertRecoveryKey(`${'a'.repeat(10)}!${'a'.repeat(53)}`)).toThrow(/character 11 \("!"\)/);
    expect(() => assertRecoveryKey(`${'a'.repeat(63)}\u0000`)).toThrow(/control character U\+0000/);
  });

  it('does not echo an uppercase letter: its lowercase form is a character of the key', () => {
    // deriveBackupKey('K...') must not write the key's first character into logs.
    const key = `K${'7'.repeat(63)}`;
    let message = '';
    try {
      assertRecoveryKey(key);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/character 1 \(an uppercase letter\)/);
    expect(message).not.toMatch(/[Kk]"/);
  });

  it('rejects every invalid input with INVALID_RECOVERY_KEY and nothing else (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        const result = outcome(() => assertRecoveryKey(s));
        expect(result).toBe(isValidRecoveryKey(s) ? 'ok' : 'INVALID_RECOVERY_KEY');
        const normalized = outcome(() => normalizeRecoveryKey(s));
        expect(['ok', 'INVALID_RECOVERY_KEY']).toContain(normalized);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects a non-string with TypeError', () => {
    expect(() => normalizeRecoveryKey(42 as unknown as string)).toThrow(TypeError);
    expect(isValidRecoveryKey(null as unknown as string)).toBe(false);
  });
});
