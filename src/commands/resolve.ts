/**
 * `payout resolve`: the operator settles an unknown row after checking the dashboard.
 *
 * Stage commands/: may import pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { InputError, UsageError } from '../core/errors.js';
import { JournalWriter, loadJournal } from '../journal/file.js';
import { acquireLock } from '../journal/lock.js';
import { applyEntry } from '../journal/replay.js';
import { checkpointIdOf } from '../journal/entries.js';
import { recordResolve } from '../ledger/ledger.js';
import type { CommandDeps } from './options.js';
import { resolvePaths } from '../output/paths.js';
import { resultsFrom } from '../output/rules.js';
import { writeResults, type ScanOptions } from '../scan/scan.js';
import { OutputOwner } from '../output/output-owner.js';

export interface ResolveOptions {
  input: string;
  checkpoint?: string;
  out?: string;
  row: number;
  /** The INV- id seen in the dashboard, or null for "not paid". */
  invoiceId: string | null;
  scan?: ScanOptions;
  /** The state directory whose outbox learns the verdict (so other payrolls see it too). */
  historyDir?: string;
}

const INVOICE_ID = /^INV-[A-Z0-9]{4,}$/;

/** Records the operator's verdict on an unknown row, then rewrites the output CSV. */
export async function resolve(options: ResolveOptions, deps: CommandDeps): Promise<void> {
  if (!Number.isInteger(options.row) || options.row < 1)
    throw new UsageError(`--row takes a row number from 1, got ${String(options.row)}`);
  if (options.invoiceId !== null && !INVOICE_ID.test(options.invoiceId)) {
    throw new UsageError(
      `--paid takes the withdrawal's id as the dashboard shows it, like INV-2Q2SICZN; got ${JSON.stringify(options.invoiceId)}`,
    );
  }
  const paths = resolvePaths(options.input, options);
  const lock = acquireLock(paths.checkpoint);
  try {
    const loaded = await loadJournal(paths.checkpoint);
    if (!loaded?.state)
      throw new InputError(`there is no checkpoint for ${options.input} (looked for ${paths.checkpoint})`);
    const state = loaded.state;
    const commit = new OutputOwner({ paths, command: 'resolve', logger: deps.logger }).committer(state);
    const record = state.rows.get(options.row);
    if (!record || record.status !== 'unknown') {
      throw new UsageError(
        `row ${options.row} is ${record?.status ?? 'not sent yet'}, not unknown; only an unknown row can be resolved`,
      );
    }
    // Check the input (and that the output is ours) before writing: a resolve must not land in a checkpoint of another file.
    await writeResults(
      paths.input,
      paths.out,
      { ...options.scan, expectSha256: state.header.input.sha256, commit },
      resultsFrom(state, false),
    );
    const entry = { type: 'resolve' as const, row: options.row, at: Date.now(), invoiceId: options.invoiceId };
    const writer = JournalWriter.reopen(paths.checkpoint, loaded);
    try {
      writer.append(entry);
    } finally {
      writer.close();
    }
    applyEntry(state, entry, 0);
    if (options.historyDir) {
      const line = {
        v: 1 as const,
        t: 'resolve' as const,
        ckpt: checkpointIdOf(state.header),
        row: options.row,
        attempt: record.attempts,
        at: entry.at,
        invoiceId: options.invoiceId,
      };
      try {
        await recordResolve(options.historyDir, line, deps.stop);
      } catch (error) {
        // The checkpoint has it; other payrolls keep counting the row as a possible payment (the safe side).
        deps.logger.warn(
          `could not add the verdict to this machine's outbox (${(error as Error).message}); other payrolls still count row ${options.row} as possibly paid`,
        );
      }
    }
    await writeResults(
      paths.input,
      paths.out,
      { ...options.scan, expectSha256: state.header.input.sha256, commit },
      resultsFrom(state, false),
    );
    deps.print(
      options.invoiceId
        ? `Row ${options.row} recorded as paid (${options.invoiceId}).`
        : `Row ${options.row} recorded as not paid; the next run will send it.`,
    );
  } finally {
    lock.release();
  }
}
