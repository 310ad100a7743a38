/**
 * The send loop against the sandbox over real HTTP: what each outcome makes of the run (go on,
 * send again, stop), what the checkpoint and the machine's outbox hold afterwards, what the
 * progress reporter is told, and what a stop leaves. Faults are injected into the sandbox at the
 * moment a row's turn comes, so each row gets the answer the case names.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '../../src/api/client.js';
import type { JournalEntry, JournalHeader } from '../../src/journal/entries.js';
import { JournalWriter } from '../../src/journal/file.js';
import { emptyState } from '../../src/journal/replay.js';
import { ApiLedger } from '../../src/ledger/ledger.js';
import { InputError } from '../../src/core/errors.js';
import { parseOutboxLine, type OutboxLine } from '../../src/ledger/outbox-lines.js';
import { createLogger } from '../../src/log.js';
import { estimateMs } from '../../src/output/format.js';
import { NEVER_SENT_RETRIES } from '../../src/pay/next-step.js';
import type { ProgressReporter, RowEvent } from '../../src/pay/progress.js';
import { sendRows, type RowToSend, type SendLoopContext, type WithdrawalSender } from '../../src/pay/send-loop.js';
import { startSandbox, type Fault, type Sandbox } from '../../src/sandbox/index.js';
import { systemClock, type Clock } from '../../src/schedule/clock.js';
import { Pacer, type PaceWait } from '../../src/schedule/pacer.js';
import { ADDRESS, amountOfRow, tempDir } from '../helpers/payroll.js';
import { refusedPort } from '../helpers/refused-port.js';

const INTERVAL = 100;
/** Sized for a loaded machine, as in send-loop.test.ts. */
const MARGIN = 150;
const KEY = 'k-steps-5c1e';
let dir: string;
let sandbox: Sandbox;
const opened: Array<{ close(): unknown }> = [];

beforeEach(async () => {
  dir = tempDir();
  sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY, latencyMs: [5, 20] });
  opened.push(sandbox);
});
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
  rmSync(dir, { recursive: true, force: true });
});

const header: JournalHeader = {
  type: 'header',
  version: 1,
  input: { sha256: '1'.repeat(64), bytes: 0, name: 'steps.csv' },
  createdAt: '2026-12-01T00:00:00Z',
};

const payoutOf = (i: number): RowToSend['payout'] => ({
  currencyCode: 'USDT_TRC20',
  toAddress: ADDRESS.tron,
  amount: amountOfRow(i),
});

async function* rowsOf(numbers: number[]): AsyncGenerator<RowToSend> {
  for (const rowNumber of numbers) yield { rowNumber, payout: payoutOf(rowNumber) };
}
const rows = (count: number): AsyncGenerator<RowToSend> => rowsOf(Array.from({ length: count }, (_, i) => i + 1));

/** Every call the loop makes on its reporter, in order; `onSending`/`onRow` act at that moment. */
class RecordingProgress implements ProgressReporter {
  readonly calls: string[] = [];
  readonly rows: RowEvent[] = [];
  readonly waits: PaceWait[] = [];
  onWaiting: (rowNumber: number) => void = () => undefined;
  started: [number, number] | undefined;
  constructor(
    private readonly onSending: (rowNumber: number) => void = () => undefined,
    private readonly onRow: (event: RowEvent) => void = () => undefined,
  ) {}
  start(total: number, etaMs: number): void {
    this.calls.push('start');
    this.started = [total, etaMs];
  }
  sending(rowNumber: number): void {
    this.calls.push(`sending ${rowNumber}`);
    this.onSending(rowNumber);
  }
  waiting(rowNumber: number, wait: PaceWait): void {
    this.calls.push(`waiting ${rowNumber}`);
    this.waits.push(wait);
    this.onWaiting(rowNumber);
  }
  row(event: RowEvent): void {
    this.calls.push(`row ${event.rowNumber} ${event.outcome}`);
    this.rows.push(event);
    this.onRow(event);
  }
  stop(): void {
    this.calls.push('stop');
  }
}

/** Gives the row named its fault when its turn comes. */
const faultsAt =
  (faults: Record<number, Fault>) =>
  (rowNumber: number): void => {
    const fault = faults[rowNumber];
    if (fault) sandbox.injectFaults([fault]);
  };

