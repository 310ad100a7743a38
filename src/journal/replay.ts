/**
 * Replays journal entries into each row's state. Pure: no I/O.
 *
 * Stage journal/: may import csv, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import type { MonoTimes, Outcome, RequestTimes } from '../core/types.js';
import type { JournalEntry, JournalHeader } from './entries.js';
import { RowRecords, type RowRecord } from './row-records.js';

export type { RowRecord };

/** When the most recent request was made, so the next one (even in a new process) keeps the gap. */
export type LastRequest = RequestTimes;

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
      recordIntent(
        state,
        entry.row,
        entry.attempt,
        entry.at,
        entry.boot !== undefined && entry.atMono !== undefined
          ? { boot: entry.boot, intentAt: entry.atMono }
          : undefined,
      );
      return;
    case 'outcome':
      checkOutcome(state, entry.row, entry.attempt, lineNumber);
      state.rows.set(entry.row, recordOf(entry.outcome, entry.attempt));
      state.lastRequest = afterOutcome(
        state.lastRequest,
        entry.startedAt,
        entry.endedAt,
        entry.boot,
        entry.startedMono,
        entry.endedMono,
      );
      return;
    case 'request': {
      // Timing only: no row changes. Later requests come later in the file, so the last one wins.
      const mono: MonoTimes | undefined =
        entry.boot !== undefined && entry.atMono !== undefined
          ? {
              boot: entry.boot,
              intentAt: entry.atMono,
              ...(entry.startedMono !== undefined && { startedAt: entry.startedMono }),
              ...(entry.endedMono !== undefined && { endedAt: entry.endedMono }),
            }
          : undefined;
      state.lastRequest = {
        intentAt: entry.at,
        ...(entry.startedAt !== undefined && { startedAt: entry.startedAt }),
        ...(entry.endedAt !== undefined && { endedAt: entry.endedAt }),
        ...(mono && { mono }),
      };
      return;
    }
    case 'resolve': {
      const record = state.rows.get(entry.row);
      if (!record || record.status !== 'unknown') {
        throw new JournalOrderError(lineNumber, `row ${entry.row} resolved while not unknown`);
      }
      state.rows.set(
        entry.row,
        entry.invoiceId
          ? { status: 'paid', invoiceId: entry.invoiceId, attempts: record.attempts }
          : {
              status: 'pending',
              error: 'resolved as not paid; it will be sent by the next run',
              attempts: record.attempts,
            },
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

function recordIntent(
  state: JournalState,
  row: number,
  attempt: number,
  at: number,
  mono: MonoTimes | undefined,
): void {
  state.rows.set(row, { status: 'unknown', error: IN_FLIGHT_MESSAGE, attempts: attempt, inFlight: true });
  state.lastRequest = mono ? { intentAt: at, mono } : { intentAt: at };
}

/**
 * The last request once its outcome is known: the intent's times (before it in the file) with
 * the start and end; the monotonic ones only when the outcome has them (a line of an earlier
 * version has not: then the request is known by its wall times alone).
 */
function afterOutcome(
  intent: LastRequest | undefined,
  startedAt: number,
  endedAt: number,
  boot: string | undefined,
  startedMono: number | undefined,
  endedMono: number | undefined,
): LastRequest {
  const last: LastRequest = { intentAt: intent?.intentAt ?? startedAt, startedAt, endedAt };
  if (boot !== undefined && startedMono !== undefined && endedMono !== undefined) {
    const intentMono = intent?.mono?.boot === boot ? intent.mono.intentAt : startedMono;
    last.mono = { boot, intentAt: intentMono, startedAt: startedMono, endedAt: endedMono };
  }
  return last;
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
  private heldMono: MonoTimes | undefined = undefined;

  constructor(header: JournalHeader) {
    this.state = emptyState(header);
  }

  /** An intent line (lineNumber is for the error message); `boot` and `atMono` when the line has them. */
  intent(row: number, attempt: number, at: number, lineNumber: number, boot?: string, atMono?: number): void {
    this.release();
    checkIntent(row > this.highestRow ? undefined : this.state.rows.get(row), row, attempt, lineNumber);
    if (row > this.highestRow) this.highestRow = row;
    this.heldRow = row;
    this.heldAttempt = attempt;
    this.heldAt = at;
    this.heldMono = boot !== undefined && atMono !== undefined ? { boot, intentAt: atMono } : undefined;
  }

  /** An outcome line whose outcome is `accepted`; `boot` and the monotonic times when the line has them. */
  accepted(
    row: number,
    attempt: number,
    startedAt: number,
    endedAt: number,
    invoiceId: string,
    lineNumber: number,
    boot?: string,
    startedMono?: number,
    endedMono?: number,
  ): void {
    if (row === this.heldRow && attempt === this.heldAttempt) {
      // The outcome of the intent just before: its in-flight record would be replaced at once.
      this.heldRow = 0;
      this.state.rows.setPaid(row, invoiceId, attempt);
      const intent: LastRequest = this.heldMono
        ? { intentAt: this.heldAt, mono: this.heldMono }
        : { intentAt: this.heldAt };
      this.state.lastRequest = afterOutcome(intent, startedAt, endedAt, boot, startedMono, endedMono);
      return;
    }
    this.release();
    const mono =
      boot !== undefined && startedMono !== undefined && endedMono !== undefined
        ? { boot, startedMono, endedMono }
        : {};
    this.entry(
      { type: 'outcome', row, attempt, startedAt, endedAt, outcome: { kind: 'accepted', invoiceId }, ...mono },
      lineNumber,
    );
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
    recordIntent(this.state, this.heldRow, this.heldAttempt, this.heldAt, this.heldMono);
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
