/** `sbackup hosted backup|restore|status`: Signal's backup service. */

import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { openBackup } from '../../container/reader.js';
import { BackupError, isBackupError } from '../../errors.js';
import { decodeBackupInfo, decodeFrame } from '../../frames/codec.js';
import type { FilePointer } from '../../frames/schema.js';
import { splitBackupStream } from '../../frames/stream.js';
import type { ArchiveAnonymousApi } from '../../hosted/api.js';
import { ArchiveClient } from '../../hosted/client.js';
import { BackupServerPublicParams } from '../../hosted/credential.js';
import { defaultTransfer, type HostedRestore, hostedBackup, hostedRestore } from '../../hosted/job.js';
import { SIGNAL_BACKUP_SERVER_PUBLIC_PARAMS } from '../../hosted/params.js';
import { RestArchiveApi } from '../../hosted/rest.js';
import type { ChatTransport } from '../../hosted/transport.js';
import { collectBackup, type RestoredBackup } from '../../api/reader.js';
import { forEachFilePointer } from '../../incremental/references.js';
import { fromBase64 } from '../../internal/bytes.js';
import { deriveBackupKey } from '../../keys/hierarchy.js';
import { mediaName } from '../../media/names.js';
import { nodeBackend } from '../../node/backend.js';
import { connectNodeChatWebSocket } from '../../node/chatWebSocket.js';
import { GRPC_MOCK_SERVER_27_OPTIONS, GrpcArchiveApi, probeGrpcServer } from '../../node/grpcArchive.js';
import { nodeCdnFetch, nodeTusHttpStack } from '../../node/hostedHttp.js';
import { fileSpool } from '../../node/hostedSpool.js';
import { directoryMediaSource } from '../../node/mediaDirectory.js';
import {
  aciOption,
  type CliContext,
  command,
  EXIT_OK,
  hexOption,
  inputFile,
  parse,
  printJson,
  recoveryKeyOption,
  requireOption,
  UsageError,
  writeOutput,
} from '../io.js';

const SERVER_OPTIONS = {
  server: { type: 'string' },
  login: { type: 'string' },
  aep: { type: 'string' },
  'key-file': { type: 'string' },
  aci: { type: 'string' },
  'fs-token': { type: 'string' },
  ca: { type: 'string' },
  servername: { type: 'string' },
  'zk-params': { type: 'string' },
  transport: { type: 'string' },
} as const;

const COMMON_USAGE = `The account logs in with --login <aci>.<deviceId> and the password in SBACKUP_PASSWORD; the
recovery key comes from --aep <key>, --aep - (stdin), --key-file <path>, SBACKUP_AEP or a prompt.
--ca <pem> trusts a private server's CA (--servername <name> to check its certificate against
another name); --zk-params <file> is a JSON file with a base64 "backupPublicParams" for a server
whose zero-knowledge params are not Signal's production ones (the default); --transport rest|grpc
picks how the anonymous calls go (default: gRPC when the server answers it, else REST over the
chat WebSocket). A refused login exits 1 with AUTH_FAILED.`;

type Values = { [K in keyof typeof SERVER_OPTIONS]?: string };

/** The CDN base URL of CDN `n`: Signal's own CDNs for Signal's server, else `<server>/cdn<n>` (the mock's layout). */
function cdnUrlFor(server: string): (n: number) => string {
  const u = new URL(server);
  if (u.hostname === 'chat.signal.org')
    return (n) => (n === 0 ? 'https://cdn.signal.org' : `https://cdn${n}.signal.org`);
  const root = `${u.protocol}//${u.host}`;
  return (n) => `${root}/cdn${n}`;
}

async function zkParams(path: string | undefined): Promise<BackupServerPublicParams> {
  let b64 = SIGNAL_BACKUP_SERVER_PUBLIC_PARAMS;
  if (path !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') throw e;
      throw new BackupError('INVALID_JSON', `--zk-params: not JSON (${(e as Error).message})`);
    }
    const v = (json as { backupPublicParams?: unknown })?.backupPublicParams;
    if (typeof v !== 'string')
      throw new BackupError('INVALID_JSON', '--zk-params: expected a base64 "backupPublicParams" field');
    b64 = v;
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(b64, 'backupPublicParams');
  } catch {
    throw new BackupError('INVALID_JSON', '--zk-params: "backupPublicParams" is not base64');
  }
  return BackupServerPublicParams.deserialize(bytes);
}

