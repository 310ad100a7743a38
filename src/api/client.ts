/**
 * The CryptoCloud withdrawal client: one POST per payout, every failure turned into an
 * {@link Outcome}. It never retries and never follows a redirect: whether to send again is the
 * caller's decision, made from the outcome and the journal.
 *
 * Stage api/: may import journal, csv, validate, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { isLoopbackHost } from '../core/api-vocabulary.js';
import { UsageError } from '../core/errors.js';
import { survivesJsonRoundTrip } from '../core/money.js';
import type { Outcome, ValidPayout } from '../core/types.js';
import { classifyFetchError, classifyResponse } from './classify.js';
import { REQUEST_ID_HEADER, watchDeparture } from './departure.js';
import { createRedactor, redactOutcome, type Redactor } from './redact.js';
import { BALANCE_PATH, readBalanceAnswer, type BalanceAnswer } from './balance.js';
import { CREATE_WITHDRAWAL_PATH } from './schemas.js';

/** How to reach the API. */
export interface ClientOptions {
  /** The API root, e.g. `https://api.cryptocloud.plus`; plain http only for a loopback host. */
  baseUrl: string;
  /** The withdrawal API key. Sent only in the Authorization header; never in any message. */
  apiKey: string;
  /** Per-request limit covering the connection, the headers and the whole body. */
  timeoutMs: number;
}

/** One request and what it came to. */
export interface Attempt {
  outcome: Outcome;
  /**
   * `Date.now()` when the request's headers were written to the socket: when it left, after the
   * name lookup, the connection and the TLS handshake. Undefined when nothing was written, or
   * when that could not be seen: then only `endedAt` bounds its arrival.
   */
  startedAt?: number;
  /** `Date.now()` when the outcome became known (body read, or the error caught). */
  endedAt: number;
  /** The HTTP status, when response headers arrived. */
  httpStatus?: number;
}

/** One balance query and what it came to. */
export interface BalanceAttempt {
  answer: BalanceAnswer;
  /** `Date.now()` when the query's headers were written to the socket; undefined as for {@link Attempt}. */
  startedAt?: number;
  /** `Date.now()` when the answer (or the failure) was known. */
  endedAt: number;
}

/** What reads the balances; never throws (every failure is an answer that is not ok). */
export interface BalanceReader {
  fetchBalances(): Promise<BalanceAttempt>;
}

/** The client's operations. */
export interface WithdrawalClient extends BalanceReader {
  /** Sends one withdrawal request. Never throws: every failure is an outcome. */
  sendWithdrawal(payout: ValidPayout): Promise<Attempt>;
}

/** Bodies beyond this are cut: the documented answer is ~3 KB, and a runaway body must not fill memory. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Creates a client after checking its options; a bad option is a {@link UsageError} (exit 2,
 * nothing sent) whose message never contains the key.
 */
export function createClient(options: ClientOptions): WithdrawalClient {
  checkApiKey(options.apiKey);
  const redact = createRedactor(options.apiKey);
  const base = checkBaseUrl(options.baseUrl, redact);
  checkTimeout(options.timeoutMs);
  const transport: Transport = { base, apiKey: options.apiKey, timeoutMs: options.timeoutMs };

  return {
    async sendWithdrawal(payout) {
      let body: string;
      try {
        body = buildRequestBody(payout);
      } catch (error) {
        const message = `${errorText(error)}; nothing was sent`;
        return { outcome: redactOutcome({ kind: 'never_sent', message }, redact), endedAt: Date.now() };
      }
      try {
        const exchange = await postJson(transport, CREATE_WITHDRAWAL_PATH, body);
        return {
          ...timing(exchange),
          outcome: redactOutcome(withdrawalOutcome(exchange, transport.timeoutMs, redact), redact),
        };
      } catch (error) {
        // Only a bug lands here, possibly after fetch started: money may have moved.
        const message = `unexpected error while sending (${errorText(error)}); the withdrawal may or may not have been created`;
        return { outcome: redactOutcome({ kind: 'unknown', message }, redact), endedAt: Date.now() };
      }
    },

    async fetchBalances() {
      try {
        const exchange = await postJson(transport, BALANCE_PATH, '{}');
        const answer = balanceAnswerOf(exchange, transport.timeoutMs);
        const { startedAt, endedAt } = timing(exchange);
        return {
          ...(startedAt !== undefined && { startedAt }),
          endedAt,
          answer: answer.ok ? answer : { ok: false, reason: redact(answer.reason) },
        };
      } catch (error) {
        return { endedAt: Date.now(), answer: { ok: false, reason: redact(`unexpected error (${errorText(error)})`) } };
      }
    },
  };
}

