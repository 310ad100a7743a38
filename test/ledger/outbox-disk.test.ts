/**
 * This machine's outbox on a disk that refuses it, in-process (so that mutation testing reaches
 * it): no room for the file, a read-only disk, a full disk (a line cut short, then refused), a
 * file the disk will not let be cut back (append-only); and an outbox deleted or replaced during
 * a run (another disk mounted over its folder included), damaged lines named by number, a
 * second close. After each: what is on disk, and what the error says. As root, like the
 * full-disk tests; skipped with the reason otherwise.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskError, EXIT, UsageError } from '../../src/core/errors.js';
import { OUTBOX_FILE, OutboxFile } from '../../src/ledger/outbox-file.js';
import { parseOutboxLine, type OutboxLine } from '../../src/ledger/outbox-lines.js';
import {
  mountSmallTmpfs,
  openFileCount,
  remount,
  setAppendOnly,
  useUpFiles,
  describesForDisk,
} from '../helpers/disk-faults.js';
import { fillDisk, mountTmpfs, PAGE, unmountTmpfs } from '../helpers/tmpfs.js';

const { describeWithTmpfs, describeWithAppendOnly } = describesForDisk('outbox disk tests');

const API = 'https://api.cryptocloud.plus';
const request = (at: number, pad = 0): OutboxLine => ({ v: 1, t: 'request', api: `${API}${'/'.repeat(pad)}`, at });
const intent = (row: number): OutboxLine => ({
  v: 1,
  t: 'intent',
  api: API,
  ckpt: 'c1',
  input: 'payroll.csv',
  row,
  attempt: 1,
  at: 1_000_000 + row,
  currency: 'BTC',
  address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
  amount: '0.1',
});
const lineOf = (line: OutboxLine): string => `${JSON.stringify(line)}\n`;
/** A first line that fills the outbox's first page up to `room` bytes short of its end. */
const filling = (room: number): OutboxLine => request(1, PAGE - room - Buffer.byteLength(lineOf(request(1))));

function thrown(action: () => unknown): DiskError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DiskError);
    return error as DiskError;
  }
  throw new Error('expected a DiskError, nothing was thrown');
}

function readAll(file: OutboxFile): OutboxLine[] {
  const lines: OutboxLine[] = [];
  file.readNew((line) => lines.push(line));
  return lines;
}

const NOT_WITHOUT_IT =
  'It records every request this machine sends, so that no payroll can pay a row twice: nothing is sent without it.';

describeWithTmpfs('the outbox on a disk with no room for a new file, or read-only', () => {
  let disk: string;
  beforeEach(() => {
    disk = mountSmallTmpfs(256, 16);
  });
  afterEach(() => unmountTmpfs(disk));

  it.each([
    ['its folder', 'state'],
    ['the file, in a folder that is there', ''],
  ])('no room for %s: a DiskError naming the outbox, saying nothing is sent without it, exit 2', (_name, sub) => {
    const dir = join(disk, 'history');
    if (sub === '') mkdirSync(dir);
    const where = sub === '' ? dir : join(dir, sub);
    useUpFiles(disk);
    const failure = thrown(() => OutboxFile.open(where, true));
    const path = join(where, OUTBOX_FILE);
    expect(failure.message).toBe(
      `This machine's outbox ${path} could not be written: the disk is full (ENOSPC). ${NOT_WITHOUT_IT} Nothing was sent. Free space, then run the same command.`,
    );
    expect(failure.exitCode).toBe(EXIT.usage);
    expect(existsSync(path)).toBe(false);
  });

  it('a read-only disk: not opened for writing (a DiskError), still read', () => {
    const dir = join(disk, 'state');
    const writer = OutboxFile.open(dir, true);
    writer?.append(intent(1));
    writer?.close();
    remount(disk, 'ro');
    try {
      const failure = thrown(() => OutboxFile.open(dir, true));
      expect(failure.failure).toMatchObject({ path: join(dir, OUTBOX_FILE), problem: 'read-only', code: 'EROFS' });
      const reader = OutboxFile.open(dir, false);
      expect(reader && readAll(reader)).toEqual([intent(1)]);
      reader?.close();
    } finally {
      remount(disk, 'rw');
    }
  });
});

