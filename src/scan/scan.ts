/**
 * One streaming pass over a payroll: read each row, validate it, hand it on. Nothing is held
 * in memory but the current row and the running totals.
 *
 * Stage scan/: may import output, ledger, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { stat } from 'node:fs/promises';
import { InputError, type Words } from '../core/errors.js';
import { openPayroll } from '../csv/read.js';
import { createResultWriter, type ResultCells, type ResultWriter } from '../csv/write.js';
import { prepareValidation } from '../validate/index.js';
import { RowScanner } from './row-scanner.js';
import { openParallelScan, parallelFromEnv, PARALLEL_FROM_BYTES } from './segmented-scan.js';
import { StatusTally } from '../output/tally.js';
import type { OutputCommit, Scan, ScannedRow, ScanOptions, ScanSummary, WrittenOutput } from './types.js';

export { payoutFieldsOf } from './scan-pack.js';
export type {
  OutputCommit,
  Scan,
  ScannedRow,
  ScanOptions,
  ScanSummary,
  SegmentLayout,
  WrittenOutput,
} from './types.js';

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
  if (size >= (options.parallel?.fromBytes ?? parallelFromEnv() ?? PARALLEL_FROM_BYTES))
    return openParallelScan(path, options, size);
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

/** A scan opened before its caller is ready for it (see openEarly). */
export interface EarlyScan {
  /** The scan, or openScan's error. */
  scan(): Promise<Scan>;
  /** For a caller that will not take it after all: releases the file and the worker. */
  abandon(): void;
}

/**
 * Opens the scan of `path` now, so that a large file's worker reads ahead while the caller does
 * something else first (a resume replays its checkpoint). An error opening it waits for `scan()`.
 */
export function openEarly(path: string, options: ScanOptions): EarlyScan {
  const opening = openScan(path, options).then(
    (scan) => ({ scan }),
    (error: unknown) => ({ error }),
  );
  return {
    scan: async () => {
      const opened = await opening;
      if ('error' in opened) throw opened.error;
      return opened.scan;
    },
    abandon: () => void opening.then((opened) => ('scan' in opened ? opened.scan.close() : undefined)),
  };
}

/** Reads and validates every row of `path`, calling `onRow` for each in input order. */
export async function scanPayroll(
  path: string,
  options: ScanOptions,
  onRow: (scanned: ScannedRow) => void,
): Promise<ScanSummary> {
  const scan = await openScan(path, options);
  for await (const batch of scan.batches) {
    for (const scanned of batch) onRow(scanned);
  }
  return scan.summary();
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
  options: ScanOptions & { expectSha256?: string; commit: OutputCommit; opened?: EarlyScan },
  resultFor: (scanned: ScannedRow) => ResultCells,
  onRow?: (scanned: ScannedRow, result: ResultCells) => void,
): Promise<WrittenOutput> {
  let writer: ResultWriter | undefined;
  const tally = new StatusTally();
  const scan = await (options.opened ? options.opened.scan() : openScan(inputPath, options));
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
      await writer.commit((tempPath, output) => options.commit.beforeRename({ tempPath, output, summary, tally }));
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
    super(mismatchWords(inputPath));
    this.name = 'InputChangedError';
  }
}

/** The words for an input whose bytes are not those its checkpoint was made from. */
export function mismatchWords(inputPath: string): Words {
  return {
    problem: `${inputPath} is not the file its checkpoint was made from (its content changed since the first run)`,
    remedy: 'restore the original file to resume, or give a new --checkpoint (and --out) to treat it as a new payroll',
  };
}
