/**
 * The balance query: its answer read exactly (decimal text, never a double), and every way it can
 * fail turned into a reason that never carries the key. Over real HTTP against the sandbox.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { decimalTextToMinor, numbersAsText, readBalanceAnswer } from '../../src/api/balance.js';
import { createClient } from '../../src/api/client.js';
import { startSandbox, type BalanceAnswerStyle, type Sandbox } from '../../src/sandbox/index.js';
import { refusedPort } from '../helpers/refused-port.js';

const KEY = 'balance-key-5c2e8a1f9d';

const line = (fullcode: string | undefined, code: string, available: string): string =>
  `{"currency":{"code":"${code}"${fullcode === undefined ? '' : `,"fullcode":"${fullcode}"`},"network":{"code":"x"}},"balance_crypto":${available},"available_balance":${available}}`;
const body = (...lines: string[]): string => `{"status":"success","result":[${lines.join(',')}]}`;

describe('reading the answer', () => {
  it('keeps the exact decimal of each JSON number, by fullcode', () => {
    const answer = readBalanceAnswer(
      200,
      body(line('USDT_TRC20', 'USDT', '1000.123456'), line('ETH', 'ETH', '12.345678901234567891')),
    );
    expect(answer).toEqual({
      ok: true,
      available: new Map([
        ['USDT_TRC20', 1000123456n],
        // 20 significant digits: a double would have lost the tail.
        ['ETH', 12345678901234567891n],
      ]),
      unclear: [],
    });
  });

  it('falls back to code when there is no fullcode, and takes decimals sent as strings', () => {
    const answer = readBalanceAnswer(200, body(line(undefined, 'BTC', '"0.5"')));
    expect(answer.ok && answer.available.get('BTC')).toBe(50_000_000n);
  });

  it('does not trust a currency listed twice or a line it cannot read', () => {
    const answer = readBalanceAnswer(
      200,
      body(line('TRX', 'TRX', '5'), line('TRX', 'TRX', '6'), line('BTC', 'BTC', '"lots"')),
    );
    expect(answer).toEqual({ ok: true, available: new Map(), unclear: ['BTC', 'TRX'] });
  });

  it.each<[string, number, string, RegExp]>([
    ['a missing endpoint', 404, '{"detail":"Not found."}', /no balance endpoint .*404/],
    ['a refused key', 401, '{"detail":"Invalid token."}', /refused the balance query \(HTTP 401\)/],
    ['a gateway error', 502, '<html>', /HTTP 502/],
    ['a body that is not JSON', 200, '{"status":"succ', /not JSON/],
    ['an error body', 200, '{"status":"error","result":{"x":"y"}}', /no "status":"success"/],
  ])('is not ok for %s', (_name, status, text, reason) => {
    const answer = readBalanceAnswer(status, text);
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.reason).toMatch(reason);
  });

  it('turns numbers into their text, never those inside strings', () => {
    expect(numbersAsText('{"a":1.10,"b":"x 2 \\" 3","c":[-1e-7,0]}')).toBe(
      '{"a":"1.10","b":"x 2 \\" 3","c":["-1e-7","0"]}',
    );
  });

  it.each<[string, number, bigint | undefined]>([
    ['1000', 6, 1_000_000_000n],
    ['1000.5', 6, 1_000_500_000n],
    ['0.1234567', 6, 123_456n],
    ['1e-07', 8, 10n],
    ['1.5E3', 2, 150_000n],
    ['1e-9', 6, 0n],
    ['-0.0000001', 6, -1n],
    ['-2', 6, -2_000_000n],
    ['1e999', 6, undefined],
    ['abc', 6, undefined],
  ])('%s with %i decimals is %p minor units (floored)', (text, decimals, minor) => {
    expect(decimalTextToMinor(text, decimals)).toBe(minor);
  });
});

describe('the client against the sandbox', () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
  });

  async function fetchWith(style: BalanceAnswerStyle, key = KEY, timeoutMs = 2000) {
    sandbox = await startSandbox({
      apiKey: KEY,
      intervalMs: 0,
      balanceAnswer: style,
      balances: { USDT_TRC20: '1234.5' },
    });
    return createClient({ baseUrl: sandbox.url, apiKey: key, timeoutMs }).fetchBalances();
  }

  it('reads the sandbox balances, and the sandbox records the arrival', async () => {
    const attempt = await fetchWith('normal');
    expect(attempt.answer.ok && attempt.answer.available.get('USDT_TRC20')).toBe(1_234_500_000n);
    // It left when its headers were written: before it arrived, and before its answer.
    const [arrival] = sandbox?.balanceLedger() ?? [];
    expect(attempt.startedAt).toBeLessThanOrEqual(arrival?.arrivedAt ?? 0);
    expect(attempt.endedAt).toBeGreaterThanOrEqual(attempt.startedAt ?? Infinity);
    expect(sandbox?.balanceLedger()).toEqual([{ arrivedAt: expect.any(Number), httpStatus: 200 }]);
    expect(sandbox?.ledger()).toEqual([]);
  });

  it.each<[BalanceAnswerStyle, RegExp]>([
    ['not_found', /HTTP 404/],
    ['auth', /HTTP 401/],
    ['http_5xx', /HTTP 502/],
    ['broken_json', /not JSON/],
    ['hang', /no answer to the balance query within 300 ms/],
  ])('reports %s as a reason, without the key', async (style, reason) => {
    const attempt = await fetchWith(style, KEY, 300);
    expect(attempt.answer.ok).toBe(false);
    if (!attempt.answer.ok) {
      expect(attempt.answer.reason).toMatch(reason);
      expect(attempt.answer.reason).not.toContain(KEY);
    }
  });

  it('reports a refused connection', async () => {
    const url = `http://127.0.0.1:${await refusedPort()}`;
    const attempt = await createClient({ baseUrl: url, apiKey: KEY, timeoutMs: 1000 }).fetchBalances();
    expect(attempt.answer).toEqual({ ok: false, reason: expect.stringMatching(/failed .*ECONNREFUSED/) });
  });
});
