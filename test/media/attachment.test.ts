import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AttachmentDecryptor,
  AttachmentEncryptor,
  decryptAttachment,
  decryptAttachmentProgressive,
  decryptAttachmentStream,
  encryptAttachment,
  encryptAttachmentStream,
  splitAttachmentKey,
} from '../../src/media/attachment.js';
import { incrementalMac, incrementalMacChunkSize } from '../../src/media/incrementalMac.js';
import { ciphertextSize, paddedSize } from '../../src/media/padding.js';
import { BACKENDS, bytes, codeOf, collect, hex, SYNC_BACKENDS, split } from './backends.js';

const KEY = bytes(64, 42);
const IV = bytes(16, 43);

describe('splitAttachmentKey', () => {
  it('takes the AES key first, the MAC key second (clients order)', () => {
    const { aesKey, hmacKey } = splitAttachmentKey(KEY);
    expect(hex(aesKey)).toBe(hex(KEY.subarray(0, 32)));
    expect(hex(hmacKey)).toBe(hex(KEY.subarray(32)));
    expect(() => splitAttachmentKey(new Uint8Array(32))).toThrow(RangeError);
  });
});

describe.each(BACKENDS.map((b) => [b.name, b] as const))('attachments (%s)', (_name, backend) => {
  it('round-trips and reports the FilePointer fields', async () => {
    for (const n of [0, 1, 15, 16, 17, 540, 541, 542, 4096, 70000]) {
      const pt = bytes(n, n + 1);
      const e = await encryptAttachment(pt, KEY, { iv: IV, backend });
      expect(e.ciphertext.length).toBe(ciphertextSize(n));
      expect(e.ciphertextSize).toBe(ciphertextSize(n));
      expect(e.size).toBe(n);
      expect(e.paddedSize).toBe(paddedSize(n));
      expect(hex(e.ciphertext.subarray(0, 16))).toBe(hex(IV));
      expect(e.incrementalMacChunkSize).toBe(incrementalMacChunkSize(ciphertextSize(n)));
      // incremental MAC over the whole blob with the attachment's MAC key
      expect(hex(e.incrementalMac!)).toBe(
        hex(incrementalMac(e.ciphertext, KEY.subarray(32), e.incrementalMacChunkSize!)),
      );
      const back = await decryptAttachment(e.ciphertext, KEY, {
        size: n,
        digest: e.digest,
        plaintextHash: e.plaintextHash,
        backend,
      });
      expect(hex(back)).toBe(hex(pt));
    }
  });

  it('gives the same bytes one-shot, streamed and pushed, however the input is cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(3000), fc.array(fc.nat(3000), { maxLength: 6 }), async (n, cuts) => {
        const pt = bytes(n, n + 3);
        const oneShot = await encryptAttachment(pt, KEY, { iv: IV, backend });
        const pieces = split(pt, cuts);
        let info: unknown;
        const streamed = await collect(
          encryptAttachmentStream(pieces, KEY, { iv: IV, backend, size: n, onInfo: (i) => (info = i) }),
        );
        expect(hex(streamed)).toBe(hex(oneShot.ciphertext));
        const { ciphertext, ...fields } = oneShot;
        expect(info).toEqual(fields);
        const back = await collect(
          decryptAttachmentStream({ length: streamed.length, open: () => split(streamed, cuts) }, KEY, {
            size: n,
            digest: oneShot.digest,
            backend,
          }),
        );
        expect(hex(back)).toBe(hex(pt));
      }),
      { numRuns: 25 },
    );
  });

  it('rejects every flipped byte of a small blob, releasing nothing', async () => {
    const pt = bytes(40, 9);
    const e = await encryptAttachment(pt, KEY, { iv: IV, backend });
    for (let i = 0; i < e.ciphertext.length; i++) {
      const bad = e.ciphertext.slice();
      bad[i]! ^= 0x80;
      expect(await codeOf(() => decryptAttachment(bad, KEY, { size: 40, backend }))).toBe('MAC_MISMATCH');
      let released = 0;
      const code = await codeOf(async () => {
        for await (const c of decryptAttachmentStream(bad, KEY, { size: 40, backend })) released += c.length;
      });
      expect(code).toBe('MAC_MISMATCH');
      expect(released).toBe(0);
    }
  });

  it('rejects truncation, a wrong key, a wrong size, a wrong digest or plaintext hash', async () => {
    const pt = bytes(1000, 10);
    const e = await encryptAttachment(pt, KEY, { iv: IV, backend });
    const ct = e.ciphertext;
    const dec = (blob: Uint8Array, opts: Partial<Parameters<typeof decryptAttachment>[2]> = {}, key = KEY) =>
      codeOf(() => decryptAttachment(blob, key, { size: 1000, backend, ...opts }));
    expect(await dec(ct)).toBe('none');
    for (const cut of [0, 1, 15, 16, 47, 48, 63, ct.length - 33, ct.length - 32, ct.length - 16, ct.length - 1]) {
      expect(['TRUNCATED', 'MAC_MISMATCH']).toContain(await dec(ct.subarray(0, cut)));
    }
    expect(await dec(ct.subarray(0, ct.length - 1))).toBe('TRUNCATED');
    expect(await dec(ct.subarray(0, ct.length - 16))).toBe('MAC_MISMATCH');
    expect(await dec(ct.subarray(0, 48))).toBe('TRUNCATED');
    expect(await dec(ct, {}, bytes(64, 99))).toBe('MAC_MISMATCH');
    // same MAC key, wrong AES key: the MAC passes, the padding or the size does not
    const wrongAes = new Uint8Array([...bytes(32, 98), ...KEY.subarray(32)]);
    expect(['BAD_PADDING', 'SIZE_MISMATCH']).toContain(await dec(ct, {}, wrongAes));
    // a size inside the zero padding cannot be told from the data alone; the plaintext hash catches it
    expect(await dec(ct, { size: 1001, plaintextHash: e.plaintextHash })).toBe('PLAINTEXT_HASH_MISMATCH');
    expect(await dec(ct, { size: paddedSize(1000) + 1 })).toBe('SIZE_MISMATCH');
    expect(await dec(ct, { size: 999 })).toBe('SIZE_MISMATCH');
    expect(await dec(ct, { size: 999, plaintextHash: e.plaintextHash })).not.toBe('none');
    expect(await dec(ct, { digest: bytes(32, 1) })).toBe('DIGEST_MISMATCH');
    expect(await dec(ct, { plaintextHash: bytes(32, 1) })).toBe('PLAINTEXT_HASH_MISMATCH');
    const stream = (opts: object) =>
      codeOf(() => collect(decryptAttachmentStream(ct, KEY, { size: 1000, backend, ...opts })));
    expect(await stream({ digest: bytes(32, 1) })).toBe('DIGEST_MISMATCH');
    expect(await stream({ plaintextHash: bytes(32, 1) })).toBe('PLAINTEXT_HASH_MISMATCH');
    expect(await stream({ size: 2000 })).toBe('SIZE_MISMATCH');
  });

  it('needs singlePass for a one-time stream, and then still rejects at the end', async () => {
    const e = await encryptAttachment(bytes(100, 1), KEY, { iv: IV, backend });
    const once = async function* () {
      yield e.ciphertext;
    };
    await expect(collect(decryptAttachmentStream(once(), KEY, { size: 100, backend }))).rejects.toThrow(TypeError);
    expect(hex(await collect(decryptAttachmentStream(once(), KEY, { size: 100, backend, singlePass: true })))).toBe(
      hex(bytes(100, 1)),
    );
    const bad = e.ciphertext.slice();
    bad[bad.length - 1]! ^= 1;
    expect(
      await codeOf(() => collect(decryptAttachmentStream([bad], KEY, { size: 100, backend, singlePass: true }))),
    ).toBe('MAC_MISMATCH');
    expect(
      await codeOf(() =>
        collect(
          decryptAttachmentStream([e.ciphertext], KEY, { size: 100, backend, singlePass: true, digest: bytes(32) }),
        ),
      ),
    ).toBe('DIGEST_MISMATCH');
  });

  it('reads Blobs and ReadableStreams', async () => {
    const pt = bytes(5000, 2);
    const blob = new Blob([pt as Uint8Array<ArrayBuffer>]);
    const e = await collect(encryptAttachmentStream(blob, KEY, { iv: IV, backend }));
    expect(hex(e)).toBe(hex((await encryptAttachment(pt, KEY, { iv: IV, backend })).ciphertext));
    const rs = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(e.subarray(0, 100));
        c.enqueue(e.subarray(100));
        c.close();
      },
    });
    expect(hex(await collect(decryptAttachmentStream(rs, KEY, { size: 5000, backend, singlePass: true })))).toBe(
      hex(pt),
    );
    expect(
      hex(
        await collect(decryptAttachmentStream(new Blob([e as Uint8Array<ArrayBuffer>]), KEY, { size: 5000, backend })),
      ),
    ).toBe(hex(pt));
  });

  it('progressive decryption releases only incrementally verified data', async () => {
    const n = 300_000;
    const pt = bytes(n, 12);
    const e = await encryptAttachment(pt, KEY, { iv: IV, backend });
    const opts = {
      size: n,
      backend,
      incrementalMac: e.incrementalMac!,
      chunkSize: e.incrementalMacChunkSize!,
      digest: e.digest,
      plaintextHash: e.plaintextHash,
    };
    expect(hex(await collect(decryptAttachmentProgressive(split(e.ciphertext, [1, 70000, 200001]), KEY, opts)))).toBe(
      hex(pt),
    );
    // damage the third 64 KiB chunk: the first two chunks' plaintext may come out, nothing after
    const bad = e.ciphertext.slice();
    const at = 2 * 65536 + 10;
    bad[at]! ^= 1;
    let released = 0;
    const code = await codeOf(async () => {
      for await (const c of decryptAttachmentProgressive([bad], KEY, opts)) released += c.length;
    });
    expect(code).toBe('MAC_MISMATCH');
    expect(released).toBeLessThanOrEqual(2 * 65536);
  });
});

