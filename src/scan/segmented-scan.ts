/**
 * The scan of a large payroll on two threads, and the later pass that reads only the segments it
 * needs. See openParallelScan.
 *
 * Stage scan/: may import output, ledger, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import type { InputRow } from '../core/types.js';
import { explainSegmentError, openSegments, parseSegment, type PayrollHeader, type Segment } from '../csv/read.js';
import { RowScanner } from './row-scanner.js';
import type { Scan, ScannedRow, ScanOptions, SegmentLayout } from './types.js';
import { unpackRows } from './scan-pack.js';
import { SegmentError, SegmentWorker, type SegmentResult } from './segment-worker.js';

/**
 * About 250,000 rows of a typical payroll. The worker costs ~40 MB of memory (a second heap) and
 * saves little below this: at 100k rows (6.5 MB) 1.14-1.27 s against 1.18-1.44 s on one thread
 * (165-170 MB against 126-128 MB peak RSS); at 1M rows 4.5-5.7 s against 5.8-6.6 s.
 */
export const PARALLEL_FROM_BYTES = 16 * 1024 * 1024;

/** PAYOUT_PARALLEL_FROM_BYTES: the threshold for a run (the bench compares both ways; 0 forces two threads). */
export function parallelFromEnv(): number | undefined {
  const text = process.env.PAYOUT_PARALLEL_FROM_BYTES;
  const value = text === undefined || text.trim() === '' ? NaN : Number(text);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Segments handed to the worker before the caller starts taking rows: about 100k rows of a
 * typical payroll, what the worker parses while a resume replays a million-row checkpoint
 * (~0.7 s); their rows wait, packed, in memory (~10 MB).
 */
const READ_AHEAD_SEGMENTS = 64;
/** Segments handed over and not yet taken back: enough to keep the worker busy while this thread catches up. */
const SEGMENTS_AHEAD = 8;
/**
 * Of every this many segments, this thread parses one itself: it has the rest of the scan to do
 * too. On 2 cores (1M-row bench payroll) 3 gave 4.95 s, 4 gave 5.1-5.7 s.
 */
const LOCAL_EVERY = 3;
/**
 * A segment is cut at the last record end of the chunk read once this much is waiting, so about
 * one read chunk (128 KB, ~2,000 rows): smaller segments than 256 KB kept less memory in flight
 * (RSS 220-250 MB against 260-290 MB at 1M rows) at no cost in time.
 */
const SEGMENT_BYTES = 64 * 1024;

/**
 * The scan of a large file on two threads. This thread reads the file (hashing and checking
 * every byte, in order), cuts it into segments that end where records end (csv/segments.ts),
 * and hands most of them to a worker, which parses and validates them; it parses every
 * LOCAL_EVERY-th segment itself. It takes the segments' rows back in file order, numbers them,
 * and does what needs every row before it (totals, repeats). Any segment that does not parse
 * makes the scan read the file again in one piece, so the error names the right line.
 */
export async function openParallelScan(path: string, options: ScanOptions, fileBytes: number): Promise<Scan> {
  const sizes = {
    segmentBytes: options.parallel?.segmentBytes ?? SEGMENT_BYTES,
    ...(options.parallel?.chunkBytes !== undefined && { chunkBytes: options.parallel.chunkBytes }),
  };
  const payroll = await openSegments(path, options.read ?? {}, sizes);
  const { header } = payroll;
  const layout: SegmentLayout = {
    ...sizes,
    headBytes: payroll.headBytes,
    headRows: payroll.headRows,
    headLines: payroll.headLines,
    headDigest: payroll.headDigest,
    bytes: [],
    rows: [],
    lines: [],
    digests: [],
  };
  // The rows to expect, from the head's bytes per row: the table of repeats is made that big at once.
  const expectedRows = payroll.headRows > 0 ? Math.round((fileBytes / payroll.headBytes) * payroll.headRows) : 0;
  const scanner = new RowScanner(header, options, expectedRows);
  let worker: SegmentWorker | undefined;
  try {
    worker = SegmentWorker.start(
      header,
      options.validate,
      ...(options.parallel?.workerFile ? [options.parallel.workerFile] : []),
    );
  } catch {
    // No worker (a platform without threads): every segment is parsed here; slower, same rows.
  }
  /** Set when the worker stopped working (it could not start, or died): its segments are parsed here. */
  let workerFailed = false;
  /** The worker's rows for a segment; undefined when the worker failed, so the caller parses the segment itself. */
  const workerResult = async (result: Promise<SegmentResult>): Promise<SegmentResult | undefined> => {
    try {
      return await result;
    } catch (error) {
      if (error instanceof SegmentError) throw error;
      workerFailed = true;
      return undefined;
    }
  };
  let closed = false;
  const close = (): void => {
    closed = true;
    payroll.close();
    worker?.close();
  };
  let finished = false;

  /** A segment waiting its turn: parsed here, on the worker, or the read error that ended the reading. */
  type Pending = { segment: Segment; remote?: Promise<SegmentResult> } | { error: unknown };
  const queue: Pending[] = [];
  let handed = 0;
  let ended = false;
  /** Whether the caller has started taking rows; until then the worker gets every segment (this thread is busy elsewhere). */
  let consuming = false;
  /** The read in progress: one reader of the file at a time. */
  let filling: Promise<void> = Promise.resolve();
  /** Reads segments and hands them over until `ahead` are waiting (or, for the read ahead, until the caller starts). */
  const fill = (ahead: number, untilConsuming: boolean): Promise<void> => {
    filling = filling.then(async () => {
      while (!ended && !closed && queue.length < ahead && !(untilConsuming && consuming)) {
        let segment: Segment | undefined;
        try {
          segment = await payroll.nextSegment();
        } catch (error) {
          // Met in its turn, after the segments before it.
          queue.push({ error });
          ended = true;
          break;
        }
        if (segment === undefined) {
          ended = true;
          break;
        }
        const toWorker = worker !== undefined && !workerFailed && (!consuming || ++handed % LOCAL_EVERY !== 0);
        queue.push(toWorker && worker ? { segment, remote: worker.submit(segment.bytes) } : { segment });
      }
    });
    return filling;
  };
  // Read ahead from now: the worker parses while the caller still prepares (a resume replays its
  // checkpoint meanwhile). A read error here waits for the caller, who meets it in `batches`.
  fill(READ_AHEAD_SEGMENTS, true).catch(() => {});

  async function* batches(): AsyncGenerator<ScannedRow[]> {
    try {
      consuming = true;
      yield payroll.head.map((row) => scanner.scan(row));
      let rowsBefore = payroll.headRows;
      let linesBefore = payroll.headLines;
      for (;;) {
        await fill(SEGMENTS_AHEAD, false);
        const next = queue.shift();
        if (next === undefined) break;
        // A read error: which error one parse of the file meets first depends on how far it read
        // ahead, so that parse, done again, words it (the same words as without the worker).
        if ('error' in next) throw await explainSegmentError(path, options.read ?? {}, next.error);
        const { segment } = next;
        let scanned: ScannedRow[];
        let lines: number;
        try {
          const result = next.remote && (await workerResult(next.remote));
          if (result) {
            lines = result.lines;
            scanned = unpackRows(result.packed, header, rowsBefore, linesBefore).map(({ row, verdict }) =>
              scanner.scan(row, verdict),
            );
          } else {
            const parsed = parseSegment(segment.bytes, header);
            lines = parsed.lines;
            scanned = parsed.rows.map((row) => scanner.scan(shifted(row, rowsBefore, linesBefore)));
          }
        } catch (error) {
          // A segment that did not parse (here or on the worker): the file read in one piece words it.
          throw await explainSegmentError(path, options.read ?? {}, error);
        }
        rowsBefore += scanned.length;
        linesBefore += lines;
        layout.bytes.push(segment.bytes.length);
        layout.rows.push(scanned.length);
        layout.lines.push(lines);
        layout.digests.push(segment.digest);
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
      return scanner.summary(payroll.digest(), layout);
    },
  };
}

/** A row numbered within its segment, numbered in the file. */
function shifted(row: InputRow, rowsBefore: number, linesBefore: number): InputRow {
  return { ...row, rowNumber: row.rowNumber + rowsBefore, lineNumber: row.lineNumber + linesBefore };
}

/** The data rows a later pass asked for, read again from the file; see openChosenRows. */
export interface ChosenRows {
  header: PayrollHeader;
  /** Batches of rows, in file order, from the segments that hold a wanted row (all their rows). */
  batches: AsyncIterable<InputRow[]>;
  /** Once `batches` has ended: the SHA-256 and size of every byte read (all of them). */
  digest(): { sha256: string; bytes: number };
}

/**
 * Reads the file again as the scan that made `layout` cut it, hashing and checking every byte,
 * but parsing only the segments that hold a row `wanted(first, last)` says it needs: pass 2 of a
 * resumed run, which sends the last few rows of a long payroll, skips parsing the rest. A file
 * that no longer cuts as `layout` says throws `changed()`.
 */
export async function openChosenRows(
  path: string,
  options: ScanOptions,
  layout: SegmentLayout,
  wanted: (first: number, last: number) => boolean,
  changed: () => Error,
): Promise<ChosenRows> {
  // Cut where pass 1 cut (whatever sizes the reads come in), each segment checked against pass 1's digest.
  const payroll = await openSegments(path, options.read ?? {}, {
    segmentBytes: layout.segmentBytes,
    ...(layout.chunkBytes !== undefined && { chunkBytes: layout.chunkBytes }),
    cuts: [layout.headBytes, ...layout.bytes],
  });
  if (
    payroll.headBytes !== layout.headBytes ||
    payroll.headDigest !== layout.headDigest ||
    payroll.headRows !== layout.headRows ||
    payroll.headLines !== layout.headLines
  ) {
    payroll.close();
    throw changed();
  }
  const { header } = payroll;
  async function* batches(): AsyncGenerator<InputRow[]> {
    try {
      if (wanted(1, payroll.headRows)) yield payroll.head;
      let rowsBefore = payroll.headRows;
      let linesBefore = payroll.headLines;
      for (let k = 0; ; k++) {
        const segment = await payroll.nextSegment();
        if (segment === undefined) {
          if (k !== layout.bytes.length) throw changed();
          return;
        }
        const rows = layout.rows[k] ?? -1;
        const lines = layout.lines[k] ?? -1;
        // The bytes up to here are pass 1's, byte for byte: the rows read from them are the rows it numbered.
        if (segment.bytes.length !== layout.bytes[k] || segment.digest !== layout.digests[k]) throw changed();
        if (rows > 0 && wanted(rowsBefore + 1, rowsBefore + rows)) {
          let parsed: { rows: InputRow[]; lines: number };
          try {
            parsed = parseSegment(segment.bytes, header);
          } catch {
            throw changed();
          }
          if (parsed.rows.length !== rows || parsed.lines !== lines) throw changed();
          yield parsed.rows.map((row) => shifted(row, rowsBefore, linesBefore));
        }
        rowsBefore += rows;
        linesBefore += lines;
      }
    } finally {
      payroll.close();
    }
  }
  return { header, batches: batches(), digest: () => payroll.digest() };
}
