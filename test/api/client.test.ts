import { afterEach, describe, expect, it } from '@jest/globals';
import { buildRequestBody, createClient, type Attempt, type WithdrawalClient } from '../../src/api/client.js';
import { UsageError } from '../../src/core/errors.js';
import type { ValidPayout } from '../../src/core/types.js';
import { startSandbox, type Fault, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { startRawServer, type RawServer } from './raw-server.js';
import { refusedPort } from '../helpers/refused-port.js';

const KEY = 'test-key-9f8e7d6c5b4a';
const TRON = 'TT2T11KZhoDu48i2p4FWxfG79zdkEWkU9N';
const BTC = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
const EVM = '0x52908400098527886E0F7030069857D2E4169EE7';
const MAYBE = 'the withdrawal may or may not have been created';

const payout = (overrides: Partial<ValidPayout> = {}): ValidPayout => ({
  currencyCode: 'USDT_TRC20',
  toAddress: TRON,
  amount: '12.5',
  ...overrides,
});

const opened: Array<Sandbox | RawServer> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((server) => server.close()));
});

/** A fresh sandbox (so its first request is never too early) and a client with the right key. */
async function setUp(
  options: SandboxOptions = {},
  clientOptions: { apiKey?: string; timeoutMs?: number } = {},
): Promise<{ sandbox: Sandbox; client: WithdrawalClient }> {
  const sandbox = await startSandbox({ apiKey: KEY, intervalMs: 50, ...options });
  opened.push(sandbox);
  const client = createClient({
    baseUrl: sandbox.url,
    apiKey: clientOptions.apiKey ?? KEY,
    timeoutMs: clientOptions.timeoutMs ?? 2000,
  });
  return { sandbox, client };
}

