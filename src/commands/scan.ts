/**
 * One streaming pass over a payroll: read each row, validate it, hand it on. Nothing is held
 * in memory but the current row and the running totals.
 */
import { InputError } from '../core/errors.js';
import type { InputRow, PayoutFields, RowVerdict } from '../core/types.js';
import { openPayroll, type PayrollHeader, type ReadOptions } from '../csv/read.js';
import { createResultWriter, type ResultCells, type ResultWriter } from '../csv/write.js';
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

/** A payroll being scanned. */
export interface Scan {
  header: PayrollHeader;
  /** The scanned rows, a batch per chunk of the file; iterate once. */
  batches: AsyncIterable<ScannedRow[]>;
  /** Ready once `batches` has been iterated to its end. */
  summary(): ScanSummary;
  /** Releases the file, for a caller that stops before the end (iterating to the end releases it too). */
  close(): void;
}

/**
 * Reads and validates the rows of `path` lazily (pull-based: the next batch is read when asked
 * for), a batch per chunk of the file. `summary()` is ready once `batches` has been iterated to
 * its end.
 */
export async function openScan(path: string, options: ScanOptions): Promise<Scan> {
  await prepareValidation();
  const payroll = await openPayroll(path, options.read);
  const { header } = payroll;
  const totals = new CurrencyTotals();
  const finder = new DuplicateFinder();
  let rowCount = 0;
  let valid = 0;
  let duplicates = 0;
  let finished = false;
  const scanRow = (row: InputRow): ScannedRow => {
    const verdict = validateRow(payoutFieldsOf(row, header), options.validate);
    rowCount += 1;
    if (!verdict.ok) return { row, verdict, header };
    valid += 1;
    totals.add(verdict.payout.currencyCode, verdict.payout.amount);
    const duplicateOf = finder.check(verdict.payout, row.rowNumber);
    if (duplicateOf === undefined) return { row, verdict, header };
    duplicates += 1;
    return { row, verdict, header, duplicateOf };
  };
  async function* batches(): AsyncGenerator<ScannedRow[]> {
    for await (const rows of payroll.batches) yield rows.map(scanRow);
    finished = true;
  }
  return {
    header,
    batches: batches(),
    close: () => payroll.close(),
    summary: () => {
      if (!finished) throw new Error('the scan was not read to its end');
      const { sha256, bytes } = payroll.digest();
      return { header, rows: rowCount, valid, invalid: rowCount - valid, totals, duplicates, sha256, bytes };
    },
  };
}

/**
 * Reads and validates every row of `path`, calling `onRow` for each in input order, and
 * `afterBatch` (when given) after each batch of them: the place to wait for the disk.
 */
export async function scanPayroll(
  path: string,
  options: ScanOptions,
  onRow: (scanned: ScannedRow) => void,
  afterBatch?: () => Promise<void>,
): Promise<ScanSummary> {
  const scan = await openScan(path, options);
  for await (const batch of scan.batches) {
    for (const scanned of batch) onRow(scanned);
    await afterBatch?.();
  }
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
  let writer: ResultWriter | undefined;
  const tally = new StatusTally();
  const scan = await openScan(inputPath, options);
  try {
    writer = await createResultWriter(outPath, scan.header);
    for await (const batch of scan.batches) {
      for (const scanned of batch) {
        const result = resultFor(scanned);
        tally.add(result.status, scanned.verdict);
        onRow?.(scanned, result);
        writer.add(scanned.row, result);
      }
      await writer.flush();
    }
    const summary = scan.summary();
    if (options.expectSha256 !== undefined && summary.sha256 !== options.expectSha256) {
      throw new InputChangedError(inputPath);
    }
    if (writer) {
      await writer.commit((tempPath) => options.commit.beforeRename({ tempPath, summary, tally }));
      options.commit.afterRename();
    }
    return { ...summary, tally };
  } catch (error) {
    scan.close();
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