const journalPath = (): string => join(dir, 'c.jsonl');
const journalLines = (): JournalEntry[] =>
  readFileSync(journalPath(), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as JournalEntry)
    .slice(1);

function loopContext(total: number, extra: Partial<SendLoopContext> = {}): SendLoopContext {
  const journal = JournalWriter.create(journalPath(), header);
  opened.push(journal);
  return {
    journal,
    state: emptyState(header),
    pacer: new Pacer({ intervalMs: INTERVAL, marginMs: MARGIN }),
    sender: createClient({ baseUrl: sandbox.url, apiKey: KEY, timeoutMs: 2000 }),
    logger: createLogger({ silent: true }),
    stop: new AbortController().signal,
    intervalMs: INTERVAL,
    marginMs: MARGIN,
    total,
    ...extra,
  };
}

const statusesOf = (ctx: SendLoopContext): Array<[number, string, number]> =>
  [...ctx.state.rows.entries()].map(([row, record]) => [row, record.status, record.attempts]);

describe('what each outcome makes of the run', () => {
  it('pays every row, telling the reporter each outcome with the position and the time left', async () => {
    const progress = new RecordingProgress();
    const ctx = loopContext(3, { progress });
    const result = await sendRows(rows(3), ctx);
    expect(result).toStrictEqual({ sent: 3 });
    expect(statusesOf(ctx)).toEqual([
      [1, 'paid', 1],
      [2, 'paid', 1],
      [3, 'paid', 1],
    ]);
    expect(progress.calls).toEqual([
      'start',
      'sending 1',
      'row 1 paid',
      'sending 2',
      'row 2 paid',
      'sending 3',
      'row 3 paid',
      'stop',
    ]);
    expect(progress.started).toEqual([3, estimateMs(3, INTERVAL, MARGIN)]);
    expect(progress.rows).toEqual(
      [1, 2, 3].map((n) => ({
        done: n,
        total: 3,
        rowNumber: n,
        payout: payoutOf(n),
        outcome: 'paid',
        detail: ctx.state.rows.get(n)?.invoiceId,
        etaMs: (3 - n) * (INTERVAL + MARGIN),
      })),
    );
    expect(sandbox.ledger().map((e) => [e.amount, e.processed])).toEqual([1, 2, 3].map((n) => [amountOfRow(n), true]));
    // A clear answer keeps the ordinary pace: only an answer that asks to slow down backs off.
    expect(ctx.pacer.nextStart()).toMatchObject({ why: "the API's pace", ordinary: true });
  });

  it('journals each intent before its request, and the outcome with the times on both clocks', async () => {
    const clock: Clock = { now: () => ({ ...systemClock.now(), boot: 'boot-under-test' }) };
    const ctx = loopContext(2, { clock });
    const before = Date.now();
    await sendRows(rows(2), ctx);
    const after = Date.now();
    const lines = journalLines();
    expect(lines.map((e) => [e.type, 'row' in e && e.row])).toEqual([
      ['intent', 1],
      ['outcome', 1],
      ['intent', 2],
      ['outcome', 2],
    ]);
    for (const row of [1, 2]) {
      const intent = lines.find((e) => e.type === 'intent' && e.row === row);
      const outcome = lines.find((e) => e.type === 'outcome' && e.row === row);
      if (intent?.type !== 'intent' || outcome?.type !== 'outcome') throw new Error('missing line');
      expect(intent).toMatchObject({
        attempt: 1,
        currency_code: 'USDT_TRC20',
        to_address: ADDRESS.tron,
        amount: amountOfRow(row),
        boot: 'boot-under-test',
      });
      expect(outcome).toMatchObject({ attempt: 1, boot: 'boot-under-test', outcome: { kind: 'accepted' } });
      // Wall times in order, within the run.
      expect(before).toBeLessThanOrEqual(intent.at);
      expect(intent.at).toBeLessThanOrEqual(outcome.startedAt);
      expect(outcome.startedAt).toBeLessThanOrEqual(outcome.endedAt);
      expect(outcome.endedAt).toBeLessThanOrEqual(after);
      // Monotonic times in order, whole ms.
      const { atMono } = intent;
      const { startedMono, endedMono } = outcome;
      expect([atMono, startedMono, endedMono].every(Number.isInteger)).toBe(true);
      expect(atMono).toBeLessThanOrEqual(startedMono ?? -1);
      expect(startedMono).toBeLessThanOrEqual(endedMono ?? -1);
    }
    // The pacer of the next run starts from the last request, on this clock.
    expect(ctx.state.lastRequest?.mono?.boot).toBe('boot-under-test');
  });

  it('takes a request whose start was not seen as starting when its answer came', async () => {
    const client = createClient({ baseUrl: sandbox.url, apiKey: KEY, timeoutMs: 2000 });
    const sender: WithdrawalSender = {
      sendWithdrawal: async (payout) => {
        // 200 ms between the loop's reading before the call and the request: a start taken as
        // that reading would be seen.
        await new Promise((resolve) => setTimeout(resolve, 200));
        const { outcome, endedAt } = await client.sendWithdrawal(payout);
        return { outcome, endedAt };
      },
    };
    const ctx = loopContext(1, { sender });
    await sendRows(rows(1), ctx);
    const outcome = journalLines().find((e) => e.type === 'outcome');
    if (outcome?.type !== 'outcome') throw new Error('no outcome');
    expect(outcome.startedAt).toBe(outcome.endedAt);
    // On the monotonic clock that wall moment lands a little before the loop's own reading after
    // the call (4 ms once, on a loaded machine), never after it, and well after the 200 ms wait.
    const started = outcome.startedMono ?? -1;
    const ended = outcome.endedMono ?? -1;
    expect(started).toBeLessThanOrEqual(ended);
    expect(ended - started).toBeLessThan(100);
  });

  it('goes on after a rejected row, which is failed', async () => {
    const progress = new RecordingProgress(faultsAt({ 1: { kind: 'reject', key: 'network' } }));
    const ctx = loopContext(2, { progress });
    const result = await sendRows(rows(2), ctx);
    expect(result).toStrictEqual({ sent: 2 });
    expect(statusesOf(ctx)).toEqual([
      [1, 'failed', 1],
      [2, 'paid', 1],
    ]);
    expect(progress.rows.map((e) => [e.rowNumber, e.outcome, e.done])).toEqual([
      [1, 'failed', 1],
      [2, 'paid', 2],
    ]);
    expect(progress.rows[0]?.detail).toBe(ctx.state.rows.get(1)?.error);
  });

  it('stops after three unknown answers in a row, counted across rows, and sends no more', async () => {
    const drop: Fault = { kind: 'drop', when: 'before' };
    const progress = new RecordingProgress(faultsAt({ 1: drop, 2: drop, 3: drop }));
    const ctx = loopContext(4, { progress });
    const result = await sendRows(rows(4), ctx);
    expect(result.sent).toBe(3);
    expect(result.stopReason).toMatch(/3 requests in a row/);
    expect(statusesOf(ctx)).toEqual([
      [1, 'unknown', 1],
      [2, 'unknown', 1],
      [3, 'unknown', 1],
    ]);
    expect(progress.calls).not.toContain('sending 4');
    expect(progress.calls.at(-1)).toBe('stop');
    expect(sandbox.ledger()).toHaveLength(3);
  });

  it('does not stop for unknown answers that a clear one interrupts', async () => {
    const drop: Fault = { kind: 'drop', when: 'before' };
    const progress = new RecordingProgress(faultsAt({ 1: drop, 2: drop, 4: drop, 5: drop }));
    const ctx = loopContext(5, { progress });
    const result = await sendRows(rows(5), ctx);
    expect(result).toStrictEqual({ sent: 5 });
    expect(statusesOf(ctx).map(([, status]) => status)).toEqual(['unknown', 'unknown', 'paid', 'unknown', 'unknown']);
  });

  it('stops at a refused key, leaving that row and the rest to pay', async () => {
    const progress = new RecordingProgress(faultsAt({ 2: { kind: 'auth' } }));
    const ctx = loopContext(3, { progress });
    const result = await sendRows(rows(3), ctx);
    expect(result.sent).toBe(2);
    expect(result.stopReason).toMatch(/row 2 and the rest were not sent/);
    expect(statusesOf(ctx)).toEqual([
      [1, 'paid', 1],
      [2, 'pending', 1],
    ]);
    expect(progress.calls).toEqual(['start', 'sending 1', 'row 1 paid', 'sending 2', 'stop']);
    expect(sandbox.ledger().map((e) => e.response)).toEqual(['accepted', 'auth_failed']);
  });

  it('sends a rate-limited row again, a full interval after the answer that asked to slow down', async () => {
    // An answer slower than the margin: the gap after the request alone would come before the
    // interval after the answer.
    const slow = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY, latencyMs: [MARGIN + 60, MARGIN + 60] });
    opened.push(slow);
    const client = createClient({ baseUrl: slow.url, apiKey: KEY, timeoutMs: 2000 });
    const calls: Array<{ startedAt: number; endedAt: number }> = [];
    const sender: WithdrawalSender = {
      sendWithdrawal: async (payout) => {
        const startedAt = Date.now();
        const result = await client.sendWithdrawal(payout);
        calls.push({ startedAt, endedAt: result.endedAt });
        return result;
      },
    };
    const warnings: string[] = [];
    const logger = createLogger({ console: { write: (text) => void warnings.push(text) } });
    slow.injectFaults([{ kind: 'rate_limit_429' }]);
    const ctx = loopContext(1, { sender, logger });
    const result = await sendRows(rows(1), ctx);
    expect(result).toStrictEqual({ sent: 2 });
    expect(statusesOf(ctx)).toEqual([[1, 'paid', 2]]);
    expect(slow.ledger().map((e) => e.response)).toEqual(['rate_limited', 'accepted']);
    const [first, second] = calls;
    // Date.now() drops the fraction of a ms: 1 ms of slack.
    expect((second?.startedAt ?? 0) - (first?.endedAt ?? 0)).toBeGreaterThanOrEqual(INTERVAL - 1);
    expect(warnings.filter((line) => line.startsWith('warn: row 1'))).toHaveLength(1);
  });

  it('retries a request that never left after growing waits, then stops with the row still to pay', async () => {
    const sender = createClient({ baseUrl: `http://127.0.0.1:${await refusedPort()}`, apiKey: KEY, timeoutMs: 2000 });
    const ctx = loopContext(2, { sender });
    const started = performance.now();
    const result = await sendRows(rows(2), ctx);
    const elapsed = performance.now() - started;
    expect(result.sent).toBe(1 + NEVER_SENT_RETRIES);
    expect(result.stopReason).toMatch(/row 1 and the rest were not sent/);
    expect(statusesOf(ctx)).toEqual([[1, 'pending', 1 + NEVER_SENT_RETRIES]]);
    // The waits before the retries: one, two, then four intervals.
    expect(elapsed).toBeGreaterThanOrEqual(INTERVAL * (1 + 2 + 4) - 5);
    // Nothing left: the recorded start is the moment it was known.
    for (const line of journalLines())
      if (line.type === 'outcome') {
        expect(line.outcome.kind).toBe('never_sent');
        expect(line.startedAt).toBe(line.endedAt);
      }
  });
});

