import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startSandbox,
  type Fault,
  type LedgerEntry,
  type Sandbox,
  type SandboxOptions,
} from '../../src/sandbox/index.js';

const KEY = 'sandbox-key-0123456789';
const TRON = 'TT2T11KZhoDu48i2p4FWxfG79zdkEWkU9N';
const CREATE = '/v2/invoice/api/out/create';
const BALANCE = '/v2/merchant/wallet/balance/all';

const opened: Sandbox[] = [];
const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sandbox) => sandbox.close()));
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({ apiKey: KEY, intervalMs: 0, ...options });
  opened.push(sandbox);
  return sandbox;
}

interface Answer {
  status: number;
  text: string;
  json: unknown;
}

/** One request on a fresh connection, as the client makes them. */
async function request(
  sandbox: Sandbox,
  path: string,
  init: { method?: string; body?: string; key?: string | null; signal?: AbortSignal } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { Connection: 'close', 'Content-Type': 'application/json' };
  if (init.key !== null) headers['Authorization'] = `Token ${init.key ?? KEY}`;
  const response = await fetch(`${sandbox.url}${path}`, {
    method: init.method ?? 'POST',
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

const withdrawal = (amount = '1.5', currency = 'USDT_TRC20', address = TRON): string =>
  `{"currency_code":${JSON.stringify(currency)},"to_address":${JSON.stringify(address)},"amount":${amount}}`;
const create = (sandbox: Sandbox, body = withdrawal(), key?: string | null): Promise<Answer> =>
  request(sandbox, CREATE, { body, ...(key === undefined ? {} : { key }) });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits until `Date.now()` reaches `at`: gaps are planned from the sandbox's own arrival times. */
const sleepUntil = (at: number): Promise<void> => sleep(Math.max(0, at - Date.now()));
/** The arrival time of the n-th (0-based) ledger entry. */
const arrival = (sandbox: Sandbox, index: number): number => sandbox.ledger()[index]?.arrivedAt ?? Number.NaN;

async function balanceOf(sandbox: Sandbox, code: string): Promise<number | undefined> {
  const answer = await request(sandbox, BALANCE, { body: '{}' });
  const lines = (answer.json as { result: Array<{ currency: { fullcode: string }; balance_crypto: number }> }).result;
  return lines.find((line) => line.currency.fullcode === code)?.balance_crypto;
}

describe('the gap rule, measured on arrival', () => {
  /** Long enough that a request sent at once arrives within it on a loaded machine. */
  const GAP = 1500;

  it('rate-limits a request that arrives too soon, and accepts one after the interval', async () => {
    const sandbox = await start({ intervalMs: GAP });
    expect((await create(sandbox)).status).toBe(200);
    const early = await create(sandbox);
    expect(early.status).toBe(400);
    expect(early.json).toEqual({
      status: 'error',
      result: { rate_limit: `Minimum interval between requests is ${GAP} ms` },
    });
    await sleepUntil(arrival(sandbox, 1) + GAP + 10);
    expect((await create(sandbox)).status).toBe(200);
    const entries = sandbox.ledger();
    expect(entries.map((entry) => entry.response)).toEqual(['accepted', 'rate_limited', 'accepted']);
    expect(entries.map((entry) => entry.processed)).toEqual([true, false, true]);
    expect(arrival(sandbox, 1) - arrival(sandbox, 0)).toBeLessThan(GAP);
    expect(arrival(sandbox, 2) - arrival(sandbox, 1)).toBeGreaterThanOrEqual(GAP);
  });

  it('counts rate-limited arrivals too', async () => {
    const sandbox = await start({ intervalMs: GAP });
    await create(sandbox);
    await sleepUntil(arrival(sandbox, 0) + GAP / 3);
    expect((await create(sandbox)).status).toBe(400);
    // Past the first request's interval, inside the (rate-limited) second one's.
    await sleepUntil(arrival(sandbox, 0) + GAP + 10);
    expect((await create(sandbox)).status).toBe(400);
    expect(sandbox.ledger().map((entry) => entry.response)).toEqual(['accepted', 'rate_limited', 'rate_limited']);
    expect(arrival(sandbox, 2) - arrival(sandbox, 0)).toBeGreaterThanOrEqual(GAP);
    expect(arrival(sandbox, 2) - arrival(sandbox, 1)).toBeLessThan(GAP);
  });

  it('answers 429 with a throttling detail in the 429 style', async () => {
    const sandbox = await start({ intervalMs: 10_000, rateLimitStyle: '429' });
    await create(sandbox);
    const early = await create(sandbox);
    expect(early.status).toBe(429);
    expect(early.json).toEqual({
      detail: expect.stringMatching(/^Request was throttled\. Expected available in \d+ seconds?\.$/),
    });
  });

  it('counts unauthorised arrivals, and answers them 401 before judging the gap', async () => {
    const sandbox = await start({ intervalMs: 10_000 });
    expect((await create(sandbox, withdrawal(), 'wrong')).status).toBe(401);
    expect((await create(sandbox, withdrawal(), 'wrong')).status).toBe(401);
    expect((await create(sandbox)).status).toBe(400);
  });

  it('judges the gap before the body', async () => {
    const sandbox = await start({ intervalMs: 10_000 });
    await create(sandbox);
    expect((await create(sandbox, 'not json')).json).toMatchObject({ result: { rate_limit: expect.any(String) } });
  });

  it('leaves the balance endpoint out of the gap rule', async () => {
    const sandbox = await start({ intervalMs: 300 });
    await create(sandbox);
    await sleepUntil(arrival(sandbox, 0) + 310);
    await balanceOf(sandbox, 'USDT_TRC20');
    expect((await create(sandbox)).status).toBe(200);
    expect(sandbox.ledger()).toHaveLength(2);
  });
});

describe('auth', () => {
  it.each<[string, string | null]>([
    ['no header', null],
    ['a wrong key', 'nope'],
  ])('refuses %s with 401 {"detail":"Invalid token."}', async (_name, key) => {
    const sandbox = await start();
    const answer = await create(sandbox, withdrawal(), key);
    expect(answer).toMatchObject({ status: 401, json: { detail: 'Invalid token.' } });
    expect(sandbox.ledger()[0]).toMatchObject({ response: 'auth_failed', processed: false, httpStatus: 401 });
  });

  it('accepts any token when no key is configured', async () => {
    const sandbox = await startSandbox({ intervalMs: 0 });
    opened.push(sandbox);
    expect((await create(sandbox, withdrawal(), 'anything')).status).toBe(200);
  });
});

describe('validation over HTTP', () => {
  it.each<[string, string, string]>([
    ['a body that is not JSON', '{"currency_code":', 'validate_error'],
    [
      'a missing amount',
      '{"currency_code":"USDT_TRC20","to_address":"TT2T11KZhoDu48i2p4FWxfG79zdkEWkU9N"}',
      'required_parameter',
    ],
    ['an unknown currency', withdrawal('1', 'XYZ'), 'currency_code'],
    [
      'an address of another network',
      withdrawal('1', 'USDT_TRC20', '0x52908400098527886E0F7030069857D2E4169EE7'),
      'network',
    ],
    ['a negative amount', withdrawal('-1'), 'uncorrected_amount'],
    ['too many decimals', withdrawal('0.1234567'), 'uncorrected_amount'],
  ])('answers %s with 400 and the key %s', async (_name, body, key) => {
    const sandbox = await start();
    const answer = await create(sandbox, body);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ status: 'error', result: { [key]: expect.any(String) } });
    expect(sandbox.ledger()[0]).toMatchObject({
      response: 'rejected',
      processed: false,
      message: expect.stringContaining(key),
    });
  });

  it('records the amount text exactly as received', async () => {
    const sandbox = await start();
    await create(sandbox, withdrawal('0.000230'));
    await create(sandbox, withdrawal('1.5e1'));
    expect(sandbox.ledger().map((entry) => entry.amount)).toEqual(['0.000230', '1.5e1']);
  });
});

describe('balances', () => {
  it('decrease with accepted payouts, exactly, and refuse an overdraft', async () => {
    const sandbox = await start({ balances: { USDT_TRC20: '10.1' } });
    expect(await balanceOf(sandbox, 'USDT_TRC20')).toBe(10.1);
    expect((await create(sandbox, withdrawal('3.3'))).status).toBe(200);
    expect((await create(sandbox, withdrawal('3.3'))).status).toBe(200);
    expect(await balanceOf(sandbox, 'USDT_TRC20')).toBe(3.5);
    const over = await create(sandbox, withdrawal('3.500001'));
    expect(over.json).toEqual({ status: 'error', result: { uncorrected_amount: 'Insufficient balance' } });
    expect((await create(sandbox, withdrawal('3.5'))).status).toBe(200);
    expect(await balanceOf(sandbox, 'USDT_TRC20')).toBe(0);
    expect(await balanceOf(sandbox, 'BTC')).toBe(1_000_000);
  });

  it('serve the documented balance shape, behind auth, outside the ledger', async () => {
    const sandbox = await start({ balances: { ETH: '0.000000000000000001' } });
    const answer = await request(sandbox, BALANCE, { body: '{}' });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('"balance_crypto":0.000000000000000001,');
    expect(answer.json).toMatchObject({
      status: 'success',
      result: expect.arrayContaining([
        {
          currency: expect.objectContaining({
            code: 'USDT',
            fullcode: 'USDT_TRC20',
            network: expect.objectContaining({ code: 'TRC20' }),
          }),
          balance_crypto: 1_000_000,
          balance_usd: 1_000_000,
          available_balance: 1_000_000,
        },
      ]),
    });
    expect((await request(sandbox, BALANCE, { body: '{}', key: 'wrong' })).status).toBe(401);
    expect(sandbox.ledger()).toEqual([]);
  });
});

describe('success shapes', () => {
  it('rotate through documented, invoice_id and data, with unique INV- ids', async () => {
    const sandbox = await start();
    const answers = [];
    for (let i = 0; i < 4; i += 1)
      answers.push((await create(sandbox)).json as Record<string, Record<string, unknown>>);
    const ids = sandbox.ledger().map((entry) => entry.invoiceId);
    expect(answers[0]?.['result']).toMatchObject({ uuid: ids[0], status: 'created', address: TRON, amount: 1.5 });
    expect(answers[0]?.['result']).toHaveProperty('currency.fullcode', 'USDT_TRC20');
    expect(answers[1]).toEqual({
      status: 'success',
      result: { invoice_id: ids[1], status: 'created', currency: 'USDT_TRC20', amount: 1.5 },
    });
    expect(answers[2]).toEqual({
      status: 'success',
      data: { invoice_id: ids[2], status: 'created', currency: 'USDT_TRC20', amount: 1.5 },
    });
    expect(answers[3]?.['result']).toHaveProperty('uuid', ids[3]);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^INV-[A-Z0-9]{8}$/);
  });
});

