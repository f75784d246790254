/** FilePointer and MessageAttachment. Rules: libsignal backup/file.rs. */

import type { signal } from '../frames/generated/schema.js';
import { bytesOf, has, type ValidationState } from './context.js';

/** Attachment client UUIDs are 16 bytes (file.rs, `Uuid::try_from`). */
const CLIENT_UUID_LENGTH = 16;

type LocatorInfo = signal.backup.FilePointer.LocatorInfo.$Properties;

function isDefaultLocator(l: LocatorInfo): boolean {
  const unknowns = (l as { $unknowns?: unknown[] }).$unknowns;
  return (
    bytesOf(l.key).length === 0 &&
    !has(l.plaintextHash) &&
    !has(l.encryptedDigest) &&
    !l.size &&
    !has(l.transitCdnKey) &&
    !has(l.transitCdnNumber) &&
    !has(l.transitTierUploadTimestamp) &&
    !has(l.mediaTierCdnNumber) &&
    !has(l.localKey) &&
    (unknowns === undefined || unknowns.length === 0)
  );
}

/** Checks a file pointer; `what` names it in messages ("attachment", "long text", …). */
export function checkFilePointer(s: ValidationState, f: signal.backup.FilePointer.$Properties, what: string): void {
  const l = f.locatorInfo;
  if (!l) {
    s.error('FILE_POINTER_NO_LOCATOR', `${what}: file pointer has no locatorInfo`);
  } else if (!isDefaultLocator(l)) {
    checkLocator(s, l, what);
  }
  if (has(f.incrementalMac) !== has(f.incrementalMacChunkSize)) {
    s.error('INCREMENTAL_MAC_MISMATCH', `${what}: incrementalMac and incrementalMacChunkSize must be set together`);
  } else if (has(f.incrementalMac) && f.incrementalMac!.length === 0) {
    s.error('EMPTY_INCREMENTAL_MAC', `${what}: incrementalMac is present but empty`);
  }
}

function checkLocator(s: ValidationState, l: LocatorInfo, what: string): void {
  const key = bytesOf(l.key);
  let transit = false;
  const hasKey = has(l.transitCdnKey);
  const hasNumber = has(l.transitCdnNumber);
  if (hasKey !== hasNumber) {
    s.error('TRANSIT_CDN_MISMATCH', `${what}: transitCdnKey and transitCdnNumber must be set together`);
    return;
  }
  if (!hasKey && has(l.transitTierUploadTimestamp)) {
    s.error('UNEXPECTED_UPLOAD_TIMESTAMP', `${what}: transitTierUploadTimestamp without a transit CDN location`);
    return;
  }
  if (hasKey) {
    if (l.transitCdnKey === '') {
      s.error('EMPTY_TRANSIT_CDN_KEY', `${what}: transitCdnKey is empty`);
      return;
    }
    if (has(l.transitTierUploadTimestamp))
      s.timestamp(l.transitTierUploadTimestamp, `${what}: transitTierUploadTimestamp`);
    transit = true;
  }
  let plaintextHash = false;
  if (has(l.encryptedDigest)) {
    if (l.encryptedDigest!.length === 0) {
      s.error('MISSING_INTEGRITY_CHECK', `${what}: encryptedDigest is empty`);
      return;
    }
    if (!transit || key.length === 0) {
      s.error('DIGEST_WITHOUT_TRANSIT', `${what}: encryptedDigest needs a transit CDN location and a key`);
      return;
    }
  } else if (has(l.plaintextHash)) {
    if (l.plaintextHash!.length === 0) {
      s.error('MISSING_INTEGRITY_CHECK', `${what}: plaintextHash is empty`);
      return;
    }
    plaintextHash = true;
  } else {
    s.error('MISSING_INTEGRITY_CHECK', `${what}: locator has neither plaintextHash nor encryptedDigest`);
    return;
  }
  const hasContent = transit || plaintextHash;
  if (hasContent && key.length === 0) {
    s.error('MISSING_ATTACHMENT_KEY', `${what}: locator has content but no key`);
    return;
  }
  if (!hasContent && key.length > 0) {
    s.error('UNEXPECTED_ATTACHMENT_KEY', `${what}: locator has a key but nothing to decrypt`);
    return;
  }
  if (!plaintextHash) {
    if (has(l.localKey)) {
      s.error('UNEXPECTED_LOCAL_KEY', `${what}: localKey is only allowed with plaintextHash`);
      return;
    }
    if (has(l.mediaTierCdnNumber)) {
      s.error('UNEXPECTED_MEDIA_TIER_CDN', `${what}: mediaTierCdnNumber is only allowed with plaintextHash`);
      return;
    }
  }
  if (key.length > 0 && key.length !== 64)
    s.warn('UNUSUAL_ATTACHMENT_KEY_LENGTH', `${what}: attachment key is ${key.length} bytes; Signal uses 64`);
}

/** Checks a message attachment; returns its flag (0 when unknown). */
export function checkAttachment(
  s: ValidationState,
  a: signal.backup.MessageAttachment.$Properties,
  what: string,
): void {
  if (has(a.clientUuid) && a.clientUuid!.length !== CLIENT_UUID_LENGTH) {
    s.error(
      'INVALID_CLIENT_UUID',
      `${what}: clientUuid must be ${CLIENT_UUID_LENGTH} bytes, found ${a.clientUuid!.length}`,
    );
  }
  if (!a.pointer) s.error('ATTACHMENT_NO_POINTER', `${what}: attachment has no file pointer`);
  else checkFilePointer(s, a.pointer, what);
}
