/**
 * One writer at a time in a local backup folder: a lock file, `.sbackup-lock`, created atomically
 * ({@link BackupStorage.create}) with its owner's host, process id, start time and a random token.
 *
 * - A run that finds the lock held by a live process, or by a process of another host (whose
 *   liveness cannot be known), stops with `BackupError('LOCKED')` naming the holder.
 * - A lock left by a process of this host that no longer runs (a crash, a kill, a power loss) is
 *   taken over. Two runs may find the same stale lock at once; to let exactly one of them replace
 *   it, a takeover of the lock with token T first creates `.sbackup-lock-takeover-<T>` (again
 *   atomically) and only its creator deletes the stale lock and creates its own. A takeover file
 *   left by a crash is itself a lock of the same form and is taken over the same way.
 * - Release deletes the lock only while it still holds this run's token.
 *
 * Within one process, a lock is live while the run that took it has not finished, so a second
 * run in the same process is refused, and a lock left by an earlier process that had the same pid
 * is recognized as stale.
 */

import { BackupError } from '../errors.js';
import { fromUtf8, toHex, utf8 } from '../internal/bytes.js';
import { randomBytes, type RandomSource } from '../random.js';
import { type BackupStorage, readAll } from './storage.js';

/** The lock file at the root of a local backup folder. */
export const LOCK_NAME = '.sbackup-lock';
const TAKEOVER_PREFIX = `${LOCK_NAME}-takeover-`;
const TOKEN = /^[0-9a-f]{32}$/;
/** Takeovers of takeovers before giving up (each level needs a crash inside a takeover). */
const MAX_TAKEOVER_DEPTH = 4;
/** Attempts to create the lock when it keeps disappearing under us (released between our reads). */
const MAX_ATTEMPTS = 8;

/** What a lock file says about the run that holds it. */
export interface LockHolder {
  /** The host it runs on. */
  readonly host: string;
  /** Its process id. */
  readonly pid: number;
  /** When it took the lock (ISO 8601). */
  readonly startedAt: string;
  /** What it is doing (`create`, `prune`). */
  readonly operation: string;
  /** Random token of this lock (tells two locks of one process apart). */
  readonly token: string;
}

/** Tokens of the locks this process holds right now (a lock of ours with another token is stale). */
const heldHere = new Set<string>();
/** Names this process stands for when the storage does not say (in-memory storages). */
const LOCAL = { host: 'this process', pid: 0, isAlive: () => true };

/** True when `name` is the lock or one of its takeover files (names the folder owns). */
export function isLockName(name: string): boolean {
  return name === LOCK_NAME || (name.startsWith(TAKEOVER_PREFIX) && TOKEN.test(name.slice(TAKEOVER_PREFIX.length)));
}

function parseHolder(bytes: Uint8Array): LockHolder | undefined {
  try {
    const x = JSON.parse(fromUtf8(bytes)) as Partial<LockHolder>;
    if (
      typeof x.host === 'string' &&
      Number.isSafeInteger(x.pid) &&
      typeof x.startedAt === 'string' &&
      typeof x.token === 'string' &&
      TOKEN.test(x.token)
    ) {
      return {
        host: x.host,
        pid: x.pid!,
        startedAt: x.startedAt,
        operation: typeof x.operation === 'string' ? x.operation : '?',
        token: x.token,
      };
    }
  } catch {
    // Unreadable: treated as held by someone unknown.
  }
  return undefined;
}

/** The holder of lock `name`, `null` when there is none, `undefined` when it is unreadable. */
async function readHolder(storage: BackupStorage, name: string): Promise<LockHolder | null | undefined> {
  try {
    return parseHolder(await readAll(storage, name));
  } catch (e) {
    if ((e as BackupError)?.code === 'NOT_FOUND') return null;
    throw e;
  }
}

function describe(holder: LockHolder): string {
  return `sbackup ${holder.operation} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`;
}

function lockedError(name: string, holder: LockHolder | undefined, why: string): BackupError {
  const who = holder === undefined ? 'an unknown program (the lock file is unreadable)' : describe(holder);
  return new BackupError(
    'LOCKED',
    `the backup folder is in use by ${who}${why}; if no such run exists, delete ${name} in the folder`,
    { name, ...(holder === undefined ? {} : { holder }) },
  );
}

