/**
 * The clocks the pacer reads. A gap is measured on the monotonic clock, which no NTP step, resumed
 * VM or operator fixing the date can move; the wall clock is read only to stamp records for
 * people, and for records from another boot, where no monotonic time is comparable.
 *
 * The monotonic source is `process.hrtime` (libuv's CLOCK_MONOTONIC: milliseconds since boot,
 * the same in every process of one boot, so another process's record is compared as is).
 * `performance.now()` counts from the process's start and `performance.timeOrigin` is a wall
 * time, so neither crosses a process. CLOCK_MONOTONIC stands still during a suspend: a gap
 * measured across one comes out shorter than it was, and the wait longer, never shorter.
 *
 * Stage schedule/: may import journal, csv, validate, api, sandbox, core (.dependency-cruiser.cjs).
 */
import { readlinkSync } from 'node:fs';
import { readBootId } from '../core/boot-id.js';

/** One reading of both clocks. */
export interface ClockReading {
  /** Epoch ms (Date.now()): for people, and across a reboot. */
  wallMs: number;
  /** Ms since this boot on the system-wide monotonic clock. */
  monoMs: number;
  /** The boot whose monotonic clock `monoMs` is on. */
  boot: string;
}

/** Where the pacer reads the time; a fake in unit tests. */
export interface Clock {
  now(): ClockReading;
}

/** Ms since boot on CLOCK_MONOTONIC, shared by every process of this boot. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

let clockId: string | undefined;

/**
 * Whose monotonic clock this is: the boot, and the time namespace (a container can run with its
 * monotonic clock shifted, under the same boot id). `unknown` where the kernel does not say: then
 * no record of another process is comparable on it.
 */
export function monotonicClockId(): string {
  if (clockId === undefined) {
    const boot = readBootId();
    let namespace = '';
    try {
      namespace = readlinkSync('/proc/self/ns/time');
    } catch {
      // A kernel without time namespaces: every process shares the boot's clock.
    }
    clockId = boot === 'unknown' ? boot : namespace ? `${boot} ${namespace}` : boot;
  }
  return clockId;
}

/** The machine's clocks. */
export const systemClock: Clock = {
  now: () => ({ wallMs: Date.now(), monoMs: monotonicMs(), boot: monotonicClockId() }),
};

/**
 * Puts a request's start (as a client reports it, from Date.now()) on the monotonic clock, from
 * readings of both clocks taken right before (`before`) and right after (`after`) the call; the
 * end is `after` itself. The start maps across by its distance from `before`, or by its distance
 * to `after`: when the wall clock stepped during the call, only the side of the step it was taken
 * on gives a distance that fits within the call. When both fit (no step, or one smaller than the
 * call) the later is taken, and when neither does, `after`: the start is never placed earlier than
 * it was (that could break the gap), at worst later (a wait longer by the step, once). Rounded up,
 * as Date.now() drops the fraction.
 */
export function monoOfCall(
  wall: { startedAt: number },
  before: ClockReading,
  after: ClockReading,
): { startedAt: number; endedAt: number } {
  const elapsed = after.monoMs - before.monoMs;
  // Two Date.now() roundings and NTP's slew (at most 0.5 ms a second) stay within this.
  const tolerance = ROUNDING_MS + elapsed * MAX_SLEW;
  const fits = (ms: number): boolean => ms >= -tolerance && ms <= elapsed + tolerance;
  const fromBefore = wall.startedAt - before.wallMs;
  const toAfter = after.wallMs - wall.startedAt;
  const candidates = [
    ...(fits(fromBefore) ? [before.monoMs + fromBefore] : []),
    ...(fits(toAfter) ? [after.monoMs - toAfter] : []),
  ];
  const startedAt = candidates.length > 0 ? Math.max(...candidates) + ROUNDING_MS : after.monoMs;
  return { startedAt: Math.min(after.monoMs, Math.max(before.monoMs, startedAt)), endedAt: after.monoMs };
}

/** Date.now() drops the fraction: a difference of two of its readings is off by less than this. */
const ROUNDING_MS = 1;
/** The fastest NTP slews a clock (500 ppm). */
const MAX_SLEW = 0.0005;

/** A monotonic moment as a record keeps it: whole ms, rounded up (later is the safe side for every bound). */
export function recordedMs(monoMs: number): number {
  return Math.ceil(monoMs);
}
