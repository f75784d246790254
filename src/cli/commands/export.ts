/** `sbackup chats` and `sbackup export`: a backup's chats, and an export of them for people. */

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { BackupReader } from '../../api/reader.js';
import { BackupError } from '../../errors.js';
import {
  type ChatKind,
  type ExportAttachment,
  type ExportFilter,
  type ExportOptions,
  type ExportRecord,
  exportRecords,
} from '../../export/model.js';
import { HtmlArchive } from '../../export/html.js';
import { iterateBytes } from '../../internal/stream.js';
import { type BackupInfo, decodeBackupInfo, decodeFrame, type Frame } from '../../frames/codec.js';
import { type LocalSnapshotOptions, openLocalSnapshot } from '../../incremental/localRead.js';
import { nodeBackend } from '../../node/backend.js';
import {
  type ExportFormat,
  type ExportMediaSource,
  type ExportSummary,
  exportTakeoutToDirectory,
  exportToDirectory,
} from '../../node/export.js';
import { fileSource } from '../../node/file.js';
import { fsStorage } from '../../node/fsStorage.js';
import { findLocalBackup } from '../../node/findBackup.js';
import { directoryMediaSource } from '../../node/mediaDirectory.js';
import {
  aciOption,
  type CliContext,
  type Command,
  EXIT_OK,
  messageBackupKeyOptions,
  parse,
  printJson,
  recoveryKeyOption,
  requireOption,
  UsageError,
} from '../io.js';

const inputOptions = {
  aep: { type: 'string' },
  'key-file': { type: 'string' },
  aci: { type: 'string' },
  'fs-token': { type: 'string' },
  snapshot: { type: 'string' },
  'media-dir': { type: 'string' },
} as const;

const filterOptions = {
  chat: { type: 'string', multiple: true },
  groups: { type: 'boolean' },
  dms: { type: 'boolean' },
  since: { type: 'string' },
  until: { type: 'string' },
  search: { type: 'string' },
} as const;

interface InputValues {
  aep?: string;
  'key-file'?: string;
  aci?: string;
  'fs-token'?: string;
  snapshot?: string;
  'media-dir'?: string;
}

interface OpenedInput {
  backupInfo: BackupInfo;
  frames: AsyncIterable<Frame>;
  media: ExportMediaSource | undefined;
  options: Pick<ExportOptions, 'attachmentNames' | 'selfAci'>;
}

async function* decoded(frames: AsyncIterable<Uint8Array>): AsyncGenerator<Frame> {
  for await (const f of frames) yield decodeFrame(f);
}

/** Plaintext from a directory of media files, matched by SHA-256, checked again while it is read. */
function mediaDirectory(dir: string): ExportMediaSource {
  const find = directoryMediaSource(dir);
  return async (a: ExportAttachment) => {
    if (a.plaintextHash === undefined) return undefined;
    const hash = Uint8Array.from(Buffer.from(a.plaintextHash, 'hex'));
    const found = await find({
      plaintextHash: hash,
      plaintextHashHex: a.plaintextHash,
      size: a.size,
      localName: a.localFileName ?? '',
      ...(a.contentType === undefined ? {} : { contentType: a.contentType }),
    });
    if (found === undefined || !('open' in found)) return undefined;
    const want = a.plaintextHash;
    return (async function* () {
      const h = createHash('sha256');
      for await (const chunk of iterateBytes(found.open())) {
        h.update(chunk);
        yield chunk;
      }
      if (h.digest('hex') !== want) {
        throw new BackupError('PLAINTEXT_HASH_MISMATCH', 'a media file changed while it was read');
      }
    })();
  };
}

/**
 * Opens `<backup>`: a local backup folder (a directory: the recovery key, and the ACI while the
 * local folder needs it) or a remote-style encrypted file (recovery key, ACI, forward-secrecy
 * token of a modern file).
 */
