import { describe, expect, it } from '@jest/globals';
import { classifyFetchError, classifyResponse, clip } from '../../src/api/classify.js';
import type { Outcome } from '../../src/core/types.js';

const MAYBE = 'the withdrawal may or may not have been created';
const json = (value: unknown): string => JSON.stringify(value);

/** The documented success body (shared/api/cryptocloud-withdrawal.md), trimmed to a few of its fields. */
const DOCUMENTED = json({
  status: 'success',
  result: {
    uuid: 'INV-2Q2SICZN',
    created: '2026-01-01 08:03:02.216905',
    address: 'TT2T11KZhoDu48i2p4FWxfG79zdkEWkU9N',
    currency: { id: 4, code: 'USDT', fullcode: 'USDT_TRC20', network: { code: 'TRC20' } },
    status: 'created',
    amount: 10.0,
    tx_list: [],
  },
});

describe('classifyResponse', () => {
  const accepted = (invoiceId: string): Outcome => ({ kind: 'accepted', invoiceId });

  it.each<[string, number, string, Outcome]>([
    ['the documented body (result.uuid)', 200, DOCUMENTED, accepted('INV-2Q2SICZN')],
    [
      'result.invoice_id',
      200,
      json({
        status: 'success',
        result: { invoice_id: 'INV-89UX09KA', status: 'created', currency: 'ETH', amount: 0.0029 },
      }),
      accepted('INV-89UX09KA'),
    ],
    [
      'data.invoice_id',
      200,
      json({ status: 'success', data: { invoice_id: 'INV-AAAA1111' } }),
      accepted('INV-AAAA1111'),
    ],
    ['data.uuid', 200, json({ status: 'success', data: { uuid: 'INV-BBBB2222' } }), accepted('INV-BBBB2222')],
    [
      'any 2xx status',
      201,
      json({ status: 'success', result: { invoice_id: 'INV-CCCC3333' } }),
      accepted('INV-CCCC3333'),
    ],
    [
      'extra fields everywhere',
      200,
      json({ status: 'success', x: 1, result: { invoice_id: 'INV-DDDD4444', y: [1] } }),
      accepted('INV-DDDD4444'),
    ],
    [
      'the same id under both names',
      200,
      json({ status: 'success', result: { invoice_id: 'INV-EEEE5555', uuid: 'INV-EEEE5555' } }),
      accepted('INV-EEEE5555'),
    ],
    [
      'a non-INV uuid beside an INV invoice_id',
      200,
      json({ status: 'success', result: { invoice_id: 'INV-FFFF6666', uuid: '3f2a9c1e-0000-4000-8000-000000000000' } }),
      accepted('INV-FFFF6666'),
    ],
  ])('accepted: %s', (_name, status, body, expected) => {
    expect(classifyResponse(status, body)).toEqual(expected);
  });

  it.each<[string, number, string]>([
    ['not JSON', 200, '<html>ok</html>'],
    ['an empty body', 200, ''],
    ['truncated JSON', 200, '{"status":"success","result":{"invoice_id":"INV-AB'],
    ['success without any id', 200, json({ status: 'success', result: { status: 'created' } })],
    ['an id without the INV- prefix', 200, json({ status: 'success', result: { invoice_id: '89UX09KA' } })],
    ['a bare INV- prefix', 200, json({ status: 'success', result: { invoice_id: 'INV-' } })],
    ['an id with a line break', 200, json({ status: 'success', result: { invoice_id: 'INV-AB\nCD' } })],
    ['an id that is not a string', 200, json({ status: 'success', result: { invoice_id: 12345678 } })],
    ['an id at the top level only', 200, json({ status: 'success', invoice_id: 'INV-89UX09KA' })],
    [
      'two different ids',
      200,
      json({ status: 'success', result: { invoice_id: 'INV-AAAA1111', uuid: 'INV-BBBB2222' } }),
    ],
    ['result is a list', 200, json({ status: 'success', result: [{ invoice_id: 'INV-AAAA1111' }] })],
    ['status other than "success"', 200, json({ status: 'Success', result: { invoice_id: 'INV-AAAA1111' } })],
    ['no status at all', 200, json({ result: { invoice_id: 'INV-AAAA1111' } })],
    [
      'an error body with HTTP 200',
      200,
      json({ status: 'error', result: { uncorrected_amount: 'Insufficient balance' } }),
    ],
    ['a success body with HTTP 500', 500, json({ status: 'success', result: { invoice_id: 'INV-AAAA1111' } })],
    [
      'a success body with HTTP 429 (a contradiction)',
      429,
      json({ status: 'success', result: { invoice_id: 'INV-AAAA1111' } }),
    ],
    [
      'a success body with HTTP 403 (a contradiction)',
      403,
      json({ status: 'success', result: { invoice_id: 'INV-AAAA1111' } }),
    ],
    [
      'a success body with HTTP 400 and a detail',
      400,
      json({ status: 'success', detail: 'x', result: { invoice_id: 'INV-AAAA1111' } }),
    ],
    ['a rejection body with HTTP 502', 502, json({ status: 'error', result: { network: 'bad' } })],
    ['HTTP 503 HTML', 503, '<html>Service Unavailable</html>'],
    ['a redirect (301)', 301, ''],
    ['a redirect (307)', 307, json({ status: 'success', result: { invoice_id: 'INV-AAAA1111' } })],
    ['an unknown error key', 400, json({ status: 'error', result: { something_else: 'x' } })],
    ['a known and an unknown key together', 400, json({ status: 'error', result: { network: 'x', weird: 'y' } })],
    ['a rejection key with a non-text message', 400, json({ status: 'error', result: { network: { nested: true } } })],
    ['an empty error object', 400, json({ status: 'error', result: {} })],
    ['an error result that is a string', 400, json({ status: 'error', result: 'Invalid amount' })],
    ['a rejection key without status "error"', 400, json({ result: { network: 'bad' } })],
    ['HTTP 400 not JSON', 400, 'Bad Request'],
    ['HTTP 404 HTML', 404, '<h1>Not Found</h1>'],
    ['a detail that is not text', 400, json({ detail: { code: 1 } })],
    ['a 1xx status', 199, ''],
  ])('unknown: %s', (_name, status, body) => {
    const outcome = classifyResponse(status, body);
    expect(outcome.kind).toBe('unknown');
    expect('message' in outcome && outcome.message).toContain(MAYBE);
  });

  it.each(['required_parameter', 'currency_code', 'network', 'uncorrected_amount', 'validate_error'])(
    'rejected: the key %s',
    (key) => {
      expect(classifyResponse(400, json({ status: 'error', result: { [key]: 'Some reason' } }))).toEqual({
        kind: 'rejected',
        code: key,
        message: `rejected (${key}): Some reason`,
      });
    },
  );

  it.each<[string, number, string, Outcome]>([
    [
      'the example message',
      400,
      json({ status: 'error', result: { uncorrected_amount: 'Insufficient balance' } }),
      { kind: 'rejected', code: 'uncorrected_amount', message: 'rejected (uncorrected_amount): Insufficient balance' },
    ],
    [
      'a list of messages',
      400,
      json({ status: 'error', result: { validate_error: ['amount: too small', 'to_address: bad'] } }),
      {
        kind: 'rejected',
        code: 'validate_error',
        message: 'rejected (validate_error): amount: too small; to_address: bad',
      },
    ],
    [
      '`data` in place of `result`',
      400,
      json({ status: 'error', data: { network: 'Wrong network' } }),
      { kind: 'rejected', code: 'network', message: 'rejected (network): Wrong network' },
    ],
    [
      'another 4xx status',
      422,
      json({ status: 'error', result: { currency_code: 'Unknown' } }),
      { kind: 'rejected', code: 'currency_code', message: 'rejected (currency_code): Unknown' },
    ],
    [
      'several rejection keys',
      400,
      json({ status: 'error', result: { required_parameter: 'amount', network: 'bad' } }),
      { kind: 'rejected', code: 'required_parameter', message: 'rejected (required_parameter): amount; network: bad' },
    ],
    [
      'extra top-level fields',
      400,
      json({ status: 'error', code: 7, result: { network: 'bad' } }),
      { kind: 'rejected', code: 'network', message: 'rejected (network): bad' },
    ],
    [
      'a multi-line message, flattened for the CSV',
      400,
      json({ status: 'error', result: { network: 'bad\r\naddress\tform' } }),
      { kind: 'rejected', code: 'network', message: 'rejected (network): bad address form' },
    ],
  ])('rejected: %s', (_name, status, body, expected) => {
    expect(classifyResponse(status, body)).toEqual(expected);
  });

  it.each<[Outcome['kind'], string, number, string]>([
    ['rate_limited', 'HTTP 429 with a detail', 429, json({ detail: 'Request was throttled.' })],
    ['rate_limited', 'HTTP 429 with HTML', 429, '<html>Too Many Requests</html>'],
    [
      'rate_limited',
      'the rate_limit key (HTTP 400)',
      400,
      json({ status: 'error', result: { rate_limit: 'Minimum interval is 12 seconds' } }),
    ],
    ['rate_limited', 'the rate_limit key under data', 400, json({ status: 'error', data: { rate_limit: 'wait' } })],
    ['auth_failed', 'HTTP 401 with the detail', 401, json({ detail: 'Invalid token.' })],
    ['auth_failed', 'HTTP 401 empty', 401, ''],
    ['auth_failed', 'HTTP 403 HTML', 403, '<html>Forbidden</html>'],
    ['auth_failed', 'the authorization key', 400, json({ status: 'error', result: { authorization: 'Bad key' } })],
    ['auth_failed', 'a top-level detail with HTTP 403', 403, json({ detail: 'Invalid token.' })],
    // A bare detail on another 4xx is not clearly "refused before processing": unknown, never re-sent.
    ['unknown', 'a top-level detail with HTTP 400', 400, json({ detail: 'Insufficient funds after fee' })],
    ['unknown', 'a top-level detail with HTTP 409', 409, json({ detail: 'withdrawal already exists' })],
    ['unknown', 'a top-level detail with HTTP 404', 404, json({ detail: 'Not found.' })],
  ])('%s: %s', (kind, _name, status, body) => {
    expect(classifyResponse(status, body).kind).toBe(kind);
  });

  it.each<[number, string, string]>([
    [502, '<html>Bad Gateway</html>', `HTTP 502 from the API; ${MAYBE}`],
    [500, '', `HTTP 500 from the API; ${MAYBE}`],
    [302, '', `HTTP 302 redirect from the API (not followed); ${MAYBE}`],
    [429, json({ detail: 'Request was throttled.' }), 'rate limited (HTTP 429): Request was throttled.'],
    [400, json({ status: 'error', result: { rate_limit: 'wait 12 s' } }), 'rate limited (rate_limit): wait 12 s'],
    [401, json({ detail: 'Invalid token.' }), 'the API refused the key (HTTP 401): Invalid token.'],
    [200, 'nope', `HTTP 200 with a body that is not JSON; ${MAYBE}`],
    [200, json({ status: 'success', result: {} }), `HTTP 200 success without an INV- invoice id; ${MAYBE}`],
  ])('HTTP %i %s says: %s', (status, body, message) => {
    expect(classifyResponse(status, body)).toMatchObject({ message });
  });

  // Every answer that is not a clear refusal stays unknown (never re-sent), and each says what came.
  it.each<[string, number, string, Outcome]>([
    [
      'an error key nobody documented',
      400,
      json({ status: 'error', result: { weird: 'x' } }),
      { kind: 'unknown', message: `HTTP 400 with an unrecognised answer ({"weird":"x"}); ${MAYBE}` },
    ],
    [
      'the rate_limit key beside another',
      400,
      json({ status: 'error', result: { rate_limit: 'wait', weird: 'x' } }),
      {
        kind: 'unknown',
        message: `HTTP 400 with an unrecognised answer ({"rate_limit":"wait","weird":"x"}); ${MAYBE}`,
      },
    ],
    [
      'the authorization key beside another',
      400,
      json({ status: 'error', data: { authorization: 'Bad key', weird: 'x' } }),
      {
        kind: 'unknown',
        message: `HTTP 400 with an unrecognised answer ({"authorization":"Bad key","weird":"x"}); ${MAYBE}`,
      },
    ],
    [
      'an empty error container',
      400,
      json({ status: 'error', result: {} }),
      { kind: 'unknown', message: `HTTP 400 with an unrecognised answer ({}); ${MAYBE}` },
    ],
    [
      'a container without "status":"error"',
      400,
      json({ status: 'ok', result: { weird: 'x' } }),
      { kind: 'unknown', message: `HTTP 400 with an unrecognised answer; ${MAYBE}` },
    ],
    [
      '"status":"error" without a container',
      400,
      json({ status: 'error', result: 'x' }),
      { kind: 'unknown', message: `HTTP 400 with an unrecognised answer; ${MAYBE}` },
    ],
    ['a null body', 400, 'null', { kind: 'unknown', message: `HTTP 400 with an unrecognised answer; ${MAYBE}` }],
    [
      'a 200 whose body is null',
      200,
      'null',
      { kind: 'unknown', message: `HTTP 200 without "status":"success"; ${MAYBE}` },
    ],
    [
      'two invoice ids',
      200,
      json({ status: 'success', result: { uuid: 'INV-AAAA1111', invoice_id: 'INV-BBBB2222' } }),
      { kind: 'unknown', message: `HTTP 200 success with several invoice ids (INV-BBBB2222, INV-AAAA1111); ${MAYBE}` },
    ],
    [
      'the authorization key',
      400,
      json({ status: 'error', result: { authorization: 'Bad key' } }),
      { kind: 'auth_failed', message: 'the API refused the key (HTTP 400, authorization): Bad key' },
    ],
    [
      'rejection keys, the first with no text',
      400,
      json({ status: 'error', result: { network: '', currency_code: 'Unknown' } }),
      { kind: 'rejected', code: 'network', message: 'rejected (network): currency_code: Unknown' },
    ],
    [
      'HTTP 429 without JSON',
      429,
      '<html>Too Many Requests</html>',
      { kind: 'rate_limited', message: 'rate limited (HTTP 429)' },
    ],
    [
      'a bare detail on a 409',
      409,
      json({ detail: 'already exists' }),
      { kind: 'unknown', message: `HTTP 409: already exists; ${MAYBE}` },
    ],
    [
      'a bare detail on a 200',
      200,
      json({ detail: 'queued' }),
      { kind: 'unknown', message: `HTTP 200 without "status":"success" (queued); ${MAYBE}` },
    ],
    [
      'an error body whose result and data are null',
      400,
      json({ status: 'error', result: null, data: null }),
      { kind: 'unknown', message: `HTTP 400 with an unrecognised answer; ${MAYBE}` },
    ],
    ['JSON null on a 400', 400, 'null', { kind: 'unknown', message: `HTTP 400 with an unrecognised answer; ${MAYBE}` }],
    ['JSON null on a 200', 200, 'null', { kind: 'unknown', message: `HTTP 200 without "status":"success"; ${MAYBE}` }],
  ])('says exactly: %s', (_name, status, body, expected) => {
    expect(classifyResponse(status, body)).toEqual(expected);
  });

  it('keeps a long server message short enough for one CSV cell', () => {
    const outcome = classifyResponse(400, json({ status: 'error', result: { network: 'x'.repeat(5000) } }));
    expect(outcome.kind).toBe('rejected');
    expect('message' in outcome && outcome.message.length).toBeLessThan(260);
  });
});

