/**
 * vectors/container/*.json: the encrypted backup file. Inputs and randomness are fixed.
 *
 * - encrypt.json: byte-exact files at gzip level 0 (stored blocks written by sbackup's core, so
 *   every backend gives the same bytes), in both layouts and all three padding schemes.
 * - decrypt.json: files made at level 6 by fflate (pure backend) and by zlib (node backend), and a
 *   few hand-built variants (non-zero padding, gzip header fields, a second member), which every
 *   reader must open to the given plaintext.
 * - negative.json: damaged, forged or malformed files and the error class a reader must raise.
 *
 * The generator checks every positive file with an independent pipeline (node:crypto + node:zlib)
 * and refuses to write if one does not decrypt to its plaintext; libsignal-client's `validate()`
 * accepts the positive files (test/interop/container-vectors.test.ts).
 */

import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import { pureBackend } from '../../src/backends/pure.js';
import { GzipWriter } from '../../src/container/gzip.js';
import { encodeModernHeader } from '../../src/container/layout.js';
import { type EncryptBackupOptions, encryptBackup } from '../../src/container/writer.js';
import { encodeBackupInfo, encodeFrame, type Frame } from '../../src/frames/codec.js';
import { concatBytes, toHex, utf8 } from '../../src/internal/bytes.js';
import { encodeBytesField, encodeVarint, readVarint32 } from '../../src/internal/wire.js';
import { createBackupMetadata } from '../../src/keys/forwardSecrecy.js';
import { encodeBackupMetadata } from '../../src/keys/metadata.js';
import { deriveBackupId, deriveBackupKey, deriveMessageBackupKey, type SplitKey } from '../../src/keys/hierarchy.js';
import { nodeBackend } from '../../src/node/backend.js';
import { joinDelimited, splitDelimited } from '../../test/helpers/delimited.js';
import { fixedBytes } from '../../test/helpers/prng.js';

const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// The account every case uses.
const RECOVERY_KEY = 'vectorsvectorsvectorsvectorsvectorsvectorsvectorsvectorsvectors1';
const ACI = '5e1ec7ed-0000-4000-8000-00000000c0de';
const TOKEN = fixedBytes(32, 11);
const ENC_SALT = fixedBytes(32, 12);
const PW_SALT = fixedBytes(32, 13);
const METADATA_IV = fixedBytes(12, 14);

const backupKey = deriveBackupKey(RECOVERY_KEY);
const backupId = deriveBackupId(backupKey, ACI);
const KEYS: Record<'legacy' | 'modern', SplitKey> = {
  legacy: deriveMessageBackupKey(backupKey, backupId),
  modern: deriveMessageBackupKey(backupKey, backupId, TOKEN),
};
const METADATA = encodeBackupMetadata(
  createBackupMetadata(backupKey, TOKEN, [{ encSalt: ENC_SALT, pwSalt: PW_SALT }], { iv: METADATA_IV }),
);

