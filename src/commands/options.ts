/**
 * The typed options of the commands, as the CLI hands them over, and what every command gets.
 */
import { isLoopbackHost } from '../core/api-vocabulary.js';
import type { Logger } from '../log.js';
import type { Caps } from '../plan/caps.js';
import type { ProgressReporter } from '../pay/progress.js';

export { DEFAULT_BASE_URL } from '../core/api-vocabulary.js';

/** Options of `payout run` (contract, "Options of run"). */
export interface RunOptions {
  input: string;
  out?: string;
  checkpoint?: string;
  /** Validate and report only; send nothing that moves money. @default false */
  dryRun: boolean;
  /** Skip the confirmation prompt. @default false */
  yes: boolean;
  /** @default https://api.cryptocloud.plus (env CRYPTOCLOUD_BASE_URL) */
  baseUrl: string;
  /** Minimum gap between the arrivals of any two API requests. @default 12000 */
  intervalMs: number;
  /**
   * How late after it left (its headers written) a request may arrive at the API; at least
   * {@link MIN_REMOTE_MARGIN_MS} unless the API is on this machine or the sandbox. @default 500
   */
  marginMs: number;
  /** Per-request timeout; a timed-out request's outcome is unknown. @default 30000 */
  timeoutMs: number;
  /** Run against an in-process emulator (no key needed). @default false */
  sandbox: boolean;
  /** The API key, already read from --api-key-file or the environment (never from the command line). */
  apiKey?: string;
  /** Pay the valid rows even though some rows are invalid. @default false */
  skipInvalid: boolean;
  /** Send again the rows the API rejected. @default false */
  retryFailed: boolean;
  /** Pay rows that repeat an earlier row's currency, address and amount. @default false */
  allowDuplicates: boolean;
  /** When the scans go on two threads, and in what sizes (no CLI option: for tests and the bench). */
  scanParallel?: { fromBytes?: number; segmentBytes?: number; chunkBytes?: number };
  /** Other header names for the required columns (`--columns`). */
  columns?: string;
  /** Amounts use a decimal comma (`0,5`). @default false */
  decimalComma: boolean;
  /** Caps and control totals (`--max-amount`, `--max-total`, `--expect-count`, `--expect-total`). @default none */
  caps?: Caps;
  /** Pay rows that repeat payments of the last 45 days found in the history. @default false */
  allowRepeat?: boolean;
  /** Ask the API for the balances before paying, and refuse a run they cannot cover. @default true */
  balanceCheck?: boolean;
  /**
   * Where the payment history is kept (`--history-dir`).
   * @default $PAYOUT_STATE_DIR, else $XDG_STATE_HOME/payout, else ~/.local/state/payout
   */
  historyDir?: string;
}

/** What the CLI gives every command: its I/O, so that commands stay testable. */
export interface CommandDeps {
  logger: Logger;
  /** Writes a line to stdout (results and summaries; logs go to stderr). */
  print: (line: string) => void;
  /** Asks the operator a question on the terminal; undefined when stdin is not a terminal. */
  ask?: (question: string) => Promise<string>;
  /** Aborted on SIGINT/SIGTERM. */
  stop: AbortSignal;
  /** How the send loop shows each row; the CLI picks a bar on a terminal. @default one log line per row */
  progress?: ProgressReporter;
}

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
