/**
 * `payout run`: validate the payroll, then (unless a dry run) pay it, resuming from its checkpoint.
 *
 * Stage commands/: may import pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { basename } from 'node:path';
import { DiskError, EXIT, ExitError, InputError, UsageError, type ExitCode } from '../core/errors.js';
import { openPayroll, parseColumnsOption } from '../csv/read.js';
import { removeDeadTemps } from '../csv/write.js';
import { loadJournal } from '../journal/file.js';
import { acquireLock } from '../journal/lock.js';
import type { JournalState } from '../journal/replay.js';
import { Pacer } from '../schedule/pacer.js';
import { checkpointApiOf, PlanFacts, preparePlan, reportDryRunChecks } from '../plan/plan.js';
import { assemblePlan, refusalAt } from '../plan/assemble.js';
import { estimateMs, formatDuration, formatTotals, shortAddress } from '../output/format.js';
import { isLoopbackUrl, MIN_REMOTE_MARGIN_MS, type CommandDeps, type Connect, type RunOptions } from './options.js';
import { resolvePaths, type RunPaths } from '../output/paths.js';
import {
  describeProblem,
  emptyCounts,
  exitCodeOf,
  resultsFrom,
  shouldSend,
  type StatusCounts,
} from '../output/rules.js';
import {
  InputChangedError,
  openEarly,
  payoutFieldsOf,
  writeResults,
  type EarlyScan,
  type ScannedRow,
  type ScanOptions,
  type ScanSummary,
  type SegmentLayout,
} from '../scan/scan.js';
import { openChosenRows } from '../scan/segmented-scan.js';
import { sendRows, type RowToSend } from '../pay/send-loop.js';
import { identityOf, sameIdentity, type FileIdentity } from '../scan/input-identity.js';
import { checkBinding, readingOf } from '../plan/reading.js';
import { OutputRefresher } from '../output/refresh.js';
import { CurrencyTotals } from '../output/totals.js';
import { OutputOwner } from '../output/output-owner.js';
import { printFinal, writeFinalOutput } from './run-end.js';
import { AscendingRows } from '../scan/row-list.js';
import { prepareValidation, validateRow } from '../validate/index.js';

/** What a run came to. */
export interface RunSummary {
  exitCode: ExitCode;
  counts: StatusCounts;
  paths: RunPaths;
  sent: number;
  stopReason?: string;
}

export type { ApiConnection } from '../pay/connection.js';
export type { Connect } from './options.js';

/** Runs `payout run` with options already parsed. Throws ExitError for usage and input errors. */
export async function run(options: RunOptions, deps: CommandDeps, connect: Connect): Promise<RunSummary> {
  checkOptions(options);
  const paths = resolvePaths(options.input, options);
  const scan: ScanOptions = {
    read: options.columns ? { columnNames: parseColumnsOption(options.columns) } : {},
    validate: { decimalComma: options.decimalComma },
    ...(options.scanParallel && { parallel: options.scanParallel }),
  };
  const owner = new OutputOwner({
    paths,
    command: options.dryRun ? 'dry-run' : 'run',
    baseUrl: options.baseUrl,
    sandbox: options.sandbox,
    secrets: options.apiKey ? [options.apiKey] : [],
    logger: deps.logger,
  });
  // A run killed while rewriting its output left temp files with payroll data in them: tidy up.
  await Promise.all([removeDeadTemps(paths.out), removeDeadTemps(paths.manifest)]);
  // The old output's hash, for the ownership check at the end, is taken while the run scans.
  owner.hashCurrentEarly();
  // The owner checks every output write and keeps the manifest beside it; at the end it records the exit code.
  return owner.around(() =>
    options.dryRun ? dryRun(options, paths, scan, deps, owner) : pay(options, paths, scan, deps, connect, owner),
  );
}

