/**
 * AES-256 (FIPS 197) in plain JavaScript, with 32-bit lookup tables ("T-tables": SubBytes,
 * ShiftRows and MixColumns of one round fused into four table reads per column) and CBC mode
 * over whole buffers. Written for the pure backend, where the runtime has neither WebCrypto nor
 * node:crypto (React Native / Hermes): the key is expanded once per stream, both directions run
 * as one tight loop over the buffer with the state in local variables.
 *
 * Decryption uses FIPS 197's equivalent inverse cipher (section 5.3.5): the same round structure
 * as encryption, with InvMixColumns applied to the middle round keys once, at key expansion.
 *
 * Table lookups depend on secret data: like every table-based AES (noble's included), this is not
 * constant-time against an attacker who shares the CPU cache. Runtimes with WebCrypto or
 * node:crypto use their AES instead.
 *
 * The cipher works on little-endian 32-bit words (byte 0 of a column is the word's low byte), so
 * that blocks are read and written through an `Int32Array` view without reordering bytes on the
 * little-endian CPUs every JavaScript engine runs on (big-endian hosts get their bytes swapped).
 */

/** Rounds of AES-256. */
const ROUNDS = 14;
/** Round-key words: 4 per round plus the initial key addition. */
const KEY_WORDS = 4 * (ROUNDS + 1);

interface Tables {
  sbox: Uint8Array;
  inv: Uint8Array;
  te0: Int32Array;
  te1: Int32Array;
  te2: Int32Array;
  te3: Int32Array;
  td0: Int32Array;
  td1: Int32Array;
  td2: Int32Array;
  td3: Int32Array;
}

let tables: Tables | undefined;

/** Multiplication by x (i.e. 2) in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS 197 section 4.2.1). */
const xtime = (b: number): number => ((b << 1) ^ (b & 0x80 ? 0x11b : 0)) & 0xff;

/** Product of two field elements (shift-and-add). */
function gmul(a: number, b: number): number {
  let r = 0;
  for (let x = a, y = b; y > 0; y >>= 1, x = xtime(x)) if (y & 1) r ^= x;
  return r;
}

const rotl8 = (w: number): number => (w << 8) | (w >>> 24);

/** Builds the S-box (FIPS 197 section 5.1.1: inverse in GF(2^8), then the affine map) and the T-tables, once. */
function build(): Tables {
  // Powers of the generator 3 give every non-zero element; the inverse of 3^i is 3^(255-i).
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  for (let i = 0, v = 1; i < 255; i++) {
    exp[i] = v;
    log[v] = i;
    v ^= xtime(v);
  }
  const sbox = new Uint8Array(256);
  const inv = new Uint8Array(256);
  for (let a = 0; a < 256; a++) {
    const b = a === 0 ? 0 : exp[(255 - log[a]!) % 255]!;
    // Affine transformation: b ^ rotl(b,1) ^ rotl(b,2) ^ rotl(b,3) ^ rotl(b,4) ^ 0x63.
    let s = b;
    for (let k = 1; k <= 4; k++) s ^= ((b << k) | (b >> (8 - k))) & 0xff;
    s ^= 0x63;
    sbox[a] = s;
    inv[s] = a;
  }
  // Int32Array, not Uint32Array: V8 keeps int32 values in registers, uint32 ones above 2^31 as doubles.
  const te0 = new Int32Array(256);
  const td0 = new Int32Array(256);
  for (let a = 0; a < 256; a++) {
    const s = sbox[a]!;
    // MixColumns column (2, 1, 1, 3) times s, rows 0..3 from the low byte up (section 5.1.3).
    te0[a] = gmul(s, 2) | (s << 8) | (s << 16) | (gmul(s, 3) << 24);
    const i = inv[a]!;
    // InvMixColumns column (14, 9, 13, 11) times InvSubBytes(a) (section 5.3.3).
    td0[a] = gmul(i, 14) | (gmul(i, 9) << 8) | (gmul(i, 13) << 16) | (gmul(i, 11) << 24);
  }
  // The byte of row r contributes the same column, moved down r rows.
  const rotated = (t: Int32Array) => t.map(rotl8);
  const te1 = rotated(te0);
  const te2 = rotated(te1);
  const te3 = rotated(te2);
  const td1 = rotated(td0);
  const td2 = rotated(td1);
  const td3 = rotated(td2);
  return { sbox, inv, te0, te1, te2, te3, td0, td1, td2, td3 };
}

const getTables = (): Tables => (tables ??= build());

