/**
 * Real disk failures beyond a full tmpfs (test/helpers/tmpfs.ts), for the unit tests of the
 * files that must survive them (as root, like the tmpfs itself):
 * - a tmpfs with room for only a few files: the disk is full (ENOSPC) for a new file, the way a
 *   disk out of inodes refuses one;
 * - a tmpfs remounted read-only (EROFS): chmod does not bind root, a read-only mount does;
 * - the append-only attribute (chattr +a): the file takes appends but can never be cut back
 *   (EPERM, root included), as when a disk refuses the truncate that takes back a part line.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from '@jest/globals';
import { whyNoTmpfs } from './tmpfs.js';

/**
 * Mounts a tmpfs of `sizeKb` that holds at most `inodes` inodes (its root folder is one) on a
 * fresh folder, and returns it; unmount it with `unmountTmpfs`.
 */
export function mountSmallTmpfs(sizeKb: number, inodes?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'payout-faults-'));
  const options = [`size=${sizeKb}k`, 'mode=0755', ...(inodes === undefined ? [] : [`nr_inodes=${inodes}`])];
  execFileSync('mount', ['-t', 'tmpfs', '-o', options.join(','), 'tmpfs', dir], { stdio: 'pipe' });
  return dir;
}

/** Creates empty files in `dir` until the disk refuses one (ENOSPC): no new file fits afterwards. */
export function useUpFiles(dir: string): void {
  for (let i = 0; ; i += 1) {
    try {
      closeSync(openSync(join(dir, `inode-${i}`), 'w'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw error;
    }
  }
}

/** Remounts the tmpfs at `dir` read-only (no file may be open for writing on it), or writable again. */
export function remount(dir: string, mode: 'ro' | 'rw'): void {
  execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });
}

/** Sets or clears the append-only attribute of `path` (chattr, from e2fsprogs). */
export function setAppendOnly(path: string, on: boolean): void {
  execFileSync('chattr', [on ? '+a' : '-a', path], { stdio: 'pipe' });
}

let probed: string | undefined | null = null;

/**
 * Why a file on a tmpfs cannot be made append-only here (no chattr, a kernel without it on
 * tmpfs), or undefined when it can: probed once. Call after `whyNoTmpfs` says a tmpfs mounts.
 */
export function whyNoAppendOnly(): string | undefined {
  if (probed !== null) return probed;
  const dir = mountSmallTmpfs(64);
  const path = join(dir, 'probe');
  try {
    closeSync(openSync(path, 'w'));
    setAppendOnly(path, true);
    setAppendOnly(path, false);
    probed = undefined;
  } catch (error) {
    probed = `the append-only attribute cannot be set on a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim()})`;
  } finally {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  }
  return probed;
}

/** How many files this process has open: a failure path must not leave one open, nor close one not its own. */
export function openFileCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Whether this process has the file at `path` open (another part of the process may open and close files meanwhile). */
export function isOpenHere(path: string): boolean {
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

/**
 * The `describe` of tests that need a tmpfs, and of those that also need the append-only
 * attribute: `describe.skip` where this machine cannot give them, said once for `what`.
 */
export function describesForDisk(what: string): {
  describeWithTmpfs: typeof describe | typeof describe.skip;
  describeWithAppendOnly: typeof describe | typeof describe.skip;
} {
  const noTmpfs = whyNoTmpfs();
  const noAppendOnly = noTmpfs ?? whyNoAppendOnly();
  if (noAppendOnly) console.warn(`${what} skipped: ${noAppendOnly}`);
  return {
    describeWithTmpfs: noTmpfs ? describe.skip : describe,
    describeWithAppendOnly: noAppendOnly ? describe.skip : describe,
  };
}