describe('classifyFetchError', () => {
  const coded = (code: string, message = `${code} happened`): Error => Object.assign(new Error(message), { code });
  const fetchFailed = (cause: unknown): TypeError => new TypeError('fetch failed', { cause });
  const timeout = (): DOMException => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

  it.each<[string, unknown]>([
    ['ECONNREFUSED', fetchFailed(coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'))],
    ['ENOTFOUND', fetchFailed(coded('ENOTFOUND', 'getaddrinfo ENOTFOUND api.example.invalid'))],
    ['EAI_AGAIN', fetchFailed(coded('EAI_AGAIN'))],
    ['EAI_NONAME', fetchFailed(coded('EAI_NONAME'))],
    ['an unwrapped ECONNREFUSED', coded('ECONNREFUSED')],
    ['a cause with its own refused cause', fetchFailed(new Error('connect failed', { cause: coded('ECONNREFUSED') }))],
    [
      'an AggregateError of refusals (IPv6 and IPv4)',
      fetchFailed(
        Object.assign(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]), { code: 'ECONNREFUSED' }),
      ),
    ],
    [
      'an AggregateError of a refusal and a DNS failure',
      fetchFailed(new AggregateError([coded('ECONNREFUSED'), coded('EAI_AGAIN')])),
    ],
    [
      'an invalid URL',
      new TypeError('Failed to parse URL from http://127.0.0.1:99999/', {
        cause: coded('ERR_INVALID_URL', 'Invalid URL'),
      }),
    ],
    ['a bad port', fetchFailed(new Error('bad port'))],
    ['an unknown scheme', fetchFailed(new Error('unknown scheme'))],
  ])('never_sent: %s', (_name, error) => {
    const outcome = classifyFetchError(error);
    expect(outcome.kind).toBe('never_sent');
    expect('message' in outcome && outcome.message).toContain('nothing was sent');
  });

  it.each<[string, unknown]>([
    ['a timeout', timeout()],
    ['a timeout as the cause', fetchFailed(timeout())],
    ['an abort', new DOMException('This operation was aborted', 'AbortError')],
    ['ECONNRESET', fetchFailed(coded('ECONNRESET', 'read ECONNRESET'))],
    ['the socket closed after sending (UND_ERR_SOCKET)', fetchFailed(coded('UND_ERR_SOCKET', 'other side closed'))],
    ['EPIPE', fetchFailed(coded('EPIPE'))],
    ['a connect timeout', fetchFailed(coded('UND_ERR_CONNECT_TIMEOUT'))],
    [
      'a refusal beside a timeout in an AggregateError',
      fetchFailed(new AggregateError([coded('ECONNREFUSED'), coded('ETIMEDOUT')])),
    ],
    [
      'a refusal whose own cause is a reset',
      fetchFailed(Object.assign(new Error('x', { cause: coded('ECONNRESET') }), { code: 'ECONNREFUSED' })),
    ],
    ['an empty AggregateError', fetchFailed(new AggregateError([]))],
    ['fetch failed without a cause', new TypeError('fetch failed')],
    ['a bad port message with a code', fetchFailed(coded('EWHATEVER', 'bad port'))],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
    ['null', null],
  ])('unknown: %s', (_name, error) => {
    const outcome = classifyFetchError(error);
    expect(outcome.kind).toBe('unknown');
    expect('message' in outcome && outcome.message).toContain(MAYBE);
  });

  describe('decided by whether the request was written', () => {
    const selfSigned = coded('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate');
    it.each<[string, unknown, string]>([
      [
        'a refused connection',
        fetchFailed(coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9')),
        'the API host refused the connection (ECONNREFUSED); nothing was sent',
      ],
      [
        'a failed name lookup',
        fetchFailed(coded('ENOTFOUND')),
        'the API host name could not be resolved (ENOTFOUND); nothing was sent',
      ],
      [
        'an unreachable network',
        fetchFailed(coded('ENETUNREACH', 'connect ENETUNREACH 10.0.0.1:443')),
        "the API's network or host cannot be reached (connect ENETUNREACH 10.0.0.1:443); nothing was sent",
      ],
      [
        'an unreachable host',
        fetchFailed(coded('EHOSTUNREACH')),
        "the API's network or host cannot be reached (EHOSTUNREACH happened); nothing was sent",
      ],
      [
        'a connect timeout',
        fetchFailed(coded('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error')),
        'the connection to the API could not be opened (UND_ERR_CONNECT_TIMEOUT: Connect Timeout Error); nothing was sent',
      ],
      ['our timeout while connecting', timeout(), 'no connection to the API within 500 ms; nothing was sent'],
      [
        'a self-signed certificate',
        fetchFailed(selfSigned),
        'the secure connection to the API failed: its certificate or the TLS handshake was refused (DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate); nothing was sent',
      ],
      [
        'a reset during the TLS handshake',
        fetchFailed(
          coded('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'),
        ),
        'the secure connection to the API failed: its certificate or the TLS handshake was refused (ECONNRESET: Client network socket disconnected before secure TLS connection was established); nothing was sent',
      ],
      [
        'an error without a cause',
        new TypeError('fetch failed'),
        'the connection to the API could not be opened (fetch failed); nothing was sent',
      ],
    ])('not written: %s is never_sent', (_name, error, message) => {
      expect(classifyFetchError(error, { written: false, timeoutMs: 500 })).toEqual({ kind: 'never_sent', message });
    });

    it.each<[string, unknown]>([
      ['a refused connection', fetchFailed(coded('ECONNREFUSED'))],
      ['a failed name lookup', fetchFailed(coded('ENOTFOUND'))],
      ['an unknown scheme', fetchFailed(new Error('unknown scheme'))],
      ['a reset', fetchFailed(coded('ECONNRESET'))],
      ['a timeout', timeout()],
    ])('written: %s is unknown, never never_sent', (_name, error) => {
      expect(classifyFetchError(error, { written: true }).kind).toBe('unknown');
    });

    it('not known: only the errors that cannot follow a write are never_sent', () => {
      expect(classifyFetchError(fetchFailed(coded('ECONNREFUSED'))).kind).toBe('never_sent');
      expect(classifyFetchError(fetchFailed(selfSigned)).kind).toBe('unknown');
      expect(classifyFetchError(fetchFailed(coded('EHOSTUNREACH'))).kind).toBe('unknown');
    });
  });

  // The operator's words for each failure, exactly: the kind decides what is re-sent, the words what they check.
  const NOTHING = 'nothing was sent';
  const chain = (depth: number, leaf: unknown): unknown =>
    depth === 0 ? leaf : new Error(`wrapper ${depth}`, { cause: chain(depth - 1, leaf) });
  it.each<[string, unknown, { written?: boolean; timeoutMs?: number }, Outcome]>([
    ['a timeout as the cause', fetchFailed(timeout()), {}, { kind: 'unknown', message: `no answer in time; ${MAYBE}` }],
    [
      'an abort as the cause',
      fetchFailed(new DOMException('This operation was aborted', 'AbortError')),
      {},
      { kind: 'unknown', message: `the request was aborted before an answer came; ${MAYBE}` },
    ],
    [
      'an error that says nothing',
      fetchFailed({}),
      {},
      { kind: 'unknown', message: `the connection failed before a complete answer came; ${MAYBE}` },
    ],
    [
      'two errors at once',
      fetchFailed(new AggregateError([coded('ECONNRESET', 'a'), coded('EPIPE', 'b'), coded('EPIPE', 'b')])),
      {},
      {
        kind: 'unknown',
        message: `the connection failed before a complete answer came (ECONNRESET: a; EPIPE: b); ${MAYBE}`,
      },
    ],
    [
      'a refusal buried deeper than the causes followed',
      fetchFailed(chain(12, coded('ECONNREFUSED'))),
      {},
      { kind: 'unknown', message: `the connection failed before a complete answer came (wrapper 5); ${MAYBE}` },
    ],
    [
      'a refused connection',
      fetchFailed(coded('ECONNREFUSED')),
      {},
      { kind: 'never_sent', message: `the API host refused the connection (ECONNREFUSED); ${NOTHING}` },
    ],
    [
      'a refused connection whose cause is null',
      Object.assign(coded('ECONNREFUSED'), { cause: null }),
      {},
      { kind: 'never_sent', message: `the API host refused the connection (ECONNREFUSED); ${NOTHING}` },
    ],
    [
      'EAI_NONAME',
      fetchFailed(coded('EAI_NONAME')),
      {},
      { kind: 'never_sent', message: `the API host name could not be resolved (EAI_NONAME); ${NOTHING}` },
    ],
    [
      'an invalid URL',
      fetchFailed(coded('ERR_INVALID_URL', 'Invalid URL')),
      {},
      { kind: 'never_sent', message: `the API URL cannot be used (ERR_INVALID_URL: Invalid URL); ${NOTHING}` },
    ],
    [
      'not written: EAI_AGAIN',
      fetchFailed(coded('EAI_AGAIN')),
      { written: false },
      { kind: 'never_sent', message: `the API host name could not be resolved (EAI_AGAIN); ${NOTHING}` },
    ],
    [
      'not written: a timeout',
      fetchFailed(timeout()),
      { written: false },
      { kind: 'never_sent', message: `no connection to the API in time; ${NOTHING}` },
    ],
    [
      'not written: a timeout of a given length',
      fetchFailed(timeout()),
      { written: false, timeoutMs: 500 },
      { kind: 'never_sent', message: `no connection to the API within 500 ms; ${NOTHING}` },
    ],
    [
      'not written: a refusal beside a reset',
      fetchFailed(new AggregateError([coded('ECONNREFUSED', 'r'), coded('ECONNRESET', 'x')])),
      { written: false },
      {
        kind: 'never_sent',
        message: `the connection to the API could not be opened (ECONNREFUSED: r; ECONNRESET: x); ${NOTHING}`,
      },
    ],
    [
      'not written: an error that says nothing',
      fetchFailed({}),
      { written: false },
      { kind: 'never_sent', message: `the connection to the API could not be opened; ${NOTHING}` },
    ],
    ...(['ENETDOWN', 'EHOSTDOWN'] as const).map((code): [string, unknown, { written?: boolean }, Outcome] => [
      `not written: ${code} beside a reset`,
      fetchFailed(new AggregateError([coded(code, 'n'), coded('ECONNRESET', 'x')])),
      { written: false },
      {
        kind: 'never_sent',
        message: `the API's network or host cannot be reached (${code}: n; ECONNRESET: x); ${NOTHING}`,
      },
    ]),
    [
      'not written: a refused certificate beside a reset',
      fetchFailed(new AggregateError([coded('CERT_HAS_EXPIRED', 'c'), coded('ECONNRESET', 'x')])),
      { written: false },
      {
        kind: 'never_sent',
        message: `the secure connection to the API failed: its certificate or the TLS handshake was refused (CERT_HAS_EXPIRED: c; ECONNRESET: x); ${NOTHING}`,
      },
    ],
    [
      'an error thrown as a string',
      'boom',
      {},
      { kind: 'unknown', message: `the connection failed before a complete answer came (boom); ${MAYBE}` },
    ],
    [
      'an empty aggregate whose cause is a refused connection: the cause decides',
      fetchFailed(new AggregateError([], 'x', { cause: coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9') })),
      {},
      { kind: 'never_sent', message: `the API host refused the connection (ECONNREFUSED); ${NOTHING}` },
    ],
    [
      'not written: an error that says nothing beside a reset',
      fetchFailed(new AggregateError([new Error(''), coded('ECONNRESET', 'x')])),
      { written: false },
      { kind: 'never_sent', message: `the connection to the API could not be opened (ECONNRESET: x); ${NOTHING}` },
    ],
  ])('says exactly: %s', (_name, error, context, expected) => {
    expect(classifyFetchError(error, context)).toEqual(expected);
  });

  it('follows a cause chain that loops back on itself as far as the depth limit, not forever', () => {
    const looped = new Error('looped') as Error & { cause?: unknown };
    looped.cause = fetchFailed(looped);
    expect(classifyFetchError(looped)).toEqual({
      kind: 'unknown',
      message: `the connection failed before a complete answer came (looped); ${MAYBE}`,
    });
  });

  it.each<[string, unknown]>([
    ['a sparse list of members', { errors: new Array(2) }],
    ['a sparse list of members beside a reset', { errors: new Array(2), code: 'ECONNRESET' }],
  ])('an unclear error with %s is unknown, never "nothing was sent"', (_name, cause) => {
    expect(classifyFetchError(fetchFailed(cause)).kind).toBe('unknown');
  });

  it('looks for a timeout through eight wrapping errors, no deeper', () => {
    const wrappedIn = (levels: number): unknown => {
      let error: unknown = timeout();
      for (let i = 0; i < levels; i += 1) error = new Error(`wrapper ${i}`, { cause: error });
      return error;
    };
    expect(classifyFetchError(wrappedIn(8))).toEqual({ kind: 'unknown', message: `no answer in time; ${MAYBE}` });
    expect(classifyFetchError(wrappedIn(9))).toMatchObject({
      kind: 'unknown',
      message: expect.stringMatching(/^the connection failed before a complete answer came/),
    });
  });

  it('names the timeout it was given', () => {
    expect(classifyFetchError(timeout(), { timeoutMs: 30000 })).toEqual({
      kind: 'unknown',
      message: `no answer within 30000 ms; ${MAYBE}`,
    });
  });

  it('says what broke the connection', () => {
    const outcome = classifyFetchError(fetchFailed(coded('UND_ERR_SOCKET', 'other side closed')));
    expect(outcome).toEqual({
      kind: 'unknown',
      message: `the connection failed before a complete answer came (UND_ERR_SOCKET: other side closed); ${MAYBE}`,
    });
  });

  it('survives a cause cycle', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(classifyFetchError(a).kind).toBe('unknown');
  });
});

describe('clip', () => {
  it.each([
    ['plain', 'plain'],
    ['  two\n lines\t', 'two lines'],
    ['nul\u0000byte', 'nul byte'],
    ['x'.repeat(300), `${'x'.repeat(199)}…`],
    ['x'.repeat(200), 'x'.repeat(200)],
  ])('%#: clips %j', (text, expected) => {
    expect(clip(text)).toBe(expected);
  });
});

describe('the edges of each status class', () => {
  const refusal = json({ status: 'error', result: { network: 'Some reason' } });
  it.each<[number, string, Outcome['kind'], RegExp]>([
    [200, DOCUMENTED, 'accepted', /^INV-2Q2SICZN$/],
    [299, DOCUMENTED, 'accepted', /^INV-2Q2SICZN$/],
    [199, DOCUMENTED, 'unknown', /^HTTP 199 with a success body; /],
    [300, DOCUMENTED, 'unknown', /^HTTP 300 with a success body; /],
    [300, '', 'unknown', /^HTTP 300 redirect from the API \(not followed\); /],
    [399, '', 'unknown', /^HTTP 399 redirect from the API \(not followed\); /],
    [400, refusal, 'rejected', /^rejected \(network\): Some reason$/],
    [499, refusal, 'rejected', /^rejected \(network\): Some reason$/],
    [500, refusal, 'unknown', /^HTTP 500 from the API; /],
    [599, '', 'unknown', /^HTTP 599 from the API; /],
    [600, '', 'unknown', /^unexpected HTTP 600 from the API; /],
    [102, '', 'unknown', /^unexpected HTTP 102 from the API; /],
  ])('HTTP %i %#: %s', (status, body, kind, says) => {
    const outcome = classifyResponse(status, body);
    expect(outcome.kind).toBe(kind);
    expect(outcome.kind === 'accepted' ? outcome.invoiceId : 'message' in outcome ? outcome.message : '').toMatch(says);
  });
});
