import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ciphertextSize, mediaTierCiphertextSize } from '../../src/media/padding.js';
import {
  FREE_MEDIA_WINDOW_DAYS,
  MAX_OBJECT_BYTES,
  type MediaPlan,
  type MediaReference,
  PAID_QUOTA_BYTES,
  type PlanPolicy,
  planMedia,
  resolvePlanPolicy,
  type StoredObject,
} from '../../src/incremental/plan.js';

const DAY = 86_400_000;
const NOW = 1_750_000_000_000;

// A small name space so that references, duplicates and the store's listing overlap often.
const nameArb = fc.integer({ min: 0, max: 40 }).map((i) => `m${i}`);
const refArb: fc.Arbitrary<MediaReference> = fc.record({
  mediaName: nameArb,
  size: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 3_000_000 })),
  sentAtMs: fc.integer({ min: NOW - 100 * DAY, max: NOW }),
  thumbnail: fc.boolean(),
  excluded: fc.boolean().map((b) => (b ? true : undefined)),
});
// Stored sizes near the expected ones (592 = a small medium in a local folder, 656 on the media
// tier) exercise right-size, wrong-size and quota edges; random ones exercise the rest.
const storedSizeArb = fc.oneof(fc.integer({ min: 0, max: 4_000_000 }), fc.constantFrom(591, 592, 593, 655, 656, 657));
const storedArb = fc.array(fc.record({ mediaId: nameArb, size: storedSizeArb }), {
  maxLength: 30,
});
const policyArb: fc.Arbitrary<PlanPolicy> = fc.record({
  tier: fc.constantFrom('free' as const, 'paid' as const),
  now: fc.constant(NOW),
  quotaBytes: fc.option(fc.oneof(fc.integer({ min: 0, max: 20_000_000 }), fc.integer({ min: 0, max: 4000 })), {
    nil: undefined,
  }),
  maxObjectBytes: fc.option(fc.integer({ min: 0, max: 4_000_000 }), { nil: undefined }),
  mediaWindowDays: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
  thumbnails: fc.option(fc.boolean(), { nil: undefined }),
  layout: fc.constantFrom('media-tier' as const, 'local' as const),
});
const RUNS = { numRuns: 300 };

/** The store after the plan: deletes removed, uploads written at their planned size. */
function apply(stored: readonly StoredObject[], plan: MediaPlan): StoredObject[] {
  const map = new Map<string, number>();
  for (const o of stored) map.set(o.mediaId, o.size);
  for (const d of plan.delete) map.delete(d.mediaId);
  for (const u of plan.upload) map.set(u.mediaId, u.bytes);
  return [...map].map(([mediaId, size]) => ({ mediaId, size }));
}

