/**
 * vectors/zk/*.json: known answers for the hosted-backup cryptography.
 * - `sho.json`: poksho's ShoHmacSha256 / ShoSha256 test vectors, poksho's "complex statement"
 *   proof and zkcredential's system points, all copied from libsignal's own tests
 *   (`rust/poksho/src/shohmacsha256.rs`, `shosha256.rs`, `statement.rs`,
 *   `rust/zkcredential/src/credentials.rs`). sbackup must reproduce each one or nothing is written.
 * - `credential.json`: BackupAuthCredential cases on libsignal's test inputs (key 0x42 x 32, ACI
 *   c0fc16e4-..., randomness 0xA0 / 0xA1 / 0xA2, day 1681344000) and a few more fixed inputs. The
 *   server side (params, responses) is made by libsignal-client 0.103.0; every client value is
 *   computed both by libsignal-client and by sbackup, and the generator refuses to write when they
 *   differ or when libsignal's server does not verify sbackup's presentation. Negative cases must
 *   be refused by both (except the ones marked `libsignalAccepts`).
 * - `xeddsa.json`: libsignal's signature test vector, and deterministic sbackup signatures that
 *   libsignal's `PublicKey.verify` accepts (checked here).
 * Node-only (the oracle is native); the vectors test reads the files in Node and in Chromium.
 */

import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { BASE, mul, scalarFromWide } from '../../src/hosted/group.js';
import {
  BackupAuthCredential,
  BackupAuthCredentialPresentation,
  BackupAuthCredentialRequestContext,
  BackupServerPublicParams,
  xeddsaSignWithRandom,
  xeddsaVerify,
} from '../../src/hosted/index.js';
import { Statement } from '../../src/hosted/poksho.js';
import { ShoHmacSha256, ShoSha256 } from '../../src/hosted/sho.js';
import { systemParams } from '../../src/hosted/zkcredential.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../src/internal/bytes.js';
import { deriveBackupIdKeyPair } from '../../src/keys/backupIdKeyPair.js';
import { deriveBackupKey } from '../../src/keys/hierarchy.js';
import { fixedBytes } from '../../test/helpers/prng.js';
import { libsignal } from '../../test/interop/oracle.js';
import { thrownCode } from '../../test/helpers/codes.js';

const { zkgroup: zk, ecKeys: ec } = libsignal;

const json = (x: unknown) => `${JSON.stringify(x, null, 2)}\n`;
const buf = (b: Uint8Array) => Uint8Array.from(b) as Uint8Array<ArrayBuffer>;
const fill = (byte: number, n = 32) => new Uint8Array(n).fill(byte);

function check(what: string, got: string, want: string): void {
  if (got !== want) throw new Error(`zk vectors: ${what} is ${got}, expected ${want}`);
}

// ---------------------------------------------------------------- sho.json

type ShoOp = { absorbAndRatchet: string } | { squeezeAndRatchet: number; expected?: string };

/** poksho's three test sequences, with the outputs its tests assert. */
function shoSequences(): { label: string; operations: ShoOp[]; hmac: string[]; sha: string[] }[] {
  const zeros = (n: number) => ({ absorbAndRatchet: '00'.repeat(n) });
  const long: ShoOp[] = [
    { absorbAndRatchet: toHex(utf8('abc')) },
    ...[63, 64, 65, 127, 128, 129].map(zeros),
    ...[63, 64, 65, 127, 128, 129].map((n) => ({ squeezeAndRatchet: n })),
    { absorbAndRatchet: toHex(utf8('def')) },
    { squeezeAndRatchet: 63 },
  ];
  return [
    {
      label: toHex(utf8('asd')),
      operations: [{ absorbAndRatchet: toHex(utf8('asdasd')) }, { squeezeAndRatchet: 64 }],
      hmac: [
        '392cb9449373037fa0c11aebed69cca3b7d3bc9790878f341729c65d5506442f04986cb5c9098f277c3ea640a4dc6e90372b433a90af9aea7072eaba3398c4fe',
      ],
      sha: [
        'ebe4ef29e18aa54137edd89c23f8bfeac2731c9f675da20e7c67d5ad68d7ee2d40a45232b599552d46b520082fb2705971f07b3158b072b63ab0934a05e6af64',
      ],
    },
    {
      label: toHex(utf8('asd')),
      operations: [{ absorbAndRatchet: toHex(utf8('asdasd')) }, { squeezeAndRatchet: 65 }],
      hmac: [
        '392cb9449373037fa0c11aebed69cca3b7d3bc9790878f341729c65d5506442f04986cb5c9098f277c3ea640a4dc6e90372b433a90af9aea7072eaba3398c4fe7a',
      ],
      sha: [
        'ebe4ef29e18aa54137edd89c23f8bfeac2731c9f675da20e7c67d5ad68d7ee2d40a45232b599552d46b520082fb2705971f07b3158b072b63ab0934a05e6af6448',
      ],
    },
    {
      label: '',
      operations: long,
      hmac: [
        'c5c13bcc6596c25fc4514eac9269dd6e3e57ef70f4bfb8d67fd3082ed9732d7790d8d2686f19eb2533a65c94bb8ceda0a068e1b615c81bb26e411889da9fb7',
      ],
      sha: [
        '0ddeea973f3210f7725a3cdb2473f873aeab8feb32b80dee67f0cde7954e929a4e787aefee6dbe91d3fff1621aab8d0d29194f8af986d6f357add0150df7d9',
      ],
    },
  ];
}

