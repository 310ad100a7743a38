/**
 * What the scans hand to the stages that use them: the rows as read and judged, the summary of a
 * whole pass, how a two-thread pass cut the file, and how an output is put in place. Types only,
 * so the scan's own modules and the output can share them without importing each other.
 *
 * Stage scan/: may import output, ledger, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import type { InputRow, RowVerdict } from '../core/types.js';
import type { PayrollHeader, ReadOptions } from '../csv/read.js';
import type { ValidateOptions } from '../validate/index.js';
import type { StatusTally } from '../output/tally.js';
import type { CurrencyTotals } from '../output/totals.js';

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
    /** The worker's script (tests give one that cannot load, to see the scan carry on without it). */
    workerFile?: URL;
  };
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
  /** How a two-thread scan cut the file (absent for a one-thread scan): lets a later pass parse only the segments it needs. */
  layout?: SegmentLayout;
}

/**
 * Where the segments of a two-thread scan begin and end (segmented-scan.ts): the head, then each
 * segment's bytes, data rows and physical lines. The same bytes cut with the same sizes give
 * the same segments.
 */
export interface SegmentLayout {
  segmentBytes: number;
  chunkBytes?: number;
  headBytes: number;
  headRows: number;
  headLines: number;
  /** SHA-256 (hex) of the file up to the end of the head, and up to the end of each segment. */
  headDigest: string;
  bytes: number[];
  rows: number[];
  lines: number[];
  digests: string[];
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
 * How an output CSV is put in place: the owner (output-owner.ts) checks that the file it replaces
 * is payout's own for this input, and keeps the manifest beside it in step.
 */
export interface OutputCommit {
  /** Sees the complete temp file before it replaces the output; throws to leave the output as it is. */
  beforeRename(written: {
    tempPath: string;
    output: { sha256: string; bytes: number };
    summary: ScanSummary;
    tally: StatusTally;
  }): Promise<void>;
  /** The output is in place. */
  afterRename(): void;
}

/** What writing the output came to: the scan, and the counts and totals of what was written. */
export interface WrittenOutput extends ScanSummary {
  tally: StatusTally;
}
