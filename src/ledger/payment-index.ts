/**
 * What the outbox says, indexed: every payment this machine sent (or may have sent) per
 * currency, normalised address and amount, so "was this already sent from here?" is one lookup;
 * the last request to each API, for the gap; and the checkpoint's own requests, to tell a
 * checkpoint that is behind. Pure: lines in, answers out.
 *
 * Stage ledger/: may import output, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { apiScope } from '../api/identity.js';
import type { MonoTimes, RequestTimes, ValidPayout } from '../core/types.js';
import { normalAddress } from '../validate/duplicates.js';
import type { OutboxIntent, OutboxLine } from './outbox-lines.js';

/** Payments older than this are not compared with a new payroll. */
export const REPEAT_WINDOW_DAYS = 45;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Where a payment stands: in flight (no outcome yet), paid, unknown, or settled as not paid. */
export type SentState = 'in flight' | 'paid' | 'unknown' | 'not paid';

/** One payment this machine sent, or may have sent. */
export interface SentPayment {
  api: string;
  ckpt: string;
  input: string;
  /** 0 for a payment imported from the old history (it did not record rows). */
  row: number;
  attempt: number;
  at: number;
  currency: string;
  address: string;
  amount: string;
  state: SentState;
  /** When it was sent on its boot's monotonic clock (absent in records of earlier versions). */
  mono?: { boot: string; atMono: number };
}

/** The key two payments share when they pay the same amount of the same currency to the same recipient. */
export function paymentKey(currency: string, address: string, amount: string): string {
  return `${currency}\u0000${normalAddress(address)}\u0000${amount}`;
}

export class PaymentIndex {
  private readonly byKey = new Map<string, SentPayment[]>();
  private readonly byAttempt = new Map<string, SentPayment>();
  private readonly last = new Map<string, RequestTimes>();
  /** The monotonic time of each intent still waiting for its outcome line. */
  private readonly intentMono = new Map<string, MonoTimes>();
  /** The checkpoint's own lines, in order (for the behind check and recover). */
  readonly ownLines: OutboxLine[] = [];
  private readonly ownLatest = new Map<number, SentPayment>();
  private readonly since: number;

  constructor(
    /** The checkpoint this run resumes: its requests are its own, not repeats. */
    public own: string | undefined,
    now: number,
    /** This moment on the monotonic clock: a payment of this boot is in the window by its age on it, whatever the wall clock did. */
    private readonly nowMono?: { boot: string; monoMs: number },
  ) {
    this.since = now - REPEAT_WINDOW_DAYS * DAY_MS;
  }

  /**
   * Whether a payment sent at wall time `at` may be repeated by mistake: within the window by the
   * wall clock (a time in the future is in it), or, on this boot, by the monotonic clock, so that
   * a wall clock stepped forward (or one that was behind when it paid) never ages a payment out.
   */
  private inWindow(at: number, mono: SentPayment['mono']): boolean {
    if (at >= this.since) return true;
    const now = this.nowMono;
    return (
      mono !== undefined &&
      now !== undefined &&
      mono.boot === now.boot &&
      now.monoMs - mono.atMono < REPEAT_WINDOW_DAYS * DAY_MS
    );
  }

