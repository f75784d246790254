/**
 * `sbackup/policy`: what goes into a backup and when to make one: the ephemeral-content exclusion
 * rules per purpose (format §8) and the backup schedule of Signal's apps.
 */

export {
  applyExclusions,
  type BackupPurpose,
  DISAPPEARING_LIMIT_MS,
  type ExclusionAction,
  type ExclusionEntry,
  ExclusionPolicy,
  type ExclusionPolicyOptions,
  type ExclusionReason,
  type ExclusionReport,
} from './exclusions.js';
export {
  type BackupFrequency,
  type BackupScheduleDecision,
  type BackupScheduleReason,
  type BackupScheduleSettings,
  type BackupScheduleState,
  evaluateBackupSchedule,
  type NetworkType,
} from './schedule.js';
