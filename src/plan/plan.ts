/**
 * The plan before money moves: what a run will pay and every check on it, shown to the operator
 * before the confirmation; the verdict itself is assemblePlan's. Local checks first (caps, control totals, the history of earlier
 * payrolls): a breach refuses the run before any request. Then the checkpoint is opened (it
 * records the balance query's timing, so the gap holds across a restart too), the balances are
 * read at the API's pace, and a currency the wallet cannot cover refuses the run.
 *
 * Stage plan/: may import output, ledger, scan, journal, csv, validate, api, schedule, sandbox,
 * core (.dependency-cruiser.cjs).
 */
import { basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ExitError, InputError, UsageError } from '../core/errors.js';
import {
  checkpointIdOf,
  JOURNAL_VERSION,
  type JournalEntry,
  type JournalHeader,
  type RequestEntry,
} from '../journal/entries.js';
import type { ApiLedger } from '../ledger/ledger.js';
import { JournalWriter, type LoadedJournal } from '../journal/file.js';
import { applyEntry, emptyState, type JournalState, type LastRequest } from '../journal/replay.js';
import { recordableUrl } from '../output/manifest.js';
import { assemblePlan, refusalAt, type PlanFindings } from './assemble.js';
import { checkBalance, type BalanceCheck } from './balance-check.js';
import { checkpointApiOf, type PlanFacts } from './facts.js';
import { estimateMs, formatDuration, formatTotals } from '../output/format.js';
import { readingOf } from './reading.js';
import type { PlanConnection, PlanDeps, PlanOptions } from './plan-options.js';
import type { RunPaths } from '../output/paths.js';
import type { StatusCounts } from '../output/rules.js';
import { mismatchWords, type ScanSummary } from '../scan/scan.js';
import type { CurrencyTotals } from '../output/totals.js';

/** What the plan phase needs from the run. */
export interface PlanInput<C extends PlanConnection = PlanConnection> {
  options: PlanOptions;
  deps: PlanDeps;
  paths: RunPaths;
  loaded: LoadedJournal | undefined;
  summary: ScanSummary;
  facts: PlanFacts;
  /** What the pass over the rows found, and the totals per currency of the rows to send. */
  findings: PlanFindings;
  toSend: CurrencyTotals;
  /** The rows' states after pass 1 (what the checkpoint already settled). */
  counts: StatusCounts;
  /** Opens the way to the API, once every check before it has passed. */
  connect: () => Promise<C>;
}

/** Everything the send loop needs, once the operator has confirmed. */
export interface ReadyToPay<C extends PlanConnection = PlanConnection> {
  journal: { writer: JournalWriter; header: JournalHeader };
  state: JournalState;
  connection: C;
  /** The machine's outbox for this API, bound to this checkpoint; undefined for --sandbox. */
  ledger: ApiLedger | undefined;
}

/**
 * Shows the plan, runs every check and asks for confirmation. Throws an ExitError (exit 2,
 * nothing sent) when a check refuses the run or the operator does not confirm; then the
 * checkpoint and the connection are closed again.
 */
export async function preparePlan<C extends PlanConnection>(input: PlanInput<C>): Promise<ReadyToPay<C>> {
  const { options, deps } = input;
  const refused = refusalAt(assemblePlan(input.findings, options), 'checks');
  if (refused) {
    printPlan(input, { kind: 'skipped', why: 'not asked, since the run is refused' });
    throw new ExitError(refused, 'refused');
  }
  if (!options.yes && !deps.ask) {
    throw new UsageError(
      'refusing to pay without confirmation: standard input is not a terminal. Add --yes to confirm in advance',
    );
  }
  const { ledger } = input.facts;
  let journal: JournalWriter | undefined;
  let connection: C | undefined;
  try {
    const opened = openJournal(input);
    journal = opened.writer;
    ledger?.bind({ ckpt: checkpointIdOf(opened.state.header), input: basename(input.paths.input) });
    connection = await input.connect();
    const balance = await checkBalance(connection.balances, input, journal, opened.state, ledger);
    printPlan(input, balance);
    const lines = balance.kind === 'checked' ? balance.lines : [];
    const short = refusalAt(assemblePlan(input.findings, options, lines), 'balance');
    if (short) throw new ExitError(short, 'refused');
    await askToConfirm(options, deps, input.findings.rowsToSend);
    return { journal: { writer: journal, header: opened.state.header }, state: opened.state, connection, ledger };
  } catch (error) {
    journal?.close();
    ledger?.close();
    await connection?.close();
    throw error;
  }
}