describe('planMedia properties', () => {
  it('never deletes a referenced object, and deletes every unreferenced one', () => {
    fc.assert(
      fc.property(fc.array(refArb, { maxLength: 40 }), storedArb, policyArb, (refs, stored, policy) => {
        const plan = planMedia(refs, stored, policy);
        const referenced = new Set(refs.map((r) => r.mediaName));
        for (const d of plan.delete) expect(referenced.has(d.mediaId)).toBe(false);
        const deleted = new Set(plan.delete.map((d) => d.mediaId));
        for (const o of stored) expect(deleted.has(o.mediaId)).toBe(!referenced.has(o.mediaId));
      }),
      RUNS,
    );
  });

  it('puts each referenced medium in exactly one of upload, keep, skipped; never uploads what is kept', () => {
    fc.assert(
      fc.property(fc.array(refArb, { maxLength: 40 }), storedArb, policyArb, (refs, stored, policy) => {
        const plan = planMedia(refs, stored, policy);
        const all = [...plan.upload, ...plan.keep, ...plan.skipped].map((x) => x.mediaId);
        expect(new Set(all).size).toBe(all.length);
        expect(new Set(all)).toEqual(new Set(refs.map((r) => r.mediaName)));
        const kept = new Set(plan.keep.map((k) => k.mediaId));
        for (const u of plan.upload) expect(kept.has(u.mediaId)).toBe(false);
      }),
      RUNS,
    );
  });

  it('never exceeds the quota (unless the referenced objects already held exceed it; then it never grows)', () => {
    fc.assert(
      fc.property(fc.array(refArb, { maxLength: 40 }), storedArb, policyArb, (refs, stored, policy) => {
        const plan = planMedia(refs, stored, policy);
        const after = apply(stored, plan).reduce((a, o) => a + o.size, 0);
        expect(plan.totals.storedAfterBytes).toBe(after);
        const heldBefore = plan.totals.storedBeforeBytes - plan.totals.deleteBytes;
        const quota = plan.policy.quotaBytes;
        if (heldBefore <= quota) expect(after).toBeLessThanOrEqual(quota);
        else expect(after).toBeLessThanOrEqual(heldBefore);
        // Any upload that grows the store leaves it within the quota.
        if (plan.upload.some((u) => u.bytes > u.replaces)) expect(after).toBeLessThanOrEqual(quota);
        expect(plan.totals.headroomBytes).toBe(quota - after);
        // Maximal: nothing skipped for quota would still fit.
        for (const s of plan.skipped.filter((x) => x.reason === 'over-quota' && !x.stored)) {
          expect(after + s.bytes).toBeGreaterThan(quota);
        }
      }),
      RUNS,
    );
  });

  it('is idempotent: planning again after applying a plan uploads and deletes nothing', () => {
    fc.assert(
      fc.property(fc.array(refArb, { maxLength: 40 }), storedArb, policyArb, (refs, stored, policy) => {
        const plan = planMedia(refs, stored, policy);
        const again = planMedia(refs, apply(stored, plan), policy);
        expect(again.upload).toEqual([]);
        expect(again.delete).toEqual([]);
        expect(again.totals.storedAfterBytes).toBe(plan.totals.storedAfterBytes);
      }),
      RUNS,
    );
  });

  it('is deterministic and does not depend on the order of the listing', () => {
    fc.assert(
      fc.property(fc.array(refArb, { maxLength: 40 }), storedArb, policyArb, (refs, stored, policy) => {
        const a = planMedia(refs, stored, policy);
        const b = planMedia(refs, [...stored].reverse().reverse(), policy);
        expect(b).toEqual(a);
        const unique = [...new Map(stored.map((o) => [o.mediaId, o])).values()];
        const c = planMedia(refs, [...unique].reverse(), policy);
        const d = planMedia(refs, unique, policy);
        expect(c.delete).toEqual(d.delete);
        expect(c.upload).toEqual(d.upload);
      }),
      RUNS,
    );
  });

  it('keeps the newest media when every medium has the same size', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 100 * DAY }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 40 }),
        (ages, fit) => {
          const refs = ages.map((age, i) => ({
            mediaName: `m${i}`,
            size: 1000,
            sentAtMs: NOW - age,
            thumbnail: false,
          }));
          const each = mediaTierCiphertextSize(1000);
          const plan = planMedia(refs, [], { tier: 'paid', now: NOW, quotaBytes: fit * each + (each - 1) });
          const newest = [...refs].sort((x, y) => y.sentAtMs - x.sentAtMs).slice(0, fit);
          expect(plan.upload.map((u) => u.mediaName)).toEqual(newest.map((r) => r.mediaName));
          expect(plan.skipped.every((s) => s.reason === 'over-quota')).toBe(true);
        },
      ),
      RUNS,
    );
  });
});