describe('a stop', () => {
  it('while a row waits for its turn: nothing is journaled or sent for it, and the run says interrupted', async () => {
    const stop = new AbortController();
    const progress = new RecordingProgress((n) => n === 2 && stop.abort());
    const ctx = loopContext(3, { progress, stop: stop.signal });
    const result = await sendRows(rows(3), ctx);
    expect(result).toStrictEqual({ sent: 1, stopReason: 'interrupted' });
    expect(statusesOf(ctx)).toEqual([[1, 'paid', 1]]);
    expect(journalLines()).toHaveLength(2);
    expect(sandbox.ledger()).toHaveLength(1);
    expect(progress.calls).toEqual(['start', 'sending 1', 'row 1 paid', 'sending 2', 'stop']);
  });

  it('after a row: the next row is not begun', async () => {
    const stop = new AbortController();
    const progress = new RecordingProgress(undefined, () => stop.abort());
    const ctx = loopContext(3, { progress, stop: stop.signal });
    const result = await sendRows(rows(3), ctx);
    expect(result).toStrictEqual({ sent: 1, stopReason: 'interrupted' });
    expect(progress.calls).toEqual(['start', 'sending 1', 'row 1 paid', 'stop']);
  });

  it('while a request is in flight: it is let finish and its outcome recorded', async () => {
    const stop = new AbortController();
    const client = createClient({ baseUrl: sandbox.url, apiKey: KEY, timeoutMs: 2000 });
    const sender: WithdrawalSender = {
      sendWithdrawal: (payout) => {
        stop.abort();
        return client.sendWithdrawal(payout);
      },
    };
    const ctx = loopContext(2, { sender, stop: stop.signal });
    const result = await sendRows(rows(2), ctx);
    expect(result).toStrictEqual({ sent: 1, stopReason: 'interrupted' });
    expect(statusesOf(ctx)).toEqual([[1, 'paid', 1]]);
    expect(journalLines().map((e) => e.type)).toEqual(['intent', 'outcome']);
  });

  it('keeps the reason it stopped for when it is also interrupted', async () => {
    const stop = new AbortController();
    const progress = new RecordingProgress((n) => {
      if (n === 1) sandbox.injectFaults([{ kind: 'auth' }]);
    });
    const client = createClient({ baseUrl: sandbox.url, apiKey: KEY, timeoutMs: 2000 });
    const sender: WithdrawalSender = {
      sendWithdrawal: async (payout) => {
        const result = await client.sendWithdrawal(payout);
        stop.abort();
        return result;
      },
    };
    const ctx = loopContext(2, { progress, sender, stop: stop.signal });
    const result = await sendRows(rows(2), ctx);
    expect(result.stopReason).toMatch(/refused the key/);
  });

  it.each([false, true])(
    'while a row waits seconds for the pace (with the outbox: %s): the wait is told first, then nothing is sent',
    async (withOutbox) => {
      const stop = new AbortController();
      const progress = new RecordingProgress();
      progress.onWaiting = () => stop.abort();
      // The API's real pace: the row would wait about 5 s after the request just made.
      const pacer = new Pacer({ intervalMs: 5000, marginMs: MARGIN });
      pacer.record(pacer.now(), pacer.now());
      const ledger = withOutbox ? ApiLedger.open(join(dir, 'state'), sandbox.url, 'ckpt-w', true) : undefined;
      if (ledger) {
        ledger.bind({ ckpt: 'ckpt-w', input: 'w.csv' });
        opened.push(ledger);
      }
      const ctx = loopContext(1, { progress, pacer, stop: stop.signal, ...(ledger && { ledger }) });
      const started = performance.now();
      const result = await sendRows(rows(1), ctx);
      expect(performance.now() - started).toBeLessThan(3000);
      expect(result).toStrictEqual({ sent: 0, stopReason: 'interrupted' });
      expect(progress.calls).toEqual(['start', 'sending 1', 'waiting 1', 'stop']);
      expect(progress.waits[0]?.ms).toBeGreaterThan(3000);
      expect(journalLines()).toEqual([]);
      expect(sandbox.ledger()).toEqual([]);
    },
  );

  it('by a turn that cannot be taken (another boot holds the send lock): the error ends the run, nothing sent', async () => {
    const refused = new InputError('another payout command on another machine holds the send lock');
    const ledger = {
      takeTurn: () => Promise.reject(refused),
    } as unknown as ApiLedger;
    const ctx = loopContext(1, { ledger });
    await expect(sendRows(rows(1), ctx)).rejects.toBe(refused);
    expect(journalLines()).toEqual([]);
    expect(sandbox.ledger()).toEqual([]);
  });

  it('by a check right before the intent (beforeSend throws): nothing journaled or sent, the error passed on', async () => {
    const progress = new RecordingProgress();
    const ctx = loopContext(1, {
      progress,
      beforeSend: () => {
        throw new Error('the output file went away');
      },
    });
    await expect(sendRows(rows(1), ctx)).rejects.toThrow('the output file went away');
    expect(journalLines()).toEqual([]);
    expect(ctx.state.rows.size).toBe(0);
    expect(sandbox.ledger()).toEqual([]);
    expect(progress.calls.at(-1)).toBe('stop');
  });
});

