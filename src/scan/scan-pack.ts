/**
 * Validated rows packed into one string for the trip from the scan worker to the main thread.
 * Pure. Structured cloning an object per row costs about 2.5 µs a row (more than validating it);
 * one string split on arrival costs about a fifth of that.
 *
 * Layout: every row is `columns + 4` items joined by NUL (which never occurs in a payroll: the
 * reader refuses a NUL byte before any row is parsed): its fields, then `v` and the valid
 * payout's currency, address and amount (each left empty when it is exactly the field as read,
 * the common case: a valid payout's values are never empty), or `i`, the problems as JSON and
 * two empty items.
 *
 * Stage scan/: may import output, ledger, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import type { InputRow, PayoutFields, RowProblem, RowVerdict, ValidPayout } from '../core/types.js';
import type { PayrollHeader } from '../csv/read.js';

const SEPARATOR = '\u0000';

/** The rows of one segment, validated and packed. */
export interface PackedRows {
  text: string;
  rows: number;
  /** Each row's line number within its segment (rows are numbered 1..rows within it). */
  lineNumbers: Int32Array;
}

/** The three API fields of a row, by the header's column positions. */
export function payoutFieldsOf(row: InputRow, header: Pick<PayrollHeader, 'index'>): PayoutFields {
  return {
    currency_code: row.fields[header.index.currency_code] ?? '',
    to_address: row.fields[header.index.to_address] ?? '',
    amount: row.fields[header.index.amount] ?? '',
  };
}

/** Packs rows and their verdicts (same length, same order). */
export function packRows(
  rows: readonly InputRow[],
  verdicts: readonly RowVerdict[],
  header: Pick<PayrollHeader, 'index'>,
): PackedRows {
  let text = '';
  const lineNumbers = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as InputRow;
    const verdict = verdicts[r] as RowVerdict;
    lineNumbers[r] = row.lineNumber;
    for (const field of row.fields) text += field + SEPARATOR;
    if (verdict.ok) {
      const fields = payoutFieldsOf(row, header);
      const { currencyCode, toAddress, amount } = verdict.payout;
      text += `v${SEPARATOR}${sameOrValue(currencyCode, fields.currency_code)}${SEPARATOR}${sameOrValue(toAddress, fields.to_address)}${SEPARATOR}${sameOrValue(amount, fields.amount)}${SEPARATOR}`;
    } else {
      text += `i${SEPARATOR}${JSON.stringify(verdict.problems)}${SEPARATOR}${SEPARATOR}${SEPARATOR}`;
    }
  }
  // Without the last separator, so that splitting gives exactly the items.
  return { text: text.slice(0, -1), rows: rows.length, lineNumbers };
}

/**
 * Unpacks what `packRows` packed for a payroll of `columns` columns, numbering the rows after
 * `rowsBefore` rows and `linesBefore` lines of the file.
 */
export function unpackRows(
  packed: PackedRows,
  header: Pick<PayrollHeader, 'index' | 'columns'>,
  rowsBefore: number,
  linesBefore: number,
): Array<{ row: InputRow; verdict: RowVerdict }> {
  const out: Array<{ row: InputRow; verdict: RowVerdict }> = [];
  if (packed.rows === 0) return out;
  const items = packed.text.split(SEPARATOR);
  const columns = header.columns.length;
  const stride = columns + 4;
  if (items.length !== packed.rows * stride)
    throw new Error(`packed rows: ${items.length} items for ${packed.rows} rows of ${columns} columns`);
  for (let r = 0; r < packed.rows; r++) {
    const at = r * stride;
    const fields = items.slice(at, at + columns);
    const row: InputRow = {
      rowNumber: rowsBefore + r + 1,
      lineNumber: linesBefore + (packed.lineNumbers[r] ?? 0),
      fields,
    };
    const tag = items[at + columns];
    if (tag === 'v') {
      const raw = payoutFieldsOf(row, header);
      const payout: ValidPayout = {
        currencyCode: items[at + columns + 1] || raw.currency_code,
        toAddress: items[at + columns + 2] || raw.to_address,
        amount: items[at + columns + 3] || raw.amount,
      };
      out.push({ row, verdict: { ok: true, payout } });
    } else {
      out.push({ row, verdict: { ok: false, problems: JSON.parse(items[at + columns + 1] ?? '[]') as RowProblem[] } });
    }
  }
  return out;
}

function sameOrValue(value: string, field: string): string {
  return value === field ? '' : value;
}
