/**
 * What `payout run` says about the rows as it reads them: each invalid or repeated row, the
 * scan's verdict, and where a resume starts.
 *
 * Stage output/: may import ledger, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { basename } from 'node:path';
import type { Logger } from '../log.js';
import type { ScannedRow, ScanSummary } from '../scan/scan.js';
import { formatTotals, shortAddress } from './format.js';
import { describeProblem, type StatusCounts } from './rules.js';

/** Where the report goes: lines to stdout, warnings to the log. */
export interface ReportSink {
  logger: Logger;
  print: (line: string) => void;
}

/** Lists each invalid or repeated row as it is found (every one, at once, before anything is sent). */
export function reportProblems(
  sink: ReportSink,
  { row, verdict, duplicateOf }: ScannedRow,
  options: { allowDuplicates: boolean },
): void {
  if (!verdict.ok) {
    for (const p of verdict.problems)
      sink.logger.warn(`row ${row.rowNumber}, ${describeProblem(p)}`, { row: row.rowNumber });
  } else if (duplicateOf !== undefined) {
    const { amount, currencyCode, toAddress } = verdict.payout;
    const consequence = options.allowDuplicates
      ? 'both are paid (--allow-duplicates)'
      : 'a real run refuses this unless --allow-duplicates';
    sink.logger.warn(
      `row ${row.rowNumber} repeats row ${duplicateOf}: ${amount} ${currencyCode} to ${shortAddress(toAddress)}; ${consequence}`,
      { row: row.rowNumber },
    );
  }
}

/** The scan's verdict; with the totals in a dry run (a real run shows the totals to pay in its plan). */
export function printScan(sink: ReportSink, summary: ScanSummary, input: string, withTotals = true): void {
  const repeats = summary.duplicates > 0 ? `, ${summary.duplicates} repeating an earlier row` : '';
  sink.print(
    `${basename(input)}: ${summary.rows} row(s), ${summary.valid} valid, ${summary.invalid} invalid${repeats}.`,
  );
  if (withTotals && summary.totals.size > 0) {
    sink.print('Totals of the valid rows:');
    for (const line of formatTotals(summary.totals)) sink.print(line);
  }
}

/** Where a resume starts: what the checkpoint settled, and what is left to send. */
export function printResume(sink: ReportSink, counts: StatusCounts, options: { retryFailed: boolean }): void {
  sink.print(
    `Resuming from the checkpoint: ${counts.paid} paid, ${counts.failed} failed, ${counts.unknown} unknown, ${counts.pending} to send` +
      (counts.failed > 0 && !options.retryFailed ? ' (failed rows are sent again only with --retry-failed)' : '') +
      '.',
  );
}
