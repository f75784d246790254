/** `sbackup/validate`: libsignal-client 0.103.0's semantic rules, and the comparable form. */

export { type ValidateBackupOptions, validateBackup } from './backup.js';
export {
  ERROR_FINDING_CODES,
  type ErrorFindingCode,
  FINDING_CODES,
  type FindingCode,
  isReferenceFindingCode,
  REFERENCE_FINDING_CODES,
  type ReferenceFindingCode,
  UNKNOWN_CONTENT_CODES,
  type UnknownContentCode,
  WARNING_FINDING_CODES,
  type WarningFindingCode,
} from './codes.js';
export { comparableBackup, comparableString } from './comparable.js';
export type { Finding } from './context.js';
export {
  BackupValidator,
  type UnknownFieldFinding,
  type ValidationResult,
  type ValidatorOptions,
} from './validator.js';
