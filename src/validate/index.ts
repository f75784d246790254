/** `sbackup/validate`: libsignal-client 0.103.0's semantic rules, and the comparable form. */

export { type ValidateBackupOptions, validateBackup } from './backup.js';
export { comparableBackup, comparableString } from './comparable.js';
export type { Finding } from './context.js';
export {
  BackupValidator,
  type UnknownFieldFinding,
  type ValidationResult,
  type ValidatorOptions,
} from './validator.js';
