import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { PayoutFields } from '../../src/core/types.js';
import { prepareValidation, validateRow } from '../../src/validate/index.js';
import { shorten } from '../../src/validate/text.js';

const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
const row = (currency_code: string, to_address: string, amount: string): PayoutFields => ({
  currency_code,
  to_address,
  amount,
});

describe('validateRow', () => {
  it('returns the payout with the canonical amount', () => {
    expect(validateRow(row('USDT_TRC20', TRON, '0012.500'))).toEqual({
      ok: true,
      payout: { currencyCode: 'USDT_TRC20', toAddress: TRON, amount: '12.5' },
    });
  });

  it('reads a decimal comma only when asked', () => {
    expect(validateRow(row('USDT_TRC20', TRON, '0,5'), { decimalComma: true })).toMatchObject({
      ok: true,
      payout: { amount: '0.5' },
    });
    expect(validateRow(row('USDT_TRC20', TRON, '0,5'))).toMatchObject({ ok: false });
  });

  it('lists every problem of the row, one per column, in column order', () => {
    const verdict = validateRow(row('USDT_TRC20', `${TRON} `, '1,5'));
    expect(verdict).toEqual({
      ok: false,
      problems: [
        { column: 'to_address', value: `${TRON} `, reason: 'the address has a space at the end; remove it' },
        { column: 'amount', value: '1,5', reason: '"1,5" uses a decimal comma: write 1.5, with a point' },
      ],
    });
  });

  it('with an unknown currency, still reports the amount format but skips the address', () => {
    const verdict = validateRow(row('USDT', 'garbage', '1E-05'));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.problems.map((p) => p.column)).toEqual(['currency_code', 'amount']);
  });

  it('with an unknown currency, cannot judge decimals against a scale', () => {
    const verdict = validateRow(row('USDT', TRON, '0.1234567'));
    expect(verdict.ok || verdict.problems.map((p) => p.column)).toEqual(['currency_code']);
  });

  it('shortens a long value: the first 20 characters, an ellipsis and the last 12', () => {
    const long = `${'a'.repeat(30)}${'b'.repeat(30)}`;
    expect(shorten(long)).toBe(`${'a'.repeat(20)}…${'b'.repeat(12)}`);
    expect(shorten('x'.repeat(48))).toBe('x'.repeat(48));
    const verdict = validateRow(row('USDT_TRC20', long, '1'));
    expect(verdict.ok || verdict.problems[0]?.value).toBe(`${'a'.repeat(20)}…${'b'.repeat(12)}`);
  });

  it('reports missing fields as data, not as an exception', () => {
    const partial = { currency_code: 'USDT_TRC20', amount: '1' } as unknown as PayoutFields;
    expect(validateRow(partial)).toEqual({
      ok: false,
      problems: [
        {
          column: 'to_address',
          value: '',
          reason: 'the row has no to_address value (it may be shorter than the header): fill in the cell',
        },
      ],
    });
  });

  it('never throws, whatever the text', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.string({ maxLength: 60 }),
      fc.constantFrom('', ' ', TRON, '0x', 'bc1', 'EQ', '0:', '1e5'),
    );
    const code = fc.oneof(text, fc.constantFrom('USDT_TRC20', 'ETH', 'BTC', 'LTC', 'SOL', 'TON'));
    fc.assert(
      fc.property(code, text, text, fc.boolean(), (c, a, m, decimalComma) => {
        const verdict = validateRow(row(c, a, m), { decimalComma });
        if (!verdict.ok) {
          expect(verdict.problems.length).toBeGreaterThan(0);
          for (const p of verdict.problems) expect(p.reason).toMatch(/^\S.*\S$/s);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same verdicts before and after prepareValidation (WASM keccak)', async () => {
    const rows = [
      row('ETH', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '1'),
      row('ETH', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD', '1'),
      row('ETH', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', '1'),
      row('ETH', '0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359', '1'),
    ];
    const before = rows.map((r) => validateRow(r));
    await prepareValidation();
    await prepareValidation(); // idempotent
    expect(rows.map((r) => validateRow(r))).toEqual(before);
    expect(before.map((v) => v.ok)).toEqual([true, false, true, true]);
  });
});