async function openInput(path: string, values: InputValues, ctx: CliContext): Promise<OpenedInput> {
  const info = await stat(path);
  const aci = aciOption(values.aci);
  const mediaDir = values['media-dir'] === undefined ? undefined : mediaDirectory(values['media-dir']);
  if (info.isDirectory()) {
    if (values['fs-token'] !== undefined) throw new UsageError('--fs-token is for a backup file, not a folder');
    const found = await findLocalBackup(path);
    if (values.snapshot !== undefined && found.snapshot !== undefined && values.snapshot !== found.snapshot) {
      throw new UsageError(
        `--snapshot ${values.snapshot} differs from the snapshot directory given (${found.snapshot})`,
      );
    }
    const snapshot = values.snapshot ?? found.snapshot;
    const recoveryKey = await recoveryKeyOption(values.aep, ctx, values['key-file']);
    const options: LocalSnapshotOptions = {
      key: { recoveryKey, ...(aci === undefined ? {} : { aci }) },
      ...(snapshot === undefined ? {} : { snapshot }),
      backend: nodeBackend,
    };
    const opened = await openLocalSnapshot(fsStorage(found.root), options);
    const local: ExportMediaSource = (a) => {
      const entry = a.localFileName === undefined ? undefined : opened.media.get(a.localFileName);
      return entry === undefined ? undefined : opened.readMedia(entry);
    };
    return {
      backupInfo: decodeBackupInfo(opened.backupInfo),
      frames: decoded(opened.frames),
      media: async (a) => (await local(a)) ?? (mediaDir === undefined ? undefined : await mediaDir(a)),
      options: aci === undefined ? {} : { selfAci: aci },
    };
  }
  if (values.snapshot !== undefined) throw new UsageError('--snapshot is for a backup folder, not a file');
  const { key } = await messageBackupKeyOptions(values, ctx);
  const reader = await BackupReader.open(await fileSource(path), { key, backend: nodeBackend });
  return {
    backupInfo: reader.backupInfo,
    frames: reader.frames(),
    media: mediaDir,
    options: { attachmentNames: (p) => reader.attachmentNames(p), selfAci: requireOption(aci, 'aci') },
  };
}

function dateOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : Date.parse(v);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name}: expected a date like 2025-01-31 or 2025-01-31T12:00:00Z`);
  return ms;
}

function filterOf(values: {
  chat?: string[];
  groups?: boolean;
  dms?: boolean;
  since?: string;
  until?: string;
  search?: string;
}): ExportFilter {
  const kinds: ChatKind[] = [];
  if (values.groups) kinds.push('group');
  if (values.dms) kinds.push('direct');
  const sinceMs = dateOption(values.since, 'since');
  const untilMs = dateOption(values.until, 'until');
  if (sinceMs !== undefined && untilMs !== undefined && untilMs <= sinceMs) {
    throw new UsageError('--until must be later than --since');
  }
  return {
    ...(values.chat === undefined || values.chat.length === 0 ? {} : { chats: values.chat }),
    ...(kinds.length === 0 ? {} : { kinds }),
    ...(sinceMs === undefined ? {} : { sinceMs }),
    ...(untilMs === undefined ? {} : { untilMs }),
    ...(values.search === undefined || values.search === '' ? {} : { search: values.search }),
  };
}

const KEY_USAGE = `<backup> is a local backup folder (the SignalBackups folder, the folder holding it, or one
snapshot directory; the newest complete snapshot by default, --snapshot for another; the recovery
key alone, --aci optional) or a backup file as \`sbackup decrypt\` takes it (--aep, --aci,
--fs-token for a modern file). The recovery key comes from --aep <key>, --aep - (stdin),
--key-file <path>, SBACKUP_AEP or, when stdin is a terminal, a prompt with echo off. --media-dir
<dir> adds media plaintexts found by content (for a backup file, whose media are on the media tier).`;

const FILTER_USAGE = `Filters (all formats): --chat <id|name|aci:<uuid>|e164:<+number>> (repeatable), --groups, --dms,
--since <date>, --until <date> (UTC; --until is exclusive), --search <text>.`;

export const chats: Command = {
  summary: 'list the chats of a backup (table, or --json)',
  usage: `sbackup chats <backup> [--json] [--groups] [--dms] [key options]

Prints one line per chat: id, kind, messages, date of the last message (UTC) and title.
${KEY_USAGE}`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      { ...inputOptions, json: { type: 'boolean' }, groups: { type: 'boolean' }, dms: { type: 'boolean' } },
      { min: 1, max: 1 },
    );
    const input = await openInput(positionals[0]!, values, ctx);
    const rows = new Map<
      string,
      {
        id: string;
        kind: ChatKind;
        title: string;
        recipientId: string;
        archived: boolean;
        messages: number;
        lastMs?: number;
      }
    >();
    for await (const r of exportRecords(input.frames, { ...input.options, filter: filterOf(values) })) {
      if (r.type === 'chat') {
        rows.set(r.id, {
          id: r.id,
          kind: r.kind,
          title: r.title,
          recipientId: r.recipientId,
          archived: r.archived,
          messages: 0,
        });
      } else if (r.type === 'message') {
        const row = rows.get(r.chatId);
        if (row !== undefined) {
          row.messages++;
          row.lastMs = Math.max(row.lastMs ?? 0, r.sentMs);
        }
      }
    }
    const list = [...rows.values()];
    if (values.json) {
      printJson(
        ctx,
        list.map((r) => ({ ...r, ...(r.lastMs === undefined ? {} : { last: new Date(r.lastMs).toISOString() }) })),
      );
      return EXIT_OK;
    }
    const table = [
      ['ID', 'KIND', 'MESSAGES', 'LAST', 'TITLE'],
      ...list.map((r) => [
        r.id,
        r.kind,
        String(r.messages),
        r.lastMs === undefined ? '-' : new Date(r.lastMs).toISOString().slice(0, 16).replace('T', ' '),
        r.title.replace(/[\u0000-\u001f\u007f]/g, ' '),
      ]),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) {
      ctx.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
    }
    return EXIT_OK;
  },
};

