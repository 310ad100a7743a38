/**
 * Turns what came back from one withdrawal request into an {@link Outcome}. Pure.
 *
 * The money rule: only an answer that is clearly "created, here is the id" is `accepted`, and
 * only an answer that is clearly "refused before processing" is `rejected`, `rate_limited`,
 * `auth_failed` or `never_sent`. Everything else is `unknown`: the request may have moved money.
 *
 * Stage api/: may import journal, csv, validate, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import type { Outcome } from '../core/types.js';
import type { Redactor } from './redact.js';
import {
  AUTHORIZATION_KEY,
  INVOICE_ID_PATTERN,
  RATE_LIMIT_KEY,
  REJECT_KEYS,
  detailBodySchema,
  errorBodySchema,
  errorMessageSchema,
  invoiceHolderSchema,
  successBodySchema,
} from './schemas.js';

const MAYBE_CREATED = 'the withdrawal may or may not have been created';
const NOTHING_SENT = 'nothing was sent';
/** Server text goes into one CSV cell: keep it short and on one line. */
const MAX_SERVER_TEXT = 200;

/** What the caller knows about the request, to make messages precise. */
export interface FetchErrorContext {
  /** The timeout that was in force, named in the message of a timed-out request. */
  timeoutMs?: number;
  /**
   * Removes the API key from every text taken from an error, before the text is shortened (a
   * key cut in half is no longer recognisable). @default none
   */
  redact?: Redactor;
  /**
   * Whether any byte of the request was written to the socket, as the client saw it. `false`:
   * nothing can have reached the API, whatever the error (a refused connection, an unreachable
   * network, a connection that took longer than the timeout, a certificate refused): the outcome
   * is `never_sent`. `true`: it is never `never_sent`. Undefined when the client could not see it:
   * then only the errors that cannot come after a write (a refused connection, a failed name
   * lookup, a URL refused before connecting) count as `never_sent`.
   */
  written?: boolean;
}

/**
 * Classifies a complete HTTP answer (status and body text) to a withdrawal request. `redact`
 * takes the API key out of the body before anything is read from it, so that no message, however
 * shortened, can keep a piece of the key.
 */
export function classifyResponse(httpStatus: number, bodyText: string, redact: Redactor = unchanged): Outcome {
  const json = parseJson(redact(bodyText));
  const is2xx = httpStatus >= 200 && httpStatus <= 299;
  if (!is2xx && json.ok && successBodySchema.safeParse(json.value).success) {
    // A status that says "refused" with a body that says "done" is a contradiction, not a refusal:
    // treating it as rate-limited or refused could send the row again.
    return unknown(`HTTP ${httpStatus} with a success body; ${MAYBE_CREATED}`);
  }
  // 429 and 401/403 mean "not processed" whatever the body says: the gateway answers them before the app.
  if (httpStatus === 429) {
    return { kind: 'rate_limited', message: withText('rate limited (HTTP 429)', detailOf(json)) };
  }
  if (httpStatus === 401 || httpStatus === 403) {
    return { kind: 'auth_failed', message: withText(`the API refused the key (HTTP ${httpStatus})`, detailOf(json)) };
  }
  if (is2xx) return classifySuccessStatus(httpStatus, json);
  if (httpStatus >= 400 && httpStatus <= 499) return classifyClientError(httpStatus, json);
  if (httpStatus >= 500 && httpStatus <= 599) {
    return unknown(`HTTP ${httpStatus} from the API; ${MAYBE_CREATED}`);
  }
  if (httpStatus >= 300 && httpStatus <= 399) {
    // Never followed: a redirected POST could be replayed elsewhere or turned into a GET.
    return unknown(`HTTP ${httpStatus} redirect from the API (not followed); ${MAYBE_CREATED}`);
  }
  return unknown(`unexpected HTTP ${httpStatus} from the API; ${MAYBE_CREATED}`);
}

