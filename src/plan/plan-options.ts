/**
 * What the plan reads of a run's options and I/O, declared here so that the plan depends on no
 * stage above it: the commands' options and dependencies extend these.
 *
 * Stage plan/: may import output, ledger, scan, journal, csv, validate, api, schedule, sandbox,
 * core (.dependency-cruiser.cjs).
 */
import type { BalanceReader } from '../api/client.js';
import type { Logger } from '../log.js';
import type { Caps } from './caps.js';

/** The options of `payout run` that decide the plan (contract, "Options of run"). */
export interface PlanOptions {
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
   * `MIN_REMOTE_MARGIN_MS` unless the API is on this machine or the sandbox. @default 500
   */
  marginMs: number;
  /** Run against an in-process emulator (no key needed). @default false */
  sandbox: boolean;
  /** The API key, already read from --api-key-file or the environment (never from the command line). */
  apiKey?: string;
  /** Amounts use a decimal comma (`0,5`). @default false */
  decimalComma: boolean;
  /** Caps and control totals (`--max-amount`, `--max-total`, `--expect-count`, `--expect-total`). @default none */
  caps?: Caps;
  /** Pay the valid rows even though some rows are invalid. @default false */
  skipInvalid: boolean;
  /** Pay rows that repeat an earlier row's currency, address and amount. @default false */
  allowDuplicates: boolean;
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

/** The I/O the plan uses: its messages, the operator's answer, and the stop signal. */
export interface PlanDeps {
  logger: Logger;
  /** Writes a line to stdout (results and summaries; logs go to stderr). */
  print: (line: string) => void;
  /** Asks the operator a question on the terminal; undefined when stdin is not a terminal. */
  ask?: (question: string) => Promise<string>;
  /** Aborted on SIGINT/SIGTERM. */
  stop: AbortSignal;
}

/** What the plan needs of an open way to the API: the balances, and closing it on a refusal. */
export interface PlanConnection {
  /** Reads the balances before a run; without it the balance check is skipped (and the plan says so). */
  balances?: BalanceReader;
  close(): Promise<void>;
}
