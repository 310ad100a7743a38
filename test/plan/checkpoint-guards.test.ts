/**
 * The refusals that guard a checkpoint before its run may send (plan/checkpoint-guards.ts), on a
 * real outbox in a temp dir and checkpoints replayed from journal entries: `refuseIfBehind`
 * refuses a checkpoint that holds less than the outbox records for it (naming the rows, at most
 * ten, the outbox, and a recover command with --checkpoint only when it is not the default one)
 * and an outbox with damaged lines; `withUnsettledRows` turns a changed input whose checkpoint
 * has unknown rows into a refusal that names them, and leaves every other error as it is.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, ExitError, InputError } from '../../src/core/errors.js';
import type { Outcome } from '../../src/core/types.js';
import type { JournalHeader } from '../../src/journal/entries.js';
import { ApiLedger } from '../../src/ledger/ledger.js';
import type { OutboxLine } from '../../src/ledger/outbox-lines.js';
import { resolvePaths, type RunPaths } from '../../src/output/paths.js';
import { refuseIfBehind, withUnsettledRows } from '../../src/plan/checkpoint-guards.js';
import { InputChangedError } from '../../src/scan/scan.js';
import { accepted, journalEntries, rejected, unknown } from '../helpers/journal-entries.js';
import { ADDRESS, tempDir } from '../helpers/payroll.js';

const API = 'http://127.0.0.1:8080';
const CKPT = 'ckpt-a';

const header: JournalHeader = {
  type: 'header',
  version: 1,
  input: { sha256: 'a'.repeat(64), bytes: 10, name: 'payroll.csv' },
  createdAt: '2026-12-01T00:00:00Z',
  id: CKPT,
};

const {
  intent: journalIntent,
  sent,
  stateOf,
} = journalEntries(header, () => ({ currency_code: 'USDT_TRC20', to_address: ADDRESS.tron, amount: '1.5' }));

const outboxIntent = (row: number, attempt = 1, ckpt = CKPT): OutboxLine => ({
  v: 1,
  t: 'intent',
  api: API,
  ckpt,
  input: 'payroll.csv',
  row,
  attempt,
  at: Date.now(),
  currency: 'USDT_TRC20',
  address: ADDRESS.tron,
  amount: '1.5',
});
const outboxOutcome = (row: number, outcome: Outcome, attempt = 1, ckpt = CKPT): OutboxLine => ({
  v: 1,
  t: 'outcome',
  api: API,
  ckpt,
  row,
  attempt,
  startedAt: Date.now(),
  endedAt: Date.now(),
  outcome,
});

function thrown(fn: () => unknown): ExitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ExitError) return error;
    throw error;
  }
  throw new Error('it did not throw');
}

describe('refuseIfBehind', () => {
  let root: string;
  let stateDir: string;
  let paths: RunPaths;
  const ledgers: ApiLedger[] = [];

  beforeEach(() => {
    root = tempDir('payout-guards-');
    stateDir = join(root, 'state');
    paths = resolvePaths(join(root, 'payroll.csv'));
  });
  afterEach(() => {
    for (const ledger of ledgers.splice(0)) ledger.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** The outbox as earlier runs left it (`lines`), opened again as a run resuming CKPT opens it. */
  function ledgerWith(lines: OutboxLine[]): ApiLedger {
    const writer = ApiLedger.open(stateDir, API, CKPT, true);
    for (const line of lines) writer.append(line);
    writer.close();
    const ledger = ApiLedger.open(stateDir, API, CKPT, true);
    ledger.bind({ ckpt: CKPT, input: 'payroll.csv' });
    ledgers.push(ledger);
    return ledger;
  }

  /** Rows 1..n each sent once and answered, as the outbox records them. */
  const answered = (n: number): OutboxLine[] =>
    Array.from({ length: n }, (_, i) => [outboxIntent(i + 1), outboxOutcome(i + 1, accepted)]).flat();

  const words = (rows: string, path: string, recover: string): string =>
    `the checkpoint ${paths.checkpoint} holds less than this machine sent with it: the outbox ${path} records requests for ` +
    `row(s) ${rows} that the checkpoint does not. It was probably restored from a backup or copied. Nothing was sent. ` +
    `Run payout recover ${recover} to bring it up to date from the outbox, then run again.`;

  it('lets a run without an outbox, or without a checkpoint, go on', () => {
    const ledger = ledgerWith([outboxIntent(1)]);
    expect(() => refuseIfBehind(undefined, stateOf([]), paths)).not.toThrow();
    // A first run: the checkpoint has nothing to be behind of yet.
    expect(() => refuseIfBehind(ledger, undefined, paths)).not.toThrow();
  });

  it('lets a checkpoint that holds everything the outbox records for it go on', () => {
    const ledger = ledgerWith([
      ...answered(2),
      outboxIntent(3),
      outboxOutcome(3, rejected),
      // Another checkpoint's requests are not this one's to hold.
      outboxIntent(7, 1, 'ckpt-b'),
      outboxOutcome(7, accepted, 1, 'ckpt-b'),
    ]);
    const state = stateOf([...sent(1, accepted), ...sent(2, accepted), ...sent(3, rejected)]);
    expect(() => refuseIfBehind(ledger, state, paths)).not.toThrow();
  });

  it('refuses a checkpoint behind its outbox, naming the rows, the checkpoint and the outbox (exit 2)', () => {
    const ledger = ledgerWith([...answered(3), outboxIntent(4), outboxOutcome(4, unknown)]);
    // A backup taken after row 1: rows 2, 3 and 4 were sent since.
    const error = thrown(() => refuseIfBehind(ledger, stateOf(sent(1, accepted)), paths));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ kind: 'input', exitCode: EXIT.usage });
    expect(error.message).toBe(words('2, 3, 4', join(stateDir, 'outbox.jsonl'), paths.input));
  });

  it('refuses a checkpoint that still has a row in flight the outbox saw answered', () => {
    const ledger = ledgerWith([outboxIntent(1), outboxOutcome(1, accepted)]);
    const error = thrown(() => refuseIfBehind(ledger, stateOf([journalIntent(1)]), paths));
    expect(error.message).toBe(words('1', ledger.path, paths.input));
  });

  it('names at most ten rows, then ", …"', () => {
    const ledger = ledgerWith(answered(12));
    const error = thrown(() => refuseIfBehind(ledger, stateOf([]), paths));
    expect(error.message).toBe(words('1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …', ledger.path, paths.input));
  });

  it('names exactly ten rows without ", …"', () => {
    const ledger = ledgerWith(answered(10));
    const error = thrown(() => refuseIfBehind(ledger, stateOf([]), paths));
    expect(error.message).toBe(words('1, 2, 3, 4, 5, 6, 7, 8, 9, 10', ledger.path, paths.input));
  });

  it('adds --checkpoint to the recover command for a checkpoint that is not the default one', () => {
    const ledger = ledgerWith(answered(1));
    paths = resolvePaths(join(root, 'payroll.csv'), { checkpoint: join(root, 'elsewhere', 'mine.jsonl') });
    const error = thrown(() => refuseIfBehind(ledger, stateOf([]), paths));
    expect(error.message).toBe(words('1', ledger.path, `${paths.input} --checkpoint ${paths.checkpoint}`));
  });

  it('adds no --checkpoint when the checkpoint given is the default one', () => {
    const ledger = ledgerWith(answered(1));
    const defaults = resolvePaths(join(root, 'payroll.csv'));
    paths = resolvePaths(join(root, 'payroll.csv'), { checkpoint: defaults.checkpoint, out: join(root, 'o.csv') });
    const error = thrown(() => refuseIfBehind(ledger, stateOf([]), paths));
    expect(error.message).toBe(words('1', ledger.path, paths.input));
    expect(error.message).not.toContain('--checkpoint');
  });

  it('refuses an outbox with damaged lines with its damage message, whatever the checkpoint holds', () => {
    mkdirSync(stateDir, { recursive: true });
    const outbox = join(stateDir, 'outbox.jsonl');
    writeFileSync(
      outbox,
      `${JSON.stringify(outboxIntent(1))}\ndamaged\n${JSON.stringify(outboxOutcome(1, accepted))}\n`,
    );
    const ledger = ledgerWith([]);
    const expected =
      `this machine's outbox ${outbox} has 1 line(s) that cannot be read (line 2): any of them may record a payment, ` +
      'so no row is sent while they are there. Nothing was sent. ' +
      'Look at them, and repair or remove them (keep a copy) once the dashboard tells you what they were.';
    for (const state of [undefined, stateOf(sent(1, accepted))]) {
      const error = thrown(() => refuseIfBehind(ledger, state, paths));
      expect(error).toBeInstanceOf(InputError);
      expect(error).toMatchObject({ kind: 'input', exitCode: EXIT.usage });
      expect(error.message).toBe(expected);
    }
  });
});

