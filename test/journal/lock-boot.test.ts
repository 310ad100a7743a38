import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { acquireLock, fromAnotherBoot, readBootId, tryLockFile, type LockOwner } from '../../src/journal/lock.js';

/** Above the kernel's largest pid (2^22): no process can have it. */
const DEAD_PID = 2 ** 22 + 1;

function thisBoot(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

describe('lock and the boot id', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'payout-lock-boot-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeLock(path: string, owner: LockOwner): void {
    writeFileSync(path, JSON.stringify(owner));
  }

  it('reads this machine’s boot id', () => {
    expect(readBootId()).toBe(thisBoot());
  });

  it('tryLockFile does not take over a lock of this host from another boot, even with a pid that cannot run', () => {
    const path = join(dir, 'outbox.lock');
    const owner: LockOwner = {
      pid: DEAD_PID,
      host: hostname(),
      bootId: `${thisBoot()}-before-reboot`,
      token: 'oldtoken',
    };
    writeLock(path, owner);
    const taken = tryLockFile(path);
    expect('release' in taken).toBe(false);
    expect(taken).toEqual({ owner });
    expect(fromAnotherBoot(owner)).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(owner);
    // Nothing is left behind: no temp file, no breaker.
    expect(readdirSync(dir)).toEqual(['outbox.lock']);
  });

  it('does not take over a lock from another pid namespace (a container sharing the folder), even with a pid that cannot run here', () => {
    const path = join(dir, 'outbox.lock');
    const owner: LockOwner = {
      pid: DEAD_PID,
      host: hostname(),
      bootId: thisBoot(),
      token: 'nstoken',
      pidNs: 'pid:[1]',
    };
    writeLock(path, owner);
    expect(tryLockFile(path)).toEqual({ owner });
    // The same dead pid in this namespace is proven gone.
    writeLock(path, { ...owner, pidNs: readlinkSync('/proc/self/ns/pid') });
    const taken = tryLockFile(path);
    expect('release' in taken).toBe(true);
    if ('release' in taken) taken.release();
  });

  it('acquireLock refuses it, saying it cannot prove the holder gone and naming the lock file', () => {
    const checkpoint = join(dir, 'p.csv.checkpoint');
    const lockPath = `${checkpoint}.lock`;
    writeLock(lockPath, { pid: DEAD_PID, host: hostname(), bootId: 'another-boot-id', token: 'oldtoken' });
    let error: unknown;
    try {
      acquireLock(checkpoint);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).toContain('cannot prove that process is gone');
    expect(message).toContain(`delete the file ${lockPath}`);
    expect(message).toContain(
      `(pid ${DEAD_PID} on ${hostname()}, during another boot or on another machine of that name)`,
    );
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).token).toBe('oldtoken');
  });

  it('takes over a lock of this host and boot whose pid does not run', () => {
    const checkpoint = join(dir, 'p.csv.checkpoint');
    const lockPath = `${checkpoint}.lock`;
    writeLock(lockPath, { pid: DEAD_PID, host: hostname(), bootId: readBootId(), token: 'deadtoken' });
    const lock = acquireLock(checkpoint);
    const now = JSON.parse(readFileSync(lockPath, 'utf8')) as LockOwner;
    expect(now).toMatchObject({ pid: process.pid, host: hostname(), bootId: readBootId() });
    expect(now.token).not.toBe('deadtoken');
    expect(readdirSync(dir)).toEqual(['p.csv.checkpoint.lock']);
    lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('tryLockFile takes over the same dead lock, and holds it against the next caller', () => {
    const path = join(dir, 'outbox.lock');
    writeLock(path, { pid: DEAD_PID, host: hostname(), bootId: readBootId(), token: 'deadtoken' });
    const taken = tryLockFile(path);
    if (!('release' in taken)) throw new Error(`not taken: ${JSON.stringify(taken)}`);
    const again = tryLockFile(path);
    expect(again).toEqual({ owner: expect.objectContaining({ pid: process.pid }) });
    taken.release();
    expect(existsSync(path)).toBe(false);
  });

  it('does not take over a lock whose live holder is this very process on this boot', () => {
    const path = join(dir, 'outbox.lock');
    const owner: LockOwner = { pid: process.pid, host: hostname(), bootId: readBootId(), token: 'livetoken' };
    writeLock(path, owner);
    expect(tryLockFile(path)).toEqual({ owner });
    expect(fromAnotherBoot(owner)).toBe(false);
  });
});
