import { describe, expect, it } from '@jest/globals';
import type { Outcome, ValidPayout } from '../../src/core/types.js';
import type {
  OutboxIntent,
  OutboxLine,
  OutboxOutcome,
  OutboxRequest,
  OutboxResolve,
} from '../../src/ledger/outbox-lines.js';
import { PaymentIndex, paymentKey, REPEAT_WINDOW_DAYS, type SentPayment } from '../../src/ledger/payment-index.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const API = 'https://api.cryptocloud.plus';
const OTHER_API = 'http://127.0.0.1:8080';
const OWN = 'own-checkpoint';
const OTHER = 'other-checkpoint';
const EVM = '0x52908400098527886E0F7030069857D2E4169EE7';

const payout: ValidPayout = { currencyCode: 'USDT_ERC20', toAddress: EVM, amount: '12.5' };

function intent(fields: Partial<OutboxIntent> = {}): OutboxIntent {
  return {
    v: 1,
    t: 'intent',
    api: API,
    ckpt: OTHER,
    input: 'march.csv',
    row: 3,
    attempt: 1,
    at: NOW - DAY_MS,
    currency: payout.currencyCode,
    address: payout.toAddress,
    amount: payout.amount,
    ...fields,
  };
}

const outcomes: Record<Outcome['kind'], Outcome> = {
  accepted: { kind: 'accepted', invoiceId: 'INV-AAAA1111' },
  rejected: { kind: 'rejected', code: 'network', message: 'bad network' },
  rate_limited: { kind: 'rate_limited', message: 'too many requests' },
  auth_failed: { kind: 'auth_failed', message: 'bad key' },
  never_sent: { kind: 'never_sent', message: 'connection refused' },
  unknown: { kind: 'unknown', message: 'timed out' },
};

function outcome(
  of: OutboxIntent,
  kind: Outcome['kind'],
  times: { startedAt?: number; endedAt?: number } = {},
): OutboxOutcome {
  return {
    v: 1,
    t: 'outcome',
    api: of.api,
    ckpt: of.ckpt,
    row: of.row,
    attempt: of.attempt,
    startedAt: times.startedAt ?? of.at + 2,
    endedAt: times.endedAt ?? of.at + 40,
    outcome: outcomes[kind],
  };
}

function resolve(of: OutboxIntent, invoiceId: string | null): OutboxResolve {
  return { v: 1, t: 'resolve', ckpt: of.ckpt, row: of.row, attempt: of.attempt, at: of.at + 1000, invoiceId };
}

function indexOf(lines: OutboxLine[], own: string | undefined = OWN): PaymentIndex {
  return indexOwnedBy(own, lines);
}

function indexOwnedBy(own: string | undefined, lines: OutboxLine[]): PaymentIndex {
  const index = new PaymentIndex(own, NOW);
  for (const line of lines) index.apply(line);
  return index;
}

function legacy(fields: Partial<SentPayment> = {}): SentPayment {
  return {
    api: API,
    ckpt: 'a'.repeat(64) + '@2026-11-01T00:00:00Z',
    input: 'old.csv',
    row: 0,
    attempt: 1,
    at: NOW - 2 * DAY_MS,
    currency: payout.currencyCode,
    address: payout.toAddress.toLowerCase(),
    amount: payout.amount,
    state: 'paid',
    ...fields,
  };
}

describe('paymentKey', () => {
  it('is one key for one EVM recipient in any letter case', () => {
    expect(paymentKey('USDT_ERC20', EVM, '1')).toBe(paymentKey('USDT_ERC20', EVM.toLowerCase(), '1'));
    expect(paymentKey('USDT_ERC20', EVM, '1')).toBe(paymentKey('USDT_ERC20', `0x${EVM.slice(2).toUpperCase()}`, '1'));
  });

  it('keeps the case of addresses whose case matters, and tells currency, address and amount apart', () => {
    const base58 = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa';
    expect(paymentKey('BTC', base58, '1')).not.toBe(paymentKey('BTC', base58.toLowerCase(), '1'));
    expect(paymentKey('BTC', base58, '1')).not.toBe(paymentKey('LTC', base58, '1'));
    expect(paymentKey('BTC', base58, '1')).not.toBe(paymentKey('BTC', base58, '1.0'));
    // The separator keeps the fields apart: no two splits of one text make one key.
    expect(paymentKey('A', 'B1', '2')).not.toBe(paymentKey('A', 'B', '12'));
  });
});

