/**
 * `sbackup/export`: a backup as people see it. Recipients with display names, chats with their
 * kind, chat items as messages (author, direction, times, formatted text, quotes, reactions,
 * edits, polls, contact cards, link previews, stickers, tombstones, updates as text,
 * attachments), streamed from decoded frames; and renderings of it as JSON, JSON Lines and a
 * static HTML archive. Writing an export to disk is in `sbackup/node` (`exportToDirectory`).
 */

export {
  type ChatKind,
  type ExportAccount,
  type ExportAttachment,
  type ExportChat,
  type ExportContactCard,
  type ExportFilter,
  type ExportLinkPreview,
  type ExportMessage,
  type ExportOptions,
  type ExportPoll,
  type ExportQuote,
  type ExportReaction,
  type ExportRecipient,
  type ExportRecord,
  type ExportRevision,
  type ExportSticker,
  exportRecords,
  type FormattedText,
  type MessageKind,
  type Person,
  type RecipientKind,
  recipientRecord,
  type TextRange,
} from './model.js';
export { formatDuration, formatE164, type NameLookup, type RenderedUpdate, renderUpdate } from './updates.js';
export {
  chatDirectoryName,
  escapeHtml,
  formattedTextToHtml,
  HtmlArchive,
  type HtmlArchiveOptions,
  type HtmlChunk,
  messageToHtml,
} from './html.js';
export { EXPORT_FORMAT, recordsToJson, recordsToJsonLines } from './json.js';
export {
  TAKEOUT_METADATA,
  TakeoutExporter,
  takeoutBackupInfoLine,
  takeoutFrameLine,
} from './takeout.js';
