/**
 * What the send loop pays: the rows pass 1 chose, read again from the file (pass 2) and checked
 * to be the bytes pass 1 read, before each is handed on.
 *
 * Stage pay/: may import plan, output, ledger, scan, journal, csv, validate, api, schedule,
 * sandbox, core (.dependency-cruiser.cjs).
 */
import { ExitError } from '../core/errors.js';
import { openPayroll } from '../csv/read.js';
import type { JournalState } from '../journal/replay.js';
import { shouldSend } from '../output/rules.js';
import { identityOf, sameIdentity, type FileIdentity } from '../scan/input-identity.js';
import type { AscendingRows } from '../scan/row-list.js';
import { payoutFieldsOf, type ScanOptions, type SegmentLayout } from '../scan/scan.js';
import { openChosenRows } from '../scan/segmented-scan.js';
import { prepareValidation, validateRow } from '../validate/index.js';
import type { RowToSend } from './send-loop.js';

/** What pass 2 reads, and what it checks the file against. */
export interface PassTwo {
  inputPath: string;
  scan: ScanOptions;
  /** The rows pass 1 chose to send, in ascending order. */
  chosen: AscendingRows;
  state: JournalState;
  retryFailed: boolean;
  /** The SHA-256 and identity of the file pass 1 read; `layout` its segments after a two-thread pass 1. */
  sha256: string;
  identity: FileIdentity;
  layout: SegmentLayout | undefined;
}

/**
 * The rows to pay, read again lazily from the file (pass 2). Only the rows pass 1 chose
 * (`chosen`) can be sent, so only they are validated again, from the bytes read now; the others
 * are only parsed and hashed. The file must still be the one pass 1 hashed: its identity is
 * checked before each send, its SHA-256 at the end, and the journal's binding on every resume.
 */
export async function* rowsToPay({
  inputPath,
  scan,
  chosen,
  state,
  retryFailed,
  sha256,
  identity,
  layout,
}: PassTwo): AsyncGenerator<RowToSend> {
  await prepareValidation();
  // After a two-thread pass 1, only the segments holding a row to send are parsed again.
  const payroll = layout
    ? await openChosenRows(
        inputPath,
        scan,
        layout,
        (first, last) => chosen.anyBetween(first, last),
        // A segment is checked before any of its rows is handed on: nothing from it is sent.
        () => inputChanged(inputPath),
      )
    : await openPayroll(inputPath, scan.read);
  let next = 0;
  let wanted = chosen.at(next);
  // Stopping early (a stop, an error) ends this loop, and the payroll closes its file itself.
  for await (const rows of payroll.batches) {
    for (const row of rows) {
      if (row.rowNumber !== wanted) continue;
      wanted = chosen.at(++next);
      const verdict = validateRow(payoutFieldsOf(row, payroll.header), scan.validate);
      if (verdict.ok && shouldSend(verdict, state.rows.get(row.rowNumber), retryFailed)) {
        // Checked after the row was read and before it is paid: a row from a changed file is never sent.
        if (!sameIdentity(identity, identityOf(inputPath))) throw inputChanged(inputPath);
        yield { rowNumber: row.rowNumber, payout: verdict.payout };
      }
    }
  }
  if (payroll.digest().sha256 !== sha256) throw changedDuringRun(inputPath);
}

/** The rows of `rows`, each handed on only after `check` passed (it throws to stop the run). */
export async function* checkedBeforeEach<T>(rows: AsyncIterable<T>, check: () => Promise<void>): AsyncGenerator<T> {
  for await (const row of rows) {
    await check();
    yield row;
  }
}

function changedDuringRun(inputPath: string): ExitError {
  return new ExitError(
    {
      problem: `${inputPath} changed during the run; the rows sent were read before the change`,
      remedy: 'put back the original to carry on',
    },
    'changed',
  );
}

/** The payroll changed while the run was reading it: nothing from the changed file is sent. */
export function inputChanged(inputPath: string): ExitError {
  return new ExitError(
    {
      problem: `${inputPath} changed while the run was reading it; stopped before sending anything from the changed file`,
      remedy: 'put back the original to carry on',
    },
    'changed',
  );
}
