/**
 * What the send loop says when the checkpoint cannot take an answer (a real full tmpfs, as root;
 * skipped with the reason elsewhere), for each kind of answer: the next step that settles the row
 * by hand, or none when the answer itself was unclear. And an outbox that refuses an intent in
 * any way: the request never leaves, and the checkpoint takes its intent back.
 * test/commands/full-disk.test.ts holds the messages in full; this holds the steps.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '../../src/api/client.js';
import { DiskError } from '../../src/core/errors.js';
import type { JournalHeader } from '../../src/journal/entries.js';
import { JournalWriter } from '../../src/journal/file.js';
import { emptyState } from '../../src/journal/replay.js';
import type { ApiLedger, LedgerTurn } from '../../src/ledger/ledger.js';
import { createLogger } from '../../src/log.js';
import { sendRows, type RowToSend, type SendLoopContext } from '../../src/pay/send-loop.js';
import { headerLeaving, intentLength } from '../helpers/intent-line.js';
import { startSandbox, type Fault, type Sandbox } from '../../src/sandbox/index.js';
import { Pacer } from '../../src/schedule/pacer.js';
import { ADDRESS, amountOfRow, tempDir } from '../helpers/payroll.js';
import { setAppendOnly, whyNoAppendOnly } from '../helpers/disk-faults.js';
import { fillDisk, mountTmpfs, unmountTmpfs, whyNoTmpfs } from '../helpers/tmpfs.js';

const noTmpfs = whyNoTmpfs();
if (noTmpfs) console.warn(`send-loop disk tests skipped: ${noTmpfs}`);
const describeWithTmpfs = noTmpfs ? describe.skip : describe;

const INTERVAL = 20;
/** Sized for a loaded machine, as in send-loop.test.ts. */
const MARGIN = 150;
/** One pacer for every request to the one sandbox, as in a run: the sandbox's gap holds between the tests too. */
const pacer = new Pacer({ intervalMs: INTERVAL, marginMs: MARGIN });
const KEY = 'k-loop-disk-7';
let sandbox: Sandbox;
let plain: string;

beforeAll(async () => {
  sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
  plain = tempDir();
});
afterAll(async () => {
  await sandbox.close();
  rmSync(plain, { recursive: true, force: true });
});

/** The one row each test sends; the amount names the test. */
const rowOf = (n: number): RowToSend => ({
  rowNumber: 1,
  payout: { currencyCode: 'USDT_TRC20', toAddress: ADDRESS.tron, amount: amountOfRow(n) },
});
async function* rows(row: RowToSend): AsyncGenerator<RowToSend> {
  yield row;
}
const arrivalsOf = (row: RowToSend): number => sandbox.ledger().filter((e) => e.amount === row.payout.amount).length;

/** A header whose line fills the checkpoint's page up to `room` bytes short of its end. */
function context(journal: JournalWriter, header: JournalHeader, extra: Partial<SendLoopContext> = {}): SendLoopContext {
  return {
    journal,
    state: emptyState(header),
    pacer,
    sender: createClient({ baseUrl: sandbox.url, apiKey: KEY, timeoutMs: 2000 }),
    logger: createLogger({ silent: true }),
    stop: new AbortController().signal,
    intervalMs: INTERVAL,
    marginMs: MARGIN,
    total: 1,
    ...extra,
  };
}

