/**
 * The recovery key: 64 characters of `0-9a-z` that Signal calls the account entropy pool (AEP).
 * Its ASCII bytes are the input keying material of the whole key hierarchy.
 */

import { BackupError } from '../errors.js';
import { assertString } from '../internal/bytes.js';
import { randomBytes, type RandomSource } from '../random.js';
import { RECOVERY_KEY_ALPHABET, RECOVERY_KEY_LENGTH } from './constants.js';

/** Largest multiple of 36 that fits in a byte: bytes at or above it are redrawn, so `b % 36` is unbiased. */
const UNBIASED_BYTE_LIMIT = 252;
/** Characters per group when a recovery key is shown to a person. */
const DISPLAY_GROUP = 4;

/**
 * Generates a new recovery key: each of the 64 characters is drawn uniformly from `0-9a-z`
 * with rejection sampling (no modulo bias).
 *
 * @param random optional random source (defaults to the installed one, see `setRandomSource`).
 */
export function generateRecoveryKey(random?: RandomSource): string {
  let out = '';
  while (out.length < RECOVERY_KEY_LENGTH) {
    for (const b of randomBytes(RECOVERY_KEY_LENGTH, random)) {
      if (b < UNBIASED_BYTE_LIMIT && out.length < RECOVERY_KEY_LENGTH) out += RECOVERY_KEY_ALPHABET[b % 36];
    }
  }
  return out;
}

/**
 * True when `key` is a canonical recovery key, by libsignal's exact rule: exactly 64 characters,
 * each an ASCII digit or lowercase letter. Nothing is trimmed or folded; see {@link normalizeRecoveryKey}.
 */
export function isValidRecoveryKey(key: string): boolean {
  return typeof key === 'string' && key.length === RECOVERY_KEY_LENGTH && /^[0-9a-z]*$/.test(key);
}

/**
 * Checks a canonical recovery key and says what is wrong, without echoing the key.
 *
 * @throws {BackupError} `INVALID_RECOVERY_KEY` for a wrong length or a character outside `0-9a-z`.
 * @throws {TypeError} when `key` is not a string.
 */
export function assertRecoveryKey(key: string): void {
  assertString(key, 'recoveryKey');
  // Count code points, not UTF-16 units, so an emoji counts as one character in the message.
  const chars = Array.from(key);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (!(c.length === 1 && /[0-9a-z]/.test(c))) {
      throw new BackupError(
        'INVALID_RECOVERY_KEY',
        `recovery key: character ${i + 1} (${describeChar(c)}) is not a digit or a lowercase letter a-z`,
        { position: i + 1 },
      );
    }
  }
  if (chars.length !== RECOVERY_KEY_LENGTH) {
    throw new BackupError(
      'INVALID_RECOVERY_KEY',
      `recovery key: expected ${RECOVERY_KEY_LENGTH} characters, got ${chars.length}`,
      { length: chars.length },
    );
  }
}

function describeChar(c: string): string {
  // An uppercase letter is a key character in the wrong case: naming it would leak it.
  if (/^[A-Z]$/.test(c)) return 'an uppercase letter';
  const code = c.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  return `"${c}"`;
}

/**
 * Turns what a person typed into the canonical form: removes spaces, tabs, line breaks, dashes
 * and underscores used as separators, and lowercases ASCII letters; then checks the result.
 *
 * @returns the canonical 64-character recovery key.
 * @throws {BackupError} `INVALID_RECOVERY_KEY` when the result is not a valid recovery key.
 * @throws {TypeError} when `input` is not a string.
 */
export function normalizeRecoveryKey(input: string): string {
  assertString(input, 'recoveryKey');
  const canonical = input.replace(/[\s\-_\u2010-\u2015]+/gu, '').replace(/[A-Z]/g, (c) => c.toLowerCase());
  assertRecoveryKey(canonical);
  return canonical;
}

/**
 * Formats a recovery key for display: groups of 4 characters separated by spaces
 * (`abcd efgh ...`, 16 groups). {@link normalizeRecoveryKey} reverses it.
 *
 * @throws {BackupError} `INVALID_RECOVERY_KEY` when `key` is not canonical.
 */
export function formatRecoveryKey(key: string): string {
  assertRecoveryKey(key);
  const groups: string[] = [];
  for (let i = 0; i < key.length; i += DISPLAY_GROUP) groups.push(key.slice(i, i + DISPLAY_GROUP));
  return groups.join(' ');
}
