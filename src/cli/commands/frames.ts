/** `sbackup frames to-json | from-json | stats`: plaintext frame streams (unencrypted `.binproto`). */

import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { chatItemKind, frameKind } from '../../frames/codec.js';
import { backupInfoToJson, exportJsonLines, parseJsonBackup } from '../../frames/json.js';
import { decodeBackupStream, encodeBackup } from '../../frames/stream.js';
import { findUnknownBackupInfoFields, findUnknownFields } from '../../frames/unknown.js';
import {
  type CliContext,
  command,
  EXIT_OK,
  inputFile,
  limitOptions,
  limitsOf,
  parse,
  printJson,
  writeOutput,
} from '../io.js';

/** Read size of a .binproto: small enough that a chunk of empty frames stays small in memory. */
const FRAMES_CHUNK = 64 * 1024;
/** Text gathered before one write to stdout (a million tiny lines are not a million writes). */
const TEXT_BATCH = 64 * 1024;

const readFrames = (path: string) =>
  createReadStream(path, { highWaterMark: FRAMES_CHUNK }) as AsyncIterable<Uint8Array>;

/** Writes text to stdout in batches, waiting for 'drain' when the stream asks to. */
async function writeText(ctx: CliContext, text: string): Promise<void> {
  const ok = ctx.stdout.write(text);
  if (ok === false && typeof ctx.stdout.once === 'function') {
    await new Promise<void>((r) => ctx.stdout.once!('drain', r));
  }
}

const MAX_UNKNOWN_SAMPLES = 20;

export const framesToJson = command({
  summary: 'print an unencrypted backup (.binproto) as JSON Lines',
  usage: `sbackup frames to-json [--max-frame-bytes <n>] <in.binproto>

Writes the backup as JSON Lines on stdout: the BackupInfo first, then one Frame per line, in the
proto3 JSON mapping (64-bit integers as decimal strings, bytes as base64, enums by name, defaults
left out). Fields unknown to this schema cannot be shown in JSON; they are counted on stderr
(see "sbackup frames stats"). Exit 1 with the byte offset and frame index on bad data.`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      { 'max-frame-bytes': limitOptions['max-frame-bytes'] },
      { min: 1, max: 1 },
    );
    const limits = limitsOf(values);
    await inputFile(positionals[0]!);
    let batch = '';
    for await (const line of exportJsonLines(readFrames(positionals[0]!), limits)) {
      batch += line;
      if (batch.length >= TEXT_BATCH) {
        await writeText(ctx, batch);
        batch = '';
      }
    }
    if (batch !== '') await writeText(ctx, batch);
    return EXIT_OK;
  },
});

export const framesFromJson = command({
  summary: 'turn a JSON backup (.jsonproto array or JSON Lines) into a .binproto',
  usage: `sbackup frames from-json [--no-clobber] <in.jsonproto|in.jsonl> <out.binproto|->

Reads libsignal's .jsonproto test-case form (a JSON array: BackupInfo, then Frames; // comments
and trailing commas allowed) or the JSON Lines of "sbackup frames to-json", and writes the
unencrypted backup: varint-delimited BackupInfo, then Frames. Nothing is written on error (a
string with a lone UTF-16 surrogate, which has no UTF-8 form, is one). The output is plaintext,
created 0600; - writes to stdout.`,
  async run(args, ctx) {
    const { values, positionals } = parse(args, { 'no-clobber': { type: 'boolean' } }, { min: 2, max: 2 });
    const [input, output] = positionals as [string, string];
    await inputFile(input);
    const text = await readFile(input, 'utf8');
    const bytes = encodeBackup(parseJsonBackup(text));
    await writeOutput(output, { plaintext: true, inputs: [input], noClobber: values['no-clobber'], ctx }, (w) =>
      w.write(bytes),
    );
    return EXIT_OK;
  },
});

export const framesStats = command({
  summary: 'count the frames of an unencrypted backup (.binproto) by type (JSON)',
  usage: `sbackup frames stats [--max-frame-bytes <n>] <in.binproto>

Prints one JSON object: total bytes, number of frames, counts per frame type and per chat-item
type, the BackupInfo (as JSON), the largest frame, and unknown fields (count and the first ${MAX_UNKNOWN_SAMPLES}, each
with a readable path).`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      { 'max-frame-bytes': limitOptions['max-frame-bytes'] },
      { min: 1, max: 1 },
    );
    const limits = limitsOf(values);
    await inputFile(positionals[0]!);
    const frameKinds: Record<string, number> = {};
    const chatItemKinds: Record<string, number> = {};
    const unknown: string[] = [];
    let unknownCount = 0;
    let frames = 0;
    let bytes = 0;
    let largest = { index: 0, size: 0 };
    let backupInfo: unknown;
    const note = (list: { message: string }[], index: number) => {
      unknownCount += list.length;
      for (const u of list) if (unknown.length < MAX_UNKNOWN_SAMPLES) unknown.push(`frame ${index}: ${u.message}`);
    };
    async function* counted(source: AsyncIterable<Uint8Array>) {
      for await (const chunk of source) {
        bytes += chunk.length;
        yield chunk;
      }
    }
    for await (const r of decodeBackupStream(counted(readFrames(positionals[0]!)), limits)) {
      if (r.size > largest.size) largest = { index: r.index, size: r.size };
      if (r.type === 'backupInfo') {
        backupInfo = backupInfoToJson(r.backupInfo);
        note(findUnknownBackupInfoFields(r.backupInfo), 0);
        continue;
      }
      frames++;
      const kind = frameKind(r.frame) ?? '(empty)';
      frameKinds[kind] = (frameKinds[kind] ?? 0) + 1;
      if (kind === 'chatItem') {
        const item = chatItemKind(r.frame.chatItem!) ?? '(empty)';
        chatItemKinds[item] = (chatItemKinds[item] ?? 0) + 1;
      }
      note(findUnknownFields(r.frame), r.index);
    }
    printJson(ctx, {
      file: positionals[0],
      bytes,
      frames,
      frameKinds,
      chatItemKinds,
      largestFrame: largest,
      backupInfo,
      unknownFields: { count: unknownCount, first: unknown },
    });
    return EXIT_OK;
  },
});
