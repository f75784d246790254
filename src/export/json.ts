/**
 * The people-shaped export as JSON Lines (one record per line, a header first) and as one JSON
 * document (the same records in one array), both streamed as text chunks. Records come in the
 * order {@link exportRecords} yields them, so every id a record refers to is declared on an
 * earlier line.
 */

import type { ExportRecord } from './model.js';

/** Name and version of the export's JSON format (first line of JSON Lines, top of the document). */
export const EXPORT_FORMAT = {
  /** The format's name, always `sbackup-export`. */
  format: 'sbackup-export',
  /** The format's version, raised on an incompatible change. */
  version: 1,
} as const;

/**
 * JSON Lines: a header line `{"type":"header","format":"sbackup-export","version":1}`, then one
 * line per record, each ending in `\n`.
 */
export async function* recordsToJsonLines(
  records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>,
): AsyncGenerator<string> {
  yield `${JSON.stringify({ type: 'header', ...EXPORT_FORMAT })}\n`;
  for await (const r of records) yield `${JSON.stringify(r)}\n`;
}

/**
 * One JSON document, `{"format":"sbackup-export","version":1,"records":[...]}`, in chunks (one
 * record per chunk, so a long export never sits in memory as one string).
 */
export async function* recordsToJson(
  records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>,
): AsyncGenerator<string> {
  yield `{"format":${JSON.stringify(EXPORT_FORMAT.format)},"version":${EXPORT_FORMAT.version},"records":[`;
  let first = true;
  for await (const r of records) {
    yield `${first ? '\n' : ',\n'}${JSON.stringify(r)}`;
    first = false;
  }
  yield '\n]}\n';
}