function checkOptions(options: RunOptions): void {
  const remote = !options.sandbox && !isLoopbackUrl(options.baseUrl);
  if (options.intervalMs < 12000 && remote) {
    throw new UsageError(
      `--interval ${options.intervalMs} is below the API's 12000 ms minimum; a shorter interval is only for a loopback --base-url or --sandbox`,
    );
  }
  if (options.marginMs < MIN_REMOTE_MARGIN_MS && remote) {
    throw new UsageError(
      `--margin ${options.marginMs} is below the ${MIN_REMOTE_MARGIN_MS} ms floor for an API beyond this machine: a request's bytes can take that long ` +
        `to reach it after they were written; a smaller margin is only for a loopback --base-url or --sandbox`,
    );
  }
  if (!options.dryRun && !options.sandbox && !options.apiKey) {
    throw new UsageError(
      'no API key: set CRYPTOCLOUD_API_KEY or give --api-key-file FILE (the key is never taken from the command line). A --dry-run needs no key',
    );
  }
}

async function dryRun(
  options: RunOptions,
  paths: RunPaths,
  scan: ScanOptions,
  deps: CommandDeps,
  owner: OutputOwner,
): Promise<RunSummary> {
  // It writes the same output as a real run: never while one is going on.
  const lock = acquireLock(paths.checkpoint);
  try {
    return await dryRunLocked(options, paths, scan, deps, owner);
  } finally {
    lock.release();
  }
}

async function dryRunLocked(
  options: RunOptions,
  paths: RunPaths,
  scan: ScanOptions,
  deps: CommandDeps,
  owner: OutputOwner,
): Promise<RunSummary> {
  // The payroll's worker reads ahead while the checkpoint and the history are read.
  const opened = openEarly(paths.input, scan);
  // If the payroll was already (partly) paid, show that instead of pretending every row is to do.
  const { state, facts } = await readyOrAbandon(opened, async () => {
    const loaded = await loadJournal(paths.checkpoint);
    const state = boundState(loaded?.state);
    return { state, facts: await PlanFacts.open(options, loaded?.state) };
  });
  let bindingRefused = false;
  const warnIfRefused = (check: () => void): void => {
    try {
      check();
    } catch (error) {
      bindingRefused = true;
      deps.logger.warn(`A real run would refuse this: ${(error as Error).message}.`);
    }
  };
  warnIfRefused(() => refuseIfBehind(facts, state, paths));
  const counts = emptyCounts();
  const summary = await writeResults(
    paths.input,
    paths.out,
    { ...scan, opened, ...(state && { expectSha256: state.header.input.sha256 }), commit: owner.committer(state) },
    resultsFrom(state, true),
    (scanned, result) => {
      counts[result.status] += 1;
      reportProblems(deps, scanned, options);
      facts.add(scanned, result.status === 'valid');
    },
  );
  printScan(deps, summary, paths);
  if (state) {
    deps.print(`A checkpoint exists (${paths.checkpoint}): rows it records are shown with their state.`);
    warnIfRefused(() =>
      checkBinding(state, readingOf(summary.header, options.decimalComma), checkpointApiOf(options), paths.checkpoint),
    );
  }
  const refused = reportDryRunChecks(options, deps, facts, summary, paths.out) || bindingRefused;
  deps.print(
    `A real run would send ${counts.valid} row(s), taking about ${formatDuration(estimateMs(counts.valid, options.intervalMs, options.marginMs))}.`,
  );
  deps.print(`Dry run: nothing was sent. Output: ${paths.out}`);
  deps.print(`Manifest: ${paths.manifest}`);
  facts.close();
  const done = finish(counts, paths, 0);
  // Caps, control totals, repeats and a checkpoint that would refuse a real run make the dry run exit 1.
  return refused && done.exitCode === EXIT.ok ? { ...done, exitCode: EXIT.someFailed } : done;
}

