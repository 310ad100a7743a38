/**
 * The sandbox's HTTP side: routing, reading bodies, timing, faults and answers. The decisions
 * themselves are in rules.ts; the bodies in bodies.ts.
 *
 * Stage sandbox/: may import journal, csv, validate, api, schedule, core (.dependency-cruiser.cjs).
 */
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CURRENCIES } from '../core/currencies.js';
import { fromMinorUnits } from '../core/money.js';
import {
  balanceBody,
  brokenSuccessBody,
  detailBody,
  errorBody,
  invalidTokenBody,
  randomInvoiceId,
  rateLimitMessage,
  serverErrorBody,
  successBody,
  successBodyWithoutId,
  throttledBody,
  type CreatedWithdrawal,
  type SuccessShape,
} from './bodies.js';
import {
  DEFAULT_5XX_STATUS,
  echoBody,
  FaultQueue,
  faultLabel,
  faultProcesses,
  faultRequestSchema,
  type Fault,
  type RejectKey,
} from './faults.js';
import { Ledger } from './ledger.js';
import { resolveSandboxOptions } from './options.js';
import {
  checkWithdrawal,
  isAuthorized,
  isTooEarly,
  parseCreateBody,
  type ParsedBody,
  type Withdrawal,
} from './rules.js';
import type { BalanceLedgerEntry, LedgerEntry, Sandbox, SandboxOptions } from './types.js';

/** The create endpoint's path. */
export const CREATE_PATH = '/v2/invoice/api/out/create';
/** The balance endpoint's path. */
export const BALANCE_PATH = '/v2/merchant/wallet/balance/all';
/** The prefix of the test-control endpoints (no auth, loopback callers only). */
export const CONTROL_PREFIX = '/_sandbox/';

/** Request bodies beyond this are refused unread: the API's bodies are a few hundred bytes. */
const MAX_REQUEST_BYTES = 64 * 1024;

const ROTATION: readonly SuccessShape[] = ['documented', 'invoice_id', 'data'];

/** The message a `reject` fault sends, per key. */
const FAULT_MESSAGES: Record<RejectKey, string> = {
  required_parameter: 'Missing required parameter',
  currency_code: 'Unsupported currency code',
  network: 'Address does not match the network',
  uncorrected_amount: 'Insufficient balance',
  validate_error: 'Validation error',
};

