/**
 * What `payout run` says about the rows as it reads them (output/run-report.ts), line for line:
 * a warning per problem of an invalid row and per repeated row (with what --allow-duplicates
 * changes), the scan's verdict with or without the totals, and where a resume starts (with the
 * --retry-failed note only when failed rows are left behind). Warnings go through a real logger.
 */
import { describe, expect, it } from '@jest/globals';
import type { InputRow, RowVerdict } from '../../src/core/types.js';
import type { PayrollHeader } from '../../src/csv/read.js';
import { closeLogger, createLogger } from '../../src/log.js';
import { printResume, printScan, reportProblems, type ReportSink } from '../../src/output/run-report.js';
import { emptyCounts, type StatusCounts } from '../../src/output/rules.js';
import { CurrencyTotals } from '../../src/output/totals.js';
import type { ScannedRow, ScanSummary } from '../../src/scan/scan.js';
import { ADDRESS } from '../helpers/payroll.js';

const header: PayrollHeader = {
  columns: ['name', 'currency_code', 'to_address', 'amount'],
  index: { currency_code: 1, to_address: 2, amount: 3 },
  delimiter: ',',
  bom: false,
  sepLine: false,
};

/** A sink whose warnings reach `logged` (as the console shows them) and whose lines reach `printed`. */
function sink(): { sink: ReportSink; printed: string[]; logged: () => Promise<string[]> } {
  const printed: string[] = [];
  const lines: string[] = [];
  const logger = createLogger({ console: { write: (text) => void lines.push(text) } });
  return {
    sink: { logger, print: (line) => printed.push(line) },
    printed,
    logged: async () => {
      await closeLogger(logger);
      return lines;
    },
  };
}

function scanned(rowNumber: number, verdict: RowVerdict, duplicateOf?: number): ScannedRow {
  const row: InputRow = { rowNumber, lineNumber: rowNumber + 1, fields: [] };
  return { row, verdict, header, ...(duplicateOf !== undefined && { duplicateOf }) };
}

const valid = (amount: string, currencyCode = 'USDT_TRC20', toAddress = ADDRESS.tron): RowVerdict => ({
  ok: true,
  payout: { currencyCode, toAddress, amount },
});

describe('reportProblems', () => {
  it('warns once per problem of an invalid row, quoting the value unless the reason does', async () => {
    const out = sink();
    const verdict: RowVerdict = {
      ok: false,
      problems: [
        { column: 'amount', value: 'abc', reason: 'is not a number' },
        { column: 'to_address', value: 'xyz', reason: '"xyz" is not a TRON address' },
        { column: 'currency_code', value: '', reason: 'is empty' },
      ],
    };
    reportProblems(out.sink, scanned(3, verdict), { allowDuplicates: false });
    expect(await out.logged()).toEqual([
      'warn: row 3, amount "abc": is not a number\n',
      'warn: row 3, to_address: "xyz" is not a TRON address\n',
      'warn: row 3, currency_code: is empty\n',
    ]);
    expect(out.printed).toEqual([]);
  });

  it('warns of a repeated row, saying a real run refuses it without --allow-duplicates', async () => {
    const out = sink();
    reportProblems(out.sink, scanned(7, valid('12.5'), 2), { allowDuplicates: false });
    expect(await out.logged()).toEqual([
      'warn: row 7 repeats row 2: 12.5 USDT_TRC20 to TR7NHqje…gjLj6t; a real run refuses this unless --allow-duplicates\n',
    ]);
  });

  it('warns of a repeated row, saying both are paid with --allow-duplicates; a short address is shown whole', async () => {
    const out = sink();
    reportProblems(out.sink, scanned(9, valid('0.1', 'BTC', 'short-address'), 4), { allowDuplicates: true });
    expect(await out.logged()).toEqual([
      'warn: row 9 repeats row 4: 0.1 BTC to short-address; both are paid (--allow-duplicates)\n',
    ]);
  });

  it('says nothing of a valid row that repeats no other', async () => {
    const out = sink();
    reportProblems(out.sink, scanned(1, valid('1')), { allowDuplicates: false });
    expect(await out.logged()).toEqual([]);
    expect(out.printed).toEqual([]);
  });

  it('reports an invalid row by its problems only, even when marked as a repeat', async () => {
    const out = sink();
    const verdict: RowVerdict = { ok: false, problems: [{ column: 'amount', value: '-1', reason: 'is negative' }] };
    reportProblems(out.sink, scanned(5, verdict, 1), { allowDuplicates: false });
    expect(await out.logged()).toEqual(['warn: row 5, amount "-1": is negative\n']);
  });
});

