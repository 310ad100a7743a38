/**
 * Replay, table by table: hand-written journal entries in, each row's record and the last
 * request's times out. Every table runs twice, through `applyEntry` line by line and through
 * `JournalReplay` (the fast path a resume takes, which holds an intent until its outcome): both
 * must give the same state, and refuse the same journals at the same line.
 */
import { describe, expect, it } from '@jest/globals';
import type { Outcome } from '../../src/core/types.js';
import type { JournalEntry, JournalHeader } from '../../src/journal/entries.js';
import {
  applyEntry,
  emptyState,
  IN_FLIGHT_MESSAGE,
  JournalOrderError,
  JournalReplay,
  type JournalState,
  type LastRequest,
  type RowRecord,
} from '../../src/journal/replay.js';

const header: JournalHeader = {
  type: 'header',
  version: 1,
  input: { sha256: 'b'.repeat(64), bytes: 42, name: 'payroll.csv' },
  createdAt: '2026-11-30T00:00:00Z',
};
const BOOT = 'boot-1';
const OTHER_BOOT = 'boot-2';

interface Mono {
  boot?: string;
  atMono?: number;
}
interface OutcomeMono {
  boot?: string;
  startedMono?: number;
  endedMono?: number;
}

const intent = (row: number, attempt: number, at: number, mono: Mono = {}): JournalEntry => ({
  type: 'intent',
  row,
  attempt,
  at,
  currency_code: 'USDT_TRC20',
  to_address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
  amount: '1.5',
  ...mono,
});
const outcome = (
  row: number,
  attempt: number,
  result: Outcome,
  startedAt: number,
  endedAt: number,
  mono: OutcomeMono = {},
): JournalEntry => ({ type: 'outcome', row, attempt, startedAt, endedAt, outcome: result, ...mono });
const resolve = (row: number, invoiceId: string | null): JournalEntry => ({
  type: 'resolve',
  row,
  at: 9000,
  invoiceId,
});
const balance = (at: number, rest: Omit<Extract<JournalEntry, { type: 'request' }>, 'type' | 'what' | 'at'> = {}) =>
  ({ type: 'request', what: 'balance', at, ...rest }) as JournalEntry;

const paid = (invoiceId: string): Outcome => ({ kind: 'accepted', invoiceId });
const rejected: Outcome = { kind: 'rejected', code: 'address', message: 'bad address' };
const unknown: Outcome = { kind: 'unknown', message: 'timed out' };
const rateLimited = { kind: 'rate_limited', message: 'HTTP 429' } as const;
const authFailed = { kind: 'auth_failed', message: 'HTTP 401' } as const;
const neverSent = { kind: 'never_sent', message: 'ECONNREFUSED' } as const;

/** Line numbers as the file reader gives them: the header is line 1. */
const lineOf = (index: number): number => index + 2;

function viaApplyEntry(entries: JournalEntry[]): JournalState {
  const state = emptyState(header);
  entries.forEach((entry, i) => applyEntry(state, entry, lineOf(i)));
  return state;
}

/**
 * What loadJournal does: the two common lines by their numbers, any other through `entry`;
 * `slowIntents`: every intent read the slow way (a line the common-line reader leaves to the
 * schema), so that each accepted line comes after an intent already applied.
 */
function viaJournalReplay(entries: JournalEntry[], slowIntents = false): JournalState {
  const replay = new JournalReplay(header);
  entries.forEach((e, i) => {
    if (e.type === 'intent' && !slowIntents) replay.intent(e.row, e.attempt, e.at, lineOf(i), e.boot, e.atMono);
    else if (e.type === 'outcome' && e.outcome.kind === 'accepted')
      replay.accepted(
        e.row,
        e.attempt,
        e.startedAt,
        e.endedAt,
        e.outcome.invoiceId,
        lineOf(i),
        e.boot,
        e.startedMono,
        e.endedMono,
      );
    else replay.entry(e, lineOf(i));
  });
  return replay.finish();
}

const replays = [
  ['applyEntry', viaApplyEntry],
  ['JournalReplay', (entries: JournalEntry[]) => viaJournalReplay(entries)],
  ['JournalReplay, intents read the slow way', (entries: JournalEntry[]) => viaJournalReplay(entries, true)],
] as const;

const rowsOf = (state: JournalState): Array<[number, RowRecord]> => [...state.rows.entries()];

const inFlight = (attempts: number): RowRecord => ({
  status: 'unknown',
  error: IN_FLIGHT_MESSAGE,
  attempts,
  inFlight: true,
});

