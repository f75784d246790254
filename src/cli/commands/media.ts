/** `sbackup media ...`: encrypt and decrypt attachments, derive media ids, add or remove the media-tier layer. */

import { createReadStream } from 'node:fs';
import { fileSource } from '../../node/file.js';
import { type AttachmentInfo, decryptAttachmentStream, encryptAttachmentStream } from '../../media/attachment.js';
import { ATTACHMENT_KEY_LENGTH, HASH_LENGTH, IV_LENGTH } from '../../media/constants.js';
import { mediaName, mediaTierKeys } from '../../media/names.js';
import { decryptFromMediaTierStream, encryptForMediaTierStream } from '../../media/tier.js';
import {
  type CliContext,
  command,
  EXIT_OK,
  inputFile,
  hex,
  hexOption,
  parse,
  printJson,
  requireOption,
  splitKeyJson,
  UsageError,
  writeOutput,
} from '../io.js';

/** A re-readable file source: each call opens the file again. */
const readOnce = (path: string) => createReadStream(path) as AsyncIterable<Uint8Array>;

/** Options every command writing one file shares. */
const outputOptions = { 'no-clobber': { type: 'boolean' } } as const;

async function pipeTo(
  out: string,
  chunks: AsyncIterable<Uint8Array>,
  options: { plaintext: boolean; input: string; noClobber: boolean | undefined; ctx?: CliContext },
): Promise<void> {
  await writeOutput(
    out,
    {
      plaintext: options.plaintext,
      inputs: [options.input],
      noClobber: options.noClobber,
      ...(options.ctx === undefined ? {} : { ctx: options.ctx }),
    },
    async (w) => {
      for await (const c of chunks) await w.write(c);
    },
  );
}

function sizeOption(value: string | undefined): number {
  const raw = requireOption(value, 'size');
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError('--size: expected a byte count');
  return Number(raw);
}

export const mediaEncrypt = command({
  summary: 'encrypt a file as a Signal attachment (prints its FilePointer fields as JSON)',
  usage: `sbackup media encrypt --key <hex64> [--iv <hex16>] [--no-clobber] <in> <out>

Encrypts <in> in Signal's attachment format (IV, AES-256-CBC of the padded plaintext, HMAC) with
the 64-byte attachment key (AES key first, MAC key second) and writes <out>. Prints JSON:
size, paddedSize, plaintextHash, digest, mediaName, incrementalMac, chunkSize (hex).`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      { key: { type: 'string' }, iv: { type: 'string' }, ...outputOptions },
      { min: 2, max: 2 },
    );
    const key = requireOption(hexOption(values.key, 'key', ATTACHMENT_KEY_LENGTH), 'key');
    const iv = hexOption(values.iv, 'iv', IV_LENGTH);
    const [input, output] = positionals as [string, string];
    // The FilePointer fields go to stdout, so the file cannot.
    if (output === '-' || output === '/dev/stdout')
      throw new UsageError('media encrypt prints JSON on stdout; name an output file');
    const { size } = await inputFile(input);
    let info: AttachmentInfo | undefined;
    const chunks = encryptAttachmentStream(readOnce(input), key, {
      size,
      ...(iv ? { iv } : {}),
      onInfo: (i) => {
        info = i;
      },
    });
    await pipeTo(output, chunks, { plaintext: false, input, noClobber: values['no-clobber'] });
    if (info === undefined) throw new Error('encryption did not finish');
    const i: AttachmentInfo = info;
    printJson(ctx, {
      size: i.size,
      paddedSize: i.paddedSize,
      plaintextHash: hex(i.plaintextHash),
      digest: hex(i.digest),
      mediaName: mediaName(i.plaintextHash, key),
      incrementalMac: hex(i.incrementalMac!),
      chunkSize: i.incrementalMacChunkSize,
    });
    return EXIT_OK;
  },
});

