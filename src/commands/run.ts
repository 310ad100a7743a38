/**
 * `payout run`: validate the payroll, then (unless a dry run) pay it, resuming from its checkpoint.
 */
import { basename } from 'node:path';
import { EXIT, ExitError, InputError, UsageError, type ExitCode } from '../core/errors.js';
import type { InputRow, RowVerdict } from '../core/types.js';
import type { JournalHeader } from '../journal/entries.js';
import { parseColumnsOption } from '../csv/read.js';
import { JOURNAL_VERSION } from '../journal/entries.js';
import { JournalWriter, loadJournal, type LoadedJournal } from '../journal/file.js';
import { acquireLock } from '../journal/lock.js';
import { emptyState, type JournalState } from '../journal/replay.js';
import { Pacer } from '../schedule/pacer.js';
import { estimateMs, formatDuration, formatTotals, shortAddress } from './format.js';
import { isLoopbackUrl, type CommandDeps, type RunOptions } from './options.js';
import { resolvePaths, type RunPaths } from './paths.js';
import { describeProblem, emptyCounts, exitCodeOf, resultsFrom, shouldSend, type StatusCounts } from './rules.js';
import { mismatchMessage, openScan, writeResults, type ScannedRow, type ScanOptions, type ScanSummary } from './scan.js';
import { sendRows, type RowToSend, type WithdrawalSender } from './send-loop.js';
import { identityOf, sameIdentity, type FileIdentity } from './input-identity.js';
import { OutputRefresher } from './refresh.js';
import { CurrencyTotals } from './totals.js';

/** What a run came to. */
export interface RunSummary {
  exitCode: ExitCode;
  counts: StatusCounts;
  paths: RunPaths;
  sent: number;
  stopReason?: string;
}

/** How to reach the API: a real client, or the in-process sandbox. Injected so tests can count. */
export interface ApiConnection {
  sender: WithdrawalSender;
  close(): Promise<void>;
}

export type Connect = (options: RunOptions) => Promise<ApiConnection>;

/** Runs `payout run` with options already parsed. Throws ExitError for usage and input errors. */
export async function run(options: RunOptions, deps: CommandDeps, connect: Connect): Promise<RunSummary> {
  checkOptions(options);
  const paths = resolvePaths(options.input, options);
  const scan: ScanOptions = {
    read: options.columns ? { columnNames: parseColumnsOption(options.columns) } : {},
    validate: { decimalComma: options.decimalComma },
  };
  return options.dryRun ? dryRun(options, paths, scan, deps) : pay(options, paths, scan, deps, connect);
}

function checkOptions(options: RunOptions): void {
  if (options.intervalMs < 12000 && !options.sandbox && !isLoopbackUrl(options.baseUrl)) {
    throw new UsageError(
      `--interval ${options.intervalMs} is below the API's 12000 ms minimum; a shorter interval is only for a loopback --base-url or --sandbox`,
    );
  }
  if (!options.dryRun && !options.sandbox && !options.apiKey) {
    throw new UsageError(
      'no API key: set CRYPTOCLOUD_API_KEY or give --api-key-file FILE (the key is never taken from the command line). A --dry-run needs no key',
    );
  }
}

async function dryRun(options: RunOptions, paths: RunPaths, scan: ScanOptions, deps: CommandDeps): Promise<RunSummary> {
  // If the payroll was already (partly) paid, show that instead of pretending every row is to do.
  const loaded = await loadJournal(paths.checkpoint);
  const state = loaded?.state;
  const counts = emptyCounts();
  const summary = await writeResults(
    paths.input,
    paths.out,
    { ...scan, ...(state && { expectSha256: state.header.input.sha256 }) },
    resultsFrom(state, true),
    (scanned, result) => {
      counts[result.status] += 1;
      reportProblems(deps, scanned, options);
    },
  );
  printScan(deps, summary, paths);
  if (state) deps.print(`A checkpoint exists (${paths.checkpoint}): rows it records are shown with their state.`);
  deps.print(`A real run would send ${counts.valid} row(s), taking about ${formatDuration(estimateMs(counts.valid, options.intervalMs, options.marginMs))}.`);
  deps.print(`Dry run: nothing was sent. Output: ${paths.out}`);
  return finish(counts, paths, 0);
}

