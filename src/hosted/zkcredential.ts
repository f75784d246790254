/**
 * The client half of Signal's keyed-verification anonymous credentials (zkcredential, after
 * Chase-Perrin-Zaverucha, "The Signal Private Group System", eprint 2019/1416), restricted to what
 * a BackupAuthCredential needs: public attributes hashed into the first attribute point, one
 * attribute blinded at issuance and revealed at presentation, no encrypted attributes.
 *
 * - System points: 13 points squeezed from `ShoSha256("Signal_ZKCredential_ConstantSystemParams_generate_20230410")`,
 *   in the order G_w, G_w', G_x0, G_x1, G_V, G_z, G_y0..G_y6.
 * - The server's public key: `C_W` and `I_2..I_7` (one `I` per attribute count).
 * - Blind issuance (`issuance/blind.rs`): the client blinds point M as (D1, D2) = (r*G, r*Y + M)
 *   with blinding key Y = y*G; the server answers (t, U, S1, S2) and a poksho proof; the client
 *   recovers V = S2 - y*S1.
 * - Presentation (`presentation.rs`): commitments C_x0, C_x1, C_V, C_y under a fresh z, and a
 *   poksho proof of Z = z*I and C_x1 = t*C_x0 + z0*G_x0 + z*G_x1 with z0 = -z*t.
 * Internal to src/hosted/.
 */

import { utf8 } from '../internal/bytes.js';
import { BASE, Fn, mul, type Point, shoPoint, shoScalar } from './group.js';
import { Statement } from './poksho.js';
import { ShoHmacSha256, ShoSha256 } from './sho.js';

/** Label of the hash that derives the fixed system points. */
const SYSTEM_PARAMS_LABEL = 'Signal_ZKCredential_ConstantSystemParams_generate_20230410';
/** Label of the presentation's randomness hash. */
const PRESENTATION_LABEL = 'Signal_ZKCredential_Presentation_20230410';
/** Attribute points a credential can hold (one public slot plus three two-point attributes). */
export const NUM_SUPPORTED_ATTRS = 7;

/** The fixed points shared by every issuer and client. */
export interface SystemParams {
  readonly G_w: Point;
  readonly G_wprime: Point;
  readonly G_x0: Point;
  readonly G_x1: Point;
  readonly G_V: Point;
  readonly G_z: Point;
  readonly G_y: readonly Point[];
}

/** wNAF window of the cached tables (noble's `precompute`); 4 balances speed and memory. */
const PRECOMPUTE_WINDOW = 4;
let system: SystemParams | undefined;

/** The system points, derived on first use (13 hash-to-group operations) and cached. */
export function systemParams(): SystemParams {
  if (system === undefined) {
    const sho = new ShoSha256(utf8(SYSTEM_PARAMS_LABEL));
    const next = () => shoPoint(sho);
    const G_w = next();
    const G_wprime = next();
    const G_x0 = next();
    const G_x1 = next();
    const G_V = next();
    const G_z = next();
    const G_y = Array.from({ length: NUM_SUPPORTED_ATTRS }, next);
    // Cache multiplication tables for the points a client multiplies (not G_z, nor G_y beyond the
    // two slots a backup credential has): several times faster, about 0.9 MiB of heap in all.
    for (const p of [G_w, G_wprime, G_x0, G_x1, G_V, G_y[0]!, G_y[1]!]) p.precompute(PRECOMPUTE_WINDOW);
    system = { G_w, G_wprime, G_x0, G_x1, G_V, G_z, G_y };
  }
  return system;
}

/** The issuer's public key: `C_W` and `I[n - 2]` for credentials of n attribute points (n = 2..7). */
export interface CredentialPublicKey {
  readonly C_W: Point;
  readonly I: readonly Point[];
}

/** A credential as the client holds it after issuance: a MAC (t, U, V) over its attributes. */
export interface Credential {
  readonly t: bigint;
  readonly U: Point;
  readonly V: Point;
}

/** What the server returns for a blinded request: the credential encrypted to the blinding key, and its proof. */
export interface BlindedIssuanceProof {
  readonly t: bigint;
  readonly U: Point;
  readonly S1: Point;
  readonly S2: Point;
  readonly proof: Uint8Array;
}

/** A blinded point (D1, D2) = (r*G, r*Y + M). */
export interface BlindedPoint {
  readonly D1: Point;
  readonly D2: Point;
}

/** The first attribute point: the public attributes hashed, each absorbed and ratcheted in order. */
export function publicAttributesPoint(label: Uint8Array, attributes: readonly Uint8Array[]): Point {
  const sho = new ShoHmacSha256(label);
  for (const a of attributes) sho.absorbAndRatchet(a);
  return shoPoint(sho);
}

/** Blinds `M` under the blinding private key `y`, drawing the nonce from `sho`. */
export function blindPoint(y: bigint, M: Point, sho: ShoHmacSha256): BlindedPoint {
  const r = shoScalar(sho);
  const Y = mul(BASE, y);
  return { D1: mul(BASE, r), D2: mul(Y, r).add(M) };
}

/**
 * The issuance statement for `cleartext` unblinded attribute points followed by `blinded` blinded
 * ones, with the terms listed in zkcredential's order (the names fix the transcript).
 */