describe('the ledger file', () => {
  it('gets one JSON line per create request, equal to the in-memory ledger', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-ledger-'));
    tempDirs.push(dir);
    const ledgerFile = join(dir, 'ledger.jsonl');
    const sandbox = await start({ ledgerFile });
    await create(sandbox);
    await create(sandbox, withdrawal('1', 'XYZ'));
    sandbox.injectFaults([{ kind: 'drop', when: 'after' }]);
    await create(sandbox).catch(() => undefined);
    const lines = (await readFile(ledgerFile, 'utf8')).trimEnd().split('\n');
    const fromFile = lines.map((line) => JSON.parse(line) as LedgerEntry);
    expect(fromFile).toEqual(sandbox.ledger());
    expect(fromFile.map((entry) => [entry.seq, entry.response, entry.processed])).toEqual([
      [1, 'accepted', true],
      [2, 'rejected', false],
      [3, 'fault', true],
    ]);
  });

  it('fails at start on a path it cannot write', async () => {
    await expect(startSandbox({ ledgerFile: '/nonexistent-dir/x/ledger.jsonl' })).rejects.toThrow(/ENOENT/);
  });
});

describe('faults', () => {
  it('are consumed one per create request, first in first out, then normal handling resumes', async () => {
    const sandbox = await start({ balances: { USDT_TRC20: '100' } });
    sandbox.injectFaults([
      { kind: 'reject', key: 'network' },
      { kind: 'http_5xx', status: 503, when: 'before' },
      { kind: 'no_id' },
    ]);
    sandbox.injectFaults([{ kind: 'rate_limit_429' }]);
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await create(sandbox)).status);
    expect(statuses).toEqual([400, 503, 200, 429, 200]);
    expect(sandbox.ledger().map((entry) => [entry.fault, entry.response, entry.processed])).toEqual([
      ['reject:network', 'rejected', false],
      ['http_5xx:503:before', 'fault', false],
      ['no_id', 'fault', true],
      ['rate_limit_429', 'rate_limited', false],
      [undefined, 'accepted', true],
    ]);
    expect(await balanceOf(sandbox, 'USDT_TRC20')).toBe(97);
  });

  it('are not consumed by unauthorised requests', async () => {
    const sandbox = await start();
    sandbox.injectFaults([{ kind: 'reject', key: 'validate_error' }]);
    expect((await create(sandbox, withdrawal(), 'wrong')).status).toBe(401);
    expect((await create(sandbox)).json).toEqual({ status: 'error', result: { validate_error: 'Validation error' } });
  });

  it.each<[Fault, boolean, number | undefined]>([
    [{ kind: 'drop', when: 'before' }, false, undefined],
    [{ kind: 'drop', when: 'after' }, true, undefined],
    [{ kind: 'hang', when: 'before' }, false, undefined],
    [{ kind: 'hang', when: 'after' }, true, undefined],
    [{ kind: 'http_5xx', when: 'before' }, false, 502],
    [{ kind: 'http_5xx', when: 'after' }, true, 502],
    [{ kind: 'broken_json' }, true, 200],
    [{ kind: 'no_id' }, true, 200],
    [{ kind: 'rate_limit_body' }, false, 400],
    [{ kind: 'auth' }, false, 401],
  ])('%j: processed=%s, status %s', async (fault, processed, httpStatus) => {
    const sandbox = await start({ balances: { USDT_TRC20: '10' } });
    sandbox.injectFaults([fault]);
    // A hung request is only ended by the client giving up; its ledger line is written before that.
    await request(sandbox, CREATE, { body: withdrawal('4'), signal: AbortSignal.timeout(150) }).catch(() => undefined);
    expect((await create(sandbox, withdrawal('4'))).status).toBe(200);
    const [entry] = sandbox.ledger();
    expect(entry).toMatchObject({ processed, amount: '4', currency_code: 'USDT_TRC20' });
    expect(entry?.httpStatus).toBe(httpStatus);
    expect(entry?.invoiceId !== undefined).toBe(processed);
    // The second request was handled normally (accepted), whatever the first did.
    expect(await balanceOf(sandbox, 'USDT_TRC20')).toBe(processed ? 2 : 6);
  });

  it('`after` faults on an invalid request move no money', async () => {
    const sandbox = await start({ balances: { USDT_TRC20: '1' } });
    sandbox.injectFaults([{ kind: 'drop', when: 'after' }]);
    await create(sandbox, withdrawal('5')).catch(() => undefined);
    expect(sandbox.ledger()[0]).toMatchObject({
      processed: false,
      fault: 'drop:after',
      message: 'not processed (uncorrected_amount: Insufficient balance)',
    });
  });

  it('broken_json sends a 200 whose JSON is cut', async () => {
    const sandbox = await start();
    sandbox.injectFaults([{ kind: 'broken_json' }]);
    const answer = await create(sandbox);
    expect(answer.status).toBe(200);
    expect(answer.json).toBeUndefined();
    expect(answer.text).toMatch(/^\{"status":"success"/);
  });

  it('are refused when malformed', async () => {
    const sandbox = await start();
    expect(() => sandbox.injectFaults([{ kind: 'drop' } as unknown as Fault])).toThrow(TypeError);
    expect(() => sandbox.injectFaults([{ kind: 'http_5xx', status: 404, when: 'before' }])).toThrow(TypeError);
  });
});

