/** `sbackup encrypt`, `sbackup decrypt`, `sbackup inspect`: the encrypted backup file. */

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { openBackupBytes } from '../../container/reader.js';
import { BackupError } from '../../errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../internal/wire.js';
import type { BackupMetadata } from '../../keys/metadata.js';
import { fileSource } from '../../node/file.js';
import {
  type CliContext,
  command,
  EXIT_OK,
  hexOption,
  inputFile,
  limitOptions,
  limitsOf,
  parse,
  printJson,
  UsageError,
  messageBackupKeyOptions,
  writeOutput,
} from '../io.js';

/** Read size for the .binproto that `encrypt` reads (it is split into views, in batches). */
const ENCRYPT_READ_CHUNK = 1 << 20;
/** Frames split off a read at a time: a chunk of empty frames never sits in memory as a million views. */
const SPLIT_BATCH = 4096;

const keyOptions = {
  aep: { type: 'string' },
  aci: { type: 'string' },
  'fs-token': { type: 'string' },
} as const;

function progress(ctx: CliContext, label: string) {
  if (!ctx.stderr.isTTY) return { update: (_f: number) => {}, done: () => {} };
  let last = -1;
  return {
    update(fraction: number) {
      const pct = Math.floor(fraction * 100);
      if (pct === last) return;
      last = pct;
      const bar = '#'.repeat(Math.floor(pct / 4)).padEnd(25, '.');
      ctx.stderr.write(`\r${label} [${bar}] ${pct}%`);
    },
    done() {
      ctx.stderr.write('\r\x1b[K');
    },
  };
}

export const encrypt = command({
  summary: 'encrypt an unencrypted .binproto into a backup file',
  usage: `sbackup encrypt --aep <AEP> --aci <uuid> [--fs-token <hex> (--metadata <hex> | --enc-salt <hex> --pw-salt <hex>)] [--legacy] [--level <0-9>] [--max-frame-bytes <n>] [--no-clobber] <in.binproto> <out|->

Reads varint-delimited BackupInfo + Frames and writes an encrypted backup file. With --fs-token
the key is the forward-secrecy one and the modern layout ("SBACKUP\\x01" + metadata) is written,
with the metadata given as hex (--metadata, MetadataPb without its length) or built from one
pair's --enc-salt and --pw-salt. Without --fs-token (or with --legacy) the legacy layout is written.
<out> may be - (stdout); an existing file is replaced atomically (keeping its mode) unless
--no-clobber; it may not be the input.`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      {
        ...keyOptions,
        metadata: { type: 'string' },
        'enc-salt': { type: 'string' },
        'pw-salt': { type: 'string' },
        legacy: { type: 'boolean' },
        level: { type: 'string' },
        'max-frame-bytes': limitOptions['max-frame-bytes'],
        'no-clobber': { type: 'boolean' },
      },
      { min: 2, max: 2 },
    );
    const { backupKey, token, key } = await messageBackupKeyOptions(values, ctx);
    const metadataHex = hexOption(values.metadata, 'metadata');
    const encSalt = hexOption(values['enc-salt'], 'enc-salt', 32);
    const pwSalt = hexOption(values['pw-salt'], 'pw-salt', 32);
    if (metadataHex !== undefined && (encSalt !== undefined || pwSalt !== undefined)) {
      throw new UsageError('--metadata and --enc-salt/--pw-salt exclude each other');
    }
    if ((encSalt === undefined) !== (pwSalt === undefined))
      throw new UsageError('--enc-salt and --pw-salt go together');
    const level = values.level === undefined ? undefined : Number(values.level);
    if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= 9)) {
      throw new UsageError('--level: expected 0..9');
    }
    let metadata: Uint8Array | BackupMetadata | undefined;
    if (!values.legacy && token !== undefined) {
      if (metadataHex !== undefined) metadata = metadataHex;
      else if (encSalt !== undefined && pwSalt !== undefined) {
        const { createBackupMetadata } = await import('../../keys/forwardSecrecy.js');
        metadata = createBackupMetadata(backupKey, token, [{ encSalt, pwSalt }]);
      } else throw new UsageError('--fs-token needs --metadata or --enc-salt and --pw-salt (or --legacy)');
    } else if (metadataHex !== undefined || encSalt !== undefined) {
      throw new UsageError('metadata options need --fs-token and the modern layout');
    }
    // Loaded here, not at the top: `decrypt` and `inspect` share this module and need neither.
    const [{ encryptBackupStream, framesInBatches }, { ChunkSplitter }] = await Promise.all([
      import('../../container/writer.js'),
      import('../../container/framing.js'),
    ]);
    const [input, output] = positionals as [string, string];
    const { size } = await inputFile(input);
    const limits = limitsOf(values);
    const bar = progress(ctx, 'encrypting');
    await writeOutput(
      output,
      { plaintext: false, inputs: [input], noClobber: values['no-clobber'], ctx },
      async (out) => {
        // The input is the unencrypted .binproto form: varint-delimited BackupInfo, then Frames,
        // read in large chunks and split into views of each chunk, handed to the writer in
        // batches (bounded memory whatever the number of frames; one await per batch).
        const splitter = new ChunkSplitter(limits.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
        let read = 0;
        async function* batches(): AsyncGenerator<Uint8Array[]> {
          const file = createReadStream(input, { highWaterMark: ENCRYPT_READ_CHUNK }) as AsyncIterable<Uint8Array>;
          for await (const chunk of file) {
            read += chunk.length;
            for (let rest: Uint8Array | undefined = chunk; rest !== undefined; ) {
              const batch: Uint8Array[] = [];
              rest = splitter.pushSome(rest, batch, SPLIT_BATCH);
              if (batch.length > 0) yield batch;
            }
            bar.update(size === 0 ? 0 : read / size);
          }
          splitter.finish();
        }
        const all = batches();
        const first = await all.next().catch((e) => {
          if (e instanceof BackupError && e.code === 'EMPTY_INPUT') {
            throw new BackupError('EMPTY_INPUT', 'input: no BackupInfo (the file is empty)');
          }
          throw e;
        });
        if (first.done) throw new BackupError('EMPTY_INPUT', 'input: no BackupInfo (the file is empty)');
        const [backupInfo, ...head] = first.value as [Uint8Array, ...Uint8Array[]];
        const frames = framesInBatches(
          (async function* () {
            yield head;
            yield* all;
          })(),
        );
        for await (const chunk of encryptBackupStream(backupInfo, frames, { key, metadata, level })) {
          await out.write(chunk);
        }
      },
    );
    bar.done();
    return EXIT_OK;
  },
});