async function pay(
  options: RunOptions,
  paths: RunPaths,
  scan: ScanOptions,
  deps: CommandDeps,
  connect: Connect,
  owner: OutputOwner,
): Promise<RunSummary> {
  const lock = acquireLock(paths.checkpoint);
  let factsOpened: PlanFacts | undefined;
  try {
    // The payroll's worker reads ahead while the checkpoint (long, on a resume) and the history are read.
    const opened = openEarly(paths.input, scan);
    const identity = identityOf(paths.input);
    const { loaded, facts } = await readyOrAbandon(opened, async () => {
      const loaded = await loadJournal(paths.checkpoint);
      // The checkpoint's own requests in the outbox are its, even before it recorded an intent.
      const facts = await PlanFacts.open(options, loaded?.state, true);
      factsOpened = facts;
      refuseIfBehind(facts, loaded?.state, paths);
      return { loaded, facts };
    });
    let state: JournalState | undefined = boundState(loaded?.state);

    // Pass 1: validate everything, and refresh the output from what the checkpoint knows.
    const toSend = new CurrencyTotals();
    // The rows pass 1 means to send, so pass 2 validates only those (a resume has few left).
    const sendList = new AscendingRows();
    const counts = emptyCounts();
    const summary = await writeResults(
      paths.input,
      paths.out,
      { ...scan, opened, ...(state && { expectSha256: state.header.input.sha256 }), commit: owner.committer(state) },
      resultsFrom(state, false),
      (scanned, result) => {
        const { row, verdict } = scanned;
        counts[result.status] += 1;
        reportProblems(deps, scanned, options);
        const willSend = verdict.ok && shouldSend(verdict, state?.rows.get(row.rowNumber), options.retryFailed);
        facts.add(scanned, willSend);
        if (verdict.ok && willSend) {
          sendList.push(row.rowNumber);
          toSend.add(verdict.payout.currencyCode, verdict.payout.amount);
        }
      },
    ).catch((error: unknown) => {
      throw state ? withUnsettledRows(error, state) : error;
    });
    if (!sameIdentity(identity, identityOf(paths.input))) throw changedError(paths.input);
    if (state) {
      checkBinding(state, readingOf(summary.header, options.decimalComma), checkpointApiOf(options), paths.checkpoint);
    }
    printScan(deps, summary, paths, false);
    const findings = facts.findings(summary, paths.out);
    // Invalid or repeated rows refuse the run before its plan is shown; the plan's own checks come with it.
    const refused = refusalAt(assemblePlan(findings, options), 'rows');
    if (refused) throw new InputError(refused);
    if (state) printResume(deps, counts, options);
    const { rowsToSend } = findings;
    if (rowsToSend === 0) {
      deps.print('Nothing to send.');
      return finish(counts, paths, 0);
    }

    // The plan, its checks (caps, history, balance) and the confirmation; then the journal is open.
    const ready = await preparePlan({
      options,
      deps,
      paths,
      loaded,
      summary,
      facts,
      findings,
      toSend,
      counts,
      connect: () => connect(options),
    });
    const { journal, connection, ledger } = ready;
    state = ready.state;
    const refresher = new OutputRefresher(async () => {
      const live = state;
      await writeResults(
        paths.input,
        paths.out,
        { ...scan, expectSha256: summary.sha256, commit: owner.committer(live) },
        resultsFrom(live, false),
      );
    }, deps.logger);
    let result;
    try {
      // An output that a full disk refused stops the run before its next send (checked once the refresh under way is over).
      const rows = checkedBeforeEach(
        rowsOf(paths.input, scan, sendList, state, options, summary.sha256, identity, summary.layout),
        () => refresher.check(),
      );
      result = await sendRows(rows, {
        // Again right before each intent, after the pacing wait: the file may change during it.
        beforeSend: () => {
          if (!sameIdentity(identity, identityOf(paths.input))) throw changedError(paths.input);
        },
        journal: journal.writer,
        state,
        // From this checkpoint's last request; each turn also waits for any later one in the outbox.
        pacer: new Pacer({ intervalMs: options.intervalMs, marginMs: options.marginMs }, state.lastRequest),
        ...(ledger && { ledger }),
        allowRepeat: options.allowRepeat ?? false,
        sender: connection.sender,
        logger: deps.logger,
        stop: deps.stop,
        intervalMs: options.intervalMs,
        marginMs: options.marginMs,
        total: rowsToSend,
        progress: deps.progress,
        onChange: () => refresher.request(),
      });
    } catch (error) {
      throw afterSending(error, paths.input);
    } finally {
      journal.writer.close();
      ledger?.close();
      await connection.close();
      await refresher.settle();
    }

    // The final output, from the journal's last word.
    const final = await writeFinalOutput(
      paths,
      { ...scan, expectSha256: summary.sha256, commit: owner.committer(state) },
      state,
    ).catch((error: unknown) => {
      throw afterSending(error, paths.input);
    });
    if (result.stopReason === 'interrupted') deps.logger.info('Stopped as asked; the request in flight was recorded.');
    else if (result.stopReason) deps.logger.error(`Stopped: ${result.stopReason}.`);
    printFinal(deps, final.tally, paths, options);
    return finish(final.tally.counts, paths, result.sent, result.stopReason);
  } finally {
    factsOpened?.close();
    lock.release();
  }
}

