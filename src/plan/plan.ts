/**
 * The plan before money moves: what a run will pay and every check on it, shown to the operator
 * before the confirmation. Local checks first (caps, control totals, the history of earlier
 * payrolls): a breach refuses the run before any request. Then the checkpoint is opened (it
 * records the balance query's timing, so the gap holds across a restart too), the balances are
 * read at the API's pace, and a currency the wallet cannot cover refuses the run.
 *
 * Stage plan/: may import output, ledger, scan, journal, csv, validate, api, schedule, sandbox,
 * core (.dependency-cruiser.cjs).
 */
import { basename } from 'node:path';
import type { BalanceReader } from '../api/client.js';
import { findCurrency } from '../core/currencies.js';
import { ExitError, InputError, UsageError } from '../core/errors.js';
import { fromMinorUnits, parseDecimal, toMinorUnits } from '../core/money.js';
import { randomBytes } from 'node:crypto';
import { apiIdentity } from '../api/identity.js';
import {
  checkpointIdOf,
  JOURNAL_VERSION,
  type JournalEntry,
  type JournalHeader,
  type RequestEntry,
} from '../journal/entries.js';
import { ApiLedger, REPEAT_WINDOW_DAYS, type SentPayment } from '../ledger/ledger.js';
import { JournalWriter, type LoadedJournal } from '../journal/file.js';
import { applyEntry, emptyState, type JournalState, type LastRequest } from '../journal/replay.js';
import { monoOfCall, recordedMs, systemClock } from '../schedule/clock.js';
import { Pacer } from '../schedule/pacer.js';
import { DuplicateFinder } from '../validate/duplicates.js';
import { recordableUrl } from '../output/manifest.js';
import { CapsCheck, describeCaps, hasCaps } from './caps.js';
import {
  assemblePlan,
  describeRepeats,
  refusalAt,
  type BalanceLine,
  type PlanFindings,
  type RepeatGroup,
} from './assemble.js';
import { estimateMs, formatDuration, formatTotals } from '../output/format.js';
import { defaultHistoryDir } from '../ledger/history-dir.js';
import { readingOf } from './reading.js';
import type { PlanConnection, PlanDeps, PlanOptions } from './plan-options.js';
import type { RunPaths } from '../output/paths.js';
import type { StatusCounts } from '../output/rules.js';
import { mismatchWords, type ScannedRow, type ScanSummary } from '../scan/scan.js';
import type { CurrencyTotals } from '../output/totals.js';

/** Where the history is: `--history-dir`, else the user's state directory. */
export function historyDirOf(options: PlanOptions): string {
  return options.historyDir ?? defaultHistoryDir(process.env);
}

/** Row numbers named per group in a message. */
const ROWS_SHOWN = 5;

/**
 * What the plan learns from the pass over the rows: caps row by row, distinct recipients and
 * repeats of payments this machine already sent (the outbox) among the rows to pay.
 */
export class PlanFacts {
  private readonly caps: CapsCheck;
  private readonly recipients = new DuplicateFinder();
  private readonly groups = new Map<string, RepeatGroup>();
  private sending = 0;
  private duplicatesSending = 0;

  private constructor(
    private readonly options: PlanOptions,
    /** Undefined for a --sandbox run: its payments are never recorded, so none can repeat. */
    readonly ledger: ApiLedger | undefined,
  ) {
    this.caps = new CapsCheck(options.caps ?? {});
  }

  /**
   * Reads the machine's outbox for this API unless it is a --sandbox run; `writable` for a run
   * that may pay (it appends there). `own` is the checkpoint being resumed: its requests are its own, not repeats.
   */
  static async open(options: PlanOptions, own: JournalState | undefined, writable = false): Promise<PlanFacts> {
    const ledger = options.sandbox
      ? undefined
      : ApiLedger.open(historyDirOf(options), apiOf(options), own && checkpointIdOf(own.header), writable);
    return new PlanFacts(options, ledger);
  }

  /** Looks at one scanned row; `willSend` when this run means to pay it. */
  add({ row, verdict, duplicateOf }: ScannedRow, willSend: boolean): void {
    if (!verdict.ok) return;
    this.caps.observe(verdict.payout, row.rowNumber);
    if (!willSend) return;
    this.sending += 1;
    if (duplicateOf !== undefined) this.duplicatesSending += 1;
    // Only the plan of a real run shows them: a dry run skips a table of every recipient.
    if (!this.options.dryRun) this.recipients.checkRecipient(verdict.payout, 1);
    if (!this.ledger || this.ledger.payments.empty) return;
    const earlier = this.ledger.repeatOf(verdict.payout);
    if (earlier) this.match(row.rowNumber, earlier);
  }

