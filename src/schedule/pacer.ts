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
 */
import type { RequestTimes } from '../core/types.js';

export interface PacingOptions {
  /** Minimum gap between two arrivals at the API. @default 12000 */
  intervalMs: number;
  /** How late after its start a request may arrive at the API. @default 500 */
  marginMs: number;
}

/**
 * Extra allowance when only the intent's time is known (the process died mid-request): the
 * request left after the intent's fsync, a few milliseconds later, but we do not know how many.
 */
export const UNKNOWN_START_SLACK_MS = 1000;

/** The latest moment at which the request described by `times` can have reached the API. */
export function latestArrival(times: RequestTimes, marginMs: number): number {
  if (times.startedAt === undefined) return times.intentAt + UNKNOWN_START_SLACK_MS + marginMs;
  const assumed = times.startedAt + marginMs;
  return times.endedAt === undefined ? assumed : Math.min(assumed, times.endedAt);
}

/** Sleeps until each request may start. One pacer per run; seed it with the journal's last request. */
export class Pacer {
  private notBefore: number;
  private current: RequestTimes | undefined;

  constructor(
    private readonly options: PacingOptions,
    previous?: RequestTimes,
  ) {
    this.notBefore = previous ? latestArrival(previous, options.marginMs) + options.intervalMs : 0;
  }

  /** The earliest moment (epoch ms) the next request may start. */
  nextStartAt(): number {
    const fromCurrent = this.current ? latestArrival(this.current, this.options.marginMs) + this.options.intervalMs : 0;
    return Math.max(this.notBefore, fromCurrent);
  }

  /** Resolves when the next request may start; rejects with the signal's reason if aborted first. */
  async waitTurn(signal?: AbortSignal): Promise<void> {
    // setTimeout may fire a little before Date.now() reaches the target: check again.
    for (let wait = this.nextStartAt() - Date.now(); wait > 0; wait = this.nextStartAt() - Date.now()) {
      await sleep(wait, signal);
    }
    signal?.throwIfAborted();
  }

  /** Takes in a request another process (or an earlier run) made: the next one keeps the gap after it too. */
  observe(times: RequestTimes): void {
    this.notBefore = Math.max(this.notBefore, latestArrival(times, this.options.marginMs) + this.options.intervalMs);
  }

  /** Records a request: when it left (taken right before it did) and when its outcome was known. */
  record(startedAt: number, endedAt: number): void {
    if (this.current) this.notBefore = this.nextStartAt();
    this.current = { intentAt: startedAt, startedAt, endedAt };
  }

  /**
   * The API said the last request came too early by its own clock: wait a full interval from
   * its answer, which is after its arrival whatever the API counts from.
   */
  backOffFromAnswer(at: number): void {
    this.notBefore = Math.max(this.nextStartAt(), at + this.options.intervalMs);
  }

  /** Waits at least `delayMs` from now before the next request (retries after a network failure). */
  delayNext(delayMs: number): void {
    this.notBefore = Math.max(this.nextStartAt(), Date.now() + delayMs);
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
