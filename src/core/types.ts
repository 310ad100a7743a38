/**
 * The shared vocabulary of payout. Imports nothing else from src/.
 *
 * Stage core/: imports no other stage of src/.
 */

/** The columns every payroll must have (header names, matched after trimming, case-insensitively). */
export const REQUIRED_COLUMNS = ['currency_code', 'to_address', 'amount'] as const;
export type RequiredColumn = (typeof REQUIRED_COLUMNS)[number];

/** The columns the tool appends to every output row. */
export const RESULT_COLUMNS = ['status', 'invoice_id', 'error'] as const;

/** One data row of the input as read: its contract row number and every field exactly as parsed. */
export interface InputRow {
  /** The N-th data row of the input, counted from 1 (the header is not a row). */
  rowNumber: number;
  /** The physical line of the file where the row starts (for messages about the file itself). */
  lineNumber: number;
  /** Every field, in input column order, exactly as read (never trimmed or converted). */
  fields: string[];
}

/** The three fields the API needs, as the operator typed them. */
export interface PayoutFields {
  currency_code: string;
  to_address: string;
  amount: string;
}

/** A row that passed validation: what would be sent. */
export interface ValidPayout {
  currencyCode: string;
  toAddress: string;
  /** The amount as a canonical decimal string, exactly as it will appear in the JSON body. */
  amount: string;
}

/** Why a row is invalid: which column, which value, what is wrong and what to do. */
export interface RowProblem {
  column: RequiredColumn | 'row';
  value: string;
  reason: string;
}

export type RowVerdict = { ok: true; payout: ValidPayout } | { ok: false; problems: RowProblem[] };

/** The status column of the output CSV (contract, "Output CSV"). */
export type RowStatus = 'paid' | 'failed' | 'invalid' | 'unknown' | 'pending' | 'valid';

/**
 * What one API request came to. The classification is the money-safety core:
 * only `accepted` and `rejected` are certain about money; `unknown` may have paid.
 */
export type Outcome =
  | { kind: 'accepted'; invoiceId: string }
  /** Rejected before processing: certainly not paid. */
  | { kind: 'rejected'; code: string; message: string }
  /** Not processed because of the request rate: may be sent again after the gap. */
  | { kind: 'rate_limited'; message: string }
  /** The API refused the key: stop the run. */
  | { kind: 'auth_failed'; message: string }
  /** No byte left this machine (connection refused, DNS failure): certainly not paid. */
  | { kind: 'never_sent'; message: string }
  /** Anything else: it may or may not have been paid. Never re-sent automatically. */
  | { kind: 'unknown'; message: string };

export type OutcomeKind = Outcome['kind'];

/**
 * When a request was made, as far as the tool knows: `intentAt` when its intent was journaled,
 * `startedAt` right before it left, `endedAt` when its outcome became known (absent if the
 * process died in between). Wall-clock epoch ms; `mono` holds the same moments on the boot's
 * monotonic clock, which alone measures a gap truly while the wall clock steps (absent in what
 * earlier versions recorded: those are wall times only).
 */
export interface RequestTimes {
  intentAt: number;
  startedAt?: number;
  endedAt?: number;
  mono?: MonoTimes;
}

/** A request's moments in ms on the monotonic clock of the boot `boot` (comparable only on that boot). */
export interface MonoTimes {
  boot: string;
  intentAt: number;
  startedAt?: number;
  endedAt?: number;
}