function blindedIssuanceStatement(cleartext: number, blinded: number): Statement {
  const total = cleartext + blinded;
  const st = new Statement();
  st.add('C_W', [
    ['w', 'G_w'],
    ['wprime', 'G_wprime'],
  ]);
  // G_V - I = x0*G_x0 + x1*G_x1 + sum(y_i * G_y_i)
  const gv: [string, string][] = [
    ['x0', 'G_x0'],
    ['x1', 'G_x1'],
  ];
  for (let i = 0; i < total; i++) gv.push([`y${i}`, `G_y${i}`]);
  st.add('G_V-I', gv);
  // S1 = sum(y_i * D1_i over the blinded attributes) + rprime*G
  const s1: [string, string][] = [];
  for (let i = cleartext; i < total; i++) s1.push([`y${i}`, `D1_${i}`]);
  s1.push(['rprime', 'G']);
  st.add('S1', s1);
  // S2 = rprime*Y + w*G_w + x0*U + x1*tU + sum(y_i * M_i, cleartext) + sum(y_i * D2_i, blinded)
  const s2: [string, string][] = [
    ['rprime', 'Y'],
    ['w', 'G_w'],
    ['x0', 'U'],
    ['x1', 'tU'],
  ];
  for (let i = 0; i < cleartext; i++) s2.push([`y${i}`, `M${i}`]);
  for (let i = cleartext; i < total; i++) s2.push([`y${i}`, `D2_${i}`]);
  st.add('S2', s2);
  return st;
}

/**
 * Verifies a blinded issuance over the cleartext attribute points `M` (public attributes first)
 * and the blinded points, and decrypts the credential with the blinding private key `y`.
 * Returns `undefined` when the proof does not verify.
 */
export function verifyBlindedIssuance(
  key: CredentialPublicKey,
  M: readonly Point[],
  blinded: readonly BlindedPoint[],
  y: bigint,
  issued: BlindedIssuanceProof,
  message: Uint8Array = new Uint8Array(0),
): Credential | undefined {
  const total = M.length + blinded.length;
  if (total < 2 || total > NUM_SUPPORTED_ATTRS) throw new RangeError('zkcredential: unsupported attribute count');
  const sys = systemParams();
  const points: Record<string, Point> = {
    C_W: key.C_W,
    G_w: sys.G_w,
    G_wprime: sys.G_wprime,
    'G_V-I': sys.G_V.subtract(key.I[total - 2]!),
    G_x0: sys.G_x0,
    G_x1: sys.G_x1,
    S1: issued.S1,
    S2: issued.S2,
    U: issued.U,
    tU: mul(issued.U, issued.t),
    Y: mul(BASE, y),
  };
  for (let i = 0; i < total; i++) points[`G_y${i}`] = sys.G_y[i]!;
  M.forEach((p, i) => {
    points[`M${i}`] = p;
  });
  blinded.forEach((b, j) => {
    points[`D1_${M.length + j}`] = b.D1;
    points[`D2_${M.length + j}`] = b.D2;
  });
  if (!blindedIssuanceStatement(M.length, blinded.length).verify(issued.proof, points, message)) return undefined;
  return { t: issued.t, U: issued.U, V: issued.S2.subtract(mul(issued.S1, y)) };
}

/** `t * U` per credential: the same for every presentation of it. */
const tUs = new WeakMap<Credential, Point>();

/** A presentation proof: commitments and the poksho proof. */
export interface PresentationProof {
  readonly C_x0: Point;
  readonly C_x1: Point;
  readonly C_V: Point;
  readonly C_y: readonly Point[];
  readonly proof: Uint8Array;
}

/**
 * Presents `credential` over `revealed` revealed attributes (after the public slot), with 32
 * bytes of `randomness`. The verifier supplies the public and revealed attributes itself.
 */
export function presentRevealedOnly(
  key: CredentialPublicKey,
  credential: Credential,
  revealed: number,
  randomness: Uint8Array,
): PresentationProof {
  const total = 1 + revealed;
  if (revealed < 1 || total > NUM_SUPPORTED_ATTRS) throw new RangeError('zkcredential: unsupported attribute count');
  const sys = systemParams();
  const sho = new ShoHmacSha256(utf8(PRESENTATION_LABEL));
  sho.absorbAndRatchet(randomness);
  const z = shoScalar(sho);
  // The client's attribute points are all the identity here (public and revealed attributes are
  // added by the verifier), so each commitment is z * G_y_i.
  const C_y = sys.G_y.slice(0, total).map((g) => mul(g, z));
  let tU = tUs.get(credential);
  if (tU === undefined) {
    tU = mul(credential.U, credential.t);
    tUs.set(credential, tU);
  }
  const C_x0 = mul(sys.G_x0, z).add(credential.U);
  const C_V = mul(sys.G_V, z).add(credential.V);
  const C_x1 = mul(sys.G_x1, z).add(tU);
  const I = key.I[total - 2]!;
  const Z = mul(I, z);
  const z0 = Fn.neg(Fn.mul(z, credential.t));

  const st = new Statement();
  st.add('Z', [['z', 'I']]);
  st.add('C_x1', [
    ['t', 'C_x0'],
    ['z0', 'G_x0'],
    ['z', 'G_x1'],
  ]);
  for (let i = 1; i < total; i++) st.add(`C_y${i}`, [['z', `G_y${i}`]]);
  st.add('C_y0', [['z', 'G_y0']]);

  const points: Record<string, Point> = { I, C_x0, C_x1, G_x0: sys.G_x0, G_x1: sys.G_x1, Z };
  for (let i = 0; i < total; i++) {
    points[`G_y${i}`] = sys.G_y[i]!;
    points[`C_y${i}`] = C_y[i]!;
  }
  // With no encrypted attributes and no message, zkcredential's authenticated message is empty.
  const proof = st.prove({ z, t: credential.t, z0 }, points, new Uint8Array(0), sho.squeezeAndRatchet(32));
  return { C_x0, C_x1, C_V, C_y, proof };
}
