/**
 * A small tmpfs for full-disk tests (CI runs as root). A tmpfs allocates whole pages: a file's
 * last page has room for a few more lines even when the disk is full, so a test that wants a
 * given write to be refused fills the disk and makes that write need a new page.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The page size a tmpfs allocates by. */
export const PAGE = 4096;

let probed: string | undefined | null = null;

/**
 * Why a tmpfs cannot be mounted here (not root, no mount in a container), or undefined when it
 * can: probed once with a mount and an unmount. A test that needs one skips with this reason.
 */
export function whyNoTmpfs(): string | undefined {
  if (probed !== null) return probed;
  const dir = mkdtempSync(join(tmpdir(), 'payout-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    probed = undefined;
  } catch (error) {
    probed = `mounting a tmpfs is not permitted here (${String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim()}); full-disk tests need root`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return probed;
}

/** Mounts a tmpfs of `sizeKb` on a fresh folder and returns it. */
export function mountTmpfs(sizeKb = 256): string {
  const dir = mkdtempSync(join(tmpdir(), 'payout-fulldisk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  return dir;
}

/** Unmounts (lazily: a process may still hold a file there) and removes the folder. */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Fills the disk of `dir` with files of one page each until it refuses one (ENOSPC), then frees
 * `leavePages` of them. Returns the folder holding the filler, to delete to free the space again.
 */
export function fillDisk(dir: string, leavePages = 0): string {
  const fillerDir = join(dir, 'filler');
  mkdirSync(fillerDir, { recursive: true });
  const page = Buffer.alloc(PAGE, 0x78);
  const files: string[] = [];
  for (let i = 0; ; i += 1) {
    const path = join(fillerDir, `f${i}`);
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, page);
      files.push(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      break;
    } finally {
      closeSync(fd);
    }
  }
  for (const path of files.slice(files.length - leavePages)) rmSync(path);
  return fillerDir;
}
