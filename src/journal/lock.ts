/**
 * One process per checkpoint (and, in the state directory, one sender at a time): a lock file,
 * created exclusively. A lock left by a process that died (kill -9) is taken over only when its
 * holder is proven gone: same host, same boot, same pid namespace, and its pid no longer runs. A lock from another
 * boot id is not proof: on a shared or network filesystem a host of the same name may still run
 * its holder. The operator, who can tell, deletes such a file.
 *
 * Stage journal/: may import csv, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { randomBytes } from 'node:crypto';
import { constants, linkSync, openSync, readFileSync, readlinkSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { DiskError, InputError } from '../core/errors.js';
import { readBootId } from '../core/boot-id.js';
import { fsyncDirectory } from './file.js';

export { readBootId };

export interface LockOwner {
  pid: number;
  host: string;
  bootId: string;
  token: string;
  /** The pid namespace it ran in (a container's pids are not ours to probe); absent in older locks. */
  pidNs?: string;
}

/** Holds the lock until `release`. */
export interface CheckpointLock {
  release(): void;
}

/** Takes the lock for `checkpointPath`, or throws InputError naming the process that holds it. */
export function acquireLock(checkpointPath: string): CheckpointLock {
  const lockPath = `${checkpointPath}.lock`;
  const taken = tryLockFile(lockPath);
  if ('release' in taken) return taken;
  if (taken.owner) {
    throw new InputError(
      `another payout command ${describeOwner(taken.owner)} is using the checkpoint ${checkpointPath}. ${howToFree(taken.owner, lockPath)}`,
    );
  }
  throw new InputError(`could not take the lock ${lockPath}; another payout command may be starting. Try again`);
}

/** "(pid 123 on host)", and when it is not provably this boot's, says so. */
export function describeOwner(owner: LockOwner): string {
  return owner.bootId === readBootId()
    ? `(pid ${owner.pid} on ${owner.host})`
    : `(pid ${owner.pid} on ${owner.host}, during another boot or on another machine of that name)`;
}

/** True for a holder named like this host but of another boot id: it cannot be proven gone. */
export function fromAnotherBoot(owner: LockOwner): boolean {
  return owner.host === hostname() && owner.bootId !== readBootId();
}

/** What the operator does about a lock whose holder may be gone. */
export function howToFree(owner: LockOwner, lockPath: string): string {
  if (fromAnotherBoot(owner)) {
    return `payout cannot prove that process is gone (this machine has rebooted since, or the folder is shared with another machine of the same name). If no payout command runs there, delete the file ${lockPath}`;
  }
  return `Wait for it to finish; if no such process exists, delete the file ${lockPath}`;
}

/**
 * Takes the lock file at `lockPath` if it is free (or its holder is proven gone): the held lock;
 * else `{owner}`, the holder that may still run (undefined when it could not be decided: contention).
 */
export function tryLockFile(lockPath: string): CheckpointLock | { owner: LockOwner | undefined } {
  const pidNs = readPidNamespace();
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    bootId: readBootId(),
    token: randomBytes(8).toString('hex'),
    ...(pidNs && { pidNs }),
  };
  const taken = takeLock(lockPath, me, 0);
  if (taken === true) {
    // The lock's directory entry is made durable like the journal's (a lock lost to a power cut
    // would be stale anyway: the boot id changes, but a tool that fsyncs some entries should fsync all).
    syncDirectory(dirname(lockPath));
    const release = (): void => {
      held.delete(release);
      releaseIfMine(lockPath, me);
    };
    held.add(release);
    if (!exitHooked) process.on('exit', releaseAllHeld);
    exitHooked = true;
    return { release };
  }
  return { owner: taken };
}

/**
 * Locks this process holds. A second Ctrl-C exits at once, past every `finally`: one `exit`
 * listener (synchronous, like the release) lets the locks go with the process all the same.
 */
const held = new Set<() => void>();
let exitHooked = false;

function releaseAllHeld(): void {
  for (const release of [...held]) release();
}

/** Nested takeovers beyond this (each needs a process killed inside the one before) are left to the operator. */
const MAX_TAKEOVER_DEPTH = 3;

