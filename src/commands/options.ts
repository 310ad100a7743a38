/**
 * The typed options of the commands, as the CLI hands them over, and what every command gets.
 *
 * Stage commands/: may import pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { isLoopbackHost } from '../core/api-vocabulary.js';
import type { ApiConnection } from '../pay/connection.js';
import type { PlanDeps, PlanOptions } from '../plan/plan-options.js';
import type { ProgressReporter } from '../pay/progress.js';

export { DEFAULT_BASE_URL } from '../core/api-vocabulary.js';

/** Options of `payout run` (contract, "Options of run"): the plan's, and those of the scan and the send loop. */
export interface RunOptions extends PlanOptions {
  input: string;
  out?: string;
  checkpoint?: string;
  /** Per-request timeout; a timed-out request's outcome is unknown. @default 30000 */
  timeoutMs: number;
  /** Send again the rows the API rejected. @default false */
  retryFailed: boolean;
  /** When the scans go on two threads, and in what sizes (no CLI option: for tests and the bench). */
  scanParallel?: { fromBytes?: number; segmentBytes?: number; chunkBytes?: number };
  /** Other header names for the required columns (`--columns`). */
  columns?: string;
}

/** What the CLI gives every command: its I/O, so that commands stay testable. */
export interface CommandDeps extends PlanDeps {
  /** How the send loop shows each row; the CLI picks a bar on a terminal. @default one log line per row */
  progress?: ProgressReporter;
}

/** Opens the way to the API that `run` will pay through. */
export type Connect = (options: RunOptions) => Promise<ApiConnection>;

/**
 * The smallest `--margin` against an API beyond this machine. The pace counts from when a
 * request's headers were written; after that its bytes still cross the network, and a margin
 * below this would let an ordinary delay in transit make the next request arrive early.
 */
export const MIN_REMOTE_MARGIN_MS = 250;

/** True for a URL whose host is this machine (where a shorter interval may be used). */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}