describe('control endpoints', () => {
  it('queue faults, show the ledger, and report health', async () => {
    const sandbox = await start();
    expect((await request(sandbox, '/_sandbox/health', { method: 'GET', key: null })).json).toEqual({ status: 'ok' });
    const queued = await request(sandbox, '/_sandbox/faults', {
      key: null,
      body: JSON.stringify({
        faults: [
          { kind: 'reject', key: 'currency_code' },
          { kind: 'http_5xx', when: 'after', status: 500 },
        ],
      }),
    });
    expect(queued).toMatchObject({ status: 200, json: { queued: 2, waiting: 2 } });
    expect((await create(sandbox)).status).toBe(400);
    expect((await create(sandbox)).status).toBe(500);
    const ledger = await request(sandbox, '/_sandbox/ledger', { method: 'GET', key: null });
    expect(ledger.json).toEqual(sandbox.ledger());
    expect(sandbox.ledger()).toHaveLength(2);
  });

  it.each([
    ['not JSON', 'x'],
    ['no faults list', '{}'],
    ['an unknown kind', '{"faults":[{"kind":"explode"}]}'],
    ['a drop without when', '{"faults":[{"kind":"drop"}]}'],
  ])('refuse %s with 400', async (_name, body) => {
    const sandbox = await start();
    expect((await request(sandbox, '/_sandbox/faults', { key: null, body })).status).toBe(400);
  });
});

