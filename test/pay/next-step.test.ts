/**
 * The send loop's rules, one line a case, without a sandbox: for an outcome and the counts so
 * far, whether the row is done, sent again (after how long), or the run stops, and the counts
 * from there. The thresholds are written out: 3 unknown in a row, 5 rate limits for one row, 3
 * retries of a request that never left.
 */
import { describe, expect, it } from '@jest/globals';
import type { Outcome } from '../../src/core/types.js';
import { classifyFetchError } from '../../src/api/classify.js';
import { nextStep, streaksForRow, type Step, type Streaks } from '../../src/pay/next-step.js';

const accepted: Outcome = { kind: 'accepted', invoiceId: 'INV-7' };
const rejected: Outcome = { kind: 'rejected', code: 'network', message: 'bad network' };
const unknown: Outcome = { kind: 'unknown', message: 'timeout' };
const authFailed: Outcome = { kind: 'auth_failed', message: 'HTTP 401' };
const rateLimited: Outcome = { kind: 'rate_limited', message: 'HTTP 429' };
// A message as api/classify.ts writes it: it already says that nothing was sent.
const neverSent: Outcome = {
  kind: 'never_sent',
  message: 'the API host refused the connection (ECONNREFUSED); nothing was sent',
};

const at = (unknownInARow: number, rate = 0, never = 0): Streaks => ({
  unknownInARow,
  rateLimited: rate,
  neverSent: never,
});
const ROW = { rowNumber: 4, intervalMs: 1000 };
const DOWN = '3 requests in a row had no clear answer; the API is probably down';

describe('nextStep', () => {
  it.each<[string, Outcome, Streaks, Step, Streaks]>([
    ['paid', accepted, at(2), { kind: 'done', shown: 'paid', detail: 'INV-7' }, at(0)],
    ['failed', rejected, at(2, 1, 1), { kind: 'done', shown: 'failed', detail: 'bad network' }, at(0, 1, 1)],
    ['a first unknown', unknown, at(0), { kind: 'done', shown: 'unknown', detail: 'timeout' }, at(1)],
    ['a second unknown', unknown, at(1), { kind: 'done', shown: 'unknown', detail: 'timeout' }, at(2)],
    [
      'a third unknown stops after it',
      unknown,
      at(2),
      { kind: 'done', shown: 'unknown', detail: 'timeout', stop: DOWN },
      at(3),
    ],
    [
      'the key refused',
      authFailed,
      at(1),
      { kind: 'stop', reason: 'the API refused the key (HTTP 401); row 4 and the rest were not sent' },
      at(1),
    ],
    [
      'a first rate limit',
      rateLimited,
      at(2),
      { kind: 'retry', warn: 'row 4: the API asked to slow down (HTTP 429); sending it again after the interval' },
      at(0, 1),
    ],
    [
      'a fourth rate limit',
      rateLimited,
      at(0, 3),
      { kind: 'retry', warn: 'row 4: the API asked to slow down (HTTP 429); sending it again after the interval' },
      at(0, 4),
    ],
    [
      'a fifth rate limit stops',
      rateLimited,
      at(0, 4),
      {
        kind: 'stop',
        reason: 'the API answered "rate limit" 5 times in a row for row 4; is another program using this key?',
      },
      at(0, 5),
    ],
    [
      'a first request that never left: again after one interval',
      neverSent,
      at(2),
      {
        kind: 'retry',
        delayMs: 1000,
        warn: 'row 4: the API host refused the connection (ECONNREFUSED); nothing was sent; trying again (1/3)',
      },
      at(2, 0, 1),
    ],
    [
      'the second: after two',
      neverSent,
      at(0, 0, 1),
      {
        kind: 'retry',
        delayMs: 2000,
        warn: 'row 4: the API host refused the connection (ECONNREFUSED); nothing was sent; trying again (2/3)',
      },
      at(0, 0, 2),
    ],
    [
      'the third: after four',
      neverSent,
      at(0, 0, 2),
      {
        kind: 'retry',
        delayMs: 4000,
        warn: 'row 4: the API host refused the connection (ECONNREFUSED); nothing was sent; trying again (3/3)',
      },
      at(0, 0, 3),
    ],
    [
      'the fourth stops',
      neverSent,
      at(0, 0, 3),
      {
        kind: 'stop',
        reason:
          'cannot reach the API (the API host refused the connection (ECONNREFUSED); nothing was sent); row 4 and the rest were not sent',
      },
      at(0, 0, 4),
    ],
  ])('%s', (_case, outcome, before, step, after) => {
    expect(nextStep(outcome, before, ROW)).toStrictEqual({ step, streaks: after });
  });

  it('a new row starts its own counts and carries the unknown streak', () => {
    expect(streaksForRow(2)).toStrictEqual(at(2, 0, 0));
  });

  it('never changes the counts it is given', () => {
    const before = at(1, 2, 3);
    for (const outcome of [accepted, rejected, unknown, authFailed, rateLimited, neverSent])
      nextStep(outcome, before, ROW);
    expect(before).toStrictEqual(at(1, 2, 3));
  });
});

describe("nextStep's retry warning with the never_sent messages api/classify.ts writes", () => {
  const coded = (code: string, message = `${code} happened`) => Object.assign(new Error(message), { code });
  const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });
  const timedOut = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
  const errors: Array<[string, unknown, boolean | undefined]> = [
    ['a refused connection', fetchFailed(coded('ECONNREFUSED')), undefined],
    ['a failed name lookup', fetchFailed(coded('ENOTFOUND')), undefined],
    ['a URL refused before connecting', fetchFailed(new Error('bad port')), undefined],
    ['an unreachable network, not written', fetchFailed(coded('ENETUNREACH')), false],
    ['a certificate refused, not written', fetchFailed(coded('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed')), false],
    ['a connect timeout, not written', timedOut, false],
    ['anything else, not written', new TypeError('fetch failed'), false],
  ];

  it.each(errors)('%s: says once that nothing was sent, and which try this is', (_name, error, written) => {
    const outcome = classifyFetchError(error, { timeoutMs: 500, ...(written !== undefined && { written }) });
    expect(outcome.kind).toBe('never_sent');
    const { step } = nextStep(outcome, at(0), ROW);
    expect(step.kind).toBe('retry');
    const warn = step.kind === 'retry' ? step.warn : '';
    expect(warn.match(/nothing was sent/g)).toHaveLength(1);
    expect(warn).toMatch(/^row 4: .+; nothing was sent; trying again \(1\/3\)$/);
  });
});
