/**
 * Writes the output CSV: every input column as read, then status, invoice_id and error.
 * Written to a temp file and renamed into place, so the output a finance team opens is never
 * half written, even after a crash.
 *
 * Stage csv/: may import journal, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { DiskError, UsageError } from '../core/errors.js';
import { RESULT_COLUMNS, type InputRow, type RowStatus } from '../core/types.js';
import type { PayrollHeader } from './read.js';

/** The cells the tool adds to a row. */
export interface ResultCells {
  status: RowStatus;
  /** The `INV-` id of a paid row. @default '' */
  invoiceId?: string;
  /** Why the row failed, is invalid or unknown. @default '' */
  error?: string;
}

/** An output CSV being written; nothing is visible at its path until `commit`. */
export interface ResultWriter {
  /** Appends one row (rows in input order) to what is buffered; `flush` writes it out. */
  add(row: InputRow, result: ResultCells): void;
  /** Writes what `add` buffered; waits when the disk is slower than the caller (backpressure). */
  flush(): Promise<void>;
  /** `add` then `flush`: for a caller that writes row by row. */
  write(row: InputRow, result: ResultCells): Promise<void>;
  /**
   * Flushes, fsyncs, atomically renames the file into place and fsyncs the directory.
   * `beforeRename` sees the complete, synced temp file just before the rename, with the SHA-256
   * (hex) and size of what was written to it (hashed on the way: no second read); if it throws,
   * the temp file is removed and whatever was at the path stays as it was.
   */
  commit(beforeRename?: (tempPath: string, written: { sha256: string; bytes: number }) => Promise<void>): Promise<void>;
  /** Discards the temp file; the previous output, if any, stays as it was. No-op after commit. */
  abort(): Promise<void>;
}

/**
 * Starts writing the output CSV for a payroll with `header`: to a temp file beside `path`
 * (mode 0o600: it names people and amounts), renamed over `path` only on commit, so a reader
 * never sees a half-written output. Throws UsageError when the temp file cannot be created.
 */
export async function createResultWriter(path: string, header: PayrollHeader): Promise<ResultWriter> {
  const directory = dirname(resolve(path));
  // Beside the target so the rename stays on one file system (and so stays atomic).
  const tempPath = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx': a leftover temp file with this random name would mean something else is writing here.
  const file = createWriteStream(tempPath, { flags: 'wx', mode: 0o600, highWaterMark: 256 * 1024 });
  try {
    await once(file, 'open');
  } catch (err) {
    const disk = DiskError.from(err, 'the output CSV', path);
    if (disk) throw disk;
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the folder does not exist' : (err as Error).message;
    throw new UsageError(`cannot write the output CSV ${path}: ${reason}`, { cause: err });
  }
  let failure: Error | undefined;
  file.on('error', (err: Error) => {
    failure ??= err;
  });
  const closed = once(file, 'close').then(
    () => undefined,
    () => undefined,
  );

  const columnCount = header.columns.length;
  let state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  let buffered = `${csvRecord([...header.columns, ...RESULT_COLUMNS])}\n`;

  const failed = (): Error =>
    DiskError.from(failure, 'the output CSV', path) ??
    new Error(`writing the output CSV ${path} failed: ${failure?.message ?? 'unknown error'}`, { cause: failure });

  const add = (row: InputRow, result: ResultCells): void => {
    if (state !== 'open') throw new Error(`the output CSV ${path} is already ${state}`);
    if (row.fields.length !== columnCount) {
      throw new Error(`row ${row.rowNumber} has ${row.fields.length} fields but the header has ${columnCount}`);
    }
    buffered +=
      `${csvRecord(row.fields)},${result.status},${csvCell(neutraliseCell(result.invoiceId ?? ''))},` +
      `${csvCell(neutraliseCell(result.error ?? ''))}\n`;
  };

  const hash = createHash('sha256');
  let bytesWritten = 0;
  const flush = async (): Promise<void> => {
    if (failure) throw failed();
    if (buffered === '') return;
    const bytes = Buffer.from(buffered, 'utf8');
    buffered = '';
    hash.update(bytes);
    bytesWritten += bytes.length;
    if (!file.write(bytes)) {
      await Promise.race([once(file, 'drain'), closed]).catch(() => {});
      if (failure) throw failed();
    }
  };

  const cleanUp = async (): Promise<void> => {
    file.destroy();
    await closed;
    await unlink(tempPath).catch(() => {});
  };

  return {
    add,
    flush,
    async write(row, result) {
      add(row, result);
      await flush();
    },

    async commit(beforeRename) {
      if (state !== 'open') throw new Error(`the output CSV ${path} is already ${state}`);
      state = 'committing';
      try {
        await flush();
        file.end();
        await closed;
        if (failure) throw failed();
        // The stream owns (and has closed) its descriptor: a FileHandle lent to a stream cannot be
        // closed while the stream holds it. fsync acts on the file, so a new descriptor will do.
        await syncPath(tempPath);
        await beforeRename?.(tempPath, { sha256: hash.digest('hex'), bytes: bytesWritten });
        await rename(tempPath, path);
        await syncPath(directory);
        state = 'committed';
      } catch (err) {
        state = 'aborted';
        await cleanUp();
        // fs errors get the file's name; `failed()` errors already have it; a full disk says so in its own words.
        const disk = DiskError.from(err, 'the output CSV', path);
        if (disk) throw disk;
        const code = (err as NodeJS.ErrnoException).code;
        if (typeof code !== 'string') throw err;
        throw new Error(`writing the output CSV ${path} failed: ${(err as Error).message}`, { cause: err });
      }
    },

    async abort() {
      if (state === 'committed' || state === 'aborted') return;
      state = 'aborted';
      await cleanUp();
    },
  };
}

