/**
 * Caps and control totals: option values parsed with plain messages, breaches named by row and figure.
 */
import { describe, expect, it } from '@jest/globals';
import { CapsCheck, describeCaps, parseCount, parseCurrencyAmounts, type Caps } from '../../src/plan/caps.js';
import { CurrencyTotals } from '../../src/output/totals.js';

const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';

describe('parsing CUR=AMT', () => {
  it.each<[string[], Record<string, string>]>([
    [['USDT_TRC20=1000'], { USDT_TRC20: '1000' }],
    [['usdt_trc20=1000.50'], { USDT_TRC20: '1000.5' }],
    [[' BTC = 0.5 '], { BTC: '0.5' }],
    [['USDT_TRC20=1', 'BTC=0.00000001'], { USDT_TRC20: '1', BTC: '0.00000001' }],
  ])('%j', (values, expected) => {
    expect(parseCurrencyAmounts('max-amount', values)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['USDT', /--max-amount `USDT=1`: USDT is not one of the API's currency codes/],
    ['USDT_TRC20=1,000', /`USDT_TRC20=1,000`: 1,000 is not a plain decimal/],
    ['USDT_TRC20=1e3', /is not a plain decimal/],
    ['USDT_TRC20=-5', /is not a plain decimal/],
    ['USDT_TRC20=0.0000001', /USDT_TRC20 has 6 decimals/],
    ['USDT_TRC20=0', /above zero/],
    ['1000', /write it as CURRENCY=AMOUNT/],
  ])('refuses %s', (value, message) => {
    const values = value === 'USDT' ? ['USDT=1'] : [value];
    expect(() => parseCurrencyAmounts('max-amount', values)).toThrow(message);
  });

  it('refuses a currency given twice, and allows zero where asked', () => {
    expect(() => parseCurrencyAmounts('max-total', ['BTC=1', 'BTC=2'])).toThrow(/BTC is given twice/);
    expect(parseCurrencyAmounts('expect-total', ['BTC=0'], true)).toEqual({ BTC: '0' });
  });

  it.each<[unknown, number | RegExp]>([
    ['37', 37],
    ['0', 0],
    ['-1', /--expect-count to be a whole number >= 0, got `-1`/],
    ['3.5', /got `3.5`/],
    ['abc', /got `abc`/],
  ])('--expect-count %p', (value, expected) => {
    if (typeof expected === 'number') expect(parseCount('expect-count', value)).toBe(expected);
    else expect(() => parseCount('expect-count', value)).toThrow(expected);
  });
});

describe('checking', () => {
  function check(caps: Caps, amounts: string[]): string[] {
    const checker = new CapsCheck(caps);
    const totals = new CurrencyTotals();
    amounts.forEach((amount, i) => {
      checker.observe({ currencyCode: 'USDT_TRC20', toAddress: TRON, amount }, i + 1);
      totals.add('USDT_TRC20', amount);
    });
    return checker.problems(amounts.length, totals);
  }

  it('holds when every figure is within its cap and every control total matches', () => {
    const caps: Caps = {
      maxAmount: { USDT_TRC20: '500' },
      maxTotal: { USDT_TRC20: '750.5' },
      expectCount: 2,
      expectTotal: { USDT_TRC20: '750.50' },
    };
    expect(check(caps, ['500', '250.5'])).toEqual([]);
    expect(describeCaps(caps)).toEqual([
      '--max-amount USDT_TRC20=500',
      '--max-total USDT_TRC20=750.5',
      '--expect-count 2',
      '--expect-total USDT_TRC20=750.50',
    ]);
  });

  it('names the rows above --max-amount (the first five, then a count)', () => {
    const amounts = ['1', '600', '2', '700', '800', '900', '1000', '1100', '3'];
    expect(check({ maxAmount: { USDT_TRC20: '500' } }, amounts)).toEqual([
      '6 USDT_TRC20 row(s) pay more than --max-amount USDT_TRC20=500: row 2 (600), row 4 (700), row 5 (800), row 6 (900), row 7 (1000), and 1 more',
    ]);
  });

  it('names both figures of a --max-total breach, and of a control total that does not match', () => {
    expect(check({ maxTotal: { USDT_TRC20: '1000' } }, ['1000', '250.5'])).toEqual([
      'USDT_TRC20: the valid rows total 1250.5, more than --max-total USDT_TRC20=1000',
    ]);
    expect(check({ expectTotal: { USDT_TRC20: '1250.6' } }, ['1000', '250.5'])).toEqual([
      'USDT_TRC20: the valid rows total 1250.5, but --expect-total says 1250.6 (short by 0.1)',
    ]);
    expect(check({ expectTotal: { BTC: '1' } }, ['1'])).toEqual([
      'BTC: the valid rows total 0, but --expect-total says 1 (short by 1)',
    ]);
    expect(check({ expectCount: 3 }, ['1', '2'])).toEqual(['the file has 2 valid row(s), but --expect-count says 3']);
  });
});
