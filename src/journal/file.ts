/**
 * The checkpoint journal on disk: read it back (in big reads), create it, append to it durably.
 *
 * Stage journal/: may import csv, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  openSync,
  ftruncateSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DiskError, diskProblemOf, InputError } from '../core/errors.js';
import type { Outcome } from '../core/types.js';
import { CommonLineReader, entrySchema, headerSchema, type JournalEntry, type JournalHeader } from './entries.js';
import { JournalOrderError, JournalReplay, type JournalState } from './replay.js';

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
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`cannot read the checkpoint ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const replay = new LineReplay(path);
    // Big reads, and lines found and read in the bytes: a long journal is mostly its two common lines.
    let buffer: Buffer = Buffer.allocUnsafe(READ_BYTES);
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) buffer = grown(buffer);
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      const bytes = buffer.subarray(0, filled + bytesRead);
      const consumed = replay.lines(bytes);
      // The part line after the last newline moves to the front, to be completed by the next read.
      bytes.copyWithin(0, consumed);
      filled = bytes.length - consumed;
    }
    const state = replay.finish();
    return { ...(state && { state }), validBytes: replay.validBytes, tornBytes: filled };
  } finally {
    await file.close();
  }
}

/** Bytes per read: large enough that reads and the carried-over part line cost nothing. */
const READ_BYTES = 1 << 20;

/** A buffer twice as big with the same bytes, for a line longer than the one before. */
function grown(buffer: Buffer): Buffer {
  const bigger = Buffer.allocUnsafe(buffer.length * 2);
  buffer.copy(bigger);
  return bigger;
}

/** A journal being replayed line by line, as its bytes are read. */
class LineReplay {
  validBytes = 0;
  private lineNumber = 0;
  /** Undefined until the header line is read. */
  private replay: JournalReplay | undefined;
  private readonly reader = new CommonLineReader();

  constructor(private readonly path: string) {}

  /** Applies the whole lines in `bytes`; returns how many bytes they take (the rest is a part line). */
  lines(bytes: Buffer): number {
    let start = 0;
    let newline: number;
    while ((newline = bytes.indexOf(0x0a, start)) !== -1) {
      this.lineNumber += 1;
      this.line(bytes, start, newline);
      start = newline + 1;
    }
    this.validBytes += start;
    return start;
  }

  /** The state after the last whole line; undefined if there was no header line. */
  finish(): JournalState | undefined {
    return this.replay?.finish();
  }

  private line(bytes: Buffer, start: number, end: number): void {
    const { replay, reader, lineNumber, path } = this;
    if (!replay) {
      const header = headerSchema.safeParse(parseJsonLine(bytes.toString('utf8', start, end), lineNumber, path));
      if (!header.success) throw damagedAt(path, lineNumber, 'the first line is not a payout checkpoint header');
      this.replay = new JournalReplay(header.data);
      return;
    }
    try {
      // The common lines (intent, accepted outcome) are read in the bytes; any other goes through JSON.parse and the schema.
      const common = reader.read(bytes, start, end);
      if (common === 'intent')
        return replay.intent(reader.row, reader.attempt, reader.at, lineNumber, reader.boot, reader.mono);
      if (common === 'accepted') {
        return replay.accepted(
          reader.row,
          reader.attempt,
          reader.at,
          reader.endedAt,
          reader.text(0),
          lineNumber,
          reader.boot,
          reader.mono,
          reader.endedMono,
        );
      }
      const parsed = entrySchema.safeParse(parseJsonLine(bytes.toString('utf8', start, end), lineNumber, path));
      if (!parsed.success) throw damagedAt(path, lineNumber, 'a line the tool did not write');
      replay.entry(parsed.data, lineNumber);
    } catch (error) {
      if (error instanceof JournalOrderError) throw damagedAt(path, lineNumber, error.message);
      throw error;
    }
  }
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
  /** Bytes of whole lines: where the next line starts, and where a failed one is cut back to. */
  private size: number;
  /** Where the last line appended starts (-1: none by this writer), for `takeBackLast`. */
  private lastStart = -1;

  private constructor(
    private fd: number,
    readonly path: string,
  ) {
    this.size = fstatSync(fd).size;
  }

