import { describe, expect, it } from 'vitest';
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
import { fromHex, toHex } from '../../src/internal/bytes.js';
import credentialVectors from '../../vectors/zk/credential.json' with { type: 'json' };
import shoVectors from '../../vectors/zk/sho.json' with { type: 'json' };
import xeddsaVectors from '../../vectors/zk/xeddsa.json' with { type: 'json' };
import { thrownCode } from '../helpers/codes.js';

describe('vectors/zk/sho.json', () => {
  for (const [i, c] of shoVectors.sho.entries()) {
    it(`${c.construction} sequence ${i >> 1} (libsignal's test vector)`, () => {
      const sho =
        c.construction === 'ShoHmacSha256' ? new ShoHmacSha256(fromHex(c.label)) : new ShoSha256(fromHex(c.label));
      let checked = 0;
      for (const op of c.operations) {
        if ('absorbAndRatchet' in op) {
          sho.absorbAndRatchet(fromHex(op.absorbAndRatchet as string));
        } else {
          const out = sho.squeezeAndRatchet(op.squeezeAndRatchet as number);
          if ('expected' in op) {
            expect(toHex(out)).toBe(op.expected);
            checked++;
          }
        }
      }
      expect(checked).toBe(1);
    });
  }

  it("poksho's complex statement: same description and proof, and the proof verifies", () => {
    const v = shoVectors.poksho;
    const s = Object.fromEntries(Object.entries(v.scalarsFromWide).map(([k, h]) => [k, scalarFromWide(fromHex(h))]));
    const H = mul(BASE, scalarFromWide(fromHex(v.pointsAsWideScalarTimesG.H)));
    const I = mul(BASE, scalarFromWide(fromHex(v.pointsAsWideScalarTimesG.I)));
    const A = mul(BASE, s.a!).add(mul(H, s.b!)).add(mul(I, s.c!));
    const B = mul(H, s.c!).add(mul(I, s.d!));
    const st = new Statement();
    for (const [lhs, terms] of v.equations as [string, [string, string][]][]) st.add(lhs, terms);
    expect(toHex(st.description())).toBe(v.expectedDescription);
    const points = { A, B, H, I };
    const proof = st.prove(s, points, fromHex(v.message), fromHex(v.randomness));
    expect(toHex(proof)).toBe(v.expectedProof);
    expect(st.verify(proof, points, new Uint8Array(0))).toBe(true);
    expect(st.verify(proof, points, Uint8Array.of(0))).toBe(false);
    expect(st.verify(proof, { A: B, B: A, H, I }, new Uint8Array(0))).toBe(false);
    const bad = proof.slice();
    bad[bad.length - 1]! ^= 1;
    expect(st.verify(bad, points, new Uint8Array(0))).toBe(false);
    expect(st.verify(proof.subarray(0, proof.length - 32), points, new Uint8Array(0))).toBe(false);
  });

  it("zkcredential's system points", () => {
    const sys = systemParams();
    const all = [sys.G_w, sys.G_wprime, sys.G_x0, sys.G_x1, sys.G_V, sys.G_z, ...sys.G_y];
    expect(all.map((p) => toHex(p.toBytes())).join('')).toBe(shoVectors.systemParams.expected);
  });
});

