/**
 * What a checkpoint is bound to besides the input's bytes. How the payroll was read: which header
 * column gave each field that is sent, and the decimal comma; a resume that would read the same
 * bytes differently (and so pay other amounts or addresses) is refused. And the API it paid
 * through: a row paid in a sandbox rehearsal is not paid at the real API.
 *
 * The delimiter and a first line `sep=;` need no place here: both follow from the bytes alone
 * (csv/sniff.ts), which the checkpoint's digest already binds. Before `sep=` lines were read, a
 * file with one was refused, so no older checkpoint read such bytes another way.
 *
 * Stage plan/: may import output, ledger, scan, journal, csv, validate, api, schedule, sandbox,
 * core (.dependency-cruiser.cjs).
 */
import { REQUIRED_COLUMNS } from '../core/types.js';
import { InputError } from '../core/errors.js';
import type { JournalHeader } from '../journal/entries.js';
import type { PayrollHeader } from '../csv/read.js';
import type { JournalState } from '../journal/replay.js';

export type Reading = NonNullable<JournalHeader['reading']>;

/** The reading of a payroll with `header`, as this run does it. */
export function readingOf(header: PayrollHeader, decimalComma: boolean): Reading {
  const name = (column: (typeof REQUIRED_COLUMNS)[number]): string =>
    (header.columns[header.index[column]] ?? '').trim();
  return {
    columns: { currency_code: name('currency_code'), to_address: name('to_address'), amount: name('amount') },
    decimalComma,
  };
}

/** Throws InputError (exit 2, nothing sent) naming the option when `now` reads differently from the checkpoint's `recorded`. */
export function checkReading(recorded: Reading | undefined, now: Reading, checkpoint: string): void {
  // A checkpoint of an earlier version did not record its reading: each send is checked against its earlier intent instead.
  if (!recorded) return;
  const differences: string[] = [];
  for (const column of REQUIRED_COLUMNS) {
    const was = recorded.columns[column];
    const is = now.columns[column];
    if (was !== is) differences.push(`${column} from the column "${was}" then, from "${is}" now`);
  }
  const columns = differences.length > 0 ? `--columns differs: it read ${differences.join('; ')}` : '';
  const comma =
    recorded.decimalComma !== now.decimalComma
      ? `--decimal-comma was ${recorded.decimalComma ? 'given' : 'not given'} then and is ${now.decimalComma ? 'given' : 'not given'} now`
      : '';
  const what = [columns, comma].filter(Boolean);
  if (what.length === 0) return;
  throw new InputError({
    problem: `this run reads the payroll differently from the run that made its checkpoint ${checkpoint}: ${what.join('; ')}`,
    remedy: 'run it with the same options as before, so the remaining rows pay what the first rows paid',
  });
}

/** Throws InputError (exit 2, nothing sent) when the checkpoint's rows were sent to another API than this run's. */
export function checkApi(state: JournalState, now: string, checkpoint: string): void {
  const recorded = state.header.api;
  // A checkpoint of an earlier version did not record its API.
  if (recorded === undefined || recorded === now) return;
  // Nothing ever reached that API (every attempt was never sent: a wrong URL, a refused certificate): no row is bound to it.
  if (!reachedTheApi(state)) return;
  throw new InputError({
    problem: `the checkpoint ${checkpoint} records requests to ${recorded}, and this run would pay through ${now}: its paid rows were paid there only`,
    remedy:
      'give the same --base-url (or --sandbox) to carry on there, or --checkpoint and --out of their own to pay this file through the other API',
  });
}

function reachedTheApi(state: JournalState): boolean {
  for (const row of state.rows.values()) if (row.status !== 'pending' || row.inFlight) return true;
  return false;
}

/** Both bindings of a resumed checkpoint: how the payroll is read, and the API it pays through. */
export function checkBinding(state: JournalState, reading: Reading, api: string, checkpoint: string): void {
  checkReading(state.header.reading, reading, checkpoint);
  checkApi(state, api, checkpoint);
}