async function pay(options: RunOptions, paths: RunPaths, scan: ScanOptions, deps: CommandDeps, connect: Connect): Promise<RunSummary> {
  const lock = acquireLock(paths.checkpoint);
  try {
    const loaded = await loadJournal(paths.checkpoint);
    let state: JournalState | undefined = loaded?.state;
    const identity = identityOf(paths.input);

    // Pass 1: validate everything, and refresh the output from what the checkpoint knows.
    const toSend = new CurrencyTotals();
    let rowsToSend = 0;
    let duplicatesToSend = 0;
    const counts = emptyCounts();
    const summary = await writeResults(
      paths.input,
      paths.out,
      { ...scan, ...(state && { expectSha256: state.header.input.sha256 }) },
      resultsFrom(state, false),
      (scanned, result) => {
        const { row, verdict } = scanned;
        counts[result.status] += 1;
        reportProblems(deps, scanned, options);
        if (verdict.ok && shouldSend(verdict, state?.rows.get(row.rowNumber), options.retryFailed)) {
          rowsToSend += 1;
          if (scanned.duplicateOf !== undefined) duplicatesToSend += 1;
          toSend.add(verdict.payout.currencyCode, verdict.payout.amount);
        }
      },
    );
    if (!sameIdentity(identity, identityOf(paths.input))) throw new InputError(changedMessage(paths.input));
    printScan(deps, summary, paths);
    if (summary.invalid > 0 && !options.skipInvalid) {
      throw new ExitError(
        `${summary.invalid} row(s) are invalid (listed above and in ${paths.out}); nothing was sent. ` +
          'Fix them, or give --skip-invalid to pay the valid rows and leave those out',
        EXIT.usage,
      );
    }
    if (duplicatesToSend > 0 && !options.allowDuplicates) {
      throw new ExitError(
        `${duplicatesToSend} row(s) repeat an earlier row's currency, address and amount (listed above); nothing was sent. ` +
          'Remove the extra lines, or give --allow-duplicates if the same payment really is due twice',
        EXIT.usage,
      );
    }
    if (state) printResume(deps, counts, options);
    if (rowsToSend === 0) {
      deps.print('Nothing to send.');
      return finish(counts, paths, 0);
    }

    await confirm(options, deps, rowsToSend, toSend, duplicatesToSend);

    const journal = openJournalForWriting(paths, loaded, summary);
    state ??= emptyState(journal.header);
    const connection = await connect(options);
    const refresher = new OutputRefresher(async () => {
      const live = state;
      await writeResults(paths.input, paths.out, { ...scan, expectSha256: summary.sha256 }, resultsFrom(live, false));
    }, deps.logger);
    let result;
    try {
      result = await sendRows(rowsOf(paths.input, scan, state, options, summary.sha256, identity), {
        journal: journal.writer,
        state,
        pacer: new Pacer({ intervalMs: options.intervalMs, marginMs: options.marginMs }, state.lastRequest),
        sender: connection.sender,
        logger: deps.logger,
        stop: deps.stop,
        intervalMs: options.intervalMs,
        marginMs: options.marginMs,
        total: rowsToSend,
        onOutcome: () => refresher.request(),
      });
    } finally {
      journal.writer.close();
      await connection.close();
      await refresher.settle();
    }

    // The final output, from the journal's last word.
    const finalState = state;
    const finalCounts = emptyCounts();
    const paid = new CurrencyTotals();
    await writeResults(
      paths.input,
      paths.out,
      { ...scan, expectSha256: summary.sha256 },
      resultsFrom(finalState, false),
      ({ verdict }, cells) => {
        finalCounts[cells.status] += 1;
        if (cells.status === 'paid' && verdict.ok) paid.add(verdict.payout.currencyCode, verdict.payout.amount);
      },
    );
    if (result.stopReason) deps.logger.error(`Stopped: ${result.stopReason}.`);
    printFinal(deps, finalCounts, paid, paths, options);
    return finish(finalCounts, paths, result.sent, result.stopReason);
  } finally {
    lock.release();
  }
}

function finish(counts: StatusCounts, paths: RunPaths, sent: number, stopReason?: string): RunSummary {
  return { exitCode: exitCodeOf(counts), counts, paths, sent, ...(stopReason && { stopReason }) };
}

/**
 * The rows to pay, read again lazily from the file (pass 2). The file must still be the one
 * pass 1 hashed: checked at the end, and by the journal's binding on every resume.
 */
async function* rowsOf(
  inputPath: string,
  scan: ScanOptions,
  state: JournalState,
  options: RunOptions,
  sha256: string,
  identity: FileIdentity,
): AsyncGenerator<RowToSend> {
  const pass = await openScan(inputPath, scan);
  for await (const { row, verdict } of pass.rows) {
    if (verdict.ok && shouldSend(verdict, state.rows.get(row.rowNumber), options.retryFailed)) {
      // Checked after the row was read and before it is paid: a row from a changed file is never sent.
      if (!sameIdentity(identity, identityOf(inputPath))) throw new ExitError(changedMessage(inputPath), EXIT.incomplete);
      yield { rowNumber: row.rowNumber, payout: verdict.payout };
    }
  }
  if (pass.summary().sha256 !== sha256) throw new InputError(mismatchMessage(inputPath));
}

