import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/core/errors.js';
import { OUTBOX_FILE, OutboxFile } from '../../src/ledger/outbox-file.js';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseOutboxLine, type OutboxLine } from '../../src/ledger/outbox-lines.js';
import { runUnprivileged } from '../helpers/unprivileged.js';

const OUTBOX_JS = pathToFileURL(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'ledger', 'outbox-file.js'),
).href;

/** Opens the built outbox for writing in a child process bound by the file permissions (see runUnprivileged). */
async function openForWritingAsUser(dir: string): Promise<{ name: string; message: string }> {
  const script = `
    const { OutboxFile } = await import(process.argv[1]);
    try {
      OutboxFile.open(process.argv[2], true)?.close();
      console.log(JSON.stringify({ name: 'none', message: 'opened' }));
    } catch (err) {
      console.log(JSON.stringify({ name: err.name, message: err.message }));
    }`;
  return runUnprivileged(script, [OUTBOX_JS, dir]);
}

const API = 'https://api.cryptocloud.plus';

function request(at: number): OutboxLine {
  return { v: 1, t: 'request', api: API, at };
}

function intent(row: number, input = 'payroll.csv'): OutboxLine {
  return {
    v: 1,
    t: 'intent',
    api: API,
    ckpt: 'c1',
    input,
    row,
    attempt: 1,
    at: 1_000_000 + row,
    currency: 'BTC',
    address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
    amount: '0.1',
  };
}

function readAll(file: OutboxFile): { lines: OutboxLine[]; rest: number } {
  const lines: OutboxLine[] = [];
  const rest = file.readNew((line) => lines.push(line));
  return { lines, rest };
}

