import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeFrameWithStats, encodeFrame } from '../../src/frames/codec.js';
import { isBackupError } from '../../src/errors.js';
import { descriptor } from '../../src/frames/generated/descriptor.js';

// Hand-written protobuf (encoding guide): tag = field << 3 | wire type.
describe('decodeFrameWithStats', () => {
  it('relies on a schema fact: every enum names 0 and 1, so only other values can lack a name', () => {
    for (const [name, values] of Object.entries(descriptor.enums)) {
      const numbers = new Set(Object.values(values));
      expect([name, numbers.has(0) && numbers.has(1)]).toEqual([name, true]);
    }
  });

  it('notices wide values in packed repeated enums too', () => {
    // Frame { notificationProfile (7) { scheduleDaysEnabled (11, packed): [1, 0] } }, then [1, 9]
    expect(decodeFrameWithStats(Uint8Array.of(0x3a, 0x04, 0x5a, 0x02, 0x01, 0x00)).wideEnums).toBe(false);
    expect(decodeFrameWithStats(Uint8Array.of(0x3a, 0x04, 0x5a, 0x02, 0x01, 0x09)).wideEnums).toBe(true);
  });

  it('reports no unknown fields and no wide enums for a plain frame', () => {
    // Frame { recipient (2) { id (1): 5, self (5) { avatarColor (1): 1 } } }
    const s = decodeFrameWithStats(Uint8Array.of(0x12, 0x06, 0x08, 0x05, 0x2a, 0x02, 0x08, 0x01));
    expect(s.frame.recipient?.id).toBe(5n);
    expect(s.unknownFields).toBe(0);
    expect(s.wideEnums).toBe(false);
  });

  it('counts unknown fields and notices enum values above 1', () => {
    // Frame { recipient (2) { id (1): 5, field 99 varint 1, self (5) { avatarColor (1): 7 } } }
    const bytes = Uint8Array.of(0x12, 0x09, 0x08, 0x05, 0x98, 0x06, 0x01, 0x2a, 0x02, 0x08, 0x07);
    const s = decodeFrameWithStats(bytes);
    expect(s.unknownFields).toBe(1);
    expect(s.wideEnums).toBe(true);
    expect(s.frame.recipient?.self?.avatarColor).toBe(7);
  });

  it('counts a known field number with the wrong wire type as unknown', () => {
    // Frame { recipient (2) { id (1) as len-delimited "" } }
    expect(decodeFrameWithStats(Uint8Array.of(0x12, 0x02, 0x0a, 0x00)).unknownFields).toBe(1);
  });

  it('marks a string that is not UTF-8 in the error details', () => {
    // Frame { account (1) { givenName (4): 0xFF } }
    try {
      decodeFrameWithStats(Uint8Array.of(0x0a, 0x03, 0x22, 0x01, 0xff));
      expect.unreachable();
    } catch (e) {
      expect(isBackupError(e, 'INVALID_FRAME')).toBe(true);
      expect((e as { details: { reason?: string } }).details.reason).toBe('invalid-utf8');
    }
  });
});

describe('oneof members', () => {
  it('the last member on the wire wins, and only it is kept (protobuf encoding guide, oneof)', () => {
    // Frame { account (1) {}, recipient (2) { id (1): 3 } } then ChatItem with two item members.
    const f = decodeFrame(Uint8Array.of(0x0a, 0x00, 0x12, 0x02, 0x08, 0x03));
    expect(f.recipient?.id).toBe(3n);
    expect(Object.hasOwn(f, 'account')).toBe(false);
    expect(f.item).toBe('recipient');
    // ChatItem { standardMessage (11) {}, giftBadge (17) {} } inside Frame.chatItem (4)
    const g = decodeFrame(Uint8Array.of(0x22, 0x05, 0x5a, 0x00, 0x8a, 0x01, 0x00));
    expect(Object.hasOwn(g.chatItem!, 'standardMessage')).toBe(false);
    expect(g.chatItem?.giftBadge).toBeDefined();
    // Round trip keeps the single member.
    expect(decodeFrame(encodeFrame(g)).chatItem?.item).toBe('giftBadge');
  });
});

describe('uint64 decoding', () => {
  const varint = (v: bigint) => {
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return out;
  };
  // Frame { chat (3) { id (1): v, recipientId (2): v } }: the second value ends the sub-message.
  const chatFrame = (v: bigint, tail: number[] = []) => {
    const body = [0x08, ...varint(v), 0x10, ...varint(v)];
    return Uint8Array.of(0x1a, body.length, ...body, ...tail);
  };

  it('reads every varint length (1..10 bytes) exactly, also at the end of a sub-message', () => {
    for (let bits = 0n; bits <= 64n; bits++) {
      for (const v of [(1n << bits) - 1n, bits === 64n ? undefined : 1n << bits]) {
        if (v === undefined || v === 0n) continue;
        // No bytes after the chat, or 12 (six varint fields 4 = 0, skipped as unknown wire type),
        // so the last value is read both near the buffer's end and well inside it.
        for (const tail of [[], Array.from({ length: 6 }, () => [0x20, 0x00]).flat()]) {
          const f = decodeFrame(chatFrame(v, tail));
          expect(f.chat?.id).toBe(v);
          expect(f.chat?.recipientId).toBe(v);
        }
      }
    }
  });

  it('rejects a varint that runs past the end of its sub-message', () => {
    // Frame { chat (3) len 2 { id (1): 0x80 } } followed by 0x01, which belongs to the Frame.
    expect(() =>
      decodeFrame(Uint8Array.of(0x1a, 0x02, 0x08, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00)),
    ).toThrow();
  });
});
