/**
 * This boot's id, as the kernel names it: a lock's holder and a request's monotonic time are
 * only comparable with ours when they come from the same boot.
 *
 * Stage core/: imports no other stage of src/.
 */
import { readFileSync } from 'node:fs';

let bootId: string | undefined;

/** This boot's id (the kernel's), read once; `unknown` where the kernel does not say. */
export function readBootId(): string {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || 'unknown';
    } catch {
      bootId = 'unknown';
    }
  }
  return bootId;
}