describe('printScan', () => {
  function summary(more: Partial<ScanSummary> = {}): ScanSummary {
    const totals = new CurrencyTotals();
    totals.add('USDT_TRC20', '1250.5');
    totals.add('BTC', '0.1');
    totals.add('USDT_TRC20', '10');
    return {
      header,
      rows: 5,
      valid: 3,
      invalid: 2,
      totals,
      duplicates: 0,
      sha256: 'd'.repeat(64),
      bytes: 300,
      ...more,
    };
  }

  it('prints the counts under the file name (not its folder), then the totals of the valid rows', async () => {
    const out = sink();
    printScan(out.sink, summary(), '/data/march/payroll.csv');
    expect(out.printed).toEqual([
      'payroll.csv: 5 row(s), 3 valid, 2 invalid.',
      'Totals of the valid rows:',
      '  BTC              1 row   0.1',
      '  USDT_TRC20       2 rows  1260.5',
    ]);
    expect(await out.logged()).toEqual([]);
  });

  it('counts the rows that repeat an earlier one', () => {
    const out = sink();
    printScan(out.sink, summary({ duplicates: 2 }), 'payroll.csv', false);
    expect(out.printed).toEqual(['payroll.csv: 5 row(s), 3 valid, 2 invalid, 2 repeating an earlier row.']);
  });

  it('leaves the totals out when asked (a real run shows them in its plan), or when no row is valid', () => {
    const without = sink();
    printScan(without.sink, summary(), 'payroll.csv', false);
    expect(without.printed).toEqual(['payroll.csv: 5 row(s), 3 valid, 2 invalid.']);
    const none = sink();
    printScan(none.sink, summary({ rows: 2, valid: 0, invalid: 2, totals: new CurrencyTotals() }), 'payroll.csv');
    expect(none.printed).toEqual(['payroll.csv: 2 row(s), 0 valid, 2 invalid.']);
  });
});

describe('printResume', () => {
  const counts = (more: Partial<StatusCounts>): StatusCounts => ({ ...emptyCounts(), ...more });

  it('says what the checkpoint settled and what is left to send', () => {
    const out = sink();
    printResume(out.sink, counts({ paid: 4, unknown: 1, pending: 3 }), { retryFailed: false });
    expect(out.printed).toEqual(['Resuming from the checkpoint: 4 paid, 0 failed, 1 unknown, 3 to send.']);
  });

  it('says failed rows are sent again only with --retry-failed when some are left without it', () => {
    const out = sink();
    printResume(out.sink, counts({ paid: 1, failed: 2, pending: 5 }), { retryFailed: false });
    expect(out.printed).toEqual([
      'Resuming from the checkpoint: 1 paid, 2 failed, 0 unknown, 5 to send (failed rows are sent again only with --retry-failed).',
    ]);
  });

  it('says nothing of --retry-failed when it was given', () => {
    const out = sink();
    printResume(out.sink, counts({ paid: 1, failed: 2, pending: 5 }), { retryFailed: true });
    expect(out.printed).toEqual(['Resuming from the checkpoint: 1 paid, 2 failed, 0 unknown, 5 to send.']);
  });
});
