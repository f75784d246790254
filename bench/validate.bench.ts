/**
 * Validation benchmark: MB/s of sbackup's validator next to libsignal-client's, on the same
 * synthetic backup in the same run.
 *
 * The backup is built here (not bench/chat-backup.ts, whose frames are not semantically valid):
 * an account, Self, 300 contacts, 20 groups, a chat each, and chat items (incoming and outgoing
 * texts of varying length, reactions, quotes, attachment pointers). Both validators must find it
 * valid, or the run fails.
 *
 * Two comparisons:
 * - frames: our `BackupValidator.push(bytes)` vs libsignal's `OnlineBackupValidator.addFrame`
 *   (plaintext frames, no decryption);
 * - file: our `validateBackup` vs libsignal's `validate()` on the encrypted file
 *   (MAC, AES-CBC, gunzip, parse, validate).
 * Size with SBACKUP_BENCH_VALIDATE_MB (default 24 MB of frames).
 */

import { encodeBackupInfo, encodeFrame, type Frame } from '../src/frames/codec.js';
import { encryptBackup } from '../src/container/writer.js';
import { deriveBackupId, deriveBackupKey, deriveMessageBackupKey } from '../src/keys/hierarchy.js';
import { validateBackup } from '../src/validate/backup.js';
import { BackupValidator } from '../src/validate/validator.js';
import { mulberry32 } from '../test/helpers/prng.js';
import { BytesInputStream, libsignal } from '../test/interop/oracle.js';

const MB = Number(process.env.SBACKUP_BENCH_VALIDATE_MB ?? 24);
const ROUNDS = 3;
const mb = libsignal.messageBackup;
const address = libsignal.address;

const WORDS =
  'the a to and you I it of in is that for on with this be have are not at was so just but what we can do my 😀 👍 https://example.org'.split(
    ' ',
  );

function build(targetBytes: number): { info: Uint8Array; frames: Uint8Array[]; size: number } {
  const r = mulberry32(7);
  const T = 1_750_000_000_000n;
  const info = encodeBackupInfo({ version: 1n, backupTimeMs: T, mediaRootBackupKey: new Uint8Array(32).fill(0xab) });
  const frames: Frame[] = [
    {
      account: {
        profileKey: new Uint8Array(32).fill(1),
        givenName: 'Bench',
        accountSettings: {
          phoneNumberSharingMode: 1,
          defaultSentMediaQuality: 1,
          appTheme: 1,
          callsUseLessDataSetting: 1,
        },
      },
    },
    { recipient: { id: 1n, self: {} } },
  ];
  const CONTACTS = 300;
  const GROUPS = 20;
  const uuid = (i: number, tag: number) => {
    const u = new Uint8Array(16);
    u[0] = tag;
    u[12] = i >> 8;
    u[13] = i & 255;
    u[15] = 1;
    return u;
  };
  for (let i = 0; i < CONTACTS; i++) {
    frames.push({
      recipient: {
        id: BigInt(2 + i),
        contact: {
          aci: uuid(i, 0xa),
          e164: BigInt(15550000000 + i),
          profileKey: new Uint8Array(32).fill(i & 255),
          registered: {},
          profileGivenName: `Contact ${i}`,
        },
      },
    });
  }
  for (let g = 0; g < GROUPS; g++) {
    const key = new Uint8Array(32);
    key[0] = g + 1;
    frames.push({
      recipient: {
        id: BigInt(1000 + g),
        group: {
          masterKey: key,
          snapshot: {
            title: { title: `Group ${g}` },
            members: Array.from({ length: 8 }, (_, k) => ({ userId: uuid((g * 8 + k) % CONTACTS, 0xa), role: 1 })),
          },
        },
      },
    });
  }
  const chats: { id: bigint; contact?: bigint }[] = [];
  for (let i = 0; i < CONTACTS; i++) chats.push({ id: BigInt(1 + i), contact: BigInt(2 + i) });
  for (let g = 0; g < GROUPS; g++) chats.push({ id: BigInt(1 + CONTACTS + g) });
  for (const [i, c] of chats.entries())
    frames.push({ chat: { id: c.id, recipientId: c.contact ?? BigInt(1000 + i - CONTACTS) } });
  const head = frames.map(encodeFrame);
  let size = info.length + head.reduce((a, f) => a + f.length, 0);
  let t = T - 400n * 86_400_000n;
  while (size < targetBytes) {
    t += BigInt(Math.floor(r() * 600_000));
    const c = chats[Math.floor(r() * chats.length)]!;
    const author = c.contact ?? BigInt(2 + Math.floor(r() * CONTACTS));
    let body = '';
    while (body.length < 10 + r() * 200) body += `${WORDS[Math.floor(r() * WORDS.length)]} `;
    const out = r() < 0.4;
    const item: Frame = {
      chatItem: {
        chatId: c.id,
        authorId: out ? 1n : author,
        dateSent: t,
        ...(out
          ? {
              outgoing: {
                dateReceived: t + 5n,
                sendStatus: c.contact
                  ? [{ recipientId: c.contact, timestamp: t + 900n, delivered: { sealedSender: true } }]
                  : [],
              },
            }
          : { incoming: { dateReceived: t + 900n, dateServerSent: t + 400n, read: true, sealedSender: true } }),
        standardMessage: {
          text: { body },
          ...(r() < 0.1
            ? {
                quote: {
                  targetSentTimestamp: t - 5000n,
                  authorId: author,
                  type: 1,
                  text: { body: [...body].slice(0, 20).join('') },
                },
              }
            : {}),
          ...(r() < 0.2 ? { reactions: [{ emoji: '👍', authorId: 1n, sentTimestamp: t + 1000n, sortOrder: 1n }] } : {}),
          ...(r() < 0.05
            ? {
                attachments: [
                  {
                    pointer: {
                      contentType: 'image/jpeg',
                      locatorInfo: {
                        key: new Uint8Array(64).fill(3),
                        plaintextHash: new Uint8Array(32).fill(4),
                        size: 123456,
                      },
                    },
                  },
                ],
              }
            : {}),
        },
      },
    };
    const bytes = encodeFrame(item);
    head.push(bytes);
    size += bytes.length;
  }
  return { info, frames: head, size };
}