/** Runs `operations` and returns the output of the last squeeze. */
function runSho(construction: 'ShoHmacSha256' | 'ShoSha256', label: string, operations: ShoOp[]): string {
  const sho = construction === 'ShoHmacSha256' ? new ShoHmacSha256(fromHex(label)) : new ShoSha256(fromHex(label));
  let last = '';
  for (const op of operations) {
    if ('absorbAndRatchet' in op) sho.absorbAndRatchet(fromHex(op.absorbAndRatchet));
    else last = toHex(sho.squeezeAndRatchet(op.squeezeAndRatchet));
  }
  return last;
}

function shoFile(): string {
  const cases = [];
  for (const seq of shoSequences()) {
    for (const [construction, expected] of [
      ['ShoHmacSha256', seq.hmac[0]!],
      ['ShoSha256', seq.sha[0]!],
    ] as const) {
      const operations = seq.operations.map((op, i) =>
        i === seq.operations.length - 1 && 'squeezeAndRatchet' in op ? { ...op, expected } : op,
      );
      check(`${construction}(${seq.label})`, runSho(construction, seq.label, seq.operations), expected);
      cases.push({ source: 'reference', construction, label: seq.label, operations });
    }
  }

  // poksho statement.rs test_complex_statement.
  const block = (start: number, n = 64) => Uint8Array.from({ length: n }, (_, i) => start + i);
  const wide = { a: block(10), b: block(20), c: block(30), d: block(40), h: block(50), i: block(60) };
  const [a, b, c, d, h, i] = [wide.a, wide.b, wide.c, wide.d, wide.h, wide.i].map(scalarFromWide) as bigint[];
  const H = mul(BASE, h!);
  const I = mul(BASE, i!);
  const A = mul(BASE, a!).add(mul(H, b!)).add(mul(I, c!));
  const B = mul(H, c!).add(mul(I, d!));
  const equations: [string, [string, string][]][] = [
    [
      'A',
      [
        ['a', 'G'],
        ['b', 'H'],
        ['c', 'I'],
      ],
    ],
    [
      'B',
      [
        ['c', 'H'],
        ['d', 'I'],
      ],
    ],
  ];
  const st = new Statement();
  for (const [lhs, terms] of equations) st.add(lhs, terms);
  const randomness = block(0, 32);
  const proof = st.prove({ a: a!, b: b!, c: c!, d: d! }, { A, B, H, I }, new Uint8Array(0), randomness);
  const expectedDescription = '020103000001020203040202020303';
  const expectedProof =
    '8efc676c33e6b2d0670ed5461a507f6a4bc9153e261db80fa438f3cd80a5c909b113cc0d7990ad616d0a2fc4b831d06357a5ee5d36d44b3427c7901061180c0fb1798c51680fe21b9f98e97955b1597c49314725c1546a369328cf54daae710bfc4a9911422aa77ed6d7231de3003ba5ae9d9fd0c53ced7ad782e29b04684a07221a6ef47ce61d817f01117cf59df69ac35b5bb590f1f7b6d029717bc1a62501';
  check('poksho description', toHex(st.description()), expectedDescription);
  check('poksho proof', toHex(proof), expectedProof);

  const sys = systemParams();
  const systemHex = [sys.G_w, sys.G_wprime, sys.G_x0, sys.G_x1, sys.G_V, sys.G_z, ...sys.G_y]
    .map((p) => toHex(p.toBytes()))
    .join('');
  const expectedSystem =
    '589c8718e8263a53a78932b6212a46e7fd52de3ad157b5bb277dba494cfd3471d4cc5f90685952917b33366efcce0512a1f8d70f974758266cb04fc424346d37b20f49cb2a081c94b1771fd8c172ae21785c61ea2c7e31947ce351e7b5ff07028c5329beb87b317ffcd981e440819d91136c988d6d9fbea4a87e55ed24a5993aa02f688ab1d3bd19056f94c8a44b8faddfa3c9c79c95ad44311a7bf00e5e862ec2c399f0d689dfb8c2dc0d7caba32afcf58cf0d85f78195a0b5ab732f565595492cfd982321d1f9be4b21fe6a0214306023d6a05d0d23f67ddc1c0400e5e0a5e92d17595131b7a095e740b884b8c9bb0226a39cfd027c769c4f4677c51f21b24da81fb2bd1356a9d0650f6a63fcc90d93bd74a954ba6f75f0e9fca47a6d21734bce7b28f06b76ef2c44d20a07026534e586eb8e1038874a93e44de362ce7bc0844bffc88e390c62519e281aa6fd53ff9ddd1d9ba303cf70004278ea2ae66ce05a2749d29eba56f3efe99e42902825c473dfc3c154c3762d2e76bd103f629d250b2d9d5c243a4cf8f3be21a84f153f44e2733a105cf780a20f03d84fe1ebbeb0e';
  check('system params', systemHex, expectedSystem);

  return json({
    about:
      "Signal's stateful hash objects (poksho), one poksho proof and zkcredential's system points; every expected value is from libsignal's own tests.",
    sho: cases,
    poksho: {
      source: 'reference',
      comment: 'libsignal rust/poksho/src/statement.rs test_complex_statement',
      equations,
      scalarsFromWide: { a: toHex(wide.a), b: toHex(wide.b), c: toHex(wide.c), d: toHex(wide.d) },
      pointsAsWideScalarTimesG: { H: toHex(wide.h), I: toHex(wide.i) },
      pointsComputed: { A: 'a*G + b*H + c*I', B: 'c*H + d*I' },
      message: '',
      randomness: toHex(randomness),
      expectedDescription,
      expectedProof,
    },
    systemParams: {
      source: 'reference',
      comment:
        'libsignal rust/zkcredential/src/credentials.rs SYSTEM_HARDCODED: 13 points squeezed from ShoSha256(label), G_w, G_wprime, G_x0, G_x1, G_V, G_z, G_y0..G_y6',
      label: toHex(utf8('Signal_ZKCredential_ConstantSystemParams_generate_20230410')),
      expected: expectedSystem,
    },
  });
}

