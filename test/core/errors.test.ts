/**
 * One mapping from an error's kind, and whether the run had started sending, to its exit code and
 * closing words: exit 2 promises that nothing was sent, so once sending started nothing exits 2.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  adviceOf,
  closingWords,
  DiskError,
  EXIT,
  ExitError,
  exitCodeFor,
  InputError,
  messageOf,
  UsageError,
  type ErrorKind,
} from '../../src/core/errors.js';

const KINDS: ErrorKind[] = ['usage', 'input', 'refused', 'changed', 'disk'];
const AFTER =
  'This happened after the run had started sending: rows may have been paid. Run payout status to see where it stands.';

describe('exitCodeFor', () => {
  it('exit 2 before sending, exit 3 once sending started', () => {
    expect([exitCodeFor(false), exitCodeFor(true)]).toEqual([EXIT.usage, EXIT.incomplete]);
  });

  it.each(KINDS)('%s: an ExitError exits as exitCodeFor says, before and after sending', (kind) => {
    const before = new ExitError({ problem: 'x' }, kind);
    expect([before.exitCode, before.afterSending().exitCode]).toEqual([EXIT.usage, EXIT.incomplete]);
  });
});

describe('closingWords', () => {
  it.each([
    ['input', false, 'Nothing was sent.'],
    ['refused', false, 'Nothing was sent.'],
    ['disk', false, 'Nothing was sent.'],
    ['input', true, AFTER],
    ['refused', true, AFTER],
    ['changed', true, AFTER],
    ['usage', true, AFTER],
    ['disk', true, 'The run stopped before sending anything more.'],
  ] as const)('%s, sending started %s: %s', (kind, started, words) => {
    expect(closingWords(kind, started)).toBe(words);
  });
});

describe('messageOf', () => {
  const words = { problem: 'the run is refused: 2 rows over the cap', remedy: 'raise --max-amount' };
  it.each([
    [
      'problem, closing words, remedy',
      words,
      false,
      'the run is refused: 2 rows over the cap. Nothing was sent. Raise --max-amount.',
    ],
    ['after sending', words, true, `the run is refused: 2 rows over the cap. ${AFTER} Raise --max-amount.`],
    ['no remedy', { problem: 'not confirmed' }, false, 'not confirmed. Nothing was sent.'],
    [
      'a problem that already ends a sentence',
      { problem: 'It was copied.' },
      false,
      'It was copied. Nothing was sent.',
    ],
    [
      'a plain string, before sending: as written',
      'no API key: set CRYPTOCLOUD_API_KEY',
      false,
      'no API key: set CRYPTOCLOUD_API_KEY',
    ],
    ['a plain string, after sending', 'cannot read x.csv: EIO', true, `cannot read x.csv: EIO. ${AFTER}`],
  ] as const)('%s', (_name, given, started, message) => {
    expect(messageOf(given, 'refused', started)).toBe(message);
  });
});

describe('adviceOf', () => {
  it.each([
    [
      'the problem and what to do, without the closing words',
      { problem: 'x is behind', remedy: 'run payout recover' },
      'x is behind. Run payout recover.',
    ],
    ['no remedy', { problem: 'not confirmed' }, 'not confirmed.'],
    ['a plain string, as one sentence', 'cannot read x.csv', 'cannot read x.csv.'],
    ['a plain string that ends a sentence already', 'cannot read x.csv.', 'cannot read x.csv.'],
  ] as const)('%s', (_name, words, advice) => {
    expect(adviceOf(words)).toBe(advice);
  });
});

describe('ExitError', () => {
  it('takes its exit code from its kind, and afterSending turns exit 2 into exit 3 with words that say why', () => {
    const refused = new ExitError({ problem: 'the run is refused: caps', remedy: 'raise them' }, 'refused');
    expect(refused).toMatchObject({
      exitCode: EXIT.usage,
      message: 'the run is refused: caps. Nothing was sent. Raise them.',
    });
    const after = refused.afterSending();
    expect(after).toMatchObject({
      exitCode: EXIT.incomplete,
      kind: 'refused',
      sendingStarted: true,
      message: `the run is refused: caps. ${AFTER} Raise them.`,
    });
    expect(after.message).not.toMatch(/nothing was sent/i);
    expect(after.cause).toBe(refused);
    expect(after.afterSending()).toBe(after);
  });

  it('a usage or input error is exit 2 with its words as written', () => {
    expect(new UsageError('--interval 5 is below 12000')).toMatchObject({
      exitCode: 2,
      kind: 'usage',
      message: '--interval 5 is below 12000',
    });
    expect(new InputError('cannot read x.csv')).toMatchObject({ exitCode: 2, kind: 'input', name: 'InputError' });
    expect(new UsageError('x').name).toBe('UsageError');
    expect(new ExitError('x', 'refused').name).toBe('ExitError');
    expect(new InputError('cannot read x.csv').afterSending()).toMatchObject({
      exitCode: EXIT.incomplete,
      message: `cannot read x.csv. ${AFTER}`,
    });
  });

  it('a disk error after sending keeps its own closing words and names the payroll', () => {
    const disk = new DiskError({ what: 'the output CSV', path: '/d/out.csv', problem: 'full', code: 'ENOSPC' });
    expect(disk).toMatchObject({ exitCode: EXIT.usage, kind: 'disk' });
    const after = disk.afterSending('payroll.csv');
    expect(after).toBeInstanceOf(DiskError);
    expect(after).toMatchObject({
      exitCode: EXIT.incomplete,
      message:
        'The output CSV /d/out.csv could not be written: the disk is full (ENOSPC). The checkpoint holds every request sent and its answer. ' +
        'The run stopped before sending anything more. Free space, then run the same command.',
    });
  });
});

/** `line` without a trailing ` // ` comment: one that starts outside every quote (a ` // ` inside a string stays). */
function withoutTrailingComment(line: string): string {
  for (const match of line.matchAll(/\s\/\/\s/g)) {
    const before = line.slice(0, match.index);
    const outside = ["'", '"', '`'].every((quote) => before.split(quote).length % 2 === 1);
    if (outside) return before;
  }
  return line;
}

