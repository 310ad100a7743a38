/**
 * The end of a real run: the final output, from the journal's last word, and the summary.
 *
 * Stage commands/: may import pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { ExitError } from '../core/errors.js';
import type { JournalState } from '../journal/replay.js';
import { formatTotals } from '../output/format.js';
import type { CommandDeps, RunOptions } from './options.js';
import { OutputNotOwnedError } from '../output/output-owner.js';
import type { RunPaths } from '../output/paths.js';
import { resultsFrom } from '../output/rules.js';
import { writeResults, type OutputCommit, type ScanOptions, type WrittenOutput } from '../scan/scan.js';
import type { StatusTally } from '../output/tally.js';

/**
 * Writes the final output CSV. Payments were made by now, so an output that is no longer
 * payout's own (edited during the run) is not a "nothing was sent" refusal (exit 2) but an
 * incomplete record (exit 3): the journal has every payment, and `status` writes the output again.
 */
export async function writeFinalOutput(
  paths: RunPaths,
  scan: ScanOptions & { expectSha256: string; commit: OutputCommit },
  state: JournalState,
): Promise<WrittenOutput> {
  try {
    return await writeResults(paths.input, paths.out, scan, resultsFrom(state, false));
  } catch (error) {
    if (!(error instanceof OutputNotOwnedError)) throw error;
    throw new ExitError(
      {
        problem: `${paths.out} was changed during the run, so it was not overwritten (${error.reason}). Every payment is recorded in ${paths.checkpoint}`,
        remedy: 'move the file away, then payout status (with the same --out and --checkpoint) writes the output again',
      },
      'changed',
      { cause: error, sendingStarted: true },
    );
  }
}

/** The summary on screen: counts, what was paid, where the output and its manifest are, what to do next. */
export function printFinal(deps: CommandDeps, tally: StatusTally, paths: RunPaths, options: RunOptions): void {
  const counts = tally.counts;
  deps.print('');
  deps.print(
    `Done: ${counts.paid} paid, ${counts.failed} failed, ${counts.invalid} invalid, ${counts.unknown} unknown, ${counts.pending} pending.`,
  );
  const paid = tally.totalsOf('paid');
  if (paid.size > 0) {
    deps.print('Paid:');
    for (const line of formatTotals(paid)) deps.print(line);
  }
  deps.print(`Output: ${paths.out}`);
  deps.print(`Manifest: ${paths.manifest}`);
  if (counts.unknown > 0) {
    deps.print(
      `${counts.unknown} row(s) are unknown: they may or may not be paid, and are never sent again by themselves. ` +
        `Check each in the CryptoCloud dashboard, then: payout resolve ${options.input} --row N (--paid INV-XXXXXXXX | --not-paid)`,
    );
  }
  if (counts.pending > 0)
    deps.print(`${counts.pending} row(s) are not sent yet: run the same command again to carry on.`);
}
