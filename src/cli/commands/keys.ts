/** `sbackup keys`: everything derived from a recovery key. */

import {
  deriveBackupId,
  deriveBackupKey,
  deriveLocalMetadataKey,
  deriveMediaEncryptionKey,
  deriveMediaId,
  deriveMessageBackupKey,
  deriveThumbnailTransitKey,
} from '../../keys/hierarchy.js';
import { deriveBackupIdKeyPair } from '../../keys/backupIdKeyPair.js';
import {
  aciOption,
  command,
  EXIT_OK,
  hex,
  hexOption,
  parse,
  printJson,
  recoveryKeyOption,
  splitKeyJson,
  UsageError,
} from '../io.js';

export const keys = command({
  summary: 'derive the backup keys of a recovery key (JSON)',
  usage: `sbackup keys --aep <AEP> [--aci <uuid>] [--fs-token <hex>] [--media-root-key <hex> --media-name <name>]

Prints one JSON object of lowercase hex values: backupKey, localMetadataKey; with --aci also
backupId, backupIdPrivateKey, backupIdPublicKey and messageBackupKey {hmacKey, aesKey} (the
forward-secrecy variant when --fs-token is given, else the legacy one); with --media-root-key and
--media-name also mediaId, mediaEncryptionKey and thumbnailTransitKey.

The recovery key may be typed in any case, with spaces or dashes between groups. To keep it out of
your shell history, set SBACKUP_AEP instead of --aep, or pass --aep - and write it to stdin.`,
  async run(args, ctx) {
    const { values } = parse(
      args,
      {
        aep: { type: 'string' },
        aci: { type: 'string' },
        'fs-token': { type: 'string' },
        'media-root-key': { type: 'string' },
        'media-name': { type: 'string' },
      },
      { min: 0, max: 0 },
    );
    const aep = await recoveryKeyOption(values.aep, ctx);
    const aci = aciOption(values.aci);
    const token = hexOption(values['fs-token'], 'fs-token', 32);
    const mediaRootKey = hexOption(values['media-root-key'], 'media-root-key', 32);
    const mediaName = values['media-name'];
    if (token !== undefined && aci === undefined) throw new UsageError('--fs-token needs --aci');
    if ((mediaRootKey === undefined) !== (mediaName === undefined)) {
      throw new UsageError('--media-root-key and --media-name go together');
    }

    const backupKey = deriveBackupKey(aep);
    const out: Record<string, unknown> = {
      backupKey: hex(backupKey),
      localMetadataKey: hex(deriveLocalMetadataKey(backupKey)),
    };
    if (aci !== undefined) {
      const backupId = deriveBackupId(backupKey, aci);
      const pair = deriveBackupIdKeyPair(backupKey, aci);
      out.backupId = hex(backupId);
      out.backupIdPrivateKey = hex(pair.privateKey);
      out.backupIdPublicKey = hex(pair.publicKey);
      out.messageBackupKey = splitKeyJson(deriveMessageBackupKey(backupKey, backupId, token));
    }
    if (mediaRootKey !== undefined && mediaName !== undefined) {
      const mediaId = deriveMediaId(mediaRootKey, mediaName);
      out.mediaId = hex(mediaId);
      out.mediaEncryptionKey = splitKeyJson(deriveMediaEncryptionKey(mediaRootKey, mediaId));
      out.thumbnailTransitKey = splitKeyJson(deriveThumbnailTransitKey(mediaRootKey, mediaId));
    }
    printJson(ctx, out);
    return EXIT_OK;
  },
});