// ---------------------------------------------------------------- credential.json

const TYPES = { messages: 1, media: 2 } as const;
const L = ed25519.Point.Fn.ORDER;
const P = 2n ** 255n - 19n;

interface CaseInput {
  comment: string;
  key: Uint8Array;
  keyKind: 'backupKey' | 'mediaRootKey';
  aci: string;
  redemptionTime: number;
  level: 200 | 201;
  type: 'messages' | 'media';
  serverSecretRandomness: Uint8Array;
  issueRandomness: Uint8Array;
  presentRandomness: Uint8Array;
}

const LIBSIGNAL_TEST = {
  key: fill(0x42),
  aci: 'c0fc16e4-bae5-4343-9f0d-e7ecf4251343',
  time: 1681344000,
  serverSecret: fill(0xa0),
  issue: fill(0xa1),
  present: fill(0xa2),
};

function caseInputs(): CaseInput[] {
  const t = LIBSIGNAL_TEST;
  const common = { serverSecretRandomness: t.serverSecret, issueRandomness: t.issue, presentRandomness: t.present };
  return [
    {
      comment: "libsignal's test inputs (auth_credential.rs tests): Free, Messages",
      key: t.key,
      keyKind: 'backupKey',
      aci: t.aci,
      redemptionTime: t.time,
      level: 200,
      type: 'messages',
      ...common,
    },
    {
      comment: "libsignal's test inputs, Paid, Media",
      key: t.key,
      keyKind: 'mediaRootKey',
      aci: t.aci,
      redemptionTime: t.time,
      level: 201,
      type: 'media',
      ...common,
    },
    {
      comment: "a BackupKey from libsignal's test recovery key ('m' x 64), ACI 0x11 x 16, 2026-01-01",
      key: deriveBackupKey('m'.repeat(64)),
      keyKind: 'backupKey',
      aci: '11111111-1111-1111-1111-111111111111',
      redemptionTime: 1767225600,
      level: 201,
      type: 'messages',
      serverSecretRandomness: fixedBytes(32, 1),
      issueRandomness: fixedBytes(32, 2),
      presentRandomness: fixedBytes(32, 3),
    },
    {
      comment:
        'fixed pseudo-random media root key and ACI, day 1 (1970-01-02: day 0 never verifies, its window would start before 1970)',
      key: fixedBytes(32, 4),
      keyKind: 'mediaRootKey',
      aci: '659aa5f4-a28d-fcc1-1ea1-b997537a3d95',
      redemptionTime: 86400,
      level: 200,
      type: 'media',
      serverSecretRandomness: fixedBytes(32, 1),
      issueRandomness: fixedBytes(32, 5),
      presentRandomness: fixedBytes(32, 6),
    },
  ];
}

