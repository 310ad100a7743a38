/**
 * The balance check before a run pays: the query at the API's pace (journaled before it leaves
 * and once over, so the gap after it holds across a restart too), and each currency's balance
 * against what the run pays.
 *
 * Stage plan/: may import output, ledger, scan, journal, csv, validate, api, schedule, sandbox,
 * core (.dependency-cruiser.cjs).
 */
import type { BalanceReader } from '../api/client.js';
import { findCurrency } from '../core/currencies.js';
import { ExitError } from '../core/errors.js';
import { fromMinorUnits, parseDecimal, toMinorUnits } from '../core/money.js';
import type { RequestEntry } from '../journal/entries.js';
import type { JournalWriter } from '../journal/file.js';
import { applyEntry, type JournalState, type LastRequest } from '../journal/replay.js';
import type { ApiLedger } from '../ledger/ledger.js';
import { formatDuration } from '../output/format.js';
import type { CurrencyTotals } from '../output/totals.js';
import { monoOfCall, recordedMs, systemClock } from '../schedule/clock.js';
import { Pacer } from '../schedule/pacer.js';
import type { BalanceLine } from './assemble.js';
import type { PlanDeps, PlanOptions } from './plan-options.js';

/** What the balance check came to. */
export type BalanceCheck = { kind: 'skipped' | 'unavailable'; why: string } | { kind: 'checked'; lines: BalanceLine[] };

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
export async function checkBalance(
  reader: BalanceReader | undefined,
  input: { options: PlanOptions; deps: PlanDeps; toSend: CurrencyTotals },
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
