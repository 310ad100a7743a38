/**
 * CurrencyTotals adds most amounts as exact numbers (below 2^53) and carries into a BigInt: its
 * totals must equal the plain BigInt sum, whatever the amounts and however many.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { findCurrency } from '../../src/core/currencies.js';
import { fromMinorUnits, parseDecimal, toMinorUnits } from '../../src/core/money.js';
import { CurrencyTotals, smallMinorUnits } from '../../src/commands/totals.js';

const CODES = ['BTC', 'ETH', 'USDT_TRC20', 'USDT_ERC20'].filter((code) => findCurrency(code) !== undefined);

/** The sum by the definition: a BigInt of minor units per amount. */
function exactTotal(code: string, amounts: string[]): string {
  const decimals = findCurrency(code)?.decimals ?? 0;
  let sum = 0n;
  for (const amount of amounts) sum += toMinorUnits(parseDecimal(amount)!, decimals);
  return fromMinorUnits(sum, decimals);
}

/** A plain decimal of at most `decimals` decimals (leading and trailing zeros allowed). */
function amountOf(decimals: number) {
  const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  return fc.tuple(digits(1, 22), digits(0, decimals)).map(([integer, fraction]) => (fraction ? `${integer}.${fraction}` : integer));
}

describe('CurrencyTotals', () => {
  it('has currencies to test with', () => {
    expect(CODES.length).toBeGreaterThanOrEqual(2);
  });

  it('equals the BigInt sum on random amounts, small and huge', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CODES), fc.integer({ min: 1, max: 60 }), fc.context(), (code, count, ctx) => {
        const decimals = findCurrency(code)!.decimals;
        const amounts = fc.sample(amountOf(decimals), { numRuns: count, seed: count * 7919 + decimals });
        ctx.log(amounts.join(' '));
        const totals = new CurrencyTotals();
        for (const amount of amounts) totals.add(code, amount);
        expect(totals.entries()).toEqual([{ currency: code, count: amounts.length, total: exactTotal(code, amounts) }]);
      }),
      { numRuns: 500 },
    );
  });

  it('stays exact past 2^53 minor units (the carry into the BigInt)', () => {
    const code = CODES[0]!;
    const decimals = findCurrency(code)!.decimals;
    // Just under 10^15 minor units each: the number sum crosses 2^53 every few rows.
    const big = fromMinorUnits(999_999_999_999_999n, decimals);
    const odd = fromMinorUnits(999_999_999_999_997n, decimals);
    const amounts = Array.from({ length: 50_000 }, (_, i) => (i % 3 === 0 ? odd : i % 3 === 1 ? big : fromMinorUnits(1n, decimals)));
    const totals = new CurrencyTotals();
    for (const amount of amounts) totals.add(code, amount);
    expect(totals.entries()[0]?.total).toBe(exactTotal(code, amounts));
  });

  it('keeps currencies apart and sorted, and refuses what is not a validated amount', () => {
    const totals = new CurrencyTotals();
    totals.add(CODES[1]!, '1.5');
    totals.add(CODES[0]!, '0.25');
    totals.add(CODES[1]!, '2');
    expect(totals.entries().map((e) => [e.currency, e.count, e.total])).toEqual(
      [
        [CODES[0], 1, '0.25'],
        [CODES[1], 2, '3.5'],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    for (const bad of ['', '.5', '5.', '1,5', '-1', '1e3', ' 1', '1..2', '0.' + '1'.repeat(30)]) {
      expect(() => totals.add(CODES[0]!, bad)).toThrow(RangeError);
    }
    expect(() => totals.add('NOPE', '1')).toThrow(RangeError);
    expect(totals.size).toBe(2);
  });
});

describe('smallMinorUnits', () => {
  it.each([
    ['1.5', 8, 150_000_000],
    ['0.00000001', 8, 1],
    ['007', 2, 700],
    ['1.500', 2, undefined],
    ['9999999.99999999', 8, 999_999_999_999_999],
    ['10000000', 8, undefined],
    ['0', 18, 0],
    ['0.000000000000000001', 18, 1],
    ['1', 18, undefined],
    ['', 2, undefined],
    ['1.', 2, undefined],
    ['.1', 2, undefined],
    ['1.2.3', 2, undefined],
  ])('%s at %i decimals → %s', (amount, decimals, expected) => {
    expect(smallMinorUnits(amount, decimals)).toBe(expected);
  });

  it('equals the BigInt minor units whenever it answers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 18 }), fc.string({ unit: fc.constantFrom(...'0123456789.'), maxLength: 22 }), (decimals, amount) => {
        const small = smallMinorUnits(amount, decimals);
        if (small === undefined) return;
        const parts = parseDecimal(amount);
        expect(parts).toBeDefined();
        expect(BigInt(small)).toBe(toMinorUnits(parts!, decimals));
        expect(small).toBeLessThan(1e15);
      }),
      { numRuns: 20000 },
    );
  });
});

describe('CurrencyTotals at 18 decimals', () => {
  it('sums ordinary ETH amounts exactly, past 2^53 units of 10^-9', () => {
    const code = 'ETH';
    expect(findCurrency(code)?.decimals).toBe(18);
    const amounts = Array.from({ length: 20_000 }, (_, i) => `${1 + ((i * 7919) % 4999)}.${String(1 + (i % 98)).padStart(2, '0')}`);
    amounts.push('0.000000000000000001', '123.456789012345678');
    const totals = new CurrencyTotals();
    for (const amount of amounts) totals.add(code, amount);
    expect(totals.entries()).toEqual([{ currency: code, count: amounts.length, total: exactTotal(code, amounts) }]);
  });
});
