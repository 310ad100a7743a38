/**
 * One streaming pass over a payroll: read each row, validate it, hand it on. Nothing is held
 * in memory but the current row and the running totals.
 */
import { stat } from 'node:fs/promises';
import { InputError } from '../core/errors.js';
import type { InputRow, RowVerdict } from '../core/types.js';
import { explainSegmentError, openPayroll, openSegments, parseSegment, type PayrollHeader, type ReadOptions } from '../csv/read.js';
import { createResultWriter, type ResultCells, type ResultWriter } from '../csv/write.js';
import { DuplicateFinder } from '../validate/duplicates.js';
import { prepareValidation, validateRow, type ValidateOptions } from '../validate/index.js';
import { payoutFieldsOf, unpackRows } from './scan-pack.js';
import { SegmentError, SegmentWorker, type SegmentResult } from './segment-worker.js';
import { StatusTally } from './tally.js';
import { CurrencyTotals } from './totals.js';

export interface ScanOptions {
  read?: ReadOptions;
  validate?: ValidateOptions;
  /** When the scan parses and validates on a second thread too (a worker); for tests and the bench. */
  parallel?: {
    /** From which file size. Below it, starting the worker costs more than it saves. @default PARALLEL_FROM_BYTES */
    fromBytes?: number;
    /** How much of the file goes to the worker at a time. @default SEGMENT_BYTES */
    segmentBytes?: number;
    /** How much of the file is read at a time (tests make it small, to cut many segments from a small file). */
    chunkBytes?: number;
  };
}

/** About 60,000 rows of a typical payroll: a worker pays for its start-up (~60 ms) from about here. */
export const PARALLEL_FROM_BYTES = 4 * 1024 * 1024;

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

export { payoutFieldsOf } from './scan-pack.js';

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

/** Validates rows in file order and keeps the scan's counts, totals and repeats. */
class RowScanner {
  rows = 0;
  valid = 0;
  duplicates = 0;
  readonly totals = new CurrencyTotals();
  private readonly finder = new DuplicateFinder();

  constructor(
    private readonly header: PayrollHeader,
    private readonly options: ScanOptions,
  ) {}

  /** One row, in file order; `verdict` when it was validated already (on the worker). */
  scan(row: InputRow, verdict = validateRow(payoutFieldsOf(row, this.header), this.options.validate)): ScannedRow {
    const { header } = this;
    this.rows += 1;
    if (!verdict.ok) return { row, verdict, header };
    this.valid += 1;
    this.totals.add(verdict.payout.currencyCode, verdict.payout.amount);
    const duplicateOf = this.finder.check(verdict.payout, row.rowNumber);
    if (duplicateOf === undefined) return { row, verdict, header };
    this.duplicates += 1;
    return { row, verdict, header, duplicateOf };
  }

  summary(digest: { sha256: string; bytes: number }): ScanSummary {
    const { header, rows, valid, totals, duplicates } = this;
    return { header, rows, valid, invalid: rows - valid, totals, duplicates, ...digest };
  }
}

/**
 * Reads and validates the rows of `path` lazily (pull-based: the next batch is read when asked
 * for), a batch per chunk of the file. `summary()` is ready once `batches` has been iterated to
 * its end. A large file is parsed and validated on two threads (see openParallelScan).
 */
export async function openScan(path: string, options: ScanOptions): Promise<Scan> {
  await prepareValidation();
  const size = await stat(path).then(
    (stats) => stats.size,
    () => 0,
  );
  if (size >= (options.parallel?.fromBytes ?? parallelFromEnv() ?? PARALLEL_FROM_BYTES)) return openParallelScan(path, options);
  const payroll = await openPayroll(path, options.read);
  const scanner = new RowScanner(payroll.header, options);
  let finished = false;
  async function* batches(): AsyncGenerator<ScannedRow[]> {
    for await (const rows of payroll.batches) yield rows.map((row) => scanner.scan(row));
    finished = true;
  }
  return {
    header: payroll.header,
    batches: batches(),
    close: () => payroll.close(),
    summary: () => {
      if (!finished) throw new Error('the scan was not read to its end');
      return scanner.summary(payroll.digest());
    },
  };
}

