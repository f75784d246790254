import { isBackupError } from '../../src/errors.js';

/** The BackupError code `f` throws, or undefined when it returns; any other error propagates. */
export function thrownCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (!isBackupError(e)) throw e;
    return e.code;
  }
  return undefined;
}
