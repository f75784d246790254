/**
 * `npm run demo`: the whole job on a synthetic account, end to end, in about half a minute.
 *
 * 1. Generate a realistic account from a fixed seed (50 contacts, 10 groups, 20,000 messages,
 *    300 attachments with real bytes).
 * 2. Write an encrypted remote-style backup (forward-secrecy layout) to demo-out/remote-backup.bin
 *    and plan which media a paid-tier upload would send.
 * 3. Write a local backup folder (demo-out/SignalBackups), add a few messages and photos, and
 *    write a second, incremental snapshot.
 * 4. Verify both (our reader and, when installed, libsignal-client's validate()), restore the
 *    newest snapshot with its media, and check the restore equals the input.
 * 5. Print a summary and write demo-out/summary.json (with the keys that open the demo files).
 *
 * Progress goes to stderr; the summary to stdout. Exit code 1 when a check fails.
 */

import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { once } from 'node:events';
import { BackupReader } from '../src/api/reader.js';
import { extendSyntheticAccount, generateSyntheticAccount, type SyntheticAccount } from '../src/testing/synthetic.js';
import { type BackupWriteResult, BackupWriter } from '../src/api/writer.js';
import { encodeFrame } from '../src/frames/codec.js';
import { createLocalBackup } from '../src/incremental/localFolder.js';
import { openLocalSnapshot, verifyLocalBackup } from '../src/incremental/localRead.js';
import { planMedia } from '../src/incremental/plan.js';
import { toHex } from '../src/internal/bytes.js';
import { ExclusionPolicy } from '../src/policy/exclusions.js';
import { fileSource } from '../src/node/file.js';
import { fsStorage } from '../src/node/fsStorage.js';
import { decodeFrame } from '../src/frames/codec.js';

const OUT = 'demo-out';
const REMOTE_FILE = 'remote-backup.bin';
const LOCAL_DIR = 'SignalBackups';
/** The demo's forward-secrecy token (public: the demo files are meant to be opened by anyone). */
const FS_TOKEN = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
const t0 = performance.now();
const failures: string[] = [];

