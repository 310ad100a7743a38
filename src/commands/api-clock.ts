/**
 * When this machine last made a request to an API, whatever the payroll or checkpoint: the
 * contract's gap holds between ANY two requests, so a second payroll run right after the
 * first (or the same file under a new --checkpoint) must wait too. Kept per API in the state
 * directory, beside the payment history; written and fsynced before each request leaves.
 */
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestTimes } from '../core/types.js';
import { latestArrival } from '../schedule/pacer.js';
import type { Logger } from '../log.js';

const FILE = 'last-request.json';

interface ClockFile {
  v: 1;
  requests: Record<string, RequestTimes>;
}

/** The last request to one API, read at start and written at every request. */
export class ApiClock {
  private warned = false;

  private constructor(
    private readonly dir: string | undefined,
    private readonly api: string,
    private readonly logger: Logger,
  ) {}

  /** A clock for `api` (a base URL fit for a record) in `dir`; none kept when `dir` is undefined (the in-process sandbox). */
  static open(dir: string | undefined, api: string, logger: Logger): ApiClock {
    return new ApiClock(dir, api, logger);
  }

  /** The last request this machine made to the API, if it is known. */
  previous(): RequestTimes | undefined {
    return this.dir ? readClock(this.dir).requests[this.api] : undefined;
  }

  /** Records a request (its intent, then its times once over). Best effort: the journal keeps this checkpoint's own gap. */
  record(times: RequestTimes): void {
    if (!this.dir) return;
    try {
      const clock = readClock(this.dir);
      clock.requests[this.api] = times;
      writeClock(this.dir, clock);
    } catch (error) {
      if (!this.warned) this.logger.warn(`could not record the request time in ${join(this.dir, FILE)} (${(error as Error).message}); the gap to another payroll's next run is not kept`);
      this.warned = true;
    }
  }
}

/** Of two requests, the one that can have reached the API the later (undefined when neither is known). */
export function laterRequest(a: RequestTimes | undefined, b: RequestTimes | undefined, marginMs: number): RequestTimes | undefined {
  if (!a || !b) return a ?? b;
  return latestArrival(a, marginMs) >= latestArrival(b, marginMs) ? a : b;
}

function readClock(dir: string): ClockFile {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as Partial<ClockFile>;
    if (parsed.v === 1 && parsed.requests && typeof parsed.requests === 'object') return { v: 1, requests: parsed.requests };
  } catch {
    // Missing or unreadable: no request known (a damaged file only costs the cross-run gap).
  }
  return { v: 1, requests: {} };
}

function writeClock(dir: string, clock: ClockFile): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, FILE);
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    writeSync(fd, JSON.stringify(clock));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