/**
 * Opens the checkpoint for the run: the one being resumed, a new one, or in place of one that
 * never recorded an intent but was made from another version of the input (nothing was ever
 * sent with it, so nothing binds it; its request timing is carried over for the gap).
 */
function openJournal({ paths, loaded, summary, deps, options }: PlanInput): {
  writer: JournalWriter;
  state: JournalState;
} {
  const old = loaded?.state;
  const reading = readingOf(summary.header, options.decimalComma);
  const api = checkpointApiOf(options);
  // A checkpoint with intents was checked by pass 1 (its bytes, its reading, its API); one without binds nothing.
  const differs =
    old && (old.rows.size === 0 || old.header.input.sha256 !== summary.sha256)
      ? unboundDifference(old, summary.sha256, reading, api)
      : undefined;
  if (loaded && old && !differs) return { writer: JournalWriter.reopen(paths.checkpoint, loaded), state: old };
  const header: JournalHeader = {
    type: 'header',
    version: JOURNAL_VERSION,
    input: { sha256: summary.sha256, bytes: summary.bytes, name: basename(paths.input) },
    createdAt: new Date().toISOString(),
    id: randomBytes(12).toString('hex'),
    reading,
    api,
  };
  if (!old)
    return { writer: JournalWriter.create(paths.checkpoint, header, loaded !== undefined), state: emptyState(header) };
  // Pass 1 refuses a changed input, reading or API once the checkpoint recorded an intent; this is a second guard.
  if (old.rows.size > 0) throw new InputError(mismatchWords(paths.input));
  const carried: JournalEntry[] = old.lastRequest ? [requestEntryOf(old.lastRequest)] : [];
  deps.print(
    `The checkpoint ${paths.checkpoint} was made ${differs ?? ''} and nothing was ever sent with it: replaced.`,
  );
  const state = emptyState(header);
  carried.forEach((entry) => applyEntry(state, entry, 0));
  return { writer: JournalWriter.replace(paths.checkpoint, header, carried), state };
}

/**
 * How a checkpoint differs from this run's input, reading or API, worded for the operator; undefined
 * when it is this run's own. Only asked where the checkpoint may be replaced: one that recorded an
 * intent is never replaced (pass 1 refuses the run first).
 */
function unboundDifference(
  old: JournalState,
  sha256: string,
  reading: ReturnType<typeof readingOf>,
  api: string,
): string | undefined {
  const { header } = old;
  if (header.input.sha256 !== sha256) return 'from another version of this file';
  if (header.reading && JSON.stringify(header.reading) !== JSON.stringify(reading))
    return 'reading the file otherwise (--columns, --decimal-comma)';
  if (header.api && header.api !== api) return `for another API (${header.api})`;
  return undefined;
}

function requestEntryOf(last: LastRequest): RequestEntry {
  return {
    type: 'request',
    what: 'balance',
    at: last.intentAt,
    ...(last.startedAt !== undefined && { startedAt: last.startedAt }),
    ...(last.endedAt !== undefined && { endedAt: last.endedAt }),
    ...(last.mono && { boot: last.mono.boot, atMono: last.mono.intentAt }),
    ...(last.mono?.startedAt !== undefined && { startedMono: last.mono.startedAt }),
    ...(last.mono?.endedAt !== undefined && { endedMono: last.mono.endedAt }),
  };
}

