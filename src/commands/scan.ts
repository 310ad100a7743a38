/**
 * One streaming pass over a payroll: read each row, validate it, hand it on. Nothing is held
 * in memory but the current row and the running totals.
 */
import { InputError } from '../core/errors.js';
import type { InputRow, PayoutFields, RowVerdict } from '../core/types.js';
import { openPayroll, type PayrollHeader, type ReadOptions } from '../csv/read.js';
import { createResultWriter, type ResultCells } from '../csv/write.js';
import { DuplicateFinder } from '../validate/duplicates.js';
import { prepareValidation, validateRow, type ValidateOptions } from '../validate/index.js';
import { StatusTally } from './tally.js';
import { CurrencyTotals } from './totals.js';

export interface ScanOptions {
  read?: ReadOptions;
  validate?: ValidateOptions;
}

export interface ScanSummary {
  header: PayrollHeader;
  rows: number;
  valid: number;
  invalid: number;
  /** Totals of the valid rows. */
  totals: CurrencyTotals;
  /** Valid rows that repeat an earlier row's currency, address and amount. */
  duplicates: number;
  sha256: string;
  bytes: number;
}

/** The three API fields of a row, by the header's column positions. */
export function payoutFieldsOf(row: InputRow, header: PayrollHeader): PayoutFields {
  return {
    currency_code: row.fields[header.index.currency_code] ?? '',
    to_address: row.fields[header.index.to_address] ?? '',
    amount: row.fields[header.index.amount] ?? '',
  };
}

/** A validated row, as the scan yields it. */
export interface ScannedRow {
  row: InputRow;
  verdict: RowVerdict;
  header: PayrollHeader;
  /** The earlier row with the same currency, address and amount, if any. */
  duplicateOf?: number;
}

/**
 * Reads and validates the rows of `path` lazily (pull-based: the next row is read when asked
 * for). `summary()` is ready once `rows` has been iterated to its end.
 */
export async function openScan(path: string, options: ScanOptions): Promise<{ rows: AsyncIterable<ScannedRow>; summary(): ScanSummary }> {
  await prepareValidation();
  const payroll = await openPayroll(path, options.read);
  const totals = new CurrencyTotals();
  const finder = new DuplicateFinder();
  let rowCount = 0;
  let valid = 0;
  let duplicates = 0;
  let finished = false;
  async function* rows(): AsyncGenerator<ScannedRow> {
    for await (const row of payroll.rows) {
      const verdict = validateRow(payoutFieldsOf(row, payroll.header), options.validate);
      rowCount += 1;
      if (!verdict.ok) {
        yield { row, verdict, header: payroll.header };
        continue;
      }
      valid += 1;
      totals.add(verdict.payout.currencyCode, verdict.payout.amount);
      const duplicateOf = finder.check(verdict.payout, row.rowNumber);
      if (duplicateOf === undefined) {
        yield { row, verdict, header: payroll.header };
      } else {
        duplicates += 1;
        yield { row, verdict, header: payroll.header, duplicateOf };
      }
    }
    finished = true;
  }
  return {
    rows: rows(),
    summary: () => {
      if (!finished) throw new Error('the scan was not read to its end');
      const { sha256, bytes } = payroll.digest();
      return { header: payroll.header, rows: rowCount, valid, invalid: rowCount - valid, totals, duplicates, sha256, bytes };
    },
  };
}

/** Reads and validates every row of `path`, calling `onRow` for each in input order. */
export async function scanPayroll(
  path: string,
  options: ScanOptions,
  onRow: (scanned: ScannedRow) => void | Promise<void>,
): Promise<ScanSummary> {
  const scan = await openScan(path, options);
  for await (const scanned of scan.rows) await onRow(scanned);
  return scan.summary();
}

/**
 * How an output CSV is put in place: the owner (output-owner.ts) checks that the file it replaces
 * is payout's own for this input, and keeps the manifest beside it in step.
 */
export interface OutputCommit {
  /** Sees the complete temp file before it replaces the output; throws to leave the output as it is. */
  beforeRename(written: { tempPath: string; summary: ScanSummary; tally: StatusTally }): Promise<void>;
  /** The output is in place. */
  afterRename(): void;
}

/** What writing the output came to: the scan, and the counts and totals of what was written. */
export interface WrittenOutput extends ScanSummary {
  tally: StatusTally;
}

/**
 * Scans `inputPath` and writes the output CSV at `outPath` with `resultFor` deciding each row's
 * cells. The output replaces the old one atomically, and only when the input's SHA-256 is
 * `expectSha256` (when given) and `commit` accepts: an output is never rewritten from a file it
 * does not belong to, nor over a file that is not payout's own for this input.
 */
export async function writeResults(
  inputPath: string,
  outPath: string,
  options: ScanOptions & { expectSha256?: string; commit: OutputCommit },
  resultFor: (scanned: ScannedRow) => ResultCells,
  onRow?: (scanned: ScannedRow, result: ResultCells) => void,
): Promise<WrittenOutput> {
  let writer: Awaited<ReturnType<typeof createResultWriter>> | undefined;
  const tally = new StatusTally();
  try {
    const summary = await scanPayroll(inputPath, options, async (scanned) => {
      writer ??= await createResultWriter(outPath, scanned.header);
      const result = resultFor(scanned);
      tally.add(result.status, scanned.verdict);
      onRow?.(scanned, result);
      await writer.write(scanned.row, result);
    });
    if (options.expectSha256 !== undefined && summary.sha256 !== options.expectSha256) {
      throw new InputChangedError(inputPath);
    }
    if (writer) {
      await writer.commit((tempPath) => options.commit.beforeRename({ tempPath, summary, tally }));
      options.commit.afterRename();
    }
    return { ...summary, tally };
  } catch (error) {
    await writer?.abort();
    throw error;
  }
}

/** An input whose bytes are not those its checkpoint was made from. */
export class InputChangedError extends InputError {
  constructor(readonly inputPath: string) {
    super(mismatchMessage(inputPath));
    this.name = 'InputChangedError';
  }
}

/** The message for an input whose bytes are not those its checkpoint was made from. */
export function mismatchMessage(inputPath: string): string {
  return (
    `${inputPath} is not the file its checkpoint was made from (its content changed since the first run). ` +
    'Nothing was sent. Restore the original file to resume, or give a new --checkpoint (and --out) to treat it as a new payroll'
  );
}
