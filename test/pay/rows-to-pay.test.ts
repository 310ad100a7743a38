/**
 * Pass 2 of a run (pay/rows-to-pay.ts) on real files in a temp dir: `rowsToPay` yields, in
 * order, only the rows pass 1 chose that still validate and that the checkpoint lets be sent
 * (failed ones only with --retry-failed, unknown ones never); it checks the file's identity
 * before each row it hands on and the SHA-256 at the end, and stops with kind 'changed' (exit 2)
 * when the file was rewritten or replaced. Also `checkedBeforeEach` and `inputChanged`.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  closeSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { EXIT, ExitError } from '../../src/core/errors.js';
import type { JournalHeader } from '../../src/journal/entries.js';
import { emptyState, type JournalState } from '../../src/journal/replay.js';
import { checkedBeforeEach, inputChanged, rowsToPay, type PassTwo } from '../../src/pay/rows-to-pay.js';
import type { RowToSend } from '../../src/pay/send-loop.js';
import { identityOf } from '../../src/scan/input-identity.js';
import { AscendingRows } from '../../src/scan/row-list.js';
import { scanPayroll, type ScanOptions } from '../../src/scan/scan.js';
import { journalEntries } from '../helpers/journal-entries.js';
import { ADDRESS, amountOfRow, tempDir, writePayroll } from '../helpers/payroll.js';

const dir = tempDir('payout-rows-to-pay-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ONE_THREAD: ScanOptions = { parallel: { fromBytes: Number.MAX_SAFE_INTEGER } };
/** Two threads, a segment every few rows: pass 1 records a layout, pass 2 reads only the segments it needs. */
const TWO_THREADS: ScanOptions = { parallel: { fromBytes: 0, segmentBytes: 150, chunkBytes: 61 } };

const header: JournalHeader = {
  type: 'header',
  version: 1,
  input: { sha256: 'c'.repeat(64), bytes: 10, name: 'payroll.csv' },
  createdAt: '2026-12-01T00:00:00Z',
};

const { intent, outcome, stateOf } = journalEntries(header, (row) => ({
  currency_code: 'USDT_TRC20',
  to_address: ADDRESS.tron,
  amount: amountOfRow(row),
}));

let files = 0;
/** A fresh payroll of `count` valid rows (amounts 1.000001, 1.000002, …), its mtime set in the past. */
function payroll(count: number): string {
  const path = writePayroll(dir, count, `payroll-${(files += 1)}.csv`);
  // An mtime well before any rewrite: a rewrite in the same clock tick still shows as a change.
  utimesSync(path, new Date(2026, 0, 1), new Date(2026, 0, 1));
  return path;
}

function rowsOf(...numbers: number[]): AscendingRows {
  const rows = new AscendingRows();
  for (const n of numbers) rows.push(n);
  return rows;
}

/** What pass 1 records of `path` (its SHA-256, identity and layout) for pass 2. */
async function passTwo(
  path: string,
  chosen: number[],
  more: Partial<PassTwo> = {},
  scan: ScanOptions = ONE_THREAD,
): Promise<PassTwo> {
  const summary = await scanPayroll(path, scan, () => {});
  return {
    inputPath: path,
    scan,
    chosen: rowsOf(...chosen),
    state: emptyState(header),
    retryFailed: false,
    sha256: summary.sha256,
    identity: identityOf(path),
    layout: summary.layout,
    ...more,
  };
}

async function collect(rows: AsyncIterable<RowToSend>): Promise<number[]> {
  const numbers: number[] = [];
  for await (const row of rows) numbers.push(row.rowNumber);
  return numbers;
}

async function rejectionOf(promise: Promise<unknown>): Promise<ExitError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ExitError) return error;
    throw error;
  }
  throw new Error('it did not throw');
}

/** Overwrites bytes of `path` at `position` in place: same inode, same size, no moment of a truncated file. */
function overwriteAt(path: string, position: number, text: string): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, text, position);
  } finally {
    closeSync(fd);
  }
}

const changedWords = (path: string): string =>
  `${path} changed while the run was reading it; stopped before sending anything from the changed file. ` +
  'Nothing was sent. Put back the original to carry on.';
const changedDuringRunWords = (path: string): string =>
  `${path} changed during the run; the rows sent were read before the change. Nothing was sent. Put back the original to carry on.`;