/** What a balance exchange says; every failure is a reason in plain words (the caller redacts it). */
function balanceAnswerOf(exchange: Exchange, timeoutMs: number): BalanceAnswer {
  switch (exchange.stage) {
    case 'answered':
      return readBalanceAnswer(exchange.httpStatus, exchange.bodyText);
    case 'not_built':
      return { ok: false, reason: `the balance query could not be built (${errorText(exchange.error)})` };
    case 'no_headers':
    case 'broken_body': {
      const timedOut = collectNames(exchange.error).includes('TimeoutError');
      return {
        ok: false,
        reason: timedOut
          ? `no answer to the balance query within ${timeoutMs} ms`
          : `the balance query failed (${errorText(exchange.error)}${causeText(exchange.error)})`,
      };
    }
  }
}

/** The names of an error and its causes (undici wraps the real error as `cause`). */
function collectNames(error: unknown): string[] {
  const names: string[] = [];
  for (
    let e = error, depth = 0;
    typeof e === 'object' && e !== null && depth < 8;
    e = (e as { cause?: unknown }).cause, depth += 1
  ) {
    const name = (e as { name?: unknown }).name;
    if (typeof name === 'string') names.push(name);
  }
  return names;
}

/** `: ECONNREFUSED` when fetch's generic error has a coded cause. */
function causeText(error: unknown): string {
  const cause =
    typeof error === 'object' && error !== null ? (error as { cause?: { code?: unknown } }).cause : undefined;
  return typeof cause?.code === 'string' ? `: ${cause.code}` : '';
}

/** Where and how to send; shared by every endpoint the client will talk to. */
interface Transport {
  /** The base URL without a trailing slash. */
  base: string;
  apiKey: string;
  timeoutMs: number;
}

/**
 * What happened on the wire, before any meaning is given to it. Kept apart from the
 * classification so that another endpoint (the balance query) reuses the transport as is.
 */
type Exchange = {
  /** When the request's headers were written to the socket; undefined when they were not (or not seen). */
  startedAt?: number;
  endedAt: number;
  /** Whether any of the request's bytes were written; undefined when that could not be seen. */
  written?: boolean;
} & (
  | { stage: 'answered'; httpStatus: number; bodyText: string }
  /** The request could not even be built: nothing left this machine. */
  | { stage: 'not_built'; error: unknown }
  /** fetch itself failed: no response headers. */
  | { stage: 'no_headers'; error: unknown }
  /** Headers came, the body did not (completely). */
  | { stage: 'broken_body'; httpStatus: number; error: unknown }
);

/** POSTs a JSON body once. Never throws. */
async function postJson(transport: Transport, path: string, body: string): Promise<Exchange> {
  const departure = watchDeparture();
  try {
    return await exchangeOnce(transport, path, body, departure.id, () => ({
      endedAt: Date.now(),
      ...whenDefined('startedAt', departure.writtenAt()),
      ...whenDefined('written', departure.written()),
    }));
  } finally {
    departure.end();
  }
}

async function exchangeOnce(
  transport: Transport,
  path: string,
  body: string,
  requestId: string,
  times: () => { startedAt?: number; endedAt: number; written?: boolean },
): Promise<Exchange> {
  let request: Request;
  try {
    request = new Request(`${transport.base}${path}`, {
      method: 'POST',
      headers: {
        Authorization: `Token ${transport.apiKey}`,
        'Content-Type': 'application/json',
        // A fresh connection per request: a keep-alive socket the server already closed makes
        // a POST fail after it may have been sent, which would turn a clear case into `unknown`.
        Connection: 'close',
        // Names this request on the HTTP client's diagnostics channels, to learn when it left.
        [REQUEST_ID_HEADER]: requestId,
      },
      body,
      // A redirected POST may be replayed or turned into a GET elsewhere: report it instead.
      redirect: 'manual',
    });
  } catch (error) {
    return { stage: 'not_built', error, endedAt: Date.now(), written: false };
  }
  let response: Response;
  try {
    response = await fetch(request, { signal: AbortSignal.timeout(transport.timeoutMs) });
  } catch (error) {
    // Read once fetch has failed: a request aborted before its headers were written is never
    // written afterwards (undici checks for the abort right before writing).
    return { stage: 'no_headers', error, ...times() };
  }
  try {
    const bodyText = await readText(response, MAX_RESPONSE_BYTES);
    return { stage: 'answered', httpStatus: response.status, bodyText, ...times() };
  } catch (error) {
    return { stage: 'broken_body', httpStatus: response.status, error, ...times() };
  }
}

