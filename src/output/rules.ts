/**
 * What status a row shows and what exit code a run ends with. Pure.
 *
 * Stage output/: may import ledger, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { EXIT, type ExitCode } from '../core/errors.js';
import type { RowStatus, RowVerdict } from '../core/types.js';
import type { JournalState, RowRecord } from '../journal/replay.js';
import type { ScannedRow } from '../scan/types.js';
import { emptyCounts, type StatusCounts } from './tally.js';

export { emptyCounts, type StatusCounts };

/** The output cells of one row. */
export interface RowResult {
  status: RowStatus;
  invoiceId?: string;
  error?: string;
}

/** Turns a row's validation verdict and journal record into its output cells. */
export function resultOf(
  verdict: RowVerdict,
  record: RowRecord | undefined,
  dryRun: boolean,
  duplicateOf?: number,
): RowResult {
  if (record && record.status !== 'pending') {
    // What the journal knows wins: a paid row stays paid even if a newer validator disliked it.
    return {
      status: record.status,
      ...(record.invoiceId && { invoiceId: record.invoiceId }),
      ...(record.error && { error: record.error }),
    };
  }
  if (!verdict.ok) return { status: 'invalid', error: describeProblems(verdict.problems) };
  const note = record?.error ?? (duplicateOf !== undefined ? duplicateNote(duplicateOf) : undefined);
  return { status: dryRun ? 'valid' : 'pending', ...(note && { error: note }) };
}

/** The output cells of each scanned row, given what the journal knows (nothing for a first run). */
export function resultsFrom(state: JournalState | undefined, dryRun: boolean): (scanned: ScannedRow) => RowResult {
  return ({ row, verdict, duplicateOf }) => resultOf(verdict, state?.rows.get(row.rowNumber), dryRun, duplicateOf);
}

/** The note on a row that repeats an earlier one. */
export function duplicateNote(firstRow: number): string {
  return `same currency, address and amount as row ${firstRow}: paid twice only with --allow-duplicates`;
}

/** One line for the output CSV's error cell. */
export function describeProblems(problems: Array<{ column: string; value: string; reason: string }>): string {
  return problems.map(describeProblem).join('; ');
}

/** "amount: ..." or, when the reason does not quote the value itself, "to_address "0x5a…": ...". */
export function describeProblem(problem: { column: string; value: string; reason: string }): string {
  const quoted = JSON.stringify(problem.value);
  return problem.reason.includes(quoted) || problem.value === ''
    ? `${problem.column}: ${problem.reason}`
    : `${problem.column} ${quoted}: ${problem.reason}`;
}

/** Whether a run sends this row: valid, not paid, not unknown, and failed only when asked. */
export function shouldSend(verdict: RowVerdict, record: RowRecord | undefined, retryFailed: boolean): boolean {
  if (!verdict.ok) return false;
  if (!record || record.status === 'pending') return true;
  return record.status === 'failed' && retryFailed;
}

/** The contract's exit status for a run that finished or stopped with these counts. */
export function exitCodeOf(counts: StatusCounts): ExitCode {
  if (counts.pending > 0 || counts.unknown > 0) return EXIT.incomplete;
  if (counts.failed > 0 || counts.invalid > 0) return EXIT.someFailed;
  return EXIT.ok;
}