async function withFault(
  fault: Fault,
  clientOptions?: { timeoutMs?: number },
): Promise<{ attempt: Attempt; sandbox: Sandbox }> {
  const { sandbox, client } = await setUp({}, clientOptions);
  sandbox.injectFaults([fault]);
  return { attempt: await client.sendWithdrawal(payout()), sandbox };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('sendWithdrawal against the sandbox', () => {
  it.each(['documented', 'invoice_id', 'data'] as const)(
    'is accepted with the %s success shape',
    async (successShape) => {
      const { sandbox, client } = await setUp({ successShape });
      const before = Date.now();
      const attempt = await client.sendWithdrawal(payout());
      const [entry] = sandbox.ledger();
      expect(entry).toMatchObject({ response: 'accepted', processed: true });
      expect(attempt.outcome).toEqual({ kind: 'accepted', invoiceId: entry?.invoiceId });
      expect(entry?.invoiceId).toMatch(/^INV-[A-Z0-9]{8}$/);
      expect(attempt.httpStatus).toBe(200);
      expect(attempt.startedAt).toBeGreaterThanOrEqual(before);
      expect(attempt.startedAt).toBeLessThanOrEqual(entry?.arrivedAt ?? 0);
      expect(attempt.endedAt).toBeGreaterThanOrEqual(attempt.startedAt ?? Infinity);
    },
  );

  it.each<[string, string, string]>([
    ['BTC', BTC, '0.00023'],
    ['USDT_TRC20', TRON, '1234.5'],
    ['ETH', EVM, '0.000000000000000001'],
    ['USDT_ERC20', EVM, '100'],
    ['SOL', 'DRpbCBMxVnDK7maPM5tGv6MvB3v1sRMC86PZ8okm21hy', '0.123456789'],
  ])('sends %s amount %s as exactly that JSON number text', async (currencyCode, toAddress, amount) => {
    const { sandbox, client } = await setUp();
    const attempt = await client.sendWithdrawal(payout({ currencyCode, toAddress, amount }));
    expect(attempt.outcome.kind).toBe('accepted');
    expect(sandbox.ledger()[0]?.amount).toBe(amount);
  });

  it.each(['required_parameter', 'currency_code', 'network', 'uncorrected_amount', 'validate_error'] as const)(
    'is rejected with %s (injected)',
    async (key) => {
      const { attempt, sandbox } = await withFault({ kind: 'reject', key });
      expect(attempt.outcome).toMatchObject({ kind: 'rejected', code: key });
      expect(attempt.httpStatus).toBe(400);
      expect(sandbox.ledger()[0]?.processed).toBe(false);
    },
  );

  it.each<[string, Partial<ValidPayout>, SandboxOptions, string]>([
    [
      'an overdraft',
      { amount: '12.5' },
      { balances: { USDT_TRC20: '10' } },
      'rejected (uncorrected_amount): Insufficient balance',
    ],
    [
      'too many decimals',
      { amount: '1.0000001' },
      {},
      'rejected (uncorrected_amount): Amount has more than 6 decimal places for USDT_TRC20',
    ],
    ['an unknown currency', { currencyCode: 'DOGE' }, {}, 'rejected (currency_code): Unknown currency code: "DOGE"'],
    [
      'an address of another network',
      { toAddress: EVM },
      {},
      'rejected (network): Address is not valid for USDT_TRC20 on the Tron network',
    ],
  ])('is rejected by the real rules for %s', async (_name, overrides, options, message) => {
    const { sandbox, client } = await setUp(options);
    const attempt = await client.sendWithdrawal(payout(overrides));
    expect(attempt.outcome).toMatchObject({ kind: 'rejected', message });
    expect(sandbox.ledger()[0]?.processed).toBe(false);
  });

  it.each<['400' | '429', number]>([
    ['400', 400],
    ['429', 429],
  ])('is rate limited by the gap rule (style %s)', async (rateLimitStyle, httpStatus) => {
    const { sandbox, client } = await setUp({ intervalMs: 10_000, rateLimitStyle });
    expect((await client.sendWithdrawal(payout())).outcome.kind).toBe('accepted');
    const second = await client.sendWithdrawal(payout());
    expect(second.outcome.kind).toBe('rate_limited');
    expect(second.httpStatus).toBe(httpStatus);
    expect(sandbox.ledger().map((entry) => entry.processed)).toEqual([true, false]);
  });

  it.each<[Fault, number]>([
    [{ kind: 'rate_limit_429' }, 429],
    [{ kind: 'rate_limit_body' }, 400],
  ])('is rate limited by the fault %j', async (fault, httpStatus) => {
    const { attempt } = await withFault(fault);
    expect(attempt.outcome.kind).toBe('rate_limited');
    expect(attempt.httpStatus).toBe(httpStatus);
  });

  it('reports a wrong key as auth_failed without ever quoting a key', async () => {
    const wrongKey = 'wrong-key-XYZ-123456';
    const { sandbox, client } = await setUp({}, { apiKey: wrongKey });
    const attempt = await client.sendWithdrawal(payout());
    expect(attempt.outcome.kind).toBe('auth_failed');
    expect(attempt.httpStatus).toBe(401);
    expect(JSON.stringify(attempt)).not.toContain(wrongKey);
    expect(JSON.stringify(attempt)).not.toContain(KEY);
    expect(sandbox.ledger()[0]).toMatchObject({ response: 'auth_failed', processed: false });
  });

  it('reports the auth fault as auth_failed', async () => {
    const { attempt } = await withFault({ kind: 'auth' });
    expect(attempt.outcome.kind).toBe('auth_failed');
  });

  it('reports a refused connection as never_sent', async () => {
    const port = await refusedPort();
    const client = createClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY, timeoutMs: 2000 });
    const attempt = await client.sendWithdrawal(payout());
    expect(attempt.outcome).toEqual({
      kind: 'never_sent',
      message: 'the API host refused the connection (ECONNREFUSED); nothing was sent',
    });
    expect(attempt.httpStatus).toBeUndefined();
  });

  it.each<['before' | 'after', boolean]>([
    ['before', false],
    ['after', true],
  ])('reports a dropped connection (%s processing) as unknown', async (when, processed) => {
    const { attempt, sandbox } = await withFault({ kind: 'drop', when });
    expect(attempt.outcome.kind).toBe('unknown');
    expect(attempt.outcome).toMatchObject({ message: expect.stringContaining(MAYBE) });
    expect(sandbox.ledger()[0]?.processed).toBe(processed);
  });

  it.each<['before' | 'after', boolean]>([
    ['before', false],
    ['after', true],
  ])('reports a hung request (%s processing) as unknown after the timeout', async (when, processed) => {
    const before = Date.now();
    const { attempt, sandbox } = await withFault({ kind: 'hang', when }, { timeoutMs: 200 });
    expect(attempt.outcome).toEqual({ kind: 'unknown', message: `no answer within 200 ms; ${MAYBE}` });
    expect(attempt.startedAt).toBeGreaterThanOrEqual(before);
    const elapsed = attempt.endedAt - before;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
    expect(sandbox.ledger()[0]?.processed).toBe(processed);
  });

  it.each<[Fault, string]>([
    [{ kind: 'http_5xx', when: 'before' }, `HTTP 502 from the API; ${MAYBE}`],
    [{ kind: 'http_5xx', when: 'after', status: 503 }, `HTTP 503 from the API; ${MAYBE}`],
    [{ kind: 'broken_json' }, `HTTP 200 with a body that is not JSON; ${MAYBE}`],
    [{ kind: 'no_id' }, `HTTP 200 success without an INV- invoice id; ${MAYBE}`],
  ])('reports %j as unknown', async (fault, message) => {
    const { attempt } = await withFault(fault);
    expect(attempt.outcome).toEqual({ kind: 'unknown', message });
  });
});