describe("with the machine's outbox", () => {
  const stateDir = (): string => join(dir, 'state');
  function ledgerFor(ckpt: string): ApiLedger {
    const ledger = ApiLedger.open(stateDir(), sandbox.url, ckpt, true);
    ledger.bind({ ckpt, input: `${ckpt}.csv` });
    opened.push(ledger);
    return ledger;
  }
  const outboxLines = (): OutboxLine[] =>
    readFileSync(join(stateDir(), 'outbox.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((text) => parseOutboxLine(text) as OutboxLine);

  it('records every request there too, with its outcome, and lets the next turn be taken', async () => {
    const ledger = ledgerFor('ckpt-a');
    const clock: Clock = { now: () => ({ ...systemClock.now(), boot: 'boot-under-test' }) };
    const ctx = loopContext(2, { ledger, clock });
    expect(await sendRows(rows(2), ctx)).toStrictEqual({ sent: 2 });
    // The gap holds at the API although the outbox hands the turn over a little early.
    const [a, b] = sandbox.ledger();
    expect((b?.arrivedAt ?? 0) - (a?.arrivedAt ?? 0)).toBeGreaterThanOrEqual(INTERVAL);
    // Another process of this boot measures its gap from these lines on the monotonic clock.
    for (const line of outboxLines()) {
      if (line.t === 'intent') expect(line).toMatchObject({ boot: 'boot-under-test', atMono: expect.any(Number) });
      if (line.t === 'outcome')
        expect(line).toMatchObject({
          boot: 'boot-under-test',
          startedMono: expect.any(Number),
          endedMono: expect.any(Number),
        });
    }
    const lines = outboxLines().filter((line) => line.t === 'intent' || line.t === 'outcome');
    expect(lines.map((line) => [line.t, 'row' in line && line.row, 'attempt' in line && line.attempt])).toEqual([
      ['intent', 1, 1],
      ['outcome', 1, 1],
      ['intent', 2, 1],
      ['outcome', 2, 1],
    ]);
    // Each turn was released: another run of this machine gets its turn.
    const next = await ledger.takeTurn(
      new Pacer({ intervalMs: INTERVAL, marginMs: MARGIN }),
      AbortSignal.timeout(5000),
    );
    next.release();
  });

  it('tells the log, with the row, why its turn at the outbox waits', async () => {
    const lines: string[] = [];
    const logger = createLogger({ console: { write: (text) => void lines.push(text) } });
    const real = ledgerFor('ckpt-a');
    // Another payout command holds the send lock: the outbox says so, then gives the turn.
    const ledger = {
      takeTurn: (...args: Parameters<ApiLedger['takeTurn']>) => {
        args[2]?.('waiting for another payout command to finish its request to the API');
        return real.takeTurn(...args);
      },
    } as unknown as ApiLedger;
    expect(await sendRows(rows(1), loopContext(1, { ledger, logger }))).toStrictEqual({ sent: 1 });
    expect(lines).toContainEqual(
      expect.stringContaining('row 1: waiting for another payout command to finish its request to the API'),
    );
  });

  it('refuses, before its intent, a payment another checkpoint of this machine sent; sends it when told to', async () => {
    const first = loopContext(1, { ledger: ledgerFor('ckpt-a') });
    await sendRows(rows(1), first);
    rmSync(journalPath());
    const second = loopContext(1, { ledger: ledgerFor('ckpt-b') });
    const refused = await sendRows(rows(1), second);
    expect(refused.sent).toBe(0);
    expect(refused.stopReason).toEqual(expect.any(String));
    expect(journalLines()).toEqual([]);
    expect(sandbox.ledger()).toHaveLength(1);

    rmSync(journalPath());
    const allowed = loopContext(1, { ledger: ledgerFor('ckpt-c'), allowRepeat: true });
    expect(await sendRows(rows(1), allowed)).toStrictEqual({ sent: 1 });
    expect(sandbox.ledger()).toHaveLength(2);
  });
});
