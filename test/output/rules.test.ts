/**
 * The row rules, one line a case: whether a run sends a row, what the row shows, and the exit
 * code a run ends with. The expected values are written out here, not computed.
 */
import { describe, expect, it } from '@jest/globals';
import type { RowVerdict } from '../../src/core/types.js';
import type { RowRecord } from '../../src/journal/row-records.js';
import {
  describeProblem,
  describeProblems,
  duplicateNote,
  emptyCounts,
  exitCodeOf,
  resultOf,
  resultsFrom,
  shouldSend,
  type StatusCounts,
} from '../../src/output/rules.js';
import type { JournalState } from '../../src/journal/replay.js';

const valid: RowVerdict = { ok: true, payout: { currencyCode: 'BTC', toAddress: 'bc1qxyz', amount: '0.5' } };
const invalid: RowVerdict = {
  ok: false,
  problems: [{ column: 'amount', value: '-1', reason: 'must be greater than 0' }],
};
const record = (status: RowRecord['status'], more: Partial<RowRecord> = {}): RowRecord => ({
  status,
  attempts: 1,
  ...more,
});

describe('shouldSend', () => {
  it.each<[string, RowVerdict, RowRecord | undefined, boolean, boolean]>([
    ['valid, never sent', valid, undefined, false, true],
    ['valid, pending (not sent yet)', valid, record('pending', { attempts: 0 }), false, true],
    ['valid, paid', valid, record('paid', { invoiceId: 'INV-1' }), false, false],
    ['valid, paid, even with --retry-failed', valid, record('paid', { invoiceId: 'INV-1' }), true, false],
    ['valid, unknown: never re-sent', valid, record('unknown'), false, false],
    ['valid, unknown: not even with --retry-failed', valid, record('unknown'), true, false],
    ['valid, failed', valid, record('failed', { error: 'x' }), false, false],
    ['valid, failed, with --retry-failed', valid, record('failed', { error: 'x' }), true, true],
    ['invalid, never sent', invalid, undefined, false, false],
    ['invalid, pending', invalid, record('pending'), true, false],
    ['invalid, failed, with --retry-failed', invalid, record('failed'), true, false],
  ])('%s → %s', (_case, verdict, journaled, retryFailed, expected) => {
    expect(shouldSend(verdict, journaled, retryFailed)).toBe(expected);
  });
});

describe('resultOf', () => {
  it.each<[string, RowVerdict, RowRecord | undefined, boolean, number | undefined, object]>([
    ['a valid row, dry run', valid, undefined, true, undefined, { status: 'valid' }],
    ['a valid row, real run, not yet sent', valid, undefined, false, undefined, { status: 'pending' }],
    [
      'a repeat of row 2, dry run',
      valid,
      undefined,
      true,
      2,
      { status: 'valid', error: 'same currency, address and amount as row 2: paid twice only with --allow-duplicates' },
    ],
    [
      'a pending row with a reason it was not sent',
      valid,
      record('pending', { error: 'over --max-amount' }),
      false,
      2,
      { status: 'pending', error: 'over --max-amount' },
    ],
    [
      'a paid row',
      valid,
      record('paid', { invoiceId: 'INV-7' }),
      false,
      undefined,
      { status: 'paid', invoiceId: 'INV-7' },
    ],
    [
      'a paid row stays paid though now invalid',
      invalid,
      record('paid', { invoiceId: 'INV-7' }),
      true,
      undefined,
      { status: 'paid', invoiceId: 'INV-7' },
    ],
    [
      'an unknown row',
      valid,
      record('unknown', { error: 'no answer' }),
      false,
      undefined,
      { status: 'unknown', error: 'no answer' },
    ],
    [
      'a failed row',
      valid,
      record('failed', { error: 'rejected' }),
      true,
      undefined,
      { status: 'failed', error: 'rejected' },
    ],
    [
      'an invalid row',
      invalid,
      undefined,
      false,
      undefined,
      { status: 'invalid', error: 'amount "-1": must be greater than 0' },
    ],
    [
      'an invalid row pending in the journal',
      invalid,
      record('pending'),
      false,
      undefined,
      { status: 'invalid', error: 'amount "-1": must be greater than 0' },
    ],
  ])('%s', (_case, verdict, journaled, dryRun, duplicateOf, expected) => {
    expect(resultOf(verdict, journaled, dryRun, duplicateOf)).toStrictEqual(expected);
  });

  it('resultsFrom reads the row from the journal state, or finds nothing without one', () => {
    const rows = new Map<number, RowRecord>([[3, record('paid', { invoiceId: 'INV-3' })]]);
    const state = { rows } as unknown as JournalState;
    const scanned = (rowNumber: number) => ({ row: { rowNumber }, verdict: valid }) as never;
    expect(resultsFrom(state, false)(scanned(3))).toStrictEqual({ status: 'paid', invoiceId: 'INV-3' });
    expect(resultsFrom(state, false)(scanned(4))).toStrictEqual({ status: 'pending' });
    expect(resultsFrom(undefined, true)(scanned(3))).toStrictEqual({ status: 'valid' });
  });
});

describe('describeProblem', () => {
  it.each([
    [{ column: 'amount', value: '-1', reason: 'must be greater than 0' }, 'amount "-1": must be greater than 0'],
    [{ column: 'amount', value: '', reason: 'is empty' }, 'amount: is empty'],
    [{ column: 'to_address', value: '0xab', reason: '"0xab" is too short' }, 'to_address: "0xab" is too short'],
    [{ column: 'note', value: 'a"b', reason: 'bad' }, 'note "a\\"b": bad'],
  ])('%j → %s', (problem, expected) => {
    expect(describeProblem(problem)).toBe(expected);
  });

  it('joins several with "; "', () => {
    expect(
      describeProblems([
        { column: 'amount', value: '', reason: 'is empty' },
        { column: 'currency_code', value: 'XX', reason: 'unknown' },
      ]),
    ).toBe('amount: is empty; currency_code "XX": unknown');
    expect(describeProblems([])).toBe('');
  });

  it('names the first row in the duplicate note', () => {
    expect(duplicateNote(41)).toBe(
      'same currency, address and amount as row 41: paid twice only with --allow-duplicates',
    );
  });
});

describe('exitCodeOf', () => {
  const counts = (more: Partial<StatusCounts>): StatusCounts => ({ ...emptyCounts(), ...more });
  it.each<[Partial<StatusCounts>, number]>([
    [{}, 0],
    [{ paid: 5 }, 0],
    [{ valid: 5 }, 0],
    [{ paid: 5, failed: 1 }, 1],
    [{ paid: 5, invalid: 1 }, 1],
    [{ paid: 5, failed: 1, pending: 1 }, 3],
    [{ paid: 5, invalid: 1, unknown: 1 }, 3],
    [{ pending: 1 }, 3],
    [{ unknown: 1 }, 3],
  ])('%j → %d', (given, expected) => {
    expect(exitCodeOf(counts(given))).toBe(expected);
  });

  it('starts from zero of every status', () => {
    expect(emptyCounts()).toStrictEqual({ paid: 0, failed: 0, invalid: 0, unknown: 0, pending: 0, valid: 0 });
  });
});