describe('sendWithdrawal on the wire', () => {
  async function raw(handler: Parameters<typeof startRawServer>[0]): Promise<RawServer> {
    const server = await startRawServer(handler);
    opened.push(server);
    return server;
  }

  it('POSTs the exact body with the documented headers and a fresh connection', async () => {
    const server = await raw((_request, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', result: { invoice_id: 'INV-WIRE0001' } }));
    });
    const client = createClient({ baseUrl: `${server.url}/`, apiKey: KEY, timeoutMs: 2000 });
    const attempt = await client.sendWithdrawal(payout({ currencyCode: 'BTC', toAddress: BTC, amount: '0.00023' }));
    expect(attempt.outcome).toEqual({ kind: 'accepted', invoiceId: 'INV-WIRE0001' });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/v2/invoice/api/out/create' });
    expect(request?.headers).toMatchObject({
      authorization: `Token ${KEY}`,
      'content-type': 'application/json',
      connection: 'close',
    });
    expect(request?.body).toBe(`{"currency_code":"BTC","to_address":"${BTC}","amount":0.00023}`);
  });

  it('keeps a path prefix of the base URL', async () => {
    const server = await raw((_request, res) => res.writeHead(500).end());
    await createClient({ baseUrl: `${server.url}/proxy/`, apiKey: KEY, timeoutMs: 2000 }).sendWithdrawal(payout());
    expect(server.requests[0]?.url).toBe('/proxy/v2/invoice/api/out/create');
  });

  it('does not follow a redirect', async () => {
    const server = await raw((request, res) => {
      if (request.url === '/elsewhere') res.writeHead(200).end('{}');
      else res.writeHead(307, { Location: '/elsewhere' }).end();
    });
    const attempt = await createClient({ baseUrl: server.url, apiKey: KEY, timeoutMs: 2000 }).sendWithdrawal(payout());
    expect(attempt.outcome).toEqual({
      kind: 'unknown',
      message: `HTTP 307 redirect from the API (not followed); ${MAYBE}`,
    });
    expect(server.requests.map((request) => request.url)).toEqual(['/v2/invoice/api/out/create']);
  });

  it('times out a body that stalls after the headers', async () => {
    const server = await raw((_request, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"status":"success","result":{"invoice_id":"INV-');
    });
    const before = Date.now();
    const attempt = await createClient({ baseUrl: server.url, apiKey: KEY, timeoutMs: 200 }).sendWithdrawal(payout());
    expect(attempt.outcome).toEqual({
      kind: 'unknown',
      message: `the answer (HTTP 200) broke off: no answer within 200 ms; ${MAYBE}`,
    });
    expect(attempt.httpStatus).toBe(200);
    expect(attempt.startedAt).toBeGreaterThanOrEqual(before);
    expect(attempt.endedAt - before).toBeGreaterThanOrEqual(190);
  });

  it('treats a runaway body as unknown', async () => {
    const server = await raw((_request, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`{"status":"success","result":{"invoice_id":"INV-BIG00001","pad":"${'x'.repeat(2 * 1024 * 1024)}"}}`);
    });
    const attempt = await createClient({ baseUrl: server.url, apiKey: KEY, timeoutMs: 2000 }).sendWithdrawal(payout());
    expect(attempt.outcome.kind).toBe('unknown');
  });

  it.each<[string, (authorization: string) => [number, string]]>([
    [
      'a rejection message',
      (auth) => [400, JSON.stringify({ status: 'error', result: { validate_error: `bad header ${auth}` } })],
    ],
    ['a rate-limit detail', (auth) => [429, JSON.stringify({ detail: `throttled ${auth}` })]],
    ['an auth detail', (auth) => [401, JSON.stringify({ detail: `Invalid token ${auth}` })]],
    ['an unrecognised error', (auth) => [400, JSON.stringify({ status: 'error', result: { headers: auth } })]],
    ['a JSON-escaped echo', (auth) => [400, JSON.stringify({ detail: JSON.stringify({ authorization: auth }) })]],
  ])('never lets the key through in %s echoed by the server', async (_name, answer) => {
    const server = await raw((request, res) => {
      const [status, body] = answer(String(request.headers.authorization));
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    });
    const attempt = await createClient({ baseUrl: server.url, apiKey: KEY, timeoutMs: 2000 }).sendWithdrawal(payout());
    expect(JSON.stringify(attempt)).not.toContain(KEY);
    expect(JSON.stringify(attempt)).toContain('[redacted]');
  });

  it('refuses an amount that is not canonical before anything leaves', async () => {
    const server = await raw((_request, res) => res.writeHead(500).end());
    const client = createClient({ baseUrl: server.url, apiKey: KEY, timeoutMs: 2000 });
    const attempt = await client.sendWithdrawal(payout({ amount: '1e-7' }));
    expect(attempt.outcome.kind).toBe('never_sent');
    expect(server.requests).toHaveLength(0);
  });
});