describeWithTmpfs('the outbox folder replaced by another disk during the run', () => {
  it('an outbox of the same inode number on another disk is another outbox: catchUp refuses to go on', () => {
    const disk = mountTmpfs(64);
    const dir = join(disk, 'state');
    const file = OutboxFile.open(dir, true) as OutboxFile;
    let other: string | undefined;
    try {
      file.append(intent(1));
      const { ino } = statSync(file.path);
      // Another disk mounted over the folder; on it, a file given the same inode number as the outbox.
      other = mountTmpfsOn(dir);
      let made: string | undefined;
      for (let i = 0; i < 1000 && !made; i += 1) {
        const candidate = join(dir, `f${i}`);
        writeFileSync(candidate, '');
        if (statSync(candidate).ino === ino) made = candidate;
      }
      if (!made) throw new Error(`no file on the second disk got inode number ${ino}`);
      renameSync(made, file.path);
      expect(statSync(file.path).ino).toBe(ino);
      expect(() => file.catchUp(() => {})).toThrow(
        new RegExp(`^this machine's outbox ${file.path} was replaced while this run used it`),
      );
    } finally {
      file.close();
      if (other) execFileSync('umount', ['-l', other], { stdio: 'pipe' });
      unmountTmpfs(disk);
    }
  });
});

describeWithTmpfs('the outbox on a full disk', () => {
  let disk: string;
  let filler: string | undefined;
  let file: OutboxFile;
  let path: string;
  beforeEach(() => {
    disk = mountTmpfs(128);
    file = OutboxFile.open(join(disk, 'state'), true) as OutboxFile;
    path = file.path;
  });
  afterEach(() => {
    file.close();
    if (filler) rmSync(filler, { recursive: true, force: true });
    filler = undefined;
    unmountTmpfs(disk);
  });

  it.each<[string, OutboxLine, string]>([
    ['an intent', intent(4), 'Row 4 was not sent: its intent could not be recorded there, so its request never left.'],
    [
      'an answer',
      {
        v: 1,
        t: 'outcome',
        api: API,
        ckpt: 'c1',
        row: 4,
        attempt: 1,
        startedAt: 5,
        endedAt: 9,
        outcome: { kind: 'accepted', invoiceId: 'INV-4' },
      },
      "Row 4's answer is in the checkpoint, but not in the outbox: other payrolls on this machine take the payment as still in flight, so none repeats it.",
    ],
    ['a balance query', request(4), 'The balance query was not sent.'],
    [
      'a verdict',
      { v: 1, t: 'resolve', ckpt: 'c1', row: 4, attempt: 1, at: 5, invoiceId: null },
      'The verdict on row 4 is in the checkpoint, but other payrolls on this machine do not see it yet.',
    ],
  ])(
    '%s cut short by the disk (a short write, then full): cut off at once, and the DiskError says what that means',
    (_name, line, said) => {
      // Room for the second line, then 20 bytes: the refused line's first bytes fit in the page, the rest does not.
      const first = filling(Buffer.byteLength(lineOf(request(2))) + 20);
      file.append(first);
      file.append(request(2));
      const before = readFileSync(path, 'utf8');
      filler = fillDisk(disk);
      const failure = thrown(() => file.append(line));
      expect(failure.failure).toMatchObject({ what: "this machine's outbox", path, code: 'ENOSPC', recorded: said });
      expect(failure.exitCode).toBe(EXIT.usage);
      expect(readFileSync(path, 'utf8')).toBe(before);
      // Once there is space, the line goes right after the whole ones, and another process reads them all.
      rmSync(filler, { recursive: true, force: true });
      filler = undefined;
      file.append(line);
      expect(readFileSync(path, 'utf8')).toBe(before + lineOf(line));
      const reader = OutboxFile.open(join(disk, 'state'), false) as OutboxFile;
      expect(readAll(reader)).toEqual([first, request(2), line]);
      expect(reader.unreadable).toBe(0);
      reader.close();
      // And this one reads only what others append after its own line.
      appendFileSync(path, lineOf(request(9)));
      expect(readAll(file)).toEqual([request(9)]);
    },
  );
});

describeWithAppendOnly('an outbox the disk will not let be cut back (append-only)', () => {
  let disk: string;
  let filler: string | undefined;
  let file: OutboxFile;
  let path: string;
  beforeEach(() => {
    disk = mountTmpfs(128);
    file = OutboxFile.open(join(disk, 'state'), true) as OutboxFile;
    path = file.path;
  });
  afterEach(() => {
    file.close();
    setAppendOnly(path, false);
    if (filler) rmSync(filler, { recursive: true, force: true });
    filler = undefined;
    unmountTmpfs(disk);
  });

  it('a part line it cannot cut off stays, the DiskError says so, and the next catchUp cuts it', () => {
    file.append(filling(30));
    const before = readFileSync(path, 'utf8');
    setAppendOnly(path, true);
    filler = fillDisk(disk);
    const failure = thrown(() => file.append(intent(1)));
    expect(failure.failure.recorded).toBe(
      'Row 1 was not sent: its intent could not be recorded there, so its request never left. The part of the line that reached the file is cut off before the next request.',
    );
    expect(readFileSync(path, 'utf8')).toBe(before + lineOf(intent(1)).slice(0, 30));
    setAppendOnly(path, false);
    rmSync(filler, { recursive: true, force: true });
    filler = undefined;
    const seen: OutboxLine[] = [];
    file.catchUp((line) => seen.push(line));
    expect(seen).toEqual([]);
    file.append(intent(1));
    expect(readFileSync(path, 'utf8')).toBe(before + lineOf(intent(1)));
  });

  it('catchUp needs no cut when nothing is torn; with a torn line, the error is the system’s and the file is as it was', () => {
    file.append(intent(1));
    setAppendOnly(path, true);
    const other = OutboxFile.open(join(disk, 'state'), true) as OutboxFile;
    try {
      const seen: OutboxLine[] = [];
      other.catchUp((line) => seen.push(line));
      expect(seen).toEqual([intent(1)]);
      other.append(intent(2));
      appendFileSync(path, '{"v":1,"t":"inte');
      const before = readFileSync(path, 'utf8');
      // Not a full, read-only or failing disk: the system's own error, never dressed as one.
      expect(() => file.catchUp(() => {})).toThrow(expect.objectContaining({ code: 'EPERM' }));
      expect(readFileSync(path, 'utf8')).toBe(before);
    } finally {
      other.close();
    }
  });
});