/** A lock held by this run. */
export interface HeldLock {
  /** What the lock file says. */
  readonly holder: LockHolder;
  /** True while the lock file still holds this run's token (checked before destructive steps). */
  stillHeld(): Promise<boolean>;
  /** Deletes the lock if it is still this run's. Never throws for a lock already gone. */
  release(): Promise<void>;
}

function isStale(storage: BackupStorage, holder: LockHolder): boolean {
  const me = storage.processes ?? LOCAL;
  if (holder.host !== me.host) return false;
  if (holder.pid === me.pid) return !heldHere.has(holder.token);
  return !me.isAlive(holder.pid);
}

async function acquireAt(
  storage: BackupStorage,
  name: string,
  operation: string,
  random: RandomSource | undefined,
  depth: number,
): Promise<HeldLock> {
  const me = storage.processes ?? LOCAL;
  const holder: LockHolder = {
    host: me.host,
    pid: me.pid,
    startedAt: new Date().toISOString(),
    operation,
    token: toHex(randomBytes(16, random)),
  };
  const bytes = utf8(`${JSON.stringify(holder)}\n`);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    heldHere.add(holder.token);
    let created = false;
    try {
      created = await storage.create(name, bytes);
    } finally {
      if (!created) heldHere.delete(holder.token);
    }
    if (created) return held(storage, name, holder);
    const current = await readHolder(storage, name);
    if (current === null) continue; // released meanwhile: try again
    if (current === undefined) throw lockedError(name, undefined, '');
    if (!isStale(storage, current)) throw lockedError(name, current, '');
    if (depth >= MAX_TAKEOVER_DEPTH) throw lockedError(name, current, ' (its takeover keeps failing)');
    // Stale: only the run that creates the takeover file for this token may replace it.
    let guard: HeldLock;
    try {
      guard = await acquireAt(storage, `${TAKEOVER_PREFIX}${current.token}`, operation, random, depth + 1);
    } catch (e) {
      if ((e as BackupError)?.code === 'LOCKED') throw lockedError(name, current, ' (another run is taking it over)');
      throw e;
    }
    try {
      const again = await readHolder(storage, name);
      if (again?.token === current.token) await storage.delete(name);
    } finally {
      await guard.release();
    }
  }
  throw new BackupError('LOCKED', `could not take the lock ${name}: other runs keep taking and releasing it`, {
    name,
  });
}

function held(storage: BackupStorage, name: string, holder: LockHolder): HeldLock {
  let released = false;
  const stillHeld = async () => !released && (await readHolder(storage, name))?.token === holder.token;
  return {
    holder,
    stillHeld,
    async release() {
      if (released) return;
      try {
        if (await stillHeld()) await storage.delete(name);
      } finally {
        released = true;
        heldHere.delete(holder.token);
      }
    },
  };
}

/**
 * Takes the folder's lock for `operation`.
 *
 * @throws {BackupError} `LOCKED` naming the holder when another live run (or a run of another
 *   host) holds it; `STORAGE_ERROR` from the storage.
 */
export function acquireFolderLock(storage: BackupStorage, operation: string, random?: RandomSource): Promise<HeldLock> {
  if (typeof storage?.create !== 'function') {
    throw new TypeError('"storage" expected a BackupStorage with create() (needed for the folder lock)');
  }
  return acquireAt(storage, LOCK_NAME, operation, random, 0);
}

/** Runs `work` holding the folder's lock, released afterwards whatever happens. */
export async function withFolderLock<T>(
  storage: BackupStorage,
  operation: string,
  random: RandomSource | undefined,
  work: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  const lock = await acquireFolderLock(storage, operation, random);
  try {
    return await work(lock);
  } finally {
    // A failing storage cannot remove the lock; the next run on this host takes it over.
    await lock.release().catch(() => {});
  }
}

/** Takeover files whose token is not the current lock's: leftovers of crashed takeovers. */
export async function staleTakeoverFiles(storage: BackupStorage, lock: HeldLock): Promise<string[]> {
  return (await storage.children(''))
    .filter((n) => isLockName(n) && n !== LOCK_NAME && n !== `${TAKEOVER_PREFIX}${lock.holder.token}`)
    .sort();
}