describe('PaymentIndex.repeatOf', () => {
  it('has the window the old history had', () => {
    expect(REPEAT_WINDOW_DAYS).toBe(45);
  });

  it('is empty, and repeats nothing, before any line', () => {
    const index = indexOf([]);
    expect(index.empty).toBe(true);
    expect(index.repeatOf(API, payout)).toBeUndefined();
  });

  it('finds a payment from another checkpoint while it is in flight (no outcome yet)', () => {
    const sent = intent();
    const found = indexOf([sent]).repeatOf(API, payout);
    expect(found).toEqual({
      api: API,
      ckpt: OTHER,
      input: 'march.csv',
      row: 3,
      attempt: 1,
      at: sent.at,
      currency: payout.currencyCode,
      address: payout.toAddress,
      amount: payout.amount,
      state: 'in flight',
    });
  });

  it.each<[Outcome['kind'], SentPayment['state'] | undefined]>([
    ['accepted', 'paid'],
    ['unknown', 'unknown'],
    ['rejected', undefined],
    ['rate_limited', undefined],
    ['never_sent', undefined],
    ['auth_failed', undefined],
  ])('after a %s outcome, the payment from another checkpoint is %s as a repeat', (kind, state) => {
    const sent = intent();
    expect(indexOf([sent, outcome(sent, kind)]).repeatOf(API, payout)?.state).toBe(state);
  });

  it('an outcome for another attempt or row leaves the payment in flight', () => {
    const sent = intent({ attempt: 2 });
    const index = indexOf([
      sent,
      outcome({ ...sent, attempt: 1 }, 'rejected'),
      outcome({ ...sent, row: 4 }, 'rejected'),
      outcome({ ...sent, ckpt: 'third' }, 'rejected'),
    ]);
    expect(index.repeatOf(API, payout)?.state).toBe('in flight');
  });

  it('a resolve line with an invoice id makes an unknown payment paid; with null, not paid (no repeat)', () => {
    const sent = intent();
    expect(indexOf([sent, outcome(sent, 'unknown'), resolve(sent, 'INV-BBBB2222')]).repeatOf(API, payout)?.state).toBe(
      'paid',
    );
    expect(indexOf([sent, outcome(sent, 'unknown'), resolve(sent, null)]).repeatOf(API, payout)).toBeUndefined();
    // Resolved while still in flight (the run died before its outcome).
    expect(indexOf([sent, resolve(sent, null)]).repeatOf(API, payout)).toBeUndefined();
    expect(indexOf([sent, resolve(sent, 'INV-BBBB2222')]).repeatOf(API, payout)?.state).toBe('paid');
  });

  it('a resolve line of another attempt changes nothing', () => {
    const sent = intent();
    const index = indexOf([sent, outcome(sent, 'unknown'), resolve({ ...sent, attempt: 2 }, null)]);
    expect(index.repeatOf(API, payout)?.state).toBe('unknown');
  });

  it('a retry that was paid after a rejected attempt is a repeat again', () => {
    const first = intent();
    const second = intent({ attempt: 2, at: first.at + 60_000 });
    const index = indexOf([first, outcome(first, 'rejected'), second, outcome(second, 'accepted')]);
    expect(index.repeatOf(API, payout)).toMatchObject({ attempt: 2, state: 'paid' });
  });

  it('gives the earliest of several payments that may have paid', () => {
    const early = intent({ ckpt: 'first', at: NOW - 10 * DAY_MS });
    const late = intent({ ckpt: 'second', at: NOW - DAY_MS });
    expect(
      indexOf([early, outcome(early, 'accepted'), late, outcome(late, 'accepted')]).repeatOf(API, payout)?.ckpt,
    ).toBe('first');
    // ... skipping one settled as not paid.
    expect(
      indexOf([early, outcome(early, 'rejected'), late, outcome(late, 'accepted')]).repeatOf(API, payout)?.ckpt,
    ).toBe('second');
  });

  it("never counts the checkpoint's own payments, yet keeps them as its own", () => {
    const mine = intent({ ckpt: OWN });
    const index = indexOf([mine, outcome(mine, 'accepted')]);
    expect(index.repeatOf(API, payout)).toBeUndefined();
    expect(index.ownLatestOf(3)).toMatchObject({ ckpt: OWN, row: 3, attempt: 1, state: 'paid' });
    expect(index.ownLines).toEqual([mine, outcome(mine, 'accepted')]);
  });

  it('with no checkpoint resumed (own undefined), every payment is another checkpoint', () => {
    const mine = intent({ ckpt: OWN });
    const index = indexOwnedBy(undefined, [mine]);
    expect(index.repeatOf(API, payout)?.ckpt).toBe(OWN);
    expect(index.ownLines).toEqual([]);
    expect(index.ownLatestOf(3)).toBeUndefined();
  });

  it('follows a change of own (a run binds the ledger to its checkpoint)', () => {
    const index = indexOwnedBy(undefined, [intent({ ckpt: OWN })]);
    expect(index.repeatOf(API, payout)).toBeDefined();
    index.own = OWN;
    expect(index.repeatOf(API, payout)).toBeUndefined();
  });

  it('ignores a payment older than the window, and counts one just inside it', () => {
    const windowStart = NOW - REPEAT_WINDOW_DAYS * DAY_MS;
    const old = intent({ at: windowStart - 1 });
    expect(indexOf([old, outcome(old, 'accepted')]).repeatOf(API, payout)).toBeUndefined();
    expect(indexOf([old]).empty).toBe(true);
    const recent = intent({ at: windowStart });
    expect(indexOf([recent, outcome(recent, 'accepted')]).repeatOf(API, payout)?.state).toBe('paid');
  });

  it('an own payment older than the window is no repeat either once the index is bound to another checkpoint', () => {
    const old = intent({ ckpt: OWN, at: NOW - (REPEAT_WINDOW_DAYS + 1) * DAY_MS });
    const index = indexOf([old, outcome(old, 'accepted')]);
    index.own = 'a-new-checkpoint';
    expect(index.repeatOf(API, payout)).toBeUndefined();
  });

  it('a payment through another API is not a repeat', () => {
    const sent = intent({ api: OTHER_API });
    const index = indexOf([sent, outcome(sent, 'accepted')]);
    expect(index.repeatOf(API, payout)).toBeUndefined();
    expect(index.repeatOf(OTHER_API, payout)?.state).toBe('paid');
  });

  it('matches an EVM address typed in another letter case, both ways', () => {
    const lower = intent({ address: EVM.toLowerCase() });
    expect(indexOf([lower]).repeatOf(API, payout)).toBeDefined();
    const upper = intent({ address: `0x${EVM.slice(2).toUpperCase()}` });
    expect(indexOf([upper]).repeatOf(API, { ...payout, toAddress: EVM.toLowerCase() })).toBeDefined();
    // It reports the address as it was sent.
    expect(indexOf([upper]).repeatOf(API, payout)?.address).toBe(upper.address);
  });

  it('tells another currency, amount or recipient apart', () => {
    const index = indexOf([intent()]);
    expect(index.repeatOf(API, { ...payout, currencyCode: 'USDT_TRC20' })).toBeUndefined();
    expect(index.repeatOf(API, { ...payout, amount: '12.6' })).toBeUndefined();
    expect(index.repeatOf(API, { ...payout, toAddress: '0x0000000000000000000000000000000000000001' })).toBeUndefined();
    // A base58 address is compared as typed: another case is another recipient.
    const tron = 'TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7';
    const tronIndex = indexOf([intent({ address: tron, currency: 'USDT_TRC20' })]);
    expect(tronIndex.repeatOf(API, { currencyCode: 'USDT_TRC20', toAddress: tron, amount: '12.5' })).toBeDefined();
    expect(
      tronIndex.repeatOf(API, { currencyCode: 'USDT_TRC20', toAddress: tron.toLowerCase(), amount: '12.5' }),
    ).toBeUndefined();
  });
});