describe.each(replays)('replay through %s', (_how, replay) => {
  it.each<[string, JournalEntry[], Array<[number, RowRecord]>]>([
    ['nothing sent: no row has a record', [], []],
    ['an intent alone is in flight: it may be paid', [intent(3, 1, 100)], [[3, inFlight(1)]]],
    [
      'accepted: paid with its invoice id',
      [intent(3, 1, 100), outcome(3, 1, paid('INV-3'), 110, 150)],
      [[3, { status: 'paid', invoiceId: 'INV-3', attempts: 1 }]],
    ],
    [
      'rejected: failed, with the reason',
      [intent(3, 1, 100), outcome(3, 1, rejected, 110, 150)],
      [[3, { status: 'failed', error: 'bad address', attempts: 1 }]],
    ],
    [
      'no clear answer: unknown, no longer in flight',
      [intent(3, 1, 100), outcome(3, 1, unknown, 110, 150)],
      [[3, { status: 'unknown', error: 'timed out', attempts: 1 }]],
    ],
    ...[rateLimited, authFailed, neverSent].map((o): [string, JournalEntry[], Array<[number, RowRecord]>] => [
      `${o.kind}: certainly not processed, still to pay`,
      [intent(3, 1, 100), outcome(3, 1, o, 110, 150)],
      [[3, { status: 'pending', error: o.message, attempts: 1 }]],
    ]),
    [
      'a retry after a rate limit counts both attempts',
      [intent(3, 1, 100), outcome(3, 1, rateLimited, 110, 150), intent(3, 2, 300), outcome(3, 2, paid('I'), 310, 350)],
      [[3, { status: 'paid', invoiceId: 'I', attempts: 2 }]],
    ],
    [
      'a retried failed row (--retry-failed) in flight again',
      [intent(3, 1, 100), outcome(3, 1, rejected, 110, 150), intent(3, 2, 300)],
      [[3, inFlight(2)]],
    ],
    [
      'resolved as paid: paid with the id the operator gave, attempts kept',
      [intent(3, 1, 100), outcome(3, 1, rateLimited, 110, 150), intent(3, 2, 300), resolve(3, 'INV-DASH')],
      [[3, { status: 'paid', invoiceId: 'INV-DASH', attempts: 2 }]],
    ],
    [
      'resolved as not paid: pending again, saying the next run sends it',
      [intent(3, 1, 100), outcome(3, 1, unknown, 110, 150), resolve(3, null)],
      [[3, { status: 'pending', error: 'resolved as not paid; it will be sent by the next run', attempts: 1 }]],
    ],
    [
      'resolved as not paid, then sent again and paid',
      [intent(3, 1, 100), resolve(3, null), intent(3, 2, 300), outcome(3, 2, paid('I2'), 310, 350)],
      [[3, { status: 'paid', invoiceId: 'I2', attempts: 2 }]],
    ],
    [
      'rows interleaved with a balance query, each its own record',
      [
        intent(1, 1, 100),
        outcome(1, 1, paid('A'), 110, 150),
        balance(200, { startedAt: 201, endedAt: 240 }),
        intent(2, 1, 300),
        outcome(2, 1, rejected, 310, 350),
        intent(4, 1, 400),
        intent(5, 1, 500),
        outcome(5, 1, paid('B'), 510, 550),
      ],
      [
        [1, { status: 'paid', invoiceId: 'A', attempts: 1 }],
        [2, { status: 'failed', error: 'bad address', attempts: 1 }],
        [4, inFlight(1)],
        [5, { status: 'paid', invoiceId: 'B', attempts: 1 }],
      ],
    ],
    [
      'a lower row after a higher one, each paid',
      [intent(7, 1, 100), outcome(7, 1, paid('S'), 110, 150), intent(2, 1, 300), outcome(2, 1, paid('T'), 310, 350)],
      [
        [2, { status: 'paid', invoiceId: 'T', attempts: 1 }],
        [7, { status: 'paid', invoiceId: 'S', attempts: 1 }],
      ],
    ],
  ])('%s', (_name, entries, rows) => {
    expect(rowsOf(replay(entries))).toStrictEqual(rows);
  });

  it.each<[string, JournalEntry[], number, RegExp]>([
    ['a second header', [header], 2, /header/],
    [
      'an intent for a paid row',
      [intent(3, 1, 100), outcome(3, 1, paid('I'), 110, 150), intent(3, 2, 300)],
      4,
      /row 3.*paid/,
    ],
    [
      'an intent for a paid row, with the attempt number it had',
      [intent(3, 1, 100), outcome(3, 1, paid('I'), 110, 150), intent(3, 1, 300)],
      4,
      /row 3.*paid/,
    ],
    [
      'an intent for a paid row below a higher one',
      [
        intent(5, 1, 100),
        outcome(5, 1, paid('I'), 110, 150),
        intent(3, 1, 200),
        outcome(3, 1, paid('J'), 210, 250),
        intent(5, 1, 300),
      ],
      6,
      /row 5.*paid/,
    ],
    [
      'an intent for an unknown row',
      [intent(3, 1, 100), outcome(3, 1, unknown, 110, 150), intent(3, 2, 300)],
      4,
      /row 3.*unknown/,
    ],
    ['an intent for a row still in flight', [intent(3, 1, 100), intent(3, 2, 300)], 3, /row 3.*unknown/],
    ['a first attempt numbered 2', [intent(3, 2, 100)], 2, /row 3 attempt 2 follows attempt 0/],
    [
      'the same attempt number twice',
      [intent(3, 1, 100), outcome(3, 1, rateLimited, 110, 150), intent(3, 1, 300)],
      4,
      /row 3 attempt 1 follows attempt 1/,
    ],
    [
      'an attempt number skipped',
      [intent(3, 1, 100), outcome(3, 1, rateLimited, 110, 150), intent(3, 3, 300)],
      4,
      /row 3 attempt 3 follows attempt 1/,
    ],
    ['an outcome without any intent', [outcome(3, 1, paid('I'), 110, 150)], 2, /row 3/],
    ['a failed outcome without any intent', [outcome(3, 1, rejected, 110, 150)], 2, /row 3/],
    ['an outcome for another row than the intent', [intent(3, 1, 100), outcome(4, 1, paid('I'), 110, 150)], 3, /row 4/],
    [
      'an outcome for another attempt than the intent',
      [intent(3, 1, 100), outcome(3, 2, paid('I'), 110, 150)],
      3,
      /row 3/,
    ],
    [
      'a failed outcome for another attempt than the intent',
      [intent(3, 1, 100), outcome(3, 2, rejected, 110, 150)],
      3,
      /row 3/,
    ],
    [
      'a second outcome for one intent',
      [intent(3, 1, 100), outcome(3, 1, rateLimited, 110, 150), outcome(3, 1, paid('I'), 160, 190)],
      4,
      /row 3/,
    ],
    [
      'a second accepted outcome for one intent',
      [intent(3, 1, 100), outcome(3, 1, paid('I'), 110, 150), outcome(3, 1, paid('I'), 160, 190)],
      4,
      /row 3/,
    ],
    ['resolving a row never sent', [resolve(3, 'INV')], 2, /row 3/],
    ['resolving a paid row', [intent(3, 1, 100), outcome(3, 1, paid('I'), 110, 150), resolve(3, null)], 4, /row 3/],
    ['resolving a failed row', [intent(3, 1, 100), outcome(3, 1, rejected, 110, 150), resolve(3, 'I')], 4, /row 3/],
    [
      'resolving a row already resolved as not paid',
      [intent(3, 1, 100), outcome(3, 1, unknown, 110, 150), resolve(3, null), resolve(3, 'I')],
      5,
      /row 3/,
    ],
  ])('refuses %s, naming the line', (_name, entries, lineNumber, words) => {
    let thrown: unknown;
    try {
      replay(entries);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JournalOrderError);
    expect(thrown).toMatchObject({ name: 'JournalOrderError', lineNumber });
    expect((thrown as Error).message).toMatch(words);
  });

  it.each<[string, JournalEntry[], LastRequest | undefined]>([
    ['nothing sent: no last request', [], undefined],
    ['an intent of an older version: its wall time alone', [intent(1, 1, 100)], { intentAt: 100 }],
    [
      'an intent with its boot and monotonic time',
      [intent(1, 1, 100, { boot: BOOT, atMono: 40 })],
      { intentAt: 100, mono: { boot: BOOT, intentAt: 40 } },
    ],
    ['an intent with a boot but no monotonic time', [intent(1, 1, 100, { boot: BOOT })], { intentAt: 100 }],
    ['an intent with a monotonic time but no boot', [intent(1, 1, 100, { atMono: 40 })], { intentAt: 100 }],
    [
      'an outcome: the intent time with the start and end',
      [intent(1, 1, 100), outcome(1, 1, paid('I'), 110, 150)],
      { intentAt: 100, startedAt: 110, endedAt: 150 },
    ],
    [
      'a failed outcome: the same',
      [intent(1, 1, 100), outcome(1, 1, rejected, 110, 150)],
      { intentAt: 100, startedAt: 110, endedAt: 150 },
    ],
    ...[paid('I'), rejected].map((o): [string, JournalEntry[], LastRequest] => [
      `an ${o.kind} outcome on the intent's boot: the intent's monotonic time`,
      [
        intent(1, 1, 100, { boot: BOOT, atMono: 40 }),
        outcome(1, 1, o, 110, 150, { boot: BOOT, startedMono: 52, endedMono: 90 }),
      ],
      { intentAt: 100, startedAt: 110, endedAt: 150, mono: { boot: BOOT, intentAt: 40, startedAt: 52, endedAt: 90 } },
    ]),
    ...[paid('I'), rejected].map((o): [string, JournalEntry[], LastRequest] => [
      `an ${o.kind} outcome on another boot than its intent: monotonic times from the start`,
      [
        intent(1, 1, 100, { boot: BOOT, atMono: 40 }),
        outcome(1, 1, o, 110, 150, { boot: OTHER_BOOT, startedMono: 52, endedMono: 90 }),
      ],
      {
        intentAt: 100,
        startedAt: 110,
        endedAt: 150,
        mono: { boot: OTHER_BOOT, intentAt: 52, startedAt: 52, endedAt: 90 },
      },
    ]),
    [
      'an outcome with monotonic times after an intent of an older version',
      [intent(1, 1, 100), outcome(1, 1, paid('I'), 110, 150, { boot: BOOT, startedMono: 52, endedMono: 90 })],
      { intentAt: 100, startedAt: 110, endedAt: 150, mono: { boot: BOOT, intentAt: 52, startedAt: 52, endedAt: 90 } },
    ],
    ...(
      [
        { startedMono: 52, endedMono: 90 },
        { boot: BOOT, endedMono: 90 },
        { boot: BOOT, startedMono: 52 },
      ] as OutcomeMono[]
    ).map((mono): [string, JournalEntry[], LastRequest] => [
      `an outcome missing one of boot, startedMono, endedMono (${Object.keys(mono).join(', ')}): wall times alone`,
      [intent(1, 1, 100, { boot: BOOT, atMono: 40 }), outcome(1, 1, paid('I'), 110, 150, mono)],
      { intentAt: 100, startedAt: 110, endedAt: 150 },
    ]),
    [
      'the last of several requests',
      [
        intent(1, 1, 100, { boot: BOOT, atMono: 40 }),
        outcome(1, 1, paid('A'), 110, 150, { boot: BOOT, startedMono: 52, endedMono: 90 }),
        intent(2, 1, 300, { boot: BOOT, atMono: 240 }),
        outcome(2, 1, paid('B'), 310, 350, { boot: BOOT, startedMono: 252, endedMono: 290 }),
      ],
      {
        intentAt: 300,
        startedAt: 310,
        endedAt: 350,
        mono: { boot: BOOT, intentAt: 240, startedAt: 252, endedAt: 290 },
      },
    ],
    [
      'a payout after a crash left an intent of another row in flight',
      [intent(1, 1, 100, { boot: BOOT, atMono: 40 }), intent(2, 1, 300, { boot: OTHER_BOOT, atMono: 7 })],
      { intentAt: 300, mono: { boot: OTHER_BOOT, intentAt: 7 } },
    ],
    [
      'a balance query with every time',
      [
        intent(1, 1, 100),
        outcome(1, 1, paid('I'), 110, 150),
        balance(500, { startedAt: 501, endedAt: 540, boot: BOOT, atMono: 60, startedMono: 61, endedMono: 99 }),
      ],
      { intentAt: 500, startedAt: 501, endedAt: 540, mono: { boot: BOOT, intentAt: 60, startedAt: 61, endedAt: 99 } },
    ],
    [
      'a balance query cut short: its intent time alone, on both clocks',
      [balance(500, { boot: BOOT, atMono: 60 })],
      { intentAt: 500, mono: { boot: BOOT, intentAt: 60 } },
    ],
    [
      'a balance query whose answer is missing: its start alone',
      [balance(500, { startedAt: 501, boot: BOOT, atMono: 60, startedMono: 61 })],
      { intentAt: 500, startedAt: 501, mono: { boot: BOOT, intentAt: 60, startedAt: 61 } },
    ],
    [
      'a balance query with only its end',
      [balance(500, { endedAt: 540, boot: BOOT, atMono: 60, endedMono: 99 })],
      { intentAt: 500, endedAt: 540, mono: { boot: BOOT, intentAt: 60, endedAt: 99 } },
    ],
    [
      'a balance query of an older version: wall times alone',
      [balance(500, { startedAt: 501, endedAt: 540 })],
      { intentAt: 500, startedAt: 501, endedAt: 540 },
    ],
    [
      'a balance query with a boot but no monotonic intent time: wall times alone',
      [balance(500, { startedAt: 501, endedAt: 540, boot: BOOT, startedMono: 61, endedMono: 99 })],
      { intentAt: 500, startedAt: 501, endedAt: 540 },
    ],
    [
      'a balance query with a monotonic time but no boot: wall times alone',
      [balance(500, { atMono: 60 })],
      { intentAt: 500 },
    ],
    [
      'a balance query while a payout intent waits for its outcome: the query is the last request',
      [intent(1, 1, 100, { boot: BOOT, atMono: 40 }), balance(500, { startedAt: 501, endedAt: 540 })],
      { intentAt: 500, startedAt: 501, endedAt: 540 },
    ],
    [
      'a resolve changes no time',
      [intent(1, 1, 100), outcome(1, 1, unknown, 110, 150), resolve(1, 'I')],
      { intentAt: 100, startedAt: 110, endedAt: 150 },
    ],
  ])('the last request: %s', (_name, entries, last) => {
    expect(replay(entries).lastRequest).toStrictEqual(last);
  });

  it('keeps the row of a balance query that came between an intent and its outcome', () => {
    const state = replay([intent(1, 1, 100), balance(500, { startedAt: 501, endedAt: 540 })]);
    expect(rowsOf(state)).toStrictEqual([[1, inFlight(1)]]);
  });

  it('tells the operator what to do about a row left in flight: check the dashboard, then payout resolve', () => {
    expect(replay([intent(1, 1, 100)]).rows.get(1)?.error).toMatch(/dashboard.*payout resolve/);
  });

  it('keeps the header', () => {
    expect(replay([intent(1, 1, 100)]).header).toStrictEqual(header);
  });
});