/**
 * A checkpoint that holds less than this machine sent with it (a restored backup, a copy, a disk
 * that lied about fsync) is refused: sending from it could pay a row twice.
 */
function refuseIfBehind(facts: PlanFacts, state: JournalState | undefined, paths: RunPaths): void {
  const damage = facts.ledger?.damage();
  if (damage) throw new InputError(damage);
  const rows = state && facts.ledger ? facts.ledger.behind(state) : [];
  if (rows.length === 0) return;
  const shown = rows.slice(0, 10).join(', ') + (rows.length > 10 ? ', …' : '');
  throw new InputError({
    problem:
      `the checkpoint ${paths.checkpoint} holds less than this machine sent with it: the outbox ${facts.ledger?.path ?? ''} records requests for ` +
      `row(s) ${shown} that the checkpoint does not. It was probably restored from a backup or copied`,
    remedy: `run payout recover ${paths.input}${paths.checkpoint === resolvePaths(paths.input).checkpoint ? '' : ` --checkpoint ${paths.checkpoint}`} to bring it up to date from the outbox, then run again`,
  });
}

/** Runs `prepare`; if it fails, the scan opened early for afterwards is released. */
async function readyOrAbandon<T>(opened: EarlyScan, prepare: () => Promise<T>): Promise<T> {
  try {
    return await prepare();
  } catch (error) {
    opened.abandon();
    throw error;
  }
}

/**
 * Once the run may have sent requests, no error may exit 2, which tells the operator that
 * nothing was sent: the error says that sending had started, and its exit code and closing
 * words follow (exit 3). A full disk also names the payroll in its next step.
 */
function afterSending(error: unknown, input: string): unknown {
  if (error instanceof DiskError) return error.afterSending(input);
  return error instanceof ExitError ? error.afterSending() : error;
}

/**
 * A changed input whose checkpoint still has unknown rows: those rows may be paid, so the
 * operator must settle them (with the original file) before paying the new one in any way.
 */
function withUnsettledRows(error: unknown, state: JournalState): unknown {
  if (!(error instanceof InputChangedError)) return error;
  const unknown = [...state.rows.entries()].filter(([, record]) => record.status === 'unknown').map(([row]) => row);
  if (unknown.length === 0) return error;
  const shown = unknown.slice(0, 10).join(', ') + (unknown.length > 10 ? ', …' : '');
  return new InputError(
    `${error.message}. Careful: its checkpoint has ${unknown.length} unknown row(s) (${shown}) that may already be paid; ` +
      'put back the original file, check them in the dashboard and settle them with payout resolve before paying this file in any way',
    { cause: error },
  );
}