describe('PaymentIndex own lines', () => {
  it('keeps the checkpoint’s own intents, outcomes and resolves in order, and nobody else’s', () => {
    const mine1 = intent({ ckpt: OWN, row: 1 });
    const theirs = intent({ ckpt: OTHER, row: 1 });
    const mine2 = intent({ ckpt: OWN, row: 2, at: mine1.at + 100 });
    const request: OutboxRequest = { v: 1, t: 'request', api: API, at: mine1.at + 50 };
    const lines: OutboxLine[] = [
      mine1,
      theirs,
      outcome(theirs, 'accepted'),
      request,
      outcome(mine1, 'unknown'),
      mine2,
      resolve(mine1, 'INV-CCCC3333'),
      resolve(theirs, null),
    ];
    const index = indexOf(lines);
    expect(index.ownLines).toEqual([mine1, outcome(mine1, 'unknown'), mine2, resolve(mine1, 'INV-CCCC3333')]);
  });

  it('keeps own lines older than the window too (the behind check needs them)', () => {
    const old = intent({ ckpt: OWN, at: NOW - 100 * DAY_MS });
    const index = indexOf([old, outcome(old, 'accepted')]);
    expect(index.ownLines).toHaveLength(2);
    expect(index.ownLatestOf(3)).toMatchObject({ state: 'paid', at: old.at });
  });

  it('ownLatestOf gives the latest attempt of the row, with its state', () => {
    const first = intent({ ckpt: OWN });
    const second = intent({ ckpt: OWN, attempt: 2, at: first.at + 1000, amount: '13' });
    const index = indexOf([first, outcome(first, 'rate_limited'), second]);
    expect(index.ownLatestOf(3)).toMatchObject({ attempt: 2, amount: '13', state: 'in flight' });
    expect(index.ownLatestOf(4)).toBeUndefined();
    index.apply(outcome(second, 'unknown'));
    expect(index.ownLatestOf(3)?.state).toBe('unknown');
    index.apply(resolve(second, null));
    expect(index.ownLatestOf(3)?.state).toBe('not paid');
  });

  it('ownLatestOf knows only the own checkpoint’s rows', () => {
    expect(indexOf([intent({ ckpt: OTHER })]).ownLatestOf(3)).toBeUndefined();
  });
});

