/** File-system failures as one plain sentence and a {@link BackupError} (Node only). */

import { BackupError } from '../errors.js';

/** The `code` of a Node system error (`ENOSPC`, ...), or `undefined` for anything else. */
export function errnoCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * A sentence for a failed file-system operation: `action` is what was being done (`write`,
 * `read`, `create`), `path` the file concerned as the user named it.
 */
export function describeErrno(code: string, action: string, path: string): string {
  switch (code) {
    case 'ENOSPC':
      return `not enough space on the device to ${action} ${path}`;
    case 'EDQUOT':
      return `disk quota exceeded: cannot ${action} ${path}`;
    case 'EROFS':
      return `${path} is on a read-only file system (cannot ${action} it)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied: cannot ${action} ${path}`;
    case 'EISDIR':
      return `${path} is a directory, not a file`;
    case 'ENOTDIR':
      return `a part of ${path} is not a directory`;
    case 'ENOENT':
      return `no such file or directory: ${path}`;
    case 'EEXIST':
      return `${path} already exists`;
    case 'ELOOP':
      return `${path} is a symbolic link (or too many links to follow)`;
    case 'ENAMETOOLONG':
      return `the name is too long: ${path}`;
    case 'EMFILE':
    case 'ENFILE':
      return `too many open files: cannot ${action} ${path}`;
    case 'EIO':
      return `input/output error (the device failed): cannot ${action} ${path}`;
    case 'EFBIG':
      return `the file is too large for the file system: cannot ${action} ${path}`;
    case 'ETXTBSY':
    case 'EBUSY':
      return `${path} is busy: cannot ${action} it`;
    default:
      return `cannot ${action} ${path} (${code})`;
  }
}

/**
 * Wraps a Node system error as `BackupError('STORAGE_ERROR')` with a plain message (the errno code
 * in `details.errno`); anything else is returned unchanged.
 */
export function fileError(e: unknown, action: string, path: string): unknown {
  const code = errnoCode(e);
  if (code === undefined || e instanceof BackupError) return e;
  return new BackupError('STORAGE_ERROR', describeErrno(code, action, path), { errno: code, path, cause: e });
}