describe('buildRequestBody', () => {
  it.each([
    ['0.00023', '0.00023'],
    ['1234.5', '1234.5'],
    ['100', '100'],
    ['0.1', '0.1'],
  ])('writes amount %s verbatim', (amount, text) => {
    expect(buildRequestBody(payout({ amount }))).toBe(
      `{"currency_code":"USDT_TRC20","to_address":"${TRON}","amount":${text}}`,
    );
  });

  it('escapes the strings as JSON', () => {
    const body = buildRequestBody(payout({ toAddress: 'a"b\\c\u2028' }));
    expect(JSON.parse(body)).toEqual({ currency_code: 'USDT_TRC20', to_address: 'a"b\\c\u2028', amount: 12.5 });
  });

  it.each(['1e-7', '01', '1.50', '.5', '-1', '0', '', '12,5', '0.10000000000000000001', 'NaN'])(
    'refuses amount %j',
    (amount) => {
      expect(() => buildRequestBody(payout({ amount }))).toThrow(RangeError);
    },
  );
});

describe('createClient options', () => {
  it.each<[string, { baseUrl?: string; apiKey?: string; timeoutMs?: number }, RegExp]>([
    ['not a URL', { baseUrl: 'api.cryptocloud.plus' }, /not a valid URL/],
    ['another scheme', { baseUrl: 'ftp://api.cryptocloud.plus' }, /must start with https/],
    ['plain http to a remote host', { baseUrl: 'http://api.cryptocloud.plus' }, /plain http/],
    ['credentials in the URL', { baseUrl: 'https://user:pw@api.cryptocloud.plus' }, /user name or password/],
    ['a query', { baseUrl: 'https://api.cryptocloud.plus/?x=1' }, /query or fragment/],
    ['the key pasted into the URL', { baseUrl: `https://api.cryptocloud.plus/?key=${KEY}` }, /\?key=\[redacted\]/],
    ['an empty key', { apiKey: '' }, /missing or empty/],
    ['a key with a line break', { apiKey: `${KEY}\n` }, /line break/],
    ['a zero timeout', { timeoutMs: 0 }, /timeout/],
    ['a NaN timeout', { timeoutMs: Number.NaN }, /timeout/],
  ])('refuses %s', (_name, overrides, message) => {
    const options = { baseUrl: 'https://api.cryptocloud.plus', apiKey: KEY, timeoutMs: 30000, ...overrides };
    let thrown: unknown;
    try {
      createClient(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain(KEY);
  });

  it.each(['https://api.cryptocloud.plus', 'http://127.0.0.1:8080', 'http://localhost:1', 'http://[::1]:9'])(
    'accepts %s',
    (baseUrl) => {
      expect(() => createClient({ baseUrl, apiKey: KEY, timeoutMs: 30000 })).not.toThrow();
    },
  );
});

describe('a sequence of requests', () => {
  it('gets accepted again once the gap has passed', async () => {
    const { sandbox, client } = await setUp({ intervalMs: 50 });
    expect((await client.sendWithdrawal(payout())).outcome.kind).toBe('accepted');
    await sleep(80);
    expect((await client.sendWithdrawal(payout())).outcome.kind).toBe('accepted');
    expect(new Set(sandbox.ledger().map((entry) => entry.invoiceId)).size).toBe(2);
  });
});
