import { type BackupContent, deriveBackupKey } from 'sbackup';
import {
  ArchiveClient,
  defaultTransfer,
  hostedBackup,
  hostedRestore,
  RestArchiveApi,
  SIGNAL_BACKUP_SERVER_PUBLIC_PARAMS,
} from 'sbackup/hosted';
import { connectNodeChatWebSocket, nodeCdnFetch, nodeTusHttpStack } from 'sbackup/node';

/** Who is backing up, and to which server (Signal's by default). */
export interface Account {
  recoveryKey: string;
  aci: string;
  login: string; // '<aci>.<deviceId>'
  password: string;
  server?: string; // default https://chat.signal.org
  ca?: string; // PEM, for a private test server
  zkParams?: Uint8Array; // the server's BackupServerPublicParams, when not Signal's
}

async function connect(a: Account) {
  const url = a.server ?? 'https://chat.signal.org';
  const tls = a.ca === undefined ? {} : { ca: a.ca, servername: 'localhost' };
  // The account's login only sets the backup id and fetches credentials; every other call is
  // anonymous (a zero-knowledge presentation signed with the backup-id key).
  const account = await connectNodeChatWebSocket({
    url,
    ...tls,
    credentials: { login: a.login, password: a.password },
  });
  const anonymous = await connectNodeChatWebSocket({ url, ...tls });
  const api = new RestArchiveApi({ account, anonymous });
  const client = (mediaRootKey?: Uint8Array) =>
    new ArchiveClient({
      account: api,
      anonymous: api,
      backupKey: deriveBackupKey(a.recoveryKey),
      ...(mediaRootKey === undefined ? {} : { mediaRootKey }),
      aci: a.aci,
      serverParams: a.zkParams ?? SIGNAL_BACKUP_SERVER_PUBLIC_PARAMS,
    });
  const transfer = defaultTransfer({ httpStack: await nodeTusHttpStack(tls), fetch: nodeCdnFetch(tls) });
  const cdnUrl = (cdn: number) => (a.server === undefined ? `https://cdn${cdn}.signal.org` : `${a.server}/cdn${cdn}`);
  const close = async () => {
    await account.close();
    await anonymous.close();
  };
  return { client, transfer, cdnUrl, close };
}

/** Uploads a backup and its media; returns what was uploaded, copied, kept and deleted. */
export async function backUp(a: Account, content: BackupContent, media: Map<string, Uint8Array>) {
  const c = await connect(a);
  try {
    const mediaRootKey = content.backupInfo.mediaRootBackupKey as Uint8Array;
    return await hostedBackup({
      client: c.client(mediaRootKey),
      key: { recoveryKey: a.recoveryKey, aci: a.aci },
      content,
      media: (m) => media.get(m.plaintextHashHex), // plaintexts by SHA-256, hex
      transfer: c.transfer,
    });
  } finally {
    await c.close();
  }
}

/** Downloads the backup and every medium; returns the content and the media by media name. */
export async function restore(a: Account) {
  const c = await connect(a);
  try {
    const restored = await hostedRestore({
      client: c.client(), // the media root key comes from the backup itself
      key: { recoveryKey: a.recoveryKey, aci: a.aci },
      cdnUrl: c.cdnUrl,
      transfer: c.transfer,
    });
    const content = await restored.reader.readAll();
    const media = new Map<string, Uint8Array>();
    for await (const m of restored.allMedia()) if (m.plaintext) media.set(m.mediaName, m.plaintext);
    await restored.dispose();
    return { content, media };
  } finally {
    await c.close();
  }
}
