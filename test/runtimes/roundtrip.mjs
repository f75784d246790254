// The same round trip in every runtime the README names (Node, Bun, Deno, QuickJS standing in for
// React Native's Hermes): plain JavaScript against the BUILT package, run by scripts/runtimes.mjs,
// which installs each runtime and decides which build `sbackup` resolves to (the `node` condition
// or the pure/WebCrypto one). Prints one JSON line: {"resolved", "passed", "failed", "failures", "checks"}.
// Known answers come from the committed vectors (vectors/keys.json, vectors/media/, vectors/container/).

// All imports in one place (the public names this round trip needs).
import {
  BackupReader,
  BackupWriter,
  decryptAttachment,
  deriveBackupKey,
  encryptAttachment,
  generateRecoveryKey,
  setRandomSource,
} from 'sbackup';
import { pureBackend } from 'sbackup/backends';
import { openBackup } from 'sbackup/container';
import { deriveBackupId, deriveBackupIdKeyPair, deriveMessageBackupKey } from 'sbackup/keys';
import { incrementalMac, verifyIncrementalMac } from 'sbackup/media';
import { generateSyntheticAccount } from 'sbackup/testing';
import decryptVectors from '../../vectors/container/decrypt.json' with { type: 'json' };
import keyVectors from '../../vectors/keys.json' with { type: 'json' };
import attachmentVectors from '../../vectors/media/attachments.json' with { type: 'json' };
import macVectors from '../../vectors/media/incremental-mac.json' with { type: 'json' };

// An engine without crypto.getRandomValues (QuickJS here, Hermes in an app) gets its randomness
// only through setRandomSource; the QuickJS driver provides a host function under this name.
const hostRandom = globalThis.__sbackupRuntimeRandom;
if (typeof hostRandom === 'function') setRandomSource(hostRandom);

const checks = [];

