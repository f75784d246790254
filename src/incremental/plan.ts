/**
 * The incremental media planner: given the media a new backup references, what the store already
 * holds, and a policy (tier, quota, size cap, window), decide what to upload, keep, delete and
 * skip. A pure, synchronous function: no storage, no crypto, no clock (the caller passes `now`),
 * so the same input always gives the same plan.
 *
 * Rules, in order:
 * 1. References with the same store name (`mediaId ?? mediaName`) are one medium; its date is the
 *    newest reference's, it is excluded only if every reference is.
 * 2. A medium is ineligible when excluded (by the caller, or a thumbnail with thumbnails off),
 *    older than the window, or larger than `maxObjectBytes`. Ineligible media are `skipped`; if
 *    the store already holds one it is left in place (`stored: true`), never deleted, because the
 *    backup still references it.
 * 3. An eligible medium the store holds with the right size (thumbnails: any size) is `keep`.
 * 4. The rest are upload candidates, newest first (ties by name). Each is uploaded if it fits in
 *    the quota beside everything kept and every newer upload (first fit); otherwise it is skipped
 *    `over-quota`. A held object of the wrong size is overwritten by its upload (always, when
 *    the new object is no larger).
 * 5. Everything the store holds that no reference names is `delete`.
 * Applying a plan (deletes first, then uploads) and planning again gives no uploads and no deletes.
 */

import { cbcHmacSize, ciphertextSize } from '../media/padding.js';

/** Backup tiers (libsignal zkgroup `BackupLevel`: Free = 200, Paid = 201). */
export type MediaTier = 'free' | 'paid';

/**
 * Where the plan's objects live, which fixes their stored size: `media-tier` objects are the
 * attachment blob encrypted again by the server; `local` files are the attachment blob itself.
 */
export type StoreLayout = 'media-tier' | 'local';

/** Why a referenced medium is not in the store after the plan. */
export type SkipReason = 'excluded' | 'outside-window' | 'too-large' | 'over-quota';

/** A medium the new backup references (one per attachment pointer, and one per thumbnail). */
export interface MediaReference {
  /** Remote media name: `hex(plaintextHash ‖ key)`, with `_thumbnail` appended for a thumbnail. */
  readonly mediaName: string;
  /**
   * The object's name in the store: the base64url media id on the media tier, the local media name
   * in a local folder. Defaults to `mediaName`.
   */
  readonly mediaId?: string;
  /** Plaintext size in bytes (`LocatorInfo.size`); for a thumbnail, its size if known, else an estimate. */
  readonly size: number;
  /** Date of the message that references it (ms since the epoch). */
  readonly sentAtMs: number;
  /** True for a media-tier thumbnail (made by the backup, not sent in the chat). */
  readonly thumbnail: boolean;
  /** MIME type from the FilePointer, informative. */
  readonly contentType?: string;
  /** True when the caller's own rules leave it out (view-once, stories, ...). */
  readonly excluded?: boolean;
}

/** An object the store holds, as its listing reports it. */
export interface StoredObject {
  /** The object's name in the store (base64url media id, or local media name). */
  readonly mediaId: string;
  /** Its size in bytes as stored. */
  readonly size: number;
}

/** What the plan may do. Unset fields take the tier's defaults ({@link resolvePlanPolicy}). */
export interface PlanPolicy {
  /** The account's backup tier; it sets the defaults of the unset fields. */
  readonly tier: MediaTier;
  /** The current time (ms since the epoch); the window is measured back from it. */
  readonly now: number;
  /** Most bytes the store may hold after the plan (`Infinity` for no limit). */
  readonly quotaBytes?: number;
  /** Largest attachment blob (transit ciphertext) the store accepts. */
  readonly maxObjectBytes?: number;
  /** Only media sent in the last this-many days (`Infinity` for all). */
  readonly mediaWindowDays?: number;
  /** Whether thumbnails are backed up. */
  readonly thumbnails?: boolean;
  /** How stored sizes are computed; default `media-tier`. */
  readonly layout?: StoreLayout;
  /** Re-upload held objects whose size differs from the expected one; default true. */
  readonly checkSizes?: boolean;
}

/** A policy with every field set. */
export type ResolvedPlanPolicy = Required<PlanPolicy>;

/** One medium in a plan. */
export interface PlannedMedia {
  /** Index of the first input reference with this store name. */
  readonly index: number;
  /** The object's name in the store (the references' `mediaId ?? mediaName`). */
  readonly mediaId: string;
  /** Remote media name of the first reference with this store name. */
  readonly mediaName: string;
  /** Bytes it takes in the store: as listed for `keep` and held objects, else as it will be written. */
  readonly bytes: number;
  /** Date of the newest reference (ms since the epoch). */
  readonly sentAtMs: number;
  /** True for a media-tier thumbnail (as the first reference says). */
  readonly thumbnail: boolean;
}

