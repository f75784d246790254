/**
 * vectors/keys.json: known answers for the key hierarchy. Two kinds of cases:
 * - `source: "reference"`: expected values that are libsignal's own test constants or were computed
 *   with libsignal-client 0.103.0 (except the forward-secrecy helpers, see below). The generator checks
 *   our derivation against them and refuses to write vectors if one differs.
 * - `source: "sbackup"`: further cases from fixed inputs, computed by sbackup and cross-checked
 *   against libsignal-client by `npm run test:interop` (test/interop/keys.test.ts).
 */

import {
  deriveBackupId,
  deriveBackupKey,
  deriveLocalMetadataKey,
  deriveMediaEncryptionKey,
  deriveMediaId,
  deriveMessageBackupKey,
  deriveSvrKey,
  deriveThumbnailTransitKey,
} from '../../src/keys/hierarchy.js';
import { deriveBackupIdKeyPair } from '../../src/keys/backupIdKeyPair.js';
import {
  deriveForwardSecrecyEncryptionKey,
  deriveForwardSecrecyPassword,
  createBackupMetadata,
  encryptForwardSecrecyToken,
} from '../../src/keys/forwardSecrecy.js';
import { encodeBackupMetadata } from '../../src/keys/metadata.js';
import { fromHex, toHex } from '../../src/internal/bytes.js';

/** Every value of one recovery-key case, hex. */
export interface KeyCase {
  source: 'reference' | 'sbackup';
  comment: string;
  recoveryKey: string;
  aci: string;
  forwardSecrecyToken?: string;
  mediaName: string;
  /** Media root key used for the media values (hex). */
  mediaRootKey: string;
  expected: Record<string, string>;
}

function derive(c: Omit<KeyCase, 'expected' | 'source' | 'comment'>): Record<string, string> {
  const bk = deriveBackupKey(c.recoveryKey);
  const id = deriveBackupId(bk, c.aci);
  const pair = deriveBackupIdKeyPair(bk, c.aci);
  const legacy = deriveMessageBackupKey(bk, id);
  const root = fromHex(c.mediaRootKey);
  const mediaId = deriveMediaId(root, c.mediaName);
  const media = deriveMediaEncryptionKey(root, mediaId);
  const thumb = deriveThumbnailTransitKey(root, mediaId);
  const out: Record<string, string> = {
    backupKey: toHex(bk),
    svrKey: toHex(deriveSvrKey(c.recoveryKey)),
    backupId: toHex(id),
    backupIdPrivateKey: toHex(pair.privateKey),
    backupIdPublicKey: toHex(pair.publicKey),
    localMetadataKey: toHex(deriveLocalMetadataKey(bk)),
    legacyMessageBackupHmacKey: toHex(legacy.hmacKey),
    legacyMessageBackupAesKey: toHex(legacy.aesKey),
    mediaId: toHex(mediaId),
    mediaEncryptionHmacKey: toHex(media.hmacKey),
    mediaEncryptionAesKey: toHex(media.aesKey),
    thumbnailTransitHmacKey: toHex(thumb.hmacKey),
    thumbnailTransitAesKey: toHex(thumb.aesKey),
  };
  if (c.forwardSecrecyToken !== undefined) {
    const fs = deriveMessageBackupKey(bk, id, fromHex(c.forwardSecrecyToken));
    out.forwardSecrecyMessageBackupHmacKey = toHex(fs.hmacKey);
    out.forwardSecrecyMessageBackupAesKey = toHex(fs.aesKey);
  }
  return out;
}

const REF_AEP = 'dtjs858asj6tv0jzsqrsmj0ubp335pisj98e9ssnss8myoc08drhtcktyawvx45l';
const REF_ACI = '659aa5f4-a28d-fcc1-1ea1-b997537a3d95';
const M_AEP = 'm'.repeat(64);
const ONES_ACI = '11111111-1111-1111-1111-111111111111';

/**
 * libsignal test constants (rust/account-keys/src/backup.rs, rust/message-backup/src/key.rs) and further
 * values of the same inputs computed with libsignal-client 0.103.0 (docs/format.md §2).
 */