function classifySuccessStatus(httpStatus: number, json: Parsed): Outcome {
  if (!json.ok) return unknown(`HTTP ${httpStatus} with a body that is not JSON; ${MAYBE_CREATED}`);
  const success = successBodySchema.safeParse(json.value);
  if (!success.success) {
    return unknown(`HTTP ${httpStatus} without "status":"success"${describeErrorBody(json.value)}; ${MAYBE_CREATED}`);
  }
  const ids = findInvoiceIds([success.data.result, success.data.data]);
  const [only, ...others] = ids;
  if (only === undefined) return unknown(`HTTP ${httpStatus} success without an INV- invoice id; ${MAYBE_CREATED}`);
  if (others.length > 0) {
    // Two different ids for one request: we cannot tell which withdrawal is this row's.
    return unknown(`HTTP ${httpStatus} success with several invoice ids (${ids.join(', ')}); ${MAYBE_CREATED}`);
  }
  return { kind: 'accepted', invoiceId: only };
}

/** The distinct INV- ids under `invoice_id` or `uuid` of the given containers, in order. */
function findInvoiceIds(containers: unknown[]): string[] {
  const ids: string[] = [];
  for (const container of containers) {
    const holder = invoiceHolderSchema.safeParse(container);
    if (!holder.success) continue;
    for (const candidate of [holder.data.invoice_id, holder.data.uuid]) {
      if (typeof candidate === 'string' && INVOICE_ID_PATTERN.test(candidate) && !ids.includes(candidate)) {
        ids.push(candidate);
      }
    }
  }
  return ids;
}

function classifyClientError(httpStatus: number, json: Parsed): Outcome {
  if (!json.ok) return unknown(`HTTP ${httpStatus} with a body that is not JSON; ${MAYBE_CREATED}`);
  const errors = errorEntries(json.value);
  if (errors) {
    const keys = errors.map(([key]) => key);
    if (keys.every(isRejectKey)) {
      const [first, ...more] = errors;
      if (first) {
        // Several keys: the first is the code, the others still reach the operator.
        const text = [first[1], ...more.map(([key, message]) => `${key}: ${message}`)].filter(Boolean).join('; ');
        return { kind: 'rejected', code: first[0], message: withText(`rejected (${first[0]})`, text) };
      }
    }
    if (keys.length === 1 && keys[0] === RATE_LIMIT_KEY) {
      return { kind: 'rate_limited', message: withText('rate limited (rate_limit)', errors[0]?.[1]) };
    }
    if (keys.length === 1 && keys[0] === AUTHORIZATION_KEY) {
      return {
        kind: 'auth_failed',
        message: withText(`the API refused the key (HTTP ${httpStatus}, authorization)`, errors[0]?.[1]),
      };
    }
  }
  // (401 and 403 never get here: classifyResponse answers them first, whatever the body.)
  const detail = detailBodySchema.safeParse(json.value);
  if (detail.success) {
    // A bare `detail` on another status (409 "already exists", 400 "insufficient funds after
    // fee") does not say the request was refused before processing: re-sending could pay twice.
    return unknown(`HTTP ${httpStatus}: ${clip(detail.data.detail)}; ${MAYBE_CREATED}`);
  }
  return unknown(`HTTP ${httpStatus} with an unrecognised answer${describeErrorBody(json.value)}; ${MAYBE_CREATED}`);
}

/**
 * The `[key, message]` pairs of an error body, or undefined when the body is not one or a
 * message is not text (then the answer is not clear enough to count as a refusal).
 */
function errorEntries(value: unknown): Array<[string, string]> | undefined {
  const body = errorBodySchema.safeParse(value);
  if (!body.success) return undefined;
  const container = body.data.result ?? body.data.data;
  if (!container) return undefined;
  const entries: Array<[string, string]> = [];
  for (const [key, raw] of Object.entries(container)) {
    const message = errorMessageSchema.safeParse(raw);
    if (!message.success) return undefined;
    entries.push([key, typeof message.data === 'string' ? message.data : message.data.join('; ')]);
  }
  return entries.length > 0 ? entries : undefined;
}