/** An expanded AES-256 key: the encryption schedule, and the decryption one on first use. */
export interface AesKey {
  /** 60 round-key words for encryption. */
  readonly enc: Int32Array;
  /** 60 round-key words for the equivalent inverse cipher, in the order decryption uses them. */
  readonly dec: Int32Array;
}

/** Little-endian word of `b` at `o`. */
const word = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);

/**
 * Expands a 32-byte key (FIPS 197 section 5.2) into both schedules.
 *
 * @throws {RangeError} when the key is not 32 bytes.
 */
export function expandKey256(key: Uint8Array): AesKey {
  if (key.length !== 32) throw new RangeError(`AES-256 needs a 32-byte key, got ${key.length}`);
  const { sbox, td0, td1, td2, td3 } = getTables();
  const sub = (w: number) =>
    sbox[w & 0xff]! | (sbox[(w >>> 8) & 0xff]! << 8) | (sbox[(w >>> 16) & 0xff]! << 16) | (sbox[w >>> 24]! << 24);
  const enc = new Int32Array(KEY_WORDS);
  for (let i = 0; i < 8; i++) enc[i] = word(key, 4 * i);
  for (let i = 8, rcon = 1; i < KEY_WORDS; i++) {
    let t = enc[i - 1]!;
    if (i % 8 === 0) {
      // RotWord moves byte 1 to byte 0: a right rotation of the little-endian word.
      t = sub((t >>> 8) | (t << 24)) ^ rcon;
      rcon = xtime(rcon);
    } else if (i % 8 === 4) {
      t = sub(t);
    }
    enc[i] = enc[i - 8]! ^ t;
  }
  // Decryption schedule: the rounds in reverse, InvMixColumns on all but the first and last.
  const dec = new Int32Array(KEY_WORDS);
  for (let r = 0; r <= ROUNDS; r++) {
    for (let c = 0; c < 4; c++) {
      const w = enc[4 * (ROUNDS - r) + c]!;
      dec[4 * r + c] =
        r === 0 || r === ROUNDS
          ? w
          : // td* include InvSubBytes, so undo it first with the S-box.
            td0[sbox[w & 0xff]!]! ^
            td1[sbox[(w >>> 8) & 0xff]!]! ^
            td2[sbox[(w >>> 16) & 0xff]!]! ^
            td3[sbox[w >>> 24]!]!;
    }
  }
  return { enc, dec };
}

/** True on little-endian hosts (all mainstream ones); checked once, at first use. */
let littleEndian: boolean | undefined;
const isLittleEndian = (): boolean => (littleEndian ??= new Uint8Array(Int32Array.of(1).buffer)[0] === 1);

function swapWords(w: Int32Array): void {
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    w[i] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
  }
}

/** A copy of `data` (whole blocks) and the little-endian word view of that copy. */
function wordsCopy(data: Uint8Array): { out: Uint8Array; words: Int32Array } {
  const out = new Uint8Array(data.length);
  out.set(data);
  const words = new Int32Array(out.buffer, 0, data.length >> 2);
  if (!isLittleEndian()) swapWords(words);
  return { out, words };
}

function checkBlocks(data: Uint8Array): void {
  if (data.length % 16 !== 0)
    throw new RangeError(`AES-CBC without padding needs whole blocks, got ${data.length} bytes`);
}

/**
 * AES-256-CBC encryption of whole blocks (no padding) into a new array. `chain` (4 words from
 * {@link blockWords}) is the IV on entry and the last ciphertext block on return.
 *
 * @throws {RangeError} when `data` is not a whole number of 16-byte blocks.
 */