describe('the outbox in place, its damaged lines, its close', () => {
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'payout-outbox-place-'));
    dir = join(root, 'state');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it.each<[string, (path: string) => void, string]>([
    ['deleted', (path) => rmSync(path), 'deleted or moved'],
    ['moved', (path) => renameSync(path, join(root, 'moved.jsonl')), 'deleted or moved'],
    [
      'replaced',
      (path) => {
        writeFileSync(join(root, 'other.jsonl'), '');
        renameSync(join(root, 'other.jsonl'), path);
      },
      'replaced',
    ],
  ])(
    'an outbox %s during the run: catchUp refuses to go on (a UsageError saying why and what to do)',
    (_name, move, how) => {
      const file = OutboxFile.open(dir, true) as OutboxFile;
      try {
        file.append(intent(1));
        move(file.path);
        const failure = (() => {
          try {
            file.catchUp(() => {});
          } catch (error) {
            return error;
          }
          return undefined;
        })();
        expect(failure).toBeInstanceOf(UsageError);
        const { message } = failure as UsageError;
        expect(message).toMatch(`this machine's outbox ${file.path} was ${how} while this run used it:`);
        expect(message).toMatch('No more rows are sent.');
        expect(message).toMatch('put the outbox back if you have it, then run the same command again');
      } finally {
        file.close();
      }
    },
  );

  it('names the first ten damaged lines by number, and counts them all', () => {
    mkdirSync(dir);
    const lines = [lineOf(intent(1))];
    for (let i = 0; i < 12; i += 1) lines.push('damaged\n', lineOf(intent(i + 2)));
    writeFileSync(join(dir, OUTBOX_FILE), lines.join(''));
    const reader = OutboxFile.open(dir, false) as OutboxFile;
    expect(readAll(reader)).toHaveLength(13);
    expect(reader.unreadable).toBe(12);
    expect(reader.unreadableLines).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    reader.close();
  });

  it('a line with an answer of a kind the tool never writes is damaged; each kind it writes is read', () => {
    mkdirSync(dir);
    const kinds = ['accepted', 'rejected', 'rate_limited', 'auth_failed', 'never_sent', 'unknown'];
    const outcome = (kind: string): OutboxLine =>
      ({
        v: 1,
        t: 'outcome',
        api: API,
        ckpt: 'c1',
        row: 1,
        attempt: 1,
        startedAt: 5,
        endedAt: 9,
        outcome: { kind, message: 'm' },
      }) as OutboxLine;
    for (const kind of kinds) expect(parseOutboxLine(JSON.stringify(outcome(kind)))).toEqual(outcome(kind));
    expect(parseOutboxLine(JSON.stringify(outcome('paid')))).toBeUndefined();
    const { outcome: _dropped, ...noAnswer } = outcome('accepted') as OutboxLine & { outcome: unknown };
    expect(parseOutboxLine(JSON.stringify({ ...noAnswer, outcome: {} }))).toBeUndefined();
  });

  it('a read-only open that fails otherwise than for a missing file keeps the system’s error as its cause', () => {
    writeFileSync(join(root, 'a-file'), '');
    const failure = (() => {
      try {
        OutboxFile.open(join(root, 'a-file'), false);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(UsageError);
    expect((failure as UsageError).cause).toMatchObject({ code: 'ENOTDIR' });
  });

  it('closing twice closes nothing else (a file number reused by another file stays open)', () => {
    const files = openFileCount();
    const file = OutboxFile.open(dir, true) as OutboxFile;
    file.close();
    file.close();
    expect(openFileCount()).toBe(files);
  });
});

/** Mounts a small tmpfs over the folder `dir` (hiding what it held), and returns it. */
function mountTmpfsOn(dir: string): string {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
  return dir;
}