/** PAYOUT_PARALLEL_FROM_BYTES: the threshold for a run (the bench compares both ways; 0 forces two threads). */
function parallelFromEnv(): number | undefined {
  const text = process.env.PAYOUT_PARALLEL_FROM_BYTES;
  const value = text === undefined || text.trim() === '' ? NaN : Number(text);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** Segments handed over and not yet taken back: enough to keep the worker busy while this thread catches up. */
const SEGMENTS_AHEAD = 6;
/** Of every this many segments, this thread parses one itself: it has the rest of the scan to do too (measured best on 2 cores). */
const LOCAL_EVERY = 4;
/** About 4,000 rows of a typical payroll. */
const SEGMENT_BYTES = 256 * 1024;

/**
 * The scan of a large file on two threads. This thread reads the file (hashing and checking
 * every byte, in order), cuts it into segments that end where records end (csv/segments.ts),
 * and hands most of them to a worker, which parses and validates them; it parses every
 * LOCAL_EVERY-th segment itself. It takes the segments' rows back in file order, numbers them,
 * and does what needs every row before it (totals, repeats). Any segment that does not parse
 * makes the scan read the file again in one piece, so the error names the right line.
 */
async function openParallelScan(path: string, options: ScanOptions): Promise<Scan> {
  const payroll = await openSegments(path, options.read ?? {}, {
    segmentBytes: options.parallel?.segmentBytes ?? SEGMENT_BYTES,
    ...(options.parallel?.chunkBytes !== undefined && { chunkBytes: options.parallel.chunkBytes }),
  });
  const { header } = payroll;
  const scanner = new RowScanner(header, options);
  let worker: SegmentWorker | undefined;
  try {
    worker = SegmentWorker.start(header, options.validate);
  } catch {
    // No worker (a platform without threads): every segment is parsed here; slower, same rows.
  }
  const close = (): void => {
    payroll.close();
    worker?.close();
  };
  let finished = false;

  type Pending = { local: Buffer } | { remote: Promise<SegmentResult> };
  async function* batches(): AsyncGenerator<ScannedRow[]> {
    try {
      yield payroll.head.map((row) => scanner.scan(row));
      let rowsBefore = payroll.headRows;
      let linesBefore = payroll.headLines;
      const queue: Pending[] = [];
      let handed = 0;
      let ended = false;
      for (;;) {
        while (!ended && queue.length < SEGMENTS_AHEAD) {
          const segment = await payroll.nextSegment();
          if (segment === undefined) ended = true;
          else queue.push(worker && ++handed % LOCAL_EVERY !== 0 ? { remote: worker.submit(segment) } : { local: segment });
        }
        const next = queue.shift();
        if (next === undefined) break;
        let scanned: ScannedRow[];
        try {
          if ('local' in next) {
            const { rows, lines } = parseSegment(next.local, header);
            scanned = rows.map((row) => scanner.scan({ ...row, rowNumber: row.rowNumber + rowsBefore, lineNumber: row.lineNumber + linesBefore }));
            linesBefore += lines;
          } else {
            const { packed, lines } = await next.remote;
            scanned = unpackRows(packed, header, rowsBefore, linesBefore).map(({ row, verdict }) => scanner.scan(row, verdict));
            linesBefore += lines;
          }
        } catch (error) {
          // A segment that did not parse (here or on the worker): the file read in one piece words it.
          if ('local' in next || error instanceof SegmentError) throw await explainSegmentError(path, options.read ?? {}, error);
          throw error;
        }
        rowsBefore += scanned.length;
        if (scanned.length > 0) yield scanned;
      }
      finished = true;
    } finally {
      close();
    }
  }
  return {
    header,
    batches: batches(),
    close,
    summary: () => {
      if (!finished) throw new Error('the scan was not read to its end');
      return scanner.summary(payroll.digest());
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
