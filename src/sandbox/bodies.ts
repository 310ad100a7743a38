/**
 * The response bodies the sandbox sends, shaped like the real API's (see
 * shared/api/cryptocloud-withdrawal.md). Pure text builders.
 *
 * Stage sandbox/: may import journal, csv, validate, api, schedule, core (.dependency-cruiser.cjs).
 */
import type { Currency } from '../core/currencies.js';
import type { RejectKey } from './faults.js';

/** The three success shapes seen for the create endpoint; `rotate` cycles through them. */
export type SuccessShape = 'documented' | 'invoice_id' | 'data';

/** What a success body talks about. */
export interface CreatedWithdrawal {
  invoiceId: string;
  currency: Currency;
  toAddress: string;
  /** The amount's JSON number text as the client sent it. */
  amountText: string;
  createdAt: Date;
}

/** The success body in the given shape. */
export function successBody(shape: SuccessShape, created: CreatedWithdrawal): string {
  switch (shape) {
    case 'documented':
      return JSON.stringify({ status: 'success', result: documentedResult(created) });
    case 'invoice_id':
      return JSON.stringify({ status: 'success', result: { invoice_id: created.invoiceId, ...shortOf(created) } });
    case 'data':
      return JSON.stringify({ status: 'success', data: { invoice_id: created.invoiceId, ...shortOf(created) } });
  }
}

/** What the short bodies say about a request, which may not have been valid (faults answer anyway). */
export interface ShortWithdrawal {
  currencyCode: string;
  /** The amount's JSON text as sent (a non-number becomes `null` in the body). */
  amountText: string;
}

/** A success body with no id anywhere (the `no_id` fault). */
export function successBodyWithoutId(request: ShortWithdrawal): string {
  return JSON.stringify({ status: 'success', result: shortResult(request) });
}

/** A success body cut in half, as a proxy that dropped the tail would deliver it (`broken_json`). */
export function brokenSuccessBody(invoiceId: string, request: ShortWithdrawal): string {
  const full = JSON.stringify({ status: 'success', result: { invoice_id: invoiceId, ...shortResult(request) } });
  return full.slice(0, Math.floor(full.length / 2));
}

/** The API's refusal body: `{"status":"error","result":{KEY: message}}`. */
export function errorBody(key: RejectKey | 'rate_limit', message: string): string {
  return JSON.stringify({ status: 'error', result: { [key]: message } });
}

/** The framework's answer to a missing or wrong token (sent with HTTP 401). */
export function invalidTokenBody(): string {
  return JSON.stringify({ detail: 'Invalid token.' });
}

