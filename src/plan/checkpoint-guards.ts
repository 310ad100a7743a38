/**
 * Refusals that protect what a checkpoint records before its run may send: a checkpoint behind
 * this machine's outbox, and a changed input whose checkpoint still has rows that may be paid.
 *
 * Stage plan/: may import output, ledger, scan, journal, csv, validate, api, schedule, sandbox,
 * core (.dependency-cruiser.cjs).
 */
import { InputError } from '../core/errors.js';
import type { JournalState } from '../journal/replay.js';
import type { ApiLedger } from '../ledger/ledger.js';
import { resolvePaths, type RunPaths } from '../output/paths.js';
import { InputChangedError, mismatchWords } from '../scan/scan.js';

/** Row numbers named in a message. */
const ROWS_SHOWN = 10;

function shownRows(rows: readonly number[]): string {
  return rows.slice(0, ROWS_SHOWN).join(', ') + (rows.length > ROWS_SHOWN ? ', …' : '');
}

/**
 * A checkpoint that holds less than this machine sent with it (a restored backup, a copy, a disk
 * that lied about fsync) is refused: sending from it could pay a row twice. So is an outbox with
 * lines that cannot be read: any of them may record a payment.
 */
export function refuseIfBehind(ledger: ApiLedger | undefined, state: JournalState | undefined, paths: RunPaths): void {
  const damage = ledger?.damage();
  if (damage) throw new InputError(damage);
  if (!ledger || !state) return;
  const rows = ledger.behind(state);
  if (rows.length === 0) return;
  const checkpointOption =
    paths.checkpoint === resolvePaths(paths.input).checkpoint ? '' : ` --checkpoint ${paths.checkpoint}`;
  throw new InputError({
    problem:
      `the checkpoint ${paths.checkpoint} holds less than this machine sent with it: the outbox ${ledger.path} records requests for ` +
      `row(s) ${shownRows(rows)} that the checkpoint does not. It was probably restored from a backup or copied`,
    remedy: `run payout recover ${paths.input}${checkpointOption} to bring it up to date from the outbox, then run again`,
  });
}

/**
 * A changed input whose checkpoint still has unknown rows: those rows may be paid, so the
 * operator must settle them (with the original file) before paying the new one in any way.
 */
export function withUnsettledRows(error: unknown, state: JournalState): unknown {
  if (!(error instanceof InputChangedError)) return error;
  const unknown = [...state.rows.entries()].filter(([, record]) => record.status === 'unknown').map(([row]) => row);
  if (unknown.length === 0) return error;
  return new InputError(
    {
      problem:
        `${mismatchWords(error.inputPath).problem}. Careful: its checkpoint has ${unknown.length} unknown row(s) (${shownRows(unknown)}) ` +
        'that may already be paid',
      remedy:
        'put back the original file, check them in the dashboard and settle them with payout resolve before paying this file in any way',
    },
    { cause: error },
  );
}
