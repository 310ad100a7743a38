/**
 * The machine's memory of what it sent, for one API: the outbox read into an index, the send
 * lock (one sender at a time per state directory), and the checks made under it before each
 * request. A turn is: wait for the gap (from the outbox's last request, read anew), take the
 * lock, read what other processes appended meanwhile, check the row, intent, send, outcome,
 * release. So two runs on one machine, of any payrolls and checkpoints, never pay one row twice
 * and never break the gap.
 *
 * Stage ledger/: may import output, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { join } from 'node:path';
import { InputError, type Words } from '../core/errors.js';
import type { Outcome, RequestTimes, ValidPayout } from '../core/types.js';
import { describeOwner, fromAnotherBoot, howToFree, tryLockFile, type CheckpointLock } from '../journal/lock.js';
import type { JournalState } from '../journal/replay.js';
import { systemClock, type ClockReading } from '../schedule/clock.js';
import { sleep, type Pacer, type PaceWait } from '../schedule/pacer.js';
import { OutboxFile } from './outbox-file.js';
import type { OutboxLine, OutboxResolve } from './outbox-lines.js';
import { importLegacy } from './legacy.js';
import { PaymentIndex, paymentKey, type SentPayment } from './payment-index.js';

export { REPEAT_WINDOW_DAYS, type SentPayment } from './payment-index.js';

const LOCK_FILE = 'outbox.lock';
/** How often a waiting sender looks at the lock again. */
const LOCK_POLL_MS = 5;
/**
 * How long before its turn a sender takes the lock: taking it, reading what others appended and
 * writing the intent (two fsyncs) then cost none of the gap.
 */
const LOCK_LEAD_MS = 50;
/** After this long waiting for the lock, the wait is said. */
const SAY_WAIT_MS = 3000;

/** Which checkpoint and payroll this run's requests belong to. */
export interface LedgerSource {
  ckpt: string;
  input: string;
}

export class ApiLedger {
  private file: OutboxFile | undefined;
  private source: LedgerSource | undefined;
  readonly unreadable: number;

  private constructor(
    readonly dir: string,
    readonly api: string,
    private readonly index: PaymentIndex,
    file: OutboxFile | undefined,
    legacyUnreadable: number,
  ) {
    this.file = file;
    this.unreadable = (file?.unreadable ?? 0) + legacyUnreadable;
  }

  /** Reads the outbox of `dir` (and what earlier versions kept there) for `api`; `own` is the checkpoint being resumed. */
  static open(
    dir: string,
    api: string,
    own: string | undefined,
    writable: boolean,
    now: ClockReading = systemClock.now(),
  ): ApiLedger {
    const index = new PaymentIndex(own, now.wallMs, now);
    const legacy = importLegacy(dir, api, index);
    const file = OutboxFile.open(dir, writable);
    file?.readNew((line) => index.apply(line));
    return new ApiLedger(dir, api, index, file, legacy.unreadable);
  }

  /**
   * Why no request may be sent with this outbox, or undefined: it holds lines that cannot be read
   * (damaged by hand or by a disk), and any of them may record a payment that a run would repeat.
   */
  damage(): Words | undefined {
    const file = this.file;
    if (!file || file.unreadable === 0) return undefined;
    const where = file.unreadableLines.join(', ') + (file.unreadable > file.unreadableLines.length ? ', …' : '');
    return {
      problem:
        `this machine's outbox ${file.path} has ${file.unreadable} line(s) that cannot be read (line ${where}): any of them may record a payment, ` +
        'so no row is sent while they are there',
      remedy: 'look at them, and repair or remove them (keep a copy) once the dashboard tells you what they were',
    };
  }

  /** The outbox's path. */
  get path(): string {
    return join(this.dir, 'outbox.jsonl');
  }

  /** The payment from another checkpoint this one would repeat, if any (see PaymentIndex.repeatOf). */
  repeatOf(payout: ValidPayout): SentPayment | undefined {
    return this.index.repeatOf(this.api, payout);
  }

  /** The last request to this API known from the outbox. */
  lastRequest(): RequestTimes | undefined {
    return this.index.lastRequest(this.api);
  }

  /** This checkpoint's own requests in the outbox, in order. */
  ownLines(): readonly OutboxLine[] {
    return this.index.ownLines;
  }