describe('JournalReplay', () => {
  it('applies an intent held for its outcome when the journal ends without one', () => {
    const replay = new JournalReplay(header);
    replay.intent(9, 1, 100, 2, BOOT, 40);
    const state = replay.finish();
    expect(state.rows.get(9)).toStrictEqual(inFlight(1));
    expect(state.lastRequest).toStrictEqual({ intentAt: 100, mono: { boot: BOOT, intentAt: 40 } });
    expect(state.header).toBe(header);
  });

  it('guards a row whose intent was read the slow way against a second send', () => {
    const replay = new JournalReplay(header);
    replay.entry(intent(5, 1, 100), 2);
    replay.accepted(5, 1, 110, 150, 'I', 3);
    expect(() => replay.intent(5, 1, 300, 4)).toThrow(JournalOrderError);
  });

  it('guards a higher row read the slow way after a lower one read the slow way', () => {
    const replay = new JournalReplay(header);
    replay.entry(intent(5, 1, 100), 2);
    replay.accepted(5, 1, 110, 150, 'I', 3);
    replay.entry(intent(3, 1, 200), 4);
    replay.accepted(3, 1, 210, 250, 'J', 5);
    expect(() => replay.intent(5, 1, 300, 6)).toThrow(JournalOrderError);
  });

  it('refuses an accepted line right after the intent of another attempt of the row', () => {
    const replay = new JournalReplay(header);
    replay.intent(9, 1, 100, 2);
    expect(() => replay.accepted(9, 2, 110, 150, 'I', 3)).toThrow(JournalOrderError);
  });

  it('refuses an accepted line right after the intent of another row', () => {
    const replay = new JournalReplay(header);
    replay.intent(9, 1, 100, 2);
    expect(() => replay.accepted(8, 1, 110, 150, 'I', 3)).toThrow(JournalOrderError);
  });
});

describe('applyEntry', () => {
  it('leaves the state as it was when it refuses an entry', () => {
    const state = viaApplyEntry([intent(1, 1, 100), outcome(1, 1, paid('I'), 110, 150)]);
    expect(() => applyEntry(state, intent(1, 2, 300), 9)).toThrow(JournalOrderError);
    expect(rowsOf(state)).toStrictEqual([[1, { status: 'paid', invoiceId: 'I', attempts: 1 }]]);
    expect(state.lastRequest).toStrictEqual({ intentAt: 100, startedAt: 110, endedAt: 150 });
  });
});