/** A medium to upload; `replaces` is the size of a wrong-size object it overwrites (0 if none). */
export interface UploadMedia extends PlannedMedia {
  /** Bytes of the wrong-size held object this upload overwrites; 0 when the store has none. */
  readonly replaces: number;
}

/** A referenced medium the plan leaves out; `stored` when the store holds it anyway (left in place). */
export interface SkippedMedia extends PlannedMedia {
  /** Why it is left out. */
  readonly reason: SkipReason;
  /** True when the store holds it anyway; it is left in place, not deleted. */
  readonly stored: boolean;
}

/** Byte totals of a plan. */
export interface PlanTotals {
  /** Bytes the uploads will take in the store (overwritten objects not subtracted). */
  readonly uploadBytes: number;
  /** Bytes of the held objects kept as they are. */
  readonly keepBytes: number;
  /** Bytes of the held objects to delete (no reference names them). */
  readonly deleteBytes: number;
  /** Bytes of skipped media not in the store (what the policy leaves out). */
  readonly skippedBytes: number;
  /** Bytes of skipped media the store holds and keeps (referenced, so not deleted). */
  readonly heldBytes: number;
  /** Bytes the store holds before the plan (its listing, a repeated name counted once). */
  readonly storedBeforeBytes: number;
  /** Bytes the store will hold once the plan is applied. */
  readonly storedAfterBytes: number;
  /** The resolved quota in bytes (`Infinity` for no limit). */
  readonly quotaBytes: number;
  /** `quotaBytes - storedAfterBytes`; negative only if the store already held more than the quota. */
  readonly headroomBytes: number;
}

/** The result of {@link planMedia}. Lists are in a fixed order (uploads newest first). */
export interface MediaPlan {
  /** Media to upload, newest first (ties by store name). */
  readonly upload: UploadMedia[];
  /** Media the store already holds with the right size, in order of first reference. */
  readonly keep: PlannedMedia[];
  /** Held objects no reference names, by name; delete them before uploading. */
  readonly delete: StoredObject[];
  /** Referenced media the plan leaves out, with the reason. */
  readonly skipped: SkippedMedia[];
  /** Byte totals of the lists above and of the store before and after. */
  readonly totals: PlanTotals;
  /** The policy the plan used, with every default filled in. */
  readonly policy: ResolvedPlanPolicy;
}

/** 1 GiB. */
const GIB = 1024 ** 3;
/** 1 MiB. */
const MIB = 1024 ** 2;
/** A day in ms. */
const DAY_MS = 86_400_000;

/**
 * Paid quota: 100 GiB (Signal-Server `BackupManager.MAX_TOTAL_BACKUP_MEDIA_BYTES`; iOS's fallback
 * `storageAllowanceBytes` is 100 GB decimal; the server's own limit is the one enforced).
 */
export const PAID_QUOTA_BYTES = 100 * GIB;
/** Largest copy source: 101 MiB (Signal-Server `BackupManager.MAX_MEDIA_OBJECT_SIZE`, checked on `sourceLength`). */
export const MAX_OBJECT_BYTES = 101 * MIB;
/** Free tier keeps media of the last 45 days (server config `backup.freeTierMediaDays`; iOS default 45). */
export const FREE_MEDIA_WINDOW_DAYS = 45;

/**
 * The policy with defaults filled in. Free: no quota, a 45-day window, no thumbnails (clients
 * upload no thumbnails on the free tier). Paid: 100 GiB, no window, thumbnails. Both: 101 MiB per
 * object, `media-tier` layout, sizes checked.
 *
 * @throws {TypeError} when `policy` is not an object or `tier` / `layout` is unknown.
 * @throws {RangeError} when a number is negative, not finite where it must be, or not an integer.
 */
export function resolvePlanPolicy(policy: PlanPolicy): ResolvedPlanPolicy {
  if (typeof policy !== 'object' || policy === null) throw new TypeError('"policy" expected an object');
  const { tier } = policy;
  if (tier !== 'free' && tier !== 'paid')
    throw new TypeError(`"policy.tier" expected "free" or "paid", got ${String(tier)}`);
  const paid = tier === 'paid';
  const layout = policy.layout ?? 'media-tier';
  if (layout !== 'media-tier' && layout !== 'local') {
    throw new TypeError(`"policy.layout" expected "media-tier" or "local", got ${String(layout)}`);
  }
  const resolved: ResolvedPlanPolicy = {
    tier,
    now: policy.now,
    quotaBytes: policy.quotaBytes ?? (paid ? PAID_QUOTA_BYTES : Number.POSITIVE_INFINITY),
    maxObjectBytes: policy.maxObjectBytes ?? MAX_OBJECT_BYTES,
    mediaWindowDays: policy.mediaWindowDays ?? (paid ? Number.POSITIVE_INFINITY : FREE_MEDIA_WINDOW_DAYS),
    thumbnails: policy.thumbnails ?? paid,
    layout,
    checkSizes: policy.checkSizes ?? true,
  };
  if (typeof resolved.now !== 'number' || !Number.isFinite(resolved.now)) {
    throw new RangeError(`"policy.now" expected a finite number of ms, got ${String(resolved.now)}`);
  }
  for (const name of ['quotaBytes', 'maxObjectBytes', 'mediaWindowDays'] as const) {
    const v = resolved[name];
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (Number.isFinite(v) && !Number.isInteger(v))) {
      throw new RangeError(`"policy.${name}" expected a non-negative integer or Infinity, got ${String(v)}`);
    }
  }
  if (typeof resolved.thumbnails !== 'boolean') throw new TypeError('"policy.thumbnails" expected a boolean');
  if (typeof resolved.checkSizes !== 'boolean') throw new TypeError('"policy.checkSizes" expected a boolean');
  return resolved;
}

