/**
 * Hosted-backup cryptography: operations per second of sbackup's pure-TypeScript credential code
 * and XEdDSA beside libsignal-client (native Rust) in the same run, with the ratio
 * sbackup / libsignal (1.00 = as fast; 0.10 = ten times slower).
 *
 * - request: create the request context from (BackupKey, ACI) and serialize its request;
 * - receive: check a credential response (issuance proof) and extract the credential;
 * - present: a fresh presentation of the credential;
 * - sign / verify: XEdDSA over a 345-byte presentation with the backup-id key pair.
 *
 * Outputs are checked equal (or cross-verified) before anything is timed. Ops/s are not MB/s,
 * so nothing goes to the throughput chart. SBACKUP_BENCH_ZK_SECONDS sets the time per
 * measurement (default 1).
 */

import {
  BackupAuthCredentialRequestContext,
  BackupServerPublicParams,
  xeddsaSign,
  xeddsaVerify,
} from '../src/hosted/index.js';
import { toHex } from '../src/internal/bytes.js';
import { deriveBackupIdKeyPair } from '../src/keys/backupIdKeyPair.js';
import { libsignal } from '../test/interop/oracle.js';

const { zkgroup: zk, ecKeys: ec } = libsignal;

const SECONDS = Number(process.env.SBACKUP_BENCH_ZK_SECONDS ?? 1);
const buf = (b: Uint8Array) => Uint8Array.from(b) as Uint8Array<ArrayBuffer>;

const key = new Uint8Array(32).fill(0x42);
const aci = 'c0fc16e4-bae5-4343-9f0d-e7ecf4251343';
const day = Math.floor(Date.now() / 86_400_000) * 86_400;
const secret = zk.GenericServerSecretParams.generateWithRandom(buf(new Uint8Array(32).fill(0xa0)));
const pub = secret.getPublicParams();
const params = BackupServerPublicParams.deserialize(pub.serialize());
const theirContext = zk.BackupAuthCredentialRequestContext.create(buf(key), aci);
const response = theirContext
  .getRequest()
  .issueCredentialWithRandom(day, 201, 1, secret, buf(new Uint8Array(32).fill(0xa1)));
const responseBytes = response.serialize();
const ourContext = BackupAuthCredentialRequestContext.create(key, aci);
const ourCredential = ourContext.receive(responseBytes, day, params);
const theirCredential = theirContext.receive(response, day, pub);
const pair = deriveBackupIdKeyPair(key, aci);
const libPrivate = ec.PrivateKey.deserialize(buf(pair.privateKey));
const libPublic = ec.PublicKey.deserialize(buf(pair.publicKey));

// Same results before timing.
if (toHex(ourContext.getRequest()) !== toHex(theirContext.getRequest().serialize())) throw new Error('requests differ');
if (toHex(ourCredential.serialize()) !== toHex(theirCredential.serialize())) throw new Error('credentials differ');
const presentation = ourCredential.present(params);
new zk.BackupAuthCredentialPresentation(buf(presentation)).verify(secret);
if (!libPublic.verify(buf(presentation), buf(xeddsaSign(pair.privateKey, presentation)))) {
  throw new Error('libsignal refuses our signature');
}
const theirSignature = libPrivate.sign(buf(presentation));
if (!xeddsaVerify(pair.publicKey, presentation, theirSignature)) throw new Error('we refuse libsignal signature');

/** Calls `f` repeatedly for about SECONDS (after a short warm-up) and returns calls per second. */
function opsPerSecond(f: () => unknown): number {
  const warm = performance.now();
  while (performance.now() - warm < 200) f();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < SECONDS * 1000) {
    f();
    n++;
    t = performance.now();
  }
  return n / ((t - t0) / 1000);
}

const rows: [string, () => unknown, () => unknown][] = [
  [
    'request',
    () => BackupAuthCredentialRequestContext.create(key, aci).getRequest(),
    () => zk.BackupAuthCredentialRequestContext.create(buf(key), aci).getRequest(),
  ],
  ['receive', () => ourContext.receive(responseBytes, day, params), () => theirContext.receive(response, day, pub)],
  ['present', () => ourCredential.present(params), () => theirCredential.present(pub)],
  ['sign', () => xeddsaSign(pair.privateKey, presentation), () => libPrivate.sign(buf(presentation))],
  [
    'verify',
    () => xeddsaVerify(pair.publicKey, presentation, theirSignature),
    () => libPublic.verify(buf(presentation), theirSignature),
  ],
];

console.log(`zero-knowledge credential and XEdDSA, ${SECONDS} s per measurement (ops/s, higher is better)`);
console.log(`${'op'.padEnd(8)} ${'sbackup'.padStart(10)} ${'libsignal'.padStart(10)}   ratio`);
for (const [name, ours, theirs] of rows) {
  const a = opsPerSecond(ours);
  const b = opsPerSecond(theirs);
  console.log(`${name.padEnd(8)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(10)}   ${(a / b).toFixed(3)}x`);
}
