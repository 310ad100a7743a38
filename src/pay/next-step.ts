/**
 * What one outcome means for its row and for the run: the row is done (paid, failed or unknown,
 * perhaps stopping the run after it), the same request goes again after a wait, or the run stops
 * before the row is done. Pure: the send loop applies the step; the thresholds are here alone.
 * Imports types only (core/'s outcome, the progress line's row outcome).
 *
 * Stage pay/: may import plan, output, ledger, scan, journal, csv, validate, api, schedule,
 * sandbox, core (.dependency-cruiser.cjs).
 */
import type { Outcome } from '../core/types.js';
import type { RowOutcome } from './progress.js';

/** Stop after this many unknown outcomes in a row: the API is probably down (contract). */
export const MAX_UNKNOWN_IN_A_ROW = 3;
/** Stop after this many rate-limit answers in a row for one row: something else uses the key. */
export const MAX_RATE_LIMITED_IN_A_ROW = 5;
/** Retries of a request that never left (connection refused, DNS), with doubling waits. */
export const NEVER_SENT_RETRIES = 3;

/** The counts the rules look at: unknown outcomes in a row across rows, and this row's retries. */
export interface Streaks {
  unknownInARow: number;
  /** Rate-limit answers for this row so far. */
  rateLimited: number;
  /** Requests for this row that never left so far. */
  neverSent: number;
}

/** A row's first request: its own counts at zero, the run's unknown streak carried on. */
export function streaksForRow(unknownInARow: number): Streaks {
  return { unknownInARow, rateLimited: 0, neverSent: 0 };
}

export type Step =
  /** The row has its answer; `stop` ends the run after it. */
  | { kind: 'done'; shown: RowOutcome; detail: string; stop?: string }
  /** Send the row again after the pacer's turn, `delayMs` later still; `warn` says why. */
  | { kind: 'retry'; warn: string; delayMs?: number }
  /** Stop the run now; the row stays as it is. */
  | { kind: 'stop'; reason: string };

/** The step after `outcome` for row `rowNumber`, and the counts from there. */
export function nextStep(
  outcome: Outcome,
  streaks: Streaks,
  row: { rowNumber: number; intervalMs: number },
): { step: Step; streaks: Streaks } {
  switch (outcome.kind) {
    case 'accepted':
      return {
        step: { kind: 'done', shown: 'paid', detail: outcome.invoiceId },
        streaks: { ...streaks, unknownInARow: 0 },
      };
    case 'rejected':
      return {
        step: { kind: 'done', shown: 'failed', detail: outcome.message },
        streaks: { ...streaks, unknownInARow: 0 },
      };
    case 'unknown': {
      const unknownInARow = streaks.unknownInARow + 1;
      const stop =
        unknownInARow >= MAX_UNKNOWN_IN_A_ROW
          ? `${MAX_UNKNOWN_IN_A_ROW} requests in a row had no clear answer; the API is probably down`
          : undefined;
      return {
        step: { kind: 'done', shown: 'unknown', detail: outcome.message, ...(stop && { stop }) },
        streaks: { ...streaks, unknownInARow },
      };
    }
    case 'auth_failed':
      return {
        step: {
          kind: 'stop',
          reason: `the API refused the key (${outcome.message}); row ${row.rowNumber} and the rest were not sent`,
        },
        streaks,
      };
    case 'rate_limited': {
      const rateLimited = streaks.rateLimited + 1;
      const next = { ...streaks, unknownInARow: 0, rateLimited };
      if (rateLimited >= MAX_RATE_LIMITED_IN_A_ROW) {
        return {
          step: {
            kind: 'stop',
            reason: `the API answered "rate limit" ${rateLimited} times in a row for row ${row.rowNumber}; is another program using this key?`,
          },
          streaks: next,
        };
      }
      return {
        step: {
          kind: 'retry',
          warn: `row ${row.rowNumber}: the API asked to slow down (${outcome.message}); sending it again after the interval`,
        },
        streaks: next,
      };
    }
    case 'never_sent': {
      const neverSent = streaks.neverSent + 1;
      const next = { ...streaks, neverSent };
      if (neverSent > NEVER_SENT_RETRIES) {
        return {
          step: {
            kind: 'stop',
            reason: `cannot reach the API (${outcome.message}); row ${row.rowNumber} and the rest were not sent`,
          },
          streaks: next,
        };
      }
      return {
        step: {
          kind: 'retry',
          delayMs: row.intervalMs * 2 ** (neverSent - 1),
          // Every never_sent message says why and that nothing was sent (api/classify.ts, api/client.ts).
          warn: `row ${row.rowNumber}: ${outcome.message}; trying again (${neverSent}/${NEVER_SENT_RETRIES})`,
        },
        streaks: next,
      };
    }
  }
}