describeWithTmpfs('a checkpoint that cannot take the answer, with no outbox (--sandbox)', () => {
  let disk: string;
  beforeAll(() => {
    disk = mountTmpfs(256);
  });
  afterAll(() => unmountTmpfs(disk));

  /** Sends `row` with `fault` (if any) once the disk is full past its intent; the failure. */
  async function failureOf(row: RowToSend, name: string, fault?: Fault, ledger?: ApiLedger): Promise<DiskError> {
    // The intent fits in the page; the outcome (about 150 bytes) does not.
    const header = headerLeaving(intentLength(row) + 40);
    const journal = JournalWriter.create(join(disk, `${name}.checkpoint.jsonl`), header);
    const filler = fillDisk(disk);
    if (fault) sandbox.injectFaults([fault]);
    try {
      const failure = await sendRows(rows(row), context(journal, header, ledger && { ledger })).catch(
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(DiskError);
      return failure as DiskError;
    } finally {
      journal.close();
      rmSync(filler, { recursive: true, force: true });
    }
  }

  it('paid: settled with payout resolve --paid and the invoice id', async () => {
    const row = rowOf(201);
    const failure = await failureOf(row, 'paid');
    const invoice = sandbox.ledger().find((e) => e.amount === row.payout.amount)?.invoiceId;
    expect(invoice).toEqual(expect.any(String));
    expect(failure.failure.next).toStrictEqual({ command: 'resolve', row: 1, verdict: `--paid ${invoice}` });
    // What the checkpoint said of itself, then what the loop adds.
    expect(failure.failure.recorded).toBe(
      `Row 1 was sent and paid (${invoice}), but the checkpoint could not record that. The next run shows row 1 as unknown.`,
    );
  });

  it('rejected: settled with payout resolve --not-paid', async () => {
    const failure = await failureOf(rowOf(202), 'rejected', { kind: 'reject', key: 'network' });
    expect(failure.failure.next).toStrictEqual({ command: 'resolve', row: 1, verdict: '--not-paid' });
    expect(failure.failure.recorded).toMatch(
      /^Row 1 was sent and .+, but the checkpoint could not record that\. The next run shows row 1 as unknown\.$/,
    );
  });

  it('no clear answer: no verdict to give; the dashboard says what it was', async () => {
    const failure = await failureOf(rowOf(203), 'unknown', { kind: 'drop', when: 'before' });
    expect(failure.failure.next).toBeUndefined();
    expect(failure.failure.recorded).toMatch(
      /^Row 1 was sent and .+, but the checkpoint could not record that\. The next run shows row 1 as unknown: check it in the CryptoCloud dashboard, then settle it with payout resolve\.$/,
    );
  });

  it('with the outbox: it keeps the answer, and payout recover copies it', async () => {
    const failure = await failureOf(rowOf(205), 'kept', undefined, outbox());
    expect(failure.failure.next).toStrictEqual({ command: 'recover' });
    expect(failure.failure.recorded).toMatch(
      /^Row 1 was sent and paid \(INV-[^)]+\), but the checkpoint could not record that\. This machine's outbox recorded it: payout recover copies it into the checkpoint\.$/,
    );
  });

  it('when the outbox cannot take it either: settled by hand, as with no outbox', async () => {
    const row = rowOf(206);
    const failure = await failureOf(
      row,
      'neither',
      undefined,
      outbox({
        outcome: () => {
          throw new Error('the outbox went away');
        },
      }),
    );
    const invoice = sandbox.ledger().find((e) => e.amount === row.payout.amount)?.invoiceId;
    expect(failure.failure.next).toStrictEqual({ command: 'resolve', row: 1, verdict: `--paid ${invoice}` });
    expect(failure.failure.recorded).toBe(
      `Row 1 was sent and paid (${invoice}), but the checkpoint could not record that. Nor could this machine's outbox: the next run shows row 1 as unknown.`,
    );
  });
});

/** An outbox that takes every line (or does what `turn` says), under no real lock. */
function outbox(turn: Partial<Record<'intent' | 'outcome', () => void>> = {}): ApiLedger {
  const fake = {
    refusal: () => undefined,
    intent: () => undefined,
    outcome: () => undefined,
    release: () => undefined,
    ...turn,
  } as unknown as LedgerTurn;
  return { takeTurn: async () => fake } as unknown as ApiLedger;
}

/** What the outbox throws when its disk is full. */
const outboxFull = (): DiskError =>
  DiskError.from(
    Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' }),
    "this machine's outbox",
    join(plain, 'outbox.jsonl'),
    'The outbox was left as it was.',
  ) as DiskError;

