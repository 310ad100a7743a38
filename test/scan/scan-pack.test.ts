/**
 * The worker's packed rows unpack to exactly the rows and verdicts that were packed, numbered
 * after the rows and lines before their segment.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { InputRow, RowVerdict } from '../../src/core/types.js';
import { packRows, unpackRows } from '../../src/scan/scan-pack.js';

const header = {
  columns: ['name', 'currency_code', 'to_address', 'amount'],
  index: { currency_code: 1, to_address: 2, amount: 3 },
};
const text = fc.string({ unit: fc.constantFrom('a', 'Z', ',', '"', '\n', 'é', '0', '.', ' ', '\u2028'), maxLength: 8 });
const nonEmpty = fc.string({ unit: fc.constantFrom('a', 'B', '1', '.'), minLength: 1, maxLength: 6 });

const row = fc.record({
  fields: fc.array(text, { minLength: 4, maxLength: 4 }),
  lineStep: fc.integer({ min: 1, max: 3 }),
});
const verdict: fc.Arbitrary<(fields: string[]) => RowVerdict> = fc.oneof(
  // Valid, each payout value either the field as read or another (normalised) value.
  fc
    .tuple(fc.option(nonEmpty), fc.option(nonEmpty), fc.option(nonEmpty))
    .map(([c, a, m]) => (fields: string[]): RowVerdict => ({
      ok: true,
      payout: {
        currencyCode: c ?? (fields[1] || 'X'),
        toAddress: a ?? (fields[2] || 'Y'),
        amount: m ?? (fields[3] || '1'),
      },
    })),
  fc
    .array(fc.record({ column: fc.constantFrom('amount', 'to_address', 'row'), value: text, reason: text }), {
      minLength: 1,
      maxLength: 3,
    })
    .map((problems) => (): RowVerdict => ({
      ok: false,
      problems: problems as Array<{ column: 'amount' | 'to_address' | 'row'; value: string; reason: string }>,
    })),
);

describe('packRows / unpackRows', () => {
  it('give back the rows and verdicts packed, numbered after what came before', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(row, verdict), { maxLength: 12 }),
        fc.nat(1000),
        fc.nat(1000),
        (items, rowsBefore, linesBefore) => {
          let line = 0;
          const rows: InputRow[] = items.map(([r], i) => ({
            rowNumber: i + 1,
            lineNumber: (line += r.lineStep),
            fields: r.fields,
          }));
          const verdicts = items.map(([, v], i) => v(rows[i]!.fields));
          // A valid payout carries the field as read where it is not empty (empty payouts are never valid).
          const packed = packRows(rows, verdicts, header);
          const back = unpackRows(
            { ...packed, lineNumbers: new Int32Array(packed.lineNumbers) },
            header,
            rowsBefore,
            linesBefore,
          );
          expect(back).toEqual(
            rows.map((r, i) => ({
              row: { rowNumber: rowsBefore + r.rowNumber, lineNumber: linesBefore + r.lineNumber, fields: r.fields },
              verdict: verdicts[i],
            })),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