/** A cell needs quotes when it holds the delimiter, a quote or a line break (CR alone too: the reader splits on it). */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One cell as RFC 4180 writes it: as is, or in quotes with its quotes doubled. The same bytes
 * csv-stringify writes with `{delimiter: ',', record_delimiter: '\n', quote_record_delimiter:
 * true}` (a test holds them equal); written here because csv-stringify's per-record stream costs
 * more than the rest of writing a million-row output together.
 */
export function csvCell(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Cells joined by `,`, each as `csvCell` writes it (no line break). */
export function csvRecord(cells: readonly string[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += i === 0 ? csvCell(cells[i] ?? '') : `,${csvCell(cells[i] ?? '')}`;
  return line;
}

/**
 * fsyncs a file or a directory by path. For the directory, it makes the rename durable: the new
 * entry survives a power loss only once the directory is synced.
 */
async function syncPath(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems cannot sync a directory; the data itself was synced before the rename.
    if (!['EINVAL', 'EISDIR', 'ENOTSUP'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await handle.close();
  }
}

/** Characters that make Excel, LibreOffice or Numbers read a cell as a formula (Numbers folds the fullwidth forms). */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * Neutralises a cell the tool writes (never an input cell) against CSV formula injection (OWASP):
 * a leading = + - @, tab, CR or LF (or a fullwidth = + - @) gets a leading single quote. Our
 * cells carry text from the API, which we do not control.
 */
export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * Removes the temp files that a process killed mid-write left beside `path` (hidden, 0600, but
 * holding payroll data): `.<name>.<pid>.<random>.tmp` whose pid no longer runs. A live
 * writer's temp file is never touched. Returns how many were removed.
 */
export async function removeDeadTemps(path: string): Promise<number> {
  const directory = dirname(resolve(path));
  const prefix = `.${basename(path)}.`;
  let removed = 0;
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const match = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
    if (!match || isRunning(Number(match[1]))) continue;
    await unlink(join(directory, name)).then(
      () => (removed += 1),
      () => undefined,
    );
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