describe('withUnsettledRows', () => {
  const input = '/data/payroll.csv';
  const changed = (): InputChangedError => new InputChangedError(input);

  it('passes through, unchanged, an error that is not a changed input', () => {
    const state = stateOf(sent(1, unknown));
    for (const error of [new InputError('cannot find /data/payroll.csv'), new Error('boom'), 'text', undefined]) {
      expect(withUnsettledRows(error, state)).toBe(error);
    }
  });

  it('passes through, unchanged, a changed input whose checkpoint has no unknown row', () => {
    const error = changed();
    const state = stateOf([
      ...sent(1, accepted),
      ...sent(2, rejected),
      ...sent(3, unknown),
      { type: 'resolve', row: 3, at: 2000, invoiceId: null },
      ...sent(4, unknown),
      { type: 'resolve', row: 4, at: 2000, invoiceId: 'INV-BBBB2222' },
    ]);
    expect(withUnsettledRows(error, state)).toBe(error);
    expect(withUnsettledRows(error, stateOf([]))).toBe(error);
  });

  it('names the unknown rows of a changed input (timed out, or in flight), by count and number (exit 2)', () => {
    const error = changed();
    const state = stateOf([...sent(1, accepted), ...sent(2, unknown), ...sent(3, rejected), journalIntent(5)]);
    const refusal = withUnsettledRows(error, state) as ExitError;
    expect(refusal).toBeInstanceOf(InputError);
    expect(refusal).not.toBeInstanceOf(InputChangedError);
    expect(refusal).toMatchObject({ kind: 'input', exitCode: EXIT.usage });
    expect(refusal.cause).toBe(error);
    expect(refusal.message).toBe(
      `${input} is not the file its checkpoint was made from (its content changed since the first run). ` +
        'Careful: its checkpoint has 2 unknown row(s) (2, 5) that may already be paid. Nothing was sent. ' +
        'Put back the original file, check them in the dashboard and settle them with payout resolve before paying this file in any way.',
    );
  });

  it('counts every unknown row and names the first ten, then ", …"', () => {
    const entries = Array.from({ length: 12 }, (_, i) => sent(i + 1, unknown)).flat();
    const refusal = withUnsettledRows(changed(), stateOf(entries)) as ExitError;
    expect(refusal.message).toContain(
      'its checkpoint has 12 unknown row(s) (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …) that may already be paid',
    );
  });
});