function libsignalRefuses(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch {
    return true;
  }
}

function patch(bytes: Uint8Array, offset: number, value: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out.set(value, offset);
  return out;
}

function u64le(v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
}

/** The canonical scalar at `offset` replaced by the same value plus l (same residue, not canonical). */
function scalarPlusL(bytes: Uint8Array, offset: number): Uint8Array {
  const k = bytesToNumberLE(bytes.subarray(offset, offset + 32));
  return patch(bytes, offset, numberToBytesLE(k + L, 32));
}

/** Three non-canonical encodings of a point at `offset`: top bit set, odd ("negative"), p itself. */
function badPoints(bytes: Uint8Array, offset: number): [string, Uint8Array][] {
  const top = bytes.slice();
  top[offset + 31]! |= 0x80;
  const odd = bytes.slice();
  odd[offset]! ^= 1;
  return [
    ['top bit set', top],
    ['odd (negative) s', odd],
    ['s = p (not reduced)', patch(bytes, offset, numberToBytesLE(P, 32))],
  ];
}

function credentialFile(): string {
  const cases = [];
  const secrets = new Map<string, InstanceType<typeof zk.GenericServerSecretParams>>();
  const secretFor = (r: Uint8Array) => {
    const k = toHex(r);
    if (!secrets.has(k)) secrets.set(k, zk.GenericServerSecretParams.generateWithRandom(buf(r)));
    return secrets.get(k)!;
  };
  let first: { ctx: BackupAuthCredentialRequestContext; response: Uint8Array; c: CaseInput } | undefined;
  let firstCredential: Uint8Array | undefined;
  let firstPresentation: Uint8Array | undefined;
  for (const c of caseInputs()) {
    const secret = secretFor(c.serverSecretRandomness);
    const pub = secret.getPublicParams();
    const theirCtx = zk.BackupAuthCredentialRequestContext.create(buf(c.key), c.aci);
    const response = theirCtx
      .getRequest()
      .issueCredentialWithRandom(c.redemptionTime, c.level, TYPES[c.type], secret, buf(c.issueRandomness));
    const theirCred = theirCtx.receive(response, c.redemptionTime, pub);
    const theirPres = theirCred.presentWithRandom(pub, buf(c.presentRandomness));

    const ctx = BackupAuthCredentialRequestContext.create(c.key, c.aci);
    const what = c.comment;
    check(`${what}: context`, toHex(ctx.serialize()), toHex(theirCtx.serialize()));
    check(`${what}: request`, toHex(ctx.getRequest()), toHex(theirCtx.getRequest().serialize()));
    const cred = ctx.receive(response.serialize(), c.redemptionTime, pub.serialize());
    check(`${what}: credential`, toHex(cred.serialize()), toHex(theirCred.serialize()));
    const pres = cred.presentWithRandom(pub.serialize(), c.presentRandomness);
    check(`${what}: presentation`, toHex(pres), toHex(theirPres.serialize()));
    new zk.BackupAuthCredentialPresentation(buf(pres)).verify(secret, new Date(c.redemptionTime * 1000));
    check(`${what}: backup id`, toHex(cred.backupId), toHex(theirCred.getBackupId()));

    if (first === undefined) {
      first = { ctx, response: response.serialize(), c };
      firstCredential = cred.serialize();
      firstPresentation = pres;
    }
    cases.push({
      source: 'libsignal',
      comment: c.comment,
      key: toHex(c.key),
      keyKind: c.keyKind,
      aci: c.aci,
      redemptionTime: c.redemptionTime,
      level: c.level,
      type: c.type,
      serverSecretRandomness: toHex(c.serverSecretRandomness),
      serverSecretParams: toHex(secret.serialize()),
      serverPublicParams: toHex(pub.serialize()),
      issueRandomness: toHex(c.issueRandomness),
      presentRandomness: toHex(c.presentRandomness),
      response: toHex(response.serialize()),
      expected: {
        backupId: toHex(theirCred.getBackupId()),
        requestContext: toHex(theirCtx.serialize()),
        request: toHex(theirCtx.getRequest().serialize()),
        credential: toHex(theirCred.serialize()),
        presentation: toHex(theirPres.serialize()),
      },
    });
  }

  // A context whose blinding scalar is zero: the request's public key is the identity (all zeros).
  const zeroCtx = patch(fromHex(cases[0]!.expected.requestContext), 81, new Uint8Array(32));
  const zeroRequest = new zk.BackupAuthCredentialRequestContext(buf(zeroCtx)).getRequest().serialize();
  check(
    'zero blinding scalar',
    toHex(BackupAuthCredentialRequestContext.deserialize(zeroCtx).getRequest()),
    toHex(zeroRequest),
  );

  // Negative cases, built from the first case.
  const { ctx, response, c } = first!;
  const pub = secretFor(c.serverSecretRandomness).getPublicParams();
  const theirCtx = zk.BackupAuthCredentialRequestContext.create(buf(c.key), c.aci);
  const negative: Record<string, unknown>[] = [];
  const addResponse = (
    description: string,
    bytes: Uint8Array,
    error: string,
    opts: { redemptionTime?: number; context?: Uint8Array; libsignalAccepts?: boolean } = {},
  ) => {
    const time = opts.redemptionTime ?? c.redemptionTime;
    const useCtx = opts.context ? BackupAuthCredentialRequestContext.deserialize(opts.context) : ctx;
    const theirs = opts.context ? new zk.BackupAuthCredentialRequestContext(buf(opts.context)) : theirCtx;
    check(
      `negative ${description}: code`,
      String(thrownCode(() => useCtx.receive(bytes, time, pub.serialize()))),
      error,
    );
    const refused = libsignalRefuses(() => theirs.receive(new zk.BackupAuthCredentialResponse(buf(bytes)), time, pub));
    check(`negative ${description}: libsignal refuses`, String(refused), String(!opts.libsignalAccepts));
    negative.push({
      description,
      object: 'response',
      bytes: toHex(bytes),
      redemptionTime: time,
      ...(opts.context ? { requestContext: toHex(opts.context) } : {}),
      error,
      ...(opts.libsignalAccepts ? { libsignalAccepts: true } : {}),
    });
  };
  addResponse('reserved byte 1', patch(response, 0, Uint8Array.of(1)), 'INVALID_CREDENTIAL');
  addResponse('backup level 202', patch(response, 9, u64le(202)), 'INVALID_CREDENTIAL');
  addResponse(
    'backup level 200 + 2^32 (not truncated to a byte)',
    patch(response, 9, u64le(200 + 2 ** 32)),
    'INVALID_CREDENTIAL',
  );
  addResponse('credential type 3', patch(response, 17, u64le(3)), 'INVALID_CREDENTIAL');
  addResponse('t not canonical (t + l)', scalarPlusL(response, 25), 'INVALID_CREDENTIAL');
  for (const [name, bytes] of badPoints(response, 57))
    addResponse(`U not canonical: ${name}`, bytes, 'INVALID_CREDENTIAL');
  for (const [name, bytes] of badPoints(response, 121))
    addResponse(`S2 not canonical: ${name}`, bytes, 'INVALID_CREDENTIAL');
  addResponse('cut by one byte', response.subarray(0, response.length - 1), 'INVALID_CREDENTIAL');
  addResponse(
    'one byte appended (libsignal-client ignores it; sbackup refuses)',
    concatBytes(response, Uint8Array.of(0)),
    'INVALID_CREDENTIAL',
    {
      libsignalAccepts: true,
    },
  );
  addResponse('proof length 255 (a byte left over)', patch(response, 153, u64le(255)), 'INVALID_CREDENTIAL');
  addResponse('proof length 2^40 (beyond the data)', patch(response, 153, u64le(2 ** 40)), 'INVALID_CREDENTIAL');
  const flipped = response.slice();
  flipped[200]! ^= 0x01;
  addResponse('a proof byte flipped', flipped, 'VERIFICATION_FAILED');
  addResponse('proof challenge not canonical (challenge + l)', scalarPlusL(response, 161), 'VERIFICATION_FAILED');
  addResponse(
    't changed (a canonical scalar, the wrong one)',
    patch(response, 25, numberToBytesLE(bytesToNumberLE(response.subarray(25, 57)) ^ 1n, 32)),
    'VERIFICATION_FAILED',
  );
  addResponse('expected the next day', response, 'VERIFICATION_FAILED', { redemptionTime: c.redemptionTime + 86400 });
  const offDay = theirCtx
    .getRequest()
    .issueCredentialWithRandom(
      c.redemptionTime + 3600,
      c.level,
      TYPES[c.type],
      secretFor(c.serverSecretRandomness),
      buf(c.issueRandomness),
    )
    .serialize();
  addResponse('issued for a time that is not a whole day', offDay, 'VERIFICATION_FAILED', {
    redemptionTime: c.redemptionTime + 3600,
  });
  addResponse("opened with another key's context", response, 'VERIFICATION_FAILED', {
    context: zk.BackupAuthCredentialRequestContext.create(buf(fill(0x43)), c.aci).serialize(),
  });

  const addParsed = (
    object: 'credential' | 'requestContext' | 'serverPublicParams' | 'presentation',
    description: string,
    bytes: Uint8Array,
  ) => {
    const ours = {
      credential: () => BackupAuthCredential.deserialize(bytes),
      requestContext: () => BackupAuthCredentialRequestContext.deserialize(bytes),
      serverPublicParams: () => BackupServerPublicParams.deserialize(bytes),
      presentation: () => BackupAuthCredentialPresentation.deserialize(bytes),
    }[object];
    const theirs = {
      credential: () => new zk.BackupAuthCredential(buf(bytes)),
      requestContext: () => new zk.BackupAuthCredentialRequestContext(buf(bytes)),
      serverPublicParams: () => new zk.GenericServerPublicParams(buf(bytes)),
      presentation: () => new zk.BackupAuthCredentialPresentation(buf(bytes)),
    }[object];
    check(`negative ${object} ${description}: code`, String(thrownCode(ours)), 'INVALID_CREDENTIAL');
    check(`negative ${object} ${description}: libsignal refuses`, String(libsignalRefuses(theirs)), 'true');
    negative.push({ description, object, bytes: toHex(bytes), error: 'INVALID_CREDENTIAL' });
  };
  const credential = firstCredential!;
  addParsed('credential', 'reserved byte 1', patch(credential, 0, Uint8Array.of(1)));
  addParsed('credential', 'backup level 0', patch(credential, 9, u64le(0)));
  addParsed('credential', 'credential type 0', patch(credential, 17, u64le(0)));
  addParsed('credential', 't not canonical (t + l)', scalarPlusL(credential, 25));
  for (const [name, bytes] of badPoints(credential, 89)) addParsed('credential', `V not canonical: ${name}`, bytes);
  addParsed('credential', 'cut by one byte', credential.subarray(0, credential.length - 1));
  const context = fromHex(cases[0]!.expected.requestContext);
  addParsed('requestContext', 'reserved byte 1', patch(context, 0, Uint8Array.of(1)));
  for (const [name, bytes] of badPoints(context, 1)) addParsed('requestContext', `D1 not canonical: ${name}`, bytes);
  addParsed('requestContext', 'blinding scalar not canonical (y + l)', scalarPlusL(context, 81));
  addParsed('requestContext', 'cut by one byte', context.subarray(0, context.length - 1));
  const params = pub.serialize();
  addParsed('serverPublicParams', 'version 2', patch(params, 0, Uint8Array.of(2)));
  for (const [name, bytes] of badPoints(params, 1))
    addParsed('serverPublicParams', `C_W not canonical: ${name}`, bytes);
  addParsed('serverPublicParams', 'cut by one byte', params.subarray(0, params.length - 1));
  const presentation = firstPresentation!;
  addParsed('presentation', 'version 1', patch(presentation, 0, Uint8Array.of(1)));
  addParsed('presentation', 'backup level 7', patch(presentation, 1, u64le(7)));
  for (const [name, bytes] of badPoints(presentation, 25))
    addParsed('presentation', `C_x0 not canonical: ${name}`, bytes);
  addParsed('presentation', 'cut by one byte', presentation.subarray(0, presentation.length - 1));

  return json({
    about:
      'BackupAuthCredential, client side. Server params and responses by libsignal-client 0.103.0; every expected client value computed by libsignal-client and by sbackup, equal. See vectors/README.md.',
    cases,
    zeroBlindingScalar: {
      source: 'libsignal',
      comment:
        "the first case's context with its blinding scalar (bytes 81..113) zeroed: the request carries the identity as public key",
      requestContext: toHex(zeroCtx),
      expectedRequest: toHex(zeroRequest),
    },
    negative,
  });
}