  /** Folds one outbox line in. */
  apply(line: OutboxLine): void {
    switch (line.t) {
      case 'intent': {
        const mono =
          line.boot !== undefined && line.atMono !== undefined ? { boot: line.boot, intentAt: line.atMono } : undefined;
        this.last.set(apiScope(line.api), mono ? { intentAt: line.at, mono } : { intentAt: line.at });
        if (mono) this.intentMono.set(attemptKey(line.ckpt, line.row, line.attempt), mono);
        const isOwn = line.ckpt === this.own;
        if (isOwn) this.ownLines.push(line);
        const sent = sentOf(line);
        if (!isOwn && !this.inWindow(sent.at, sent.mono)) return;
        this.add(sent);
        this.byAttempt.set(attemptKey(line.ckpt, line.row, line.attempt), sent);
        if (isOwn) this.ownLatest.set(line.row, sent);
        return;
      }
      case 'outcome': {
        const key = attemptKey(line.ckpt, line.row, line.attempt);
        const sent = this.byAttempt.get(key);
        const last: RequestTimes = {
          intentAt: sent?.at ?? line.startedAt,
          startedAt: line.startedAt,
          endedAt: line.endedAt,
        };
        if (line.boot !== undefined && line.startedMono !== undefined && line.endedMono !== undefined) {
          const intent = this.intentMono.get(key);
          last.mono = {
            boot: line.boot,
            intentAt: intent?.boot === line.boot ? intent.intentAt : line.startedMono,
            startedAt: line.startedMono,
            endedAt: line.endedMono,
          };
        }
        this.intentMono.delete(key);
        this.last.set(apiScope(line.api), last);
        if (line.ckpt === this.own) this.ownLines.push(line);
        if (!sent) return;
        const kind = line.outcome.kind;
        sent.state = kind === 'accepted' ? 'paid' : kind === 'unknown' ? 'unknown' : 'not paid';
        return;
      }
      case 'request': {
        const mono: MonoTimes | undefined =
          line.boot !== undefined && line.atMono !== undefined
            ? {
                boot: line.boot,
                intentAt: line.atMono,
                ...(line.startedMono !== undefined && { startedAt: line.startedMono }),
                ...(line.endedMono !== undefined && { endedAt: line.endedMono }),
              }
            : undefined;
        this.last.set(apiScope(line.api), {
          intentAt: line.at,
          ...(line.startedAt !== undefined && { startedAt: line.startedAt }),
          ...(line.endedAt !== undefined && { endedAt: line.endedAt }),
          ...(mono && { mono }),
        });
        return;
      }
      case 'resolve': {
        if (line.ckpt === this.own) this.ownLines.push(line);
        const sent = this.byAttempt.get(attemptKey(line.ckpt, line.row, line.attempt));
        if (sent) sent.state = line.invoiceId ? 'paid' : 'not paid';
        return;
      }
    }
  }

  /** A payment imported from the old history (paid, or unknown when it had no id). */
  addLegacy(sent: SentPayment): void {
    if (sent.ckpt === this.own || !this.inWindow(sent.at, sent.mono)) return;
    this.add(sent);
  }

  /** Seeds the last request to an API from the old per-API clock file. */
  seedLast(api: string, times: RequestTimes): void {
    if (!this.last.has(apiScope(api))) this.last.set(apiScope(api), times);
  }

  /**
   * The earliest payment of the same currency, address and amount through `api` (any API but a
   * loopback one: see apiScope), from another
   * checkpoint, in the window, that may have paid (in flight, paid or unknown); else undefined.
   */
  repeatOf(api: string, payout: ValidPayout): SentPayment | undefined {
    const found = this.byKey.get(paymentKey(payout.currencyCode, payout.toAddress, payout.amount));
    const scope = apiScope(api);
    return found?.find(
      (sent) =>
        apiScope(sent.api) === scope &&
        sent.ckpt !== this.own &&
        sent.state !== 'not paid' &&
        this.inWindow(sent.at, sent.mono),
    );
  }

  /** The latest request of this checkpoint's row, as the outbox knows it. */
  ownLatestOf(row: number): SentPayment | undefined {
    return this.ownLatest.get(row);
  }

  /** The last request to `api` known here. */
  lastRequest(api: string): RequestTimes | undefined {
    return this.last.get(apiScope(api));
  }

  /** True when no payment is known (the per-row lookups can be skipped). */
  get empty(): boolean {
    return this.byKey.size === 0;
  }

  private add(sent: SentPayment): void {
    const key = paymentKey(sent.currency, sent.address, sent.amount);
    const list = this.byKey.get(key);
    if (list) list.push(sent);
    else this.byKey.set(key, [sent]);
  }
}

function attemptKey(ckpt: string, row: number, attempt: number): string {
  return `${ckpt}\u0000${row}\u0000${attempt}`;
}

function sentOf(line: OutboxIntent): SentPayment {
  return {
    api: line.api,
    ckpt: line.ckpt,
    input: line.input,
    row: line.row,
    attempt: line.attempt,
    at: line.at,
    currency: line.currency,
    address: line.address,
    amount: line.amount,
    state: 'in flight',
    ...(line.boot !== undefined && line.atMono !== undefined && { mono: { boot: line.boot, atMono: line.atMono } }),
  };
}