/**
 * Starts the emulator and resolves once it listens. Throws at once on a bad option, and
 * rejects when the port cannot be bound.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const config = resolveSandboxOptions(options);
  const ledger = new Ledger(config.ledgerFile);
  const balanceLedger: BalanceLedgerEntry[] = [];
  const faults = new FaultQueue();
  const balances = new Map(config.balances);
  const invoiceIds = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  const nextLatency = latencyDrawer(config.latencyMs);
  let lastArrivalMs: number | undefined;
  let rotation = 0;

  const server = createServer((req, res) => {
    // The gap rule is measured here, where the request arrives, before any await.
    const arrivedAt = Date.now();
    route(req, res, arrivedAt).catch(() => {
      if (!res.headersSent) sendNow(res, 500, 'text/plain', 'sandbox internal error\n');
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse, arrivedAt: number): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    if (path === CREATE_PATH) {
      if (req.method !== 'POST') return methodNotAllowed(req, res);
      return handleCreate(req, res, arrivedAt);
    }
    if (path === BALANCE_PATH) {
      if (req.method !== 'POST') return methodNotAllowed(req, res);
      return handleBalance(req, res, arrivedAt);
    }
    if (path.startsWith(CONTROL_PREFIX)) return handleControl(req, res, path);
    await readBody(req);
    sendNow(res, 404, 'application/json', detailBody('Not found.'));
  }

  async function handleCreate(req: IncomingMessage, res: ServerResponse, arrivedAt: number): Promise<void> {
    const authorized = isAuthorized(req.headers.authorization, config.apiKey);
    // Every arrival counts for the next one's gap: refused and rate-limited requests included.
    const previousArrivalMs = lastArrivalMs;
    lastArrivalMs = arrivedAt;
    // Taken at arrival, so concurrent requests get faults in arrival order.
    const fault = authorized ? faults.take() : undefined;
    const read = await readBody(req);
    if (!read) {
      ledger.record({ arrivedAt, response: 'fault', fault: 'body_incomplete', processed: false });
      req.socket.destroy();
      return;
    }
    const body: ParsedBody = read.tooLarge
      ? { ok: false, key: 'validate_error', message: 'Request body is too large' }
      : parseCreateBody(read.text);
    const seen = { arrivedAt, ...(body.ok ? body.fields : {}) };

    if (!authorized) {
      ledger.record({ ...seen, response: 'auth_failed', processed: false, httpStatus: 401 });
      return reply(res, 401, 'application/json', invalidTokenBody(), { 'WWW-Authenticate': 'Token' });
    }
    if (fault) return applyFault(fault, req, res, body, seen);
    if (isTooEarly(previousArrivalMs, arrivedAt, config.intervalMs)) {
      const waitMs = (previousArrivalMs ?? arrivedAt) + config.intervalMs - arrivedAt;
      return rateLimit(res, seen, waitMs, config.rateLimitStyle);
    }
    const verdict = checkWithdrawal(body, balances);
    if (!verdict.ok) {
      const message = `${verdict.key}: ${verdict.message}`;
      ledger.record({ ...seen, response: 'rejected', processed: false, httpStatus: 400, message });
      return reply(res, 400, 'application/json', errorBody(verdict.key, verdict.message));
    }
    const created = createWithdrawal(verdict.withdrawal);
    ledger.record({ ...seen, response: 'accepted', processed: true, invoiceId: created.invoiceId, httpStatus: 200 });
    reply(res, 200, 'application/json', successBody(nextShape(), created));
  }

  function rateLimit(
    res: ServerResponse,
    seen: LedgerSeen,
    waitMs: number,
    style: '400' | '429',
    label?: string,
  ): void {
    const fault = label === undefined ? {} : { fault: label };
    if (style === '429') {
      ledger.record({ ...seen, ...fault, response: 'rate_limited', processed: false, httpStatus: 429 });
      return reply(res, 429, 'application/json', throttledBody(waitMs), {
        'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))),
      });
    }
    const message = rateLimitMessage(config.intervalMs);
    ledger.record({
      ...seen,
      ...fault,
      response: 'rate_limited',
      processed: false,
      httpStatus: 400,
      message: `rate_limit: ${message}`,
    });
    reply(res, 400, 'application/json', errorBody('rate_limit', message));
  }

  function applyFault(
    fault: Fault,
    req: IncomingMessage,
    res: ServerResponse,
    body: ParsedBody,
    seen: LedgerSeen,
  ): void {
    const label = faultLabel(fault);
    // `after` faults really create the withdrawal (if the request is valid): the client's
    // ignorance of that is the whole point. The gap rule is skipped: the fault replaces it.
    let created: CreatedWithdrawal | undefined;
    let note: string | undefined;
    if (faultProcesses(fault)) {
      const verdict = checkWithdrawal(body, balances);
      if (verdict.ok) created = createWithdrawal(verdict.withdrawal);
      else note = `not processed (${verdict.key}: ${verdict.message})`;
    }
    const moved = created
      ? { processed: true, invoiceId: created.invoiceId }
      : { processed: false, ...(note === undefined ? {} : { message: note }) };
    const asFault = { ...seen, fault: label, response: 'fault' as const, ...moved };
    const request = { currencyCode: seen.currency_code ?? '', amountText: seen.amount ?? 'null' };

    switch (fault.kind) {
      case 'rate_limit_429':
        return rateLimit(res, seen, config.intervalMs, '429', label);
      case 'rate_limit_body':
        return rateLimit(res, seen, config.intervalMs, '400', label);
      case 'reject': {
        const message = FAULT_MESSAGES[fault.key];
        const logged = `${fault.key}: ${message}`;
        ledger.record({
          ...seen,
          fault: label,
          response: 'rejected',
          processed: false,
          httpStatus: 400,
          message: logged,
        });
        return reply(res, 400, 'application/json', errorBody(fault.key, message));
      }
      case 'auth':
        ledger.record({ ...seen, fault: label, response: 'auth_failed', processed: false, httpStatus: 401 });
        return reply(res, 401, 'application/json', invalidTokenBody(), { 'WWW-Authenticate': 'Token' });
      case 'drop':
        ledger.record(asFault);
        return later(() => req.socket.destroy());
      case 'hang':
        // Never answered: the client's timeout or close() ends the socket.
        ledger.record(asFault);
        return;
      case 'http_5xx': {
        const status = fault.status ?? DEFAULT_5XX_STATUS;
        ledger.record({ ...asFault, httpStatus: status });
        return reply(res, status, 'text/html', serverErrorBody(status));
      }
      case 'broken_json':
        ledger.record({ ...asFault, httpStatus: 200 });
        return reply(res, 200, 'application/json', brokenSuccessBody(created?.invoiceId ?? newInvoiceId(), request));
      case 'no_id':
        ledger.record({ ...asFault, httpStatus: 200 });
        return reply(res, 200, 'application/json', successBodyWithoutId(request));
      case 'echo_key':
        ledger.record({
          ...seen,
          fault: label,
          response: 'rejected',
          processed: false,
          httpStatus: 400,
          message: 'validate_error: echoed the key',
        });
        return reply(
          res,
          400,
          'application/json',
          echoBody(req.headers.authorization ?? '', fault.spelling, fault.pad),
        );
    }
  }

  async function handleBalance(req: IncomingMessage, res: ServerResponse, arrivedAt: number): Promise<void> {
    // Not a create request: no gap rule, no fault queue, no `ledger()` entry; its arrival is
    // recorded apart, so tests can check the client's gaps across both endpoints.
    await readBody(req);
    const answer = (status: number, type: string, body: string, headers: Record<string, string> = {}): void => {
      balanceLedger.push({ arrivedAt, httpStatus: status });
      reply(res, status, type, body, headers);
    };
    if (!isAuthorized(req.headers.authorization, config.apiKey) || config.balanceAnswer === 'auth') {
      return answer(401, 'application/json', invalidTokenBody(), { 'WWW-Authenticate': 'Token' });
    }
    const lines = [...CURRENCIES.values()].map((currency) => ({
      currency,
      balance: fromMinorUnits(balances.get(currency.code) ?? 0n, currency.decimals),
    }));
    switch (config.balanceAnswer) {
      case 'not_found':
        return answer(404, 'application/json', detailBody('Not found.'));
      case 'http_5xx':
        return answer(DEFAULT_5XX_STATUS, 'text/html', serverErrorBody(DEFAULT_5XX_STATUS));
      case 'broken_json': {
        const body = balanceBody(lines);
        return answer(200, 'application/json', body.slice(0, Math.floor(body.length / 2)));
      }
      case 'hang':
        balanceLedger.push({ arrivedAt });
        return;
      case 'echo_key':
        // As a proxy might: the request's Authorization header quoted past any cut of a message.
        return answer(400, 'application/json', echoBody(req.headers.authorization ?? '', 'raw', 300));
      default:
        return answer(200, 'application/json', balanceBody(lines));
    }
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const read = await readBody(req);
    if (!isLoopbackAddress(req.socket.remoteAddress)) {
      return sendNow(
        res,
        403,
        'application/json',
        JSON.stringify({ error: 'control endpoints answer loopback callers only' }),
      );
    }
    const route = `${req.method ?? ''} ${path}`;
    if (route === 'GET /_sandbox/health')
      return sendNow(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
    if (route === 'GET /_sandbox/ledger') return sendNow(res, 200, 'application/json', JSON.stringify(ledger.list()));
    // The balance requests' arrivals, for gap checks across both endpoints from another process.
    if (route === 'GET /_sandbox/balance-ledger')
      return sendNow(res, 200, 'application/json', JSON.stringify(balanceLedger));
    if (route === 'POST /_sandbox/faults') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(read?.text ?? '');
      } catch {
        return sendNow(res, 400, 'application/json', JSON.stringify({ error: 'body is not JSON' }));
      }
      const request = faultRequestSchema.safeParse(parsed);
      if (!request.success) {
        const error = request.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
        return sendNow(res, 400, 'application/json', JSON.stringify({ error }));
      }
      faults.push(request.data.faults);
      return sendNow(
        res,
        200,
        'application/json',
        JSON.stringify({ queued: request.data.faults.length, waiting: faults.size }),
      );
    }
    sendNow(res, 404, 'application/json', JSON.stringify({ error: `no control endpoint ${route}` }));
  }

  function createWithdrawal(withdrawal: Withdrawal): CreatedWithdrawal {
    const { currency, toAddress, amountText, amountMinor } = withdrawal;
    balances.set(currency.code, (balances.get(currency.code) ?? 0n) - amountMinor);
    return { invoiceId: newInvoiceId(), currency, toAddress, amountText, createdAt: new Date() };
  }

  function newInvoiceId(): string {
    for (;;) {
      const id = randomInvoiceId((max) => randomInt(max));
      if (!invoiceIds.has(id)) {
        invoiceIds.add(id);
        return id;
      }
    }
  }

  function nextShape(): SuccessShape {
    if (config.successShape !== 'rotate') return config.successShape;
    const shape = ROTATION[rotation % ROTATION.length] ?? 'documented';
    rotation += 1;
    return shape;
  }

  function methodNotAllowed(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    sendNow(res, 405, 'application/json', detailBody(`Method "${req.method ?? ''}" not allowed.`), { Allow: 'POST' });
  }

  /** Runs `action` after the configured latency; timers are tracked so close() can cancel them. */
  function later(action: () => void): void {
    const delayMs = nextLatency();
    if (delayMs <= 0) return action();
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, delayMs);
    timers.add(timer);
  }

  function reply(
    res: ServerResponse,
    status: number,
    type: string,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    later(() => sendNow(res, status, type, body, headers));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${urlHost(config.host)}:${port}`,
    ledger: () => ledger.list(),
    balanceLedger: () => balanceLedger.map((entry) => ({ ...entry })),
    injectFaults: (list) => faults.push(list),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        // Hung requests keep their sockets open forever otherwise.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The fields of a ledger entry known before the decision. */
type LedgerSeen = Pick<LedgerEntry, 'arrivedAt' | 'currency_code' | 'to_address' | 'amount'>;

function sendNow(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** The whole request body as text, `tooLarge` when it was cut, undefined if the client went away. */
function readBody(req: IncomingMessage): Promise<{ text: string; tooLarge: boolean } | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > MAX_REQUEST_BYTES }));
    req.on('close', () => {
      if (!req.complete) resolve(undefined);
    });
    req.on('error', () => resolve(undefined));
  });
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || /^(?:::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** The host as it goes into a URL: wildcard binds are reached over loopback; IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** A fixed-seed generator of delays in [low, high]: the same sequence every run (mulberry32). */
function latencyDrawer([low, high]: [number, number]): () => number {
  let state = 0x5eed1e55;
  return () => {
    if (high <= 0) return 0;
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return low + unit * (high - low);
  };
}