function changedMessage(inputPath: string): string {
  return `${inputPath} changed while the run was reading it; stopped before sending anything from the changed file. Put back the original to carry on`;
}

function openJournalForWriting(
  paths: RunPaths,
  loaded: LoadedJournal | undefined,
  summary: ScanSummary,
): { writer: JournalWriter; header: JournalHeader } {
  if (loaded?.state) return { writer: JournalWriter.reopen(paths.checkpoint, loaded), header: loaded.state.header };
  const header: JournalHeader = {
    type: 'header',
    version: JOURNAL_VERSION,
    input: { sha256: summary.sha256, bytes: summary.bytes, name: basename(paths.input) },
    createdAt: new Date().toISOString(),
  };
  return { writer: JournalWriter.create(paths.checkpoint, header, loaded !== undefined), header };
}

async function confirm(options: RunOptions, deps: CommandDeps, rows: number, totals: CurrencyTotals, duplicates: number): Promise<void> {
  deps.print('');
  deps.print(`About to pay ${rows} row(s) through ${options.sandbox ? 'the in-process sandbox' : options.baseUrl}:`);
  for (const line of formatTotals(totals)) deps.print(line);
  if (duplicates > 0) deps.print(`${duplicates} row(s) repeat an earlier row: paid anyway (--allow-duplicates).`);
  deps.print(`At one request every ${options.intervalMs / 1000}s this takes about ${formatDuration(estimateMs(rows, options.intervalMs, options.marginMs))}.`);
  if (options.yes) return;
  if (!deps.ask) {
    throw new UsageError('refusing to pay without confirmation: standard input is not a terminal. Add --yes to confirm in advance');
  }
  const answer = (await deps.ask(`Type "yes" to pay ${rows} row(s): `)).trim().toLowerCase();
  if (answer !== 'yes') throw new ExitError('not confirmed; nothing was sent', EXIT.usage);
}

/** Lists each invalid or repeated row as it is found (every one, at once, before anything is sent). */
function reportProblems(deps: CommandDeps, { row, verdict, duplicateOf }: ScannedRow, options: RunOptions): void {
  if (!verdict.ok) {
    for (const p of verdict.problems) deps.logger.warn(`row ${row.rowNumber}, ${describeProblem(p)}`, { row: row.rowNumber });
  } else if (duplicateOf !== undefined) {
    const { amount, currencyCode, toAddress } = verdict.payout;
    const consequence = options.allowDuplicates ? 'both are paid (--allow-duplicates)' : 'a real run refuses this unless --allow-duplicates';
    deps.logger.warn(`row ${row.rowNumber} repeats row ${duplicateOf}: ${amount} ${currencyCode} to ${shortAddress(toAddress)}; ${consequence}`, { row: row.rowNumber });
  }
}

function printScan(deps: CommandDeps, summary: ScanSummary, paths: RunPaths): void {
  const repeats = summary.duplicates > 0 ? `, ${summary.duplicates} repeating an earlier row` : '';
  deps.print(`${basename(paths.input)}: ${summary.rows} row(s), ${summary.valid} valid, ${summary.invalid} invalid${repeats}.`);
  if (summary.totals.size > 0) {
    deps.print('Totals of the valid rows:');
    for (const line of formatTotals(summary.totals)) deps.print(line);
  }
}

function printResume(deps: CommandDeps, counts: StatusCounts, options: RunOptions): void {
  deps.print(
    `Resuming from the checkpoint: ${counts.paid} paid, ${counts.failed} failed, ${counts.unknown} unknown, ${counts.pending} to send` +
      (counts.failed > 0 && !options.retryFailed ? ' (failed rows are sent again only with --retry-failed)' : '') +
      '.',
  );
}

function printFinal(deps: CommandDeps, counts: StatusCounts, paid: CurrencyTotals, paths: RunPaths, options: RunOptions): void {
  deps.print('');
  deps.print(
    `Done: ${counts.paid} paid, ${counts.failed} failed, ${counts.invalid} invalid, ${counts.unknown} unknown, ${counts.pending} pending.`,
  );
  if (paid.size > 0) {
    deps.print('Paid:');
    for (const line of formatTotals(paid)) deps.print(line);
  }
  deps.print(`Output: ${paths.out}`);
  if (counts.unknown > 0) {
    deps.print(
      `${counts.unknown} row(s) are unknown: they may or may not be paid, and are never sent again by themselves. ` +
        `Check each in the CryptoCloud dashboard, then: payout resolve ${options.input} --row N (--paid INV-XXXXXXXX | --not-paid)`,
    );
  }
  if (counts.pending > 0) deps.print(`${counts.pending} row(s) are not sent yet: run the same command again to carry on.`);
}