const referenceCases: KeyCase[] = [
  {
    source: 'reference',
    comment:
      'libsignal rust/account-keys backup.rs and message-backup key.rs tests; media values use the BackupKey as root',
    recoveryKey: REF_AEP,
    aci: REF_ACI,
    forwardSecrecyToken: '69207061737320746865206b6e69666520746f207468652061786f6c6f746c21',
    mediaName: 'example.jpg',
    mediaRootKey: 'ea26a2ddb5dba5ef9e34e1b8dea1f5ae7f255306a6d2d883e542306eaa9fe985',
    expected: {
      backupKey: 'ea26a2ddb5dba5ef9e34e1b8dea1f5ae7f255306a6d2d883e542306eaa9fe985',
      svrKey: 'cdfecb856b148ca1c7f7557904f1ec698d0ccc4d4d68ed4c58c74a21e5c1c6c1',
      backupId: '8a624fbc45379043f39f1391cddc5fe8',
      backupIdPrivateKey: 'c882d00bb68fff92c5c691ad8626881851d2e54e32e42068096a8ac6d1156d5c',
      backupIdPublicKey: '05983908902917463daece6034ca599c6b3bfc9752aa1cc0bba1f7ed540c385a36',
      localMetadataKey: '68a14417a1167e55fdb17b24fb223b34752ba4d2bb6294c991acaebf4ec90472',
      legacyMessageBackupHmacKey: 'f425e22a607c529717e1e1b29f9fe139f9d1c7e7d01e371c7753c544a3026649',
      legacyMessageBackupAesKey: 'e143f4ad5668d8bfed2f88562f0693f53bda2c0e55c9d71730f30e24695fd6df',
      forwardSecrecyMessageBackupHmacKey: '20e6ab57b87e051f3e695e953cf8a261dd307e4f92ae2921673f1d397e07887b',
      forwardSecrecyMessageBackupAesKey: '602af6ecfc09d695a8d58da9f18225e967979c5e03543ca0224a03cca3d9735e',
      mediaId: '239cada7829564eb551a51aab15ebe',
      mediaEncryptionHmacKey: '3f5d446dcb6a859bdeade4ce444c401c759c5f1fa447e8d6924b84d9318fe0d3',
      mediaEncryptionAesKey: '4946528194667ca4e32d5fc800e30c66dd2d27d5ded353e58dabc7d57541765d',
      thumbnailTransitHmacKey: 'db84ac0f37bf0be80de0ff57858652d4e5b2094770287f74c552090f49a2d2dd',
      thumbnailTransitAesKey: 'bd41a34f6dccbfc1548b4b073d28704c52555328065e06d22c231b186b2787b8',
    },
  },
  {
    source: 'reference',
    comment: "libsignal's test-suite identity (AEP 'm' x 64, ACI 0x11 x 16, token 0xAB x 32); media root = BackupKey",
    recoveryKey: M_AEP,
    aci: ONES_ACI,
    forwardSecrecyToken: 'ab'.repeat(32),
    mediaName: 'example.jpg',
    mediaRootKey: '2afc757bc8e86cc317848227ab79c41298d6b0688c5f40960c600966512bd736',
    expected: {
      backupKey: '2afc757bc8e86cc317848227ab79c41298d6b0688c5f40960c600966512bd736',
      svrKey: '9a9ea8daf31741256062f3d5164b65483858f32b204dfd35debf0eb67c5097bc',
      backupId: '687b4288aab129fd7dcb3941aa3c7e39',
      backupIdPrivateKey: '8029569e8426e85670a41ac329289e40f6fde1b5cb4fb15d9107e58211171448',
      backupIdPublicKey: '0598cfac6597af26cedaeabcbecc363102c9657ba38201bc73a423468c0d99f10e',
      localMetadataKey: '20884234981424a367a6d9d1c02b32fedff3fe03601fc038f3c6b39a747f28d6',
      legacyMessageBackupHmacKey: 'bfb00e1f5fb1db5e59fef8f9b11deb32cf75a7344a0b909f9ebbb3c0a31461a7',
      legacyMessageBackupAesKey: '0127f5d81d408be7a96de0217db1b03f3d5be252f5654470d476d39249269d40',
      forwardSecrecyMessageBackupHmacKey: '2eab8fb5febbf4260ecc384187d6b2888f79761a4175c2b944c2396b3636fb26',
      forwardSecrecyMessageBackupAesKey: 'e7a2e4554a85a0cf31efaff560fb7870bcb0bf6bafaae13289e0139215ffcb80',
      mediaId: 'd3c75a1d96d0b276fb203d6e242eda',
    },
  },
];

/**
 * MessageBackupKey cases given as (BackupKey, BackupId): the inputs of libsignal node/ts/test/MessageBackupTest.ts,
 * outputs computed with libsignal-client 0.103.0.
 */
const messageKeyCases = [
  {
    source: 'reference',
    backupKey: 'ba'.repeat(32),
    backupId: '1d'.repeat(16),
    expected: {
      hmacKey: 'e6cc4bd7475a2c33fe65aa1ff0983dd1cc71f73ea8f2c054d8d1e2febf9d192d',
      aesKey: 'e1004b545bfda870505144dc537aa3b19fc7a47423ad6351102bffc14c3da7c0',
    },
  },
  {
    source: 'reference',
    backupKey: 'ba'.repeat(32),
    backupId: '1d'.repeat(16),
    forwardSecrecyToken: 'bf'.repeat(32),
    expected: {
      hmacKey: '0faa8bb0b725bff1c2468cd32859f73d00ed9a734e5928c2d2657507438d3d2f',
      aesKey: 'e6c1384049ac1b9c8f6f2790b55fb6be67a77ee48b088c43c429e63834dd0810',
    },
  },
];

/**
 * Forward-secrecy helper values, computed from the formulas of docs/format.md §2-§3 by an implementation
 * independent of sbackup: libsignal exposes no API for them, so they are not libsignal-checked.
 */