export const decrypt = command({
  summary: 'decrypt a backup file into an unencrypted .binproto',
  usage: `sbackup decrypt --aep <AEP> --aci <uuid> [--fs-token <hex>] [--max-decompressed-bytes <n>] [--max-frame-bytes <n>] [--no-clobber] <in> <out.binproto|->

Verifies the file's MAC, then writes its BackupInfo and Frames varint-delimited. A rejected file
leaves no output behind (exit 1, one line naming the failed check). The output is plaintext: it is
created 0600 (a replaced file keeps its mode, made no looser than 0600); - writes to stdout.
--max-decompressed-bytes (default 4G) and --max-frame-bytes (default 64M) stop a hostile file early
(sizes take k, m, g suffixes).`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      { ...keyOptions, ...limitOptions, 'no-clobber': { type: 'boolean' } },
      { min: 2, max: 2 },
    );
    const { key } = await messageBackupKeyOptions(values, ctx);
    const limits = limitsOf(values);
    const [input, output] = positionals as [string, string];
    await inputFile(input, true);
    const source = await fileSource(input);
    const bar = progress(ctx, 'decrypting');
    await writeOutput(
      output,
      { plaintext: true, inputs: [input], noClobber: values['no-clobber'], ctx },
      async (out) => {
        // The output is the delimited plaintext itself: copied chunk by chunk once its framing
        // and the limits are checked (the same checks and errors as reading frame by frame).
        const backup = await openBackupBytes(source, { key, ...limits });
        let written = 0;
        for await (const chunk of backup.bytes) {
          await out.write(chunk);
          written += chunk.length;
          bar.update(Math.min(0.99, written / (written + 2 ** 24)));
        }
      },
    );
    bar.done();
    return EXIT_OK;
  },
});

export const inspect = command({
  summary: 'show a backup file’s layout, metadata and sizes (JSON, no key needed)',
  usage: `sbackup inspect <file>

Prints JSON: layout (modern or legacy), totalLength, headerLength, metadata (iv and pairs, hex),
the body's iv, ciphertextLength and mac. Decrypts nothing.`,
  async run(args, ctx) {
    const { positionals } = parse(args, {}, { min: 1, max: 1 });
    const path = positionals[0]!;
    // Fail like the other commands on a missing file (exit 2), plainly on a directory.
    await inputFile(path, true);
    await (await open(path, 'r')).close();
    const { inspectBackup } = await import('../../container/inspect.js');
    printJson(ctx, await inspectBackup(await fileSource(path)));
    return EXIT_OK;
  },
});
