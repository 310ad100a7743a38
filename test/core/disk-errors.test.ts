/**
 * A full, read-only or failing disk, said in the operator's words: which file, why, what is
 * recorded, what to do; exit 2 before anything was sent, exit 3 after.
 */
import { describe, expect, it } from '@jest/globals';
import { DiskError, diskProblemOf, EXIT } from '../../src/core/errors.js';

function errno(code: string, syscall = 'write'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, ${syscall}`), { code, syscall });
}

describe('diskProblemOf', () => {
  it.each([
    ['ENOSPC', 'full'],
    ['EDQUOT', 'quota'],
    ['EROFS', 'read-only'],
    ['EIO', 'failing'],
  ])('%s is a disk that is %s', (code, problem) => {
    expect(diskProblemOf(errno(code))).toMatchObject({ problem, code });
  });

  it.each(['EACCES', 'ENOENT', 'EPIPE', 'EBADF', undefined])('%s is not a disk problem', (code) => {
    expect(diskProblemOf(code ? errno(code) : new Error('boom'))).toBeUndefined();
  });

  it('finds the disk behind wrapping errors (their causes)', () => {
    const wrapped = new Error('writing the output CSV failed', {
      cause: new Error('stream', { cause: errno('ENOSPC') }),
    });
    expect(diskProblemOf(wrapped)).toMatchObject({ problem: 'full', code: 'ENOSPC' });
  });

  it('names the file the system named, and no file when it named none', () => {
    expect(diskProblemOf(Object.assign(errno('ENOSPC'), { path: '/d/out.csv' }))).toStrictEqual({
      problem: 'full',
      code: 'ENOSPC',
      path: '/d/out.csv',
    });
    expect(diskProblemOf(errno('EROFS'))).toStrictEqual({ problem: 'read-only', code: 'EROFS' });
  });

  it('stops at a null cause, and at a cause that leads back to itself', () => {
    expect(diskProblemOf(new Error('top', { cause: null }))).toBeUndefined();
    const looped = new Error('looped') as Error & { cause?: unknown };
    looped.cause = new Error('inner', { cause: looped });
    expect(diskProblemOf(looped)).toBeUndefined();
  });

  it('looks through the error and seven causes, no deeper', () => {
    const wrappedIn = (levels: number): unknown => {
      let error: unknown = errno('ENOSPC');
      for (let i = 0; i < levels; i += 1) error = new Error(`wrapper ${i}`, { cause: error });
      return error;
    };
    expect(diskProblemOf(wrappedIn(7))).toMatchObject({ problem: 'full' });
    expect(diskProblemOf(wrappedIn(8))).toBeUndefined();
  });
});

describe('DiskError', () => {
  const full = (recorded?: string): DiskError => {
    const error = DiskError.from(errno('ENOSPC'), 'the checkpoint', '/data/payroll.checkpoint.jsonl', recorded);
    if (!error) throw new Error('not a disk error');
    return error;
  };

  it('is undefined for an error no disk caused, and itself for one it did', () => {
    expect(DiskError.from(errno('EACCES'), 'the checkpoint', '/x')).toBeUndefined();
    const error = full();
    expect(DiskError.from(error, 'the output CSV', '/y')).toBe(error);
  });

  it.each<[string, RegExp, RegExp]>([
    ['ENOSPC', /could not be written: the disk is full \(ENOSPC\)/, /Free space, then run the same command\.$/],
    [
      'EDQUOT',
      /the disk quota is used up \(EDQUOT\)/,
      /Free space \(or raise the quota\), then run the same command\.$/,
    ],
    ['EROFS', /the disk is read-only \(EROFS\)/, /Make the disk writable again, then run the same command\.$/],
    [
      'EIO',
      /the disk is failing \(an input\/output error\) \(EIO\)/,
      /Check the disk \(or move the files to a sound one\), then run the same command\.$/,
    ],
  ])('%s: names the file, the problem and the remedy', (code, problem, remedy) => {
    const error = DiskError.from(errno(code), 'the output CSV', '/data/payroll.results.csv');
    expect(error?.message).toMatch(/^The output CSV \/data\/payroll\.results\.csv could not be written/);
    expect(error?.message).toMatch(problem);
    expect(error?.message).toMatch(remedy);
    expect(error?.message).not.toMatch(/internal error|report this/);
  });

  it('before anything was sent: exit 2, "Nothing was sent."', () => {
    const error = full();
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.message).toBe(
      'The checkpoint /data/payroll.checkpoint.jsonl could not be written: the disk is full (ENOSPC). Nothing was sent. Free space, then run the same command.',
    );
  });

  it('once sending started: exit 3, what is recorded, and that the run stopped before sending more', () => {
    const error = full('Row 7 was not sent: its intent could not be recorded, so its request never left.').afterSending(
      'payroll.csv',
    );
    expect(error.exitCode).toBe(EXIT.incomplete);
    expect(error.message).toBe(
      'The checkpoint /data/payroll.checkpoint.jsonl could not be written: the disk is full (ENOSPC). ' +
        'Row 7 was not sent: its intent could not be recorded, so its request never left. ' +
        'The run stopped before sending anything more. Free space, then run the same command.',
    );
  });

  it('once sending started, without a word on what is recorded: the checkpoint holds every request sent', () => {
    expect(full().afterSending().message).toMatch(
      /\(ENOSPC\)\. The checkpoint holds every request sent and its answer\. The run stopped before sending anything more\./,
    );
  });

  it.each<[Parameters<DiskError['with']>[0]['next'], string]>([
    [{ command: 'recover' }, 'Free space, then run payout recover payroll.csv, then run the same command.'],
    [
      { command: 'resolve', row: 3, verdict: '--paid INV-ABCD1234' },
      'Free space, then run payout resolve payroll.csv --row 3 --paid INV-ABCD1234, then run the same command.',
    ],
    [
      { command: 'resolve', row: 4, verdict: '--not-paid' },
      'Free space, then run payout resolve payroll.csv --row 4 --not-paid, then run the same command.',
    ],
  ])('names the step the next run needs first, with the payroll: %j', (next, words) => {
    const error = full().with({ next }).afterSending('payroll.csv');
    expect(error.message.endsWith(words)).toBe(true);
    expect(error.exitCode).toBe(EXIT.incomplete);
  });

  it('holds what it was given, and no word on what is recorded when none was given', () => {
    expect(full().failure).toStrictEqual({
      what: 'the checkpoint',
      path: '/data/payroll.checkpoint.jsonl',
      problem: 'full',
      code: 'ENOSPC',
    });
    expect(full().name).toBe('DiskError');
  });

  it('keeps the payroll it was told of when told more, and says <payroll> when never told', () => {
    const recover = { next: { command: 'recover' } } as const;
    expect(
      full()
        .with({ ...recover, input: 'a.csv' })
        .afterSending().message,
    ).toMatch(/then run payout recover a\.csv, then run the same command\.$/);
    expect(full().with(recover).afterSending().message).toMatch(
      /then run payout recover <payroll>, then run the same command\.$/,
    );
  });

  it('keeps the system error as its cause (for the log), not in the words', () => {
    const cause = errno('ENOSPC');
    const error = DiskError.from(cause, 'the manifest', '/m.json')?.afterSending();
    expect(error?.cause).toBe(cause);
    expect(error?.with({ recorded: 'More.' }).cause).toBe(cause);
    expect(error?.message).not.toMatch(/something, write/);
  });
});
