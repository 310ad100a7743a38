import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Outcome, ValidPayout } from '../../src/core/types.js';
import type { JournalEntry, JournalHeader } from '../../src/journal/entries.js';
import { ApiLedger, describeSent, recordResolve, type LedgerTurn, type SentPayment } from '../../src/ledger/ledger.js';
import { parseOutboxLine, type OutboxLine } from '../../src/ledger/outbox-lines.js';
import { Pacer, sleep } from '../../src/schedule/pacer.js';
import { accepted, journalEntries, rejected, unknown } from '../helpers/journal-entries.js';

const API = 'http://127.0.0.1:8080';
const A = { ckpt: 'ckpt-a', input: 'a.csv' };
const B = { ckpt: 'ckpt-b', input: 'b.csv' };
const payout: ValidPayout = { currencyCode: 'BTC', toAddress: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', amount: '0.1' };

const header: JournalHeader = {
  type: 'header',
  version: 1,
  input: { sha256: 'a'.repeat(64), bytes: 10, name: 'a.csv' },
  createdAt: '2026-11-21T00:00:00Z',
  id: A.ckpt,
};

const {
  intent: journalIntent,
  outcome: journalOutcome,
  stateOf,
} = journalEntries(header, () => ({ currency_code: 'BTC', to_address: payout.toAddress, amount: '0.1' }));

describe('ApiLedger', () => {
  let dir: string;
  const ledgers: ApiLedger[] = [];
  const turns: LedgerTurn[] = [];
  const pacer = (intervalMs = 30): Pacer => new Pacer({ intervalMs, marginMs: 5 });
  const signal = (): AbortSignal => new AbortController().signal;

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'payout-ledger-')), 'state');
  });
  afterEach(() => {
    for (const turn of turns.splice(0)) turn.release();
    for (const ledger of ledgers.splice(0)) ledger.close();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  /** A ledger as a run opens it: resuming `own` (if any), bound to `source`. */
  function open(
    source: { ckpt: string; input: string } | undefined,
    own: string | undefined = source?.ckpt,
    writable = true,
  ): ApiLedger {
    const ledger = ApiLedger.open(dir, API, own, writable);
    if (source) ledger.bind(source);
    ledgers.push(ledger);
    return ledger;
  }

  /** A turn as a sender takes it: the lock (handed over a few ms early, for the intent's fsyncs), then the rest of the gap. */
  async function turnOf(ledger: ApiLedger, p: Pacer = pacer()): Promise<LedgerTurn> {
    const turn = await ledger.takeTurn(p, signal());
    turns.push(turn);
    await p.waitTurn();
    return turn;
  }

  /** One whole request of `ledger`'s checkpoint, at the time of the call: the turn is released. */
  async function send(
    ledger: ApiLedger,
    row: number,
    outcome: Outcome,
    attempt = 1,
    what: ValidPayout = payout,
  ): Promise<number> {
    const turn = await turnOf(ledger);
    const at = Date.now();
    turn.intent(row, attempt, at, what);
    turn.outcome(row, attempt, at, at, outcome);
    turn.release();
    return at;
  }

  function fileLines(): OutboxLine[] {
    return readFileSync(join(dir, 'outbox.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((text) => parseOutboxLine(text) as OutboxLine);
  }

  it('records the intent and the outcome of a request in the outbox, as this checkpoint’s', async () => {
    const ledger = open(A);
    expect(ledger.path).toBe(join(dir, 'outbox.jsonl'));
    expect(existsSync(ledger.path)).toBe(true);
    expect(ledger.lastRequest()).toBeUndefined();
    const turn = await turnOf(ledger);
    expect(turn.refusal(1, payout, 1, false)).toBeUndefined();
    turn.intent(1, 1, 5000, payout);
    turn.outcome(1, 1, 5001, 5040, accepted);
    turn.release();
    const intent: OutboxLine = {
      v: 1,
      t: 'intent',
      api: API,
      ckpt: A.ckpt,
      input: A.input,
      row: 1,
      attempt: 1,
      at: 5000,
      currency: 'BTC',
      address: payout.toAddress,
      amount: '0.1',
    };
    const outcome: OutboxLine = {
      v: 1,
      t: 'outcome',
      api: API,
      ckpt: A.ckpt,
      row: 1,
      attempt: 1,
      startedAt: 5001,
      endedAt: 5040,
      outcome: accepted,
    };
    expect(fileLines()).toEqual([intent, outcome]);
    expect(ledger.ownLines()).toEqual([intent, outcome]);
    expect(ledger.lastRequest()).toEqual({ intentAt: 5000, startedAt: 5001, endedAt: 5040 });
    // Its own payment is no repeat for itself.
    expect(ledger.repeatOf(payout)).toBeUndefined();
  });

  it('records a request that moves no money, for the gap', async () => {
    const ledger = open(A);
    const turn = await turnOf(ledger);
    turn.request({ intentAt: 7000, startedAt: 7001, endedAt: 7020 });
    turn.release();
    const turn2 = await turnOf(ledger, new Pacer({ intervalMs: 0, marginMs: 0 }));
    turn2.request({ intentAt: 8000 });
    turn2.release();
    expect(fileLines()).toEqual([
      { v: 1, t: 'request', api: API, at: 7000, startedAt: 7001, endedAt: 7020 },
      { v: 1, t: 'request', api: API, at: 8000 },
    ]);
    expect(open(undefined).lastRequest()).toEqual({ intentAt: 8000 });
  });

  it('refuses to record without a bound checkpoint or without a writable outbox', async () => {
    open(A);
    const unbound = open(undefined);
    const turn = await turnOf(unbound);
    expect(() => turn.intent(1, 1, 1, payout)).toThrow('not bound to a checkpoint');
    turn.release();
    const readOnly = open(A, A.ckpt, false);
    const turn2 = await turnOf(readOnly);
    expect(() => turn2.intent(1, 1, 1, payout)).toThrow('not open for writing');
    turn2.release();
  });

  it('a read-only ledger of a folder with no outbox creates nothing', () => {
    const ledger = open(undefined, undefined, false);
    expect(ledger.lastRequest()).toBeUndefined();
    expect(ledger.ownLines()).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('another process’s ledger sees the first one’s lines at its next turn, and refuses the repeat from another checkpoint', async () => {
    const first = open(A);
    const second = open(B); // Opened before the first sends: it learns of it only at its turn.
    const at = await send(first, 1, accepted);
    expect(second.repeatOf(payout)).toBeUndefined();
    const turn = await turnOf(second);
    expect(second.repeatOf(payout)).toMatchObject({ ckpt: A.ckpt, input: A.input, row: 1, state: 'paid', at });
    const refusal = turn.refusal(7, payout, 1, false);
    expect(refusal).toBe(
      `row 7 repeats the payment of 0.1 BTC to ${payout.toAddress} this machine sent at ${new Date(at).toISOString().replace('T', ' ').slice(0, 19)} UTC from a.csv (row 1; paid); not sent. Give --allow-repeat if it really is due again`,
    );
    expect(turn.refusal(7, payout, 1, true)).toBeUndefined();
    expect(turn.refusal(7, { ...payout, amount: '0.2' }, 1, false)).toBeUndefined();
  });

  it('refuses a repeat of a payment in flight or unknown, not of one rejected', async () => {
    const first = open(A);
    const firstTurn = await turnOf(first);
    // The process "died" mid-request (no outcome), a while ago: the slack for its unknown start is over.
    const at = Date.now() - 2000;
    firstTurn.intent(1, 1, at, payout);
    firstTurn.release();
    const second = open(B);
    let turn = await turnOf(second);
    expect(turn.refusal(1, payout, 1, false)).toMatch(/\(row 1; in flight\); not sent/);
    turn.release();
    const again = await turnOf(first);
    again.outcome(1, 1, at + 1, at + 2, unknown);
    again.release();
    turn = await turnOf(second);
    expect(turn.refusal(1, payout, 1, false)).toMatch(/\(row 1; unknown\); not sent/);
    turn.release();
    const other = { ...payout, amount: '0.3' };
    await send(first, 2, rejected, 1, other);
    turn = await turnOf(second);
    expect(turn.refusal(1, other, 1, false)).toBeUndefined();
  });

  it('a ledger opened after the lines knows them at once', async () => {
    await send(open(A), 1, accepted);
    expect(open(B).repeatOf(payout)?.ckpt).toBe(A.ckpt);
    expect(open(A).repeatOf(payout)).toBeUndefined();
  });

  it('refuses a row the outbox holds for this checkpoint at the same or a later attempt (a copy of the checkpoint)', async () => {
    const original = open(A);
    await send(original, 3, rejected, 2);
    const copy = open(A);
    const turn = await turnOf(copy);
    for (const attempt of [1, 2]) {
      expect(turn.refusal(3, payout, attempt, false)).toMatch(
        new RegExp(
          `^row 3 was already sent with this checkpoint \\(attempt 2, at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\) by another payout command.*run payout recover a\\.csv`,
        ),
      );
    }
    // Even with --allow-repeat: it is no repeat, it is the very request.
    expect(turn.refusal(3, payout, 2, true)).toMatch(/already sent with this checkpoint/);
    // The next attempt, of the same payment, may go; another row too.
    expect(turn.refusal(3, payout, 3, false)).toBeUndefined();
    expect(turn.refusal(4, payout, 1, false)).toBeUndefined();
  });

  it('refuses a row whose earlier request paid another amount or recipient (the file is read differently)', async () => {
    await send(open(A), 3, rejected, 1);
    const turn = await turnOf(open(A));
    const refusal = turn.refusal(3, { ...payout, amount: '1' }, 2, true);
    expect(refusal).toMatch(
      /^row 3 now reads 1 BTC to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa, but its earlier request \(at .* UTC\) sent 0\.1 BTC to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa: the file is read differently/,
    );
    expect(refusal).toContain('--columns, --decimal-comma?');
    expect(turn.refusal(3, { ...payout, toAddress: '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy' }, 2, false)).toMatch(
      /the file is read differently/,
    );
    expect(turn.refusal(3, { ...payout, currencyCode: 'LTC' }, 2, false)).toMatch(/the file is read differently/);
    expect(turn.refusal(3, payout, 2, false)).toBeUndefined();
  });

  it('compares an EVM address of the earlier request in any letter case', async () => {
    const evm = { currencyCode: 'ETH', toAddress: '0x52908400098527886E0F7030069857D2E4169EE7', amount: '1' };
    await send(open(A), 3, rejected, 1, evm);
    const turn = await turnOf(open(A));
    expect(turn.refusal(3, { ...evm, toAddress: evm.toAddress.toLowerCase() }, 2, false)).toBeUndefined();
    expect(turn.refusal(3, { ...evm, toAddress: '0x0000000000000000000000000000000000000001' }, 2, false)).toMatch(
      /the file is read differently/,
    );
  });

  describe('behind', () => {
    it('names the rows whose intent the outbox has and the checkpoint does not', async () => {
      const ledger = open(A);
      await send(ledger, 10, accepted);
      await send(ledger, 2, rejected);
      expect(ledger.behind(stateOf([]))).toEqual([2, 10]);
      expect(ledger.behind(stateOf([journalIntent(2), journalOutcome(2, rejected)]))).toEqual([10]);
      expect(
        ledger.behind(
          stateOf([journalIntent(2), journalOutcome(2, rejected), journalIntent(10), journalOutcome(10, accepted)]),
        ),
      ).toEqual([]);
    });

    it('names a row the checkpoint has in flight when the outbox has its outcome', async () => {
      const ledger = open(A);
      await send(ledger, 1, accepted);
      expect(ledger.behind(stateOf([journalIntent(1)]))).toEqual([1]);
    });

    it('names a row of an earlier attempt only', async () => {
      const ledger = open(A);
      await send(ledger, 1, { kind: 'rate_limited', message: 'slow down' }, 1);
      await send(ledger, 1, accepted, 2);
      const state = stateOf([journalIntent(1), journalOutcome(1, { kind: 'rate_limited', message: 'slow down' })]);
      expect(ledger.behind(state)).toEqual([1]);
    });

    it('names an unknown row the outbox has resolved and the checkpoint has not', async () => {
      const ledger = open(A);
      await send(ledger, 1, unknown);
      await recordResolve(
        dir,
        { v: 1, t: 'resolve', ckpt: A.ckpt, row: 1, attempt: 1, at: Date.now(), invoiceId: 'INV-BBBB2222' },
        signal(),
      );
      const resumed = open(A);
      const unresolved = stateOf([journalIntent(1), journalOutcome(1, unknown)]);
      expect(resumed.behind(unresolved)).toEqual([1]);
      const resolved = stateOf([
        journalIntent(1),
        journalOutcome(1, unknown),
        { type: 'resolve', row: 1, at: 3000, invoiceId: 'INV-BBBB2222' } as JournalEntry,
      ]);
      expect(resumed.behind(resolved)).toEqual([]);
    });

    it('ignores other checkpoints’ lines, and a ledger opened for no checkpoint has no own lines', async () => {
      await send(open(B), 1, accepted);
      expect(open(A).behind(stateOf([]))).toEqual([]);
      expect(open(undefined).behind(stateOf([]))).toEqual([]);
    });
  });

  describe('the send lock', () => {
    it('holds outbox.lock during a turn, and a second turn waits until release', async () => {
      const lockPath = join(dir, 'outbox.lock');
      const first = open(A);
      const second = open(B);
      const turn = await turnOf(first);
      expect(existsSync(lockPath)).toBe(true);
      expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
      let secondTurn: LedgerTurn | undefined;
      const waiting = second.takeTurn(pacer(), signal()).then((t) => (secondTurn = t));
      await sleep(40);
      expect(secondTurn).toBeUndefined();
      turn.release();
      await waiting;
      expect(secondTurn).toBeDefined();
      turns.push(secondTurn as LedgerTurn);
      expect(existsSync(lockPath)).toBe(true);
      (secondTurn as LedgerTurn).release();
      expect(existsSync(lockPath)).toBe(false);
      // Releasing twice is harmless, and frees nobody else's lock.
      const third = await turnOf(first);
      (secondTurn as LedgerTurn).release();
      expect(existsSync(lockPath)).toBe(true);
      third.release();
    });

    it('a wait for the lock ends with the signal’s reason', async () => {
      const turn = await turnOf(open(A));
      const controller = new AbortController();
      const waiting = open(B).takeTurn(pacer(), controller.signal);
      await sleep(15);
      controller.abort(new Error('stopped by the operator'));
      await expect(waiting).rejects.toThrow('stopped by the operator');
      turn.release();
    });

    it('keeps the gap after another process’s last request, even one made while it waited for the lock', async () => {
      const interval = 60;
      const first = open(A);
      const second = open(B);
      const turn = await turnOf(first);
      const secondPacer = pacer(interval);
      const waiting = second.takeTurn(secondPacer, signal());
      await sleep(10);
      // The first sends while the second waits for the lock: the second reads it under the lock.
      const at = Date.now();
      turn.intent(1, 1, at, payout);
      turn.outcome(1, 1, at, at, accepted);
      turn.release();
      const secondTurn = await waiting;
      turns.push(secondTurn);
      await secondPacer.waitTurn();
      // The request's latest arrival is `at` (it ended then): the next may start `interval` after it.
      expect(Date.now()).toBeGreaterThanOrEqual(at + interval);
      expect(second.lastRequest()).toEqual({ intentAt: at, startedAt: at, endedAt: at });
      expect(secondTurn.refusal(1, payout, 1, false)).toMatch(/repeats the payment/);
    });

    it('keeps the gap after another process’s request read at the start of the turn', async () => {
      const interval = 50;
      const at = await send(open(A), 1, accepted);
      const second = open(B);
      await turnOf(second, pacer(interval));
      expect(Date.now()).toBeGreaterThanOrEqual(at + interval);
    });

    it('keeps the gap after a request of the old clock file', async () => {
      const interval = 50;
      const at = Date.now();
      open(undefined); // creates the state folder
      writeFileSync(
        join(dir, 'last-request.json'),
        JSON.stringify({ v: 1, requests: { [API]: { intentAt: at, startedAt: at, endedAt: at } } }),
      );
      const ledger = open(A);
      expect(ledger.lastRequest()).toEqual({ intentAt: at, startedAt: at, endedAt: at });
      await turnOf(ledger, pacer(interval));
      expect(Date.now()).toBeGreaterThanOrEqual(at + interval);
    });
  });

  describe('recordResolve', () => {
    it('settles an unknown payment for every payroll: not paid is no repeat any more', async () => {
      const first = open(A);
      await send(first, 1, unknown);
      const second = open(B);
      expect(second.repeatOf(payout)?.state).toBe('unknown');
      const line = { v: 1, t: 'resolve', ckpt: A.ckpt, row: 1, attempt: 1, at: Date.now(), invoiceId: null } as const;
      await recordResolve(dir, line, signal());
      expect(fileLines().at(-1)).toEqual(line);
      expect(existsSync(join(dir, 'outbox.lock'))).toBe(false);
      const turn = await turnOf(second);
      expect(second.repeatOf(payout)).toBeUndefined();
      expect(turn.refusal(1, payout, 1, false)).toBeUndefined();
    });

    it('settled as paid, the payment is a paid repeat', async () => {
      await send(open(A), 1, unknown);
      await recordResolve(
        dir,
        { v: 1, t: 'resolve', ckpt: A.ckpt, row: 1, attempt: 1, at: Date.now(), invoiceId: 'INV-CCCC3333' },
        signal(),
      );
      expect(open(B).repeatOf(payout)?.state).toBe('paid');
    });

    it('waits for the send lock, and cuts a torn last line before it appends', async () => {
      const first = open(A);
      await send(first, 1, unknown);
      const turn = await turnOf(first);
      let done = false;
      const line = { v: 1, t: 'resolve', ckpt: A.ckpt, row: 1, attempt: 1, at: Date.now(), invoiceId: null } as const;
      const resolving = recordResolve(dir, line, signal()).then(() => (done = true));
      await sleep(30);
      expect(done).toBe(false);
      // The holder's write was torn by a crash, then its lock went.
      writeFileSync(
        join(dir, 'outbox.jsonl'),
        `${readFileSync(join(dir, 'outbox.jsonl'), 'utf8')}{"v":1,"t":"intent","api"`,
      );
      turn.release();
      await resolving;
      const lines = readFileSync(join(dir, 'outbox.jsonl'), 'utf8').trimEnd().split('\n');
      expect(lines.map(parseOutboxLine)).toEqual([
        expect.objectContaining({ t: 'intent' }),
        expect.objectContaining({ t: 'outcome' }),
        line,
      ]);
    });
  });

  it('counts the unreadable lines of the outbox and of the old history', () => {
    open(undefined);
    writeFileSync(join(dir, 'outbox.jsonl'), 'damaged\n{"v":1}\n');
    writeFileSync(join(dir, 'history.jsonl'), 'garbage\n');
    expect(open(A).unreadable).toBe(3);
  });

  it('imports the old history: its payments are repeats through this API', () => {
    open(undefined);
    const old = {
      v: 1,
      at: new Date().toISOString(),
      currency: 'BTC',
      address: payout.toAddress,
      amount: '0.1',
      invoiceId: '',
      input: 'old.csv',
      sha256: 'c'.repeat(64),
      checkpoint: '2026-11-01T00:00:00Z',
      baseUrl: `${API}/`,
    };
    writeFileSync(join(dir, 'history.jsonl'), `${JSON.stringify(old)}\n`);
    expect(open(A).repeatOf(payout)).toMatchObject({ input: 'old.csv', state: 'unknown', row: 0 });
    // Resuming that old checkpoint (its id is sha256@createdAt), its own payments are no repeats.
    const oldId = `${'c'.repeat(64)}@2026-11-01T00:00:00Z`;
    expect(open({ ckpt: oldId, input: 'old.csv' }).repeatOf(payout)).toBeUndefined();
  });
});

describe('describeSent', () => {
  const sent: SentPayment = {
    api: API,
    ckpt: 'x',
    input: 'payroll.csv',
    row: 3,
    attempt: 1,
    at: Date.parse('2026-12-02T08:01:02.345Z'),
    currency: 'BTC',
    address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
    amount: '0.1',
    state: 'paid',
  };

  it('says what was paid, when, from which payroll and row, and where it stands', () => {
    expect(describeSent(sent)).toBe(
      'the payment of 0.1 BTC to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa this machine sent at 2026-12-02 08:01:02 UTC from payroll.csv (row 3; paid)',
    );
  });

  it('leaves out the row of a payment of the old history (row 0)', () => {
    expect(describeSent({ ...sent, row: 0, state: 'unknown' })).toBe(
      'the payment of 0.1 BTC to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa this machine sent at 2026-12-02 08:01:02 UTC from payroll.csv (unknown)',
    );
  });
});
