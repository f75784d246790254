import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/frames/codec.js';
import { mediaName } from '../../src/media/names.js';
import {
  frameMediaLocators,
  localLocatorsOfFrameBytes,
  mayHoldLocalKey,
  mediaTierReferences,
  THUMBNAIL_SIZE_ESTIMATE,
} from '../../src/incremental/references.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

describe('media references from frames', () => {
  it('finds pointers anywhere in a frame (attachments, quotes, link previews) with their message date', () => {
    const li = (seed: number) => ({
      key: new Uint8Array(64).fill(seed),
      size: seed,
      plaintextHash: new Uint8Array(32).fill(seed),
      localKey: new Uint8Array(64).fill(seed + 1),
    });
    const frame = {
      chatItem: {
        chatId: 1n,
        authorId: 1n,
        dateSent: 1234n,
        standardMessage: {
          attachments: [{ pointer: { contentType: 'image/png', locatorInfo: li(1) } }],
          quote: {
            targetSentTimestamp: 1n,
            authorId: 1n,
            type: 1,
            attachments: [{ thumbnail: { pointer: { locatorInfo: li(2) } } }],
          },
          linkPreview: [{ url: 'https://example.org', image: { locatorInfo: li(3) } }],
        },
      },
    };
    const found = frameMediaLocators(frame, 5, 99);
    expect(found.map((l) => [l.size, l.sentAtMs, l.frameIndex])).toEqual([
      [1, 1234, 5],
      [2, 1234, 5],
      [3, 1234, 5],
    ]);
    expect(found[0]).toMatchObject({
      contentType: 'image/png',
      plaintextHash: li(1).plaintextHash,
      localKey: li(1).localKey,
    });
    expect(localLocatorsOfFrameBytes(encodeFrame(frame), 5, 99)).toHaveLength(3);
  });

  it('the localKey pre-filter never misses a frame with a 64-byte localKey', () => {
    fc.assert(
      fc.property(bytes(64), bytes(32), bytes(64), fc.string(), fc.nat(), (localKey, hash, key, body, size) => {
        const frame = encodeFrame({
          chatItem: {
            chatId: 1n,
            authorId: 1n,
            dateSent: 1n,
            standardMessage: {
              text: { body },
              attachments: [{ pointer: { locatorInfo: { key, size, plaintextHash: hash, localKey } } }],
            },
          },
        });
        expect(mayHoldLocalKey(frame)).toBe(true);
        expect(localLocatorsOfFrameBytes(frame, 1, 0)).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
    const text = encodeFrame({
      chatItem: { chatId: 1n, authorId: 1n, dateSent: 1n, standardMessage: { text: { body: 'hi' } } },
    });
    expect(mayHoldLocalKey(text)).toBe(false);
  });

  it('media-tier references: one per medium with hash and key, plus a thumbnail for images and videos', () => {
    const common = {
      sentAtMs: 7,
      frameIndex: 1,
      plaintextHash: new Uint8Array(32).fill(1),
      key: new Uint8Array(64).fill(2),
    };
    const refs = mediaTierReferences([
      { ...common, size: 100_000, contentType: 'image/jpeg' },
      { ...common, size: 5, contentType: 'application/pdf', key: new Uint8Array(64).fill(3) },
      { size: 9, sentAtMs: 7, frameIndex: 2 },
    ]);
    const name = mediaName(common.plaintextHash, common.key);
    expect(refs.map((r) => [r.mediaName, r.thumbnail, r.size])).toEqual([
      [name, false, 100_000],
      [`${name}_thumbnail`, true, THUMBNAIL_SIZE_ESTIMATE],
      [mediaName(common.plaintextHash, new Uint8Array(64).fill(3)), false, 5],
    ]);
  });
});