function isRejectKey(key: string): boolean {
  return (REJECT_KEYS as readonly string[]).includes(key);
}

/** A hint of what an unclear body said, for the operator who has to check the dashboard. */
function describeErrorBody(value: unknown): string {
  if (typeof value !== 'object' || value === null) return '';
  const body = value as Record<string, unknown>;
  const container = body['result'] ?? body['data'];
  if (body['status'] === 'error' && typeof container === 'object' && container !== null) {
    return ` (${clip(JSON.stringify(container))})`;
  }
  if (typeof body['detail'] === 'string') return ` (${clip(body['detail'])})`;
  return '';
}

function detailOf(json: Parsed): string | undefined {
  if (!json.ok) return undefined;
  const detail = detailBodySchema.safeParse(json.value);
  return detail.success ? detail.data.detail : undefined;
}

// ---------------------------------------------------------------------------------------------
// Fetch errors

/** Connection refused or a name that does not resolve: the request never left this machine. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'ERR_INVALID_URL']);
/** undici's messages for URLs it refuses before connecting (no code is set on these). */
const NEVER_SENT_MESSAGES = new Set(['bad port', 'unknown scheme']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']);
/** No route to the API: said in plain words when nothing was written. */
const UNREACHABLE_CODES = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EHOSTDOWN']);
/** Guards against cyclic or absurdly deep cause chains. */
const MAX_DEPTH = 8;

/**
 * Classifies the error a `fetch` (or the read of its body) threw. undici wraps the real error
 * as `TypeError('fetch failed', {cause})`, and a cause may carry its own `cause` or be an
 * AggregateError (one error per address tried). What decides is whether the request's bytes were
 * written (`context.written`); when that is not known, it is `never_sent` only when every leaf
 * error is a refused connection, a failed name lookup or a URL rejected before connecting.
 */
export function classifyFetchError(error: unknown, context: FetchErrorContext = {}): Outcome {
  const redact = context.redact ?? unchanged;
  if (context.written === false) return { kind: 'never_sent', message: notWrittenMessage(error, context, redact) };
  const all = collectErrors(error);
  if (all.some((e) => nameOf(e) === 'TimeoutError')) {
    const within = context.timeoutMs === undefined ? 'in time' : `within ${context.timeoutMs} ms`;
    return unknown(`no answer ${within}; ${MAYBE_CREATED}`);
  }
  if (all.some((e) => nameOf(e) === 'AbortError')) {
    return unknown(`the request was aborted before an answer came; ${MAYBE_CREATED}`);
  }
  const leaves = leafErrors(error, 0); // never empty: an error without members or a cause is its own leaf
  if (context.written !== true && leaves.every(isNeverSentLeaf)) {
    return { kind: 'never_sent', message: neverSentMessage(leaves[0], redact) };
  }
  const described = leaves.map((leaf) => redact(describeError(leaf))).filter((text) => text !== '');
  const why = described.length > 0 ? ` (${clip([...new Set(described)].join('; '))})` : '';
  return unknown(`the connection failed before a complete answer came${why}; ${MAYBE_CREATED}`);
}

/** Every error in the chain: the error, its causes, and the members of aggregates. */
function collectErrors(error: unknown): unknown[] {
  const found: unknown[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || found.includes(e)) return;
    found.push(e);
    for (const child of childrenOf(e)) visit(child, depth + 1);
  };
  visit(error, 0);
  return found;
}

/** The deepest errors: those without a cause or members (at least one). The root cause is what decides. */
function leafErrors(error: unknown, depth: number): unknown[] {
  const children = childrenOf(error);
  if (children.length === 0 || depth >= MAX_DEPTH) return [error];
  return children.flatMap((child) => leafErrors(child, depth + 1));
}

