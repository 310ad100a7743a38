/**
 * Pays rows one by one: wait for the turn, journal the intent (fsync), send, journal the outcome,
 * then apply the step that outcome calls for (next-step.ts decides it).
 *
 * Stage pay/: may import plan, output, ledger, scan, journal, csv, validate, api, schedule,
 * sandbox, core (.dependency-cruiser.cjs).
 */
import PQueue from 'p-queue';
import { DiskError, type DiskNextStep } from '../core/errors.js';
import type { Outcome, ValidPayout } from '../core/types.js';
import type { JournalEntry, OutcomeEntry } from '../journal/entries.js';
import type { JournalWriter } from '../journal/file.js';
import { applyEntry, type JournalState } from '../journal/replay.js';
import type { ApiLedger, LedgerTurn } from '../ledger/ledger.js';
import { monoOfCall, recordedMs, systemClock, type Clock } from '../schedule/clock.js';
import type { Pacer, PaceWait } from '../schedule/pacer.js';
import type { Logger } from '../log.js';
import { estimateMs } from '../output/format.js';
import { nextStep, streaksForRow } from './next-step.js';
import { LineProgress, type ProgressReporter, type RowOutcome } from './progress.js';

/**
 * What sends one request; never throws. `startedAt` is when the request left (its headers were
 * written), absent when nothing was written or that could not be seen; `endedAt` when its outcome
 * was known.
 */
export interface WithdrawalSender {
  sendWithdrawal(payout: ValidPayout): Promise<{ outcome: Outcome; startedAt?: number; endedAt: number }>;
}

export interface SendLoopContext {
  journal: JournalWriter;
  state: JournalState;
  pacer: Pacer;
  sender: WithdrawalSender;
  logger: Logger;
  /** Aborted on SIGINT/SIGTERM: no new request starts; the one in flight is let finish. */
  stop: AbortSignal;
  intervalMs: number;
  marginMs: number;
  /** Rows this run means to send, for the progress line and the ETA. */
  total: number;
  /** Where each row's outcome is shown. @default one log line per row (LineProgress) */
  progress?: ProgressReporter;
  /**
   * The machine's outbox for this API: each request waits its turn there (the gap after any
   * process's last request, and the send lock), is checked against every payment this machine
   * sent, and is recorded there too. Undefined for --sandbox.
   */
  ledger?: ApiLedger;
  /** Pay rows that repeat a payment another checkpoint sent from this machine. @default false */
  allowRepeat?: boolean;
  /** Where the times of each request are read (the pacer's clock). @default the machine's clocks */
  clock?: Clock;
  /** Called after the pacing wait, right before a row's intent is written; throws to stop the run. */
  beforeSend?: () => void;
  /**
   * Called after each journal entry is on disk, the intent included (to refresh the output CSV:
   * after a crash mid-request, the row then already shows as unknown, not as not attempted).
   */
  onChange?: () => void;
}

export interface SendLoopResult {
  sent: number;
  /** Why the run stopped before the end, if it did. */
  stopReason?: string;
}

/** A row to pay. */
export interface RowToSend {
  rowNumber: number;
  payout: ValidPayout;
}

/** Sends every row of `rows` in order, until the end or a reason to stop. */
export async function sendRows(rows: AsyncIterable<RowToSend>, ctx: SendLoopContext): Promise<SendLoopResult> {
  // p-queue runs one row at a time. The gap is the Pacer's alone (between arrivals, across retries
  // and restarts, on the monotonic clock): p-queue's interval window reads the wall clock, so a
  // clock set back an hour would hold the next row for that hour.
  const queue = new PQueue({ concurrency: 1 });
  const run = { sent: 0, done: 0, unknownInARow: 0, stopReason: undefined as string | undefined };
  const progress = ctx.progress ?? new LineProgress(ctx.logger);
  const loop: LoopContext = { ...ctx, progress };
  progress.start(ctx.total, estimateMs(ctx.total, ctx.intervalMs, ctx.marginMs));
  try {
    for await (const row of rows) {
      if (run.stopReason || ctx.stop.aborted) break;
      progress.sending(row.rowNumber);
      // One at a time, awaited: rows are read lazily from the file, never queued up in memory.
      await queue.add(() => sendRow(row, loop, run));
    }
  } finally {
    progress.stop();
  }
  if (!run.stopReason && ctx.stop.aborted) run.stopReason = 'interrupted';
  return { sent: run.sent, ...(run.stopReason && { stopReason: run.stopReason }) };
}

