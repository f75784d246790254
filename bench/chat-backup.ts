/**
 * A synthetic, realistic backup for benchmarks: contacts, groups, chats and chat items (text of
 * varying length, reactions, quotes, attachment pointers), hand-encoded with the Frame oneof
 * field numbers of Backup.proto. Deterministic (seeded PRNG). Not validated semantically: it
 * has the shape and compressibility of a real backup, which is what the container cares about
 * (the streaming benchmark cycles it). {@link syntheticBackup} is the semantically valid one.
 */

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSyntheticAccount } from '../src/testing/synthetic.js';
import { BackupWriter } from '../src/api/writer.js';
import { concatBytes } from '../src/internal/bytes.js';
import { encodeBytesField, encodeVarint } from '../src/internal/wire.js';
import { splitDelimited } from '../test/helpers/delimited.js';
import { mulberry32 } from '../test/helpers/prng.js';

const WORDS = (
  'the be to of and a in that have I it for not on with he as you do at this but his by from they we say her she or an ' +
  'will my one all would there their what so up out if about who get which go me when make can like time no just him ' +
  'know take people into year your good some could them see other than then now look only come its over think also ' +
  'back after use two how our work first well way even new want because any these give day most us lol ok yes sure ' +
  'tomorrow tonight dinner meeting call later thanks love haha great sounds see you soon 😀 👍 ❤️ 🎉 https://example.org/x'
).split(' ');

const enc = new TextEncoder();
const field = (n: number, payload: Uint8Array) => encodeBytesField(n, payload);
const varintField = (n: number, v: number) => concatBytes(encodeVarint(n * 8), encodeVarint(v));
const cat = concatBytes;

/** BackupInfo bytes and a generator of Frames totalling about `targetBytes` (uncompressed). */
export function chatBackup(
  targetBytes: number,
  seed = 1,
): { backupInfo: Uint8Array; frames: Uint8Array[]; size: number } {
  const r = mulberry32(seed);
  const pick = <T>(a: T[]) => a[Math.floor(r() ** 1.7 * a.length)]!;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
  const sentence = (mean: number) => {
    const n = Math.max(1, Math.round(-Math.log(1 - r()) * mean));
    return Array.from({ length: n }, () => pick(WORDS)).join(' ');
  };
  const backupInfo = cat(varintField(1, 1), varintField(2, 1_715_636_551_000), field(3, bytes(32)));
  const frames: Uint8Array[] = [];
  let size = 0;
  const push = (f: Uint8Array) => {
    frames.push(f);
    size += f.length + 2;
  };
  push(field(1, cat(field(1, bytes(32)), field(2, enc.encode('Boba Fett')), field(4, enc.encode('boba_fett.66')))));
  const contacts = 1500;
  const groups = 80;
  for (let i = 0; i < contacts; i++) {
    const contact = cat(field(1, bytes(16)), field(3, bytes(32)), field(11, enc.encode(`Contact ${i} ${pick(WORDS)}`)));
    push(field(2, cat(varintField(1, i + 1), field(2, contact))));
  }
  for (let i = 0; i < groups; i++) {
    const group = cat(field(1, bytes(32)), field(4, enc.encode(`Group ${sentence(3)}`)));
    push(field(2, cat(varintField(1, contacts + i + 1), field(3, group))));
  }
  const chats = 300;
  for (let i = 0; i < chats; i++)
    push(field(3, cat(varintField(1, i + 1), varintField(2, 1 + Math.floor(r() * (contacts + groups))))));
  let t = 1_600_000_000_000;
  while (size < targetBytes) {
    t += Math.floor(-Math.log(1 - r()) * 60_000);
    const body: Uint8Array[] = [field(1, enc.encode(sentence(14)))];
    if (r() < 0.15) body.push(field(3, cat(varintField(1, t - 100_000), field(3, enc.encode(sentence(6))))));
    if (r() < 0.1) body.push(field(4, cat(field(1, enc.encode(pick(['👍', '❤️', '😂', '😮']))), varintField(2, 2))));
    if (r() < 0.08) {
      const pointer = cat(
        field(1, enc.encode('image/jpeg')),
        field(2, bytes(64)),
        varintField(4, 20000 + Math.floor(r() * 2e6)),
      );
      body.push(field(6, field(1, pointer)));
    }
    const item = cat(
      varintField(1, 1 + Math.floor(r() * chats)),
      varintField(2, 1 + Math.floor(r() * contacts)),
      varintField(3, t),
      field(11, cat(...body)),
    );
    push(field(4, item));
  }
  return { backupInfo, frames, size };
}

/** A cached synthetic backup: its plaintext and the messages in it (views into `plaintext`). */
export interface SyntheticBackup {
  /** The `.binproto`: `varint(len) || BackupInfo`, then `varint(len) || Frame` for each frame. */
  plaintext: Uint8Array;
  backupInfo: Uint8Array;
  frames: Uint8Array[];
  /** Where the plaintext is cached. */
  path: string;
}

/** Bumped whenever the generator's parameters below change (invalidates the cache). */
const SYNTHETIC_CACHE_VERSION = 2;

/**
 * A realistic backup that libsignal's `validate()` accepts (purpose remote): the synthetic account
 * of src/api/synthetic.ts (1500 contacts, 80 groups, chat items with quotes, reactions, edits,
 * mentions and attachment pointers) written by `BackupWriter.plaintext`, with at least
 * `targetBytes` of plaintext. Generated once (about 15 s for 64 MiB) and cached in the temp
 * directory, then reused by later runs.
 */
export async function syntheticBackup(targetBytes: number): Promise<SyntheticBackup> {
  const dir = join(tmpdir(), 'sbackup-bench');
  const path = join(dir, `synthetic-v${SYNTHETIC_CACHE_VERSION}-${targetBytes}.binproto`);
  let plaintext: Uint8Array | undefined;
  if (existsSync(path)) plaintext = new Uint8Array(readFileSync(path));
  // About 93 bytes per chat item; regenerate bigger in the unlikely case this falls short.
  for (let perItem = 90; plaintext === undefined || plaintext.length < targetBytes; perItem *= 0.9) {
    const messages = Math.ceil(targetBytes / perItem);
    const acc = generateSyntheticAccount({
      seed: 7,
      contacts: 1500,
      groups: 80,
      messages,
      attachments: Math.round(messages * 0.06),
      attachmentBytes: [16, 64],
    });
    const parts: Uint8Array[] = [];
    const writer = new BackupWriter({ purpose: 'remote', key: { recoveryKey: acc.recoveryKey, aci: acc.aci } });
    for await (const chunk of writer.plaintext(acc.backupContent())) {
      parts.push(chunk);
    }
    plaintext = new Uint8Array(Buffer.concat(parts));
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${path}.tmp`, plaintext);
    renameSync(`${path}.tmp`, path);
  }
  const [backupInfo, ...frames] = splitDelimited(plaintext);
  return { plaintext, backupInfo: backupInfo!, frames, path };
}
