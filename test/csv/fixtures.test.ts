import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { readAll } from './helpers.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

describe('fixtures', () => {
  it('payroll-small.csv: 8 valid-looking rows in mixed currencies with quoted, multi-line and non-ASCII extras', async () => {
    const { payroll, rows } = await readAll(fixture('payroll-small.csv'));
    expect(payroll.header).toMatchObject({
      delimiter: ',',
      bom: false,
      columns: ['employee_id', 'name', 'currency_code', 'to_address', 'amount', 'note'],
    });
    expect(rows).toHaveLength(8);
    const c = payroll.header.index.currency_code;
    const name = payroll.header.columns.indexOf('name');
    expect(new Set(rows.map((r) => r.fields[c]))).toEqual(
      new Set(['USDT_TRC20', 'USDT_ERC20', 'BTC', 'ETH', 'SOL', 'TON', 'LTC', 'USDC_ERC20']),
    );
    expect(rows.map((r) => r.fields[name])).toEqual(
      expect.arrayContaining(['Smith, Bob', 'José Müller', 'O\'Brien, "Liam"']),
    );
    expect(rows.find((r) => r.fields[5]?.includes('\n'))?.fields[5]).toBe(
      "Bonus\npaid in BTC at the employee's request",
    );
    expect(rows.map((r) => r.lineNumber)).toEqual([2, 3, 4, 6, 7, 8, 9, 10]);
  });

  it('payroll-semicolon-bom-crlf.csv: a European Excel export', async () => {
    const { payroll, rows } = await readAll(fixture('payroll-semicolon-bom-crlf.csv'));
    expect(payroll.header).toMatchObject({
      delimiter: ';',
      bom: true,
      columns: ['Currency_Code', 'To_Address', 'Amount', 'Name'],
    });
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.fields.every((f) => !f.includes('\r')))).toBe(true);
  });

  it('payroll-invalid.csv: reads as CSV (its mistakes are for validation to find)', async () => {
    const { rows } = await readAll(fixture('payroll-invalid.csv'));
    expect(rows).toHaveLength(9);
    expect(rows.map((r) => r.fields[4])).toContain('1,000.50');
  });

  it('demo.csv: 6 rows', async () => {
    const { payroll, rows } = await readAll(fixture('demo.csv'));
    expect(payroll.header.index).toEqual({ currency_code: 1, to_address: 2, amount: 3 });
    expect(rows).toHaveLength(6);
  });
});