type LoopContext = SendLoopContext & { progress: ProgressReporter };

interface RunProgress {
  sent: number;
  done: number;
  unknownInARow: number;
  stopReason: string | undefined;
}

async function sendRow(row: RowToSend, ctx: LoopContext, run: RunProgress): Promise<void> {
  let streaks = streaksForRow(run.unknownInARow);
  for (;;) {
    let turn: LedgerTurn | undefined;
    const onPaceWait = (wait: PaceWait): void => ctx.progress.waiting?.(row.rowNumber, wait);
    try {
      if (ctx.ledger)
        turn = await ctx.ledger.takeTurn(
          ctx.pacer,
          ctx.stop,
          (why) => ctx.logger.info(`row ${row.rowNumber}: ${why}`),
          onPaceWait,
        );
      else await ctx.pacer.waitTurn(ctx.stop, onPaceWait);
    } catch (error) {
      if (ctx.stop.aborted) return; // Interrupted while waiting: nothing was sent for this row.
      throw error;
    }
    let outcome: Outcome;
    try {
      ctx.beforeSend?.();
      const attempt = (ctx.state.rows.get(row.rowNumber)?.attempts ?? 0) + 1;
      // Checked under the send lock, against what every process of this machine sent up to now.
      const refusal = turn?.refusal(row.rowNumber, row.payout, attempt, ctx.allowRepeat ?? false);
      if (refusal) {
        run.stopReason = refusal;
        return;
      }
      ({ outcome } = await sendOnce(row, attempt, ctx, turn));
    } finally {
      turn?.release();
    }
    run.sent += 1;
    const next = nextStep(outcome, streaks, { rowNumber: row.rowNumber, intervalMs: ctx.intervalMs });
    streaks = next.streaks;
    run.unknownInARow = streaks.unknownInARow;
    const { step } = next;
    switch (step.kind) {
      case 'done':
        run.done += 1;
        reportRow(ctx, run, row, step.shown, step.detail);
        if (step.stop) run.stopReason = step.stop;
        return;
      case 'stop':
        run.stopReason = step.reason;
        return;
      case 'retry':
        if (step.delayMs !== undefined) ctx.pacer.delayNext(step.delayMs);
        ctx.logger.warn(step.warn);
        continue;
    }
  }
}

/**
 * One request: the intent is on disk before it leaves, in the checkpoint and then in the outbox
 * (a crash between the two leaves the row unknown in the checkpoint, and nothing sent); the
 * outcome right after it is known, in the same order.
 */
async function sendOnce(
  row: RowToSend,
  attempt: number,
  ctx: SendLoopContext,
  turn: LedgerTurn | undefined,
): Promise<{ outcome: Outcome }> {
  const clock = ctx.clock ?? systemClock;
  const intent = clock.now();
  record(ctx, {
    type: 'intent',
    row: row.rowNumber,
    attempt,
    at: intent.wallMs,
    currency_code: row.payout.currencyCode,
    to_address: row.payout.toAddress,
    amount: row.payout.amount,
    boot: intent.boot,
    atMono: recordedMs(intent.monoMs),
  });
  // Taken once the checkpoint's intent is durable: the allowance for a request whose outcome never
  // came is counted from here, so a slow fsync does not eat into it.
  const durable = clock.now();
  intentInOutboxOrTakeBack(ctx, row.rowNumber, () =>
    turn?.intent(row.rowNumber, attempt, durable.wallMs, row.payout, {
      boot: durable.boot,
      atMono: recordedMs(durable.monoMs),
    }),
  );
  // The turn came a few ms early so that the intent's fsyncs cost none of the gap: the rest is
  // waited now. Not stopped by a signal: the intent is on disk, so the request goes and is recorded.
  await ctx.pacer.waitTurn();
  ctx.onChange?.();
  const before = clock.now();
  const result = await ctx.sender.sendWithdrawal(row.payout);
  const after = clock.now();
  // A request not seen leaving has only its end to bound its arrival: it is recorded as starting then.
  const startedAt = result.startedAt ?? result.endedAt;
  // The client reports wall times; the pacer and the records take them on the monotonic clock.
  const mono = monoOfCall({ startedAt }, before, after);
  ctx.pacer.record(mono.startedAt, mono.endedAt);
  if (result.outcome.kind === 'rate_limited') ctx.pacer.backOffFromAnswer(mono.endedAt);
  const monoFields = { boot: after.boot, startedMono: recordedMs(mono.startedAt), endedMono: recordedMs(mono.endedAt) };
  recordOutcome(ctx, turn, {
    type: 'outcome',
    row: row.rowNumber,
    attempt,
    startedAt,
    endedAt: result.endedAt,
    outcome: result.outcome,
    ...monoFields,
  });
  ctx.onChange?.();
  return result;
}

