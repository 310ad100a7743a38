/**
 * `payout recover`: brings a checkpoint that is behind this machine's outbox (restored from a
 * backup, copied) up to date from it: every request the outbox holds for this checkpoint and the
 * checkpoint lacks is added to it, in order, with its outcome or the operator's verdict. Nothing
 * is sent; a request without an outcome becomes an unknown row, to settle with `payout resolve`.
 *
 * Stage commands/: may import pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { InputError } from '../core/errors.js';
import type { Outcome } from '../core/types.js';
import { checkpointIdOf, type JournalEntry } from '../journal/entries.js';
import { JournalWriter, loadJournal } from '../journal/file.js';
import { acquireLock } from '../journal/lock.js';
import { applyEntry, type JournalState } from '../journal/replay.js';
import { ApiLedger } from '../ledger/ledger.js';
import type { OutboxLine } from '../ledger/outbox-lines.js';
import type { CommandDeps } from './options.js';
import { OutputOwner } from '../output/output-owner.js';
import { resolvePaths } from '../output/paths.js';
import { resultsFrom } from '../output/rules.js';
import { mismatchWords, scanPayroll, writeResults, type ScanOptions } from '../scan/scan.js';

export interface RecoverOptions {
  input: string;
  checkpoint?: string;
  out?: string;
  scan?: ScanOptions;
  historyDir: string;
}

/** Adds to the checkpoint what the outbox holds for it and it lacks; returns how many lines were added. */
export async function recover(options: RecoverOptions, deps: CommandDeps): Promise<number> {
  const paths = resolvePaths(options.input, options);
  const lock = acquireLock(paths.checkpoint);
  try {
    const loaded = await loadJournal(paths.checkpoint);
    if (!loaded?.state)
      throw new InputError(`there is no checkpoint for ${options.input} (looked for ${paths.checkpoint})`);
    const state = loaded.state;
    // Any API: the checkpoint's id alone picks its lines.
    const ledger = ApiLedger.open(options.historyDir, '', checkpointIdOf(state.header), false);
    const missing = ledger.ownLines().flatMap((line) => entryFor(line, state));
    ledger.close();
    const commit = new OutputOwner({ paths, command: 'resolve', logger: deps.logger }).committer(state);
    // The input must be this checkpoint's before anything is added to it.
    if ((await scanPayroll(paths.input, options.scan ?? {}, () => {})).sha256 !== state.header.input.sha256)
      throw new InputError(mismatchWords(paths.input));
    if (missing.length > 0) {
      const writer = JournalWriter.reopen(paths.checkpoint, loaded);
      try {
        for (const entry of missing) writer.append(entry);
      } finally {
        writer.close();
      }
    }
    await writeResults(
      paths.input,
      paths.out,
      { ...options.scan, expectSha256: state.header.input.sha256, commit },
      resultsFrom(state, false),
    );
    if (missing.length === 0) {
      deps.print(
        `The checkpoint ${paths.checkpoint} already holds every request this machine's outbox records for it: nothing to add.`,
      );
      return 0;
    }
    const rows = [...new Set(missing.map((entry) => ('row' in entry ? entry.row : 0)))];
    const unknown = rows.filter((row) => state.rows.get(row)?.status === 'unknown');
    deps.print(
      `Added ${missing.length} line(s) from the outbox to ${paths.checkpoint}, for row(s) ${rows.join(', ')}.` +
        (unknown.length > 0
          ? ` Row(s) ${unknown.join(', ')} are unknown: check them in the dashboard, then payout resolve.`
          : ''),
    );
    return missing.length;
  } finally {
    lock.release();
  }
}

/** The journal entry that brings `state` past `line`, applied to it; none when the checkpoint already has it. */
function entryFor(line: OutboxLine, state: JournalState): JournalEntry[] {
  if (line.t === 'request') return [];
  const record = state.rows.get(line.row);
  const attempts = record?.attempts ?? 0;
  let entry: JournalEntry | undefined;
  if (line.t === 'intent' && attempts < line.attempt) {
    entry = {
      type: 'intent',
      row: line.row,
      attempt: line.attempt,
      at: line.at,
      currency_code: line.currency,
      to_address: line.address,
      amount: line.amount,
      ...(line.boot !== undefined && line.atMono !== undefined && { boot: line.boot, atMono: line.atMono }),
    };
  } else if (line.t === 'outcome' && attempts === line.attempt && record?.inFlight) {
    entry = {
      type: 'outcome',
      row: line.row,
      attempt: line.attempt,
      startedAt: line.startedAt,
      endedAt: line.endedAt,
      outcome: line.outcome as Outcome,
      ...(line.boot !== undefined &&
        line.startedMono !== undefined &&
        line.endedMono !== undefined && { boot: line.boot, startedMono: line.startedMono, endedMono: line.endedMono }),
    };
  } else if (line.t === 'resolve' && attempts === line.attempt && record?.status === 'unknown' && !record.inFlight) {
    entry = { type: 'resolve', row: line.row, at: line.at, invoiceId: line.invoiceId };
  }
  if (!entry) return [];
  // The journal's own order checks guard what is added, as they guard what a run writes.
  applyEntry(state, entry, 0);
  return [entry];
}
