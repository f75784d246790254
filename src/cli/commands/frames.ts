/** `sbackup frames to-json | from-json | stats`: plaintext frame streams (unencrypted `.binproto`). */

import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { chatItemKind, frameKind } from '../../frames/codec.js';
import { backupInfoToJson, exportJsonLines, parseJsonBackup } from '../../frames/json.js';
import { decodeBackupStream, encodeBackup } from '../../frames/stream.js';
import { findUnknownBackupInfoFields, findUnknownFields } from '../../frames/unknown.js';
import { type Command, EXIT_OK, parse, printJson, writeFileAtomically } from '../io.js';

const MAX_UNKNOWN_SAMPLES = 20;

export const framesToJson: Command = {
  summary: 'print an unencrypted backup (.binproto) as JSON Lines',
  usage: `sbackup frames to-json <in.binproto>

Writes the backup as JSON Lines on stdout: the BackupInfo first, then one Frame per line, in the
proto3 JSON mapping (64-bit integers as decimal strings, bytes as base64, enums by name, defaults
left out). Fields unknown to this schema cannot be shown in JSON; they are counted on stderr
(see "sbackup frames stats"). Exit 1 with the byte offset and frame index on bad data.`,
  async run(args, ctx) {
    const { positionals } = parse(args, {}, { min: 1, max: 1 });
    for await (const line of exportJsonLines(createReadStream(positionals[0]!))) ctx.stdout.write(line);
    return EXIT_OK;
  },
};

export const framesFromJson: Command = {
  summary: 'turn a JSON backup (.jsonproto array or JSON Lines) into a .binproto',
  usage: `sbackup frames from-json <in.jsonproto|in.jsonl> <out.binproto>

Reads libsignal's .jsonproto test-case form (a JSON array: BackupInfo, then Frames; // comments
and trailing commas allowed) or the JSON Lines of "sbackup frames to-json", and writes the
unencrypted backup: varint-delimited BackupInfo, then Frames. Nothing is written on error.`,
  async run(args) {
    const { positionals } = parse(args, {}, { min: 2, max: 2 });
    const text = await readFile(positionals[0]!, 'utf8');
    const bytes = encodeBackup(parseJsonBackup(text));
    await writeFileAtomically(positionals[1]!, async (write) => write(bytes));
    return EXIT_OK;
  },
};

export const framesStats: Command = {
  summary: 'count the frames of an unencrypted backup (.binproto) by type (JSON)',
  usage: `sbackup frames stats <in.binproto>

Prints one JSON object: total bytes, number of frames, counts per frame type and per chat-item
type, the BackupInfo (as JSON), the largest frame, and unknown fields (count and the first ${MAX_UNKNOWN_SAMPLES}, each
with a readable path).`,
  async run(args, ctx) {
    const { positionals } = parse(args, {}, { min: 1, max: 1 });
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
    for await (const r of decodeBackupStream(counted(createReadStream(positionals[0]!)))) {
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
};