/** The throttling answer of the 429 rate-limit style. */
export function throttledBody(waitMs: number): string {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return JSON.stringify({
    detail: `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  });
}

/** The message of the gap rule, in the unit the interval is best said in. */
export function rateLimitMessage(intervalMs: number): string {
  const gap = intervalMs % 1000 === 0 ? `${intervalMs / 1000} seconds` : `${intervalMs} ms`;
  return `Minimum interval between requests is ${gap}`;
}

/** An HTML error page, as a gateway in front of the API sends it. */
export function serverErrorBody(status: number): string {
  return `<html><head><title>${status}</title></head><body><h1>${status} Server Error</h1></body></html>\n`;
}

/** The framework-style `{"detail":…}` answer for paths and methods the API does not serve. */
export function detailBody(detail: string): string {
  return JSON.stringify({ detail });
}

/** One currency's balance, as a decimal string in its own units. */
export interface BalanceLine {
  currency: Currency;
  balance: string;
}

/**
 * The body of `POST /v2/merchant/wallet/balance/all`. Balances are written as JSON numbers whose
 * text is the exact decimal (no double in between). The sandbox knows no prices: `balance_usd`
 * equals the balance for dollar stablecoins and is 0 for everything else.
 */
export function balanceBody(lines: readonly BalanceLine[]): string {
  const entries = lines.map(({ currency, balance }) => {
    const usd = STABLECOINS.has(tickerOf(currency.code)) ? balance : '0';
    const head = JSON.stringify({ currency: currencyObject(currency) }).slice(0, -1);
    return `${head},"balance_crypto":${balance},"balance_usd":${usd},"available_balance":${balance}}`;
  });
  return `{"status":"success","result":[${entries.join(',')}]}`;
}

/** A fresh withdrawal id: `INV-` and 8 uppercase letters or digits. Uniqueness is the caller's. */
export function randomInvoiceId(randomInt: (max: number) => number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let tail = '';
  for (let i = 0; i < 8; i += 1) tail += alphabet[randomInt(alphabet.length)] ?? 'X';
  return `INV-${tail}`;
}

// ---------------------------------------------------------------------------------------------

const STABLECOINS = new Set(['USDT', 'USDC', 'DAI', 'USDD', 'PYUSD']);

const NAMES: Record<string, string> = {
  BTC: 'Bitcoin',
  LTC: 'Litecoin',
  TRX: 'Tron',
  SOL: 'Solana',
  TON: 'Toncoin',
  BNB: 'BNB',
  ETH: 'Ethereum',
  USDT: 'Tether',
  USDC: 'USD Coin',
  DAI: 'Dai',
  USDD: 'USDD',
  PYUSD: 'PayPal USD',
  XAUT: 'Tether Gold',
  ARB: 'Arbitrum',
  OP: 'Optimism',
  PEPE: 'Pepe',
  SHIB: 'Shiba Inu',
  TRUMP: 'Official Trump',
};

/** `USDT_TRC20` → `USDT`; `BTC` → `BTC`. */
function tickerOf(code: string): string {
  return code.split('_')[0] ?? code;
}

/** `USDT_TRC20` → `TRC20`; a native coin is its own network (`BTC` → `BTC`). */
function networkCodeOf(code: string): string {
  const [, network] = code.split('_');
  return network ?? code;
}

function currencyObject(currency: Currency): Record<string, unknown> {
  const ticker = tickerOf(currency.code);
  const network = networkCodeOf(currency.code);
  return {
    code: ticker,
    fullcode: currency.code,
    network: {
      code: network,
      icon: `https://cdn.cryptocloud.plus/img/network/${network}.svg`,
      fullname: currency.networkName,
    },
    name: NAMES[ticker] ?? ticker,
    stablecoin: STABLECOINS.has(ticker),
    icon_base: `https://cdn.cryptocloud.plus/img/currency/${ticker}.svg`,
  };
}

function shortOf(created: CreatedWithdrawal): ReturnType<typeof shortResult> {
  return shortResult({ currencyCode: created.currency.code, amountText: created.amountText });
}

function shortResult(request: ShortWithdrawal): { status: string; currency: string; amount: number | null } {
  const amount = Number(request.amountText);
  return { status: 'created', currency: request.currencyCode, amount: Number.isFinite(amount) ? amount : null };
}

/** `2026-01-01 08:03:02.216905`, the API's timestamp format (UTC, microseconds). */
function apiTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${String(date.getUTCMilliseconds()).padStart(3, '0')}000`;
}

/** The documented example's `result`, with this request's values filled in. */
function documentedResult(created: CreatedWithdrawal): Record<string, unknown> {
  const amount = Number(created.amountText);
  const ticker = tickerOf(created.currency.code);
  const usd = STABLECOINS.has(ticker) ? amount : 0;
  const currency = currencyObject(created.currency);
  return {
    uuid: created.invoiceId,
    created: apiTimestamp(created.createdAt),
    address: created.toAddress,
    currency,
    date_finished: null,
    expiry_date: null,
    side_commission: 'client',
    side_commission_cc: 'merchant',
    type_payments: 'crypto',
    status: 'created',
    invoice_status: 'start',
    is_email_required: false,
    project: {
      id: 1,
      name: 'Sandbox',
      fail: 'https://example.com/failed-payment',
      success: 'https://example.com/successful-payment',
      logo: '',
    },
    tx_list: [],
    step: 1,
    test_mode: true,
    type: 'dw',
    user_email: '',
    pay_url: 'None',
    phone: '',
    order_id: 'None',
    amount_in_crypto: null,
    amount_in_fiat: 0,
    amount,
    amount_usd: usd,
    amount_to_pay: amount,
    amount_to_pay_usd: usd,
    amount_paid: 0.0,
    amount_paid_usd: 0.0,
    fee: 0.0,
    fee_usd: 0.0,
    service_fee: 0.0,
    service_fee_usd: 0.0,
    received: 0,
    received_usd: 0,
    to_surcharge: amount,
    to_surcharge_usd: usd,
    total_rub: 0,
    currency_list: [{ ...currency, network: [currency['network']] }],
    aml_enabled: false,
    aml_side: 'merchant',
    aml_cost: 0.0,
    aml_cost_usd: 0.0,
    aml_checks: [],
    links: [],
    quiz_result: false,
    quiz_detail: { invoice: null, rating: null, comment: null, created: null },
    memo: '',
  };
}