describe('PaymentIndex.lastRequest', () => {
  // Recent times (in the window): an outcome takes its intent's time from the intent line.
  const T = NOW - 60_000;

  it('is unknown before any request', () => {
    expect(indexOf([]).lastRequest(API)).toBeUndefined();
  });

  it('follows intent, then outcome, then request lines, per API', () => {
    const index = indexOf([]);
    const sent = intent({ at: T });
    index.apply(sent);
    expect(index.lastRequest(API)).toEqual({ intentAt: T });
    index.apply(outcome(sent, 'accepted', { startedAt: T + 2, endedAt: T + 40 }));
    expect(index.lastRequest(API)).toEqual({ intentAt: T, startedAt: T + 2, endedAt: T + 40 });
    index.apply({ v: 1, t: 'request', api: API, at: T + 5000 });
    expect(index.lastRequest(API)).toEqual({ intentAt: T + 5000 });
    index.apply({ v: 1, t: 'request', api: API, at: T + 6000, startedAt: T + 6001, endedAt: T + 6030 });
    expect(index.lastRequest(API)).toEqual({ intentAt: T + 6000, startedAt: T + 6001, endedAt: T + 6030 });
    expect(index.lastRequest(OTHER_API)).toBeUndefined();
  });

  it('keeps each API apart', () => {
    const here = intent({ at: T });
    const there = intent({ api: OTHER_API, at: T + 2000, ckpt: 'third' });
    const index = indexOf([here, there, outcome(here, 'accepted', { startedAt: T + 1, endedAt: T + 10 })]);
    expect(index.lastRequest(API)).toEqual({ intentAt: T, startedAt: T + 1, endedAt: T + 10 });
    expect(index.lastRequest(OTHER_API)).toEqual({ intentAt: T + 2000 });
  });

  it('counts requests older than the window (an outcome then dates its intent by its start) and of any checkpoint, own included', () => {
    const old = intent({ at: 500 });
    expect(indexOf([old]).lastRequest(API)).toEqual({ intentAt: 500 });
    const index = indexOf([old, outcome(old, 'rejected', { startedAt: 501, endedAt: 510 })]);
    expect(index.lastRequest(API)).toEqual({ intentAt: 501, startedAt: 501, endedAt: 510 });
    expect(indexOf([intent({ ckpt: OWN, at: 700 })]).lastRequest(API)).toEqual({ intentAt: 700 });
  });

  it('a resolve line is no request', () => {
    const sent = intent({ at: T });
    const index = indexOf([sent]);
    index.apply(resolve(sent, 'INV-DDDD4444'));
    expect(index.lastRequest(API)).toEqual({ intentAt: T });
  });

  it('seedLast sets a last request only where none is known', () => {
    const index = indexOf([intent({ at: T })]);
    index.seedLast(API, { intentAt: 9000, startedAt: 9001, endedAt: 9002 });
    expect(index.lastRequest(API)).toEqual({ intentAt: T });
    index.seedLast(OTHER_API, { intentAt: 9000, startedAt: 9001, endedAt: 9002 });
    expect(index.lastRequest(OTHER_API)).toEqual({ intentAt: 9000, startedAt: 9001, endedAt: 9002 });
    // A later line overrides the seed.
    index.apply({ v: 1, t: 'request', api: OTHER_API, at: 9500 });
    expect(index.lastRequest(OTHER_API)).toEqual({ intentAt: 9500 });
  });
});

