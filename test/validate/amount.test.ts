import { describe, expect, it } from '@jest/globals';
import { findCurrency, type Currency } from '../../src/core/currencies.js';
import { formatDecimal } from '../../src/core/money.js';
import { checkAmountText, checkAmountValue } from '../../src/validate/amount.js';
import type { ValidateOptions } from '../../src/validate/options.js';

function currency(code: string): Currency {
  const found = findCurrency(code);
  if (!found) throw new Error(`no currency ${code}`);
  return found;
}

/** The verdict as one string: the canonical decimal, or the reason. */
function verdict(raw: string, code?: string, options: ValidateOptions = {}): string {
  const text = checkAmountText(raw, options);
  if (!text.ok) return text.reason;
  return checkAmountValue(text.parts, raw, code ? currency(code) : undefined) ?? `=${formatDecimal(text.parts)}`;
}

describe('valid amounts', () => {
  it.each([
    ['12.5', 'USDT_TRC20', '12.5'],
    ['1', 'BTC', '1'],
    ['0.000001', 'USDT_TRC20', '0.000001'],
    ['0.00000001', 'BTC', '0.00000001'],
    ['0.000000000000000001', 'ETH', '0.000000000000000001'],
    // Trailing zeros beyond the scale do not change the value.
    ['1.500000000', 'BTC', '1.5'],
    ['2.0000000', 'USDT_TRC20', '2'],
    // Leading zeros do not either.
    ['007.50', 'TRX', '7.5'],
    ['1000000', 'USDT_ERC20', '1000000'],
    ['123456789.123456', 'USDT_TRC20', '123456789.123456'],
  ])('%j for %s is %s', (raw, code, canonical) => expect(verdict(raw, code)).toBe(`=${canonical}`));
});

describe('refused amounts, one reason per rule', () => {
  it.each([
    ['', /^the amount is empty: write the amount to pay/],
    ['   ', /^the amount is blank/],
    [' 12.5', /^" 12.5" has a space at the start; remove it$/],
    ['12.5 ', /^"12.5 " has a space at the end; remove it$/],
    ['12.5\t', /has a tab at the end; remove it$/],
    ['\u00A012.5', /has a non-breaking space at the start/],
    ['12.5\u200B', /has an invisible character \(U\+200B\) at the end/],
    [' 0,5', /uses a decimal comma: write 0\.5, with a point; also remove a space at the start$/],
    ['1 2', /contains a space inside the number: remove it/],
    ['+5', /starts with a plus sign: write the amount without a sign, e\.g\. 5$/],
    ['-5', /is negative: a payout must be a positive amount/],
    ['−5', /is negative/],
    ['(5)', /is negative/],
    ['0', /is zero: a payout must be more than zero/],
    ['0.00', /is zero/],
    ['000', /is zero/],
    ['1,000.50', /uses a comma to group thousands: write 1000\.50$/],
    ['1,000,000', /uses a comma to group thousands: write 1000000$/],
    ['1 000', /uses spaces to group thousands: write 1000$/],
    ['1\u00A0000,50', /uses spaces to group thousands: write 1000\.50$/],
    ['1\u202F000', /uses spaces to group thousands: write 1000$/],
    ["1'000", /uses apostrophes to group thousands: write 1000$/],
    ['1.000,50', /uses points to group thousands \(and a comma for decimals\): write 1000\.50$/],
    ['1.000.000', /uses points to group thousands/],
    ['1,000', /is ambiguous: the comma may group thousands \(1000\) or mark decimals \(1\.000\)/],
    ['0,5', /uses a decimal comma: write 0\.5, with a point$/],
    ['12,50', /uses a decimal comma: write 12\.50/],
    [',5', /uses a decimal comma: write 0\.5/],
    ['١٢٫٥', /uses "١" \(U\+0661\), a digit other than 0-9: retype the amount with the digits 0-9$/],
    ['１２', /a digit other than 0-9/],
    ['NaN', /is not a number/],
    ['Infinity', /is not a number/],
    ['-Infinity', /is not a number/],
    ['.5', /has no digit before the decimal point: write 0\.5$/],
    ['5.', /ends with a decimal point: write 5$/],
    ['1E-05', /exponent \(scientific\) notation.*format the amount column as Number with enough decimal places/],
    ['1.5e3', /exponent/],
    ['1.2.3', /is not a plain number/],
    ['$12', /contains "\$": write only the number/],
    ['12 USDT', /contains "U": write only the number/],
  ])('%j: %s', (raw, reason) => expect(verdict(raw)).toMatch(reason));
});

describe('amounts against the currency and the JSON number', () => {
  it.each([
    [
      '0.1234567',
      'USDT_TRC20',
      /has 7 decimal places, but USDT_TRC20 has at most 6 \(its smallest unit is 0\.000001\)/,
    ],
    ['0.000000001', 'BTC', /has 9 decimal places, but BTC has at most 8/],
    ['0.0000000000000000001', 'ETH', /has 19 decimal places, but ETH has at most 18/],
    [
      '12345678901234567.5',
      'ETH',
      /more significant digits than the API's JSON number can carry exactly \(about 15-17\): it would arrive as 12345678901234568;/,
    ],
    ['1.123456789012345678', 'ETH', /it would arrive as 1\.1234567890123457;/],
    ['9'.repeat(400), 'ETH', /it is too large/],
  ])('%j for %s: %s', (raw, code, reason) => expect(verdict(raw, code)).toMatch(reason));

  it('checks the JSON round trip even when the currency is unknown, but not the scale', () => {
    expect(verdict('0.1234567')).toBe('=0.1234567');
    expect(verdict('12345678901234567.5')).toMatch(/JSON number/);
  });
});

describe('with a decimal comma', () => {
  const comma = { decimalComma: true };
  it.each([
    ['0,5', '0.5'],
    ['1000,25', '1000.25'],
    ['1,000', '1'],
    ['12', '12'],
  ])('%j is %s', (raw, canonical) => expect(verdict(raw, 'USDT_TRC20', comma)).toBe(`=${canonical}`));

  it.each([
    ['0.5', /has a point, which is ambiguous when amounts are read with a decimal comma.*write 0,5, as meant$/],
    ['1.500', /write 1500 or 1,500, as meant$/],
    ['1.000,50', /uses points to group thousands: write 1000,50$/],
    ['1 000,50', /uses spaces to group thousands: write 1000,50$/],
    ['1,2,3', /has more than one comma/],
    [',5', /has no digit before the decimal comma: write 0,5$/],
    ['5,', /ends with a decimal comma: write 5$/],
  ])('%j: %s', (raw, reason) => expect(verdict(raw, 'USDT_TRC20', comma)).toMatch(reason));
});
