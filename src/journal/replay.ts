/**
 * Replays journal entries into each row's state. Pure: no I/O.
 */
import type { Outcome } from '../core/types.js';
import type { JournalEntry, JournalHeader } from './entries.js';
import { RowRecords } from './row-records.js';

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
  /** Every row the journal mentions (see RowRecords: answers like a Map). */
  rows: RowRecords;
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
    case 'intent':
      checkIntent(state.rows.get(entry.row), entry.row, entry.attempt, lineNumber);
      recordIntent(state, entry.row, entry.attempt, entry.at);
      return;
    case 'outcome':
      checkOutcome(state, entry.row, entry.attempt, lineNumber);
      state.rows.set(entry.row, recordOf(entry.outcome, entry.attempt));
      state.lastRequest = { intentAt: state.lastRequest?.intentAt ?? entry.startedAt, startedAt: entry.startedAt, endedAt: entry.endedAt };
      return;
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

/** An intent must be for a row still to send, with the attempt after its last one. */
function checkIntent(record: RowRecord | undefined, row: number, attempt: number, lineNumber: number): void {
  const status = record?.status ?? 'pending';
  const attempts = record?.attempts ?? 0;
  if (status === 'paid' || status === 'unknown') {
    // The tool never sends a paid or unknown row; a journal that says it did was not written by it.
    throw new JournalOrderError(lineNumber, `row ${row} was sent again while ${status}`);
  }
  if (attempt !== attempts + 1) {
    throw new JournalOrderError(lineNumber, `row ${row} attempt ${attempt} follows attempt ${attempts}`);
  }
}

function recordIntent(state: JournalState, row: number, attempt: number, at: number): void {
  state.rows.set(row, { status: 'unknown', error: IN_FLIGHT_MESSAGE, attempts: attempt, inFlight: true });
  state.lastRequest = { intentAt: at };
}

/** An outcome must follow its own intent: the row is in flight with this very attempt. */
function checkOutcome(state: JournalState, row: number, attempt: number, lineNumber: number): void {
  const record = state.rows.get(row);
  if (!record?.inFlight || record.attempts !== attempt) {
    throw new JournalOrderError(lineNumber, `an outcome for row ${row} without its intent`);
  }
}

/**
 * Replays a whole journal, line after line, into a fresh state: what `applyEntry` on each entry
 * does, with the two lines a run writes for every row (an intent, then its `accepted` outcome)
 * taken as the numbers and the id read from them, so that a long journal is replayed without an
 * entry object per line and with one lookup and one `rows.set` per paid row instead of two each.
 */
export class JournalReplay {
  readonly state: JournalState;
  /** Rows above it were never sent in this journal, so they have no record to look up. */
  private highestRow = 0;
  /** An intent checked but not yet applied (row 0: none): its outcome is most likely the next line. */
  private heldRow = 0;
  private heldAttempt = 0;
  private heldAt = 0;

  constructor(header: JournalHeader) {
    this.state = emptyState(header);
  }

  /** An intent line (lineNumber is for the error message). */
  intent(row: number, attempt: number, at: number, lineNumber: number): void {
    this.release();
    checkIntent(row > this.highestRow ? undefined : this.state.rows.get(row), row, attempt, lineNumber);
    if (row > this.highestRow) this.highestRow = row;
    this.heldRow = row;
    this.heldAttempt = attempt;
    this.heldAt = at;
  }

  /** An outcome line whose outcome is `accepted`. */
  accepted(row: number, attempt: number, startedAt: number, endedAt: number, invoiceId: string, lineNumber: number): void {
    if (row === this.heldRow && attempt === this.heldAttempt) {
      // The outcome of the intent just before: its in-flight record would be replaced at once.
      this.heldRow = 0;
      this.state.rows.setPaid(row, invoiceId, attempt);
      this.state.lastRequest = { intentAt: this.heldAt, startedAt, endedAt };
      return;
    }
    this.release();
    this.entry({ type: 'outcome', row, attempt, startedAt, endedAt, outcome: { kind: 'accepted', invoiceId } }, lineNumber);
  }

  /** Any line after the header. */
  entry(entry: JournalEntry, lineNumber: number): void {
    this.release();
    applyEntry(this.state, entry, lineNumber);
    if (entry.type === 'intent' && entry.row > this.highestRow) this.highestRow = entry.row;
  }

  /** The state after the last line. */
  finish(): JournalState {
    this.release();
    return this.state;
  }

  /** Applies the held intent: the line after it was not its outcome. */
  private release(): void {
    if (this.heldRow === 0) return;
    recordIntent(this.state, this.heldRow, this.heldAttempt, this.heldAt);
    this.heldRow = 0;
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
  return { header, rows: new RowRecords() };
}
