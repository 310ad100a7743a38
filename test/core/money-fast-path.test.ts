/**
 * survivesJsonRoundTrip skips the double conversion for short decimals (≤ 15 significant digits):
 * its verdict must equal the full round trip's on every text, short or not, canonical or not.
 */
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { expectBe } from '../helpers/agree.js';
import { numberToPlainDecimal, survivesJsonRoundTrip } from '../../src/core/money.js';

/** The definition, without any fast path. */
function roundTripByDefinition(text: string): boolean {
  const n = Number(text);
  return Number.isFinite(n) && n > 0 && numberToPlainDecimal(n) === text;
}

const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

describe('survivesJsonRoundTrip fast path', () => {
  it.each([
    '0',
    '1',
    '0.1',
    '0.5',
    '12.5',
    '0.00000001',
    '0.0000001',
    '1e-7',
    '100',
    '1000000000000000',
    '100000000000000',
    '999999999999999',
    '9999999999999999',
    '99999999999999.9',
    '999999999999999.9',
    '0.999999999999999',
    '0.9999999999999999',
    '0.000000000000000001',
    '0.0000000000000000001',
    '0.00000000000000000001',
    '0.000000000000000000001',
    '123456789012345',
    '1234567890123456',
    '12345678901234.5',
    '1.00000000000001',
    '1.000000000000001',
    '1.0000000000000001',
    '0.30000000000000004',
    '00.5',
    '0.50',
    '1.',
    '.5',
    '-1',
    '+1',
    ' 1',
    '1 ',
    '0x10',
    'Infinity',
    'NaN',
    '',
    '1.5e3',
    '٣',
    '1,5',
    '0.0',
    '10.10',
    '100000000000000000000',
    '1000000000000000000000',
    '123456789012345678901',
    '1234567890123456789012',
    '5e-324',
    '0.' + '0'.repeat(300) + '1',
    '1' + '0'.repeat(308),
    '1' + '0'.repeat(400),
  ])('%j: same verdict as the full round trip', (text) => {
    expectBe(survivesJsonRoundTrip(text), roundTripByDefinition(text));
  });

  it('agrees with the full round trip on random canonical decimals', () => {
    const canonical = fc
      .tuple(
        fc.oneof(
          fc.constant('0'),
          digits(1, 24).map((d) => d.replace(/^0+(?=\d)/, '')),
        ),
        digits(0, 24).map((d) => d.replace(/0+$/, '')),
      )
      .map(([integer, fraction]) => (fraction ? `${integer}.${fraction}` : integer));
    fc.assert(
      fc.property(canonical, (text) => {
        expectBe(survivesJsonRoundTrip(text), roundTripByDefinition(text));
      }),
      { numRuns: 20000 },
    );
  });

  it('agrees with the full round trip on decimals of a few significant digits at every scale', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 999_999_999_999_999 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 8 }),
        (n, scale, zeros) => {
          const significand = `${n}${'0'.repeat(zeros)}`;
          const padded = significand.padStart(scale + 1, '0');
          const integer = padded.slice(0, padded.length - scale).replace(/^0+(?=\d)/, '');
          const fraction = padded.slice(padded.length - scale).replace(/0+$/, '');
          const text = fraction ? `${integer}.${fraction}` : integer;
          expectBe(survivesJsonRoundTrip(text), roundTripByDefinition(text));
        },
      ),
      { numRuns: 20000 },
    );
  });

  it('agrees with the full round trip on any short text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789.-+e '), maxLength: 24 }), (text) => {
        expectBe(survivesJsonRoundTrip(text), roundTripByDefinition(text));
      }),
      { numRuns: 20000 },
    );
  });
});
