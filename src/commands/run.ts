/**
 * `payout run`: validate the payroll, then (unless a dry run) pay it, resuming from its checkpoint.
 *
 * Stage commands/: may import pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { adviceOf, DiskError, EXIT, ExitError, InputError, UsageError, type ExitCode } from '../core/errors.js';
import { parseColumnsOption } from '../csv/read.js';
import { removeDeadTemps } from '../csv/write.js';
import { loadJournal } from '../journal/file.js';
import { acquireLock } from '../journal/lock.js';
import type { JournalState } from '../journal/replay.js';
import { Pacer } from '../schedule/pacer.js';
import { preparePlan, reportDryRunChecks } from '../plan/plan.js';
import { checkpointApiOf, PlanFacts } from '../plan/facts.js';
import { assemblePlan, refusalAt } from '../plan/assemble.js';
import { refuseIfBehind, withUnsettledRows } from '../plan/checkpoint-guards.js';
import { checkBinding, readingOf } from '../plan/reading.js';
import { estimateMs, formatDuration } from '../output/format.js';
import { resolvePaths, type RunPaths } from '../output/paths.js';
import { emptyCounts, exitCodeOf, resultsFrom, shouldSend, type StatusCounts } from '../output/rules.js';
import { printResume, printScan, reportProblems } from '../output/run-report.js';
import { OutputRefresher } from '../output/refresh.js';
import { CurrencyTotals } from '../output/totals.js';
import { OutputOwner } from '../output/output-owner.js';
import { openEarly, writeResults, type EarlyScan, type ScanOptions } from '../scan/scan.js';
import { identityOf, sameIdentity } from '../scan/input-identity.js';
import { AscendingRows } from '../scan/row-list.js';
import { sendRows } from '../pay/send-loop.js';
import { checkedBeforeEach, inputChanged, rowsToPay } from '../pay/rows-to-pay.js';
import { isLoopbackUrl, MIN_REMOTE_MARGIN_MS, type CommandDeps, type Connect, type RunOptions } from './options.js';
import { printFinal, writeFinalOutput } from './run-end.js';

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
  const { loaded, state, facts } = await readyOrAbandon(opened, async () => {
    const loaded = await loadJournal(paths.checkpoint);
    const state = boundState(loaded?.state);
    return { loaded, state, facts: await PlanFacts.open(options, loaded?.state) };
  });
  let bindingRefused = false;
  const warnIfRefused = (check: () => void): void => {
    try {
      check();
    } catch (error) {
      bindingRefused = true;
      if (!(error instanceof ExitError)) throw error;
      deps.logger.warn(`A real run would refuse this: ${adviceOf(error.words)}`);
    }
  };
  // Against the checkpoint as loaded, intents or not, as the real run checks it.
  warnIfRefused(() => refuseIfBehind(facts.ledger, loaded?.state, paths));
  const counts = emptyCounts();
  const summary = await writeResults(
    paths.input,
    paths.out,
    { ...scan, opened, ...(state && { expectSha256: state.header.input.sha256 }), commit: owner.committer(state) },
    resultsFrom(state, true),
    (scanned, result) => {
      counts[result.status] += 1;
      reportProblems(deps, scanned, options);
      // The rows a real run with these options would send (failed ones too with --retry-failed).
      const { verdict } = scanned;
      facts.add(
        scanned,
        verdict.ok && shouldSend(verdict, state?.rows.get(scanned.row.rowNumber), options.retryFailed),
      );
    },
  );
  printScan(deps, summary, paths.input);
  if (state) {
    deps.print(`A checkpoint exists (${paths.checkpoint}): rows it records are shown with their state.`);
    warnIfRefused(() =>
      checkBinding(state, readingOf(summary.header, options.decimalComma), checkpointApiOf(options), paths.checkpoint),
    );
  }
  const refused = reportDryRunChecks(options, deps, facts, summary, paths.out) || bindingRefused;
  deps.print(
    `A real run would send ${facts.rowsToSend} row(s), taking about ${formatDuration(estimateMs(facts.rowsToSend, options.intervalMs, options.marginMs))}.`,
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
      refuseIfBehind(facts.ledger, loaded?.state, paths);
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
    if (!sameIdentity(identity, identityOf(paths.input))) throw inputChanged(paths.input);
    if (state) {
      checkBinding(state, readingOf(summary.header, options.decimalComma), checkpointApiOf(options), paths.checkpoint);
    }
    printScan(deps, summary, paths.input, false);
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
        rowsToPay({
          inputPath: paths.input,
          scan,
          chosen: sendList,
          state,
          retryFailed: options.retryFailed,
          sha256: summary.sha256,
          identity,
          layout: summary.layout,
        }),
        () => refresher.check(),
      );
      result = await sendRows(rows, {
        // Again right before each intent, after the pacing wait: the file may change during it.
        beforeSend: () => {
          if (!sameIdentity(identity, identityOf(paths.input))) throw inputChanged(paths.input);
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

function finish(counts: StatusCounts, paths: RunPaths, sent: number, stopReason?: string): RunSummary {
  return { exitCode: exitCodeOf(counts), counts, paths, sent, ...(stopReason && { stopReason }) };
}

/**
 * The checkpoint's state when it binds the input: once it recorded an intent. One that never did
 * (the run was refused at the plan, after the balance query) binds nothing: a changed input
 * replaces it (plan.ts), keeping only its request timing.
 */
function boundState(state: JournalState | undefined): JournalState | undefined {
  return state && state.rows.size > 0 ? state : undefined;
}