export function cbcEncrypt(key: AesKey, chain: Int32Array, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  const { out, words } = wordsCopy(data);
  const { sbox: S, te0, te1, te2, te3 } = getTables();
  const k = key.enc;
  let c0 = chain[0]!;
  let c1 = chain[1]!;
  let c2 = chain[2]!;
  let c3 = chain[3]!;
  for (let o = 0; o < words.length; o += 4) {
    let s0 = words[o]! ^ c0 ^ k[0]!;
    let s1 = words[o + 1]! ^ c1 ^ k[1]!;
    let s2 = words[o + 2]! ^ c2 ^ k[2]!;
    let s3 = words[o + 3]! ^ c3 ^ k[3]!;
    let t0: number;
    let t1: number;
    let t2: number;
    let t3: number;
    // Rounds 1..13, written out (a loop is markedly slower in V8); the state alternates s <-> t.
    t0 = te0[s0 & 0xff]! ^ te1[(s1 >>> 8) & 0xff]! ^ te2[(s2 >>> 16) & 0xff]! ^ te3[s3 >>> 24]! ^ k[4]!;
    t1 = te0[s1 & 0xff]! ^ te1[(s2 >>> 8) & 0xff]! ^ te2[(s3 >>> 16) & 0xff]! ^ te3[s0 >>> 24]! ^ k[5]!;
    t2 = te0[s2 & 0xff]! ^ te1[(s3 >>> 8) & 0xff]! ^ te2[(s0 >>> 16) & 0xff]! ^ te3[s1 >>> 24]! ^ k[6]!;
    t3 = te0[s3 & 0xff]! ^ te1[(s0 >>> 8) & 0xff]! ^ te2[(s1 >>> 16) & 0xff]! ^ te3[s2 >>> 24]! ^ k[7]!;
    s0 = te0[t0 & 0xff]! ^ te1[(t1 >>> 8) & 0xff]! ^ te2[(t2 >>> 16) & 0xff]! ^ te3[t3 >>> 24]! ^ k[8]!;
    s1 = te0[t1 & 0xff]! ^ te1[(t2 >>> 8) & 0xff]! ^ te2[(t3 >>> 16) & 0xff]! ^ te3[t0 >>> 24]! ^ k[9]!;
    s2 = te0[t2 & 0xff]! ^ te1[(t3 >>> 8) & 0xff]! ^ te2[(t0 >>> 16) & 0xff]! ^ te3[t1 >>> 24]! ^ k[10]!;
    s3 = te0[t3 & 0xff]! ^ te1[(t0 >>> 8) & 0xff]! ^ te2[(t1 >>> 16) & 0xff]! ^ te3[t2 >>> 24]! ^ k[11]!;
    t0 = te0[s0 & 0xff]! ^ te1[(s1 >>> 8) & 0xff]! ^ te2[(s2 >>> 16) & 0xff]! ^ te3[s3 >>> 24]! ^ k[12]!;
    t1 = te0[s1 & 0xff]! ^ te1[(s2 >>> 8) & 0xff]! ^ te2[(s3 >>> 16) & 0xff]! ^ te3[s0 >>> 24]! ^ k[13]!;
    t2 = te0[s2 & 0xff]! ^ te1[(s3 >>> 8) & 0xff]! ^ te2[(s0 >>> 16) & 0xff]! ^ te3[s1 >>> 24]! ^ k[14]!;
    t3 = te0[s3 & 0xff]! ^ te1[(s0 >>> 8) & 0xff]! ^ te2[(s1 >>> 16) & 0xff]! ^ te3[s2 >>> 24]! ^ k[15]!;
    s0 = te0[t0 & 0xff]! ^ te1[(t1 >>> 8) & 0xff]! ^ te2[(t2 >>> 16) & 0xff]! ^ te3[t3 >>> 24]! ^ k[16]!;
    s1 = te0[t1 & 0xff]! ^ te1[(t2 >>> 8) & 0xff]! ^ te2[(t3 >>> 16) & 0xff]! ^ te3[t0 >>> 24]! ^ k[17]!;
    s2 = te0[t2 & 0xff]! ^ te1[(t3 >>> 8) & 0xff]! ^ te2[(t0 >>> 16) & 0xff]! ^ te3[t1 >>> 24]! ^ k[18]!;
    s3 = te0[t3 & 0xff]! ^ te1[(t0 >>> 8) & 0xff]! ^ te2[(t1 >>> 16) & 0xff]! ^ te3[t2 >>> 24]! ^ k[19]!;
    t0 = te0[s0 & 0xff]! ^ te1[(s1 >>> 8) & 0xff]! ^ te2[(s2 >>> 16) & 0xff]! ^ te3[s3 >>> 24]! ^ k[20]!;
    t1 = te0[s1 & 0xff]! ^ te1[(s2 >>> 8) & 0xff]! ^ te2[(s3 >>> 16) & 0xff]! ^ te3[s0 >>> 24]! ^ k[21]!;
    t2 = te0[s2 & 0xff]! ^ te1[(s3 >>> 8) & 0xff]! ^ te2[(s0 >>> 16) & 0xff]! ^ te3[s1 >>> 24]! ^ k[22]!;
    t3 = te0[s3 & 0xff]! ^ te1[(s0 >>> 8) & 0xff]! ^ te2[(s1 >>> 16) & 0xff]! ^ te3[s2 >>> 24]! ^ k[23]!;
    s0 = te0[t0 & 0xff]! ^ te1[(t1 >>> 8) & 0xff]! ^ te2[(t2 >>> 16) & 0xff]! ^ te3[t3 >>> 24]! ^ k[24]!;
    s1 = te0[t1 & 0xff]! ^ te1[(t2 >>> 8) & 0xff]! ^ te2[(t3 >>> 16) & 0xff]! ^ te3[t0 >>> 24]! ^ k[25]!;
    s2 = te0[t2 & 0xff]! ^ te1[(t3 >>> 8) & 0xff]! ^ te2[(t0 >>> 16) & 0xff]! ^ te3[t1 >>> 24]! ^ k[26]!;
    s3 = te0[t3 & 0xff]! ^ te1[(t0 >>> 8) & 0xff]! ^ te2[(t1 >>> 16) & 0xff]! ^ te3[t2 >>> 24]! ^ k[27]!;
    t0 = te0[s0 & 0xff]! ^ te1[(s1 >>> 8) & 0xff]! ^ te2[(s2 >>> 16) & 0xff]! ^ te3[s3 >>> 24]! ^ k[28]!;
    t1 = te0[s1 & 0xff]! ^ te1[(s2 >>> 8) & 0xff]! ^ te2[(s3 >>> 16) & 0xff]! ^ te3[s0 >>> 24]! ^ k[29]!;
    t2 = te0[s2 & 0xff]! ^ te1[(s3 >>> 8) & 0xff]! ^ te2[(s0 >>> 16) & 0xff]! ^ te3[s1 >>> 24]! ^ k[30]!;
    t3 = te0[s3 & 0xff]! ^ te1[(s0 >>> 8) & 0xff]! ^ te2[(s1 >>> 16) & 0xff]! ^ te3[s2 >>> 24]! ^ k[31]!;
    s0 = te0[t0 & 0xff]! ^ te1[(t1 >>> 8) & 0xff]! ^ te2[(t2 >>> 16) & 0xff]! ^ te3[t3 >>> 24]! ^ k[32]!;
    s1 = te0[t1 & 0xff]! ^ te1[(t2 >>> 8) & 0xff]! ^ te2[(t3 >>> 16) & 0xff]! ^ te3[t0 >>> 24]! ^ k[33]!;
    s2 = te0[t2 & 0xff]! ^ te1[(t3 >>> 8) & 0xff]! ^ te2[(t0 >>> 16) & 0xff]! ^ te3[t1 >>> 24]! ^ k[34]!;
    s3 = te0[t3 & 0xff]! ^ te1[(t0 >>> 8) & 0xff]! ^ te2[(t1 >>> 16) & 0xff]! ^ te3[t2 >>> 24]! ^ k[35]!;
    t0 = te0[s0 & 0xff]! ^ te1[(s1 >>> 8) & 0xff]! ^ te2[(s2 >>> 16) & 0xff]! ^ te3[s3 >>> 24]! ^ k[36]!;
    t1 = te0[s1 & 0xff]! ^ te1[(s2 >>> 8) & 0xff]! ^ te2[(s3 >>> 16) & 0xff]! ^ te3[s0 >>> 24]! ^ k[37]!;
    t2 = te0[s2 & 0xff]! ^ te1[(s3 >>> 8) & 0xff]! ^ te2[(s0 >>> 16) & 0xff]! ^ te3[s1 >>> 24]! ^ k[38]!;
    t3 = te0[s3 & 0xff]! ^ te1[(s0 >>> 8) & 0xff]! ^ te2[(s1 >>> 16) & 0xff]! ^ te3[s2 >>> 24]! ^ k[39]!;
    s0 = te0[t0 & 0xff]! ^ te1[(t1 >>> 8) & 0xff]! ^ te2[(t2 >>> 16) & 0xff]! ^ te3[t3 >>> 24]! ^ k[40]!;
    s1 = te0[t1 & 0xff]! ^ te1[(t2 >>> 8) & 0xff]! ^ te2[(t3 >>> 16) & 0xff]! ^ te3[t0 >>> 24]! ^ k[41]!;
    s2 = te0[t2 & 0xff]! ^ te1[(t3 >>> 8) & 0xff]! ^ te2[(t0 >>> 16) & 0xff]! ^ te3[t1 >>> 24]! ^ k[42]!;
    s3 = te0[t3 & 0xff]! ^ te1[(t0 >>> 8) & 0xff]! ^ te2[(t1 >>> 16) & 0xff]! ^ te3[t2 >>> 24]! ^ k[43]!;
    t0 = te0[s0 & 0xff]! ^ te1[(s1 >>> 8) & 0xff]! ^ te2[(s2 >>> 16) & 0xff]! ^ te3[s3 >>> 24]! ^ k[44]!;
    t1 = te0[s1 & 0xff]! ^ te1[(s2 >>> 8) & 0xff]! ^ te2[(s3 >>> 16) & 0xff]! ^ te3[s0 >>> 24]! ^ k[45]!;
    t2 = te0[s2 & 0xff]! ^ te1[(s3 >>> 8) & 0xff]! ^ te2[(s0 >>> 16) & 0xff]! ^ te3[s1 >>> 24]! ^ k[46]!;
    t3 = te0[s3 & 0xff]! ^ te1[(s0 >>> 8) & 0xff]! ^ te2[(s1 >>> 16) & 0xff]! ^ te3[s2 >>> 24]! ^ k[47]!;
    s0 = te0[t0 & 0xff]! ^ te1[(t1 >>> 8) & 0xff]! ^ te2[(t2 >>> 16) & 0xff]! ^ te3[t3 >>> 24]! ^ k[48]!;
    s1 = te0[t1 & 0xff]! ^ te1[(t2 >>> 8) & 0xff]! ^ te2[(t3 >>> 16) & 0xff]! ^ te3[t0 >>> 24]! ^ k[49]!;
    s2 = te0[t2 & 0xff]! ^ te1[(t3 >>> 8) & 0xff]! ^ te2[(t0 >>> 16) & 0xff]! ^ te3[t1 >>> 24]! ^ k[50]!;
    s3 = te0[t3 & 0xff]! ^ te1[(t0 >>> 8) & 0xff]! ^ te2[(t1 >>> 16) & 0xff]! ^ te3[t2 >>> 24]! ^ k[51]!;
    t0 = te0[s0 & 0xff]! ^ te1[(s1 >>> 8) & 0xff]! ^ te2[(s2 >>> 16) & 0xff]! ^ te3[s3 >>> 24]! ^ k[52]!;
    t1 = te0[s1 & 0xff]! ^ te1[(s2 >>> 8) & 0xff]! ^ te2[(s3 >>> 16) & 0xff]! ^ te3[s0 >>> 24]! ^ k[53]!;
    t2 = te0[s2 & 0xff]! ^ te1[(s3 >>> 8) & 0xff]! ^ te2[(s0 >>> 16) & 0xff]! ^ te3[s1 >>> 24]! ^ k[54]!;
    t3 = te0[s3 & 0xff]! ^ te1[(s0 >>> 8) & 0xff]! ^ te2[(s1 >>> 16) & 0xff]! ^ te3[s2 >>> 24]! ^ k[55]!;
    // Last round: SubBytes and ShiftRows only.
    c0 =
      (S[t0 & 0xff]! | (S[(t1 >>> 8) & 0xff]! << 8) | (S[(t2 >>> 16) & 0xff]! << 16) | (S[t3 >>> 24]! << 24)) ^ k[56]!;
    c1 =
      (S[t1 & 0xff]! | (S[(t2 >>> 8) & 0xff]! << 8) | (S[(t3 >>> 16) & 0xff]! << 16) | (S[t0 >>> 24]! << 24)) ^ k[57]!;
    c2 =
      (S[t2 & 0xff]! | (S[(t3 >>> 8) & 0xff]! << 8) | (S[(t0 >>> 16) & 0xff]! << 16) | (S[t1 >>> 24]! << 24)) ^ k[58]!;
    c3 =
      (S[t3 & 0xff]! | (S[(t0 >>> 8) & 0xff]! << 8) | (S[(t1 >>> 16) & 0xff]! << 16) | (S[t2 >>> 24]! << 24)) ^ k[59]!;
    words[o] = c0;
    words[o + 1] = c1;
    words[o + 2] = c2;
    words[o + 3] = c3;
  }
  chain[0] = c0;
  chain[1] = c1;
  chain[2] = c2;
  chain[3] = c3;
  if (!isLittleEndian()) swapWords(words);
  return out;
}

