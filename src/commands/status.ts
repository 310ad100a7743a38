/**
 * `payout status`: what the checkpoint says, row states and totals. When no run holds the
 * checkpoint, it also brings the output CSV up to date (after a crash it may lag by a row).
 */
import { InputError } from '../core/errors.js';
import { loadJournal } from '../journal/file.js';
import type { JournalState } from '../journal/replay.js';
import { formatTotals } from './format.js';
import type { CommandDeps } from './options.js';
import { resolvePaths } from './paths.js';
import { emptyCounts, resultsFrom, type StatusCounts } from './rules.js';
import { mismatchMessage, scanPayroll, writeResults, type ScannedRow, type ScanOptions, type ScanSummary } from './scan.js';
import type { RowStatus } from '../core/types.js';
import { acquireLock } from '../journal/lock.js';
import { CurrencyTotals } from './totals.js';

export interface StatusOptions {
  input: string;
  checkpoint?: string;
  out?: string;
  columns?: ScanOptions['read'];
  decimalComma?: boolean;
}

export interface StatusReport {
  input: string;
  checkpoint: string;
  sha256: string;
  rows: number;
  counts: StatusCounts;
  /** Totals per state and currency (valid rows only). */
  totals: Partial<Record<keyof StatusCounts, Array<{ currency: string; count: number; total: string }>>>;
  unknownRows: number[];
}

/** Reads the checkpoint of `input` and reports each state's count and totals. Throws InputError when there is none or it is foreign. */
export async function status(options: StatusOptions, deps: CommandDeps): Promise<StatusReport> {
  const paths = resolvePaths(options.input, options);
  const loaded = await loadJournal(paths.checkpoint);
  if (!loaded?.state) {
    throw new InputError(`there is no checkpoint for ${options.input} (looked for ${paths.checkpoint}); it was never run, or --checkpoint names another file`);
  }
  const state: JournalState = loaded.state;
  const counts = emptyCounts();
  const totals = new Map<keyof StatusCounts, CurrencyTotals>();
  const unknownRows: number[] = [];
  const scan: ScanOptions = { ...(options.columns && { read: options.columns }), validate: { decimalComma: options.decimalComma ?? false } };
  const tally = ({ row, verdict }: ScannedRow, rowStatus: RowStatus): void => {
    counts[rowStatus] += 1;
    if (rowStatus === 'unknown') unknownRows.push(row.rowNumber);
    if (verdict.ok) {
      const t = totals.get(rowStatus) ?? new CurrencyTotals();
      t.add(verdict.payout.currencyCode, verdict.payout.amount);
      totals.set(rowStatus, t);
    }
  };
  const resultFor = resultsFrom(state, false);
  const summary = await withLockIfFree(paths.checkpoint, (locked) =>
    locked
      ? writeResults(paths.input, paths.out, { ...scan, expectSha256: state.header.input.sha256 }, resultFor, (scanned, r) => tally(scanned, r.status))
      : scanPayroll(paths.input, scan, (scanned) => tally(scanned, resultFor(scanned).status)),
  );
  if (summary.sha256 !== state.header.input.sha256) throw new InputError(mismatchMessage(paths.input));

  const report: StatusReport = {
    input: paths.input,
    checkpoint: paths.checkpoint,
    sha256: summary.sha256,
    rows: summary.rows,
    counts,
    totals: Object.fromEntries([...totals.entries()].map(([k, t]) => [k, t.entries()])),
    unknownRows,
  };
  deps.print(`${paths.input}: ${summary.rows} row(s); checkpoint ${paths.checkpoint}`);
  for (const key of ['paid', 'failed', 'unknown', 'pending', 'invalid'] as const) {
    deps.print(`${key.padEnd(8)} ${String(counts[key]).padStart(7)}`);
    const t = totals.get(key);
    if (t) for (const line of formatTotals(t, '           ')) deps.print(line);
  }
  if (unknownRows.length > 0) {
    const shown = unknownRows.slice(0, 20).join(', ');
    deps.print(`Unknown rows: ${shown}${unknownRows.length > 20 ? `, … (${unknownRows.length} in all)` : ''}. Check them in the dashboard, then payout resolve.`);
  }
  return report;
}

/** Runs `work` holding the checkpoint's lock if no run holds it; otherwise without it, read-only. */
async function withLockIfFree(checkpoint: string, work: (locked: boolean) => Promise<ScanSummary>): Promise<ScanSummary> {
  let lock;
  try {
    lock = acquireLock(checkpoint);
  } catch {
    return work(false);
  }
  try {
    return await work(true);
  } finally {
    lock.release();
  }
}
