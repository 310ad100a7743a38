import { describe, expect, it } from '@jest/globals';
import {
  addDecimals,
  formatDecimal,
  fromMinorUnits,
  numberToPlainDecimal,
  parseDecimal,
  survivesJsonRoundTrip,
  toMinorUnits,
} from '../../src/core/money.js';

describe('parseDecimal', () => {
  it.each([
    ['1', '1'],
    ['0012.3400', '12.34'],
    ['0.5', '0.5'],
    ['10.0', '10'],
    ['0.00023', '0.00023'],
  ])('%s is the decimal %s', (text, canonical) => {
    const parts = parseDecimal(text);
    expect(parts && formatDecimal(parts)).toBe(canonical);
  });

  it.each(['', '.5', '5.', '-1', '+1', '1e-5', '1,5', '1 000', 'NaN', 'Infinity', '١'])('%j is not a plain decimal', (text) => {
    expect(parseDecimal(text)).toBeUndefined();
  });
});

describe('minor units', () => {
  it('converts both ways exactly', () => {
    const parts = parseDecimal('1.5');
    expect(parts && toMinorUnits(parts, 8)).toBe(150000000n);
    expect(fromMinorUnits(150000000n, 8)).toBe('1.5');
    expect(fromMinorUnits(1n, 18)).toBe('0.000000000000000001');
    expect(fromMinorUnits(0n, 6)).toBe('0');
  });

  it('refuses a fraction longer than the scale', () => {
    const parts = parseDecimal('0.123');
    expect(() => parts && toMinorUnits(parts, 2)).toThrow(RangeError);
  });

  it('adds without float error', () => {
    expect(addDecimals('0.1', '0.2', 8)).toBe('0.3');
    expect(addDecimals('999999999.999999', '0.000001', 6)).toBe('1000000000');
  });
});

describe('survivesJsonRoundTrip', () => {
  it.each([
    ['0.1', true],
    ['0.00023', true],
    ['0.00000001', true],
    ['1234567890.12345678', false],
    ['0.30000000000000001', false],
    ['9007199254740993', false],
    ['1.123456789012345678', false],
  ])('%s → %s', (text, ok) => {
    expect(survivesJsonRoundTrip(text)).toBe(ok);
  });

  it('prints small and large doubles without an exponent', () => {
    expect(numberToPlainDecimal(1e-7)).toBe('0.0000001');
    expect(numberToPlainDecimal(1.5e-8)).toBe('0.000000015');
    expect(numberToPlainDecimal(1e21)).toBe('1000000000000000000000');
  });
});