/** The timing fields of an attempt. */
function timing(exchange: Exchange): Omit<Attempt, 'outcome'> {
  const { startedAt, endedAt } = exchange;
  return {
    ...whenDefined('startedAt', startedAt),
    endedAt,
    ...('httpStatus' in exchange && { httpStatus: exchange.httpStatus }),
  };
}

/** `{ [key]: value }`, or nothing when the value is undefined (optional fields stay absent). */
function whenDefined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** What a withdrawal exchange means for the money. */
function withdrawalOutcome(exchange: Exchange, timeoutMs: number, redact: Redactor): Outcome {
  switch (exchange.stage) {
    case 'answered':
      // The key is taken out before classifying, so that no cut-off message can keep a piece of it.
      return classifyResponse(exchange.httpStatus, exchange.bodyText, redact);
    case 'not_built':
      return {
        kind: 'never_sent',
        message: `the request could not be built (${errorText(exchange.error)}); nothing was sent`,
      };
    case 'no_headers':
      return classifyFetchError(exchange.error, { timeoutMs, redact, ...whenDefined('written', exchange.written) });
    case 'broken_body': {
      // Headers came, so the request was received: whatever broke the body, it is not "never sent".
      const cause = classifyFetchError(exchange.error, { timeoutMs, redact });
      const why = 'message' in cause ? cause.message : cause.kind;
      return { kind: 'unknown', message: `the answer (HTTP ${exchange.httpStatus}) broke off: ${why}` };
    }
  }
}

/** JSON number text: what `amount` must be, verbatim. Also excludes leading zeros and exponents. */
const CANONICAL_AMOUNT = /^(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;

/**
 * The request body, built by hand so that `amount` is the JSON number whose text is exactly
 * `payout.amount` (JSON.stringify of a double could print another decimal, or an exponent).
 * Throws a RangeError when the amount is not a canonical decimal that survives the double
 * round trip: validation guarantees it, and this is the last line before money moves.
 */
export function buildRequestBody(payout: ValidPayout): string {
  const { amount } = payout;
  if (!CANONICAL_AMOUNT.test(amount) || !survivesJsonRoundTrip(amount)) {
    throw new RangeError(`the amount \`${amount}\` is not a canonical decimal that a JSON parser reads back exactly`);
  }
  return `{"currency_code":${JSON.stringify(payout.currencyCode)},"to_address":${JSON.stringify(payout.toAddress)},"amount":${amount}}`;
}

/** Reads a body as UTF-8 text, keeping at most `maxBytes` (the rest is cancelled, not read). */
async function readText(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - bytes;
    bytes += value.byteLength;
    if (value.byteLength > room) {
      // The truncated text no longer parses as JSON, which keeps a runaway answer `unknown`.
      text += decoder.decode(value.subarray(0, room));
      await reader.cancel().catch(() => undefined);
      return text;
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// Options

/** Checks the base URL; messages quote it through `redact`, in case the key was pasted into it. */
function checkBaseUrl(raw: unknown, redact: Redactor): string {
  if (typeof raw !== 'string') throw new UsageError(`The API base URL must be text, got ${typeof raw}`);
  const value = redact(raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new UsageError(`The API base URL \`${value}\` is not a valid URL`, { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`The API base URL \`${value}\` must start with https://`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    // Over plain http the key would cross the network readable by anyone on the path.
    throw new UsageError(
      `The API base URL \`${value}\` uses plain http; use https (http is allowed only for a loopback host such as 127.0.0.1)`,
    );
  }
  if (url.username || url.password) throw new UsageError('The API base URL must not contain a user name or password');
  if (url.search || url.hash) throw new UsageError(`The API base URL \`${value}\` must not have a query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** True for hosts that never leave this machine: 127.0.0.0/8, ::1, localhost. */

function checkApiKey(value: unknown): void {
  // The messages describe the key, never quote it.
  if (typeof value !== 'string' || value === '') throw new UsageError('The API key is missing or empty');
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new UsageError(
      'The API key contains a space, a line break or a character that cannot be sent in an HTTP header; check the key file',
    );
  }
}

function checkTimeout(value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 2_147_483_647) {
    throw new UsageError(
      `Expected the timeout to be a positive number of milliseconds, got \`${String(value)}\` (${typeof value})`,
    );
  }
}
