/**
 * Reads a payroll CSV as a stream of rows with their row and line numbers, refusing files that
 * are not a payroll with one plain message each (exit 2), and hashing the exact bytes on the way
 * so a checkpoint can be bound to them.
 *
 * Which lines are skipped and how rows and lines are numbered: see RowCounter.
 *
 * Stage csv/: may import journal, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import { CsvError, parse, type Options } from 'csv-parse';
import { ExitError, InputError } from '../core/errors.js';
import type { InputRow, RequiredColumn } from '../core/types.js';
import { ByteGuard, ByteProblem } from './byte-guard.js';
import { countLineBreaks, type LineCount } from './bytes.js';
import { checkColumnNames, matchHeader } from './columns.js';
import { describeCsvError, MAX_RECORD_CHARS } from './parse-errors.js';
import { RowCounter } from './row-counter.js';
import { FixedCutter, SegmentCutter } from './segments.js';
import { notUtf8Message, nulMessage, sniffHead } from './sniff.js';

export { parseColumnsOption } from './columns.js';

/** The header of a payroll and the format it was read in. */
export interface PayrollHeader {
  /** Header names exactly as read (untrimmed; the BOM removed). */
  columns: string[];
  /** Where currency_code, to_address and amount are in `columns` (and in every row's fields). */
  index: Record<RequiredColumn, number>;
  /** The delimiter of the input; the output always uses `,`. */
  delimiter: ',' | ';';
  /** Whether the input started with a UTF-8 BOM (the output never does). */
  bom: boolean;
  /** Whether line 1 was Excel's `sep=;` (or `sep=,`) naming the delimiter (the output has none). */
  sepLine: boolean;
}

/** How a payroll's bytes are read, from its head: BOM, delimiter, `sep=` line. */
type Format = Pick<PayrollHeader, 'bom' | 'delimiter' | 'sepLine'>;

/** Options of `openPayroll`. */
export interface ReadOptions {
  /**
   * Other header names for the required columns, e.g. `{amount: 'Sum'}` from
   * `--columns currency_code=Coin,to_address=Wallet,amount=Sum`. Matched like the standard
   * names: trimmed, any case. A column not named here keeps its standard name.
   * @default {}
   */
  columnNames?: Partial<Record<RequiredColumn, string>>;
}

/** An open payroll: its header now, its rows as they are read. */
export interface Payroll {
  header: PayrollHeader;
  /**
   * The data rows, streamed (never the whole file in memory), in batches: the rows of one chunk
   * of the file at a time, in order, none empty. Throws InputError on a malformed file. (A file
   * with no data row is refused by `openPayroll` already: it reads the first chunk ahead, so that
   * the commonest mistakes stop the command before it starts.) Iterate once, this or `rows`.
   */
  batches: AsyncIterable<InputRow[]>;
  /** The same rows one by one: simpler, and slower by an await per row. */
  rows: AsyncIterable<InputRow>;
  /** After `rows` is fully iterated: the SHA-256 (hex) and byte size of the exact file bytes. */
  digest(): { sha256: string; bytes: number };
  /** Stops reading and releases the file; for a caller that will not iterate `rows` to its end. Safe to call twice. */
  close(): void;
}

/** How many bytes to read ahead for the header before giving up on finding its end. */
const HEAD_CHUNK_BYTES = 64 * 1024;
const HEAD_MAX_BYTES = 1024 * 1024;

/**
 * Opens a payroll CSV, reads and checks its header and first data row, and returns the rest
 * as a stream. Throws InputError for a file that cannot be a payroll (missing, unreadable,
 * empty, not UTF-8 text, no required columns, a results file, no data row, malformed CSV).
 */