const seconds = () => (performance.now() - t0) / 1000;
function step(text: string): void {
  process.stderr.write(`[${seconds().toFixed(1).padStart(5)} s] ${text}\n`);
}
function check(ok: boolean, what: string): boolean {
  if (!ok) failures.push(what);
  process.stderr.write(`          ${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  return ok;
}
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

/** The frames a backup of `acc` must hold after the remote policy, as hex, in order. */
function expectedFrameHexes(acc: SyntheticAccount): string[] {
  const out = [
    { account: acc.account },
    ...acc.recipients.map((recipient) => ({ recipient })),
    ...acc.chats.map((chat) => ({ chat })),
    ...acc.stickerPacks.map((stickerPack) => ({ stickerPack })),
    ...acc.adHocCalls.map((adHocCall) => ({ adHocCall })),
    ...acc.notificationProfiles.map((notificationProfile) => ({ notificationProfile })),
    ...acc.chatFolders.map((chatFolder) => ({ chatFolder })),
  ].map((f) => toHex(encodeFrame(f)));
  const policy = new ExclusionPolicy('remote', acc.backupInfo.backupTimeMs as bigint);
  for (const item of acc.chatItems()) {
    const kept = policy.apply(item);
    if (kept) out.push(toHex(encodeFrame({ chatItem: kept })));
  }
  return out;
}

/** libsignal-client's validate(), when the package is installed; undefined when it is not. */
async function libsignalValidate(
  path: string,
  acc: SyntheticAccount,
  token?: Uint8Array,
): Promise<string | null | undefined> {
  let mb: typeof import('@signalapp/libsignal-client/dist/MessageBackup.js');
  let io: typeof import('@signalapp/libsignal-client/dist/io.js');
  let address: typeof import('@signalapp/libsignal-client/dist/Address.js');
  let keys: typeof import('@signalapp/libsignal-client/dist/AccountKeys.js');
  try {
    const require = createRequire(import.meta.url);
    mb = require('@signalapp/libsignal-client/dist/MessageBackup.js');
    io = require('@signalapp/libsignal-client/dist/io.js');
    address = require('@signalapp/libsignal-client/dist/Address.js');
    keys = require('@signalapp/libsignal-client/dist/AccountKeys.js');
  } catch {
    return undefined;
  }
  const { readFile } = await import('node:fs/promises');
  const bytes = new Uint8Array(await readFile(path));
  class Input extends io.InputStream {
    #pos = 0;
    async read(amount: number): Promise<Uint8Array<ArrayBuffer>> {
      const out = bytes.slice(this.#pos, this.#pos + amount);
      this.#pos += out.length;
      return out as Uint8Array<ArrayBuffer>;
    }
    async skip(amount: number): Promise<void> {
      this.#pos += amount;
    }
  }
  const key = new mb.MessageBackupKey({
    accountEntropy: acc.recoveryKey,
    aci: address.Aci.fromUuid(acc.aci),
    ...(token ? { forwardSecrecyToken: new keys.BackupForwardSecrecyToken(new Uint8Array(token)) } : {}),
  });
  const outcome = await mb.validate(key, mb.Purpose.RemoteBackup, () => new Input(), BigInt(bytes.length));
  return outcome.errorMessage ?? (outcome.unknownFieldMessages.length > 0 ? outcome.unknownFieldMessages[0]! : null);
}

async function writeLocal(acc: SyntheticAccount, nowMs: number) {
  const writer = new BackupWriter({
    purpose: 'remote',
    key: { recoveryKey: acc.recoveryKey, aci: acc.aci },
    mediaLayout: 'local',
  });
  const byHash = new Map(acc.attachments.map((a) => [toHex(a.plaintextHash), a.plaintext]));
  let report: BackupWriteResult | undefined;
  const result = await createLocalBackup(fsStorage(join(OUT, LOCAL_DIR), { durable: false }), {
    key: { recoveryKey: acc.recoveryKey, aci: acc.aci },
    frames: () =>
      writer.plaintext(acc.backupContent(), (r) => {
        report = r;
      }),
    media: (request) => byHash.get(request.plaintextHashHex),
    now: nowMs,
    onProgress: (p) => {
      if (process.stderr.isTTY && p.phase === 'media' && p.total > 0 && (p.done === p.total || p.done % 100 === 0)) {
        process.stderr.write(`          media ${p.done}/${p.total}\r`);
      }
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  return { result, report: report! };
}

async function main(): Promise<void> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });

  step('generating the synthetic account (seed 1: 50 contacts, 10 groups, 20,000 messages, 300 attachments)');
  const acc = generateSyntheticAccount({ seed: 1 });
  const attachmentBytes = acc.attachments.reduce((n, a) => n + a.plaintext.length, 0);
  step(`  ${acc.messageCount} messages, ${acc.attachments.length} attachments (${mb(attachmentBytes)})`);

  // 2. Remote-style backup.
  step(`writing the encrypted remote backup to ${OUT}/${REMOTE_FILE}`);
  const remotePath = join(OUT, REMOTE_FILE);
  const file = createWriteStream(remotePath);
  const tRemote = performance.now();
  const remote = await new BackupWriter({
    purpose: 'remote',
    key: { recoveryKey: acc.recoveryKey, aci: acc.aci, forwardSecrecyToken: FS_TOKEN },
    thumbnails: true,
    onProgress: (p) => {
      if (process.stderr.isTTY && p.chatItemsRead % 5000 === 0 && p.chatItemsRead > 0) {
        process.stderr.write(`          ${p.chatItemsRead} chat items\r`);
      }
    },
  }).writeTo(acc.backupContent(), async (chunk) => {
    if (!file.write(chunk)) await once(file, 'drain');
  });
  file.end();
  await once(file, 'finish');
  const remoteSeconds = (performance.now() - tRemote) / 1000;
  if (process.stderr.isTTY) process.stderr.write('\n');
  const plan = planMedia(remote.media, [], { tier: 'paid', now: Number(acc.backupInfo.backupTimeMs) });
  step(
    `  ${mb(remote.bytes)} encrypted from ${mb(remote.frameBytes)} of frames in ${remoteSeconds.toFixed(2)} s ` +
      `(${(remote.frameBytes / 1e6 / remoteSeconds).toFixed(1)} MB/s); paid-tier plan: upload ${plan.upload.length} media objects (${mb(plan.totals.uploadBytes)})`,
  );

  // 3. Local backup folder, then an incremental run.
  step(`writing the local backup folder ${OUT}/${LOCAL_DIR} (first run)`);
  const first = await writeLocal(acc, Number(acc.backupInfo.backupTimeMs));
  step(
    `  snapshot ${first.result.snapshot}: ${first.result.mediaWritten} media written, ${mb(first.result.bytesWritten)}`,
  );
  const later = extendSyntheticAccount(acc, { messages: 40, attachments: 6 });
  step('adding 40 messages and 6 photos, then writing an incremental snapshot');
  const second = await writeLocal(later, Number(later.backupInfo.backupTimeMs));
  step(
    `  snapshot ${second.result.snapshot}: ${second.result.mediaWritten} media written, ${second.result.mediaReused} reused, ${mb(second.result.bytesWritten)}`,
  );

  // 4. Verify.
  step('verifying');
  const reader = await BackupReader.open(await fileSource(remotePath), {
    key: { recoveryKey: acc.recoveryKey, aci: acc.aci, forwardSecrecyToken: FS_TOKEN },
  });
  const remoteFrames: string[] = [];
  for await (const f of reader.frames()) remoteFrames.push(toHex(encodeFrame(f)));
  const expectedRemote = expectedFrameHexes(acc);
  let verified = check(
    remoteFrames.length === expectedRemote.length && remoteFrames.every((h, i) => h === expectedRemote[i]),
    `remote backup: MAC verified, ${remoteFrames.length} frames read back equal`,
  );
  const storage = fsStorage(join(OUT, LOCAL_DIR), { durable: false });
  for (const snapshot of [first.result.snapshot, second.result.snapshot]) {
    const v = await verifyLocalBackup(storage, {
      key: { recoveryKey: acc.recoveryKey, aci: acc.aci },
      snapshot,
      decryptMedia: true,
    });
    verified =
      check(
        v.ok,
        `local snapshot ${snapshot}: ${v.frames} frames, ${v.mediaDecrypted}/${v.media} media decrypted${v.ok ? '' : `: ${v.problems[0]?.message}`}`,
      ) && verified;
  }
  const oracle = await libsignalValidate(remotePath, acc, FS_TOKEN);
  let libsignalChecked = false;
  if (oracle === undefined) step('  libsignal-client is not installed: skipped its validate()');
  else {
    libsignalChecked = true;
    verified =
      check(
        oracle === null,
        `libsignal-client validate(RemoteBackup) accepts the remote backup${oracle ? `: ${oracle}` : ''}`,
      ) && verified;
    const main = join(OUT, LOCAL_DIR, second.result.snapshot, 'main');
    const localVerdict = await libsignalValidate(main, later);
    verified =
      check(
        localVerdict === null,
        `libsignal-client validate(RemoteBackup) accepts the newest local snapshot${localVerdict ? `: ${localVerdict}` : ''}`,
      ) && verified;
  }

  // 5. Restore the newest snapshot and compare with the input.
  step('restoring the newest local snapshot');
  const opened = await openLocalSnapshot(storage, { key: { recoveryKey: acc.recoveryKey, aci: acc.aci } });
  const restored: string[] = [];
  for await (const bytes of opened.frames) restored.push(toHex(encodeFrame(decodeFrame(bytes))));
  const expectedLocal = expectedFrameHexes(later);
  let restoredEqual = check(
    restored.length === expectedLocal.length && restored.every((h, i) => h === expectedLocal[i]),
    `${restored.length} frames restored equal to the input after the exclusion policy`,
  );
  const originals = new Map(later.attachments.map((a) => [toHex(a.plaintextHash), a.plaintext]));
  let mediaRestored = 0;
  let mediaEqual = true;
  for (const entry of opened.media.values()) {
    const parts: Uint8Array[] = [];
    for await (const chunk of opened.readMedia(entry)) parts.push(chunk);
    const got = Buffer.concat(parts);
    const want = originals.get(toHex(entry.plaintextHash));
    if (want === undefined || !got.equals(want)) mediaEqual = false;
    mediaRestored++;
  }
  restoredEqual = check(mediaEqual, `${mediaRestored} media restored byte-for-byte`) && restoredEqual;

  // Summary.
  const excluded: Record<string, number> = {};
  for (const [reason, n] of Object.entries(remote.exclusions.dropped)) excluded[reason] = n ?? 0;
  for (const [reason, n] of Object.entries(remote.exclusions.stripped)) excluded[reason] = n ?? 0;
  for (const [reason, n] of Object.entries(remote.exclusions.revisionsDropped)) excluded[`revision:${reason}`] = n ?? 0;
  const remoteSize = (await stat(remotePath)).size;
  const total = seconds();
  const summary = {
    key: { recoveryKey: acc.recoveryKey, aci: acc.aci },
    forwardSecrecyToken: toHex(FS_TOKEN),
    remoteBackup: relative(OUT, remotePath),
    // Both paths are relative to demo-out/, like remoteBackup.
    localFolder: LOCAL_DIR,
    messages: acc.messageCount,
    messagesAdded: later.messageCount - acc.messageCount,
    attachments: acc.attachments.length,
    attachmentBytes,
    excluded,
    remoteBackupBytes: remoteSize,
    remoteFrameBytes: remote.frameBytes,
    remoteMBps: Number((remote.frameBytes / 1e6 / remoteSeconds).toFixed(1)),
    mediaToUpload: plan.upload.length,
    mediaToUploadBytes: plan.totals.uploadBytes,
    localFirstRunBytes: first.result.bytesWritten,
    localIncrementalBytes: second.result.bytesWritten,
    localIncrementalMediaWritten: second.result.mediaWritten,
    localIncrementalMediaReused: second.result.mediaReused,
    verified,
    libsignalValidated: libsignalChecked,
    restoredEqual,
    seconds: Number(total.toFixed(2)),
  };
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(OUT, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);

  const lines = [
    '',
    'sbackup demo: done',
    `  account        ${summary.messages} messages (+${summary.messagesAdded} later), ${summary.attachments} attachments, ${mb(attachmentBytes)} of media`,
    `  excluded       ${
      Object.entries(excluded)
        .map(([r, n]) => `${r}: ${n}`)
        .join(', ') || 'nothing'
    }`,
    '                 (remote rules: timers <= 24 h, or expiring within 24 h of the backup; view-once kept as tombstones)',
    `  remote backup  ${OUT}/${summary.remoteBackup}: ${mb(remoteSize)} (${summary.remoteMBps} MB/s of frames); ${plan.upload.length} media to upload on a paid tier`,
    `  local folder   ${join(OUT, summary.localFolder)}: first run ${mb(summary.localFirstRunBytes)}, incremental run ${mb(summary.localIncrementalBytes)} (${summary.localIncrementalMediaWritten} new media, ${summary.localIncrementalMediaReused} reused)`,
    `  verified       ${verified ? 'yes' : 'NO'}${libsignalChecked ? ' (also by libsignal-client validate())' : ''}; restore equals input: ${restoredEqual ? 'yes' : 'NO'}`,
    `  time           ${summary.seconds} s`,
    `  keys           ${OUT}/summary.json (recovery key, ACI, forward-secrecy token: the demo's, to open the files)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failures.length > 0) {
    process.stderr.write(`failed checks: ${failures.join('; ')}\n`);
    process.exitCode = 1;
  }
}

await main();