describe('routing', () => {
  it('answers unknown paths 404 and wrong methods 405', async () => {
    const sandbox = await start();
    expect(await request(sandbox, '/v2/nothing', { body: '{}' })).toMatchObject({
      status: 404,
      json: { detail: 'Not found.' },
    });
    expect((await request(sandbox, CREATE, { method: 'GET' })).status).toBe(405);
    expect(sandbox.ledger()).toEqual([]);
  });
});

describe('close', () => {
  it('ends hanging sockets too', async () => {
    const sandbox = await startSandbox({ apiKey: KEY, intervalMs: 0 });
    sandbox.injectFaults([{ kind: 'hang', when: 'before' }]);
    const pending = create(sandbox).then(
      () => 'answered',
      () => 'failed',
    );
    for (let i = 0; i < 50 && sandbox.ledger().length === 0; i += 1) await sleep(5);
    const before = Date.now();
    await sandbox.close();
    expect(await pending).toBe('failed');
    expect(Date.now() - before).toBeLessThan(500);
    await sandbox.close(); // twice is fine
  });

  it('cancels answers still waiting for their latency', async () => {
    const sandbox = await startSandbox({ apiKey: KEY, intervalMs: 0, latencyMs: [5000, 5000] });
    const pending = create(sandbox).then(
      () => 'answered',
      () => 'failed',
    );
    for (let i = 0; i < 50 && sandbox.ledger().length === 0; i += 1) await sleep(5);
    await sandbox.close();
    expect(await pending).toBe('failed');
  });
});