describe.each(SYNC_BACKENDS.map((b) => [b.name, b] as const))('push classes (%s)', (_name, backend) => {
  it('encrypt and decrypt in pushed pieces, byte for byte as the one-shot', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(2000), fc.array(fc.nat(2000), { maxLength: 5 }), async (n, cuts) => {
        const pt = bytes(n, n);
        const enc = new AttachmentEncryptor(KEY, { iv: IV, backend, size: n });
        const parts = split(pt, cuts).map((p) => enc.push(p));
        parts.push(enc.finish());
        const ct = Uint8Array.from(parts.flatMap((p) => [...p]));
        const ref = await encryptAttachment(pt, KEY, { iv: IV, backend });
        expect(hex(ct)).toBe(hex(ref.ciphertext));
        expect(hex(enc.info!.incrementalMac!)).toBe(hex(ref.incrementalMac!));
        const dec = new AttachmentDecryptor(KEY, { size: n, backend, singlePass: true, digest: ref.digest });
        const out = split(ct, cuts).map((p) => dec.push(p));
        out.push(dec.finish());
        expect(hex(Uint8Array.from(out.flatMap((p) => [...p])))).toBe(hex(pt));
      }),
      { numRuns: 25 },
    );
  });

  it('check the declared size and refuse to release unverified data silently', () => {
    const enc = new AttachmentEncryptor(KEY, { backend, size: 3 });
    enc.push(new Uint8Array(2));
    expect(() => enc.finish()).toThrow(expect.objectContaining({ code: 'SIZE_MISMATCH' }));
    const enc2 = new AttachmentEncryptor(KEY, { backend, size: 1 });
    expect(() => enc2.push(new Uint8Array(2))).toThrow(expect.objectContaining({ code: 'SIZE_MISMATCH' }));
    expect(() => new AttachmentDecryptor(KEY, { size: 1, backend } as never)).toThrow(TypeError);
  });
});