  /**
   * Creates a new journal with its header; the file and its directory are fsynced. Fails if a
   * journal exists, unless `replaceHeaderless` (one that never got its header line, so never sent).
   */
  static create(path: string, header: JournalHeader, replaceHeaderless = false): JournalWriter {
    const flags = replaceHeaderless ? constants.O_TRUNC : constants.O_EXCL;
    const fd = openJournal(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | flags, 0o600);
    const writer = new JournalWriter(fd, path);
    try {
      writer.append(header);
      syncDirectoryOf(path);
    } catch (error) {
      writer.close();
      throw error;
    }
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
    let fd: number | undefined;
    let writer: JournalWriter | undefined;
    try {
      fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND, 0o600);
      writer = new JournalWriter(fd, path);
      writer.append(header);
      for (const entry of entries) writer.append(entry);
      renameSync(temp, path);
    } catch (error) {
      if (writer) writer.close();
      else if (fd !== undefined) closeSync(fd);
      rmSync(temp, { force: true });
      // Whichever write the disk refused (the temp file's, its lines', the rename), the old checkpoint is untouched.
      const found = diskProblemOf(error);
      if (!found) throw error;
      throw new DiskError(
        {
          what: 'the checkpoint',
          path,
          problem: found.problem,
          code: found.code,
          recorded: 'The checkpoint was left as it was.',
        },
        false,
        { cause: error },
      );
    }
    syncDirectoryOf(path);
    return writer;
  }

  /** Opens an existing journal for appending, first cutting off a torn last line. */
  static reopen(path: string, loaded: LoadedJournal): JournalWriter {
    const fd = openJournal(path, constants.O_WRONLY | constants.O_APPEND);
    if (loaded.tornBytes > 0) {
      try {
        ftruncateSync(fd, loaded.validBytes);
        fsyncSync(fd);
      } catch (error) {
        closeSync(fd);
        throw (
          DiskError.from(
            error,
            'the checkpoint',
            path,
            'Its last line, cut short by a crash (its request never left), is still there: the next run cuts it off.',
          ) ?? error
        );
      }
    }
    return new JournalWriter(fd, path);
  }

  /**
   * Appends one line and waits until it is on disk. Synchronous on purpose: nothing may overtake it.
   * A disk that refuses the line (full, read-only, failing) throws a DiskError saying what that
   * means for the row; what part of the line reached the file is cut off first, so the journal
   * ends with a whole line as before, and an intent that was not written means its request never leaves.
   */
  append(entry: JournalEntry): void {
    try {
      const bytes = appendJsonLine(this.fd, entry);
      this.lastStart = this.size;
      this.size += bytes;
    } catch (error) {
      const cut = this.cutTo(this.size);
      throw DiskError.from(error, 'the checkpoint', this.path, whatTheCheckpointHolds(entry, cut)) ?? error;
    }
  }

  /**
   * Takes back the line appended last (an intent whose request then did not leave after all:
   * the outbox could not record it), so the row is not left unknown for a request never sent.
   * Returns false if the disk would not let it be cut (then the line stays, and the row shows unknown).
   */
  takeBackLast(): boolean {
    if (this.lastStart < 0) return false;
    if (!this.cutTo(this.lastStart)) return false;
    this.size = this.lastStart;
    this.lastStart = -1;
    return true;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Cuts the file back to `size` bytes, durably; false if the disk would not. A shorter file needs no space. */
  private cutTo(size: number): boolean {
    try {
      ftruncateSync(this.fd, size);
      fsyncSync(this.fd);
      return true;
    } catch {
      return false;
    }
  }
}

/** Opens a journal file; a disk that refuses it is said as such (nothing was sent with it yet). */
function openJournal(path: string, flags: number, mode?: number): number {
  try {
    return openSync(path, flags, mode);
  } catch (error) {
    throw DiskError.from(error, 'the checkpoint', path) ?? error;
  }
}

function syncDirectoryOf(path: string): void {
  try {
    fsyncDirectory(dirname(path));
  } catch (error) {
    throw DiskError.from(error, 'the folder of the checkpoint', dirname(path)) ?? error;
  }
}

/** What the checkpoint holds after `entry` could not be appended to it, in the operator's words. */
function whatTheCheckpointHolds(entry: JournalEntry, cut: boolean): string {
  const leftover = cut
    ? ''
    : ' The part of the line that reached the file could not be cut off: the next run cuts it, or refuses the checkpoint as damaged.';
  switch (entry.type) {
    case 'header':
      return `The checkpoint could not be started.${leftover}`;
    case 'intent':
      return (
        `Row ${entry.row} was not sent: its intent could not be recorded, so its request never left. ` +
        `The checkpoint holds every request sent before it.${leftover}`
      );
    case 'outcome':
      return `Row ${entry.row} was sent and ${answerOf(entry.outcome)}, but the checkpoint could not record that.${leftover}`;
    case 'request':
      return `The balance query was not sent.${leftover}`;
    case 'resolve':
      return `The verdict on row ${entry.row} was not recorded.${leftover}`;
  }
}

/** What an answer was, for a message about a row whose answer could not be recorded. */
export function answerOf(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'accepted':
      return `paid (${outcome.invoiceId})`;
    case 'rejected':
      return `rejected by the API, so not paid (${outcome.message})`;
    case 'unknown':
      return 'got no clear answer (it may or may not be paid)';
    case 'rate_limited':
    case 'auth_failed':
    case 'never_sent':
      return `not processed by the API (${outcome.kind.replace('_', ' ')})`;
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
 * Returns the line's length in bytes.
 */
export function appendJsonLine(fd: number, value: unknown): number {
  const line = Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
  let written = 0;
  while (written < line.length) written += writeSync(fd, line, written);
  fsyncSync(fd);
  return line.length;
}