async function check(name, fn) {
  try {
    await fn();
    checks.push({ name, ok: true });
  } catch (e) {
    checks.push({ name, ok: false, error: `${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(e)}` });
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function equal(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: got ${String(actual)}, expected ${String(expected)}`);
}

const HEX = '0123456789abcdef';

function hex(bytes) {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4] + HEX[b & 15];
  return s;
}

function unhex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

async function rejects(promiseOrFn, code, what) {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    if (e?.code === code) return;
    throw new Error(`${what}: expected ${code}, got ${e?.code ?? e?.message ?? String(e)}`);
  }
  throw new Error(`${what}: expected ${code}, got success`);
}

async function collect(iterable) {
  const parts = [];
  let length = 0;
  for await (const p of iterable) {
    parts.push(p);
    length += p.length;
  }
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

await check('keys: generateRecoveryKey draws from the random source', () => {
  const a = generateRecoveryKey();
  const b = generateRecoveryKey();
  assert(/^[0-9a-z]{64}$/.test(a), `recovery key format (${a})`);
  assert(a !== b, 'two recovery keys differ');
  equal(deriveBackupKey(a).length, 32, 'BackupKey length');
});

await check('keys: known answers from vectors/keys.json', () => {
  const c = keyVectors.recoveryKeyCases.find((k) => k.source === 'reference' && k.forwardSecrecyToken);
  assert(c !== undefined, 'a reference case with a forward-secrecy token');
  const backupKey = deriveBackupKey(c.recoveryKey);
  equal(hex(backupKey), c.expected.backupKey, 'backupKey');
  const backupId = deriveBackupId(backupKey, c.aci);
  equal(hex(backupId), c.expected.backupId, 'backupId');
  const legacy = deriveMessageBackupKey(backupKey, backupId);
  equal(hex(legacy.hmacKey), c.expected.legacyMessageBackupHmacKey, 'legacy hmacKey');
  equal(hex(legacy.aesKey), c.expected.legacyMessageBackupAesKey, 'legacy aesKey');
  // X25519 (noble's curve code), as the hosted-backup credential key pair uses it.
  equal(hex(deriveBackupIdKeyPair(backupKey, c.aci).publicKey), c.expected.backupIdPublicKey, 'backupIdPublicKey');
  const modern = deriveMessageBackupKey(backupKey, backupId, unhex(c.forwardSecrecyToken));
  equal(hex(modern.hmacKey), c.expected.forwardSecrecyMessageBackupHmacKey, 'forward-secrecy hmacKey');
  equal(hex(modern.aesKey), c.expected.forwardSecrecyMessageBackupAesKey, 'forward-secrecy aesKey');
});

// A text that is not ASCII (2-, 3- and 4-byte UTF-8 sequences) goes through the protobuf codec.
const UNICODE_TEXT = 'Grüße, 世界 👋🏽 — ¿qué tal?';

await check('backup: BackupWriter -> BackupReader on a synthetic account', async () => {
  const acc = generateSyntheticAccount({ seed: 3, contacts: 3, groups: 1, messages: 40, attachments: 3 });
  const key = { recoveryKey: acc.recoveryKey, aci: acc.aci };
  const items = [...acc.chatItems()];
  const withText = items.find((i) => typeof i.standardMessage?.text?.body === 'string');
  assert(withText !== undefined, 'a chat item with text');
  withText.standardMessage.text.body = UNICODE_TEXT;
  const { bytes, result } = await new BackupWriter({ purpose: 'takeout', key }).writeToBytes(acc.backupContent(items));
  equal(result.bytes, bytes.length, 'reported size');
  equal(result.chatItemsRead, items.length, 'chat items read');
  const reader = await BackupReader.open(bytes, { key });
  equal(hex(reader.backupInfo.mediaRootBackupKey), hex(acc.backupInfo.mediaRootBackupKey), 'mediaRootBackupKey');
  const restored = await reader.readAll();
  assert(restored.account !== undefined, 'the account frame');
  equal(restored.account.username ?? null, acc.account.username ?? null, 'username');
  equal(
    restored.recipients.map((r) => String(r.id)).join(),
    acc.recipients.map((r) => String(r.id)).join(),
    'recipient ids',
  );
  equal(restored.chats.map((c) => String(c.id)).join(), acc.chats.map((c) => String(c.id)).join(), 'chat ids');
  equal(restored.chatItems.length, result.chatItemsWritten, 'chat items written');
  // What was kept comes back in order, with the same sender, time and text.
  const sig = (i) => `${i.chatId}/${i.authorId}/${i.dateSent}/${i.standardMessage?.text?.body ?? ''}`;
  const written = new Map(items.map((i) => [`${i.chatId}/${i.dateSent}`, sig(i)]));
  for (const i of restored.chatItems) equal(sig(i), written.get(`${i.chatId}/${i.dateSent}`), 'restored chat item');
  const back = restored.chatItems.find((i) => i.dateSent === withText.dateSent && i.chatId === withText.chatId);
  assert(back !== undefined, 'the non-ASCII chat item is kept');
  equal(back.standardMessage.text.body, UNICODE_TEXT, 'non-ASCII text');
  await rejects(
    BackupReader.open(bytes, { key: { recoveryKey: generateRecoveryKey(), aci: acc.aci } }),
    'MAC_MISMATCH',
    'wrong recovery key',
  );
});

await check('backup: the modern layout, with a forward-secrecy token', async () => {
  const acc = generateSyntheticAccount({ seed: 4, contacts: 2, groups: 1, messages: 10, attachments: 1 });
  const token = plaintextOf(32);
  const key = { recoveryKey: acc.recoveryKey, aci: acc.aci, forwardSecrecyToken: token };
  const { bytes, result } = await new BackupWriter({ purpose: 'remote', key }).writeToBytes(acc.backupContent());
  assert(result.metadata !== undefined, 'forward-secrecy metadata written');
  const reader = await BackupReader.open(bytes, { key });
  equal(reader.layout, 'modern', 'layout');
  let frames = 0;
  for await (const _ of reader.frames()) frames++;
  equal(frames, result.frames, 'frames read back');
  await rejects(
    BackupReader.open(bytes, {
      key: { recoveryKey: acc.recoveryKey, aci: acc.aci, forwardSecrecyToken: plaintextOf(33).subarray(1) },
    }),
    'MAC_MISMATCH',
    'wrong forward-secrecy token',
  );
});

await check('attachment: encrypt and decrypt (vectors/media/attachments.json)', async () => {
  const cases = attachmentVectors.cases.filter((c) => Number(c.size) > 0 && Number(c.size) <= 1000);
  assert(cases.length >= 3, 'attachment cases');
  for (const c of cases) {
    const key = unhex(c.key);
    const plaintext = unhex(c.plaintext);
    const enc = await encryptAttachment(plaintext, key, { iv: unhex(c.iv) });
    equal(hex(enc.ciphertext), c.ciphertext, `ciphertext (size ${c.size})`);
    equal(hex(enc.digest), c.digest, `digest (size ${c.size})`);
    equal(hex(enc.plaintextHash), c.plaintextHash, `plaintextHash (size ${c.size})`);
    equal(hex(enc.incrementalMac), c.incrementalMac, `incrementalMac (size ${c.size})`);
    const dec = await decryptAttachment(enc.ciphertext, key, { size: plaintext.length, digest: enc.digest });
    equal(hex(dec), c.plaintext, `decrypted (size ${c.size})`);
    const damaged = enc.ciphertext.slice();
    damaged[20] ^= 1;
    await rejects(decryptAttachment(damaged, key, { size: plaintext.length }), 'MAC_MISMATCH', 'damaged blob');
  }
  // A random IV (from the random source), a size of several AES blocks.
  const key = unhex(cases[0].key);
  const plaintext = plaintextOf(3000);
  const fresh = await encryptAttachment(plaintext, key);
  const again = await decryptAttachment(fresh.ciphertext, key, {
    size: plaintext.length,
    plaintextHash: fresh.plaintextHash,
  });
  equal(hex(again), hex(plaintext), 'random-IV round trip');
  equal(hex(fresh.plaintextHash), hex(sha256(plaintext)), 'plaintextHash is the SHA-256');
});

function sha256(bytes) {
  const h = pureBackend.sha256();
  h.update(bytes);
  return h.digest();
}

function plaintextOf(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

await check('incremental MAC: digest and verify (vectors/media/incremental-mac.json)', async () => {
  const key = unhex(macVectors.key);
  assert(macVectors.cases.length >= 5, 'incremental MAC cases');
  for (const c of macVectors.cases) {
    const data = unhex(c.data);
    const chunkSize = Number(c.chunkSize);
    equal(hex(incrementalMac(data, key, chunkSize)), c.digest, `digest (${data.length} bytes, chunk ${chunkSize})`);
    const verified = await collect(verifyIncrementalMac([data], key, chunkSize, unhex(c.digest)));
    equal(hex(verified), c.data, 'verified bytes');
    if (data.length > 0) {
      const damaged = data.slice();
      damaged[data.length - 1] ^= 0x80;
      await rejects(
        collect(verifyIncrementalMac([damaged], key, chunkSize, unhex(c.digest))),
        'MAC_MISMATCH',
        'damaged data',
      );
    }
  }
});

await check('container: every file of vectors/container/decrypt.json opens to its plaintext', async () => {
  assert(decryptVectors.cases.length >= 8, 'decrypt cases');
  for (const c of decryptVectors.cases) {
    const k = decryptVectors.keys[c.layout];
    const opened = await openBackup(unhex(c.file), { key: { hmacKey: unhex(k.hmacKey), aesKey: unhex(k.aesKey) } });
    equal(opened.layout, c.layout, `${c.description}: layout`);
    equal(opened.backupInfo.length, c.expected.backupInfoLength, `${c.description}: BackupInfo length`);
    const h = pureBackend.sha256();
    h.update(new Uint8Array(varint(opened.backupInfo.length)));
    h.update(opened.backupInfo);
    let frames = 0;
    for await (const f of opened.frames) {
      h.update(new Uint8Array(varint(f.length)));
      h.update(f);
      frames++;
    }
    equal(frames, c.expected.frameCount, `${c.description}: frames`);
    equal(hex(h.digest()), c.expected.plaintextSha256, `${c.description}: plaintext SHA-256`);
    equal(opened.trailer?.paddingLength, c.expected.paddingLength, `${c.description}: padding`);
  }
  const c = decryptVectors.cases[0];
  const k = decryptVectors.keys[c.layout];
  const wrong = { hmacKey: unhex(k.aesKey), aesKey: unhex(k.hmacKey) };
  await rejects(openBackup(unhex(c.file), { key: wrong }), 'MAC_MISMATCH', 'wrong key');
});

/** The file `sbackup` resolved to, where the runtime can say (the driver checks the build). */
function resolvedEntry() {
  try {
    return typeof import.meta.resolve === 'function' ? String(import.meta.resolve('sbackup')) : undefined;
  } catch {
    return undefined;
  }
}

const failures = checks.filter((c) => !c.ok);
console.log(
  JSON.stringify({
    resolved: resolvedEntry(),
    passed: checks.length - failures.length,
    failed: failures.length,
    failures: failures.map((f) => f.name),
    checks,
  }),
);