  /**
   * The rows whose requests the outbox holds for this checkpoint but the checkpoint does not
   * (a restored backup, a copy, a disk that lied about fsync): a send for them could pay twice.
   */
  behind(state: JournalState): number[] {
    const rows = new Set<number>();
    for (const line of this.index.ownLines) {
      if (line.t === 'request') continue;
      const record = state.rows.get(line.row);
      const attempts = record?.attempts ?? 0;
      if (line.t === 'intent' && attempts < line.attempt) rows.add(line.row);
      if (line.t === 'outcome' && attempts === line.attempt && record?.inFlight) rows.add(line.row);
      if (line.t === 'resolve' && attempts === line.attempt && record?.status === 'unknown' && !record.inFlight)
        rows.add(line.row);
    }
    return [...rows].sort((a, b) => a - b);
  }

  /** From here on, this run's requests are recorded as the checkpoint's. */
  bind(source: LedgerSource): void {
    this.source = source;
    this.index.own = source.ckpt;
  }

  /**
   * Waits for this machine's turn to send to the API: the gap after the last request any process
   * recorded (read anew each time), and the send lock. Resolves holding the lock, up to
   * LOCK_LEAD_MS before the gap ends: the caller writes its intent, then waits the rest with
   * `pacer.waitTurn()` before the request leaves, and must `release` the turn. Rejects with the
   * signal's reason if stopped first. A long wait for the gap is told to `onPaceWait`, one for
   * the lock to `onWait`.
   */
  async takeTurn(
    pacer: Pacer,
    signal: AbortSignal,
    onWait?: (why: string) => void,
    onPaceWait?: (wait: PaceWait) => void,
  ): Promise<LedgerTurn> {
    for (;;) {
      this.readNew();
      this.observe(pacer);
      // The lock is taken a little before the turn, so that taking it costs none of the gap.
      await pacer.waitTurn(signal, onPaceWait, LOCK_LEAD_MS);
      const lock = await this.lock(signal, onWait);
      try {
        this.file?.catchUp((line) => this.index.apply(line));
        this.observe(pacer);
        // Holding the lock, no other process sends: the caller writes its intent, then waits out
        // the rest of the gap (pacer.waitTurn) before its request leaves.
        if (pacer.waitMs() <= LOCK_LEAD_MS) return new LedgerTurn(this, lock);
      } catch (error) {
        lock.release();
        throw error;
      }
      // Another process sent meanwhile: wait for the gap after its request.
      lock.release();
    }
  }

  /** Appends a line (holding the lock) and folds it in. */
  append(line: OutboxLine): void {
    if (!this.file?.writable) throw new Error('the outbox is not open for writing');
    this.file.append(line);
    this.index.apply(line);
  }

  /** The source bound by `bind`. */
  sourceOf(): LedgerSource {
    if (!this.source) throw new Error('the outbox is not bound to a checkpoint');
    return this.source;
  }

  /** The index, for the checks of a turn. */
  get payments(): PaymentIndex {
    return this.index;
  }

  close(): void {
    this.file?.close();
    this.file = undefined;
  }

  private readNew(): void {
    this.file?.readNew((line) => this.index.apply(line));
  }

  private observe(pacer: Pacer): void {
    const last = this.lastRequest();
    if (last) pacer.observe(last);
  }

  private lock(signal: AbortSignal, onWait?: (why: string) => void): Promise<CheckpointLock> {
    return takeSendLock(this.dir, signal, onWait);
  }
}

/**
 * Appends the operator's settlement of an unknown row (`payout resolve`) to the outbox of `dir`,
 * under the send lock, so that other payrolls see it as paid or not paid from now on.
 */
export async function recordResolve(dir: string, line: OutboxResolve, signal: AbortSignal): Promise<void> {
  const file = OutboxFile.open(dir, true);
  if (!file) return;
  const lock = await takeSendLock(dir, signal);
  try {
    file.catchUp(() => {});
    file.append(line);
  } finally {
    lock.release();
    file.close();
  }
}

/** Takes the state directory's send lock, waiting while a live process holds it. */
async function takeSendLock(dir: string, signal: AbortSignal, onWait?: (why: string) => void): Promise<CheckpointLock> {
  const path = join(dir, LOCK_FILE);
  // A duration: measured on the monotonic clock, which a step of the wall clock does not move.
  const started = performance.now();
  let said = false;
  for (;;) {
    const taken = tryLockFile(path);
    if ('release' in taken) return taken;
    // A holder from another boot may run on another machine sharing the folder: never waited for blindly.
    if (taken.owner && fromAnotherBoot(taken.owner)) {
      throw new InputError(
        `another payout command ${describeOwner(taken.owner)} holds this machine's send lock ${path}. ${howToFree(taken.owner, path)}`,
      );
    }
    if (!said && performance.now() - started >= SAY_WAIT_MS) {
      said = true;
      onWait?.(
        `waiting for another payout command ${taken.owner ? describeOwner(taken.owner) : ''} to finish its request to the API`,
      );
    }
    await sleep(LOCK_POLL_MS, signal);
  }
}

