import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../src/core/errors.js';
import type { PayrollHeader } from '../../src/csv/read.js';
import { checkReading, readingOf, type Reading } from '../../src/plan/reading.js';

const standard: PayrollHeader = {
  columns: ['name', 'currency_code', 'to_address', 'amount'],
  index: { currency_code: 1, to_address: 2, amount: 3 },
  delimiter: ',',
  bom: false,
  sepLine: false,
};
/** The same payroll read with --columns currency_code=Coin,to_address=Wallet,amount=Sum. */
const mapped: PayrollHeader = {
  columns: [' Coin ', 'Wallet', 'Sum', 'amount'],
  index: { currency_code: 0, to_address: 1, amount: 2 },
  delimiter: ';',
  bom: true,
  sepLine: false,
};

function thrown(fn: () => void): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('it did not throw');
}

describe('readingOf', () => {
  it('names the header column each sent field came from, and the decimal comma', () => {
    expect(readingOf(standard, false)).toEqual({
      columns: { currency_code: 'currency_code', to_address: 'to_address', amount: 'amount' },
      decimalComma: false,
    });
  });

  it('names the columns as matched (trimmed), whatever their place', () => {
    expect(readingOf(mapped, true)).toEqual({
      columns: { currency_code: 'Coin', to_address: 'Wallet', amount: 'Sum' },
      decimalComma: true,
    });
  });
});

describe('checkReading', () => {
  const recorded = readingOf(standard, false);

  it('lets the same reading pass', () => {
    expect(() => checkReading(recorded, readingOf(standard, false), 'p.csv.checkpoint')).not.toThrow();
    expect(() => checkReading(readingOf(mapped, true), readingOf(mapped, true), 'p.csv.checkpoint')).not.toThrow();
  });

  it('lets a reading pass when the header moved but each field comes from the same column', () => {
    const moved: PayrollHeader = {
      ...standard,
      columns: ['amount', 'to_address', 'currency_code'],
      index: { currency_code: 2, to_address: 1, amount: 0 },
    };
    expect(() => checkReading(recorded, readingOf(moved, false), 'c')).not.toThrow();
  });

  it('refuses a changed column mapping, naming --columns, the field, both columns and the checkpoint', () => {
    const now = readingOf(
      {
        ...mapped,
        columns: ['currency_code', 'to_address', 'Sum'],
        index: { currency_code: 0, to_address: 1, amount: 2 },
      },
      false,
    );
    const error = thrown(() => checkReading(recorded, now, '/tmp/p.csv.checkpoint'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('--columns differs');
    expect(error.message).toContain('amount from the column "amount" then, from "Sum" now');
    expect(error.message).toContain('/tmp/p.csv.checkpoint');
    expect(error.message).toContain('Nothing was sent');
    expect(error.message).not.toContain('--decimal-comma');
    expect(error.message).not.toContain('to_address from');
  });

  it('names every changed field', () => {
    const error = thrown(() => checkReading(recorded, readingOf(mapped, false), 'c'));
    expect(error.message).toMatch(
      /currency_code from the column "currency_code" then, from "Coin" now; to_address from the column "to_address" then, from "Wallet" now; amount from/,
    );
  });

  it('refuses a changed decimal comma, naming --decimal-comma, both ways', () => {
    const given = thrown(() => checkReading(recorded, readingOf(standard, true), 'c'));
    expect(given).toBeInstanceOf(InputError);
    expect(given.message).toContain('--decimal-comma was not given then and is given now');
    expect(given.message).not.toContain('--columns');
    const dropped = thrown(() => checkReading(readingOf(standard, true), recorded, 'c'));
    expect(dropped.message).toContain('--decimal-comma was given then and is not given now');
  });

  it('names both options when both changed', () => {
    const error = thrown(() => checkReading(recorded, readingOf(mapped, true), 'c'));
    expect(error.message).toMatch(/--columns differs.*; --decimal-comma was not given then and is given now/);
  });

  it('lets a checkpoint of an earlier version (no reading recorded) pass, whatever the reading now', () => {
    const header: { reading?: Reading } = {};
    expect(() => checkReading(header.reading, readingOf(mapped, true), 'c')).not.toThrow();
    expect(() => checkReading(undefined, readingOf(standard, false), 'c')).not.toThrow();
  });

  it('exits 2 (nothing sent)', () => {
    expect((thrown(() => checkReading(recorded, readingOf(standard, true), 'c')) as InputError).exitCode).toBe(2);
  });
});