/** A connection to the service: the client, the transfer, and what to close. */
async function connect(values: Values, ctx: CliContext) {
  const server = requireOption(values.server, 'server');
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError('--server: expected a URL like https://chat.signal.org');
  }
  if (url.protocol !== 'https:') throw new UsageError('--server: expected an https:// URL');
  const login = requireOption(values.login, 'login');
  const password = ctx.env.SBACKUP_PASSWORD;
  if (password === undefined || password === '')
    throw new UsageError('missing SBACKUP_PASSWORD (the account password)');
  const transportChoice = values.transport ?? 'auto';
  if (!['auto', 'rest', 'grpc'].includes(transportChoice)) throw new UsageError('--transport: expected rest or grpc');
  const aci = requireOption(aciOption(values.aci), 'aci');
  const token = hexOption(values['fs-token'], 'fs-token', 32);
  const params = await zkParams(values['zk-params']);
  const ca = values.ca === undefined ? undefined : await readFile(values.ca, 'utf8');
  const recoveryKey = await recoveryKeyOption(values.aep, ctx, values['key-file']);
  const tls = {
    ...(ca === undefined ? {} : { ca }),
    ...(values.servername === undefined ? {} : { servername: values.servername }),
  };

  const closers: (() => unknown)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => {});
  };
  try {
    const chat = (credentials?: { login: string; password: string }): Promise<ChatTransport> =>
      connectNodeChatWebSocket({ url: server, ...tls, ...(credentials === undefined ? {} : { credentials }) });
    const accountSocket = await chat({ login, password });
    closers.push(() => accountSocket.close());
    // One probe tells whether the server speaks gRPC, and whether it is mock-server 27 (no
    // DeleteMedia over gRPC), which needs one item per CopyMedia and its older outcome numbers.
    const probe = transportChoice === 'rest' ? undefined : await probeGrpcServer(server, tls);
    if (transportChoice === 'grpc' && probe?.grpc !== true) {
      throw new BackupError(
        'NETWORK',
        'the server does not answer the backup service over gRPC (try --transport rest)',
      );
    }
    const useGrpc = probe?.grpc === true;
    let anonymous: ArchiveAnonymousApi;
    if (useGrpc) {
      const grpc = new GrpcArchiveApi(server, {
        ...tls,
        ...(probe?.deleteMedia === false ? GRPC_MOCK_SERVER_27_OPTIONS : {}),
      });
      closers.push(() => grpc.close());
      anonymous = grpc;
    } else {
      const socket = await chat();
      closers.push(() => socket.close());
      anonymous = new RestArchiveApi({ anonymous: socket });
    }
    const account = new RestArchiveApi({ account: accountSocket });
    const aciText = values.aci!.trim().toLowerCase();
    return {
      aci: aciText,
      aciBytes: aci,
      recoveryKey,
      token,
      transport: useGrpc ? 'grpc' : 'rest',
      cdnUrl: cdnUrlFor(server),
      transfer: defaultTransfer({ httpStack: await nodeTusHttpStack(tls), fetch: nodeCdnFetch(tls) }),
      client: (mediaRootKey?: Uint8Array) =>
        new ArchiveClient({
          account,
          anonymous,
          backupKey: deriveBackupKey(recoveryKey),
          ...(mediaRootKey === undefined ? {} : { mediaRootKey }),
          aci,
          serverParams: params,
        }),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Reads a .binproto (varint-delimited BackupInfo + Frames) into a BackupContent. */
async function readFrames(path: string): Promise<RestoredBackup> {
  await inputFile(path);
  const messages = splitBackupStream([new Uint8Array(await readFile(path))]);
  const first = await messages.next();
  if (first.done === true) throw new BackupError('INVALID_BACKUP', `${path}: no BackupInfo`);
  const frames = (async function* () {
    for await (const m of messages) yield decodeFrame(m.bytes);
  })();
  return collectBackup(decodeBackupInfo(first.value.bytes), frames, path);
}

/** Makes `dir` (and its new parents) private: 0700. */
async function privateDir(dir: string): Promise<void> {
  const made = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (made === undefined) return;
  for (let d = resolve(dir); ; d = dirname(d)) {
    await chmod(d, 0o700);
    if (d === resolve(made) || dirname(d) === d) break;
  }
}

export const hostedBackupCommand = command({
  summary: 'back up to Signal’s backup service (upload the backup and its new media)',
  usage: `sbackup hosted backup --server <url> --login <user> --aep <AEP> --aci <uuid> --frames <in.binproto> [--media <dir>] [--fs-token <hex>] [--ca <pem>] [--servername <name>] [--zk-params <file>] [--transport rest|grpc]

Writes the backup of <in.binproto> (varint-delimited BackupInfo + Frames; the forward-secrecy
layout with --fs-token, else the legacy one), uploads it, uploads and copies the media the server
lacks (plaintexts found in <dir> by SHA-256, any file names), then deletes media no longer
referenced. Prints {backupId, level, uploadedBytes, mediaUploaded, mediaCopied, mediaKept,
mediaDeleted, mediaNotDeleted, ...}. A server that cannot delete media still exits 0, with one
line on stderr counting the objects left in place.

${COMMON_USAGE}`,
  async run(args, ctx) {
    const { values } = parse(
      args,
      { ...SERVER_OPTIONS, frames: { type: 'string' }, media: { type: 'string' } },
      { min: 0, max: 0 },
    );
    const framesPath = requireOption(values.frames, 'frames');
    const content = await readFrames(framesPath);
    const rootKey = content.backupInfo.mediaRootBackupKey;
    if (!(rootKey instanceof Uint8Array) || rootKey.length !== 32) {
      throw new BackupError('INVALID_BACKUP', 'the BackupInfo has no 32-byte mediaRootBackupKey');
    }
    const dir = values.media === undefined ? undefined : directoryMediaSource(values.media);
    const c = await connect(values, ctx);
    try {
      const report = await hostedBackup({
        client: c.client(rootKey),
        key: {
          recoveryKey: c.recoveryKey,
          aci: c.aci,
          ...(c.token === undefined ? {} : { forwardSecrecyToken: c.token }),
        },
        content,
        transfer: c.transfer,
        backend: nodeBackend,
        spool: () => fileSpool(),
        ...(dir === undefined
          ? {}
          : {
              media: (r) =>
                dir({ ...r, localName: '' }) as ReturnType<NonNullable<Parameters<typeof hostedBackup>[0]['media']>>,
            }),
      });
      printJson(ctx, { ...report, transport: c.transport });
      if (report.mediaNotDeleted > 0) {
        ctx.stderr.write(
          `sbackup hosted backup: the server could not delete ${report.mediaNotDeleted} stale media object(s); they were left in place\n`,
        );
      }
      return EXIT_OK;
    } finally {
      await c.close();
    }
  },
});

export const hostedRestoreCommand = command({
  summary: 'restore from Signal’s backup service: frames (.binproto) and media plaintexts',
  usage: `sbackup hosted restore --server <url> --login <user> --aep <AEP> --aci <uuid> --out <dir> [--fs-token <hex>] [--ca <pem>] [--servername <name>] [--zk-params <file>] [--transport rest|grpc]

Downloads the backup (its MAC checked before anything is written), writes <dir>/frames.binproto
(varint-delimited BackupInfo + Frames) and each medium the server holds as <dir>/media/<media
name> (plaintext; both MACs, the size and the plaintext hash checked first). Files are created
0600, directories 0700. Prints {frames, media, mediaBytes, mediaMissing}.

${COMMON_USAGE}`,
  async run(args, ctx) {
    const { values } = parse(args, { ...SERVER_OPTIONS, out: { type: 'string' } }, { min: 0, max: 0 });
    const out = requireOption(values.out, 'out');
    const c = await connect(values, ctx);
    let restored: HostedRestore | undefined;
    try {
      const key = {
        recoveryKey: c.recoveryKey,
        aci: c.aci,
        ...(c.token === undefined ? {} : { forwardSecrecyToken: c.token }),
      };
      // The media root key is in the backup: the client learns it there.
      restored = await hostedRestore({
        client: c.client(),
        key,
        transfer: c.transfer,
        cdnUrl: c.cdnUrl,
        backend: nodeBackend,
        spool: () => fileSpool(),
      });
      const backup = restored;
      await privateDir(join(out, 'media'));
      const opened = await openBackup(restored.source, { key, backend: nodeBackend });
      const pointers = new Map<string, FilePointer>();
      let frames = 0;
      await writeOutput(join(out, 'frames.binproto'), { plaintext: true }, async (w) => {
        await w.writeDelimited(opened.backupInfo);
        for await (const f of opened.frames) {
          await w.writeDelimited(f);
          frames++;
          forEachFilePointer(decodeFrame(f), (p) => {
            const li = p.locatorInfo;
            if (
              li?.key instanceof Uint8Array &&
              li.key.length === 64 &&
              li.plaintextHash instanceof Uint8Array &&
              li.plaintextHash.length === 32
            ) {
              const name = mediaName(li.plaintextHash, li.key);
              if (!pointers.has(name)) pointers.set(name, p);
            }
          });
        }
      });
      let media = 0;
      let mediaBytes = 0;
      let mediaMissing = 0;
      for (const [name, pointer] of pointers) {
        let plain: Uint8Array;
        try {
          plain = await backup.readMedia(pointer);
        } catch (e) {
          if (isBackupError(e, 'NOT_FOUND')) {
            mediaMissing++;
            continue;
          }
          throw e;
        }
        await writeOutput(join(out, 'media', name), { plaintext: true }, (w) => w.write(plain));
        media++;
        mediaBytes += plain.length;
      }
      printJson(ctx, { frames, media, mediaBytes, mediaMissing, transport: c.transport });
      return EXIT_OK;
    } finally {
      await restored?.dispose();
      await c.close();
    }
  },
});

export const hostedStatusCommand = command({
  summary: 'show the hosted backup: level, backup file, media count and bytes (JSON)',
  usage: `sbackup hosted status --server <url> --login <user> --aep <AEP> --aci <uuid> [--fs-token <hex>] [--ca <pem>] [--servername <name>] [--zk-params <file>] [--transport rest|grpc]

Prints {level, backup: {cdn, name, bytes}, media: {count, bytes}}: the backup is read (its MAC
checked) for its size and its media root key, which names the media list.

${COMMON_USAGE}`,
  async run(args, ctx) {
    const { values } = parse(args, SERVER_OPTIONS, { min: 0, max: 0 });
    const c = await connect(values, ctx);
    try {
      const key = {
        recoveryKey: c.recoveryKey,
        aci: c.aci,
        ...(c.token === undefined ? {} : { forwardSecrecyToken: c.token }),
      };
      const client = c.client();
      const level = await client.level();
      let r: Awaited<ReturnType<typeof hostedRestore>> | undefined;
      try {
        r = await hostedRestore({
          client,
          key,
          transfer: c.transfer,
          cdnUrl: c.cdnUrl,
          backend: nodeBackend,
          spool: () => fileSpool(),
        });
        await r.dispose();
      } catch (e) {
        if (!isBackupError(e, 'NOT_FOUND')) throw e;
      }
      // Without a backup, the media root key (in the backup) is unknown, so is the media list.
      const media = r === undefined ? undefined : await client.listAllMedia();
      printJson(ctx, {
        level,
        backup: r === undefined ? null : { cdn: r.info.cdn, name: r.info.backupName, bytes: r.bytes },
        media:
          media === undefined
            ? null
            : { count: media.objects.length, bytes: media.objects.reduce((n, o) => n + o.objectLength, 0) },
        transport: c.transport,
      });
      return EXIT_OK;
    } finally {
      await c.close();
    }
  },
});