describe('OutboxFile', () => {
  let root: string;
  let dir: string;
  let path: string;
  const opened: OutboxFile[] = [];
  const open = (writable: boolean): OutboxFile | undefined => {
    const file = OutboxFile.open(dir, writable);
    if (file) opened.push(file);
    return file;
  };
  const openWritable = (): OutboxFile => open(true) as OutboxFile;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'payout-outbox-'));
    dir = join(root, 'state');
    path = join(dir, OUTBOX_FILE);
  });
  afterEach(() => {
    for (const file of opened.splice(0)) file.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('opened for writing, creates the folder (0700) and the file (0600), empty', () => {
    const file = openWritable();
    expect(file.path).toBe(path);
    expect(file.writable).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(readAll(file)).toEqual({ lines: [], rest: 0 });
  });

  it('opened for writing, keeps what an existing outbox holds', () => {
    mkdirSync(dir);
    writeFileSync(path, `${JSON.stringify(request(1))}\n`);
    const file = openWritable();
    expect(readAll(file).lines).toEqual([request(1)]);
    file.append(request(2));
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(request(1))}\n${JSON.stringify(request(2))}\n`);
  });

  it('opened read-only, a missing outbox is none (undefined), and nothing is created', () => {
    expect(open(false)).toBeUndefined();
    expect(existsSync(dir)).toBe(false);
    mkdirSync(dir);
    expect(open(false)).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  it('appends lines another instance reads, each readNew giving only the new ones', () => {
    const writer = openWritable();
    const reader = open(false) as OutboxFile;
    expect(reader.writable).toBe(false);
    expect(readAll(reader)).toEqual({ lines: [], rest: 0 });
    writer.append(intent(1));
    writer.append(intent(2));
    expect(readAll(reader)).toEqual({ lines: [intent(1), intent(2)], rest: 0 });
    expect(readAll(reader)).toEqual({ lines: [], rest: 0 });
    writer.append(request(3));
    expect(readAll(reader)).toEqual({ lines: [request(3)], rest: 0 });
    // The writer does not read back its own appends, only what others add.
    expect(readAll(writer)).toEqual({ lines: [], rest: 0 });
    const third = openWritable();
    expect(readAll(third).lines).toEqual([intent(1), intent(2), request(3)]);
    third.append(request(4));
    expect(readAll(writer).lines).toEqual([request(4)]);
    expect(readAll(reader).lines).toEqual([request(4)]);
  });

  it('writes one JSON line per append, on disk as the file', () => {
    const writer = openWritable();
    writer.append(intent(1, 'zahlung-ü.csv'));
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(`${JSON.stringify(intent(1, 'zahlung-ü.csv'))}\n`);
    expect(parseOutboxLine(text.trimEnd())).toEqual(intent(1, 'zahlung-ü.csv'));
  });

  it('leaves a part line (a write in progress) to a later readNew, saying how many bytes it has', () => {
    const writer = openWritable();
    writer.append(intent(1));
    const whole = JSON.stringify(intent(2));
    const part = whole.slice(0, 25);
    appendFileSync(path, part);
    const reader = open(false) as OutboxFile;
    expect(readAll(reader)).toEqual({ lines: [intent(1)], rest: Buffer.byteLength(part) });
    // Read again: the part line is still not a line, and the whole one before is not read twice.
    expect(readAll(reader)).toEqual({ lines: [], rest: Buffer.byteLength(part) });
    appendFileSync(path, `${whole.slice(25)}\n`);
    expect(readAll(reader)).toEqual({ lines: [intent(2)], rest: 0 });
    expect(reader.unreadable).toBe(0);
  });

  it('counts a part line in bytes, not characters', () => {
    openWritable();
    appendFileSync(path, '{"input":"ü€');
    expect(readAll(open(false) as OutboxFile).rest).toBe(Buffer.byteLength('{"input":"ü€'));
  });

  it('read-only, catchUp reads but never cuts a part line', () => {
    const writer = openWritable();
    writer.append(intent(1));
    appendFileSync(path, '{"v":1,"t":"req');
    const before = readFileSync(path, 'utf8');
    const reader = open(false) as OutboxFile;
    const lines: OutboxLine[] = [];
    reader.catchUp((line) => lines.push(line));
    expect(lines).toEqual([intent(1)]);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('writable, catchUp cuts a torn last line, and the next append leaves every line whole', () => {
    const first = openWritable();
    first.append(intent(1));
    first.append(intent(2));
    appendFileSync(path, JSON.stringify(intent(3)).slice(0, 40));
    const writer = openWritable();
    const lines: OutboxLine[] = [];
    writer.catchUp((line) => lines.push(line));
    expect(lines).toEqual([intent(1), intent(2)]);
    const cut = readFileSync(path, 'utf8');
    expect(cut).toBe(`${JSON.stringify(intent(1))}\n${JSON.stringify(intent(2))}\n`);
    writer.append(request(9));
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const parsed = text.trimEnd().split('\n').map(parseOutboxLine);
    expect(parsed).toEqual([intent(1), intent(2), request(9)]);
    // Another reader agrees, with nothing unreadable.
    const reader = open(false) as OutboxFile;
    expect(readAll(reader)).toEqual({ lines: [intent(1), intent(2), request(9)], rest: 0 });
    expect(reader.unreadable).toBe(0);
  });

  it('writable, catchUp of an outbox that is only a torn line leaves it empty', () => {
    mkdirSync(dir);
    writeFileSync(path, '{"v":1,"t":"inte');
    const writer = openWritable();
    writer.catchUp(() => {});
    expect(readFileSync(path, 'utf8')).toBe('');
    writer.append(request(1));
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(request(1))}\n`);
  });

  it('writable, catchUp with no torn line changes nothing', () => {
    const writer = openWritable();
    writer.append(request(1));
    const other = openWritable();
    other.catchUp(() => {});
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(request(1))}\n`);
  });

  it('counts damaged whole lines as unreadable and reads the lines after them', () => {
    mkdirSync(dir);
    writeFileSync(
      path,
      [
        JSON.stringify(intent(1)),
        'not json at all',
        JSON.stringify({ ...intent(2), row: 0 }), // JSON, but no outbox line
        JSON.stringify({ v: 2, t: 'request', api: API, at: 5 }), // another version
        '{"v":1,"t":"intent","api":"x"{"v":1,', // two torn writes
        '   ',
        '',
        JSON.stringify(request(7)),
        JSON.stringify(intent(3)),
      ].join('\n') + '\n',
    );
    const reader = open(false) as OutboxFile;
    expect(readAll(reader)).toEqual({ lines: [intent(1), request(7), intent(3)], rest: 0 });
    expect(reader.unreadable).toBe(4);
    // Counted once: a later read finds nothing new.
    readAll(reader);
    expect(reader.unreadable).toBe(4);
  });

  it('reads an outbox larger than its read chunk, lines crossing the chunk boundary included', () => {
    const count = 12_000;
    const lines = Array.from({ length: count }, (_, i) =>
      intent(i + 1, `lohn-${'ü'.repeat(i % 7)}-${'x'.repeat(i % 97)}.csv`),
    );
    mkdirSync(dir);
    writeFileSync(path, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    expect(statSync(path).size).toBeGreaterThan(2 * (1 << 20));
    const reader = open(false) as OutboxFile;
    const read = readAll(reader);
    expect(read.rest).toBe(0);
    expect(read.lines).toHaveLength(count);
    expect(read.lines).toEqual(lines);
    expect(reader.unreadable).toBe(0);
  });

  it('opening for writing where the folder cannot be made is a UsageError naming the file', () => {
    writeFileSync(join(root, 'a-file'), '');
    dir = join(root, 'a-file', 'state');
    let error: unknown;
    try {
      open(true);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`cannot write this machine's outbox ${join(dir, OUTBOX_FILE)}`);
    expect((error as Error).message).toContain('ENOTDIR');
    expect((error as Error).message).toContain('Nothing was sent.');
    expect((error as Error).message).toContain('--history-dir');
  });

  it('opening read-only where the file cannot be read (not ENOENT) is a UsageError naming the file', () => {
    writeFileSync(join(root, 'a-file'), '');
    dir = join(root, 'a-file');
    expect(() => open(false)).toThrow(UsageError);
    expect(() => open(false)).toThrow(`cannot read this machine's outbox ${join(dir, OUTBOX_FILE)} (ENOTDIR)`);
  });

  it('opening for writing where the outbox is a folder is a UsageError naming the file (even as root)', () => {
    mkdirSync(path, { recursive: true });
    expect(() => open(true)).toThrow(UsageError);
    expect(() => open(true)).toThrow(`cannot write this machine's outbox ${path} (EISDIR)`);
  });

  it('opening for writing through a link to a missing place is a UsageError naming the file', () => {
    mkdirSync(dir);
    symlinkSync(join(root, 'missing', 'outbox.jsonl'), path);
    expect(() => open(true)).toThrow(UsageError);
    expect(() => open(true)).toThrow(`cannot write this machine's outbox ${path} (ENOENT)`);
  });

  it('opening for writing in a folder without write permission is a UsageError naming the file', async () => {
    mkdirSync(dir);
    // Root may write anywhere: the open runs in a child process that the permissions bind.
    chmodSync(dir, 0o555);
    try {
      expect(await openForWritingAsUser(dir)).toEqual({
        name: 'UsageError',
        message: expect.stringContaining(
          `cannot write this machine's outbox ${path} (EACCES). Nothing was sent. It records every request`,
        ),
      });
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});
