/**
 * The API against the oracle (libsignal-client 0.103.0): the synthetic account is valid for every
 * purpose once the exclusion policy has run; the policy's boundaries agree with libsignal's
 * validator (ours being the clients' one millisecond stricter); the takeout rules drop exactly
 * what libsignal's BackupJsonExporter drops.
 */

import { describe, expect, it } from 'vitest';
import { generateSyntheticAccount, type SyntheticAccount } from '../../src/testing/synthetic.js';
import { BackupWriter } from '../../src/api/writer.js';
import { encodeBackupInfo, encodeFrame, type Frame } from '../../src/frames/codec.js';
import type { ChatItem } from '../../src/frames/schema.js';
import { type BackupPurpose, ExclusionPolicy } from '../../src/policy/exclusions.js';
import { BytesInputStream, libsignal } from './oracle.js';

const { OnlineBackupValidator, Purpose, BackupJsonExporter, MessageBackupKey, validate } = libsignal.messageBackup;

const PURPOSES: Record<BackupPurpose, number> = {
  remote: Purpose.RemoteBackup,
  transfer: Purpose.DeviceTransfer,
  takeout: Purpose.TakeoutExport,
};
const DAY = 86_400_000n;

function* headFrames(acc: SyntheticAccount): Generator<Frame> {
  yield { account: acc.account };
  for (const recipient of acc.recipients) yield { recipient };
  for (const chat of acc.chats) yield { chat };
  for (const stickerPack of acc.stickerPacks) yield { stickerPack };
  for (const adHocCall of acc.adHocCalls) yield { adHocCall };
  for (const notificationProfile of acc.notificationProfiles) yield { notificationProfile };
  for (const chatFolder of acc.chatFolders) yield { chatFolder };
}