const forwardSecrecyCases = {
  source: 'reference',
  backupKey: '2afc757bc8e86cc317848227ab79c41298d6b0688c5f40960c600966512bd736',
  password: { pwSalt: '02'.repeat(32), expected: '4e5d8547194aa8f5a872fc9a6f3b2df4d58516acb325a1a2f953cbfd51c14ed4' },
  encryptionKey: {
    encSalt: '01'.repeat(32),
    expectedCipherKey: '1a9277b8307b2e620f379b89af87ea29e5fe31db61043d8eb58e796ef8e006fc',
    expectedHmacKey: '058f009a99f9ca7167f44cf6f13dddc69f350c3baa082f153fe5002b2253cacb',
  },
  tokenPair: {
    encSalt: '01'.repeat(32),
    iv: '03'.repeat(12),
    token: 'ab'.repeat(32),
    expectedCt: 'fe5c2a2ac5ac2075a5a0df03b9ebe44cfc8d1f2c6acb32d8a1500e978cc7116e01f2590cd63bb79b8f5455697a5741da',
  },
};

/** Fixed inputs for further cases (checked against libsignal-client by the interop suite). */
const ownInputs: Omit<KeyCase, 'expected' | 'source' | 'comment'>[] = [
  {
    recoveryKey: '0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqr',
    aci: '00000000-0000-0000-0000-000000000000',
    forwardSecrecyToken: '00'.repeat(32),
    mediaName: '',
    mediaRootKey: '00'.repeat(32),
  },
  {
    recoveryKey: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz',
    aci: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    forwardSecrecyToken: 'ff'.repeat(32),
    mediaName: `${'ab'.repeat(32)}${'cd'.repeat(64)}_thumbnail`,
    mediaRootKey: 'ff'.repeat(32),
  },
  {
    recoveryKey: '9'.repeat(64),
    aci: 'a1b2c3d4-e5f6-4789-8abc-def012345678',
    mediaName: 'photo 📷 ünïcode.jpg',
    mediaRootKey: '5a'.repeat(32),
  },
];

export async function generate(): Promise<Record<string, string>> {
  for (const c of referenceCases) {
    const got = derive(c);
    for (const [k, v] of Object.entries(c.expected)) {
      if (got[k] !== v)
        throw new Error(`reference vector ${c.recoveryKey.slice(0, 4)}… ${k}: expected ${v}, derived ${got[k]}`);
    }
    c.expected = got;
  }
  for (const m of messageKeyCases) {
    const k = deriveMessageBackupKey(
      fromHex(m.backupKey),
      fromHex(m.backupId),
      m.forwardSecrecyToken ? fromHex(m.forwardSecrecyToken) : undefined,
    );
    if (toHex(k.hmacKey) !== m.expected.hmacKey || toHex(k.aesKey) !== m.expected.aesKey)
      throw new Error('message key reference mismatch');
  }
  const bk = fromHex(forwardSecrecyCases.backupKey);
  const fs = forwardSecrecyCases;
  if (toHex(deriveForwardSecrecyPassword(bk, fromHex(fs.password.pwSalt))) !== fs.password.expected)
    throw new Error('fs password mismatch');
  const ek = deriveForwardSecrecyEncryptionKey(bk, fromHex(fs.encryptionKey.encSalt));
  if (
    toHex(ek.cipherKey) !== fs.encryptionKey.expectedCipherKey ||
    toHex(ek.hmacKey) !== fs.encryptionKey.expectedHmacKey
  )
    throw new Error('fs key mismatch');
  const ct = encryptForwardSecrecyToken(
    bk,
    fromHex(fs.tokenPair.encSalt),
    fromHex(fs.tokenPair.iv),
    fromHex(fs.tokenPair.token),
  );
  if (toHex(ct) !== fs.tokenPair.expectedCt) throw new Error('token pair mismatch');

  const own: KeyCase[] = ownInputs.map((c) => ({
    source: 'sbackup',
    comment:
      'fixed inputs; values computed by sbackup and checked against libsignal-client in test/interop/keys.test.ts',
    ...c,
    expected: derive(c),
  }));

  // A metadata header with two pairs and a fixed nonce, as a modern file carries it.
  const metadata = createBackupMetadata(
    bk,
    fromHex('ab'.repeat(32)),
    [
      { encSalt: fromHex('01'.repeat(32)), pwSalt: fromHex('02'.repeat(32)) },
      { encSalt: fromHex('04'.repeat(32)), pwSalt: fromHex('05'.repeat(32)) },
    ],
    { iv: fromHex('03'.repeat(12)) },
  );

  const doc = {
    description:
      'Known answers for the sbackup / Signal backup key hierarchy. All values lowercase hex. See vectors/README.md.',
    recoveryKeyCases: [...referenceCases, ...own],
    messageBackupKeyCases: messageKeyCases,
    forwardSecrecy: {
      ...forwardSecrecyCases,
      metadata: {
        source: 'sbackup',
        comment:
          'two pairs (enc 01../pw 02.., enc 04../pw 05..), token ab.., iv 03..; MetadataPb bytes without the varint length',
        encoded: toHex(encodeBackupMetadata(metadata)),
      },
    },
  };
  return { 'keys.json': `${JSON.stringify(doc, null, 2)}\n` };
}