describe('PaymentIndex.lastRequest with the monotonic times', () => {
  const T = NOW - 60_000;
  it('carries the boot and monotonic times of intent, outcome and request lines', () => {
    const index = indexOf([]);
    const sent = { ...intent({ at: T }), boot: 'boot-a', atMono: 500 };
    index.apply(sent);
    expect(index.lastRequest(API)).toEqual({ intentAt: T, mono: { boot: 'boot-a', intentAt: 500 } });
    index.apply({
      ...outcome(sent, 'accepted', { startedAt: T + 2, endedAt: T + 40 }),
      boot: 'boot-a',
      startedMono: 502,
      endedMono: 540,
    });
    expect(index.lastRequest(API)).toEqual({
      intentAt: T,
      startedAt: T + 2,
      endedAt: T + 40,
      mono: { boot: 'boot-a', intentAt: 500, startedAt: 502, endedAt: 540 },
    });
    index.apply({
      v: 1,
      t: 'request',
      api: API,
      at: T + 6000,
      startedAt: T + 6001,
      endedAt: T + 6030,
      boot: 'boot-a',
      atMono: 6500,
      startedMono: 6501,
      endedMono: 6530,
    });
    expect(index.lastRequest(API)).toEqual({
      intentAt: T + 6000,
      startedAt: T + 6001,
      endedAt: T + 6030,
      mono: { boot: 'boot-a', intentAt: 6500, startedAt: 6501, endedAt: 6530 },
    });
  });

  it('reads the lines of an earlier version as wall times only', () => {
    const index = indexOf([]);
    const sent = intent({ at: T });
    index.apply(sent);
    index.apply(outcome(sent, 'accepted', { startedAt: T + 2, endedAt: T + 40 }));
    expect(index.lastRequest(API)).not.toHaveProperty('mono');
  });
});

describe('PaymentIndex.addLegacy', () => {
  it('adds a payment of the old history as a repeat, with its state', () => {
    const index = indexOf([]);
    index.addLegacy(legacy());
    expect(index.empty).toBe(false);
    expect(index.repeatOf(API, payout)).toMatchObject({ input: 'old.csv', row: 0, state: 'paid' });
    const unknown = indexOf([]);
    unknown.addLegacy(legacy({ state: 'unknown' }));
    expect(unknown.repeatOf(API, payout)?.state).toBe('unknown');
  });

  it('leaves out the own checkpoint’s payments and those older than the window', () => {
    const index = indexOf([], legacy().ckpt);
    index.addLegacy(legacy());
    expect(index.empty).toBe(true);
    const old = indexOf([]);
    old.addLegacy(legacy({ at: NOW - (REPEAT_WINDOW_DAYS + 1) * DAY_MS }));
    expect(old.empty).toBe(true);
    expect(old.repeatOf(API, payout)).toBeUndefined();
  });

  it('is no request (the last request comes from the clock file)', () => {
    const index = indexOf([]);
    index.addLegacy(legacy());
    expect(index.lastRequest(API)).toBeUndefined();
  });
});