describe('an outbox whose disk is full at the intent', () => {
  it('the checkpoint takes its intent back: the row is still to be sent, nothing to settle', async () => {
    const row = rowOf(207);
    const header = headerLeaving(1000);
    const path = join(plain, 'full-outbox.checkpoint.jsonl');
    const journal = JournalWriter.create(path, header);
    const before = readFileSync(path, 'utf8');
    const ledger = outbox({
      intent: () => {
        throw outboxFull();
      },
    });
    const failure = await sendRows(rows(row), context(journal, header, { ledger })).catch((e: unknown) => e);
    journal.close();
    expect(failure).toBeInstanceOf(DiskError);
    expect((failure as DiskError).failure.recorded).toMatch(
      /^The outbox was left as it was\. .*row 1 is still to be sent/,
    );
    expect((failure as DiskError).failure.next).toBeUndefined();
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(arrivalsOf(row)).toBe(0);
  });

  it('an outbox that says nothing of its own: only what the checkpoint did', async () => {
    const row = rowOf(209);
    const header = headerLeaving(1000);
    const journal = JournalWriter.create(join(plain, 'mute-outbox.checkpoint.jsonl'), header);
    const ledger = outbox({
      intent: () => {
        throw new DiskError({
          what: "this machine's outbox",
          path: join(plain, 'outbox.jsonl'),
          problem: 'full',
          code: 'ENOSPC',
        });
      },
    });
    const failure = await sendRows(rows(row), context(journal, header, { ledger })).catch((e: unknown) => e);
    journal.close();
    expect((failure as DiskError).failure.recorded).toBe(
      'Its intent was taken back from the checkpoint too: row 1 is still to be sent.',
    );
    expect(arrivalsOf(row)).toBe(0);
  });

  const noAppendOnly = noTmpfs ?? whyNoAppendOnly();
  (noAppendOnly ? it.skip : it)(
    'a checkpoint that cannot be cut back either: the row shows unknown, to settle as not paid',
    async () => {
      const disk = mountTmpfs(64);
      const path = join(disk, 'stuck.checkpoint.jsonl');
      const row = rowOf(208);
      const header = headerLeaving(1000);
      const journal = JournalWriter.create(path, header);
      setAppendOnly(path, true);
      try {
        const ledger = outbox({
          intent: () => {
            throw outboxFull();
          },
        });
        const failure = await sendRows(rows(row), context(journal, header, { ledger })).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(DiskError);
        expect((failure as DiskError).failure.next).toStrictEqual({
          command: 'resolve',
          row: 1,
          verdict: '--not-paid',
        });
        // What the outbox said of itself comes first, then what the checkpoint holds.
        expect((failure as DiskError).failure.recorded).toMatch(/^The outbox was left as it was\. .*row 1 as unknown/);
        expect(readFileSync(path, 'utf8')).toMatch(/"type":"intent"/);
        expect(arrivalsOf(row)).toBe(0);
      } finally {
        journal.close();
        setAppendOnly(path, false);
        unmountTmpfs(disk);
      }
    },
  );
});

describe('an outbox that refuses the intent', () => {
  it('for any reason: the request never leaves, the error is passed on, and the checkpoint takes its intent back', async () => {
    const row = rowOf(204);
    const header = headerLeaving(1000);
    const path = join(plain, 'refused.checkpoint.jsonl');
    const journal = JournalWriter.create(path, header);
    const before = readFileSync(path, 'utf8');
    let released = 0;
    const turn = {
      refusal: () => undefined,
      intent: () => {
        throw new Error('the outbox went away');
      },
      outcome: () => undefined,
      release: () => void (released += 1),
    } as unknown as LedgerTurn;
    const ledger = { takeTurn: async () => turn } as unknown as ApiLedger;
    try {
      await expect(sendRows(rows(row), context(journal, header, { ledger }))).rejects.toThrow('the outbox went away');
    } finally {
      journal.close();
    }
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(arrivalsOf(row)).toBe(0);
    expect(released).toBe(1);
  });
});