/** One turn at the API, holding the send lock: the checks, the intent, the outcome. */
export class LedgerTurn {
  private released = false;

  constructor(
    private readonly ledger: ApiLedger,
    private readonly lock: CheckpointLock,
  ) {}

  /**
   * Why `row` must not be sent now, or undefined: the outbox holds this very attempt or a later
   * one (another process has a copy of this checkpoint), or an earlier attempt of the row for
   * another payment (the file is read differently), or a payment of the same currency, address
   * and amount from another checkpoint (unless `allowRepeat`).
   */
  refusal(row: number, payout: ValidPayout, attempt: number, allowRepeat: boolean): string | undefined {
    const index = this.ledger.payments;
    const { input } = this.ledger.sourceOf();
    const latest = index.ownLatestOf(row);
    if (latest && latest.attempt >= attempt) {
      return (
        `row ${row} was already sent with this checkpoint (attempt ${latest.attempt}, ${when(latest.at)}) by another payout command, and this checkpoint does not record it: ` +
        `a copy of the checkpoint is in use, or it was restored from a backup. Not sent again; run payout recover ${input} to bring the checkpoint up to date`
      );
    }
    if (
      latest &&
      paymentKey(latest.currency, latest.address, latest.amount) !==
        paymentKey(payout.currencyCode, payout.toAddress, payout.amount)
    ) {
      return (
        `row ${row} now reads ${payout.amount} ${payout.currencyCode} to ${payout.toAddress}, but its earlier request (${when(latest.at)}) sent ${latest.amount} ${latest.currency} to ${latest.address}: ` +
        'the file is read differently from then (--columns, --decimal-comma?); not sent'
      );
    }
    if (allowRepeat) return undefined;
    const earlier = index.repeatOf(this.ledger.api, payout);
    if (!earlier) return undefined;
    return `row ${row} repeats ${describeSent(earlier)}; not sent. Give --allow-repeat if it really is due again`;
  }

  /** The intent of a withdrawal, on disk before the request leaves; `mono`: the same moment on the boot's monotonic clock. */
  intent(row: number, attempt: number, at: number, payout: ValidPayout, mono?: { boot: string; atMono: number }): void {
    const { ckpt, input } = this.ledger.sourceOf();
    this.ledger.append({
      v: 1,
      t: 'intent',
      api: this.ledger.api,
      ckpt,
      input,
      row,
      attempt,
      at,
      currency: payout.currencyCode,
      address: payout.toAddress,
      amount: payout.amount,
      ...mono,
    });
  }

  /** What the withdrawal came to; `mono`: its start and end on the boot's monotonic clock. */
  outcome(
    row: number,
    attempt: number,
    startedAt: number,
    endedAt: number,
    outcome: Outcome,
    mono?: { boot: string; startedMono: number; endedMono: number },
  ): void {
    const { ckpt } = this.ledger.sourceOf();
    this.ledger.append({
      v: 1,
      t: 'outcome',
      api: this.ledger.api,
      ckpt,
      row,
      attempt,
      startedAt,
      endedAt,
      outcome,
      ...mono,
    });
  }

  /** A request that moves no money (the balance query): its intent (`at` alone), then its times. */
  request(times: RequestTimes): void {
    this.ledger.append({
      v: 1,
      t: 'request',
      api: this.ledger.api,
      at: times.intentAt,
      ...(times.startedAt !== undefined && { startedAt: times.startedAt }),
      ...(times.endedAt !== undefined && { endedAt: times.endedAt }),
      ...(times.mono && { boot: times.mono.boot, atMono: times.mono.intentAt }),
      ...(times.mono?.startedAt !== undefined && { startedMono: times.mono.startedAt }),
      ...(times.mono?.endedAt !== undefined && { endedMono: times.mono.endedAt }),
    });
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.lock.release();
  }
}

/** "the payment this machine sent at 2026-12-02 08:01:02 UTC from payroll.csv (row 3; paid)". */
export function describeSent(sent: SentPayment): string {
  const row = sent.row > 0 ? `row ${sent.row}; ` : '';
  return `the payment of ${sent.amount} ${sent.currency} to ${sent.address} this machine sent ${when(sent.at)} from ${sent.input} (${row}${sent.state})`;
}

function when(at: number): string {
  return `at ${new Date(at).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}
