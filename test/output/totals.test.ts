/**
 * CurrencyTotals adds most amounts as exact numbers (below 2^53) and carries into a BigInt: its
 * totals must equal the plain BigInt sum, whatever the amounts and however many. The expected
 * totals come from this file alone (hand-computed tables, and BigInt arithmetic written here),
 * never from the money functions the code under test uses.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { findCurrency } from '../../src/core/currencies.js';
import { CurrencyTotals, smallMinorUnits } from '../../src/output/totals.js';
import { expectAtMost, expectBe, expectBelow, expectMatch } from '../helpers/agree.js';

/** The decimals of the currencies tested, as the contract's currency table gives them. */
const DECIMALS: Record<string, number> = { BTC: 8, ETH: 18, USDT_TRC20: 6, USDT_ERC20: 6 };
const CODES = Object.keys(DECIMALS);

/** A plain decimal ("12", "0.5", "007.250") as a BigInt of 10^-decimals units; at most `decimals` decimals. */
function minorOf(amount: string, decimals: number): bigint {
  const [integer = '', fraction = ''] = amount.split('.');
  if (!/^\d+$/.test(integer) || !/^\d*$/.test(fraction) || fraction.length > decimals)
    throw new Error(`the test gave a bad amount: ${amount}`);
  return BigInt(integer + fraction.padEnd(decimals, '0'));
}

/** 10^-decimals units as the shortest decimal: no leading zeros, no trailing zeros, no lone point. */
function decimalOf(units: bigint, decimals: number): string {
  const digits = units.toString().padStart(decimals + 1, '0');
  const integer = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return fraction ? `${integer}.${fraction}` : integer;
}

/** The sum by the definition: a BigInt of minor units per amount, added and written back. */
function exactTotal(code: string, amounts: string[]): string {
  const decimals = DECIMALS[code] ?? 0;
  return decimalOf(
    amounts.reduce((sum, amount) => sum + minorOf(amount, decimals), 0n),
    decimals,
  );
}

/** A plain decimal of at most `decimals` decimals (leading and trailing zeros allowed). */
function amountOf(decimals: number) {
  const digits = (min: number, max: number) =>
    fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  return fc
    .tuple(digits(1, 22), digits(0, decimals))
    .map(([integer, fraction]) => (fraction ? `${integer}.${fraction}` : integer));
}

describe('the oracle of this file', () => {
  it.each([
    ['1.5', 8, 150_000_000n, '1.5'],
    ['007.250', 6, 7_250_000n, '7.25'],
    ['0', 18, 0n, '0'],
    ['0.000000000000000001', 18, 1n, '0.000000000000000001'],
    ['10', 0, 10n, '10'],
    ['9999999.99999999', 8, 999_999_999_999_999n, '9999999.99999999'],
  ])('%s at %i decimals is %s units, written back as %s', (amount, decimals, units, written) => {
    expect(minorOf(amount, decimals)).toBe(units);
    expect(decimalOf(units, decimals)).toBe(written);
  });
});

describe('CurrencyTotals', () => {
  it('tests currencies whose decimals are those the tool knows', () => {
    expect(Object.fromEntries(CODES.map((code) => [code, findCurrency(code)?.decimals]))).toEqual(DECIMALS);
  });

  it.each([
    ['USDT_TRC20', ['1.000001', '2.5', '0.000009'], '3.50001'],
    ['USDT_TRC20', ['0'], '0'],
    ['USDT_ERC20', ['0.1', '0.2'], '0.3'],
    ['BTC', ['0.00000001', '0.00000001', '0.00000001'], '0.00000003'],
    ['BTC', ['9999999.99999999', '0.00000001'], '10000000'],
    ['BTC', ['21000000', '0.5', '0.50'], '21000001'],
    ['ETH', ['1', '0.000000000000000001'], '1.000000000000000001'],
    ['ETH', ['123.456789012345678', '0.000000000000322'], '123.456789012346'],
    ['ETH', ['123.456789012345678', '0.000000000000000322'], '123.456789012345678322'],
    ['ETH', ['1000000000.000000001', '0.999999999'], '1000000001'],
  ])('%s %j totals %s (by hand)', (code, amounts, total) => {
    const totals = new CurrencyTotals();
    for (const amount of amounts) totals.add(code, amount);
    expect(totals.entries()).toEqual([{ currency: code, count: amounts.length, total }]);
  });

  it('equals the BigInt sum on random amounts, small and huge', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CODES), fc.integer({ min: 1, max: 60 }), fc.context(), (code, count, ctx) => {
        const decimals = DECIMALS[code] ?? 0;
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
    // Just under 10^15 satoshi each: the number sum crosses 2^53 every few rows.
    const big = '9999999.99999999'; // 999 999 999 999 999 satoshi
    const odd = '9999999.99999997'; // 999 999 999 999 997 satoshi
    const amounts = Array.from({ length: 50_000 }, (_, i) => (i % 3 === 0 ? odd : i % 3 === 1 ? big : '0.00000001'));
    const totals = new CurrencyTotals();
    for (const amount of amounts) totals.add('BTC', amount);
    // 16 667 odd, 16 667 big and 16 666 single satoshi.
    const satoshi = 16_667n * 999_999_999_999_997n + 16_667n * 999_999_999_999_999n + 16_666n;
    expect(satoshi).toBe(33_333_999_999_999_949_998n);
    expect(totals.entries()).toEqual([{ currency: 'BTC', count: 50_000, total: '333339999999.99949998' }]);
  });

  it('keeps currencies apart and sorted, and refuses what is not a validated amount', () => {
    const totals = new CurrencyTotals();
    totals.add('USDT_TRC20', '1.5');
    totals.add('BTC', '0.25');
    totals.add('USDT_TRC20', '2');
    expect(totals.entries().map((e) => [e.currency, e.count, e.total])).toEqual([
      ['BTC', 1, '0.25'],
      ['USDT_TRC20', 2, '3.5'],
    ]);
    for (const bad of ['', '.5', '5.', '1,5', '-1', '1e3', ' 1', '1..2', '0.' + '1'.repeat(30)]) {
      expect(() => totals.add('BTC', bad)).toThrow(RangeError);
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
      fc.property(
        fc.integer({ min: 0, max: 18 }),
        fc.string({ unit: fc.constantFrom(...'0123456789.'), maxLength: 22 }),
        (decimals, amount) => {
          const small = smallMinorUnits(amount, decimals);
          if (small === undefined) return;
          // It answers only for a plain decimal of at most `decimals` decimals, and then exactly.
          expectMatch(amount, /^\d+(\.\d+)?$/);
          expectAtMost(amount.split('.')[1]?.length ?? 0, decimals);
          expectBe(BigInt(small), minorOf(amount, decimals));
          expectBelow(small, 1e15);
        },
      ),
      { numRuns: 20000 },
    );
  });
});

describe('CurrencyTotals at 18 decimals', () => {
  it('sums ordinary ETH amounts exactly, past 2^53 units of 10^-9', () => {
    const code = 'ETH';
    expect(findCurrency(code)?.decimals).toBe(18);
    const amounts = Array.from(
      { length: 20_000 },
      (_, i) => `${1 + ((i * 7919) % 4999)}.${String(1 + (i % 98)).padStart(2, '0')}`,
    );
    amounts.push('0.000000000000000001', '123.456789012345678');
    const totals = new CurrencyTotals();
    for (const amount of amounts) totals.add(code, amount);
    expect(totals.entries()).toEqual([{ currency: code, count: amounts.length, total: exactTotal(code, amounts) }]);
  });
});
