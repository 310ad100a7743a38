/**
 * The checkpoint on a disk that refuses it, in-process (so that mutation testing reaches it): a
 * full tmpfs (a line cut short by it, then refused), a disk with no room for a new file, a
 * read-only disk, and a file the disk will not let be cut back (append-only). After each: what
 * is on disk, and what the DiskError says (which file, what the checkpoint holds, exit code).
 * As root, like the full-disk tests; skipped with the reason otherwise.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskError, EXIT } from '../../src/core/errors.js';
import type { JournalEntry, JournalHeader } from '../../src/journal/entries.js';
import { JournalWriter, loadJournal, type LoadedJournal } from '../../src/journal/file.js';
import {
  mountSmallTmpfs,
  openFileCount,
  remount,
  setAppendOnly,
  useUpFiles,
  describesForDisk,
} from '../helpers/disk-faults.js';
import { fillDisk, mountTmpfs, PAGE, unmountTmpfs } from '../helpers/tmpfs.js';

const { describeWithTmpfs, describeWithAppendOnly } = describesForDisk('checkpoint disk tests');

const bare: JournalHeader = {
  type: 'header',
  version: 1,
  input: { sha256: 'a'.repeat(64), bytes: 10, name: '' },
  createdAt: '2026-11-21T00:00:00Z',
};
/** A header whose line fills its page up to `room` bytes short of the end (see headerLeaving in test/commands/full-disk.test.ts). */
function headerLeaving(room: number): JournalHeader {
  const length = Buffer.byteLength(`${JSON.stringify(bare)}\n`);
  return { ...bare, input: { ...bare.input, name: 'x'.repeat(PAGE - room - length) } };
}
const lineOf = (entry: JournalEntry): string => `${JSON.stringify(entry)}\n`;

const intent = (row: number): JournalEntry => ({
  type: 'intent',
  row,
  attempt: 1,
  at: 1000 + row,
  currency_code: 'BTC',
  to_address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
  amount: '0.1',
});
const accepted = (row: number): JournalEntry => ({
  type: 'outcome',
  row,
  attempt: 1,
  startedAt: 2000,
  endedAt: 2010,
  outcome: { kind: 'accepted', invoiceId: `INV-${row}` },
});
const balance: JournalEntry = { type: 'request', what: 'balance', at: 5000 };

function thrown(action: () => unknown): DiskError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DiskError);
    return error as DiskError;
  }
  throw new Error('expected a DiskError, nothing was thrown');
}

async function loaded(path: string): Promise<LoadedJournal> {
  const journal = await loadJournal(path);
  if (!journal) throw new Error(`no checkpoint at ${path}`);
  return journal;
}