/**
 * AES-256-CBC decryption of whole blocks (no padding) into a new array. `chain` (4 words from
 * {@link blockWords}) is the IV on entry and the last ciphertext block on return.
 *
 * @throws {RangeError} when `data` is not a whole number of 16-byte blocks.
 */
export function cbcDecrypt(key: AesKey, chain: Int32Array, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  const { out, words } = wordsCopy(data);
  const { inv: S, td0, td1, td2, td3 } = getTables();
  const k = key.dec;
  let p0 = chain[0]!;
  let p1 = chain[1]!;
  let p2 = chain[2]!;
  let p3 = chain[3]!;
  for (let o = 0; o < words.length; o += 4) {
    const c0 = words[o]!;
    const c1 = words[o + 1]!;
    const c2 = words[o + 2]!;
    const c3 = words[o + 3]!;
    let s0 = c0 ^ k[0]!;
    let s1 = c1 ^ k[1]!;
    let s2 = c2 ^ k[2]!;
    let s3 = c3 ^ k[3]!;
    let t0: number;
    let t1: number;
    let t2: number;
    let t3: number;
    // Rounds 1..13, written out as for encryption.
    t0 = td0[s0 & 0xff]! ^ td1[(s3 >>> 8) & 0xff]! ^ td2[(s2 >>> 16) & 0xff]! ^ td3[s1 >>> 24]! ^ k[4]!;
    t1 = td0[s1 & 0xff]! ^ td1[(s0 >>> 8) & 0xff]! ^ td2[(s3 >>> 16) & 0xff]! ^ td3[s2 >>> 24]! ^ k[5]!;
    t2 = td0[s2 & 0xff]! ^ td1[(s1 >>> 8) & 0xff]! ^ td2[(s0 >>> 16) & 0xff]! ^ td3[s3 >>> 24]! ^ k[6]!;
    t3 = td0[s3 & 0xff]! ^ td1[(s2 >>> 8) & 0xff]! ^ td2[(s1 >>> 16) & 0xff]! ^ td3[s0 >>> 24]! ^ k[7]!;
    s0 = td0[t0 & 0xff]! ^ td1[(t3 >>> 8) & 0xff]! ^ td2[(t2 >>> 16) & 0xff]! ^ td3[t1 >>> 24]! ^ k[8]!;
    s1 = td0[t1 & 0xff]! ^ td1[(t0 >>> 8) & 0xff]! ^ td2[(t3 >>> 16) & 0xff]! ^ td3[t2 >>> 24]! ^ k[9]!;
    s2 = td0[t2 & 0xff]! ^ td1[(t1 >>> 8) & 0xff]! ^ td2[(t0 >>> 16) & 0xff]! ^ td3[t3 >>> 24]! ^ k[10]!;
    s3 = td0[t3 & 0xff]! ^ td1[(t2 >>> 8) & 0xff]! ^ td2[(t1 >>> 16) & 0xff]! ^ td3[t0 >>> 24]! ^ k[11]!;
    t0 = td0[s0 & 0xff]! ^ td1[(s3 >>> 8) & 0xff]! ^ td2[(s2 >>> 16) & 0xff]! ^ td3[s1 >>> 24]! ^ k[12]!;
    t1 = td0[s1 & 0xff]! ^ td1[(s0 >>> 8) & 0xff]! ^ td2[(s3 >>> 16) & 0xff]! ^ td3[s2 >>> 24]! ^ k[13]!;
    t2 = td0[s2 & 0xff]! ^ td1[(s1 >>> 8) & 0xff]! ^ td2[(s0 >>> 16) & 0xff]! ^ td3[s3 >>> 24]! ^ k[14]!;
    t3 = td0[s3 & 0xff]! ^ td1[(s2 >>> 8) & 0xff]! ^ td2[(s1 >>> 16) & 0xff]! ^ td3[s0 >>> 24]! ^ k[15]!;
    s0 = td0[t0 & 0xff]! ^ td1[(t3 >>> 8) & 0xff]! ^ td2[(t2 >>> 16) & 0xff]! ^ td3[t1 >>> 24]! ^ k[16]!;
    s1 = td0[t1 & 0xff]! ^ td1[(t0 >>> 8) & 0xff]! ^ td2[(t3 >>> 16) & 0xff]! ^ td3[t2 >>> 24]! ^ k[17]!;
    s2 = td0[t2 & 0xff]! ^ td1[(t1 >>> 8) & 0xff]! ^ td2[(t0 >>> 16) & 0xff]! ^ td3[t3 >>> 24]! ^ k[18]!;
    s3 = td0[t3 & 0xff]! ^ td1[(t2 >>> 8) & 0xff]! ^ td2[(t1 >>> 16) & 0xff]! ^ td3[t0 >>> 24]! ^ k[19]!;
    t0 = td0[s0 & 0xff]! ^ td1[(s3 >>> 8) & 0xff]! ^ td2[(s2 >>> 16) & 0xff]! ^ td3[s1 >>> 24]! ^ k[20]!;
    t1 = td0[s1 & 0xff]! ^ td1[(s0 >>> 8) & 0xff]! ^ td2[(s3 >>> 16) & 0xff]! ^ td3[s2 >>> 24]! ^ k[21]!;
    t2 = td0[s2 & 0xff]! ^ td1[(s1 >>> 8) & 0xff]! ^ td2[(s0 >>> 16) & 0xff]! ^ td3[s3 >>> 24]! ^ k[22]!;
    t3 = td0[s3 & 0xff]! ^ td1[(s2 >>> 8) & 0xff]! ^ td2[(s1 >>> 16) & 0xff]! ^ td3[s0 >>> 24]! ^ k[23]!;
    s0 = td0[t0 & 0xff]! ^ td1[(t3 >>> 8) & 0xff]! ^ td2[(t2 >>> 16) & 0xff]! ^ td3[t1 >>> 24]! ^ k[24]!;
    s1 = td0[t1 & 0xff]! ^ td1[(t0 >>> 8) & 0xff]! ^ td2[(t3 >>> 16) & 0xff]! ^ td3[t2 >>> 24]! ^ k[25]!;
    s2 = td0[t2 & 0xff]! ^ td1[(t1 >>> 8) & 0xff]! ^ td2[(t0 >>> 16) & 0xff]! ^ td3[t3 >>> 24]! ^ k[26]!;
    s3 = td0[t3 & 0xff]! ^ td1[(t2 >>> 8) & 0xff]! ^ td2[(t1 >>> 16) & 0xff]! ^ td3[t0 >>> 24]! ^ k[27]!;
    t0 = td0[s0 & 0xff]! ^ td1[(s3 >>> 8) & 0xff]! ^ td2[(s2 >>> 16) & 0xff]! ^ td3[s1 >>> 24]! ^ k[28]!;
    t1 = td0[s1 & 0xff]! ^ td1[(s0 >>> 8) & 0xff]! ^ td2[(s3 >>> 16) & 0xff]! ^ td3[s2 >>> 24]! ^ k[29]!;
    t2 = td0[s2 & 0xff]! ^ td1[(s1 >>> 8) & 0xff]! ^ td2[(s0 >>> 16) & 0xff]! ^ td3[s3 >>> 24]! ^ k[30]!;
    t3 = td0[s3 & 0xff]! ^ td1[(s2 >>> 8) & 0xff]! ^ td2[(s1 >>> 16) & 0xff]! ^ td3[s0 >>> 24]! ^ k[31]!;
    s0 = td0[t0 & 0xff]! ^ td1[(t3 >>> 8) & 0xff]! ^ td2[(t2 >>> 16) & 0xff]! ^ td3[t1 >>> 24]! ^ k[32]!;
    s1 = td0[t1 & 0xff]! ^ td1[(t0 >>> 8) & 0xff]! ^ td2[(t3 >>> 16) & 0xff]! ^ td3[t2 >>> 24]! ^ k[33]!;
    s2 = td0[t2 & 0xff]! ^ td1[(t1 >>> 8) & 0xff]! ^ td2[(t0 >>> 16) & 0xff]! ^ td3[t3 >>> 24]! ^ k[34]!;
    s3 = td0[t3 & 0xff]! ^ td1[(t2 >>> 8) & 0xff]! ^ td2[(t1 >>> 16) & 0xff]! ^ td3[t0 >>> 24]! ^ k[35]!;
    t0 = td0[s0 & 0xff]! ^ td1[(s3 >>> 8) & 0xff]! ^ td2[(s2 >>> 16) & 0xff]! ^ td3[s1 >>> 24]! ^ k[36]!;
    t1 = td0[s1 & 0xff]! ^ td1[(s0 >>> 8) & 0xff]! ^ td2[(s3 >>> 16) & 0xff]! ^ td3[s2 >>> 24]! ^ k[37]!;
    t2 = td0[s2 & 0xff]! ^ td1[(s1 >>> 8) & 0xff]! ^ td2[(s0 >>> 16) & 0xff]! ^ td3[s3 >>> 24]! ^ k[38]!;
    t3 = td0[s3 & 0xff]! ^ td1[(s2 >>> 8) & 0xff]! ^ td2[(s1 >>> 16) & 0xff]! ^ td3[s0 >>> 24]! ^ k[39]!;
    s0 = td0[t0 & 0xff]! ^ td1[(t3 >>> 8) & 0xff]! ^ td2[(t2 >>> 16) & 0xff]! ^ td3[t1 >>> 24]! ^ k[40]!;
    s1 = td0[t1 & 0xff]! ^ td1[(t0 >>> 8) & 0xff]! ^ td2[(t3 >>> 16) & 0xff]! ^ td3[t2 >>> 24]! ^ k[41]!;
    s2 = td0[t2 & 0xff]! ^ td1[(t1 >>> 8) & 0xff]! ^ td2[(t0 >>> 16) & 0xff]! ^ td3[t3 >>> 24]! ^ k[42]!;
    s3 = td0[t3 & 0xff]! ^ td1[(t2 >>> 8) & 0xff]! ^ td2[(t1 >>> 16) & 0xff]! ^ td3[t0 >>> 24]! ^ k[43]!;
    t0 = td0[s0 & 0xff]! ^ td1[(s3 >>> 8) & 0xff]! ^ td2[(s2 >>> 16) & 0xff]! ^ td3[s1 >>> 24]! ^ k[44]!;
    t1 = td0[s1 & 0xff]! ^ td1[(s0 >>> 8) & 0xff]! ^ td2[(s3 >>> 16) & 0xff]! ^ td3[s2 >>> 24]! ^ k[45]!;
    t2 = td0[s2 & 0xff]! ^ td1[(s1 >>> 8) & 0xff]! ^ td2[(s0 >>> 16) & 0xff]! ^ td3[s3 >>> 24]! ^ k[46]!;
    t3 = td0[s3 & 0xff]! ^ td1[(s2 >>> 8) & 0xff]! ^ td2[(s1 >>> 16) & 0xff]! ^ td3[s0 >>> 24]! ^ k[47]!;
    s0 = td0[t0 & 0xff]! ^ td1[(t3 >>> 8) & 0xff]! ^ td2[(t2 >>> 16) & 0xff]! ^ td3[t1 >>> 24]! ^ k[48]!;
    s1 = td0[t1 & 0xff]! ^ td1[(t0 >>> 8) & 0xff]! ^ td2[(t3 >>> 16) & 0xff]! ^ td3[t2 >>> 24]! ^ k[49]!;
    s2 = td0[t2 & 0xff]! ^ td1[(t1 >>> 8) & 0xff]! ^ td2[(t0 >>> 16) & 0xff]! ^ td3[t3 >>> 24]! ^ k[50]!;
    s3 = td0[t3 & 0xff]! ^ td1[(t2 >>> 8) & 0xff]! ^ td2[(t1 >>> 16) & 0xff]! ^ td3[t0 >>> 24]! ^ k[51]!;
    t0 = td0[s0 & 0xff]! ^ td1[(s3 >>> 8) & 0xff]! ^ td2[(s2 >>> 16) & 0xff]! ^ td3[s1 >>> 24]! ^ k[52]!;
    t1 = td0[s1 & 0xff]! ^ td1[(s0 >>> 8) & 0xff]! ^ td2[(s3 >>> 16) & 0xff]! ^ td3[s2 >>> 24]! ^ k[53]!;
    t2 = td0[s2 & 0xff]! ^ td1[(s1 >>> 8) & 0xff]! ^ td2[(s0 >>> 16) & 0xff]! ^ td3[s3 >>> 24]! ^ k[54]!;
    t3 = td0[s3 & 0xff]! ^ td1[(s2 >>> 8) & 0xff]! ^ td2[(s1 >>> 16) & 0xff]! ^ td3[s0 >>> 24]! ^ k[55]!;
    // Last round: InvShiftRows and InvSubBytes only, then the CBC chaining.
    words[o] =
      (S[t0 & 0xff]! | (S[(t3 >>> 8) & 0xff]! << 8) | (S[(t2 >>> 16) & 0xff]! << 16) | (S[t1 >>> 24]! << 24)) ^
      k[56]! ^
      p0;
    words[o + 1] =
      (S[t1 & 0xff]! | (S[(t0 >>> 8) & 0xff]! << 8) | (S[(t3 >>> 16) & 0xff]! << 16) | (S[t2 >>> 24]! << 24)) ^
      k[57]! ^
      p1;
    words[o + 2] =
      (S[t2 & 0xff]! | (S[(t1 >>> 8) & 0xff]! << 8) | (S[(t0 >>> 16) & 0xff]! << 16) | (S[t3 >>> 24]! << 24)) ^
      k[58]! ^
      p2;
    words[o + 3] =
      (S[t3 & 0xff]! | (S[(t2 >>> 8) & 0xff]! << 8) | (S[(t1 >>> 16) & 0xff]! << 16) | (S[t0 >>> 24]! << 24)) ^
      k[59]! ^
      p3;
    p0 = c0;
    p1 = c1;
    p2 = c2;
    p3 = c3;
  }
  chain[0] = p0;
  chain[1] = p1;
  chain[2] = p2;
  chain[3] = p3;
  if (!isLittleEndian()) swapWords(words);
  return out;
}

/** The 16 bytes of `b` from `o` as 4 little-endian words (an IV or a chaining block). */
export function blockWords(b: Uint8Array, o = 0): Int32Array {
  return Int32Array.of(word(b, o), word(b, o + 4), word(b, o + 8), word(b, o + 12));
}
