/** `sbackup validate`: libsignal's semantic rules on a backup, every finding listed as JSON. */

import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { encodeBackupInfo, encodeFrame } from '../../frames/codec.js';
import { parseJsonBackup } from '../../frames/json.js';
import { fileSource } from '../../node/file.js';
import type { BackupPurpose as Purpose } from '../../policy/exclusions.js';
import { validateBackup } from '../../validate/backup.js';
import { BackupValidator, type ValidationResult } from '../../validate/validator.js';
import {
  aciOption,
  command,
  EXIT_OK,
  EXIT_REJECTED,
  inputFile,
  limitOptions,
  limitsOf,
  parse,
  printJson,
  messageBackupKeyOptions,
  UsageError,
} from '../io.js';

const PURPOSES: Record<string, Purpose> = { remote: 'remote', transfer: 'transfer', takeout: 'takeout' };

export const validate = command({
  summary: 'check a backup against libsignal’s rules (JSON findings)',
  usage: `sbackup validate [--aep <AEP> --aci <uuid> [--fs-token <hex>]] [--purpose remote|transfer|takeout] [--max-decompressed-bytes <n>] [--max-frame-bytes <n>] <file>

Checks a backup with the rules libsignal-client 0.103.0 applies before a backup is uploaded, and
prints JSON {ok, errors, warnings, unknownFields}; each finding has a stable code, the frame index
(0 = BackupInfo, -1 = the backup as a whole), the frame type and a message.

An encrypted backup needs its key: --aep (or SBACKUP_AEP, or --aep - for stdin) and --aci, plus
--fs-token for a modern file with forward secrecy. A .binproto (plain frames) or .jsonproto file
needs no key. --purpose defaults to remote (the disappearing-message rules differ per purpose).

Exit status: 0 valid, 1 invalid (or unreadable), 2 usage error.`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      {
        aep: { type: 'string' },
        aci: { type: 'string' },
        'fs-token': { type: 'string' },
        purpose: { type: 'string' },
        ...limitOptions,
      },
      { min: 1, max: 1 },
    );
    const file = positionals[0]!;
    const limits = limitsOf(values);
    await inputFile(file);
    const purpose = PURPOSES[values.purpose ?? 'remote'];
    if (purpose === undefined) throw new UsageError('--purpose: expected remote, transfer or takeout');
    let result: ValidationResult;
    if (file.endsWith('.jsonproto') || file.endsWith('.json')) {
      if (values.aep !== undefined || values.aci !== undefined)
        throw new UsageError('a JSON backup is not encrypted; drop --aep/--aci');
      const backup = parseJsonBackup(await readFile(file, 'utf8'));
      const v = new BackupValidator({ purpose });
      v.pushBackupInfo(encodeBackupInfo(backup.backupInfo));
      for (const f of backup.frames) v.push(encodeFrame(f));
      result = v.finish();
    } else if (file.endsWith('.binproto')) {
      if (values.aep !== undefined || values.aci !== undefined)
        throw new UsageError('a .binproto file is not encrypted; drop --aep/--aci');
      result = await validateBackup(createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Uint8Array>, {
        purpose,
        ...(limits.maxFrameBytes === undefined ? {} : { maxFrameBytes: limits.maxFrameBytes }),
      });
    } else {
      const aci = aciOption(values.aci);
      if (aci === undefined)
        throw new UsageError('an encrypted backup needs --aep and --aci (or name a .binproto file)');
      const { key } = await messageBackupKeyOptions(values, ctx);
      await inputFile(file, true);
      result = await validateBackup(await fileSource(file), { key, purpose, ...limits });
    }
    printJson(ctx, {
      ok: result.ok,
      errors: result.errors,
      warnings: result.warnings,
      unknownFields: result.unknownFields,
    });
    return result.ok ? EXIT_OK : EXIT_REJECTED;
  },
});