describeWithTmpfs('the checkpoint on a full disk', () => {
  let disk: string;
  let filler: string | undefined;
  const writers: JournalWriter[] = [];
  beforeAll(() => {
    disk = mountTmpfs(128);
  });
  afterAll(() => unmountTmpfs(disk));
  afterEach(() => {
    for (const writer of writers.splice(0)) writer.close();
    if (filler) rmSync(filler, { recursive: true, force: true });
    filler = undefined;
    for (const name of readdirSync(disk)) rmSync(join(disk, name), { recursive: true, force: true });
  });
  const create = (name: string, header: JournalHeader): JournalWriter => {
    const writer = JournalWriter.create(join(disk, name), header);
    writers.push(writer);
    return writer;
  };

  it('an intent cut short by the disk (a short write, then full): cut back to the lines before it, the row not sent, exit 2', async () => {
    const path = join(disk, 'short.jsonl');
    // Room for the balance line, then less than the intent: its first bytes fit in the page, the rest does not.
    const writer = create('short.jsonl', headerLeaving(Buffer.byteLength(lineOf(balance)) + 50));
    writer.append(balance);
    const before = readFileSync(path, 'utf8');
    filler = fillDisk(disk);
    const failure = thrown(() => writer.append(intent(2)));
    expect(failure.exitCode).toBe(EXIT.usage);
    expect(failure.failure).toMatchObject({ what: 'the checkpoint', path, problem: 'full', code: 'ENOSPC' });
    expect(failure.failure.recorded).toBe(
      'Row 2 was not sent: its intent could not be recorded, so its request never left. The checkpoint holds every request sent before it.',
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
    // Once there is space, the same writer appends right after the whole lines.
    rmSync(filler, { recursive: true, force: true });
    filler = undefined;
    writer.append(intent(2));
    expect(readFileSync(path, 'utf8')).toBe(before + lineOf(intent(2)));
    const journal = await loaded(path);
    expect(journal.state?.rows.get(2)?.status).toBe('unknown');
    expect(journal).toMatchObject({ validBytes: Buffer.byteLength(before + lineOf(intent(2))), tornBytes: 0 });
  });

  it.each<[string, JournalEntry, string]>([
    ['a header', bare, 'The checkpoint could not be started.'],
    [
      'an intent',
      intent(3),
      'Row 3 was not sent: its intent could not be recorded, so its request never left. The checkpoint holds every request sent before it.',
    ],
    ['a payment', accepted(3), 'Row 3 was sent and paid (INV-3), but the checkpoint could not record that.'],
    [
      'a rejection',
      { ...accepted(3), outcome: { kind: 'rejected', code: 'network', message: 'bad network' } } as JournalEntry,
      'Row 3 was sent and rejected by the API, so not paid (bad network), but the checkpoint could not record that.',
    ],
    [
      'an unclear answer',
      { ...accepted(3), outcome: { kind: 'unknown', message: 'timeout' } } as JournalEntry,
      'Row 3 was sent and got no clear answer (it may or may not be paid), but the checkpoint could not record that.',
    ],
    [
      'a rate limit',
      { ...accepted(3), outcome: { kind: 'rate_limited', message: '429' } } as JournalEntry,
      'Row 3 was sent and not processed by the API (rate limited), but the checkpoint could not record that.',
    ],
    [
      'a refused key',
      { ...accepted(3), outcome: { kind: 'auth_failed', message: '401' } } as JournalEntry,
      'Row 3 was sent and not processed by the API (auth failed), but the checkpoint could not record that.',
    ],
    [
      'a request that never left',
      { ...accepted(3), outcome: { kind: 'never_sent', message: 'refused' } } as JournalEntry,
      'Row 3 was sent and not processed by the API (never sent), but the checkpoint could not record that.',
    ],
    ['a balance query', balance, 'The balance query was not sent.'],
    [
      'a verdict',
      { type: 'resolve', row: 3, at: 6000, invoiceId: null } as JournalEntry,
      'The verdict on row 3 was not recorded.',
    ],
  ])('refusing %s: the DiskError says what the checkpoint holds, and the file is as before', (_name, entry, said) => {
    const path = join(disk, 'refused.jsonl');
    // The header fills its page exactly: any line more needs a page the full disk does not have.
    const writer = create('refused.jsonl', headerLeaving(0));
    const before = readFileSync(path, 'utf8');
    filler = fillDisk(disk);
    const failure = thrown(() => writer.append(entry));
    expect(failure.failure).toMatchObject({ what: 'the checkpoint', path, code: 'ENOSPC', recorded: said });
    expect(failure.message).toBe(
      `The checkpoint ${path} could not be written: the disk is full (ENOSPC). ${said} Nothing was sent. Free space, then run the same command.`,
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('a header the full disk cannot take: the file is left empty (never started), and a later create replaces it', async () => {
    const path = join(disk, 'empty.jsonl');
    filler = fillDisk(disk);
    const files = openFileCount();
    const failure = thrown(() => JournalWriter.create(path, bare));
    expect(failure.failure).toMatchObject({ path, code: 'ENOSPC', recorded: 'The checkpoint could not be started.' });
    expect(openFileCount()).toBe(files);
    expect(failure.exitCode).toBe(EXIT.usage);
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(await loadJournal(path)).toEqual({ validBytes: 0, tornBytes: 0 });
    rmSync(filler, { recursive: true, force: true });
    filler = undefined;
    writers.push(JournalWriter.create(path, bare, true));
    expect(readFileSync(path, 'utf8')).toBe(lineOf(bare));
  });

  it('a replacement the full disk cannot take: the checkpoint is left as it was, and no temp file stays', () => {
    const path = join(disk, 'replaced.jsonl');
    create('replaced.jsonl', bare).close();
    const before = readFileSync(path, 'utf8');
    filler = fillDisk(disk);
    const files = openFileCount();
    const failure = thrown(() => JournalWriter.replace(path, headerLeaving(0), [balance]));
    // Whichever write was refused, the operator is told the old checkpoint is untouched, and by its own name.
    expect(failure.failure).toMatchObject({
      what: 'the checkpoint',
      path,
      code: 'ENOSPC',
      recorded: 'The checkpoint was left as it was.',
    });
    expect(openFileCount()).toBe(files);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(disk).sort()).toEqual(['filler', 'replaced.jsonl']);
  });
});

describeWithTmpfs('the checkpoint on a disk with no room for a new file, or read-only', () => {
  let disk: string;
  beforeEach(() => {
    disk = mountSmallTmpfs(256, 16);
  });
  afterEach(() => unmountTmpfs(disk));

  it('a new checkpoint where no file fits: a DiskError naming it, exit 2, and no file left', () => {
    const path = join(disk, 'c.jsonl');
    useUpFiles(disk);
    const failure = thrown(() => JournalWriter.create(path, bare));
    expect(failure.message).toBe(
      `The checkpoint ${path} could not be written: the disk is full (ENOSPC). Nothing was sent. Free space, then run the same command.`,
    );
    expect(failure.exitCode).toBe(EXIT.usage);
    expect(existsSync(path)).toBe(false);
  });

  it('a read-only disk: creating, replacing and reopening (to cut a torn line) are refused, and the checkpoint is as it was', async () => {
    const path = join(disk, 'c.jsonl');
    JournalWriter.create(path, bare).close();
    appendFileSync(path, lineOf(intent(1)).slice(0, 30));
    const before = readFileSync(path, 'utf8');
    const journal = await loaded(path);
    expect(journal.tornBytes).toBe(30);
    remount(disk, 'ro');
    try {
      for (const action of [
        () => JournalWriter.create(join(disk, 'other.jsonl'), bare),
        () => JournalWriter.replace(path, bare, []),
        () => JournalWriter.reopen(path, journal),
      ]) {
        const failure = thrown(action);
        expect(failure.failure).toMatchObject({ what: 'the checkpoint', problem: 'read-only', code: 'EROFS' });
        expect(failure.exitCode).toBe(EXIT.usage);
      }
      expect(readFileSync(path, 'utf8')).toBe(before);
      expect(readdirSync(disk)).toEqual(['c.jsonl']);
    } finally {
      remount(disk, 'rw');
    }
  });
});

describeWithAppendOnly('a checkpoint the disk will not let be cut back (append-only)', () => {
  let disk: string;
  let path: string;
  let filler: string | undefined;
  beforeEach(() => {
    disk = mountTmpfs(128);
    path = join(disk, 'c.jsonl');
  });
  afterEach(() => {
    if (existsSync(path)) setAppendOnly(path, false);
    if (filler) rmSync(filler, { recursive: true, force: true });
    filler = undefined;
    unmountTmpfs(disk);
  });

  it('a part line it cannot cut off stays, the DiskError says so, and the next run cuts it', async () => {
    const writer = JournalWriter.create(path, headerLeaving(50));
    const before = readFileSync(path, 'utf8');
    setAppendOnly(path, true);
    filler = fillDisk(disk);
    const failure = thrown(() => writer.append(intent(1)));
    writer.close();
    expect(failure.failure.recorded).toBe(
      'Row 1 was not sent: its intent could not be recorded, so its request never left. The checkpoint holds every request sent before it.' +
        ' The part of the line that reached the file could not be cut off: the next run cuts it, or refuses the checkpoint as damaged.',
    );
    expect(readFileSync(path, 'utf8')).toBe(before + lineOf(intent(1)).slice(0, 50));
    const journal = await loaded(path);
    expect(journal).toMatchObject({ validBytes: Buffer.byteLength(before), tornBytes: 50 });
    expect(journal.state?.rows.has(1)).toBe(false);
    // The next run, on a disk that lets it: the part line is cut off before anything is appended.
    setAppendOnly(path, false);
    rmSync(filler, { recursive: true, force: true });
    filler = undefined;
    const again = JournalWriter.reopen(path, journal);
    again.append(intent(1));
    again.close();
    expect(readFileSync(path, 'utf8')).toBe(before + lineOf(intent(1)));
  });

  it('an intent it cannot take back stays recorded (takeBackLast is false), and the next line goes after it', async () => {
    const writer = JournalWriter.create(path, bare);
    writer.append(intent(1));
    setAppendOnly(path, true);
    expect(writer.takeBackLast()).toBe(false);
    writer.append(accepted(1));
    writer.close();
    expect(readFileSync(path, 'utf8')).toBe(lineOf(bare) + lineOf(intent(1)) + lineOf(accepted(1)));
    expect((await loaded(path)).state?.rows.get(1)?.status).toBe('paid');
  });

  it('reopening it needs no cut when nothing is torn; with a torn line, the error is the system’s and no file stays open', async () => {
    JournalWriter.create(path, bare).close();
    setAppendOnly(path, true);
    const whole = await loaded(path);
    const writer = JournalWriter.reopen(path, whole);
    writer.append(intent(1));
    writer.close();
    appendFileSync(path, '{"type":"outc');
    const torn = await loaded(path);
    expect(torn.tornBytes).toBe(13);
    const files = openFileCount();
    // Not a full, read-only or failing disk: the system's own error, never dressed as one.
    expect(() => JournalWriter.reopen(path, torn)).toThrow(expect.objectContaining({ code: 'EPERM' }));
    expect(openFileCount()).toBe(files);
    expect(readFileSync(path, 'utf8')).toBe(`${lineOf(bare)}${lineOf(intent(1))}{"type":"outc`);
  });
});

describe('taking back the last line', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'payout-takeback-'));
    path = join(dir, 'c.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes back only the line this writer appended last, once, and appends after what is left', async () => {
    const writer = JournalWriter.create(path, bare);
    writer.append(intent(1));
    expect(writer.takeBackLast()).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(lineOf(bare));
    // Taken back once: the header before it is not the writer's last line.
    expect(writer.takeBackLast()).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(lineOf(bare));
    writer.append(intent(1));
    writer.append(accepted(1));
    writer.append(intent(2));
    expect(writer.takeBackLast()).toBe(true);
    writer.append(balance);
    writer.close();
    expect(readFileSync(path, 'utf8')).toBe(lineOf(bare) + lineOf(intent(1)) + lineOf(accepted(1)) + lineOf(balance));
    const journal = await loaded(path);
    expect(journal.state?.rows.has(2)).toBe(false);
    expect(journal.tornBytes).toBe(0);
  });

  it('a reopened checkpoint has no line of this writer to take back: nothing is cut', async () => {
    JournalWriter.create(path, bare).close();
    const writer = JournalWriter.reopen(path, await loaded(path));
    expect(writer.takeBackLast()).toBe(false);
    writer.close();
    expect(readFileSync(path, 'utf8')).toBe(lineOf(bare));
  });

  it('closing twice closes nothing else (a file number reused by another file stays open)', () => {
    const files = openFileCount();
    const writer = JournalWriter.create(path, bare);
    writer.close();
    writer.close();
    expect(openFileCount()).toBe(files);
  });

  it('a folder in the way of a replacement: the system’s error, the folder as it was, and no temp file stays', () => {
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), '');
    const files = openFileCount();
    // rename(2) of a file over a folder is EISDIR: not a disk problem.
    expect(() => JournalWriter.replace(path, bare, [balance])).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    expect(readdirSync(dir)).toEqual(['c.jsonl']);
    expect(readdirSync(path)).toEqual(['inside']);
    expect(openFileCount()).toBe(files);
  });
});
