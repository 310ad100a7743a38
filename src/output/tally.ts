/**
 * Counts and exact totals per row status, as an output CSV is written: the figures the summary,
 * `status` and the manifest report.
 *
 * Stage output/: may import ledger, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import type { RowStatus, RowVerdict } from '../core/types.js';
import { CurrencyTotals } from './totals.js';

/** How many rows have each status. */
export type StatusCounts = Record<RowStatus, number>;

/** No row of any status yet. */
export function emptyCounts(): StatusCounts {
  return { paid: 0, failed: 0, invalid: 0, unknown: 0, pending: 0, valid: 0 };
}

/** Totals per currency of one status: row count and the sum as a decimal string. */
export type TotalsEntry = { currency: string; count: number; total: string };

/** Totals per status (only the statuses that have valid rows) and currency. */
export type StatusTotals = Partial<Record<RowStatus, TotalsEntry[]>>;

/** Counts rows per status and sums the valid rows' amounts per status and currency. */
export class StatusTally {
  readonly counts: StatusCounts = emptyCounts();
  private readonly sums = new Map<RowStatus, CurrencyTotals>();

  /** Adds one row; an invalid row counts but has no amount to add. */
  add(status: RowStatus, verdict: RowVerdict): void {
    this.counts[status] += 1;
    if (!verdict.ok) return;
    const sums = this.sums.get(status) ?? new CurrencyTotals();
    sums.add(verdict.payout.currencyCode, verdict.payout.amount);
    this.sums.set(status, sums);
  }

  /** The running totals of one status (empty when it has no valid row). */
  totalsOf(status: RowStatus): CurrencyTotals {
    return this.sums.get(status) ?? new CurrencyTotals();
  }

  /** Every status's totals, as plain data (for JSON). */
  totals(): StatusTotals {
    const order: RowStatus[] = ['paid', 'failed', 'unknown', 'pending', 'invalid', 'valid'];
    const out: StatusTotals = {};
    for (const status of order) {
      const sums = this.sums.get(status);
      if (sums) out[status] = sums.entries();
    }
    return out;
  }
}