export async function openPayroll(path: string, options: ReadOptions = {}): Promise<Payroll> {
  const columnNames = options.columnNames ?? {};
  const { handle, format } = await openPayrollFile(path, columnNames);

  const source = handle.createReadStream({ start: 0, highWaterMark: READ_CHUNK_BYTES });
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const guard = new ByteGuard();
  const engine = parserEngine(format.delimiter);
  const counter = RowCounter.fromStart(path, format);
  let header: PayrollHeader | undefined;
  let batch: InputRow[] = [];
  let ended = false;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    source.destroy();
  };
  // Called by the parser for each record, synchronously, while it parses a chunk.
  const push = (record: string[]): void => {
    const row = counter.take(record);
    if (row) batch.push(row);
    else if (header === undefined && counter.columns !== undefined)
      header = headerOf(counter, columnNames, path, format);
  };

  /**
   * The data rows of the next chunk of the file (maybe none), or undefined once the file has
   * ended; every error is an InputError in plain words.
   */
  const nextBatch = async (): Promise<InputRow[] | undefined> => {
    if (ended) return undefined;
    try {
      const next = await chunks.next();
      batch = [];
      if (next.done) {
        ended = true;
        guard.end();
        throwIfError(engine.parse(undefined, true, push, ignore));
      } else {
        guard.take(next.value);
        throwIfError(engine.parse(next.value, false, push, ignore));
      }
      return batch;
    } catch (err) {
      ended = true;
      close();
      throw await explainReadError(err, path, format);
    }
  };

  // Read ahead to the first data row: a file with a bad header or no data row is refused here,
  // before the caller has started anything.
  let first: InputRow[] = [];
  while (first.length === 0) {
    const rows = await nextBatch();
    if (rows === undefined) break;
    first = rows;
  }
  const refusal = startRefusal(path, header, first.length);
  if (refusal || header === undefined) {
    close();
    throw refusal;
  }

  let iterated = false;
  let finished = false;
  async function* generate(firstBatch: InputRow[]): AsyncGenerator<InputRow[]> {
    try {
      yield firstBatch;
      for (;;) {
        const rows = await nextBatch();
        if (rows === undefined) break;
        if (rows.length > 0) yield rows;
      }
      finished = true;
    } finally {
      if (!finished) close();
    }
  }
  const batches = (): AsyncGenerator<InputRow[]> => {
    if (iterated) throw new Error('Payroll.rows and Payroll.batches can be iterated only once, one of them');
    iterated = true;
    return generate(first);
  };

  return {
    header,
    batches: { [Symbol.asyncIterator]: batches },
    rows: {
      [Symbol.asyncIterator]: () => flatten(batches()),
    },
    digest() {
      if (!finished) throw new Error('Payroll.digest() is available only after every row has been read');
      return guard.digest();
    },
    close,
  };
}

/** A payroll read as segments of bytes (segments.ts), for parsing elsewhere; see `openSegments`. */
export interface SegmentedPayroll {
  header: PayrollHeader;
  /** The data rows of the head of the file, parsed here (the first is always among them). */
  head: InputRow[];
  /** Bytes, data rows and physical lines in the head (the segments' own numbering is shifted by them). */
  headBytes: number;
  headRows: number;
  headLines: number;
  /** The SHA-256 (hex) of the file's bytes up to the end of the head. */
  headDigest: string;
  /**
   * The next segment after the head, in file order, with the SHA-256 (hex) of the file's bytes
   * up to its end; undefined once the file has ended. Every byte was hashed and checked to be
   * text (NUL, UTF-8) before it is returned. Throws InputError for bytes that are not text, and
   * for a file in which no record ends for `SEGMENT_LIMIT_BYTES` (an unclosed quote: one parse
   * of the file words the error).
   */
  nextSegment(): Promise<Segment | undefined>;
  /** After nextSegment() returned undefined: the SHA-256 (hex) and byte size of the file. */
  digest(): { sha256: string; bytes: number };
  close(): void;
}

/** A segment of a payroll's bytes, and the SHA-256 of the file up to its end. */
export interface Segment {
  bytes: Buffer;
  digest: string;
}

