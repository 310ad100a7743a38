/**
 * The public types of the sandbox (the CryptoCloud emulator).
 *
 * Stage sandbox/: may import journal, csv, validate, api, schedule, core (.dependency-cruiser.cjs).
 */
import type { Fault } from './faults.js';

/** How the emulator behaves. Every option has a default that mimics the real API. */
export interface SandboxOptions {
  /**
   * The TCP port; 0 picks a free one (read it back from `Sandbox.url`).
   * @default 0
   */
  port?: number;
  /**
   * The interface to listen on. Keep it loopback: the control endpoints have no auth.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * When set, only `Authorization: Token <apiKey>` is accepted; when unset, any non-empty token is.
   * @default undefined
   */
  apiKey?: string;
  /**
   * The gap rule: a create request that arrives less than this after the previous create
   * request's arrival (of any request, refused or rate-limited ones included) is rate-limited.
   * Arrival is the moment the server's 'request' event fires (headers received).
   * @default 12000
   */
  intervalMs?: number;
  /**
   * How a too-early request is answered: `'400'` with `{"status":"error","result":{"rate_limit":…}}`,
   * or `'429'` with a throttling `detail`.
   * @default '400'
   */
  rateLimitStyle?: '400' | '429';
  /**
   * Balances per currency code, as decimal strings in the currency's units. Codes not named keep
   * the default. A payout above its balance is rejected with `uncorrected_amount`; accepted
   * payouts reduce it.
   * @default 1000000 for every currency
   */
  balances?: Record<string, string>;
  /**
   * The response delay range in ms, drawn per response (after processing) from a fixed-seed RNG,
   * so a run's delays are the same every time.
   * @default [0, 0]
   */
  latencyMs?: [number, number];
  /**
   * The success body's shape: the documented full body (`result.uuid`), the short
   * `result.invoice_id` body, the `data.invoice_id` body, or `rotate` through the three in that order.
   * @default 'rotate'
   */
  successShape?: 'documented' | 'invoice_id' | 'data' | 'rotate';
  /**
   * When set, every ledger entry is also appended to this file as one JSON line, when it is
   * decided (before the answer is sent), so another process can read what was paid.
   * @default undefined
   */
  ledgerFile?: string;
  /**
   * How the balance endpoint answers every request: normally, or as a missing endpoint (404), a
   * refused key (401), a gateway error (502), a body cut in half, never (a hang), or a 400 that
   * echoes the request's Authorization header after 300 characters (`echo_key`).
   * @default 'normal'
   */
  balanceAnswer?: BalanceAnswerStyle;
}

/** See {@link SandboxOptions.balanceAnswer}. */
export const BALANCE_ANSWERS = ['normal', 'not_found', 'auth', 'http_5xx', 'broken_json', 'hang', 'echo_key'] as const;
export type BalanceAnswerStyle = (typeof BALANCE_ANSWERS)[number];

/** One request to the balance endpoint as the sandbox saw it. */
export interface BalanceLedgerEntry {
  /** `Date.now()` when the request arrived (its 'request' event), as for create requests. */
  arrivedAt: number;
  /** The HTTP status sent; absent when none was (hang). */
  httpStatus?: number;
}

/**
 * One create request as the sandbox saw it. Only create requests are recorded (not the balance
 * endpoint nor the control endpoints).
 */
export interface LedgerEntry {
  /** 1, 2, 3…: the order in which the sandbox decided (which is also the file's line order). */
  seq: number;
  /** `Date.now()` when the request arrived (its 'request' event). */
  arrivedAt: number;
  currency_code?: string;
  to_address?: string;
  /**
   * The amount's raw JSON number text as received, not re-formatted (`0.00023`, `1e-5`). For a
   * non-number amount, its JSON text (`"0.5"` with the quotes).
   */
  amount?: string;
  /** The kind of answer the client got (`fault`: a dropped, hung, 5xx or malformed answer). */
  response: 'accepted' | 'rejected' | 'rate_limited' | 'auth_failed' | 'fault';
  /**
   * The injected fault's label (`drop:after`, `reject:network`, `http_5xx:502:before`…), if any;
   * `body_incomplete` when the client went away before its body was read.
   */
  fault?: string;
  /** True if a withdrawal was created: money moved. The field to check "never paid twice" on. */
  processed: boolean;
  /** The id of the created withdrawal, when one was created. */
  invoiceId?: string;
  /** The HTTP status sent; absent when no answer was sent (drop, hang). */
  httpStatus?: number;
  /** The error key and message of a refusal (`uncorrected_amount: Insufficient balance`). */
  message?: string;
}

/** A running emulator. */
export interface Sandbox {
  /** The base URL to give the client, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** A copy of every create request recorded so far, in `seq` order. */
  ledger(): LedgerEntry[];
  /** A copy of every balance request seen so far, in arrival order (not part of `ledger()`). */
  balanceLedger(): BalanceLedgerEntry[];
  /** Queues faults, consumed one per authorised create request, first in first out. Throws on an invalid fault. */
  injectFaults(faults: Fault[]): void;
  /** Stops listening and destroys every open connection (hung ones too). Safe to call twice. */
  close(): Promise<void>;
}