  /** Closes the outbox. */
  close(): void {
    this.ledger?.close();
  }

  /** Distinct currency and address pairs among the rows to pay (not counted in a dry run). */
  get distinctRecipients(): number {
    return this.recipients.size;
  }

  /** What the plan judges, once every row was seen; `output` is where the invalid rows are listed. */
  findings(summary: ScanSummary, output: string): PlanFindings {
    return {
      rowsToSend: this.sending,
      invalid: summary.invalid,
      output,
      duplicatesToSend: this.duplicatesSending,
      capProblems: this.capProblems(summary),
      repeats: this.repeats(),
    };
  }

  /** Breaches of the caps and control totals, against the file's valid rows. */
  capProblems(summary: ScanSummary): string[] {
    return this.caps.problems(summary.valid, summary.totals);
  }

  /** Rows to pay that repeat payments of the last 45 days, grouped by day and file, oldest first. */
  repeats(): RepeatGroup[] {
    return [...this.groups.values()].sort((a, b) => a.date.localeCompare(b.date) || a.input.localeCompare(b.input));
  }

  /** The lines about caps and history, as the plan and the dry run show them. */
  checkLines(summary: ScanSummary): string[] {
    const caps = this.options.caps ?? {};
    const problems = this.capProblems(summary);
    const lines = [
      hasCaps(caps)
        ? `Caps and control totals: ${describeCaps(caps).join(', ')}: ${problems.length === 0 ? 'all hold' : `${problems.length} breach(es)`}.`
        : 'Caps and control totals: none given.',
    ];
    const { ledger } = this;
    if (!ledger) {
      lines.push('History: not consulted (sandbox payments are not recorded).');
      return lines;
    }
    const unreadable = ledger.unreadable > 0 ? ` (${ledger.unreadable} unreadable line(s) skipped)` : '';
    const repeats = this.repeats();
    if (repeats.length === 0) {
      lines.push(
        `History: no row repeats a payment of the last ${REPEAT_WINDOW_DAYS} days through this API (${ledger.path}${unreadable}).`,
      );
    } else {
      const consequence = this.options.allowRepeat
        ? 'paid anyway (--allow-repeat)'
        : 'a real run refuses them unless --allow-repeat';
      lines.push(`History (${ledger.path}${unreadable}): ${describeRepeats(repeats)}; ${consequence}.`);
    }
    return lines;
  }

