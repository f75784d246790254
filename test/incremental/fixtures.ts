/** Synthetic backups with media for the incremental tests (runs in Node and browsers). */

import { sha256 } from '@noble/hashes/sha2.js';
import { encodeBackupInfo, encodeFrame } from '../../src/frames/codec.js';
import { concatBytes } from '../../src/internal/bytes.js';
import { encodeVarint } from '../../src/internal/wire.js';
import { xorshift32 } from '../helpers/prng.js';

/** A test recovery key and ACI (any valid values work; these are fixed for reproducibility). */
export const AEP = 'mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm';
export const ACI = '11111111-2222-4333-8444-555555555555';
export const T0 = 1_750_000_000_000;

/** Deterministic bytes: each call returns the next `n` bytes of the stream seeded by `seed`. */
export const prng = xorshift32;

/** One medium: its plaintext and the LocatorInfo fields. */
export interface TestMedium {
  plaintext: Uint8Array;
  plaintextHash: Uint8Array;
  key: Uint8Array;
  localKey: Uint8Array;
  contentType: string;
  sentAtMs: number;
}

export function makeMedia(
  count: number,
  seed: number,
  sizes: readonly number[] = [0, 1, 100, 541, 542, 5000, 70_000],
): TestMedium[] {
  const rand = prng(seed);
  return Array.from({ length: count }, (_, i) => {
    const plaintext = rand(sizes[i % sizes.length]!);
    return {
      plaintext,
      plaintextHash: sha256(plaintext),
      key: rand(64),
      localKey: rand(64),
      contentType: i % 3 === 0 ? 'video/mp4' : 'image/jpeg',
      sentAtMs: T0 - 1000 * (count - i),
    };
  });
}

function delimited(message: Uint8Array): Uint8Array {
  return concatBytes(encodeVarint(message.length), message);
}

/** A `.binproto`: BackupInfo, then one chat item per medium (plus a text message between them). */
export function makeFrames(media: readonly TestMedium[], seed = 1, backupTimeMs = T0): Uint8Array {
  const parts: Uint8Array[] = [
    delimited(
      encodeBackupInfo({ version: 1n, backupTimeMs: BigInt(backupTimeMs), mediaRootBackupKey: prng(seed)(32) }),
    ),
  ];
  media.forEach((m, i) => {
    parts.push(
      delimited(
        encodeFrame({
          chatItem: {
            chatId: 1n,
            authorId: 1n,
            dateSent: BigInt(m.sentAtMs),
            standardMessage: {
              text: { body: `photo ${i}` },
              attachments: [
                {
                  pointer: {
                    contentType: m.contentType,
                    locatorInfo: {
                      key: m.key,
                      size: m.plaintext.length,
                      plaintextHash: m.plaintextHash,
                      localKey: m.localKey,
                    },
                  },
                },
              ],
            },
          },
        }),
      ),
    );
  });
  return concatBytes(...parts);
}

/** A media source over test media, matched by plaintext hash, counting requests. */
export function mediaSource(media: readonly TestMedium[]) {
  const byHash = new Map(media.map((m) => [Array.from(m.plaintextHash).join(','), m.plaintext]));
  const source = (req: { plaintextHash: Uint8Array }) => byHash.get(Array.from(req.plaintextHash).join(','));
  return source;
}
