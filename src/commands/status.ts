/**
 * `payout status`: what the checkpoint says, row states and totals. When no run holds the
 * checkpoint, it also brings the output CSV up to date (after a crash it may lag by a row).
 *
 * Stage commands/: may import pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { InputError } from '../core/errors.js';
import { loadJournal } from '../journal/file.js';
import type { JournalState } from '../journal/replay.js';
import { formatTotals } from '../output/format.js';
import type { CommandDeps } from './options.js';
import { OutputOwner } from '../output/output-owner.js';
import { resolvePaths } from '../output/paths.js';
import { resultsFrom, type StatusCounts } from '../output/rules.js';
import {
  mismatchWords,
  scanPayroll,
  writeResults,
  type ScannedRow,
  type ScanOptions,
  type ScanSummary,
} from '../scan/scan.js';
import type { RowStatus } from '../core/types.js';
import { acquireLock, type CheckpointLock } from '../journal/lock.js';
import { StatusTally, type StatusTotals } from '../output/tally.js';
import { checkpointIdOf } from '../journal/entries.js';
import { ApiLedger } from '../ledger/ledger.js';

export interface StatusOptions {
  input: string;
  checkpoint?: string;
  out?: string;
  columns?: ScanOptions['read'];
  decimalComma?: boolean;
  /** Print nothing on stdout: the caller prints the report as JSON. @default false */
  json?: boolean;
  /** The state directory: a checkpoint behind its outbox is said. */
  historyDir?: string;
}

export interface StatusReport {
  input: string;
  checkpoint: string;
  /** The output CSV, and whether this status brought it up to date (not while a run holds the checkpoint, nor over a file that is not payout's own). */
  output: string;
  outputRefreshed: boolean;
  sha256: string;
  rows: number;
  counts: StatusCounts;
  /** Totals per state and currency (valid rows only). */
  totals: StatusTotals;
  unknownRows: number[];
}

/** Reads the checkpoint of `input` and reports each state's count and totals. Throws InputError when there is none or it is foreign. */
export async function status(options: StatusOptions, deps: CommandDeps): Promise<StatusReport> {
  const paths = resolvePaths(options.input, options);
  // The lock first, then the journal: a run that ends in between must not have its output rewritten from older states.
  const lock = tryLock(paths.checkpoint);
  let state: JournalState;
  let summary: ScanSummary;
  const tally = new StatusTally();
  const unknownRows: number[] = [];
  let refreshed = false;
  try {
    const loaded = await loadJournal(paths.checkpoint);
    if (!loaded?.state) {
      throw new InputError(
        `there is no checkpoint for ${options.input} (looked for ${paths.checkpoint}); it was never run, or --checkpoint names another file`,
      );
    }
    state = loaded.state;
    if (options.historyDir) warnIfBehind(options.historyDir, state, paths.checkpoint, paths.input, deps);
    const scan: ScanOptions = {
      ...(options.columns && { read: options.columns }),
      validate: { decimalComma: options.decimalComma ?? false },
    };
    const count = ({ row, verdict }: ScannedRow, rowStatus: RowStatus): void => {
      tally.add(rowStatus, verdict);
      if (rowStatus === 'unknown') unknownRows.push(row.rowNumber);
    };
    const resultFor = resultsFrom(state, false);
    const owner = new OutputOwner({ paths, command: 'status', logger: deps.logger });
    const locked = lock !== undefined;
    // A status only reports: over an output that is not payout's own for this input, it says so and leaves it alone.
    const refusal = locked ? await owner.refusal(state.header.input.sha256, state) : undefined;
    if (refusal !== undefined)
      deps.logger.warn(
        `not bringing ${paths.out} up to date: it was not written by payout for this input (${refusal})`,
      );
    if (!locked || refusal !== undefined) {
      summary = await scanPayroll(paths.input, scan, (scanned) => count(scanned, resultFor(scanned).status));
    } else {
      summary = await writeResults(
        paths.input,
        paths.out,
        { ...scan, expectSha256: state.header.input.sha256, commit: owner.committer(state) },
        resultFor,
        (scanned, r) => count(scanned, r.status),
      );
      refreshed = true;
    }
  } finally {
    lock?.release();
  }
  if (summary.sha256 !== state.header.input.sha256) throw new InputError(mismatchWords(paths.input));

  const counts = tally.counts;
  const report: StatusReport = {
    input: paths.input,
    checkpoint: paths.checkpoint,
    output: paths.out,
    outputRefreshed: refreshed,
    sha256: summary.sha256,
    rows: summary.rows,
    counts,
    totals: tally.totals(),
    unknownRows,
  };
  if (options.json) return report;
  deps.print(`${paths.input}: ${summary.rows} row(s); checkpoint ${paths.checkpoint}`);
  for (const key of ['paid', 'failed', 'unknown', 'pending', 'invalid'] as const) {
    deps.print(`${key.padEnd(8)} ${String(counts[key]).padStart(7)}`);
    if (report.totals[key]) for (const line of formatTotals(tally.totalsOf(key), '           ')) deps.print(line);
  }
  if (unknownRows.length > 0) {
    const shown = unknownRows.slice(0, 20).join(', ');
    deps.print(
      `Unknown rows: ${shown}${unknownRows.length > 20 ? `, … (${unknownRows.length} in all)` : ''}. Check them in the dashboard, then payout resolve.`,
    );
  }
  return report;
}

/** The checkpoint's lock if no other command holds it (then the status only reads). */
/** Says when the outbox holds requests of this checkpoint that it lacks (restored from a backup): the rows shown as pending may be paid. */
function warnIfBehind(
  historyDir: string,
  state: JournalState,
  checkpoint: string,
  input: string,
  deps: CommandDeps,
): void {
  let ledger: ApiLedger | undefined;
  try {
    ledger = ApiLedger.open(historyDir, '', checkpointIdOf(state.header), false);
    const rows = ledger.behind(state);
    if (rows.length > 0) {
      const shown = rows.slice(0, 10).join(', ') + (rows.length > 10 ? ', …' : '');
      deps.logger.warn(
        `the checkpoint ${checkpoint} is behind this machine's outbox ${ledger.path}: it lacks requests sent for row(s) ${shown}, shown here as the checkpoint has them. ` +
          `Run payout recover ${input} to bring it up to date`,
      );
    }
  } catch (error) {
    deps.logger.warn(`could not compare the checkpoint with this machine's outbox: ${(error as Error).message}`);
  } finally {
    ledger?.close();
  }
}

function tryLock(checkpoint: string): CheckpointLock | undefined {
  try {
    return acquireLock(checkpoint);
  } catch {
    return undefined;
  }
}
