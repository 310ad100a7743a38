/**
 * The outbox's disk failures that no real disk here produces, injected into node:fs (see
 * test/helpers/fs-faults.ts): a folder whose fsync fails, a read that fails (EIO), a cut of a
 * torn line the disk refuses. And the order a crash relies on: a new outbox's folder is fsynced
 * after the file is made. The files are real, in a real temp folder.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutboxLine } from '../../src/ledger/outbox-lines.js';
import { isOpenHere } from '../helpers/disk-faults.js';
import { failNext, faultyFs, fsCalls, resetFsFaults } from '../helpers/fs-faults.js';

jest.unstable_mockModule('node:fs', faultyFs);
const { DiskError, EXIT, UsageError } = await import('../../src/core/errors.js');
const { OUTBOX_FILE, OutboxFile } = await import('../../src/ledger/outbox-file.js');

const request: OutboxLine = { v: 1, t: 'request', api: 'https://api.cryptocloud.plus', at: 5 };

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, nothing was thrown');
}

describe('the outbox, with injected disk failures', () => {
  let root: string;
  let dir: string;
  let path: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'payout-outbox-faults-'));
    dir = join(root, 'state');
    path = join(dir, OUTBOX_FILE);
    resetFsFaults();
  });
  afterEach(() => {
    resetFsFaults();
    rmSync(root, { recursive: true, force: true });
  });

  it('opened for writing: its folder is fsynced after the file is made', () => {
    OutboxFile.open(dir, true)?.close();
    const made = fsCalls.findIndex((c) => c.call === 'openSync' && c.path === path);
    expect(made).toBeGreaterThanOrEqual(0);
    expect(fsCalls.findIndex((c) => c.call === 'fsyncSync' && c.path === dir)).toBeGreaterThan(made);
  });

  it('a folder whose fsync fails: a DiskError naming the outbox, saying nothing is sent without it, exit 2', () => {
    failNext('fsyncSync', 'EIO', (p) => p === dir);
    const failure = thrown(() => OutboxFile.open(dir, true));
    expect(failure).toBeInstanceOf(DiskError);
    expect((failure as InstanceType<typeof DiskError>).failure).toMatchObject({
      what: "this machine's outbox",
      path,
      code: 'EIO',
    });
    expect((failure as InstanceType<typeof DiskError>).exitCode).toBe(EXIT.usage);
    // The file it had opened is closed again.
    expect(isOpenHere(path)).toBe(false);
  });

  it('opened read-only on a failing disk: a UsageError that it cannot be read, not a write refused', () => {
    mkdirSync(dir);
    appendFileSync(path, `${JSON.stringify(request)}\n`);
    failNext('openSync', 'EIO', (p) => p === path);
    const failure = thrown(() => OutboxFile.open(dir, false));
    expect(failure).toBeInstanceOf(UsageError);
    expect(failure).not.toBeInstanceOf(DiskError);
    expect((failure as Error).message).toMatch(`cannot read this machine's outbox ${path} (EIO)`);
  });

  it('a torn line the disk will not cut: the DiskError says it could not be cut off, and the file is as it was', () => {
    const file = OutboxFile.open(dir, true);
    if (!file) throw new Error('no outbox');
    try {
      file.append(request);
      appendFileSync(path, '{"v":1,"t":"inte');
      const before = readFileSync(path, 'utf8');
      failNext('ftruncateSync', 'EIO');
      const failure = thrown(() => file.catchUp(() => {}));
      expect(failure).toBeInstanceOf(DiskError);
      expect((failure as InstanceType<typeof DiskError>).failure).toMatchObject({
        what: "this machine's outbox",
        path,
        code: 'EIO',
        recorded: 'Its last line, cut short (its request never left), could not be cut off.',
      });
      expect(readFileSync(path, 'utf8')).toBe(before);
    } finally {
      file.close();
    }
  });
});
