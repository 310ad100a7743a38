/**
 * The checkpoint journal on disk: read it back (streamed), create it, append to it durably.
 */
import { closeSync, constants, createReadStream, type ReadStream, fsyncSync, openSync, ftruncateSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../core/errors.js';
import { entrySchema, headerSchema, parseCommonLine, type JournalEntry, type JournalHeader } from './entries.js';
import { applyEntry, emptyState, JournalOrderError, type JournalState } from './replay.js';

/** A journal read back from disk. */
export interface LoadedJournal {
  /** Undefined when not even the header line is complete: a crash during creation, before anything was sent. */
  state?: JournalState;
  /** Bytes of whole lines; past it lies a torn last line (a write cut short by a crash), if any. */
  validBytes: number;
  tornBytes: number;
}

/**
 * Reads and replays the journal at `path`, or returns undefined if there is none.
 * A last line without its newline is a write that a crash cut short: its fsync never returned,
 * so its request never left; it is ignored (and cut off by `truncateTornTail`). Any other bad
 * line means the file was damaged or edited: refused, because guessing could pay twice.
 */
export async function loadJournal(path: string): Promise<LoadedJournal | undefined> {
  let stream: ReadStream;
  try {
    stream = createReadStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`cannot read the checkpoint ${path}: ${(error as Error).message}`, { cause: error });
  }

  let state: JournalState | undefined;
  let lineNumber = 0;
  let validBytes = 0;
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    let newline: number;
    while ((newline = pending.indexOf(0x0a, start)) !== -1) {
      lineNumber += 1;
      state = applyLine(state, pending.subarray(start, newline).toString('utf8'), lineNumber, path);
      validBytes += newline + 1 - start;
      start = newline + 1;
    }
    pending = pending.subarray(start);
  }
  return { ...(state && { state }), validBytes, tornBytes: pending.length };
}

function applyLine(state: JournalState | undefined, text: string, lineNumber: number, path: string): JournalState {
  if (!state) {
    const header = headerSchema.safeParse(parseJsonLine(text, lineNumber, path));
    if (!header.success) throw damagedAt(path, lineNumber, 'the first line is not a payout checkpoint header');
    return emptyState(header.data);
  }
  // The common lines (intent, accepted outcome) are read by hand; any other goes through JSON.parse and the schema.
  let entry: JournalEntry | undefined = parseCommonLine(text);
  if (!entry) {
    const parsed = entrySchema.safeParse(parseJsonLine(text, lineNumber, path));
    if (!parsed.success) throw damagedAt(path, lineNumber, 'a line the tool did not write');
    entry = parsed.data;
  }
  try {
    applyEntry(state, entry, lineNumber);
  } catch (error) {
    if (error instanceof JournalOrderError) throw damagedAt(path, lineNumber, error.message);
    throw error;
  }
  return state;
}

function parseJsonLine(text: string, lineNumber: number, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw damagedAt(path, lineNumber, 'not a JSON line');
  }
}

function damagedAt(path: string, lineNumber: number, why: string): InputError {
  return new InputError(
    `the checkpoint ${path} is damaged at line ${lineNumber} (${why}). It is refused rather than guessed at: ` +
      'restore it from a backup, or check every row in the CryptoCloud dashboard before running again',
  );
}

/** An open journal that appends durably: each line is on disk (fsync) before `append` returns. */
export class JournalWriter {
  private constructor(
    private fd: number,
    readonly path: string,
  ) {}

  /**
   * Creates a new journal with its header; the file and its directory are fsynced. Fails if a
   * journal exists, unless `replaceHeaderless` (one that never got its header line, so never sent).
   */
  static create(path: string, header: JournalHeader, replaceHeaderless = false): JournalWriter {
    const flags = replaceHeaderless ? constants.O_TRUNC : constants.O_EXCL;
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | flags, 0o600);
    const writer = new JournalWriter(fd, path);
    writer.append(header);
    fsyncDirectory(dirname(path));
    return writer;
  }

  /**
   * Replaces the journal at `path` with a new one holding `header` and then `entries`, atomically
   * (a temp file fsynced and renamed over it): at every moment one whole journal is there. Only
   * for a journal that never recorded an intent, so nothing was ever sent with it; the caller
   * carries its request timing over in `entries`.
   */
  static replace(path: string, header: JournalHeader, entries: readonly JournalEntry[]): JournalWriter {
    const temp = `${path}.new-${process.pid}`;
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND, 0o600);
    const writer = new JournalWriter(fd, path);
    try {
      writer.append(header);
      for (const entry of entries) writer.append(entry);
      renameSync(temp, path);
    } catch (error) {
      writer.close();
      rmSync(temp, { force: true });
      throw error;
    }
    fsyncDirectory(dirname(path));
    return writer;
  }

  /** Opens an existing journal for appending, first cutting off a torn last line. */
  static reopen(path: string, loaded: LoadedJournal): JournalWriter {
    const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
    if (loaded.tornBytes > 0) {
      ftruncateSync(fd, loaded.validBytes);
      fsyncSync(fd);
    }
    return new JournalWriter(fd, path);
  }

  /** Appends one line and waits until it is on disk. Synchronous on purpose: nothing may overtake it. */
  append(entry: JournalEntry): void {
    appendJsonLine(this.fd, entry);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Makes a new directory entry (a created or renamed file) durable. */
export function fsyncDirectory(path: string): void {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends `value` as one JSON line to the file open at `fd` and waits until it is on disk.
 * Synchronous on purpose: nothing may overtake it (a request leaves only after its line).
 */
export function appendJsonLine(fd: number, value: unknown): void {
  const line = Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
  let written = 0;
  while (written < line.length) written += writeSync(fd, line, written);
  fsyncSync(fd);
}