function checkReference(ref: MediaReference, i: number): void {
  if (typeof ref !== 'object' || ref === null) throw new TypeError(`"references[${i}]" expected an object`);
  if (typeof ref.mediaName !== 'string') throw new TypeError(`"references[${i}].mediaName" expected a string`);
  if (ref.mediaId !== undefined && typeof ref.mediaId !== 'string') {
    throw new TypeError(`"references[${i}].mediaId" expected a string`);
  }
  if (!Number.isSafeInteger(ref.size) || ref.size < 0) {
    throw new RangeError(`"references[${i}].size" expected a non-negative integer, got ${String(ref.size)}`);
  }
  if (typeof ref.sentAtMs !== 'number' || !Number.isFinite(ref.sentAtMs)) {
    throw new RangeError(`"references[${i}].sentAtMs" expected a finite number, got ${String(ref.sentAtMs)}`);
  }
}

/**
 * Plans one incremental run. Deterministic; see the module comment for the rules. Plans 10^6
 * media in well under two seconds.
 *
 * @param references every medium the new backup references (duplicates allowed).
 * @param stored the store's listing (object name and size).
 * @throws {TypeError} when an argument or a field has the wrong type.
 * @throws {RangeError} when a size, date or policy number is out of range.
 */
export function planMedia(
  references: readonly MediaReference[],
  stored: readonly StoredObject[],
  policy: PlanPolicy,
): MediaPlan {
  if (!Array.isArray(references)) throw new TypeError('"references" expected an array');
  if (!Array.isArray(stored)) throw new TypeError('"stored" expected an array');
  const p = resolvePlanPolicy(policy);
  const mediaTier = p.layout === 'media-tier';
  const cutoff = Number.isFinite(p.mediaWindowDays) ? p.now - p.mediaWindowDays * DAY_MS : Number.NEGATIVE_INFINITY;

  // 1. Merge references by store name.
  const n = references.length;
  const byKey = new Map<string, number>();
  const first: number[] = [];
  const keys: string[] = [];
  const sentAt = new Float64Array(n);
  const size = new Float64Array(n);
  const excluded = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ref = references[i]!;
    checkReference(ref, i);
    const key = ref.mediaId ?? ref.mediaName;
    const isExcluded = ref.excluded === true || (ref.thumbnail && !p.thumbnails) ? 1 : 0;
    const m = byKey.get(key);
    if (m === undefined) {
      const j = keys.length;
      byKey.set(key, j);
      keys.push(key);
      first.push(i);
      sentAt[j] = ref.sentAtMs;
      size[j] = ref.size;
      excluded[j] = isExcluded;
    } else {
      if (ref.sentAtMs > sentAt[m]!) sentAt[m] = ref.sentAtMs;
      if (ref.size > size[m]!) size[m] = ref.size;
      excluded[m]! &= isExcluded;
    }
  }

  // 2. The store's listing, matched to the media (the last entry wins if a name repeats).
  const heldSize = new Float64Array(keys.length).fill(-1);
  const orphans = new Map<string, number>();
  let storedBeforeBytes = 0;
  for (let i = 0; i < stored.length; i++) {
    const o = stored[i]!;
    if (typeof o !== 'object' || o === null || typeof o.mediaId !== 'string') {
      throw new TypeError(`"stored[${i}].mediaId" expected a string`);
    }
    if (!Number.isSafeInteger(o.size) || o.size < 0) {
      throw new RangeError(`"stored[${i}].size" expected a non-negative integer, got ${String(o.size)}`);
    }
    const j = byKey.get(o.mediaId);
    if (j === undefined) {
      storedBeforeBytes -= orphans.get(o.mediaId) ?? 0;
      orphans.set(o.mediaId, o.size);
    } else {
      if (heldSize[j]! >= 0) storedBeforeBytes -= heldSize[j]!;
      heldSize[j] = o.size;
    }
    storedBeforeBytes += o.size;
  }

  // 3. Classify each medium.
  const m = keys.length;
  const keep: PlannedMedia[] = [];
  const skipped: SkippedMedia[] = [];
  const candidates: number[] = [];
  const expected = new Float64Array(m);
  const replaces = new Float64Array(m);
  let reserved = 0;
  let keepBytes = 0;
  let skippedBytes = 0;
  let heldBytes = 0;
  // Objects are built in place, one shape per list: spreads cost seconds at 10^6 items.
  const item = (j: number, bytes: number): PlannedMedia => {
    const ref = references[first[j]!]!;
    return {
      index: first[j]!,
      mediaId: keys[j]!,
      mediaName: ref.mediaName,
      bytes,
      sentAtMs: sentAt[j]!,
      thumbnail: ref.thumbnail,
    };
  };
  const skip = (j: number, bytes: number, reason: SkipReason, isStored: boolean): SkippedMedia => {
    const ref = references[first[j]!]!;
    return {
      index: first[j]!,
      mediaId: keys[j]!,
      mediaName: ref.mediaName,
      bytes,
      sentAtMs: sentAt[j]!,
      thumbnail: ref.thumbnail,
      reason,
      stored: isStored,
    };
  };
  for (let j = 0; j < m; j++) {
    const plaintext = size[j]!;
    const transit = ciphertextSize(plaintext);
    // The media tier stores the transit blob encrypted once more (no bucket padding).
    const want = mediaTier ? cbcHmacSize(transit) : transit;
    expected[j] = want;
    const reason: SkipReason | undefined =
      excluded[j] === 1
        ? 'excluded'
        : sentAt[j]! < cutoff
          ? 'outside-window'
          : transit > p.maxObjectBytes
            ? 'too-large'
            : undefined;
    const have = heldSize[j]! >= 0 ? heldSize[j]! : undefined;
    if (reason !== undefined) {
      if (have === undefined) {
        skippedBytes += want;
        skipped.push(skip(j, want, reason, false));
      } else {
        reserved += have;
        heldBytes += have;
        skipped.push(skip(j, have, reason, true));
      }
      continue;
    }
    if (have !== undefined && (have === want || !p.checkSizes || references[first[j]!]!.thumbnail)) {
      reserved += have;
      keepBytes += have;
      keep.push(item(j, have));
      continue;
    }
    if (have !== undefined) {
      replaces[j] = have;
      reserved += have;
    }
    candidates.push(j);
  }

  // 4. Uploads, newest first, first fit in the quota.
  const order = Uint32Array.from(candidates);
  order.sort((a, b) => sentAt[b]! - sentAt[a]! || (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  const upload: UploadMedia[] = [];
  let used = reserved;
  let uploadBytes = 0;
  // Overwriting a wrong-size object with one no larger always helps, even over the quota: count
  // those first, so that the first fit below only ever adds (which keeps the plan idempotent).
  for (let k = 0; k < order.length; k++) {
    const j = order[k]!;
    if (expected[j]! <= replaces[j]!) used += expected[j]! - replaces[j]!;
  }
  for (let k = 0; k < order.length; k++) {
    const j = order[k]!;
    const need = expected[j]! - replaces[j]!;
    if (need <= 0 || used + need <= p.quotaBytes) {
      if (need > 0) used += need;
      uploadBytes += expected[j]!;
      const ref = references[first[j]!]!;
      upload.push({
        index: first[j]!,
        mediaId: keys[j]!,
        mediaName: ref.mediaName,
        bytes: expected[j]!,
        sentAtMs: sentAt[j]!,
        thumbnail: ref.thumbnail,
        replaces: replaces[j]!,
      });
    } else if (replaces[j]! > 0) {
      heldBytes += replaces[j]!;
      skipped.push(skip(j, replaces[j]!, 'over-quota', true));
    } else {
      skippedBytes += expected[j]!;
      skipped.push(skip(j, expected[j]!, 'over-quota', false));
    }
  }

  // 5. Deletes: held objects no reference names, sorted by name.
  const del: StoredObject[] = [];
  let deleteBytes = 0;
  for (const [mediaId, bytes] of orphans) {
    del.push({ mediaId, size: bytes });
    deleteBytes += bytes;
  }
  del.sort((a, b) => (a.mediaId < b.mediaId ? -1 : a.mediaId > b.mediaId ? 1 : 0));

  return {
    upload,
    keep,
    delete: del,
    skipped,
    totals: {
      uploadBytes,
      keepBytes,
      deleteBytes,
      skippedBytes,
      heldBytes,
      storedBeforeBytes,
      storedAfterBytes: used,
      quotaBytes: p.quotaBytes,
      headroomBytes: p.quotaBytes - used,
    },
    policy: p,
  };
}