describe('rowsToPay', () => {
  it('yields the chosen rows in order, with what each pays, and none of the others', async () => {
    const path = payroll(6);
    const rows: RowToSend[] = [];
    for await (const row of rowsToPay(await passTwo(path, [2, 4, 5]))) rows.push(row);
    expect(rows).toEqual(
      [2, 4, 5].map((n) => ({
        rowNumber: n,
        payout: { currencyCode: 'USDT_TRC20', toAddress: ADDRESS.tron, amount: amountOfRow(n) },
      })),
    );
  });

  it('yields nothing when no row is chosen, and a chosen row past the end of the file is not invented', async () => {
    const path = payroll(3);
    expect(await collect(rowsToPay(await passTwo(path, [])))).toEqual([]);
    expect(await collect(rowsToPay(await passTwo(path, [3, 9])))).toEqual([3]);
  });

  it('validates the chosen rows again and skips one that does not validate', async () => {
    const path = join(dir, 'invalid.csv');
    writeFileSync(
      path,
      [
        'employee_id,name,currency_code,to_address,amount',
        `E1,A,USDT_TRC20,${ADDRESS.tron},1.5`,
        `E2,B,USDT_TRC20,${ADDRESS.tron},not-a-number`,
        `E3,C,USDT_TRC20,not-an-address,2`,
        `E4,D,USDT_TRC20,${ADDRESS.tron},4`,
        '',
      ].join('\n'),
    );
    expect(await collect(rowsToPay(await passTwo(path, [1, 2, 3, 4])))).toEqual([1, 4]);
  });

  describe('what the checkpoint lets through', () => {
    // Row 1 paid, 2 failed, 3 unknown (timed out), 4 in flight (unknown), 5 resolved as not paid (pending), 6 never sent.
    const state = (): JournalState =>
      stateOf([
        intent(1),
        outcome(1, { kind: 'accepted', invoiceId: 'INV-11111111' }),
        intent(2),
        outcome(2, { kind: 'rejected', code: 'address', message: 'bad address' }),
        intent(3),
        outcome(3, { kind: 'unknown', message: 'timed out' }),
        intent(4),
        intent(5),
        outcome(5, { kind: 'unknown', message: 'timed out' }),
        { type: 'resolve', row: 5, at: 2000, invoiceId: null },
      ]);

    it('sends pending and unrecorded rows, never paid, failed or unknown ones', async () => {
      const path = payroll(6);
      expect(await collect(rowsToPay(await passTwo(path, [1, 2, 3, 4, 5, 6], { state: state() })))).toEqual([5, 6]);
    });

    it('with --retry-failed lets the failed row through too, and still no unknown one', async () => {
      const path = payroll(6);
      const pass = await passTwo(path, [1, 2, 3, 4, 5, 6], { state: state(), retryFailed: true });
      expect(await collect(rowsToPay(pass))).toEqual([2, 5, 6]);
    });
  });

  describe('a file that changes under it', () => {
    it('stops before the next row of a file rewritten in place (same size, other bytes)', async () => {
      const path = payroll(3);
      const before = statSync(path);
      const rows = rowsToPay(await passTwo(path, [1, 2, 3]));
      const first = await rows.next();
      expect(first.value).toMatchObject({ rowNumber: 1 });
      // Row 2's amount 1.000002 becomes 9.000002: same length, same file.
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace(amountOfRow(2), `9${amountOfRow(2).slice(1)}`));
      expect(statSync(path).size).toBe(before.size);
      expect(statSync(path).ino).toBe(before.ino);
      const error = await rejectionOf(rows.next());
      expect(error).toMatchObject({ kind: 'changed', exitCode: EXIT.usage, sendingStarted: false });
      expect(error.message).toBe(changedWords(path));
      // Nothing more comes from the changed file.
      expect(await rows.next()).toEqual({ done: true, value: undefined });
    });

    it('stops before the next row of a file replaced by another one (another inode), even with the same bytes', async () => {
      const path = payroll(3);
      const rows = rowsToPay(await passTwo(path, [1, 3]));
      expect((await rows.next()).value).toMatchObject({ rowNumber: 1 });
      const copy = join(dir, 'replacement.csv');
      writeFileSync(copy, readFileSync(path));
      renameSync(copy, path);
      await expect(rows.next()).rejects.toThrow(
        expect.objectContaining({ kind: 'changed', exitCode: EXIT.usage, message: changedWords(path) }),
      );
    });

    it('yields nothing from a file that changed before pass 2 began', async () => {
      const path = payroll(3);
      const pass = await passTwo(path, [1, 2, 3]);
      overwriteAt(path, readFileSync(path, 'utf8').indexOf(amountOfRow(1)), '7');
      const seen: number[] = [];
      const error = await rejectionOf(collect({ [Symbol.asyncIterator]: () => tap(rowsToPay(pass), seen) }));
      expect(seen).toEqual([]);
      expect(error.kind).toBe('changed');
      expect(error.message).toBe(changedWords(path));
    });

    it('ends with "changed during the run" when the bytes read differ from those pass 1 hashed', async () => {
      const path = payroll(4);
      const seen: number[] = [];
      const pass = await passTwo(path, [1, 3], { sha256: '0'.repeat(64) });
      const error = await rejectionOf(collect({ [Symbol.asyncIterator]: () => tap(rowsToPay(pass), seen) }));
      // The rows were handed on (their file was the one pass 1 read, by its identity); the end says the bytes differ.
      expect(seen).toEqual([1, 3]);
      expect(error).toMatchObject({ kind: 'changed', exitCode: EXIT.usage });
      expect(error.message).toBe(changedDuringRunWords(path));
    });

    it('ends with "changed during the run" when bytes after the last chosen row change while it reads', async () => {
      // About 600 KB, several read chunks: the end of the file is read long after row 1 was handed on.
      const path = payroll(10_000);
      const rows = rowsToPay(await passTwo(path, [1]));
      expect((await rows.next()).value).toMatchObject({ rowNumber: 1 });
      // The last row's amount, 1.010000, becomes 2.010000 in place.
      overwriteAt(path, readFileSync(path, 'utf8').lastIndexOf(amountOfRow(10_000)), '2');
      const error = await rejectionOf(rows.next());
      expect(error).toMatchObject({ kind: 'changed', exitCode: EXIT.usage });
      expect(error.message).toBe(changedDuringRunWords(path));
    });
  });

  describe('after a two-thread pass 1 (a layout of segments)', () => {
    it('yields the same rows as after a one-thread pass 1', async () => {
      const path = payroll(60);
      const chosen = [2, 17, 18, 59];
      const pass = await passTwo(path, chosen, {}, TWO_THREADS);
      expect(pass.layout?.bytes.length).toBeGreaterThan(5);
      expect(await collect(rowsToPay(pass))).toEqual(chosen);
      expect(await collect(rowsToPay(await passTwo(path, chosen)))).toEqual(chosen);
    });

    it('stops at a segment that is not the bytes pass 1 read, before any chosen row after it', async () => {
      const path = payroll(60);
      const pass = await passTwo(path, [59], {}, TWO_THREADS);
      overwriteAt(path, readFileSync(path, 'utf8').indexOf(amountOfRow(30)), '5');
      // The identity pass 1 saw is now the changed file's: only the segments' digests tell.
      const seen: number[] = [];
      const rows = tap(rowsToPay({ ...pass, identity: identityOf(path) }), seen);
      const error = await rejectionOf(collect({ [Symbol.asyncIterator]: () => rows }));
      // Row 59 comes after the changed segment: it is not handed on (a whole-file pass 2 would, and fail only at the end).
      expect(seen).toEqual([]);
      expect(error).toMatchObject({ kind: 'changed', exitCode: EXIT.usage });
      // Not "the rows sent were read before the change": none from the changed segment was sent.
      expect(error.message).toBe(changedWords(path));
    });
  });
});

