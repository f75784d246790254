import { describe, expect, it } from 'vitest';
import { encodeBackupInfo, encodeFrame, type Frame } from '../../src/frames/codec.js';
import { BackupValidator } from '../../src/validate/validator.js';

// Rules from libsignal message-backup chat/poll.rs (one vote per voter across the options of a
// single-choice poll) and chat/pinned.rs (`pinNeverExpires: false` is no expiry at all); both
// found by the differential test against libsignal-client 0.103.0.
const T = 1_731_715_200_000n;
const base: Frame[] = [
  {
    account: {
      profileKey: new Uint8Array(32).fill(1),
      accountSettings: {
        phoneNumberSharingMode: 1,
        defaultSentMediaQuality: 1,
        appTheme: 1,
        callsUseLessDataSetting: 1,
      },
    },
  },
  { recipient: { id: 1n, self: {} } },
  { recipient: { id: 2n, contact: { aci: new Uint8Array(16).fill(0x11), registered: {} } } },
  { recipient: { id: 3n, contact: { aci: new Uint8Array(16).fill(0x22), registered: {} } } },
  { chat: { id: 1n, recipientId: 2n } },
];
const item = (extra: Record<string, unknown>): Frame => ({
  chatItem: {
    chatId: 1n,
    authorId: 2n,
    dateSent: T - 1000n,
    incoming: { dateReceived: T - 900n },
    ...extra,
  },
});

function codes(frames: Frame[]): string[] {
  const v = new BackupValidator();
  v.pushBackupInfo(encodeBackupInfo({ version: 1n, backupTimeMs: T, mediaRootBackupKey: new Uint8Array(32) }));
  for (const f of [...base, ...frames]) v.push(encodeFrame(f));
  return v.finish().errors.map((e) => e.code);
}

const poll = (allowMultiple: boolean, votesB: bigint[]) =>
  item({
    poll: {
      question: 'Lunch?',
      allowMultiple,
      options: [
        { option: 'pizza', votes: [{ voterId: 2n, voteCount: 1 }] },
        { option: 'soup', votes: votesB.map((voterId) => ({ voterId, voteCount: 1 })) },
      ],
    },
  });

describe('polls: one vote per voter unless multiple choices are allowed', () => {
  it('accepts different voters, and the same voter on two options when allowMultiple', () => {
    expect(codes([poll(false, [3n])])).toEqual([]);
    expect(codes([poll(true, [2n, 3n])])).toEqual([]);
  });
  it('rejects the same voter on two options of a single-choice poll', () => {
    expect(codes([poll(false, [2n])])).toContain('DUPLICATE_POLL_VOTER');
  });
  it('rejects the same voter twice on one option, even when allowMultiple', () => {
    expect(codes([poll(true, [3n, 3n])])).toContain('DUPLICATE_POLL_VOTER');
  });
});

describe('pin details need an expiry', () => {
  const text = { standardMessage: { text: { body: 'hi' } } };
  it('accepts an expiry time or pinNeverExpires = true', () => {
    expect(codes([item({ ...text, pinDetails: { pinnedAtTimestamp: T - 500n, pinExpiresAtTimestamp: T } })])).toEqual(
      [],
    );
    expect(codes([item({ ...text, pinDetails: { pinnedAtTimestamp: T - 500n, pinNeverExpires: true } })])).toEqual([]);
  });
  it('rejects pinNeverExpires = false and a missing expiry', () => {
    expect(codes([item({ ...text, pinDetails: { pinnedAtTimestamp: T - 500n, pinNeverExpires: false } })])).toContain(
      'PIN_EXPIRY_NOT_SET',
    );
    expect(codes([item({ ...text, pinDetails: { pinnedAtTimestamp: T - 500n } })])).toContain('PIN_EXPIRY_NOT_SET');
  });
});