function finish(counts: StatusCounts, paths: RunPaths, sent: number, stopReason?: string): RunSummary {
  return { exitCode: exitCodeOf(counts), counts, paths, sent, ...(stopReason && { stopReason }) };
}

/**
 * The rows to pay, read again lazily from the file (pass 2). Only the rows pass 1 chose
 * (`chosen`) can be sent, so only they are validated again, from the bytes read now; the others
 * are only parsed and hashed. The file must still be the one pass 1 hashed: its identity is
 * checked before each send, its SHA-256 at the end, and the journal's binding on every resume.
 */
async function* rowsOf(
  inputPath: string,
  scan: ScanOptions,
  chosen: AscendingRows,
  state: JournalState,
  options: RunOptions,
  sha256: string,
  identity: FileIdentity,
  layout: SegmentLayout | undefined,
): AsyncGenerator<RowToSend> {
  await prepareValidation();
  // After a two-thread pass 1, only the segments holding a row to send are parsed again.
  const payroll = layout
    ? await openChosenRows(
        inputPath,
        scan,
        layout,
        (first, last) => chosen.anyBetween(first, last),
        () => changedDuringRun(inputPath),
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
      if (verdict.ok && shouldSend(verdict, state.rows.get(row.rowNumber), options.retryFailed)) {
        // Checked after the row was read and before it is paid: a row from a changed file is never sent.
        if (!sameIdentity(identity, identityOf(inputPath))) throw changedError(inputPath);
        yield { rowNumber: row.rowNumber, payout: verdict.payout };
      }
    }
  }
  if (payroll.digest().sha256 !== sha256) throw changedDuringRun(inputPath);
}

/** The rows of `rows`, each handed on only after `check` passed (it throws to stop the run). */
async function* checkedBeforeEach<T>(rows: AsyncIterable<T>, check: () => Promise<void>): AsyncGenerator<T> {
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

function changedError(inputPath: string): ExitError {
  return new ExitError(
    {
      problem: `${inputPath} changed while the run was reading it; stopped before sending anything from the changed file`,
      remedy: 'put back the original to carry on',
    },
    'changed',
  );
}

/**
 * The checkpoint's state when it binds the input: once it recorded an intent. One that never did
 * (the run was refused at the plan, after the balance query) binds nothing: a changed input
 * replaces it (plan.ts), keeping only its request timing.
 */
function boundState(state: JournalState | undefined): JournalState | undefined {
  return state && state.rows.size > 0 ? state : undefined;
}

/** Lists each invalid or repeated row as it is found (every one, at once, before anything is sent). */
function reportProblems(deps: CommandDeps, { row, verdict, duplicateOf }: ScannedRow, options: RunOptions): void {
  if (!verdict.ok) {
    for (const p of verdict.problems)
      deps.logger.warn(`row ${row.rowNumber}, ${describeProblem(p)}`, { row: row.rowNumber });
  } else if (duplicateOf !== undefined) {
    const { amount, currencyCode, toAddress } = verdict.payout;
    const consequence = options.allowDuplicates
      ? 'both are paid (--allow-duplicates)'
      : 'a real run refuses this unless --allow-duplicates';
    deps.logger.warn(
      `row ${row.rowNumber} repeats row ${duplicateOf}: ${amount} ${currencyCode} to ${shortAddress(toAddress)}; ${consequence}`,
      { row: row.rowNumber },
    );
  }
}

/** The scan's verdict; with the totals in a dry run (a real run shows the totals to pay in its plan). */
function printScan(deps: CommandDeps, summary: ScanSummary, paths: RunPaths, withTotals = true): void {
  const repeats = summary.duplicates > 0 ? `, ${summary.duplicates} repeating an earlier row` : '';
  deps.print(
    `${basename(paths.input)}: ${summary.rows} row(s), ${summary.valid} valid, ${summary.invalid} invalid${repeats}.`,
  );
  if (withTotals && summary.totals.size > 0) {
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
