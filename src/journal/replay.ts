/**
 * Replays journal entries into each row's state. Pure: no I/O.
 */
import type { Outcome } from '../core/types.js';
import type { JournalEntry, JournalHeader } from './entries.js';

/** What the journal knows of one row. Rows it never mentions are pending. */
export interface RowRecord {
  status: 'paid' | 'failed' | 'unknown' | 'pending';
  invoiceId?: string;
  /** Why it failed, why it is unknown, or why a pending row was not sent. */
  error?: string;
  /** Requests journaled for this row so far (intents). */
  attempts: number;
  /** An intent with no outcome yet: the request may have left. Shown as unknown. */
  inFlight?: true;
}

/** When the most recent request was made, so the next one (even in a new process) keeps the gap. */
export interface LastRequest {
  intentAt: number;
  startedAt?: number;
  endedAt?: number;
}

export interface JournalState {
  header: JournalHeader;
  rows: Map<number, RowRecord>;
  lastRequest?: LastRequest;
}

/** A journal whose lines do not follow each other as a run writes them. */
export class JournalOrderError extends Error {
  constructor(
    readonly lineNumber: number,
    message: string,
  ) {
    super(message);
    this.name = 'JournalOrderError';
  }
}

export const IN_FLIGHT_MESSAGE =
  'the run stopped while this request was in flight; it may or may not be paid: check the CryptoCloud dashboard, then run payout resolve';

/** Folds one entry into the state (lineNumber is for the error message). */
export function applyEntry(state: JournalState, entry: JournalEntry, lineNumber: number): void {
  switch (entry.type) {
    case 'header':
      throw new JournalOrderError(lineNumber, 'a second header line');
    case 'intent': {
      const record = state.rows.get(entry.row) ?? { status: 'pending', attempts: 0 };
      if (record.status === 'paid' || record.status === 'unknown') {
        // The tool never sends a paid or unknown row; a journal that says it did was not written by it.
        throw new JournalOrderError(lineNumber, `row ${entry.row} was sent again while ${record.status}`);
      }
      if (entry.attempt !== record.attempts + 1) {
        throw new JournalOrderError(lineNumber, `row ${entry.row} attempt ${entry.attempt} follows attempt ${record.attempts}`);
      }
      state.rows.set(entry.row, { status: 'unknown', error: IN_FLIGHT_MESSAGE, attempts: entry.attempt, inFlight: true });
      state.lastRequest = { intentAt: entry.at };
      return;
    }
    case 'outcome': {
      const record = state.rows.get(entry.row);
      if (!record?.inFlight || record.attempts !== entry.attempt) {
        throw new JournalOrderError(lineNumber, `an outcome for row ${entry.row} without its intent`);
      }
      state.rows.set(entry.row, recordOf(entry.outcome, record.attempts));
      state.lastRequest = { intentAt: state.lastRequest?.intentAt ?? entry.startedAt, startedAt: entry.startedAt, endedAt: entry.endedAt };
      return;
    }
    case 'request':
      // Timing only: no row changes. Later requests come later in the file, so the last one wins.
      state.lastRequest = {
        intentAt: entry.at,
        ...(entry.startedAt !== undefined && { startedAt: entry.startedAt }),
        ...(entry.endedAt !== undefined && { endedAt: entry.endedAt }),
      };
      return;
    case 'resolve': {
      const record = state.rows.get(entry.row);
      if (!record || record.status !== 'unknown') {
        throw new JournalOrderError(lineNumber, `row ${entry.row} resolved while not unknown`);
      }
      state.rows.set(
        entry.row,
        entry.invoiceId
          ? { status: 'paid', invoiceId: entry.invoiceId, attempts: record.attempts }
          : { status: 'pending', error: 'resolved as not paid; it will be sent by the next run', attempts: record.attempts },
      );
      return;
    }
  }
}

function recordOf(outcome: Outcome, attempts: number): RowRecord {
  switch (outcome.kind) {
    case 'accepted':
      return { status: 'paid', invoiceId: outcome.invoiceId, attempts };
    case 'rejected':
      return { status: 'failed', error: outcome.message, attempts };
    case 'unknown':
      return { status: 'unknown', error: outcome.message, attempts };
    case 'rate_limited':
    case 'auth_failed':
    case 'never_sent':
      // Certainly not processed: the row is still to be paid.
      return { status: 'pending', error: outcome.message, attempts };
  }
}

/** A fresh state for a journal that has only its header. */
export function emptyState(header: JournalHeader): JournalState {
  return { header, rows: new Map() };
}
