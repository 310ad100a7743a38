/**
 * Whose monotonic clock a record's times are on: the boot, and the time namespace (a container
 * may shift its monotonic clock under the same boot id, and its records must not be compared
 * with ours on it).
 */
import { expect, it } from '@jest/globals';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { monotonicClockId, systemClock } from '../../src/schedule/clock.js';

it('names the boot and, where the kernel has them, the time namespace', () => {
  const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  const id = monotonicClockId();
  expect(id.startsWith(boot)).toBe(true);
  if (existsSync('/proc/self/ns/time')) expect(id).toBe(`${boot} ${readlinkSync('/proc/self/ns/time')}`);
  expect(systemClock.now().boot).toBe(id);
});
