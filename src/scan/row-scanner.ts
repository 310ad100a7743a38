/**
 * What a scan does with each row in file order, whichever thread parsed it: validates it (unless
 * the worker did), and keeps the counts, the totals and the table of repeats.
 *
 * Stage scan/: may import output, ledger, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import type { InputRow } from '../core/types.js';
import type { PayrollHeader } from '../csv/read.js';
import { DuplicateFinder } from '../validate/duplicates.js';
import { validateRow } from '../validate/index.js';
import { payoutFieldsOf } from './scan-pack.js';
import type { ScannedRow, ScanOptions, ScanSummary, SegmentLayout } from './types.js';
import { CurrencyTotals } from '../output/totals.js';

export class RowScanner {
  rows = 0;
  valid = 0;
  duplicates = 0;
  readonly totals = new CurrencyTotals();
  private readonly finder: DuplicateFinder;

  constructor(
    private readonly header: PayrollHeader,
    private readonly options: ScanOptions,
    /** An estimate of the file's rows, when known: the table of repeats starts that big. */
    expectedRows = 0,
  ) {
    this.finder = new DuplicateFinder(expectedRows);
  }

  /** One row, in file order; `verdict` when it was validated already (on the worker). */
  scan(row: InputRow, verdict = validateRow(payoutFieldsOf(row, this.header), this.options.validate)): ScannedRow {
    const { header } = this;
    this.rows += 1;
    if (!verdict.ok) return { row, verdict, header };
    this.valid += 1;
    this.totals.add(verdict.payout.currencyCode, verdict.payout.amount);
    const duplicateOf = this.finder.check(verdict.payout, row.rowNumber);
    if (duplicateOf === undefined) return { row, verdict, header };
    this.duplicates += 1;
    return { row, verdict, header, duplicateOf };
  }

  summary(digest: { sha256: string; bytes: number }, layout?: SegmentLayout): ScanSummary {
    const { header, rows, valid, totals, duplicates } = this;
    return { header, rows, valid, invalid: rows - valid, totals, duplicates, ...digest, ...(layout && { layout }) };
  }
}
