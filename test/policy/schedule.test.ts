import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BackupScheduleSettings, evaluateBackupSchedule } from '../../src/policy/schedule.js';

const H = 3_600_000;
const D = 24 * H;
/** Monday 2024-01-01 00:00 UTC. */
const MON = Date.UTC(2024, 0, 1);
const daily: BackupScheduleSettings = { frequency: 'daily', hour: 3, minute: 0 };

describe('backup schedule (clients behaviour §7)', () => {
  it('a first scheduled backup is due at once', () => {
    const d = evaluateBackupSchedule(daily, { nowMs: MON + 15 * H, network: 'wifi' });
    expect(d).toEqual({ due: true, runNow: true, reason: 'run', nextAtMs: MON + 15 * H });
  });

  it('daily: the next slot at the chosen time after at least 20 hours (iOS)', () => {
    const last = MON + 3 * H; // backed up at the slot
    const d = evaluateBackupSchedule(daily, { nowMs: last + H, lastSuccessMs: last, network: 'wifi' });
    expect(d).toMatchObject({ due: false, runNow: false, reason: 'not-due', nextAtMs: MON + D + 3 * H });
    // A manual backup at 22:00 pushes the next one past 03:00 the next morning (only 5 h later).
    const late = MON + 22 * H;
    expect(evaluateBackupSchedule(daily, { nowMs: late, lastSuccessMs: late, network: 'wifi' }).nextAtMs).toBe(
      MON + 2 * D + 3 * H,
    );
    // Exactly at the slot it is due; one ms earlier it is not.
    const next = MON + D + 3 * H;
    expect(evaluateBackupSchedule(daily, { nowMs: next, lastSuccessMs: last, network: 'wifi' }).due).toBe(true);
    expect(evaluateBackupSchedule(daily, { nowMs: next - 1, lastSuccessMs: last, network: 'wifi' }).due).toBe(false);
  });

  it('weekly and monthly: the slot 7 and 30 days on (Android +6 / +29 days after the next slot)', () => {
    const last = MON + 3 * H + 2 * 60_000; // ran two minutes after the 03:00 slot
    const weekly = evaluateBackupSchedule(
      { frequency: 'weekly' },
      { nowMs: last, lastSuccessMs: last, network: 'wifi' },
    );
    expect(weekly.nextAtMs).toBe(MON + 7 * D + 3 * H);
    const monthly = evaluateBackupSchedule(
      { frequency: 'monthly' },
      { nowMs: last, lastSuccessMs: last, network: 'wifi' },
    );
    expect(monthly.nextAtMs).toBe(MON + 30 * D + 3 * H);
  });

  it('an overdue backup is due at once (iOS: ASAP after 1.5 days)', () => {
    const last = MON + 3 * H;
    const d = evaluateBackupSchedule(daily, { nowMs: last + 3 * D + 10 * H, lastSuccessMs: last, network: 'wifi' });
    expect(d).toMatchObject({ due: true, runNow: true, reason: 'run', nextAtMs: MON + D + 3 * H });
  });

  it('manual: never due by itself, due when requested', () => {
    const manual: BackupScheduleSettings = { frequency: 'manual' };
    expect(evaluateBackupSchedule(manual, { nowMs: MON, network: 'wifi' })).toEqual({
      due: false,
      runNow: false,
      reason: 'manual',
      nextAtMs: undefined,
    });
    expect(evaluateBackupSchedule(manual, { nowMs: MON, network: 'wifi', requested: true })).toEqual({
      due: true,
      runNow: true,
      reason: 'run',
      nextAtMs: MON,
    });
    // A request also overrides a schedule that is not due yet.
    const last = MON + 3 * H;
    expect(
      evaluateBackupSchedule(daily, { nowMs: last + H, lastSuccessMs: last, network: 'wifi', requested: true }).runNow,
    ).toBe(true);
  });

  it('Wi-Fi only unless mobile data is allowed (Android BackupMessagesConstraint)', () => {
    const s = { nowMs: MON, network: 'cellular' as const };
    expect(evaluateBackupSchedule(daily, s)).toMatchObject({ due: true, runNow: false, reason: 'waiting-for-wifi' });
    expect(evaluateBackupSchedule({ ...daily, allowCellular: true }, s)).toMatchObject({ runNow: true, reason: 'run' });
    expect(evaluateBackupSchedule(daily, { nowMs: MON, network: 'ethernet' }).runNow).toBe(true);
    expect(evaluateBackupSchedule({ ...daily, allowCellular: true }, { nowMs: MON, network: 'offline' })).toMatchObject(
      {
        due: true,
        runNow: false,
        reason: 'offline',
      },
    );
  });

  it('reads the time of day in the user’s time zone', () => {
    const last = MON; // 00:00 UTC = 01:00 in UTC+1
    // Slot 03:00 local at UTC+1 is 02:00 UTC; daily needs 20 h first, so the slot on Tuesday.
    const d = evaluateBackupSchedule(daily, {
      nowMs: last,
      lastSuccessMs: last,
      network: 'wifi',
      utcOffsetMinutes: 60,
    });
    expect(d.nextAtMs).toBe(MON + D + 2 * H);
    const west = evaluateBackupSchedule(daily, {
      nowMs: last,
      lastSuccessMs: last,
      network: 'wifi',
      utcOffsetMinutes: -300,
    });
    expect(west.nextAtMs).toBe(MON + D + 8 * H); // 03:00 at UTC-5 = 08:00 UTC
  });

  it('properties: the next slot is at the chosen local time, after the minimum wait, within one day of it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('daily', 'weekly', 'monthly' as const),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: -720, max: 840 }),
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        (frequency, hour, minute, utcOffsetMinutes, last) => {
          const d = evaluateBackupSchedule(
            { frequency, hour, minute },
            { nowMs: last, lastSuccessMs: last, network: 'wifi', utcOffsetMinutes },
          );
          const next = d.nextAtMs!;
          const local = new Date(next + utcOffsetMinutes * 60_000);
          expect([local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds()]).toEqual([hour, minute, 0]);
          const min = frequency === 'daily' ? 20 * H : (frequency === 'weekly' ? 6 : 29) * D;
          expect(next).toBeGreaterThan(last + min);
          expect(next).toBeLessThanOrEqual(last + min + D);
          expect(d.due).toBe(false);
        },
      ),
    );
  });

  it('rejects bad arguments with the argument named', () => {
    expect(() => evaluateBackupSchedule({ frequency: 'hourly' as never }, { nowMs: 0, network: 'wifi' })).toThrow(
      /settings\.frequency/,
    );
    expect(() => evaluateBackupSchedule({ frequency: 'daily', hour: 24 }, { nowMs: 0, network: 'wifi' })).toThrow(
      RangeError,
    );
    expect(() => evaluateBackupSchedule({ frequency: 'daily', minute: 1.5 }, { nowMs: 0, network: 'wifi' })).toThrow(
      TypeError,
    );
    expect(() => evaluateBackupSchedule(daily, { nowMs: Number.NaN, network: 'wifi' })).toThrow(/state\.nowMs/);
    expect(() => evaluateBackupSchedule(daily, { nowMs: 0, network: '5g' as never })).toThrow(/state\.network/);
    expect(() => evaluateBackupSchedule(daily, { nowMs: 0, network: 'wifi', utcOffsetMinutes: 2000 })).toThrow(
      RangeError,
    );
  });
});
