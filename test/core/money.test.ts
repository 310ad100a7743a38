import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { expectBe, expectEqual } from '../helpers/agree.js';
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

  it.each(['', '.5', '5.', '-1', '+1', '1e-5', '1,5', '1 000', 'NaN', 'Infinity', '١'])(
    '%j is not a plain decimal',
    (text) => {
      expect(parseDecimal(text)).toBeUndefined();
    },
  );
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

/**
 * parseDecimal scans by hand and toMinorUnits computes short amounts with doubles: both must
 * match their definitions (a regular expression; BigInt of the digits) on any input.
 */
describe('fast paths against their definitions', () => {
  const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;
  function parseByDefinition(text: string): { integer: string; fraction: string } | undefined {
    const match = PLAIN_DECIMAL.exec(text);
    if (!match) return undefined;
    return { integer: (match[1] ?? '').replace(/^0+(?=\d)/, ''), fraction: (match[2] ?? '').replace(/0+$/, '') };
  }
  function minorByDefinition(parts: { integer: string; fraction: string }, decimals: number): string {
    try {
      if (parts.fraction.length > decimals) return 'RangeError';
      return String(BigInt(parts.integer + parts.fraction.padEnd(decimals, '0')));
    } catch (error) {
      return (error as Error).constructor.name;
    }
  }
  function minor(parts: { integer: string; fraction: string }, decimals: number): string {
    try {
      return String(toMinorUnits(parts, decimals));
    } catch (error) {
      return (error as Error).constructor.name;
    }
  }
  const digits = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: max });

  it('parseDecimal agrees with /^(\\d+)(?:\\.(\\d+))?$/ and its two replacements', () => {
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789.'), maxLength: 12 }),
      fc.string({ unit: fc.constantFrom(...'00001.,-+e x٣'), maxLength: 10 }),
      fc.tuple(digits(20), digits(20)).map(([i, f]) => `${i}.${f}`),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(text, (t) => expectEqual(parseDecimal(t), parseByDefinition(t))),
      { numRuns: 20000 },
    );
  });

  it('toMinorUnits gives the same integer (or the same error) as BigInt of the padded digits', () => {
    const parts = fc.oneof(
      fc.record({ integer: digits(16), fraction: digits(19) }),
      fc.record({
        integer: fc.constantFrom('', '0', ' 1', '0x1', '1e3', '-1', '1_0'),
        fraction: fc.constantFrom('', '5', '05', ' 5'),
      }),
    );
    const decimals = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(-1, 1.5, Number.NaN));
    fc.assert(
      fc.property(parts, decimals, (p, d) => expectBe(minor(p, d), minorByDefinition(p, d))),
      { numRuns: 20000 },
    );
  });
});