/** Every .ts file under `dir`. */
function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourcesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('withoutTrailingComment', () => {
  it.each([
    ['a trailing comment after a string is dropped', "f('nothing was sent'); // why", "f('nothing was sent');"],
    ['a " // " inside a string is kept', "f('see http: // nothing was sent');", "f('see http: // nothing was sent');"],
    ['inside a string, then a real comment', "f('a // b') + g('c'); // why", "f('a // b') + g('c');"],
    ['no comment', 'const x = 1;', 'const x = 1;'],
  ])('%s', (_name, line, expected) => {
    expect(withoutTrailingComment(line)).toBe(expected);
  });
});

describe('the closing words are typed once', () => {
  it('no error message outside core/errors.ts says "nothing was sent" itself', () => {
    // A request's own outcome ("could not connect …; nothing was sent") is about that request, not how the run ends.
    const requestOutcomes = [join('src', 'api', ''), join('src', 'pay', 'next-step.ts'), join('src', 'sandbox', '')];
    const typed = sourcesUnder('src')
      .filter((path) => path !== join('src', 'core', 'errors.ts'))
      .filter((path) => !requestOutcomes.some((outcome) => path.startsWith(outcome)))
      .flatMap((path) =>
        readFileSync(path, 'utf8')
          .split('\n')
          // In a string, not a comment (a whole-line one, or one after the code: Stryker's
          // instrumented copy puts strings before such a comment); a dry run's last words are a
          // report, not an error.
          .map((line, index) => ({ where: `${path}:${index + 1}`, line: withoutTrailingComment(line) }))
          .filter(({ line }) => !/^\s*(\*|\/\/|\/\*)/.test(line))
          .filter(
            ({ line }) => /['`"][^'`"]*nothing was sent/i.test(line) && !line.includes('Dry run: nothing was sent'),
          ),
      )
      .map(({ where }) => where);
    expect(typed).toEqual([]);
  });
});