/**
 * Applies an entry to the in-memory state, then appends it to the journal (durably). Applying
 * first makes replay's checks (never an intent for a paid or unknown row) guard the disk too.
 * If the append fails, the exception ends the run before any request for this entry leaves.
 */
function record(ctx: SendLoopContext, entry: JournalEntry): void {
  applyEntry(ctx.state, entry, 0);
  ctx.journal.append(entry);
}

/**
 * Records the outbox's intent; if the outbox cannot take it (a full disk), the request does not
 * leave, and the checkpoint's intent is taken back so the row stays to be sent, not unknown.
 */
function intentInOutboxOrTakeBack(ctx: SendLoopContext, rowNumber: number, write: () => void): void {
  try {
    write();
  } catch (error) {
    const takenBack = ctx.journal.takeBackLast();
    if (!(error instanceof DiskError)) throw error;
    const said = error.failure.recorded;
    throw takenBack
      ? error.with({
          recorded: followedBy(
            said,
            `Its intent was taken back from the checkpoint too: row ${rowNumber} is still to be sent.`,
          ),
        })
      : error.with({
          recorded: followedBy(
            said,
            `The checkpoint still records its intent (it could not be taken back): the next run shows row ${rowNumber} as unknown, but it was not paid.`,
          ),
          next: { command: 'resolve', row: rowNumber, verdict: '--not-paid' },
        });
  }
}

/**
 * Records an outcome in the checkpoint, then in the outbox. The answer is known by now: if the
 * checkpoint cannot take it (a full disk), the outbox is still given it, so that payout recover
 * brings it back; if neither can, the message says what the answer was, to settle the row by hand.
 */
function recordOutcome(ctx: SendLoopContext, turn: LedgerTurn | undefined, entry: OutcomeEntry): void {
  const mono =
    entry.boot !== undefined && entry.startedMono !== undefined && entry.endedMono !== undefined
      ? { boot: entry.boot, startedMono: entry.startedMono, endedMono: entry.endedMono }
      : undefined;
  const inOutbox = (): void =>
    turn?.outcome(entry.row, entry.attempt, entry.startedAt, entry.endedAt, entry.outcome, mono);
  try {
    record(ctx, entry);
  } catch (error) {
    let kept = false;
    try {
      inOutbox();
      kept = turn !== undefined;
    } catch {
      // Said below: the row's answer is in neither file.
    }
    if (!(error instanceof DiskError)) throw error;
    const said = error.failure.recorded;
    if (kept)
      throw error.with({
        recorded: followedBy(said, "This machine's outbox recorded it: payout recover copies it into the checkpoint."),
        next: { command: 'recover' },
      });
    const next = settlementOf(entry);
    throw error.with({
      recorded: followedBy(
        said,
        `${turn ? "Nor could this machine's outbox: t" : 'T'}he next run shows row ${entry.row} as unknown${next ? '' : ': check it in the CryptoCloud dashboard, then settle it with payout resolve'}.`,
      ),
      ...(next && { next }),
    });
  }
  inOutbox();
}

/** What a file said it holds, then what the loop adds to it: whole sentences, one space between. */
function followedBy(said: string | undefined, more: string): string {
  return said ? `${said} ${more}` : more;
}

/** How to settle by hand a row whose answer is known but could not be recorded; none when the answer itself is unclear. */
function settlementOf(entry: OutcomeEntry): DiskNextStep | undefined {
  if (entry.outcome.kind === 'unknown') return undefined;
  return {
    command: 'resolve',
    row: entry.row,
    verdict: entry.outcome.kind === 'accepted' ? `--paid ${entry.outcome.invoiceId}` : '--not-paid',
  };
}

function reportRow(ctx: LoopContext, run: RunProgress, row: RowToSend, outcome: RowOutcome, detail: string): void {
  ctx.progress.row({
    done: run.done,
    total: ctx.total,
    rowNumber: row.rowNumber,
    payout: row.payout,
    outcome,
    detail,
    etaMs: Math.max(0, ctx.total - run.done) * (ctx.intervalMs + ctx.marginMs),
  });
}
