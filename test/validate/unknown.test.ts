import { describe, expect, it } from 'vitest';
import { encodeBackupInfo, encodeFrame, type Frame } from '../../src/frames/codec.js';
import { BackupValidator } from '../../src/validate/validator.js';

// Hand-written protobuf (encoding guide); schema facts from proto/backup.proto: Frame.recipient = 2,
// Recipient.id = 1, Recipient.self = 5, Self.avatarColor = 1 (AvatarColor names 0..11),
// Frame.notificationProfile = 7, NotificationProfile.scheduleDaysEnabled = 11 (packed, DayOfWeek 0..7).
const info = encodeBackupInfo({
  version: 1n,
  backupTimeMs: 1_731_715_200_000n,
  mediaRootBackupKey: new Uint8Array(32),
});

function unknowns(frames: (Uint8Array | Frame)[]) {
  const v = new BackupValidator();
  v.pushBackupInfo(info);
  for (const f of frames) v.push(f);
  return v.finish().unknownFields;
}

describe('unknown fields and enum values, with their frame and path', () => {
  it('reports none for named enum values (0, 1 and above)', () => {
    // recipient { id: 1, self { avatarColor: 11 } }
    expect(unknowns([Uint8Array.of(0x12, 0x06, 0x08, 0x01, 0x2a, 0x02, 0x08, 0x0b)])).toEqual([]);
  });

  it('reports an unknown field number with its wire type', () => {
    // recipient { id: 1, field 99 = varint 5, self {} }
    const u = unknowns([Uint8Array.of(0x12, 0x07, 0x08, 0x01, 0x98, 0x06, 0x05, 0x2a, 0x00)]);
    expect(u).toEqual([
      {
        code: 'UNKNOWN_FIELD',
        frame: 1,
        frameType: 'recipient',
        message: 'Frame.recipient: unknown field 99 (varint)',
      },
    ]);
  });

  it('reports an enum value without a name, also in a packed repeated field', () => {
    // recipient { id: 1, self { avatarColor: 40 } }
    const a = unknowns([Uint8Array.of(0x12, 0x06, 0x08, 0x01, 0x2a, 0x02, 0x08, 0x28)]);
    expect(a.map((x) => [x.code, x.message])).toEqual([
      ['UNKNOWN_ENUM_VALUE', 'Frame.recipient.self.avatarColor: unknown AvatarColor value 40'],
    ]);
    // notificationProfile { scheduleDaysEnabled: [1, 9] } (packed)
    const b = unknowns([Uint8Array.of(0x3a, 0x04, 0x5a, 0x02, 0x01, 0x09)]);
    expect(b.map((x) => [x.code, x.frame, x.message])).toEqual([
      ['UNKNOWN_ENUM_VALUE', 1, 'Frame.notificationProfile.scheduleDaysEnabled[1]: unknown DayOfWeek value 9'],
    ]);
  });

  it('finds the same in a frame handed over as an object', () => {
    const frame = { recipient: { id: 1n, self: { avatarColor: 40 } } } as unknown as Frame;
    expect(unknowns([frame]).map((x) => x.message)).toEqual([
      'Frame.recipient.self.avatarColor: unknown AvatarColor value 40',
    ]);
    expect(unknowns([encodeFrame(frame)]).map((x) => x.message)).toEqual([
      'Frame.recipient.self.avatarColor: unknown AvatarColor value 40',
    ]);
  });
});