/** libsignal's verdict on a backup of `acc`'s head frames plus `items`: null when valid, else the error text. */
function oracleVerdict(acc: SyntheticAccount, purpose: BackupPurpose, items: Iterable<ChatItem>): string | null {
  try {
    const v = new OnlineBackupValidator(encodeBackupInfo(acc.backupInfo) as Uint8Array<ArrayBuffer>, PURPOSES[purpose]);
    for (const f of headFrames(acc)) v.addFrame(encodeFrame(f) as Uint8Array<ArrayBuffer>);
    for (const chatItem of items) v.addFrame(encodeFrame({ chatItem }) as Uint8Array<ArrayBuffer>);
    v.finalize();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

describe('synthetic account (oracle: OnlineBackupValidator)', () => {
  for (const purpose of ['remote', 'transfer', 'takeout'] as const) {
    it(`is valid for ${purpose} after the exclusion policy, for several seeds and sizes`, () => {
      for (const [seed, messages, contacts, groups] of [
        [1, 20_000, 50, 10],
        [7, 3000, 5, 2],
        [42, 500, 1, 0],
      ] as const) {
        const acc = generateSyntheticAccount({ seed, messages, contacts, groups, attachments: 40 });
        const policy = new ExclusionPolicy(purpose, acc.backupInfo.backupTimeMs as bigint);
        const kept = (function* () {
          for (const item of acc.chatItems()) {
            const k = policy.apply(item);
            if (k !== undefined) yield k;
          }
        })();
        expect(oracleVerdict(acc, purpose, kept), `seed ${seed}`).toBeNull();
      }
    });
  }

  it('without the policy, remote and takeout reject it (so the policy matters)', () => {
    const acc = generateSyntheticAccount({ messages: 20_000, attachments: 300 });
    expect(oracleVerdict(acc, 'transfer', acc.chatItems())).toBeNull();
    expect(oracleVerdict(acc, 'remote', acc.chatItems())).toMatch(/expir/);
    expect(oracleVerdict(acc, 'takeout', acc.chatItems())).toMatch(/not allowed for takeout-export/);
  });
});

describe('exclusion boundaries agree with libsignal', () => {
  const acc = generateSyntheticAccount({ messages: 0, attachments: 0, contacts: 2, groups: 0 });
  const backupTime = acc.backupInfo.backupTimeMs as bigint;
  const contactChat = acc.chats[1]!.id as bigint;
  const contactId = acc.chats[1]!.recipientId as bigint;
  let sent = backupTime - 10n * DAY;
  function incoming(fields: Partial<ChatItem>, read = true): ChatItem {
    sent += 1000n;
    return {
      chatId: contactChat,
      authorId: contactId,
      dateSent: sent,
      incoming: { dateReceived: sent, read },
      standardMessage: { text: { body: 'boundary' } },
      ...fields,
    };
  }
  const startedAt = (timer: bigint, expiresAt: bigint) => ({ expiresInMs: timer, expireStartDate: expiresAt - timer });

  /** [name, item, does libsignal (with its `<`) accept it for remote / transfer]. */
  const cases: [string, ChatItem, boolean, boolean][] = [
    ['unstarted 24 h', incoming({ expiresInMs: DAY }, false), true, true],
    ['unstarted 24 h - 1 ms', incoming({ expiresInMs: DAY - 1n }, false), false, true],
    ['unstarted 24 h + 1 ms', incoming({ expiresInMs: DAY + 1n }, false), true, true],
    ['started, expires at backup + 24 h', incoming(startedAt(7n * DAY, backupTime + DAY)), true, true],
    ['started, expires at backup + 24 h - 1 ms', incoming(startedAt(7n * DAY, backupTime + DAY - 1n)), false, true],
    ['started, expires at backup + 24 h + 1 ms', incoming(startedAt(7n * DAY, backupTime + DAY + 1n)), true, true],
    ['started, expires at backup time', incoming(startedAt(7n * DAY, backupTime)), false, true],
    ['started, expired 1 ms before backup', incoming(startedAt(7n * DAY, backupTime - 1n)), false, false],
    ['started 1 h timer, long after backup', incoming(startedAt(3_600_000n, backupTime + 2n * DAY)), true, true],
  ];

  for (const [name, item, remoteOk, transferOk] of cases) {
    it(`${name}: the oracle says remote=${remoteOk}, transfer=${transferOk}; what the policy keeps always passes`, () => {
      expect(oracleVerdict(acc, 'remote', [item]) === null).toBe(remoteOk);
      expect(oracleVerdict(acc, 'transfer', [item]) === null).toBe(transferOk);
      expect(oracleVerdict(acc, 'takeout', [item])).toMatch(/not allowed for takeout-export/);
      for (const purpose of ['remote', 'transfer', 'takeout'] as const) {
        const kept = new ExclusionPolicy(purpose, backupTime).apply(item);
        // Ours is never looser than libsignal: kept => valid.
        if (kept !== undefined) expect(oracleVerdict(acc, purpose, [kept])).toBeNull();
        // And where libsignal rejects, the policy drops.
        if (purpose === 'remote' && !remoteOk) expect(kept).toBeUndefined();
        if (purpose === 'transfer' && !transferOk) expect(kept).toBeUndefined();
        if (purpose === 'takeout') expect(kept).toBeUndefined();
      }
    });
  }

  it('view-once: takeout rejects the attachment, the tombstone passes everywhere', () => {
    const big = generateSyntheticAccount({ messages: 400, attachments: 20, contacts: 3, groups: 0 });
    const vo = [...big.chatItems()].find((i) => i.viewOnceMessage?.attachment != null)!;
    expect(vo).toBeDefined();
    expect(oracleVerdict(big, 'takeout', [vo])).toMatch(/takeout/);
    for (const purpose of ['remote', 'transfer', 'takeout'] as const) {
      const kept = new ExclusionPolicy(purpose, big.backupInfo.backupTimeMs as bigint).apply(vo)!;
      expect(kept.viewOnceMessage?.attachment != null).toBe(purpose === 'transfer');
      expect(oracleVerdict(big, purpose, [kept])).toBeNull();
    }
  });
});

describe('takeout policy = BackupJsonExporter sanitization', () => {
  it('drops and strips exactly what the exporter does', () => {
    const acc = generateSyntheticAccount({ seed: 3, messages: 6000, attachments: 100 });
    const { exporter } = BackupJsonExporter.start(encodeBackupInfo(acc.backupInfo) as Uint8Array<ArrayBuffer>, {
      validate: false,
    });
    const policy = new ExclusionPolicy('takeout', acc.backupInfo.backupTimeMs as bigint);
    let exporterDropped = 0;
    let exporterViewOnceWithAttachment = 0;
    let ours = 0;
    for (const item of acc.chatItems()) {
      const bytes = encodeFrame({ chatItem: item });
      const delimited = new Uint8Array(bytes.length + 5);
      let n = bytes.length;
      let o = 0;
      while (n >= 0x80) {
        delimited[o++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
      delimited[o++] = n;
      delimited.set(bytes, o);
      const [result] = exporter.exportFrames(delimited.subarray(0, o + bytes.length));
      const line = result?.line;
      if (line === undefined || line === '{}' || line === '') exporterDropped++;
      else if (/"viewOnceMessage":\{[^}]*"attachment"/.test(line)) exporterViewOnceWithAttachment++;
      if (policy.apply(item) === undefined) ours++;
    }
    expect(ours).toBeGreaterThan(0);
    expect(ours).toBe(exporterDropped);
    expect(Object.values(policy.report.dropped).reduce((a, b) => a + b, 0)).toBe(exporterDropped);
    expect(exporterViewOnceWithAttachment).toBe(0);
    expect(policy.report.stripped.viewOnceAttachment).toBeGreaterThan(0);
  });
});

describe('validate() accepts every backup BackupWriter makes', () => {
  const cases = [
    { seed: 1, messages: 20_000, contacts: 50, groups: 10, attachments: 300 },
    { seed: 11, messages: 2000, contacts: 3, groups: 1, attachments: 50 },
    { seed: 12, messages: 0, contacts: 1, groups: 0, attachments: 0 },
  ];
  for (const purpose of ['remote', 'transfer', 'takeout'] as const) {
    for (const token of [undefined, new Uint8Array(32).fill(0xab)]) {
      it(`${purpose}, ${token ? 'modern layout (forward-secrecy token)' : 'legacy layout'}`, async () => {
        for (const size of cases) {
          const acc = generateSyntheticAccount(size);
          const key = { recoveryKey: acc.recoveryKey, aci: acc.aci, ...(token ? { forwardSecrecyToken: token } : {}) };
          const { bytes, result } = await new BackupWriter({ purpose, key }).writeToBytes(acc.backupContent());
          const theirs = new MessageBackupKey({
            accountEntropy: acc.recoveryKey,
            aci: libsignal.address.Aci.fromUuid(acc.aci),
            ...(token
              ? { forwardSecrecyToken: new libsignal.accountKeys.BackupForwardSecrecyToken(new Uint8Array(token)) }
              : {}),
          });
          const outcome = await validate(
            theirs,
            PURPOSES[purpose],
            () => new BytesInputStream(bytes),
            BigInt(bytes.length),
          );
          expect(outcome.errorMessage, `seed ${size.seed}`).toBeNull();
          expect(outcome.unknownFieldMessages).toEqual([]);
          expect(result.chatItemsRead).toBe(size.messages);
        }
      });
    }
  }
});