/** A segment that cannot end within this many bytes means a quote that never closes. */
const SEGMENT_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * Opens a payroll like `openPayroll` (the same refusals, worded the same), but returns the rest
 * of the file after its head as segments of bytes that end where records end, for
 * `parseSegment` to parse on another thread. The head (the header and the first segment's rows)
 * is parsed here.
 */
export async function openSegments(
  path: string,
  options: ReadOptions,
  sizes: { segmentBytes: number; chunkBytes?: number; cuts?: readonly number[] },
): Promise<SegmentedPayroll> {
  const columnNames = options.columnNames ?? {};
  const { handle, format } = await openPayrollFile(path, columnNames);
  const source = handle.createReadStream({ start: 0, highWaterMark: sizes.chunkBytes ?? READ_CHUNK_BYTES });
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // Hashed here, segment by segment (the same bytes in the same order as the chunks): the
  // digest at each segment's end lets a later pass check each segment it reads again.
  const guard = new ByteGuard({ hash: false });
  const hash = createHash('sha256');
  let bytesHashed = 0;
  // Where the cuts are: found as the file is read, or (a later pass) where an earlier pass found them.
  const cutter = sizes.cuts ? new FixedCutter(sizes.cuts) : new SegmentCutter(sizes.segmentBytes);
  const cut = (chunk: Buffer): Buffer[] => {
    if (cutter instanceof FixedCutter) return cutter.take(chunk);
    const segment = cutter.take(chunk);
    return segment ? [segment] : [];
  };
  const ready: Buffer[] = [];
  let ended = false;
  let closed = false;
  let final: { sha256: string; bytes: number } | undefined;
  const close = (): void => {
    if (closed) return;
    closed = true;
    source.destroy();
  };
  const hashed = (bytes: Buffer): Segment => {
    hash.update(bytes);
    bytesHashed += bytes.length;
    return { bytes, digest: hash.copy().digest('hex') };
  };

  const nextSegment = async (): Promise<Segment | undefined> => {
    try {
      for (;;) {
        const waiting = ready.shift();
        if (waiting) return hashed(waiting);
        if (ended) return undefined;
        const next = await chunks.next();
        if (next.done) {
          ended = true;
          guard.end();
          const last = cutter.end();
          if (last.length > 0) ready.push(last);
          continue;
        }
        guard.take(next.value);
        ready.push(...cut(next.value));
        if (cutter.pending > SEGMENT_LIMIT_BYTES) throw await explainSegmentError(path, options, undefined);
      }
    } catch (err) {
      ended = true;
      ready.length = 0;
      close();
      throw await explainReadError(err, path, format);
    }
  };

  // The head: parsed here, from the start of the file, as openPayroll parses it.
  const counter = RowCounter.fromStart(path, format);
  const engine = parserEngine(format.delimiter);
  let header: PayrollHeader | undefined;
  const head: InputRow[] = [];
  let headBytes = 0;
  let headDigest = '';
  const push = (record: string[]): void => {
    const row = counter.take(record);
    if (row) head.push(row);
    else if (header === undefined && counter.columns !== undefined)
      header = headerOf(counter, columnNames, path, format);
  };
  try {
    while (head.length === 0) {
      const segment = await nextSegment();
      if (segment === undefined) break;
      headBytes += segment.bytes.length;
      headDigest = segment.digest;
      throwIfError(engine.parse(segment.bytes, false, push, ignore));
    }
    // Each segment ended where a record does: nothing is left in the parser but its end.
    throwIfError(engine.parse(undefined, true, push, ignore));
  } catch (err) {
    close();
    throw await explainReadError(err, path, format);
  }
  const refusal = startRefusal(path, header, head.length);
  if (refusal || header === undefined) {
    close();
    throw refusal;
  }
  return {
    header,
    head,
    headBytes,
    headDigest,
    headRows: counter.rows,
    headLines: counter.nextLine - 1,
    nextSegment,
    digest: () => {
      // Only once the last segment was read without error (ByteGuard checks), and never twice.
      const { bytes } = guard.digest();
      if (bytes !== bytesHashed) throw new Error('the payroll was not read to its end');
      final ??= { sha256: hash.digest('hex'), bytes };
      return final;
    },
    close,
  };
}

/**
 * The data rows of one segment of a payroll after its header (segments.ts: the segment starts
 * and ends where records do), parsed on their own: `rowNumber` and `lineNumber` count from 1
 * within the segment, and `lines` is how many physical lines it spans. Throws on anything
 * malformed, in the parser's words: the caller reads the whole file again to word the error
 * with the right line (`explainSegmentError`).
 */
export function parseSegment(
  bytes: Uint8Array,
  header: Pick<PayrollHeader, 'columns' | 'delimiter'>,
): { rows: InputRow[]; lines: number } {
  const counter = RowCounter.afterHeader(header);
  const rows: InputRow[] = [];
  const push = (record: string[]): void => {
    const row = counter.take(record);
    if (row) rows.push(row);
  };
  // No BOM here: a U+FEFF at the start of a later segment is data, as it is to one parse of the file.
  const engine = parserEngine(header.delimiter, false);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throwIfError(engine.parse(buffer, false, push, ignore));
  throwIfError(engine.parse(undefined, true, push, ignore));
  return { rows, lines: counter.nextLine - 1 };
}

/**
 * The InputError a file gives when read in one piece: for a segment that failed to parse, whose
 * own error has no line of the file. When the file reads cleanly now, it changed while it was
 * being read.
 */
export async function explainSegmentError(path: string, options: ReadOptions, cause: unknown): Promise<InputError> {
  try {
    const payroll = await openPayroll(path, options);
    for await (const _ of payroll.batches) void _;
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  return new InputError(`${path} changed while it was being read; run the command again`, { cause });
}

/** How much of the file is read (and parsed, checked and hashed) at a time: about 2,000 rows of a typical payroll. */
const READ_CHUNK_BYTES = 128 * 1024;

/**
 * The engine inside csv-parse's stream: `parse(chunk, end, push, close)` parses a chunk
 * synchronously, calls `push` for each record, and returns the error instead of throwing it.
 * (csv-parse/sync uses the same engine.) Called directly, once per chunk: the stream around it
 * costs about a microsecond a record in object-mode buffering and async iteration, which is
 * more than the parsing itself on a million-row file.
 */
interface ParserEngine {
  parse(
    chunk: Buffer | undefined,
    end: boolean,
    push: (record: string[]) => void,
    close: () => void,
  ): Error | undefined;
}

function parserEngine(delimiter: ',' | ';', bom = true): ParserEngine {
  const parser = parse({ ...parserOptions(delimiter), bom }) as unknown as { api?: Partial<ParserEngine> };
  const engine = parser.api;
  if (typeof engine?.parse !== 'function') {
    throw new Error('this csv-parse has no Parser.api.parse engine; src/csv/read.ts needs updating for it');
  }
  return engine as ParserEngine;
}

async function* flatten(batches: AsyncGenerator<InputRow[]>): AsyncGenerator<InputRow> {
  for await (const rows of { [Symbol.asyncIterator]: () => batches }) yield* rows;
}

function throwIfError(error: Error | undefined): void {
  if (error !== undefined) throw error;
}

function ignore(): void {}

/**
 * The parser settings, shared by the read and by the failure path's replay. Fields come back as
 * parsed: no trimming, no casting. Blank lines and rows of the wrong length are let through to
 * RowCounter (which keeps the line count and words the error) rather than handled here.
 */
function parserOptions(delimiter: ',' | ';'): Options {
  return {
    delimiter,
    // All three, so that a file mixing them (edited by hand) still splits where a person sees lines.
    record_delimiter: ['\r\n', '\n', '\r'],
    bom: true,
    cast: false,
    trim: false,
    ltrim: false,
    rtrim: false,
    relax_quotes: false,
    relax_column_count: true,
    skip_empty_lines: false,
    // Bounds memory when a quote is never closed: the parser would otherwise hold the rest of the file.
    max_record_size: MAX_RECORD_CHARS,
  };
}

/** Any error met while reading rows, as one InputError in plain words (ExitErrors pass through). */
async function explainReadError(err: unknown, path: string, format: Format): Promise<unknown> {
  const { delimiter } = format;
  if (err instanceof ExitError) return err;
  if (err instanceof ByteProblem) {
    const line = await lineAt(path, err.offset);
    const message = err.kind === 'nul' ? nulMessage(err.offset) : notUtf8Message(err.offset, err.byte);
    return new InputError(`${path}${line === undefined ? '' : ` line ${line}`}: ${message}`, { cause: err });
  }
  if (isCsvError(err)) {
    const found = await replayUntil(path, format, err.records ?? 0);
    if (found instanceof InputError) return found;
    return new InputError(
      describeCsvError(err, {
        file: path,
        line: found.nextLine,
        row: found.columns === undefined ? undefined : found.rows + 1,
        columns: found.columns,
        delimiter,
      }),
      { cause: err },
    );
  }
  if (isErrnoError(err)) return fileError(path, err);
  return err;
}

/**
 * Parses the file again up to the `records` records that came before a parse error, counting
 * as the read does. The read cannot know where it stood: the parser runs ahead of the reader and
 * drops the records it had buffered when it fails. Returns the counter (it stands at the failing
 * record), or the InputError of an earlier row of the wrong length, which the file shows first.
 */
async function replayUntil(path: string, format: Format, records: number): Promise<RowCounter | InputError> {
  const counter = RowCounter.fromStart(path, format);
  let seen = 0;
  // on_record runs inside the parser, before it fails: an async iterator would lose the
  // records buffered ahead of the error, just like the read did.
  const parser = parse({
    ...parserOptions(format.delimiter),
    on_record: (record: string[]) => {
      if (seen++ < records) counter.take(record);
      return null;
    },
  });
  // Nothing is pushed, but the readable side must flow for the stream to end.
  parser.resume();
  try {
    await pipelinePromise(createReadStream(path), parser);
  } catch (err) {
    if (err instanceof InputError) return err;
    // Otherwise the same parse error again: the counter stands where it happened.
  }
  return counter;
}

/** Hashes a file's bytes (streamed): for checking a file has not changed. Throws InputError when it cannot be read. */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const handle = await openRegularFile(path);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: HEAD_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  } catch (err) {
    throw isErrnoError(err) ? fileError(path, err) : err;
  } finally {
    await handle.close().catch(() => {});
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The header of a payroll, from the record RowCounter took as its header. */
function headerOf(
  counter: RowCounter,
  columnNames: Partial<Record<RequiredColumn, string>>,
  path: string,
  format: Format,
): PayrollHeader {
  const columns = counter.columns ?? [];
  return {
    columns,
    index: matchHeader(columns, columnNames, `${path} line ${counter.headerLine}`),
    delimiter: format.delimiter,
    bom: format.bom,
    sepLine: format.sepLine,
  };
}

/** The refusal of a file whose start has no header, or no data row after it; undefined when it has both. */
function startRefusal(path: string, header: PayrollHeader | undefined, rows: number): InputError | undefined {
  if (header === undefined) {
    return new InputError(
      `${path}: the file is empty: a payroll needs a header line (currency_code,to_address,amount) and at least one row`,
    );
  }
  if (rows === 0) return new InputError(`${path} has a header line but no data rows: there is nothing to pay`);
  return undefined;
}

/** Opens a payroll and reads its format (BOM, delimiter) from its head, refusing what cannot be one. */
async function openPayrollFile(
  path: string,
  columnNames: Partial<Record<RequiredColumn, string>>,
): Promise<{ handle: FileHandle; format: Format }> {
  checkColumnNames(columnNames);
  const handle = await openRegularFile(path);
  try {
    return { handle, format: await readFormat(handle, path) };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Opens `path` for reading, refusing what is not a regular file (a folder, a pipe: it must be read twice). */
async function openRegularFile(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw isErrnoError(err) ? fileError(path, err) : err;
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new InputError(`${path} is a folder, not a CSV file`);
    if (!stats.isFile()) throw new InputError(`${path} is not a regular file; give the path of a CSV file`);
  } catch (err) {
    await handle.close();
    throw isErrnoError(err) ? fileError(path, err) : err;
  }
  return handle;
}

/** Reads the head of the file until its format is known, or refuses the file. */
async function readFormat(handle: FileHandle, path: string): Promise<Format> {
  let head = Buffer.alloc(0);
  for (;;) {
    const chunk = Buffer.allocUnsafe(HEAD_CHUNK_BYTES);
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(chunk, 0, HEAD_CHUNK_BYTES, head.length));
    } catch (err) {
      throw isErrnoError(err) ? fileError(path, err) : err;
    }
    head = Buffer.concat([head, chunk.subarray(0, bytesRead)]);
    const verdict = sniffHead(head, bytesRead < HEAD_CHUNK_BYTES || head.length >= HEAD_MAX_BYTES);
    if (verdict.kind === 'ok') return { bom: verdict.bom, delimiter: verdict.delimiter, sepLine: verdict.sepLine };
    if (verdict.kind === 'refuse') {
      throw new InputError(`${path}${verdict.line === undefined ? '' : ` line ${verdict.line}`}: ${verdict.message}`);
    }
  }
}

/** The physical line holding byte `offset`, read again from the file: only on the failure path, so reading costs nothing otherwise. */
async function lineAt(path: string, offset: number): Promise<number | undefined> {
  if (offset === 0) return 1;
  try {
    let count: LineCount = { breaks: 0, endsWithCr: false };
    for await (const chunk of createReadStream(path, { start: 0, end: offset - 1 }) as AsyncIterable<Buffer>) {
      count = countLineBreaks(chunk, count);
    }
    return count.breaks + 1;
  } catch {
    return undefined;
  }
}

/** A csv-parse error, also from another copy of csv-parse (duck-typed on the context it carries). */
function isCsvError(err: unknown): err is CsvError & { records?: number } {
  if (err instanceof CsvError) return true;
  return (
    err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && 'records' in err && 'lines' in err
  );
}

/** Duck-typed: errors from node's own fs may come from another realm (Jest's vm), failing `instanceof Error`. */
function isErrnoError(err: unknown): err is NodeJS.ErrnoException {
  return (
    typeof err === 'object' && err !== null && typeof (err as NodeJS.ErrnoException).code === 'string' && 'errno' in err
  );
}

/** A file-system error in plain words. */
function fileError(path: string, err: NodeJS.ErrnoException): InputError {
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR': {
      // The absolute path shows which folder a relative name was looked up in.
      const where = isAbsolute(path) ? '' : ` (looked for ${resolve(path)})`;
      return new InputError(`cannot find ${path}${where}`, { cause: err });
    }
    case 'EACCES':
    case 'EPERM':
      return new InputError(`cannot read ${path}: permission denied`, { cause: err });
    case 'EISDIR':
      return new InputError(`${path} is a folder, not a CSV file`, { cause: err });
    default:
      return new InputError(`cannot read ${path}: ${err.message}`, { cause: err });
  }
}
