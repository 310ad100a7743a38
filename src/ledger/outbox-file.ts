/**
 * The outbox file: read whole lines from where the last read stopped, append durably, and cut a
 * torn last line (a write a crash cut short) before the next append. Only a holder of the send
 * lock appends or cuts, so a part line seen without the lock is a write in progress: left alone.
 *
 * Stage ledger/: may import output, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { DiskError, UsageError } from '../core/errors.js';
import { fsyncDirectory } from '../journal/file.js';
import { parseOutboxLine, type OutboxLine } from './outbox-lines.js';

/** The file in the state directory. */
export const OUTBOX_FILE = 'outbox.jsonl';

const CHUNK = 1 << 20;

export class OutboxFile {
  /** Bytes of whole lines read so far. */
  private offset = 0;
  /** Lines that could not be read (damaged). */
  unreadable = 0;
  /** The first of them, by line number from 1. */
  readonly unreadableLines: number[] = [];
  /** Whole lines read so far. */
  private lines = 0;

  private constructor(
    private fd: number,
    readonly path: string,
    readonly writable: boolean,
  ) {}

  /**
   * Opens the outbox of `dir`; for writing, creates the folder and file (owner-only). Read-only,
   * a missing file is an empty outbox (undefined). Throws a UsageError naming the file when it cannot.
   */
  static open(dir: string, writable: boolean): OutboxFile | undefined {
    const path = join(dir, OUTBOX_FILE);
    let fd: number | undefined;
    try {
      if (writable) mkdirSync(dir, { recursive: true, mode: 0o700 });
      fd = writable
        ? openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o600)
        : openSync(path, constants.O_RDONLY);
      if (writable) fsyncDirectory(dir);
      return new OutboxFile(fd, path, writable);
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      const code = (error as NodeJS.ErrnoException).code;
      if (!writable && code === 'ENOENT') return undefined;
      if (writable) {
        const disk = DiskError.from(
          error,
          "this machine's outbox",
          path,
          'It records every request this machine sends, so that no payroll can pay a row twice: nothing is sent without it.',
        );
        if (disk) throw disk;
      }
      throw new UsageError(
        {
          problem: `cannot ${writable ? 'write' : 'read'} this machine's outbox ${path} (${code ?? (error as Error).message})`,
          remedy:
            'it records every request this machine sends, so that no payroll can pay a row twice: give --history-dir DIR to keep it elsewhere',
        },
        { cause: error },
      );
    }
  }

  /** Reads the whole lines appended since the last read, in order. Returns how many bytes lie past them (a part line). */
  readNew(onLine: (line: OutboxLine) => void): number {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let carry = Buffer.alloc(0);
    let position = this.offset;
    for (;;) {
      const read = readSync(this.fd, buffer, 0, CHUNK, position);
      if (read === 0) break;
      position += read;
      const bytes = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, read)]) : buffer.subarray(0, read);
      let start = 0;
      let newline: number;
      while ((newline = bytes.indexOf(0x0a, start)) !== -1) {
        const text = bytes.toString('utf8', start, newline);
        this.lines += 1;
        if (text.trim() !== '') {
          const line = parseOutboxLine(text);
          if (line) onLine(line);
          else this.countUnreadable();
        }
        start = newline + 1;
      }
      this.offset += start;
      carry = Buffer.from(bytes.subarray(start));
    }
    return carry.length;
  }

  /**
   * Throws when the file at the path is no longer the one open here (deleted, moved, replaced
   * during the run): what this process appends would reach no other process, and what they
   * append would not reach this one.
   */
  private checkInPlace(): void {
    const open = fstatSync(this.fd);
    let there: Stats | undefined;
    try {
      there = statSync(this.path);
    } catch {
      // Nothing there (deleted or moved), or nothing this process may see: not the file open here.
    }
    if (there && there.ino === open.ino && there.dev === open.dev) return;
    throw new UsageError(
      `this machine's outbox ${this.path} was ${there ? 'replaced' : 'deleted or moved'} while this run used it: other payout commands could no longer see this run's payments, nor it theirs. ` +
        "No more rows are sent. The checkpoint holds this run's requests; put the outbox back if you have it, then run the same command again",
    );
  }

  private countUnreadable(): void {
    this.unreadable += 1;
    if (this.unreadableLines.length < 10) this.unreadableLines.push(this.lines);
  }

  /** Holding the send lock: reads what others appended, then cuts a torn last line (its fsync never returned, so its request never left). */
  catchUp(onLine: (line: OutboxLine) => void): void {
    this.checkInPlace();
    const torn = this.readNew(onLine);
    if (torn > 0 && this.writable) {
      try {
        ftruncateSync(this.fd, this.offset);
        fsyncSync(this.fd);
      } catch (error) {
        throw (
          DiskError.from(
            error,
            "this machine's outbox",
            this.path,
            'Its last line, cut short (its request never left), could not be cut off.',
          ) ?? error
        );
      }
    }
  }

  /**
   * Holding the send lock, after `catchUp`: appends one line and waits until it is on disk. A
   * disk that refuses it (full, read-only, failing) throws a DiskError; what part of the line
   * reached the file is cut off at once (else the next `catchUp` does), so no half line stays.
   */
  append(line: OutboxLine): void {
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(this.fd, bytes, written);
      fsyncSync(this.fd);
    } catch (error) {
      const cut = this.cutBack();
      throw DiskError.from(error, "this machine's outbox", this.path, whatTheOutboxHolds(line, cut)) ?? error;
    }
    // Nobody else appends while the lock is held: the file ends with this line.
    this.offset = fstatSync(this.fd).size;
  }

  /** Cuts what a failed append left past the whole lines; false if the disk would not. */
  private cutBack(): boolean {
    try {
      ftruncateSync(this.fd, this.offset);
      fsyncSync(this.fd);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** What the outbox holds after `line` could not be appended to it, in the operator's words. */
function whatTheOutboxHolds(line: OutboxLine, cut: boolean): string {
  const leftover = cut ? '' : ' The part of the line that reached the file is cut off before the next request.';
  switch (line.t) {
    case 'intent':
      return `Row ${line.row} was not sent: its intent could not be recorded there, so its request never left.${leftover}`;
    case 'outcome':
      return (
        `Row ${line.row}'s answer is in the checkpoint, but not in the outbox: other payrolls on this machine take the payment as ` +
        `still in flight, so none repeats it.${leftover}`
      );
    case 'request':
      return `The balance query was not sent.${leftover}`;
    case 'resolve':
      return `The verdict on row ${line.row} is in the checkpoint, but other payrolls on this machine do not see it yet.${leftover}`;
  }
}
