/** `sbackup encrypt`, `sbackup decrypt`, `sbackup inspect`: the encrypted backup file. */

import { open, readFile } from 'node:fs/promises';
import { inspectBackup } from '../../container/inspect.js';
import { openBackup } from '../../container/reader.js';
import { encryptBackupStream } from '../../container/writer.js';
import { BackupError } from '../../errors.js';
import { encodeVarint } from '../../internal/wire.js';
import { createBackupMetadata } from '../../keys/forwardSecrecy.js';
import { FrameSplitter } from '../../frames/stream.js';
import { fileSource } from '../../node/file.js';
import {
  type CliContext,
  type Command,
  EXIT_OK,
  hexOption,
  parse,
  printJson,
  UsageError,
  messageBackupKeyOptions,
  writeFileAtomically,
} from '../io.js';

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

export const encrypt: Command = {
  summary: 'encrypt an unencrypted .binproto into a backup file',
  usage: `sbackup encrypt --aep <AEP> --aci <uuid> [--fs-token <hex> (--metadata <hex> | --enc-salt <hex> --pw-salt <hex>)] [--legacy] [--level <0-9>] <in.binproto> <out>

Reads varint-delimited BackupInfo + Frames and writes an encrypted backup file. With --fs-token
the key is the forward-secrecy one and the modern layout ("SBACKUP\\x01" + metadata) is written,
with the metadata given as hex (--metadata, MetadataPb without its length) or built from one
pair's --enc-salt and --pw-salt. Without --fs-token (or with --legacy) the legacy layout is written.`,
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
    let metadata: Uint8Array | ReturnType<typeof createBackupMetadata> | undefined;
    if (!values.legacy && token !== undefined) {
      if (metadataHex !== undefined) metadata = metadataHex;
      else if (encSalt !== undefined && pwSalt !== undefined) {
        metadata = createBackupMetadata(backupKey, token, [{ encSalt, pwSalt }]);
      } else throw new UsageError('--fs-token needs --metadata or --enc-salt and --pw-salt (or --legacy)');
    } else if (metadataHex !== undefined || encSalt !== undefined) {
      throw new UsageError('metadata options need --fs-token and the modern layout');
    }
    const [input, output] = positionals as [string, string];
    // The input is the unencrypted .binproto form: varint-delimited BackupInfo, then Frames.
    const splitter = new FrameSplitter();
    const messages = splitter.push(new Uint8Array(await readFile(input)));
    splitter.finish();
    const [info, ...frames] = messages.map((m) => m.bytes);
    if (info === undefined) throw new BackupError('EMPTY_INPUT', 'input: no BackupInfo (the file is empty)');
    const bar = progress(ctx, 'encrypting');
    function* tracked() {
      for (let i = 0; i < frames.length; i++) {
        if (i % 1024 === 0) bar.update(i / frames.length);
        yield frames[i]!;
      }
    }
    await writeFileAtomically(output, async (write) => {
      for await (const chunk of encryptBackupStream(info, tracked(), { key, metadata, level })) await write(chunk);
    });
    bar.done();
    return EXIT_OK;
  },
};

export const decrypt: Command = {
  summary: 'decrypt a backup file into an unencrypted .binproto',
  usage: `sbackup decrypt --aep <AEP> --aci <uuid> [--fs-token <hex>] <in> <out.binproto>

Verifies the file's MAC, then writes its BackupInfo and Frames varint-delimited. A rejected file
leaves no output behind (exit 1, one line naming the failed check).`,
  async run(args, ctx) {
    const { values, positionals } = parse(args, keyOptions, { min: 2, max: 2 });
    const { key } = await messageBackupKeyOptions(values, ctx);
    const [input, output] = positionals as [string, string];
    const source = await fileSource(input);
    const bar = progress(ctx, 'decrypting');
    await writeFileAtomically(output, async (write) => {
      const backup = await openBackup(source, { key });
      const parts: Uint8Array[] = [encodeVarint(backup.backupInfo.length), backup.backupInfo];
      let size = 0;
      let n = 0;
      for await (const f of backup.frames) {
        parts.push(encodeVarint(f.length), f);
        size += f.length;
        if (size >= 1 << 20) {
          await write(Buffer.concat(parts));
          parts.length = 0;
          size = 0;
        }
        if (++n % 4096 === 0) bar.update(Math.min(0.99, n / (n + 4096)));
      }
      if (parts.length > 0) await write(Buffer.concat(parts));
    });
    bar.done();
    return EXIT_OK;
  },
};

export const inspect: Command = {
  summary: 'show a backup file’s layout, metadata and sizes (JSON, no key needed)',
  usage: `sbackup inspect <file>

Prints JSON: layout (modern or legacy), totalLength, headerLength, metadata (iv and pairs, hex),
the body's iv, ciphertextLength and mac. Decrypts nothing.`,
  async run(args, ctx) {
    const { positionals } = parse(args, {}, { min: 1, max: 1 });
    const path = positionals[0]!;
    // Fail like the other commands on a missing file (exit 2).
    await (await open(path, 'r')).close();
    printJson(ctx, await inspectBackup(await fileSource(path)));
    return EXIT_OK;
  },
};