describe('latency', () => {
  it('delays answers within the range', async () => {
    const sandbox = await start({ latencyMs: [60, 90] });
    const before = Date.now();
    await create(sandbox);
    const elapsed = Date.now() - before;
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(elapsed).toBeLessThan(400);
  });
});

describe('options', () => {
  it.each<[string, SandboxOptions, RegExp]>([
    [
      'a negative interval',
      { intervalMs: -1 },
      /Expected `intervalMs` to be a finite number >= 0, got `-1` \(number\)/,
    ],
    ['a bad port', { port: 70000 }, /`port`/],
    ['an unknown currency balance', { balances: { DOGE: '1' } }, /`DOGE`/],
    ['a balance with too many decimals', { balances: { USDT_TRC20: '0.0000001' } }, /balances.USDT_TRC20/],
    ['an inverted latency range', { latencyMs: [10, 5] }, /latencyMs/],
    ['an unknown shape', { successShape: 'weird' as 'data' }, /successShape/],
    ['a rate-limit style', { rateLimitStyle: '503' as '429' }, /rateLimitStyle/],
  ])('refuse %s', async (_name, options, message) => {
    await expect(startSandbox(options)).rejects.toThrow(message);
  });

  it('never quotes a bad api key', async () => {
    await expect(startSandbox({ apiKey: 'has space' })).rejects.toThrow(
      /^Expected `apiKey` to be a non-empty string without spaces$/,
    );
  });

  it('reports a port in use', async () => {
    const first = await start();
    const port = Number(new URL(first.url).port);
    await expect(startSandbox({ port })).rejects.toThrow(/EADDRINUSE/);
  });
});
