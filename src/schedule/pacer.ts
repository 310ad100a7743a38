/**
 * The minimum gap between the ARRIVALS of any two requests at the API (contract invariant 4).
 *
 * The API measures the gap where requests arrive, and a request arrives some unknown time after
 * it starts (connection set-up, TLS, a cold client). So the next request may start `interval`
 * after the latest moment the previous one can have arrived:
 *   - it arrived before its answer came back (`endedAt`), for certain; and
 *   - we assume it arrived within `margin` of its start (the safety margin).
 * Whichever is earlier bounds the arrival. A fast answer therefore costs only its own latency,
 * and a slow one at most the margin: the latency overlaps the wait instead of adding to it.
 *
 * Every moment the pacer holds is on the monotonic clock, so a wall clock that steps (NTP, a
 * resumed VM, an operator fixing the date) neither stalls a run nor lets a request out early. A
 * request recorded by another process or an earlier run of this boot is compared on that clock
 * too. One from another boot (or from a version that kept wall times only) has only its wall
 * times: a wall time later than ours now cannot be measured, so it counts as made just now, and
 * the wait is at most one interval plus the margin (and the slack, for an intent alone).
 *
 * Stage schedule/: may import journal, csv, validate, api, sandbox, core (.dependency-cruiser.cjs).
 */
import type { MonoTimes, RequestTimes } from '../core/types.js';
import { systemClock, type Clock, type ClockReading } from './clock.js';

export interface PacingOptions {
  /** Minimum gap between two arrivals at the API. @default 12000 */
  intervalMs: number;
  /** How late after its start a request may arrive at the API. @default 500 */
  marginMs: number;
}

/**
 * Extra allowance when only the intent's time is known (the process died mid-request): the
 * request left after the intent was durable, a few milliseconds later, but we do not know how many.
 */
export const UNKNOWN_START_SLACK_MS = 1000;

/** A wait at least this long is said, with what it waits for. */
export const SAY_WAIT_MS = 3000;

/** The moments of one request on one clock. */
type Moments = Pick<RequestTimes, 'intentAt' | 'startedAt' | 'endedAt'>;

/** The latest moment at which the request described by `times` can have reached the API (on the clock of `times`). */
export function latestArrival(times: Moments, marginMs: number): number {
  if (times.startedAt === undefined) return times.intentAt + UNKNOWN_START_SLACK_MS + marginMs;
  const assumed = times.startedAt + marginMs;
  return times.endedAt === undefined ? assumed : Math.min(assumed, times.endedAt);
}

/** When the next request may start, and why it waits until then. */
export interface NextStart {
  /** On the monotonic clock of the reading it was computed from. */
  at: number;
  /** What the wait is for, in the operator's words. */
  why: string;
  /** False when the wait is not the API's ordinary pace (a record from a clock set back, a back-off): it is said on its own line. */
  ordinary: boolean;
}

/** The ordinary wait: the gap after the last request to the API, by this run or any other. */
const PACE = "the API's pace";

/**
 * The rule for a request another process or an earlier run recorded: the earliest start, on the
 * monotonic clock of `now`, that keeps the gap after it. Pure.
 */
export function nextStartAfter(previous: RequestTimes, now: ClockReading, options: PacingOptions): NextStart {
  const { intervalMs, marginMs } = options;
  const mono = previous.mono;
  if (mono && mono.boot === now.boot && now.boot !== 'unknown') {
    // The same boot: the gap measured on the monotonic clock, whatever the wall clocks said.
    return { at: latestArrival(notAfter(mono, now.monoMs), marginMs) + intervalMs, why: PACE, ordinary: true };
  }
  // Another boot, or a record of an earlier version: wall times only. Where this machine cannot
  // name its boot, no record can be proven older than it reads: each counts as made just now.
  const wall = now.boot === 'unknown' ? madeJustNow(previous, now.wallMs) : notAfter(previous, now.wallMs);
  const at = now.monoMs + (latestArrival(wall, marginMs) + intervalMs - now.wallMs);
  const latest = Math.max(previous.intentAt, previous.startedAt ?? 0, previous.endedAt ?? 0);
  if (latest <= now.wallMs) return { at, why: PACE, ordinary: true };
  return {
    at,
    why:
      `the API's pace: its last request is recorded at ${clockText(latest)}, later than this machine's clock now (${clockText(now.wallMs)}); ` +
      'the clock was set back, or that request was made before a reboot, so it is counted as made just now',
    ordinary: false,
  };
}

