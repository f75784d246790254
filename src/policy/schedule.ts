/**
 * When to make the next backup: a pure helper for apps that schedule backups the way Signal's
 * apps do (reference: signal-clients-behaviour.md §7 "Scheduling, frequency, network").
 *
 * - The user picks a frequency (manual, daily, weekly, monthly) and a time of day. Android
 *   (`BackupFrequency`, `MessageBackupListener`) runs at the chosen hour and minute and then
 *   waits 7 days (weekly) or 30 days (monthly) from that slot.
 * - A daily backup waits at least 20 hours after the last success, then runs at the next slot,
 *   as iOS's nightly task does ("falls back to last + 20 h"); an overdue backup runs at once
 *   (iOS: "runs ASAP if more than 1.5 days have passed").
 * - A backup runs on Wi-Fi (or another unmetered network) unless the user allows mobile data
 *   (Android `BackupMessagesConstraint`: "requires Wi-Fi unless backupWithCellular").
 *
 * Nothing here reads the clock or the network: the caller passes both in, so the answer is the
 * same in every runtime and in tests.
 */

/** How often backups run by themselves. `manual` means only when the user asks. */
export type BackupFrequency = 'manual' | 'daily' | 'weekly' | 'monthly';

/** The network the device is on now. `ethernet` counts as unmetered, like Wi-Fi. */
export type NetworkType = 'wifi' | 'ethernet' | 'cellular' | 'offline';

/** The user's backup settings. */
export interface BackupScheduleSettings {
  /** How often backups run by themselves. */
  frequency: BackupFrequency;
  /** Hour of the day (0-23, in the user's local time) at which scheduled backups run. Default 3 (iOS targets 03:00). */
  hour?: number;
  /** Minute of the hour (0-59). Default 0. */
  minute?: number;
  /** Whether backups may use mobile data. Default false (Wi-Fi only). */
  allowCellular?: boolean;
}

/** What the app knows right now. */
export interface BackupScheduleState {
  /** The current time, ms since the Unix epoch. */
  nowMs: number;
  /** When the last backup succeeded (ms since the epoch), or undefined when there has been none. */
  lastSuccessMs?: number | undefined;
  /** The network the device is on now. */
  network: NetworkType;
  /**
   * The user's offset from UTC in minutes, east positive (`-new Date().getTimezoneOffset()`).
   * Default 0 (the time of day is read as UTC).
   */
  utcOffsetMinutes?: number;
  /** True when the user pressed "Back up now": a backup is due whatever the frequency. */
  requested?: boolean;
}

/** Why a backup does or does not run now. */
export type BackupScheduleReason =
  /** Due and the network allows it: start now. */
  | 'run'
  /** Not due yet: wait until `nextAtMs`. */
  | 'not-due'
  /** Manual frequency and no request: nothing is scheduled. */
  | 'manual'
  /** Due, but on mobile data and the user allows only Wi-Fi. */
  | 'waiting-for-wifi'
  /** Due, but there is no network. */
  | 'offline';

/** The helper's answer. */
export interface BackupScheduleDecision {
  /** True when a backup is due now (time has come, or the user asked), whatever the network. */
  due: boolean;
  /** True when the app should start a backup now: it is due and the network allows it. */
  runNow: boolean;
  /** The reason, for the user interface and logs. */
  reason: BackupScheduleReason;
  /**
   * When the pending scheduled backup is due (ms since the epoch): at or before `nowMs` when it is
   * overdue, `nowMs` for a request or a first backup, undefined when the frequency is manual.
   */
  nextAtMs: number | undefined;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Days between scheduled backups (Android `MessageBackupListener`: next slot, then +6 or +29 days). */
const PERIOD_DAYS: Record<Exclude<BackupFrequency, 'manual'>, number> = { daily: 1, weekly: 7, monthly: 30 };
/** Shortest wait after a success before the next daily backup (iOS nightly task: "last + 20 h"). */
const MIN_DAILY_GAP_MS = 20 * HOUR_MS;
/** iOS's nightly backup target, 03:00 local time: the default slot. */
const DEFAULT_HOUR = 3;
/** Largest real UTC offsets are -12:00 and +14:00; anything beyond is a caller's mistake. */
const MAX_UTC_OFFSET_MINUTES = 14 * 60;

function assertInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`"${name}" expected an integer, got ${typeof value === 'number' ? value : typeof value}`);
  }
  if (value < min || value > max) throw new RangeError(`"${name}" expected ${min}..${max}, got ${value}`);
  return value;
}