// ---------------------------------------------------------------- xeddsa.json

function xeddsaFile(): string {
  // libsignal rust/core/src/curve/curve25519.rs test_signature.
  const reference = {
    source: 'reference',
    comment: 'libsignal rust/core/src/curve/curve25519.rs test_signature (made by libsignal-protocol-java)',
    privateKey: 'c097248412e58bf05df487968205132794178e367637f5818f81e0e6ce73e865',
    publicKey: `05${'ab7e717d4a163b7d9a1d8071dfe9dcf8cdcd1cea3339b6356be84d887e322c64'}`,
    message: '05edce9d9c415ca78cb7252e72c2c4a554d3eb29485a0e1d503118d1a82d99fb4a',
    signature:
      '5de88ca9a89b4a115da79109c67c9c7464a3e4180274f1cb8c63c2984e286dfbede82deb9dcd9fae0bfbb821569b3d9001bd8130cd11d486cef047bd60b86e88',
  };
  const refPub = fromHex(reference.publicKey);
  check(
    'reference public key',
    toHex(
      ec.PrivateKey.deserialize(buf(fromHex(reference.privateKey)))
        .getPublicKey()
        .serialize(),
    ),
    reference.publicKey,
  );
  check(
    'reference signature verifies',
    String(xeddsaVerify(refPub, fromHex(reference.message), fromHex(reference.signature))),
    'true',
  );

  const signatures = [];
  const inputs: [string, Uint8Array, Uint8Array, Uint8Array][] = [
    [
      "backup-id key pair of libsignal's test BackupKey (0x42 x 32) and ACI; a 345-byte message",
      fill(0x42),
      fixedBytes(345, 10),
      fixedBytes(64, 11),
    ],
    [
      'backup-id key pair of the BackupKey of recovery key "m" x 64; empty message',
      deriveBackupKey('m'.repeat(64)),
      new Uint8Array(0),
      fixedBytes(64, 12),
    ],
    ['fixed pseudo-random BackupKey; one-byte message', fixedBytes(32, 13), Uint8Array.of(0x5a), fixedBytes(64, 14)],
    [
      'fixed pseudo-random BackupKey; 1000-byte message, zero randomness',
      fixedBytes(32, 15),
      fixedBytes(1000, 16),
      new Uint8Array(64),
    ],
  ];
  for (const [comment, backupKey, message, randomness] of inputs) {
    const pair = deriveBackupIdKeyPair(backupKey, LIBSIGNAL_TEST.aci);
    const signature = xeddsaSignWithRandom(pair.privateKey, message, randomness);
    const ok = ec.PublicKey.deserialize(buf(pair.publicKey)).verify(buf(message), buf(signature));
    check(`${comment}: libsignal verifies`, String(ok), 'true');
    signatures.push({
      source: 'sbackup',
      comment,
      privateKey: toHex(pair.privateKey),
      publicKey: toHex(pair.publicKey),
      message: toHex(message),
      randomness: toHex(randomness),
      signature: toHex(signature),
    });
  }

  // A key with u = 0 (Edwards point (0, -1), x = 0) and a signature with the sign bit set: valid
  // for libsignal, whose decoder negates x = 0 without complaint. Deterministic nonce search.
  const message = utf8('x = 0');
  const zeroKey = concatBytes(Uint8Array.of(5), new Uint8Array(32));
  const A = ed25519.Point.fromAffine({ x: 0n, y: P - 1n }).toBytes();
  let signature: Uint8Array | undefined;
  for (let seed = 100; signature === undefined; seed++) {
    const r = bytesToNumberLE(fixedBytes(64, seed)) % L;
    const R = ed25519.Point.BASE.multiply(r).toBytes();
    const h = bytesToNumberLE(sha512(concatBytes(R, A, message))) % L;
    if (h % 2n === 1n) continue;
    const s = numberToBytesLE(r, 32);
    s[31]! |= 0x80;
    signature = concatBytes(R, s);
  }
  check(
    'x = 0 signature (libsignal)',
    String(ec.PublicKey.deserialize(buf(zeroKey)).verify(buf(message), buf(signature))),
    'true',
  );
  check('x = 0 signature (sbackup)', String(xeddsaVerify(zeroKey, message, signature)), 'true');

  const negative: Record<string, string>[] = [];
  const addBad = (description: string, publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array) => {
    check(`${description} (sbackup)`, String(xeddsaVerify(publicKey, msg, sig)), 'false');
    check(
      `${description} (libsignal)`,
      String(ec.PublicKey.deserialize(buf(publicKey)).verify(buf(msg), buf(sig))),
      'false',
    );
    negative.push({ description, publicKey: toHex(publicKey), message: toHex(msg), signature: toHex(sig) });
  };
  const refSig = fromHex(reference.signature);
  const refMsg = fromHex(reference.message);
  for (const at of [0, 31, 32, 62, 63]) {
    const bad = refSig.slice();
    bad[at]! ^= 0x01;
    addBad(`reference signature, byte ${at} xor 0x01`, refPub, refMsg, bad);
  }
  const signBit = refSig.slice();
  signBit[63]! ^= 0x80;
  addBad('reference signature, sign bit flipped', refPub, refMsg, signBit);
  const bigS = refSig.slice();
  bigS[63]! |= 0x20;
  addBad('s at or above 2^253', refPub, refMsg, bigS);
  addBad('message changed', refPub, concatBytes(refMsg, Uint8Array.of(0)), refSig);
  addBad('signature cut to 63 bytes', refPub, refMsg, refSig.subarray(0, 63));
  addBad(
    'public key u = -1 (no Edwards image)',
    concatBytes(Uint8Array.of(5), numberToBytesLE(P - 1n, 32)),
    refMsg,
    refSig,
  );

  return json({
    about:
      "XEdDSA as Signal makes it (the Edwards public key's sign bit in the top bit of s). Keys: privateKey 32 bytes (clamped), publicKey 33 bytes (0x05 || X25519). Every positive signature verifies with libsignal-client 0.103.0's PublicKey.verify; every negative one is refused by it.",
    reference,
    signatures,
    xZeroSignBit: {
      source: 'libsignal',
      comment:
        'public key u = 0 (the Edwards point (0, -1)); the signature sets the sign bit, which a decoder must accept for x = 0',
      publicKey: toHex(zeroKey),
      message: toHex(message),
      signature: toHex(signature),
    },
    negative,
  });
}

export async function generate(): Promise<Record<string, string>> {
  return {
    'zk/sho.json': shoFile(),
    'zk/credential.json': credentialFile(),
    'zk/xeddsa.json': xeddsaFile(),
  };
}
