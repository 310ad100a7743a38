/**
 * The checkpoint's disk failures that no real disk here produces, injected into node:fs (see
 * test/helpers/fs-faults.ts): a folder whose fsync fails, a rename the disk refuses, a cut of a
 * torn line the disk refuses, an fsync of a line that fails. And the order a crash relies on: a
 * new checkpoint's folder is fsynced after the file. The files are real, in a real temp folder.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JournalEntry, JournalHeader } from '../../src/journal/entries.js';
import { failNext, faultyFs, fsCalls, resetFsFaults, type FsCall } from '../helpers/fs-faults.js';

jest.unstable_mockModule('node:fs', faultyFs);
const { DiskError, EXIT } = await import('../../src/core/errors.js');
const { JournalWriter, loadJournal } = await import('../../src/journal/file.js');

const header: JournalHeader = {
  type: 'header',
  version: 1,
  input: { sha256: 'a'.repeat(64), bytes: 10, name: 'p.csv' },
  createdAt: '2026-11-21T00:00:00Z',
};
const intent: JournalEntry = {
  type: 'intent',
  row: 1,
  attempt: 1,
  at: 1001,
  currency_code: 'BTC',
  to_address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
  amount: '0.1',
};
const balance: JournalEntry = { type: 'request', what: 'balance', at: 5000 };
const lineOf = (entry: JournalEntry): string => `${JSON.stringify(entry)}\n`;

function thrown(action: () => unknown): InstanceType<typeof DiskError> {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DiskError);
    return error as InstanceType<typeof DiskError>;
  }
  throw new Error('expected a DiskError, nothing was thrown');
}
const at = (calls: FsCall[], call: FsCall['call'], path: string): number =>
  calls.findIndex((c) => c.call === call && c.path === path);

describe('the checkpoint, with injected disk failures', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'payout-faults-'));
    path = join(dir, 'c.jsonl');
    resetFsFaults();
  });
  afterEach(() => {
    resetFsFaults();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new checkpoint: its folder is fsynced after its header, and the folder is closed again', () => {
    JournalWriter.create(path, header).close();
    const headerFsync = at(fsCalls, 'fsyncSync', path);
    expect(headerFsync).toBeGreaterThan(at(fsCalls, 'writeSync', path));
    expect(at(fsCalls, 'fsyncSync', dir)).toBeGreaterThan(headerFsync);
    expect(at(fsCalls, 'closeSync', dir)).toBeGreaterThan(at(fsCalls, 'fsyncSync', dir));
  });

  it('a replacement: its folder is fsynced after the rename', () => {
    JournalWriter.create(path, header).close();
    resetFsFaults();
    JournalWriter.replace(path, header, [balance]).close();
    expect(at(fsCalls, 'fsyncSync', dir)).toBeGreaterThan(at(fsCalls, 'renameSync', path));
  });

  it('a folder whose fsync fails: a DiskError naming the folder, exit 2, and the folder closed', () => {
    failNext('fsyncSync', 'EIO', (p) => p === dir);
    const failure = thrown(() => JournalWriter.create(path, header));
    expect(failure.message).toBe(
      `The folder of the checkpoint ${dir} could not be written: the disk is failing (an input/output error) (EIO). Nothing was sent. Check the disk (or move the files to a sound one), then run the same command.`,
    );
    expect(failure.exitCode).toBe(EXIT.usage);
    expect(at(fsCalls, 'closeSync', dir)).toBeGreaterThan(at(fsCalls, 'fsyncSync', dir));
  });

  it('a rename the disk refuses: the checkpoint is left as it was, the DiskError says so, and no temp file stays', () => {
    JournalWriter.create(path, header).close();
    const before = readFileSync(path, 'utf8');
    failNext('renameSync', 'ENOSPC');
    const failure = thrown(() => JournalWriter.replace(path, { ...header, createdAt: 'later' }, [balance]));
    expect(failure.message).toBe(
      `The checkpoint ${path} could not be written: the disk is full (ENOSPC). The checkpoint was left as it was. Nothing was sent. Free space, then run the same command.`,
    );
    // The system's own error stays its cause, for the log file.
    expect(failure.cause).toMatchObject({ code: 'ENOSPC', syscall: 'rename' });
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['c.jsonl']);
  });

  it('a torn line the disk will not cut on reopening: the DiskError says it is still there, and the file is closed', async () => {
    JournalWriter.create(path, header).close();
    appendFileSync(path, lineOf(intent).slice(0, 20));
    const before = readFileSync(path, 'utf8');
    const loaded = await loadJournal(path);
    if (!loaded) throw new Error('no checkpoint');
    resetFsFaults();
    failNext('ftruncateSync', 'EIO');
    const failure = thrown(() => JournalWriter.reopen(path, loaded));
    expect(failure.failure).toMatchObject({
      what: 'the checkpoint',
      path,
      code: 'EIO',
      recorded:
        'Its last line, cut short by a crash (its request never left), is still there: the next run cuts it off.',
    });
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(at(fsCalls, 'closeSync', path)).toBeGreaterThan(at(fsCalls, 'ftruncateSync', path));
  });

  it('an intent whose fsync fails: cut back (its request never leaves), and the writer goes on after the lines before it', () => {
    const writer = JournalWriter.create(path, header);
    failNext('fsyncSync', 'EIO', (p) => p === path);
    const failure = thrown(() => writer.append(intent));
    expect(failure.failure).toMatchObject({ problem: 'failing', code: 'EIO' });
    expect(failure.failure.recorded).toMatch(/^Row 1 was not sent: its intent could not be recorded/);
    expect(readFileSync(path, 'utf8')).toBe(lineOf(header));
    writer.append(intent);
    writer.close();
    expect(readFileSync(path, 'utf8')).toBe(lineOf(header) + lineOf(intent));
  });
});