function childrenOf(error: unknown): unknown[] {
  if (typeof error !== 'object' || error === null) return [];
  const { errors, cause } = error as { errors?: unknown; cause?: unknown };
  // Copied by iteration: a sparse array's holes become members (undefined), so that no member is
  // skipped and an error with members always has leaves (none would read as "nothing was sent").
  const members = Array.isArray(errors) ? [...(errors as unknown[])] : [];
  if (members.length > 0) return members;
  if (typeof cause === 'object' && cause !== null) return [cause];
  return [];
}

function isNeverSentLeaf(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && NEVER_SENT_CODES.has(code)) return true;
  return code === undefined && NEVER_SENT_MESSAGES.has(messageOf(error));
}

function neverSentMessage(leaf: unknown, redact: Redactor): string {
  const code = codeOf(leaf);
  if (code === 'ECONNREFUSED') return `the API host refused the connection (ECONNREFUSED); ${NOTHING_SENT}`;
  if (code !== undefined && DNS_CODES.has(code))
    return `the API host name could not be resolved (${code}); ${NOTHING_SENT}`;
  return `the API URL cannot be used (${clip(redact(describeError(leaf)))}); ${NOTHING_SENT}`;
}

/** Why a request whose bytes were never written failed, in the operator's words. */
function notWrittenMessage(error: unknown, context: FetchErrorContext, redact: Redactor): string {
  const all = collectErrors(error);
  if (all.some((e) => nameOf(e) === 'TimeoutError')) {
    const within = context.timeoutMs === undefined ? 'in time' : `within ${context.timeoutMs} ms`;
    return `no connection to the API ${within}; ${NOTHING_SENT}`;
  }
  const leaves = leafErrors(error, 0);
  if (leaves.every(isNeverSentLeaf)) return neverSentMessage(leaves[0], redact);
  const codes = leaves.map(codeOf);
  const why = clip(redact([...new Set(leaves.map(describeError).filter((text) => text !== ''))].join('; ')));
  const detail = why === '' ? '' : ` (${why})`;
  if (codes.some((code) => code !== undefined && UNREACHABLE_CODES.has(code))) {
    return `the API's network or host cannot be reached${detail}; ${NOTHING_SENT}`;
  }
  if (leaves.some(isTlsFailure))
    return `the secure connection to the API failed: its certificate or the TLS handshake was refused${detail}; ${NOTHING_SENT}`;
  return `the connection to the API could not be opened${detail}; ${NOTHING_SENT}`;
}

/** A certificate the client refuses (self-signed, expired, another host's) or a failed TLS handshake. */
function isTlsFailure(error: unknown): boolean {
  const code = codeOf(error) ?? '';
  return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code) || /certificate|TLS|SSL/i.test(messageOf(error));
}

function nameOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  if (typeof error === 'string') return error;
  if (typeof error !== 'object' || error === null) return String(error);
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : '';
}

function describeError(error: unknown): string {
  const code = codeOf(error);
  const message = messageOf(error);
  if (code && message && !message.includes(code)) return `${code}: ${message}`;
  return message || code || '';
}

// ---------------------------------------------------------------------------------------------
// Helpers

type Parsed = { ok: true; value: unknown } | { ok: false };

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function unchanged(text: string): string {
  return text;
}

function unknown(message: string): Outcome {
  return { kind: 'unknown', message };
}

/** `prefix: text` when the server said something, else just the prefix. */
function withText(prefix: string, text: string | undefined): string {
  const clipped = text === undefined ? '' : clip(text);
  return clipped ? `${prefix}: ${clipped}` : prefix;
}

/**
 * Server text made fit for one CSV cell: control characters and line breaks become spaces,
 * runs of spaces collapse, and the length is capped.
 */
export function clip(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ').trim();
  return flat.length > MAX_SERVER_TEXT ? `${flat.slice(0, MAX_SERVER_TEXT - 1)}…` : flat;
}