export const mediaDecrypt = command({
  summary: 'decrypt a Signal attachment (MAC and digest checked before any output)',
  usage: `sbackup media decrypt --key <hex64> --size <n> [--digest <hex32> | --plaintext-hash <hex32>] [--no-clobber] <in> <out|->

Checks the MAC (and the digest or plaintext hash when given), then decrypts <in> to <out>,
exactly <n> bytes. Exits 1 and writes nothing when a check fails. The output is plaintext:
created 0600 (a replaced file keeps its mode, made no looser than 0600); - writes to stdout.`,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      {
        key: { type: 'string' },
        size: { type: 'string' },
        digest: { type: 'string' },
        'plaintext-hash': { type: 'string' },
        ...outputOptions,
      },
      { min: 2, max: 2 },
    );
    const key = requireOption(hexOption(values.key, 'key', ATTACHMENT_KEY_LENGTH), 'key');
    const size = sizeOption(values.size);
    const digest = hexOption(values.digest, 'digest', HASH_LENGTH);
    const plaintextHash = hexOption(values['plaintext-hash'], 'plaintext-hash', HASH_LENGTH);
    const [input, output] = positionals as [string, string];
    await inputFile(input, true);
    await pipeTo(
      output,
      decryptAttachmentStream(await fileSource(input), key, {
        size,
        ...(digest ? { digest } : {}),
        ...(plaintextHash ? { plaintextHash } : {}),
      }),
      { plaintext: true, input, noClobber: values['no-clobber'], ctx },
    );
    return EXIT_OK;
  },
});

function mediaOptions(args: string[], positionals: number) {
  const parsed = parse(
    args,
    { 'media-root-key': { type: 'string' }, 'media-name': { type: 'string' }, ...outputOptions },
    { min: positionals, max: positionals },
  );
  const root = requireOption(hexOption(parsed.values['media-root-key'], 'media-root-key', 32), 'media-root-key');
  const name = requireOption(parsed.values['media-name'], 'media-name');
  return { root, name, positionals: parsed.positionals, noClobber: parsed.values['no-clobber'] };
}

export const mediaId = command({
  summary: 'derive the media id and media-tier keys of a media name (JSON)',
  usage: `sbackup media id --media-root-key <hex32> --media-name <name>

Prints mediaId (hex), mediaIdBase64Url (the media tier's form), mediaEncryptionKey and
thumbnailTransitKey ({hmacKey, aesKey}, split HMAC key first as libsignal derives them).`,
  async run(args, ctx) {
    const { root, name } = mediaOptions(args, 0);
    const k = mediaTierKeys(root, name);
    printJson(ctx, {
      mediaId: hex(k.mediaId),
      mediaIdBase64Url: k.mediaIdBase64Url,
      mediaEncryptionKey: splitKeyJson(k.mediaEncryptionKey),
      thumbnailTransitKey: splitKeyJson(k.thumbnailTransitKey),
    });
    return EXIT_OK;
  },
});

export const mediaTierEncrypt = command({
  summary: "add the media tier's outer encryption layer to an encrypted attachment",
  usage: `sbackup media tier-encrypt --media-root-key <hex32> --media-name <name> [--no-clobber] <in> <out|->

Encrypts the attachment blob <in> once more with the media-tier key of <name>, as the server does
when it copies an attachment to the backup media tier.`,
  async run(args, ctx) {
    const { root, name, positionals, noClobber } = mediaOptions(args, 2);
    const [input, output] = positionals as [string, string];
    await inputFile(input);
    await pipeTo(output, encryptForMediaTierStream(readOnce(input), root, name), {
      plaintext: false,
      input,
      noClobber,
      ctx,
    });
    return EXIT_OK;
  },
});

export const mediaTierDecrypt = command({
  summary: "remove the media tier's outer layer (MAC checked before any output)",
  usage: `sbackup media tier-decrypt --media-root-key <hex32> --media-name <name> [--no-clobber] <in> <out|->

Checks and removes the media-tier layer of <in>, writing the attachment blob to <out>.`,
  async run(args, ctx) {
    const { root, name, positionals, noClobber } = mediaOptions(args, 2);
    const [input, output] = positionals as [string, string];
    await inputFile(input, true);
    await pipeTo(output, decryptFromMediaTierStream(await fileSource(input), root, name), {
      plaintext: false,
      input,
      noClobber,
      ctx,
    });
    return EXIT_OK;
  },
});
