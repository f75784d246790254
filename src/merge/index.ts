/**
 * `sbackup/merge`: two backups of one account merged into one that libsignal's validator accepts:
 * recipients, chats and static records identified by identity (the newer winning), chat items
 * deduplicated by (chat, author, sent time), expiration rules judged at the merged time, media
 * kept when either input has them. `sbackup merge` writes the result as a local backup folder.
 */

export {
  framesOfContent,
  type LocalMediumQuery,
  type MergeChatItemCounts,
  type MergeCounts,
  type MergedBackup,
  type MergeOptions,
  type MergeRecordCounts,
  type MergeSource,
  mergeBackups,
  mergeSourceOf,
} from './merge.js';
