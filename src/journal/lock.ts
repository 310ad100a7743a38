/**
 * One process per checkpoint: a lock file beside it, created exclusively. A lock left by a
 * process that died (kill -9, power cut) is taken over: its pid no longer runs, or the machine
 * has rebooted since (the boot id differs), so a reused pid cannot keep it forever.
 */
import { randomBytes } from 'node:crypto';
import { constants, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { InputError } from '../core/errors.js';

interface LockOwner {
  pid: number;
  host: string;
  bootId: string;
  token: string;
}

/** Holds the lock until `release`. */
export interface CheckpointLock {
  release(): void;
}

/** Takes the lock for `checkpointPath`, or throws InputError naming the process that holds it. */
export function acquireLock(checkpointPath: string): CheckpointLock {
  const lockPath = `${checkpointPath}.lock`;
  const me: LockOwner = { pid: process.pid, host: hostname(), bootId: readBootId(), token: randomBytes(8).toString('hex') };
  for (let tries = 0; tries < 3; tries += 1) {
    if (tryCreate(lockPath, me)) return { release: () => releaseIfMine(lockPath, me) };
    const owner = readOwner(lockPath);
    if (owner && isAlive(owner, me)) {
      throw new InputError(
        `another payout run (pid ${owner.pid} on ${owner.host}) is using the checkpoint ${checkpointPath}. ` +
          'Wait for it to finish; if no such run exists, delete the file ' + lockPath,
      );
    }
    // Stale: move it aside atomically, then check that what we moved is the dead owner's and
    // not a lock that another process created meanwhile; if it is theirs, put it back.
    const aside = `${lockPath}.stale-${me.token}`;
    try {
      renameSync(lockPath, aside);
    } catch {
      continue;
    }
    const moved = readOwner(aside);
    if (moved && moved.token !== owner?.token) {
      try {
        linkSync(aside, lockPath);
      } catch {
        // Someone else holds it now; the next try will see them.
      }
    }
    unlinkSync(aside);
  }
  throw new InputError(`could not take the lock ${lockPath}; another payout run may be starting. Try again`);
}

/** Writes the owner to a temp file and links it into place: the lock appears whole or not at all. */
function tryCreate(lockPath: string, me: LockOwner): boolean {
  const temp = `${lockPath}.${me.token}`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, JSON.stringify(me));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new InputError(`cannot create the lock ${lockPath}: ${(error as Error).message}`, { cause: error });
  } finally {
    unlinkSync(temp);
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    // Unreadable or half-written (its creator died between create and write): stale.
    return undefined;
  }
}

function isAlive(owner: LockOwner, me: LockOwner): boolean {
  if (owner.host !== me.host) return true; // Another machine: we cannot tell, so assume it runs.
  if (owner.bootId !== me.bootId) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfMine(lockPath: string, me: LockOwner): void {
  if (readOwner(lockPath)?.token === me.token) unlinkSync(lockPath);
}

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}