/**
 * Creates the lock file at `path` for `me`: true when taken; the live owner when another process
 * holds it; undefined when it could not be decided (contention; the caller says "try again").
 *
 * A lock whose owner is dead is removed under a second lock named after that owner's token
 * (`<path>.break-<token>`): only one process at a time may remove a given dead owner's lock, and
 * it removes the file only if it still holds that owner's token. Only the holder of that second
 * lock ever removes a lock file of that owner (the owner itself is dead), so between checking
 * the token and removing the file, the file cannot change: a live process's lock is never
 * removed, whatever the number of processes starting at once. The second lock is taken the same
 * way, so a process killed while removing a dead lock leaves nothing that blocks the next one.
 */
function takeLock(path: string, me: LockOwner, depth: number): true | LockOwner | undefined {
  for (let tries = 0; tries < 50; tries += 1) {
    if (tryCreate(path, me)) return true;
    const owner = readOwner(path);
    if (owner === 'missing') continue; // Released meanwhile: try again.
    if (owner && isAlive(owner, me)) return owner;
    if (depth >= MAX_TAKEOVER_DEPTH) return undefined;
    const breaker = `${path}.break-${owner?.token.replace(/[^0-9A-Za-z]/g, '') || 'unreadable'}`;
    const taken = takeLock(breaker, me, depth + 1);
    if (taken !== true) {
      // Another live process is removing this dead lock right now: give it a moment.
      pause(2);
      continue;
    }
    try {
      const again = readOwner(path);
      if (again !== 'missing' && (again?.token ?? '') === (owner?.token ?? '')) unlinkIfThere(path);
    } finally {
      releaseIfMine(breaker, me);
    }
  }
  return undefined;
}

/** Writes the owner to a temp file and links it into place: the lock appears whole or not at all. */
function tryCreate(lockPath: string, me: LockOwner): boolean {
  const temp = `${lockPath}.${me.token}`;
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    const disk = DiskError.from(error, 'the lock', lockPath);
    if (disk) throw disk;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its folder does not exist' : (code ?? 'error');
    throw new InputError(`cannot create the lock ${lockPath}: ${why}`, { cause: error });
  }
  try {
    writeSync(fd, JSON.stringify(me));
  } catch (error) {
    closeSync(fd);
    unlinkIfThere(temp);
    throw (
      DiskError.from(error, 'the lock', lockPath) ??
      new InputError(
        `cannot create the lock ${lockPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        { cause: error },
      )
    );
  }
  closeSync(fd);
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

/** The lock's owner; undefined when unreadable (a power cut before its data was on disk): stale; 'missing' when there is no file. */
function readOwner(path: string): LockOwner | undefined | 'missing' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return undefined;
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner> | null;
    const ok =
      owner &&
      typeof owner.pid === 'number' &&
      typeof owner.host === 'string' &&
      typeof owner.bootId === 'string' &&
      typeof owner.token === 'string';
    return ok ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(owner: LockOwner, me: LockOwner): boolean {
  // Another machine, or another boot (or a machine of the same name sharing the folder): we
  // cannot tell, so assume it runs.
  if (owner.host !== me.host || owner.bootId !== me.bootId) return true;
  // Another pid namespace (a container sharing the folder under the same host name): its pid means nothing here.
  if (owner.pidNs !== undefined && owner.pidNs !== me.pidNs) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfMine(lockPath: string, me: LockOwner): void {
  const owner = readOwner(lockPath);
  if (owner !== 'missing' && owner?.token === me.token) unlinkSync(lockPath);
}

function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Sleeps synchronously (acquiring is synchronous, and this wait is a few milliseconds at most). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** fsyncs a directory; file systems that cannot (EINVAL, ENOTSUP) are let be. */
function syncDirectory(path: string): void {
  try {
    fsyncDirectory(path);
  } catch (error) {
    if (!['EINVAL', 'ENOTSUP', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
}

let pidNamespace: string | undefined | null = null;

/** This process's pid namespace ("pid:[4026531836]"), read once; undefined where /proc does not tell. */
function readPidNamespace(): string | undefined {
  if (pidNamespace === null) {
    try {
      pidNamespace = readlinkSync('/proc/self/ns/pid');
    } catch {
      pidNamespace = undefined;
    }
  }
  return pidNamespace;
}
