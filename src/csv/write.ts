/**
 * Writes the output CSV: every input column as read, then status, invoice_id and error.
 * Written to a temp file and renamed into place, so the output a finance team opens is never
 * half written, even after a crash.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { UsageError } from '../core/errors.js';
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
  /** Appends one row (rows in input order); waits when the disk is slower than the caller (backpressure). */
  write(row: InputRow, result: ResultCells): Promise<void>;
  /**
   * Flushes, fsyncs, atomically renames the file into place and fsyncs the directory.
   * `beforeRename` sees the complete, synced temp file just before the rename; if it throws, the
   * temp file is removed and whatever was at the path stays as it was.
   */
  commit(beforeRename?: (tempPath: string) => Promise<void>): Promise<void>;
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
  const file = createWriteStream(tempPath, { flags: 'wx', mode: 0o600, highWaterMark: 64 * 1024 });
  try {
    await once(file, 'open');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the folder does not exist' : (err as Error).message;
    throw new UsageError(`cannot write the output CSV ${path}: ${reason}`, { cause: err });
  }

  const columnCount = header.columns.length;
  const stringifier = stringify({
    delimiter: ',',
    record_delimiter: '\n',
    // Needed explicitly: csv-stringify stops quoting a lone CR once record_delimiter is set,
    // and the reader treats a lone CR as a line break.
    quote_record_delimiter: true,
    eof: true,
    bom: false,
    header: false,
  });
  let failure: Error | undefined;
  const done = pipeline(stringifier, file).catch((err: unknown) => {
    failure ??= err instanceof Error ? err : new Error(String(err));
  });
  let state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';

  const failed = (): Error =>
    new Error(`writing the output CSV ${path} failed: ${failure?.message ?? 'unknown error'}`, { cause: failure });

  const push = async (record: string[]): Promise<void> => {
    if (failure) throw failed();
    if (!stringifier.write(record)) {
      await Promise.race([once(stringifier, 'drain'), done]).catch(() => {});
      if (failure) throw failed();
    }
  };

  await push([...header.columns, ...RESULT_COLUMNS]);

  const cleanUp = async (): Promise<void> => {
    stringifier.destroy();
    file.destroy();
    await done;
    await unlink(tempPath).catch(() => {});
  };

  return {
    async write(row, result) {
      if (state !== 'open') throw new Error(`the output CSV ${path} is already ${state}`);
      if (row.fields.length !== columnCount) {
        throw new Error(`row ${row.rowNumber} has ${row.fields.length} fields but the header has ${columnCount}`);
      }
      await push([...row.fields, result.status, neutraliseCell(result.invoiceId ?? ''), neutraliseCell(result.error ?? '')]);
    },

    async commit(beforeRename) {
      if (state !== 'open') throw new Error(`the output CSV ${path} is already ${state}`);
      state = 'committing';
      try {
        stringifier.end();
        await done;
        if (failure) throw failed();
        // The stream owns (and has closed) its descriptor: a FileHandle lent to a stream cannot be
        // closed while the stream holds it. fsync acts on the file, so a new descriptor will do.
        await syncPath(tempPath);
        await beforeRename?.(tempPath);
        await rename(tempPath, path);
        await syncPath(directory);
        state = 'committed';
      } catch (err) {
        state = 'aborted';
        await cleanUp();
        // fs errors get the file's name; `failed()` errors already have it.
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