/** A small, valid backup (libsignal's validate() accepts it): account, Self, contacts, a group, chat items. */
function buildPlaintext(chatItems: number, longText: number): Uint8Array {
  const T = 1_760_000_000_000n;
  const info = encodeBackupInfo({ version: 1n, backupTimeMs: T, mediaRootBackupKey: fixedBytes(32, 20) });
  const frames: Frame[] = [
    {
      account: {
        profileKey: fixedBytes(32, 21),
        givenName: 'Vector',
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
  const contacts = 3;
  const aci = (i: number) => {
    const u = fixedBytes(16, 30 + i);
    u[6] = (u[6]! & 0x0f) | 0x40;
    u[8] = (u[8]! & 0x3f) | 0x80;
    return u;
  };
  for (let i = 0; i < contacts; i++) {
    frames.push({
      recipient: {
        id: BigInt(2 + i),
        contact: {
          aci: aci(i),
          e164: BigInt(15550100 + i),
          profileKey: fixedBytes(32, 40 + i),
          registered: {},
          profileGivenName: `Contact ${i}`,
        },
      },
    });
  }
  frames.push({
    recipient: {
      id: 100n,
      group: {
        masterKey: fixedBytes(32, 50),
        snapshot: {
          title: { title: 'Vector group' },
          members: [0, 1, 2].map((i) => ({ userId: aci(i), role: 1 })),
        },
      },
    },
  });
  for (let i = 0; i < contacts; i++) frames.push({ chat: { id: BigInt(1 + i), recipientId: BigInt(2 + i) } });
  frames.push({ chat: { id: 10n, recipientId: 100n } });
  const words = 'the quick brown fox jumps over a lazy dog while signal backs up every message it can'.split(' ');
  let t = T - 86_400_000n;
  for (let i = 0; i < chatItems; i++) {
    t += BigInt(1000 + ((i * 7919) % 60_000));
    const chat = i % 4;
    const out = i % 3 === 0;
    let body = '';
    for (let w = 0; w < 3 + ((i * 31) % 40); w++) body += `${words[(i * 13 + w * 7) % words.length]} `;
    if (i === Math.floor(chatItems / 3)) body = 'long message: '.padEnd(longText, 'abcdefghij0123456789');
    const author = chat === 3 ? BigInt(2 + (i % contacts)) : BigInt(2 + chat);
    frames.push({
      chatItem: {
        chatId: chat === 3 ? 10n : BigInt(1 + chat),
        authorId: out ? 1n : author,
        dateSent: t,
        ...(out
          ? {
              outgoing: {
                dateReceived: t + 5n,
                sendStatus:
                  chat === 3 ? [] : [{ recipientId: author, timestamp: t + 900n, delivered: { sealedSender: true } }],
              },
            }
          : { incoming: { dateReceived: t + 900n, dateServerSent: t + 400n, read: true, sealedSender: true } }),
        standardMessage: {
          text: { body },
          ...(i % 5 === 1
            ? { reactions: [{ emoji: '👍', authorId: 1n, sentTimestamp: t + 1000n, sortOrder: 1n }] }
            : {}),
        },
      },
    });
  }
  return joinDelimited([info, ...frames.map(encodeFrame)]);
}

/** Independent check: node:crypto and node:zlib open `file` to `plaintext`, or the generator stops. */
function crossCheck(what: string, file: Uint8Array, bodyOffset: number, key: SplitKey, plaintext: Uint8Array) {
  const body = file.subarray(bodyOffset);
  const tag = createHmac('sha256', key.hmacKey)
    .update(body.subarray(0, body.length - 32))
    .digest();
  if (!tag.equals(Buffer.from(body.subarray(body.length - 32)))) throw new Error(`${what}: MAC does not verify`);
  const d = createDecipheriv('aes-256-cbc', key.aesKey, body.subarray(0, 16));
  const padded = Buffer.concat([d.update(body.subarray(16, body.length - 32)), d.final()]);
  const got = gunzipSync(padded.subarray(0, gzipEnd(padded)));
  if (sha256(got) !== sha256(plaintext)) throw new Error(`${what}: node:zlib gives another plaintext`);
}

/** End of the first gzip member in `padded` (zlib's gunzip would read a second member). */
function gzipEnd(padded: Uint8Array): number {
  const flags = padded[3]!;
  let o = 10;
  if (flags & 4) o += 2 + (padded[o]! | (padded[o + 1]! << 8));
  if (flags & 8) o = padded.indexOf(0, o) + 1;
  if (flags & 16) o = padded.indexOf(0, o) + 1;
  if (flags & 2) o += 2;
  const r = inflateRawSync(padded.subarray(o), { info: true }) as unknown as { engine: { bytesWritten: number } };
  return o + r.engine.bytesWritten + 8;
}

/** `IV || AES-256-CBC(plaintext) || HMAC` with a valid MAC, PKCS#7 optional (hand-built cases). */
function seal(plain: Uint8Array, key: SplitKey, iv: Uint8Array, pkcs7 = true): Uint8Array {
  const c = createCipheriv('aes-256-cbc', key.aesKey, iv).setAutoPadding(pkcs7);
  const body = concatBytes(iv, c.update(plain), c.final());
  return concatBytes(body, createHmac('sha256', key.hmacKey).update(body).digest());
}

/** One gzip member of `data` at level 0 (the core's stored blocks); `finish` false leaves it open. */
function gzipStored(data: Uint8Array, finish = true): Uint8Array {
  const parts: Uint8Array[] = [];
  const gz = new GzipWriter(pureBackend, 0, (c) => parts.push(c.slice()));
  gz.write(data);
  if (finish) gz.finish();
  else gz.flush();
  return concatBytes(...parts);
}

function flip(b: Uint8Array, at: number): Uint8Array {
  const c = b.slice();
  c[at]! ^= 0x01;
  return c;
}

/** Messages wholly inside the first `n` plaintext bytes. */
function messagesWithin(plaintext: Uint8Array, n: number): number {
  let count = 0;
  for (let pos = 0; pos < plaintext.length; ) {
    const v = readVarint32(plaintext, pos);
    if (!v.ok || v.next + v.value > n) break;
    pos = v.next + v.value;
    count++;
  }
  return count;
}

export async function generate(): Promise<Record<string, string>> {
  const plaintexts = { small: buildPlaintext(6, 40), chat: buildPlaintext(300, 12_000) };
  const header = encodeModernHeader(METADATA);
  const account = {
    description:
      'keys.legacy / keys.modern are the MessageBackupKey (HMAC key, AES key) derived from recoveryKey and aci, without and with forwardSecrecyToken',
    recoveryKey: RECOVERY_KEY,
    aci: ACI,
    forwardSecrecyToken: toHex(TOKEN),
    encSalt: toHex(ENC_SALT),
    pwSalt: toHex(PW_SALT),
    metadataIv: toHex(METADATA_IV),
    metadata: toHex(METADATA),
    keys: {
      legacy: { hmacKey: toHex(KEYS.legacy.hmacKey), aesKey: toHex(KEYS.legacy.aesKey) },
      modern: { hmacKey: toHex(KEYS.modern.hmacKey), aesKey: toHex(KEYS.modern.aesKey) },
    },
  };
  const common = {
    ...account,
    plaintexts: Object.fromEntries(Object.entries(plaintexts).map(([k, v]) => [k, toHex(v)])),
  };

  /** Writes with our writer, then cross-checks with node:crypto + node:zlib. */
  async function write(
    what: string,
    name: keyof typeof plaintexts,
    layout: 'legacy' | 'modern',
    options: Omit<EncryptBackupOptions, 'key'>,
  ) {
    const [info, ...frames] = splitDelimited(plaintexts[name]);
    const file = await encryptBackup(info!, frames, {
      key: KEYS[layout],
      ...(layout === 'modern' ? { metadata: METADATA } : {}),
      ...options,
    });
    crossCheck(what, file, layout === 'modern' ? header.length : 0, KEYS[layout], plaintexts[name]);
    return file;
  }

  // Byte-exact encryption at level 0.
  const encrypt = [];
  const encryptSpecs = [
    {
      description: 'legacy, randomized padding',
      plaintext: 'small',
      layout: 'legacy',
      padding: 'randomized',
      normalDraw: 0,
    },
    {
      description: 'modern, randomized padding',
      plaintext: 'small',
      layout: 'modern',
      padding: 'randomized',
      normalDraw: 0.5,
    },
    { description: 'legacy, no padding', plaintext: 'small', layout: 'legacy', padding: 'none' },
    {
      description: 'modern, bucketed padding (before 2026)',
      plaintext: 'small',
      layout: 'modern',
      padding: 'bucketed',
    },
    {
      description: 'chat items over several blocks, randomized',
      plaintext: 'chat',
      layout: 'modern',
      padding: 'randomized',
      normalDraw: -1.25,
    },
    { description: 'chat items, no padding', plaintext: 'chat', layout: 'legacy', padding: 'none' },
    {
      description: 'chat items, estimated total length 4 MB (longer blocks)',
      plaintext: 'chat',
      layout: 'legacy',
      padding: 'randomized',
      normalDraw: 2,
      estimatedTotalLength: 4_000_000,
    },
  ] as const;
  for (const [i, spec] of encryptSpecs.entries()) {
    const iv = fixedBytes(16, 100 + i);
    const normalDraw = 'normalDraw' in spec ? spec.normalDraw : undefined;
    const estimatedTotalLength = 'estimatedTotalLength' in spec ? spec.estimatedTotalLength : undefined;
    const file = await write(spec.description, spec.plaintext, spec.layout, {
      level: 0,
      iv,
      padding: spec.padding,
      ...(normalDraw === undefined ? {} : { normal: () => normalDraw }),
      ...(estimatedTotalLength === undefined ? {} : { estimatedTotalLength }),
    });
    // The padded gzip stream, for implementers chasing a difference.
    const bodyOffset = spec.layout === 'modern' ? header.length : 0;
    const body = file.subarray(bodyOffset);
    const d = createDecipheriv('aes-256-cbc', KEYS[spec.layout].aesKey, body.subarray(0, 16));
    const padded = Buffer.concat([d.update(body.subarray(16, body.length - 32)), d.final()]);
    const compressedLength = gzipEnd(padded);
    encrypt.push({
      description: spec.description,
      plaintext: spec.plaintext,
      layout: spec.layout,
      level: 0,
      iv: toHex(iv),
      padding: spec.padding,
      ...(normalDraw === undefined ? {} : { normalDraw }),
      ...(estimatedTotalLength === undefined ? {} : { estimatedTotalLength }),
      compressedLength,
      compressedSha256: sha256(padded.subarray(0, compressedLength)),
      paddingLength: padded.length - compressedLength,
      fileLength: file.length,
      fileSha256: sha256(file),
      ...(file.length <= 4096 ? { file: toHex(file) } : {}),
    });
  }

  // Files every reader must open (level 6, two compressors, hand-built variants).
  const decrypt: object[] = [];
  const add = (
    description: string,
    plaintext: keyof typeof plaintexts,
    layout: 'legacy' | 'modern',
    file: Uint8Array,
    extra: object,
  ) => {
    const m = splitDelimited(plaintexts[plaintext]);
    decrypt.push({
      description,
      plaintext,
      layout,
      file: toHex(file),
      expected: {
        plaintextSha256: sha256(plaintexts[plaintext]),
        frameCount: m.length - 1,
        backupInfoLength: m[0]!.length,
        ...extra,
      },
    });
  };
  const padded = (p: { paddingLength: number; nonZeroPaddingBytes: number }) => p;
  for (const [i, [backend, layout, padding]] of (
    [
      [pureBackend, 'legacy', 'none'],
      [pureBackend, 'modern', 'bucketed'],
      [nodeBackend, 'legacy', 'bucketed'],
      [nodeBackend, 'modern', 'none'],
    ] as const
  ).entries()) {
    const compressor = backend === pureBackend ? 'fflate' : 'zlib';
    const file = await write(`decrypt ${i}`, 'chat', layout, {
      level: 6,
      iv: fixedBytes(16, 200 + i),
      padding,
      backend,
    });
    const trailer = await trailerOf(file, layout, KEYS[layout]);
    add(`level 6 by ${compressor}, ${layout}, ${padding} padding`, 'chat', layout, file, padded(trailer));
  }
  {
    const file = await write('randomized', 'small', 'modern', {
      level: 6,
      iv: fixedBytes(16, 210),
      normal: () => 0.1,
      backend: nodeBackend,
    });
    add(
      'level 6 by zlib, modern, randomized padding (64 KiB floor)',
      'small',
      'modern',
      file,
      padded(await trailerOf(file, 'modern', KEYS.modern)),
    );
  }
  const small = plaintexts.small;
  const member = gzipStored(small);
  {
    const junk = fixedBytes(40, 220);
    const file = seal(concatBytes(member, junk), KEYS.legacy, fixedBytes(16, 221));
    let nonZero = 0;
    for (const b of junk) if (b !== 0) nonZero++;
    add('non-zero bytes after the gzip member (ignored, reported)', 'small', 'legacy', file, {
      paddingLength: junk.length,
      nonZeroPaddingBytes: nonZero,
    });
  }
  {
    // FNAME "backup\0" and an mtime: flags 0x08.
    const named = concatBytes(
      Uint8Array.of(0x1f, 0x8b, 8, 0x08, 1, 2, 3, 4, 0, 3),
      utf8('backup\0'),
      member.subarray(10),
    );
    const file = seal(named, KEYS.legacy, fixedBytes(16, 222));
    add('gzip header with a file name and an mtime', 'small', 'legacy', file, {
      paddingLength: 0,
      nonZeroPaddingBytes: 0,
    });
  }
  {
    const second = gzipStored(utf8('a second member is never read'));
    const file = seal(concatBytes(member, second), KEYS.legacy, fixedBytes(16, 223));
    let nonZero = 0;
    for (const b of second) if (b !== 0) nonZero++;
    add('a second gzip member after the first (ignored, reported as padding)', 'small', 'legacy', file, {
      paddingLength: second.length,
      nonZeroPaddingBytes: nonZero,
    });
  }

  // Negative cases.
  const negative: object[] = [];
  const bad = (
    description: string,
    key: 'legacy' | 'modern',
    file: Uint8Array,
    error: string,
    mayRelease = 0,
    options?: object,
  ) => negative.push({ description, key, file: toHex(file), error, mayRelease, ...(options ? { options } : {}) });
  const legacy = await write('negative base', 'small', 'legacy', {
    level: 0,
    iv: fixedBytes(16, 300),
    padding: 'none',
  });
  const modern = await write('negative base', 'small', 'modern', {
    level: 0,
    iv: fixedBytes(16, 301),
    padding: 'none',
  });
  const all = splitDelimited(small).length;
  const sealedIv = fixedBytes(16, 302);
  const sealed = (p: Uint8Array, pkcs7 = true) => seal(p, KEYS.legacy, sealedIv, pkcs7);

  bad('empty file', 'legacy', new Uint8Array(0), 'NOT_A_BACKUP');
  bad('40 bytes, no header', 'legacy', legacy.subarray(0, 40), 'NOT_A_BACKUP');
  const v2 = modern.slice();
  v2[7] = 2;
  bad('magic with version 2', 'modern', v2, 'UNSUPPORTED_VERSION');
  bad(
    'ends inside the metadata length',
    'modern',
    concatBytes(header.subarray(0, 8), Uint8Array.of(0x80)),
    'TRUNCATED',
  );
  bad('ends inside the metadata', 'modern', modern.subarray(0, header.length - 10), 'TRUNCATED');
  bad(
    'metadata length over 64 KiB',
    'modern',
    concatBytes(header.subarray(0, 8), encodeVarint(200_000), modern.subarray(header.length)),
    'INVALID_METADATA',
  );
  const garbled = modern.slice();
  garbled.fill(0xff, header.length - METADATA.length, header.length);
  bad('metadata is not a MetadataPb', 'modern', garbled, 'INVALID_METADATA');
  const tagFlip = modern.slice();
  tagFlip[header.length - METADATA.length] = 0x12; // field 1 (pair) -> field 2 (iv): no pair left
  bad('metadata field tag changed (no pair)', 'modern', tagFlip, 'INVALID_METADATA');
  const lenFlip = modern.slice();
  lenFlip[8]! += 1; // metadata one byte longer: the IV's first byte is read as metadata
  bad('metadata length one too long', 'modern', lenFlip, 'INVALID_METADATA');
  bad(
    'metadata length is not a varint32 (6 bytes)',
    'modern',
    concatBytes(
      header.subarray(0, 8),
      Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
      modern.subarray(header.length),
    ),
    'INVALID_METADATA',
  );
  // Hand-built headers in front of the valid modern body (the MAC does not cover the header).
  const withMetadata = (m: Uint8Array) =>
    concatBytes(header.subarray(0, 8), encodeVarint(m.length), m, modern.subarray(header.length));
  const pairField = METADATA.subarray(0, METADATA.length - 14); // 0a 54 {ct, pw_salt}
  const ivField = METADATA.subarray(METADATA.length - 14); // 12 0c iv
  bad('metadata without an iv', 'modern', withMetadata(pairField), 'INVALID_METADATA');
  bad(
    'metadata with an 11-byte iv',
    'modern',
    withMetadata(concatBytes(pairField, encodeBytesField(2, METADATA_IV.subarray(0, 11)))),
    'INVALID_METADATA',
  );
  bad(
    'metadata with three pairs',
    'modern',
    withMetadata(concatBytes(pairField, pairField, pairField, ivField)),
    'INVALID_METADATA',
  );
  const shortCt = encodeBytesField(
    1,
    concatBytes(encodeBytesField(1, fixedBytes(47, 15)), encodeBytesField(2, PW_SALT)),
  );
  bad('metadata pair with a 47-byte ct', 'modern', withMetadata(concatBytes(shortCt, ivField)), 'INVALID_METADATA');
  bad('modern body cut to 40 bytes', 'modern', modern.subarray(0, header.length + 40), 'TRUNCATED');
  bad('flipped IV byte', 'legacy', flip(legacy, 5), 'MAC_MISMATCH');
  bad('flipped first ciphertext byte', 'legacy', flip(legacy, 16), 'MAC_MISMATCH');
  bad('flipped last ciphertext byte', 'modern', flip(modern, modern.length - 33), 'MAC_MISMATCH');
  bad('flipped MAC byte', 'legacy', flip(legacy, legacy.length - 1), 'MAC_MISMATCH');
  bad(
    'wrong key (no forward-secrecy token for a modern file)',
    'legacy',
    modern.subarray(header.length),
    'MAC_MISMATCH',
  );
  bad('wrong key (a token for a legacy file)', 'modern', legacy, 'MAC_MISMATCH');
  bad('truncated by one byte', 'legacy', legacy.subarray(0, legacy.length - 1), 'TRUNCATED');
  bad('truncated by 17 bytes', 'modern', modern.subarray(0, modern.length - 17), 'TRUNCATED');
  bad('MAC missing (last 32 bytes cut)', 'legacy', legacy.subarray(0, legacy.length - 32), 'MAC_MISMATCH');
  bad(
    'last cipher block dropped',
    'legacy',
    concatBytes(legacy.subarray(0, legacy.length - 48), legacy.subarray(legacy.length - 32)),
    'MAC_MISMATCH',
  );
  bad('legacy file behind a modern header', 'modern', concatBytes(header, legacy), 'MAC_MISMATCH');
  // Valid MAC, bad content: a reader may release the messages before the damage.
  bad(
    'bad PKCS#7 padding (last byte 0)',
    'legacy',
    sealed(concatBytes(member, new Uint8Array(16 - (member.length % 16))), false),
    'BAD_PADDING',
    all,
  );
  const pad3 = concatBytes(member, new Uint8Array(16 - (member.length % 16)));
  pad3[pad3.length - 1] = 3;
  pad3[pad3.length - 2] = 3;
  pad3[pad3.length - 3] = 4;
  bad('bad PKCS#7 padding (03 03 after 04)', 'legacy', sealed(pad3, false), 'BAD_PADDING', all);
  bad('not gzip (the plaintext itself)', 'legacy', sealed(small), 'DECOMPRESSION_FAILED');
  bad(
    'gzip with an unknown method',
    'legacy',
    sealed(concatBytes(Uint8Array.of(0x1f, 0x8b, 7), member.subarray(3))),
    'DECOMPRESSION_FAILED',
  );
  bad(
    'invalid DEFLATE block type',
    'legacy',
    sealed(concatBytes(member.subarray(0, 10), Uint8Array.of(0x07, 0, 0, 0))),
    'DECOMPRESSION_FAILED',
  );
  const crc = member.slice();
  crc[crc.length - 8]! ^= 0xff;
  bad('CRC-32 mismatch', 'legacy', sealed(crc), 'DECOMPRESSION_FAILED', all);
  const isize = member.slice();
  isize[isize.length - 4]! ^= 0x01;
  bad('ISIZE mismatch', 'legacy', sealed(isize), 'DECOMPRESSION_FAILED', all);
  bad('gzip trailer missing', 'legacy', sealed(member.subarray(0, member.length - 8)), 'DECOMPRESSION_FAILED', all);
  bad('DEFLATE stream without a final block', 'legacy', sealed(gzipStored(small, false)), 'DECOMPRESSION_FAILED', all);
  bad(
    'decompresses beyond maxDecompressedBytes',
    'legacy',
    sealed(member),
    'LIMIT_EXCEEDED',
    messagesWithin(small, 200),
    {
      maxDecompressedBytes: 200,
    },
  );
  const info = splitDelimited(small)[0]!;
  const infoPart = concatBytes(encodeVarint(info.length), info);
  bad(
    'frame length above the default maxFrameBytes (16 MiB)',
    'legacy',
    sealed(gzipStored(concatBytes(infoPart, encodeVarint(2 ** 25), utf8('xyz')))),
    'FRAME_TOO_LARGE',
    1,
  );
  const underLimit = splitDelimited(small).findIndex((m) => m.length > 60);
  bad('frame above a custom maxFrameBytes', 'legacy', sealed(member), 'FRAME_TOO_LARGE', underLimit, {
    maxFrameBytes: 60,
  });
  bad(
    'length prefix is not a varint32',
    'legacy',
    sealed(gzipStored(concatBytes(infoPart, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01)))),
    'INVALID_VARINT',
    1,
  );
  bad(
    'plaintext ends inside a frame',
    'legacy',
    sealed(gzipStored(concatBytes(infoPart, encodeVarint(10), utf8('abc')))),
    'TRUNCATED_FRAME',
    1,
  );
  bad(
    'plaintext ends inside a length prefix',
    'legacy',
    sealed(gzipStored(concatBytes(infoPart, Uint8Array.of(0x80)))),
    'TRUNCATED_FRAME',
    1,
  );
  bad('empty gzip member (no BackupInfo)', 'legacy', sealed(gzipStored(new Uint8Array(0))), 'EMPTY_INPUT');

  const note = 'sbackup container vectors; see vectors/README.md (container section). Byte strings are hex.';
  return {
    'container/encrypt.json': json({ note, source: 'sbackup', ...common, cases: encrypt }),
    'container/decrypt.json': json({ note, source: 'sbackup', ...common, cases: decrypt }),
    'container/negative.json': json({ note, source: 'sbackup', ...account, cases: negative }),
  };
}

/** Trailer (padding after the gzip member) of a file, found with node:zlib. */
async function trailerOf(file: Uint8Array, layout: 'legacy' | 'modern', key: SplitKey) {
  const body = file.subarray(layout === 'modern' ? encodeModernHeader(METADATA).length : 0);
  const d = createDecipheriv('aes-256-cbc', key.aesKey, body.subarray(0, 16));
  const padded = Buffer.concat([d.update(body.subarray(16, body.length - 32)), d.final()]);
  const end = gzipEnd(padded);
  let nonZero = 0;
  for (let i = end; i < padded.length; i++) if (padded[i] !== 0) nonZero++;
  return { paddingLength: padded.length - end, nonZeroPaddingBytes: nonZero };
}