describe('planMedia boundaries and defaults', () => {
  const ref = (over: Partial<MediaReference>): MediaReference => ({
    mediaName: 'a',
    size: 100,
    sentAtMs: NOW,
    thumbnail: false,
    ...over,
  });

  it('free-tier window is exact: sent exactly 45 days ago is in, one ms earlier is out', () => {
    const edge = NOW - FREE_MEDIA_WINDOW_DAYS * DAY;
    const plan = planMedia(
      [ref({ mediaName: 'in', sentAtMs: edge }), ref({ mediaName: 'out', sentAtMs: edge - 1 })],
      [],
      { tier: 'free', now: NOW },
    );
    expect(plan.upload.map((u) => u.mediaName)).toEqual(['in']);
    expect(plan.skipped).toMatchObject([{ mediaName: 'out', reason: 'outside-window', stored: false }]);
  });

  it('size cap is exact on the attachment blob: at the cap is in, one byte over is out', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000_000 }), (size) => {
        const cap = ciphertextSize(size);
        const r = [ref({ size })];
        expect(planMedia(r, [], { tier: 'paid', now: NOW, maxObjectBytes: cap }).upload).toHaveLength(1);
        expect(planMedia(r, [], { tier: 'paid', now: NOW, maxObjectBytes: cap - 1 }).skipped[0]?.reason).toBe(
          'too-large',
        );
      }),
      RUNS,
    );
  });

  it('default cap is 101 MiB (Signal-Server MAX_MEDIA_OBJECT_SIZE) and quota 100 GiB', () => {
    expect(MAX_OBJECT_BYTES).toBe(105_906_176);
    expect(PAID_QUOTA_BYTES).toBe(107_374_182_400);
    const paid = resolvePlanPolicy({ tier: 'paid', now: NOW });
    expect(paid).toMatchObject({ quotaBytes: PAID_QUOTA_BYTES, mediaWindowDays: Infinity, thumbnails: true });
    const free = resolvePlanPolicy({ tier: 'free', now: NOW });
    expect(free).toMatchObject({ quotaBytes: Infinity, mediaWindowDays: 45, thumbnails: false });
    // A 90 MiB video fits; 101 MiB does not once padded (buckets grow by up to 5%) and encrypted.
    const plan = planMedia(
      [ref({ mediaName: 'a', size: 90 * 1024 * 1024 }), ref({ mediaName: 'b', size: 101 * 1024 * 1024 })],
      [],
      paid,
    );
    expect(plan.upload.map((u) => u.mediaName)).toEqual(['a']);
    expect(plan.skipped.map((s) => [s.mediaName, s.reason])).toEqual([['b', 'too-large']]);
  });

  it('the largest plaintext under the default cap is 102,224,512 bytes (padding can add 5%)', () => {
    const paid = { tier: 'paid' as const, now: NOW };
    expect(planMedia([ref({ size: 102_224_512 })], [], paid).upload).toHaveLength(1);
    expect(planMedia([ref({ size: 102_224_513 })], [], paid).skipped[0]?.reason).toBe('too-large');
  });

  it('quota boundary: a medium that exactly fills the quota is uploaded', () => {
    const bytes = mediaTierCiphertextSize(100);
    expect(planMedia([ref({})], [], { tier: 'paid', now: NOW, quotaBytes: bytes }).upload).toHaveLength(1);
    expect(planMedia([ref({})], [], { tier: 'paid', now: NOW, quotaBytes: bytes - 1 }).skipped[0]?.reason).toBe(
      'over-quota',
    );
  });

  it('keeps a held object of the right size, re-uploads one of the wrong size, keeps thumbnails of any size', () => {
    const right = mediaTierCiphertextSize(100);
    const plan = planMedia(
      [ref({ mediaName: 'ok' }), ref({ mediaName: 'bad' }), ref({ mediaName: 'ok_thumbnail', thumbnail: true })],
      [
        { mediaId: 'ok', size: right },
        { mediaId: 'bad', size: right + 16 },
        { mediaId: 'ok_thumbnail', size: 7 },
        { mediaId: 'gone', size: 3 },
      ],
      { tier: 'paid', now: NOW },
    );
    expect(plan.keep.map((k) => k.mediaId)).toEqual(['ok', 'ok_thumbnail']);
    expect(plan.upload).toMatchObject([{ mediaId: 'bad', bytes: right, replaces: right + 16 }]);
    expect(plan.delete).toEqual([{ mediaId: 'gone', size: 3 }]);
    expect(plan.totals).toMatchObject({ keepBytes: right + 7, uploadBytes: right, deleteBytes: 3 });
  });

  it('leaves a referenced but ineligible object in place, and matches on mediaId when given', () => {
    const plan = planMedia(
      [ref({ mediaName: 'name', mediaId: 'ID', excluded: true }), ref({ mediaName: 'name', mediaId: 'ID' })],
      [{ mediaId: 'ID', size: 5 }],
      { tier: 'paid', now: NOW, thumbnails: false },
    );
    // One reference is not excluded, so the medium is eligible; the size differs, so it is re-uploaded.
    expect(plan.upload).toMatchObject([{ mediaId: 'ID', mediaName: 'name', replaces: 5 }]);
    const held = planMedia(
      [ref({ mediaName: 'x_thumbnail', thumbnail: true })],
      [{ mediaId: 'x_thumbnail', size: 9 }],
      {
        tier: 'free',
        now: NOW,
      },
    );
    expect(held.skipped).toMatchObject([{ reason: 'excluded', stored: true, bytes: 9 }]);
    expect(held.delete).toEqual([]);
    expect(held.totals.heldBytes).toBe(9);
  });

  it('uses the local layout size (the attachment blob) when asked', () => {
    const plan = planMedia([ref({})], [], { tier: 'paid', now: NOW, layout: 'local' });
    expect(plan.upload[0]?.bytes).toBe(ciphertextSize(100));
    // 100 bytes pad to 541, so 16 + 544 + 32.
    expect(ciphertextSize(100)).toBe(592);
  });

  it('rejects malformed input naming the argument', () => {
    expect(() => planMedia([ref({ size: -1 })], [], { tier: 'paid', now: NOW })).toThrow(/references\[0\]\.size/);
    expect(() => planMedia([], [{ mediaId: 'a', size: 1.5 }], { tier: 'paid', now: NOW })).toThrow(/stored\[0\]\.size/);
    expect(() => planMedia([], [], { tier: 'gold' as 'paid', now: NOW })).toThrow(TypeError);
    expect(() => planMedia([], [], { tier: 'paid', now: Number.NaN })).toThrow(/policy\.now/);
    expect(() => planMedia([], [], { tier: 'paid', now: NOW, quotaBytes: -1 })).toThrow(RangeError);
    expect(() => planMedia({} as MediaReference[], [], { tier: 'paid', now: NOW })).toThrow(/references/);
  });
});