export const exportChats: Command = {
  summary: "export chats for people (HTML archive, JSON, JSON Lines) or in Signal's plaintext export layout",
  usage: `sbackup export <backup> --to <dir> [--format html|json|jsonl|signal] [filters] [--no-media] [--page-size <n>] [--tz <zone>] [key options]

Writes <dir> (which must not exist; written under a temporary name and renamed at the end):
html: index.html, style.css and <chat>/page-N.html; json: export.json; jsonl: export.jsonl;
and each medium once, decrypted and checked, as <chat>/<date>-<n>-<file name>. --tz <IANA zone>
(html; default UTC) shows dates and times in that zone, e.g. --tz Europe/Berlin.
signal: Signal's own plaintext export (as Signal Desktop writes it): main.jsonl (the frames as
libsignal's exporter writes them; no disappearing messages, view-once media left out),
metadata.json and files/<xx>/<name>.<ext>, decrypted; the whole backup, so no filters.
Missing media are listed in the JSON summary printed at the end, not fatal. Files are created 0600.
${FILTER_USAGE}
${KEY_USAGE}`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      {
        ...inputOptions,
        ...filterOptions,
        to: { type: 'string' },
        format: { type: 'string' },
        'no-media': { type: 'boolean' },
        'page-size': { type: 'string' },
        tz: { type: 'string' },
      },
      { min: 1, max: 1 },
    );
    const to = requireOption(values.to, 'to');
    const format = (values.format ?? 'html') as ExportFormat;
    if (!['html', 'json', 'jsonl', 'signal'].includes(format)) {
      throw new UsageError('--format: expected html, json, jsonl or signal');
    }
    if (format === 'signal') {
      const used = [...Object.keys(filterOptions), 'page-size', 'tz'].filter(
        (k) => (values as Record<string, unknown>)[k] !== undefined,
      );
      if (used.length > 0) {
        throw new UsageError(`--format signal exports the whole backup; --${used[0]} is for html, json and jsonl`);
      }
    }
    let pageSize: number | undefined;
    if (values['page-size'] !== undefined) {
      pageSize = Number(values['page-size']);
      if (!Number.isSafeInteger(pageSize) || pageSize < 1)
        throw new UsageError('--page-size: expected an integer >= 1');
    }
    if (values.tz !== undefined && format !== 'html') throw new UsageError('--tz is for --format html');
    if (values.tz !== undefined) {
      try {
        new HtmlArchive({ timeZone: values.tz });
      } catch {
        throw new UsageError(
          `--tz: expected an IANA time zone such as Europe/Berlin, got ${JSON.stringify(values.tz)}`,
        );
      }
    }
    const filter = filterOf(values);
    if ((await stat(to).catch(() => undefined)) !== undefined) throw new UsageError(`--to: ${to} already exists`);
    const input = await openInput(positionals[0]!, values, ctx);
    const tty = ctx.stderr.isTTY === true;
    const progress = tty
      ? {
          onProgress: (n: number) => {
            if (n % 500 === 0) ctx.stderr.write(`\r\x1b[Kexporting: ${n} messages`);
          },
        }
      : {};
    const media = values['no-media'] ? false : (input.media ?? (() => undefined));
    let summary: ExportSummary;
    if (format === 'signal') {
      summary = await exportTakeoutToDirectory(to, input.backupInfo, input.frames, { media, ...progress });
    } else {
      const records: AsyncIterable<ExportRecord> = exportRecords(input.frames, { ...input.options, filter });
      summary = await exportToDirectory(to, records, {
        format,
        media,
        ...(pageSize === undefined ? {} : { pageSize }),
        ...(values.tz === undefined ? {} : { timeZone: values.tz }),
        ...progress,
      });
    }
    if (tty) ctx.stderr.write('\r\x1b[K');
    printJson(ctx, {
      ok: true,
      ...summary,
      media: {
        written: summary.media.written,
        bytes: summary.media.bytes,
        missingCount: summary.media.missing.length,
        missing: summary.media.missing,
      },
    });
    return EXIT_OK;
  },
};