describe('vectors/zk/credential.json', () => {
  it('has the libsignal test-input cases and negative cases for every object', () => {
    expect(credentialVectors.cases.length).toBeGreaterThanOrEqual(4);
    const objects = new Set(credentialVectors.negative.map((n) => n.object));
    expect([...objects].sort()).toEqual([
      'credential',
      'presentation',
      'requestContext',
      'response',
      'serverPublicParams',
    ]);
  });

  for (const c of credentialVectors.cases) {
    it(c.comment, () => {
      const e = c.expected;
      const ctx = BackupAuthCredentialRequestContext.create(fromHex(c.key), c.aci);
      expect(toHex(ctx.serialize())).toBe(e.requestContext);
      expect(toHex(ctx.getRequest())).toBe(e.request);
      expect(toHex(ctx.backupId)).toBe(e.backupId);
      const params = BackupServerPublicParams.deserialize(fromHex(c.serverPublicParams));
      const credential = ctx.receive(fromHex(c.response), c.redemptionTime, params);
      expect(toHex(credential.serialize())).toBe(e.credential);
      expect([toHex(credential.backupId), credential.level, credential.type, credential.redemptionTime]).toEqual([
        e.backupId,
        c.level,
        c.type,
        c.redemptionTime,
      ]);
      const presentation = credential.presentWithRandom(params, fromHex(c.presentRandomness));
      expect(toHex(presentation)).toBe(e.presentation);
      // The same from the serialized forms.
      const again = BackupAuthCredential.deserialize(fromHex(e.credential));
      expect(toHex(again.presentWithRandom(fromHex(c.serverPublicParams), fromHex(c.presentRandomness)))).toBe(
        e.presentation,
      );
      const read = BackupAuthCredentialPresentation.deserialize(presentation);
      expect([toHex(read.backupId), read.level, read.type, read.redemptionTime]).toEqual([
        e.backupId,
        c.level,
        c.type,
        c.redemptionTime,
      ]);
      const fromBytes = BackupAuthCredentialRequestContext.deserialize(fromHex(e.requestContext));
      expect(
        toHex(fromBytes.receive(fromHex(c.response), c.redemptionTime, fromHex(c.serverPublicParams)).serialize()),
      ).toBe(e.credential);
    });
  }

  it('a zero blinding scalar gives the identity as public key', () => {
    const z = credentialVectors.zeroBlindingScalar;
    expect(toHex(BackupAuthCredentialRequestContext.deserialize(fromHex(z.requestContext)).getRequest())).toBe(
      z.expectedRequest,
    );
  });

  const first = credentialVectors.cases[0]!;
  for (const n of credentialVectors.negative) {
    it(`refuses ${n.object}: ${n.description} (${n.error})`, () => {
      const bytes = fromHex(n.bytes);
      const run = {
        response: () => {
          const ctxBytes = 'requestContext' in n ? (n.requestContext as string) : first.expected.requestContext;
          const ctx = BackupAuthCredentialRequestContext.deserialize(fromHex(ctxBytes));
          return ctx.receive(
            bytes,
            (n as { redemptionTime: number }).redemptionTime,
            fromHex(first.serverPublicParams),
          );
        },
        credential: () => BackupAuthCredential.deserialize(bytes),
        requestContext: () => BackupAuthCredentialRequestContext.deserialize(bytes),
        serverPublicParams: () => BackupServerPublicParams.deserialize(bytes),
        presentation: () => BackupAuthCredentialPresentation.deserialize(bytes),
      }[n.object as 'response'];
      expect(thrownCode(run)).toBe(n.error);
    });
  }
});

describe('vectors/zk/xeddsa.json', () => {
  const r = xeddsaVectors.reference;

  it("verifies libsignal's test signature, and refuses it with any byte changed", () => {
    const pub = fromHex(r.publicKey);
    const message = fromHex(r.message);
    const sig = fromHex(r.signature);
    expect(xeddsaVerify(pub, message, sig)).toBe(true);
    expect(xeddsaVerify(pub.subarray(1), message, sig)).toBe(true);
    for (let i = 0; i < 64; i++) {
      const bad = sig.slice();
      bad[i]! ^= 0x01;
      expect(xeddsaVerify(pub, message, bad), `byte ${i}`).toBe(false);
    }
  });

  for (const s of xeddsaVectors.signatures) {
    it(`signs deterministically: ${s.comment}`, () => {
      const sig = xeddsaSignWithRandom(fromHex(s.privateKey), fromHex(s.message), fromHex(s.randomness));
      expect(toHex(sig)).toBe(s.signature);
      expect(xeddsaVerify(fromHex(s.publicKey), fromHex(s.message), sig)).toBe(true);
    });
  }

  it('accepts x = 0 with the sign bit set, as libsignal does', () => {
    const z = xeddsaVectors.xZeroSignBit;
    expect(xeddsaVerify(fromHex(z.publicKey), fromHex(z.message), fromHex(z.signature))).toBe(true);
  });

  for (const n of xeddsaVectors.negative) {
    it(`refuses: ${n.description}`, () => {
      expect(xeddsaVerify(fromHex(n.publicKey), fromHex(n.message), fromHex(n.signature))).toBe(false);
    });
  }
});
