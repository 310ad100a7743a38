/**
 * Checkpoint entries built by hand, for the tests that need a replayed checkpoint without a run:
 * the outcomes they share, an intent and an outcome line for a row, and the state a list of
 * entries replays to (line 1 is the header, so entry i is line i + 2).
 */
import type { Outcome } from '../../src/core/types.js';
import type { JournalEntry, JournalHeader } from '../../src/journal/entries.js';
import { applyEntry, emptyState, type JournalState } from '../../src/journal/replay.js';

export const accepted: Outcome = { kind: 'accepted', invoiceId: 'INV-AAAA1111' };
export const unknown: Outcome = { kind: 'unknown', message: 'timed out' };
export const rejected: Outcome = { kind: 'rejected', code: 'network', message: 'bad network' };

/** The payment an intent line names. */
export interface IntentPayment {
  currency_code: string;
  to_address: string;
  amount: string;
}

/** Builders of entries for a checkpoint with `header`, whose row `n` pays `paymentOf(n)`. */
export function journalEntries(header: JournalHeader, paymentOf: (row: number) => IntentPayment) {
  const intent = (row: number, attempt = 1): JournalEntry => ({
    type: 'intent',
    row,
    attempt,
    at: 1000,
    ...paymentOf(row),
  });
  const outcome = (row: number, result: Outcome, attempt = 1): JournalEntry => ({
    type: 'outcome',
    row,
    attempt,
    startedAt: 1001,
    endedAt: 1002,
    outcome: result,
  });
  return {
    intent,
    outcome,
    /** Row `row` sent once, with `result`. */
    sent: (row: number, result: Outcome): JournalEntry[] => [intent(row), outcome(row, result)],
    /** The state `entries` replay to, after the header. */
    stateOf(entries: JournalEntry[]): JournalState {
      const state = emptyState(header);
      entries.forEach((entry, i) => applyEntry(state, entry, i + 2));
      return state;
    },
  };
}