/** The plan: rows, recipients, totals, what is left out, caps, history, balances, time. */
function printPlan(input: PlanInput, balance: BalanceCheck): void {
  const { options, deps, summary, counts } = input;
  const { rowsToSend, duplicatesToSend } = input.findings;
  deps.print('');
  // Never the URL as typed: a key pasted into it must not reach the screen.
  const through = options.sandbox
    ? 'the in-process sandbox'
    : recordableUrl(options.baseUrl, options.apiKey ? [options.apiKey] : []);
  deps.print(
    `About to pay ${rowsToSend} row(s) to ${input.facts.distinctRecipients} distinct recipient(s) through ${through}:`,
  );
  for (const line of formatTotals(input.toSend)) deps.print(line);
  const leftOut = [
    summary.invalid > 0 && `${summary.invalid} invalid (--skip-invalid)`,
    counts.paid > 0 && `${counts.paid} already paid`,
    counts.unknown > 0 && `${counts.unknown} unknown (settle them with payout resolve)`,
    counts.failed > 0 && `${counts.failed} failed (sent again only with --retry-failed)`,
  ].filter((part): part is string => typeof part === 'string');
  if (leftOut.length > 0) deps.print(`Left out: ${leftOut.join(', ')}.`);
  if (duplicatesToSend > 0)
    deps.print(`${duplicatesToSend} row(s) repeat an earlier row: paid anyway (--allow-duplicates).`);
  for (const line of input.facts.checkLines(summary)) deps.print(line);
  if (balance.kind === 'checked') {
    deps.print('Balance:');
    const width = Math.max(0, ...balance.lines.map((line) => line.currency.length));
    for (const { currency, toPay, available, short } of balance.lines) {
      const figures =
        available === undefined
          ? 'balance not listed: not checked'
          : `${available} available${short ? ' (NOT ENOUGH)' : ''}`;
      deps.print(`  ${currency.padEnd(width)}  ${toPay} to pay, ${figures}`);
    }
  } else {
    deps.print(`Balance: ${balance.why}.`);
  }
  // After a balance query the first payout waits one interval more.
  const requests = rowsToSend + (balance.kind === 'skipped' ? 0 : 1);
  deps.print(
    `At one request every ${options.intervalMs / 1000}s this takes about ${formatDuration(estimateMs(requests, options.intervalMs, options.marginMs))}.`,
  );
}

async function askToConfirm(options: PlanOptions, deps: PlanDeps, rows: number): Promise<void> {
  if (options.yes) return;
  if (!deps.ask) {
    throw new UsageError(
      'refusing to pay without confirmation: standard input is not a terminal. Add --yes to confirm in advance',
    );
  }
  const answer = (await deps.ask(`Type "yes" to pay ${rows} row(s): `)).trim().toLowerCase();
  if (answer !== 'yes') throw new ExitError({ problem: 'not confirmed' }, 'refused');
}

/**
 * A dry run's report of the checks a real run would make before sending (no balance: a dry run
 * needs no key). Returns true when the plan refuses a real run (the dry run then exits 1): the same
 * verdict a real run reaches, from the same function.
 */
export function reportDryRunChecks(
  options: PlanOptions,
  deps: PlanDeps,
  facts: PlanFacts,
  summary: ScanSummary,
  output: string,
): boolean {
  for (const line of facts.checkLines(summary)) deps.print(line);
  const plan = assemblePlan(facts.findings(summary, output), options);
  // Invalid rows were listed one by one, and the history's repeats are in the lines above.
  for (const refusal of plan.refusals) {
    if (refusal.rule === 'caps' || refusal.rule === 'duplicates')
      deps.logger.warn(`A real run would refuse this: ${refusal.text}.`);
  }
  return plan.refusals.length > 0;
}