/** The rows of `rows`, each noted in `seen` as it is handed on. */
async function* tap(rows: AsyncIterable<RowToSend>, seen: number[]): AsyncGenerator<RowToSend> {
  for await (const row of rows) {
    seen.push(row.rowNumber);
    yield row;
  }
}

describe('checkedBeforeEach', () => {
  async function* source(log: string[]): AsyncGenerator<number> {
    for (const n of [1, 2, 3]) {
      log.push(`read ${n}`);
      yield n;
    }
  }

  it('hands on every row, each after its check passed', async () => {
    const log: string[] = [];
    const checked = checkedBeforeEach(source(log), () => {
      log.push('check');
      return Promise.resolve();
    });
    for await (const n of checked) log.push(`sent ${n}`);
    expect(log).toEqual(['read 1', 'check', 'sent 1', 'read 2', 'check', 'sent 2', 'read 3', 'check', 'sent 3']);
  });

  it('stops at the check that throws: that row and the rest are not handed on', async () => {
    const sent: number[] = [];
    const log: string[] = [];
    let checks = 0;
    const stop = new Error('the output could not be written');
    const checked = checkedBeforeEach(source(log), async () => {
      checks += 1;
      if (checks === 2) throw stop;
    });
    await expect(
      (async () => {
        for await (const n of checked) sent.push(n);
      })(),
    ).rejects.toBe(stop);
    expect(sent).toEqual([1]);
    expect(log).toEqual(['read 1', 'read 2']);
  });
});

describe('inputChanged', () => {
  it('names the input, says nothing from the changed file was sent, exit 2; exit 3 once sending started', () => {
    const error = inputChanged('/data/payroll.csv');
    expect(error).toBeInstanceOf(ExitError);
    expect(error).toMatchObject({ kind: 'changed', exitCode: EXIT.usage, sendingStarted: false });
    expect(error.message).toBe(changedWords('/data/payroll.csv'));
    expect(error.afterSending().exitCode).toBe(EXIT.incomplete);
  });
});