async function best(fn: () => Promise<void> | void): Promise<number> {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < ROUNDS; i++) {
    globalThis.gc?.();
    const t0 = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min / 1000;
}

const { info, frames, size } = build(MB * 1e6);
const mbs = (s: number) => size / 1e6 / s;
console.log(`synthetic backup: ${frames.length} frames, ${(size / 1e6).toFixed(1)} MB of plaintext frames`);

let oursOk = true;
const oursFrames = await best(() => {
  const v = new BackupValidator({ purpose: 'remote' });
  v.pushBackupInfo(info);
  for (const f of frames) v.push(f);
  const res = v.finish();
  oursOk = res.ok;
  if (!res.ok) console.log(res.errors.slice(0, 3));
});
const theirsFrames = await best(() => {
  const v = new mb.OnlineBackupValidator(new Uint8Array(info), mb.Purpose.RemoteBackup);
  for (const f of frames) v.addFrame(f as Uint8Array<ArrayBuffer>);
  v.finalize();
});
if (!oursOk) throw new Error('our validator rejected the synthetic backup');
console.log(`frames  sbackup BackupValidator      ${mbs(oursFrames).toFixed(1).padStart(7)} MB/s`);
console.log(
  `frames  libsignal OnlineBackupValidator ${mbs(theirsFrames).toFixed(1).padStart(4)} MB/s   ratio ${(theirsFrames / oursFrames).toFixed(2)}x`,
);

const AEP = 'm'.repeat(64);
const ACI = '11111111-1111-1111-1111-111111111111';
const bk = deriveBackupKey(AEP);
const key = deriveMessageBackupKey(bk, deriveBackupId(bk, ACI));
const file = await encryptBackup(info, frames, { key });
const theirKey = new mb.MessageBackupKey({ accountEntropy: AEP, aci: address.Aci.fromUuid(ACI) });
const oursFile = await best(async () => {
  const res = await validateBackup(file, { key, purpose: 'remote' });
  if (!res.ok) throw new Error('our validator rejected the encrypted file');
});
const theirsFile = await best(async () => {
  const out = await mb.validate(
    theirKey,
    mb.Purpose.RemoteBackup,
    () => new BytesInputStream(file),
    BigInt(file.length),
  );
  if (out.errorMessage !== null) throw new Error(`libsignal rejected the file: ${out.errorMessage}`);
});
console.log(`file (${(file.length / 1e6).toFixed(1)} MB encrypted; MB/s of plaintext frames)`);
console.log(`file    sbackup validateBackup ${mbs(oursFile).toFixed(1).padStart(5)} MB/s`);
console.log(
  `file    libsignal validate()            ${mbs(theirsFile).toFixed(1).padStart(5)} MB/s   ratio ${(theirsFile / oursFile).toFixed(2)}x`,
);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