  private match(rowNumber: number, earlier: SentPayment): void {
    const date = new Date(earlier.at).toISOString().slice(0, 10);
    const key = `${date}\u0000${earlier.input}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { date, input: earlier.input, rows: 0, shown: [], first: { row: rowNumber, earlier } };
      this.groups.set(key, group);
    }
    group.rows += 1;
    if (group.shown.length < ROWS_SHOWN) group.shown.push(rowNumber);
  }
}

/** The API's identity as every record names it. */
export function apiOf(options: Pick<PlanOptions, 'baseUrl' | 'apiKey'>): string {
  return apiIdentity(options.baseUrl, options.apiKey ? [options.apiKey] : []);
}

/** What the balance check came to. */
export type BalanceCheck = { kind: 'skipped' | 'unavailable'; why: string } | { kind: 'checked'; lines: BalanceLine[] };

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

/** The API a checkpoint records: "sandbox" for the in-process emulator, else the API's identity. */
export function checkpointApiOf(options: Pick<PlanOptions, 'baseUrl' | 'apiKey' | 'sandbox'>): string {
  return options.sandbox ? 'sandbox' : apiOf(options);
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

/** The times a request entry records, as the outbox and the pacer take them. */
function timesOf(entry: RequestEntry): LastRequest {
  return {
    intentAt: entry.at,
    ...(entry.startedAt !== undefined && { startedAt: entry.startedAt }),
    ...(entry.endedAt !== undefined && { endedAt: entry.endedAt }),
    ...(entry.boot !== undefined &&
      entry.atMono !== undefined && {
        mono: {
          boot: entry.boot,
          intentAt: entry.atMono,
          ...(entry.startedMono !== undefined && { startedAt: entry.startedMono }),
          ...(entry.endedMono !== undefined && { endedAt: entry.endedMono }),
        },
      }),
  };
}

/**
 * Asks the API for the balances at its pace (the same gap rule as payouts, from the checkpoint's
 * last request) and compares them with what this run pays. The request is journaled before it
 * leaves and again once over, so the first payout (and a restarted run) keeps the gap after it.
 * An answer that is missing or unclear is a warning: the run goes on.
 */
async function checkBalance(
  reader: BalanceReader | undefined,
  input: PlanInput,
  journal: JournalWriter,
  state: JournalState,
  ledger: ApiLedger | undefined,
): Promise<BalanceCheck> {
  const { options, deps } = input;
  if (options.balanceCheck === false) return { kind: 'skipped', why: 'not checked (--no-balance-check)' };
  if (!reader) return { kind: 'skipped', why: 'not checked (this connection cannot read balances)' };
  const pacer = new Pacer({ intervalMs: options.intervalMs, marginMs: options.marginMs }, state.lastRequest);
  const last = ledger?.lastRequest();
  if (last) pacer.observe(last);
  let said = false;
  const sayWait = (ms: number, why: string): void => {
    if (said || ms < 1000) return;
    said = true;
    deps.print(`Waiting ${formatDuration(ms)} for ${why} before reading the balances…`);
  };
  const first = pacer.nextStart();
  sayWait(first.at - pacer.now(), first.why);
  let turn;
  try {
    // Said once: up front for the pace; or when the outbox, read anew, asks for a longer wait.
    const onPaceWait = (wait: { ms: number; why: string }): void => sayWait(wait.ms, wait.why);
    turn = ledger
      ? await ledger.takeTurn(pacer, deps.stop, (why) => deps.print(`${why}…`), onPaceWait)
      : await pacer.waitTurn(deps.stop, onPaceWait);
  } catch (error) {
    if (deps.stop.aborted) throw new ExitError('interrupted before anything was sent', 'refused');
    throw error;
  }
  let attempt;
  try {
    const record = (entry: RequestEntry): void => {
      journal.append(entry);
      applyEntry(state, entry, 0);
      turn?.request(timesOf(entry));
    };
    const intent = systemClock.now();
    const at = intent.wallMs;
    const intentMono = { boot: intent.boot, atMono: recordedMs(intent.monoMs) };
    record({ type: 'request', what: 'balance', at, ...intentMono });
    // The turn comes a few ms early, for the fsyncs above: the rest of the gap is waited now.
    await pacer.waitTurn();
    const before = systemClock.now();
    attempt = await reader.fetchBalances();
    // A query not seen leaving has only its end to bound its arrival.
    const startedAt = attempt.startedAt ?? attempt.endedAt;
    // The client reports wall times: put on the monotonic clock, as the pacer measures the gap.
    const mono = monoOfCall({ startedAt }, before, systemClock.now());
    record({
      type: 'request',
      what: 'balance',
      at,
      startedAt,
      endedAt: attempt.endedAt,
      ...intentMono,
      startedMono: recordedMs(mono.startedAt),
      endedMono: recordedMs(mono.endedAt),
    });
  } finally {
    turn?.release();
  }
  const { answer } = attempt;
  if (!answer.ok) {
    deps.logger.warn(`The balances could not be read: ${answer.reason}. Going on without the balance check.`);
    return { kind: 'unavailable', why: `not checked: ${answer.reason}` };
  }
  const lines = input.toSend.entries().map(({ currency, total }) => {
    const decimals = findCurrency(currency)?.decimals ?? 0;
    const available = answer.available.get(currency);
    const toPayMinor = toMinorUnits(parseDecimal(total) ?? { integer: '0', fraction: '' }, decimals);
    return {
      currency,
      toPay: total,
      ...(available !== undefined && { available: signedDecimal(available, decimals) }),
      short: available !== undefined && toPayMinor > available,
    };
  });
  const unlisted = lines.filter((line) => line.available === undefined).map((line) => line.currency);
  if (unlisted.length > 0)
    deps.logger.warn(`The balance answer gives no clear balance for ${unlisted.join(', ')}; not checked.`);
  return { kind: 'checked', lines };
}

function signedDecimal(minor: bigint, decimals: number): string {
  return minor < 0n ? `-${fromMinorUnits(-minor, decimals)}` : fromMinorUnits(minor, decimals);
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