/** `times` with every moment later than `limit` taken as `limit` ("just now"). */
function notAfter<T extends Moments | MonoTimes>(times: T, limit: number): T {
  const cap = (at: number | undefined): number | undefined => (at === undefined ? undefined : Math.min(at, limit));
  return {
    ...times,
    intentAt: Math.min(times.intentAt, limit),
    startedAt: cap(times.startedAt),
    endedAt: cap(times.endedAt),
  };
}

/** `times` with every moment taken as `now`: a request of unknown age, counted as just made. */
function madeJustNow(times: Moments, now: number): Moments {
  return {
    intentAt: now,
    ...(times.startedAt !== undefined && { startedAt: now }),
    ...(times.endedAt !== undefined && { endedAt: now }),
  };
}

function clockText(wallMs: number): string {
  return `${new Date(wallMs).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** A wait the pacer is about to make, for the operator. */
export interface PaceWait {
  ms: number;
  why: string;
  ordinary: boolean;
}

/** Sleeps until each request may start. One pacer per run; seed it with the journal's last request. */
export class Pacer {
  private notBefore: NextStart = { at: -Infinity, why: PACE, ordinary: true };
  private current: { startedAt: number; endedAt: number } | undefined;

  constructor(
    private readonly options: PacingOptions,
    previous?: RequestTimes,
    private readonly clock: Clock = systemClock,
  ) {
    if (previous) this.observe(previous);
  }

  /** Now, on the clock the pacer's moments are on (ms since boot, monotonic). */
  now(): number {
    return this.clock.now().monoMs;
  }

  /** The earliest moment (monotonic ms) the next request may start. */
  nextStartAt(): number {
    return this.next().at;
  }

  /** How long from now until the next request may start (0: now). */
  waitMs(): number {
    return Math.max(0, this.nextStartAt() - this.now());
  }

  /**
   * Resolves when the next request may start (`leadMs` before that, for a caller with work to do
   * first); rejects with the signal's reason if aborted first. A wait of {@link SAY_WAIT_MS} or
   * more is told to `onWait` first, with what it waits for.
   */
  async waitTurn(signal?: AbortSignal, onWait?: (wait: PaceWait) => void, leadMs = 0): Promise<void> {
    const first = this.next();
    const ms = first.at - this.now();
    if (ms >= SAY_WAIT_MS) onWait?.({ ms, why: first.why, ordinary: first.ordinary });
    // A timer may fire a little before the clock reaches the target, and one timer runs at most ~24.8 days: check again.
    for (
      let wait = this.nextStartAt() - leadMs - this.now();
      wait > 0;
      wait = this.nextStartAt() - leadMs - this.now()
    ) {
      await sleep(Math.min(Math.ceil(wait), MAX_TIMER_MS), signal);
    }
    signal?.throwIfAborted();
  }

  /** Takes in a request another process (or an earlier run) made: the next one keeps the gap after it too. */
  observe(times: RequestTimes): void {
    this.raise(nextStartAfter(times, this.clock.now(), this.options));
  }

  /** Records this run's request, in monotonic ms: when it left (taken right before it did) and when its outcome was known. */
  record(startedAt: number, endedAt: number): void {
    // The bound the request before this one set stays (with none before, next() is that bound already).
    this.raise(this.next());
    this.current = { startedAt, endedAt };
  }

  /**
   * The API said the last request came too early by its own clock: wait a full interval from
   * its answer (monotonic ms), which is after its arrival whatever the API counts from.
   */
  backOffFromAnswer(at: number): void {
    this.raise({ at: at + this.options.intervalMs, why: 'the API, which asked to slow down', ordinary: false });
  }

  /** Waits at least `delayMs` from now before the next request (retries after a network failure). */
  delayNext(delayMs: number): void {
    this.raise({ at: this.now() + delayMs, why: 'a retry after a failed connection', ordinary: false });
  }

  /** When the next request may start (monotonic ms), and why it waits until then. */
  nextStart(): NextStart {
    return this.next();
  }

  private next(): NextStart {
    if (!this.current) return this.notBefore;
    const fromCurrent =
      latestArrival({ intentAt: this.current.startedAt, ...this.current }, this.options.marginMs) +
      this.options.intervalMs;
    return fromCurrent > this.notBefore.at ? { at: fromCurrent, why: PACE, ordinary: true } : this.notBefore;
  }

  private raise(next: NextStart): void {
    if (next.at > this.notBefore.at) this.notBefore = next;
  }
}

/** setTimeout's longest delay (about 24.8 days): a longer one fires at once, which would spin the wait. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer that an AbortSignal cancels; a wait longer than one timer can hold is made of several. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    let left = ms;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const arm = (): void => {
      const chunk = Math.min(left, MAX_TIMER_MS);
      left -= chunk;
      timer = setTimeout(() => {
        if (left > 0) return arm();
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, chunk);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}