function assertTime(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(
      `"${name}" expected a finite number of ms, got ${typeof value === 'number' ? value : typeof value}`,
    );
  }
  return value;
}

/**
 * The first moment strictly after `t` whose local time of day is `hour:minute`. Local time is UTC
 * shifted by a fixed offset (the caller passes the offset in force, daylight saving included).
 */
function nextSlotAfter(t: number, hour: number, minute: number, utcOffsetMinutes: number): number {
  const offsetMs = utcOffsetMinutes * MINUTE_MS;
  const local = t + offsetMs;
  let slot = Math.floor(local / DAY_MS) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS;
  if (slot <= local) slot += DAY_MS;
  return slot - offsetMs;
}

/**
 * Says whether a backup is due now, whether it may start on the current network, and when the
 * pending scheduled backup is due.
 *
 * Rules: with no earlier success a scheduled backup is due at once; after a success at `L`, a
 * daily backup is due at the first `hour:minute` after `L + 20 h`; a weekly or monthly one at the
 * first `hour:minute` after `L`, plus 6 or 29 days (Android's rule, so a backup made at the slot
 * is followed by one exactly 7 or 30 days later). A due backup runs on Wi-Fi or Ethernet, or on mobile data when `allowCellular` is set.
 *
 * @throws {TypeError} when a setting or time is missing or of the wrong type, or `frequency` or `network` is unknown.
 * @throws {RangeError} when `hour`, `minute` or `utcOffsetMinutes` is out of range.
 */
export function evaluateBackupSchedule(
  settings: BackupScheduleSettings,
  state: BackupScheduleState,
): BackupScheduleDecision {
  if (typeof settings !== 'object' || settings === null) throw new TypeError('"settings" expected an object');
  if (typeof state !== 'object' || state === null) throw new TypeError('"state" expected an object');
  const { frequency } = settings;
  if (frequency !== 'manual' && !Object.hasOwn(PERIOD_DAYS, frequency)) {
    throw new TypeError(`"settings.frequency" expected manual, daily, weekly or monthly, got ${String(frequency)}`);
  }
  const hour = assertInteger(settings.hour ?? DEFAULT_HOUR, 'settings.hour', 0, 23);
  const minute = assertInteger(settings.minute ?? 0, 'settings.minute', 0, 59);
  const now = assertTime(state.nowMs, 'state.nowMs');
  const last = state.lastSuccessMs === undefined ? undefined : assertTime(state.lastSuccessMs, 'state.lastSuccessMs');
  const offset = assertInteger(
    state.utcOffsetMinutes ?? 0,
    'state.utcOffsetMinutes',
    -MAX_UTC_OFFSET_MINUTES,
    MAX_UTC_OFFSET_MINUTES,
  );
  const { network } = state;
  if (network !== 'wifi' && network !== 'ethernet' && network !== 'cellular' && network !== 'offline') {
    throw new TypeError(`"state.network" expected wifi, ethernet, cellular or offline, got ${String(network)}`);
  }

  let nextAtMs: number | undefined;
  if (frequency !== 'manual') {
    if (last === undefined) {
      nextAtMs = now;
    } else {
      const days = PERIOD_DAYS[frequency];
      const earliest = days === 1 ? last + MIN_DAILY_GAP_MS : last + (days - 1) * DAY_MS;
      nextAtMs = nextSlotAfter(earliest, hour, minute, offset);
    }
  }
  if (state.requested === true) nextAtMs = nextAtMs === undefined ? now : Math.min(nextAtMs, now);

  const due = nextAtMs !== undefined && nextAtMs <= now;
  let reason: BackupScheduleReason;
  if (!due) reason = nextAtMs === undefined ? 'manual' : 'not-due';
  else if (network === 'offline') reason = 'offline';
  else if (network === 'cellular' && settings.allowCellular !== true) reason = 'waiting-for-wifi';
  else reason = 'run';
  return { due, runNow: reason === 'run', reason, nextAtMs };
}
