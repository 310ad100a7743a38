/**
 * The API's decisions, without HTTP: who may call, when, and whether a withdrawal request is
 * acceptable. Pure: the server feeds it the request and its state and acts on the verdict.
 *
 * Stage sandbox/: may import journal, csv, validate, api, schedule, core (.dependency-cruiser.cjs).
 */
import { findCurrency, type Currency, type Network } from '../core/currencies.js';
import { parseDecimal, toMinorUnits, type DecimalParts } from '../core/money.js';
import type { RejectKey } from './faults.js';
import { RawNumber, parseRawJson, type RawJson } from './json-raw.js';

/**
 * True when the Authorization header is `Token <key>`: exactly `apiKey` when one is configured,
 * any non-empty token otherwise. The scheme is matched case-insensitively, as Django REST
 * framework's TokenAuthentication does; anything else (`Bearer …`, a bare key) is refused.
 */
export function isAuthorized(header: string | undefined, apiKey: string | undefined): boolean {
  if (header === undefined) return false;
  const match = /^token (\S+)$/i.exec(header);
  if (!match) return false;
  return apiKey === undefined || match[1] === apiKey;
}

/**
 * The gap rule: a request that arrives less than `intervalMs` after the previous arrival (of any
 * create request, refused ones included) is too early.
 */
export function isTooEarly(previousArrivalMs: number | undefined, arrivedAtMs: number, intervalMs: number): boolean {
  return previousArrivalMs !== undefined && arrivedAtMs - previousArrivalMs < intervalMs;
}

/** The three request fields as they came, for the ledger (texts only where the type was right). */
export interface RequestFields {
  currency_code?: string;
  to_address?: string;
  /** A JSON number's exact source text; for any other JSON type, its JSON text (e.g. `"0.5"`). */
  amount?: string;
}

/** What the body of a create request asks for, or why it cannot be read at all. */
export type ParsedBody =
  | { ok: true; fields: RequestFields; values: { currency_code?: RawJson; to_address?: RawJson; amount?: RawJson } }
  | { ok: false; key: 'validate_error'; message: string };

/** Reads a create request body; a body that is not a JSON object is a `validate_error`. */
export function parseCreateBody(bodyText: string): ParsedBody {
  let json: RawJson;
  try {
    json = parseRawJson(bodyText);
  } catch {
    return { ok: false, key: 'validate_error', message: 'Request body is not valid JSON' };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || json instanceof RawNumber) {
    return { ok: false, key: 'validate_error', message: 'Request body must be a JSON object' };
  }
  const values = { currency_code: json['currency_code'], to_address: json['to_address'], amount: json['amount'] };
  const fields: RequestFields = {};
  if (typeof values.currency_code === 'string') fields.currency_code = values.currency_code;
  if (typeof values.to_address === 'string') fields.to_address = values.to_address;
  if (values.amount !== undefined) fields.amount = rawText(values.amount);
  return { ok: true, fields, values };
}

/** A request that may be paid: which currency, to whom, how much in minor units. */
export interface Withdrawal {
  currency: Currency;
  toAddress: string;
  /** The amount's text as sent. */
  amountText: string;
  /** The amount in the currency's smallest units. */
  amountMinor: bigint;
}

/** The API's answer to a readable body. */
export type Verdict = { ok: true; withdrawal: Withdrawal } | { ok: false; key: RejectKey; message: string };

/**
 * Checks a request as the API does, in its order: required fields, currency, address form,
 * amount (positive, within the currency's decimals, within the balance).
 * `balances` maps a currency code to its balance in minor units (missing means zero).
 */
export function checkWithdrawal(body: ParsedBody, balances: ReadonlyMap<string, bigint>): Verdict {
  if (!body.ok) return body;
  const { currency_code: code, to_address: address, amount } = body.values;
  for (const [name, value] of [
    ['currency_code', code],
    ['to_address', address],
    ['amount', amount],
  ] as const) {
    if (value === undefined || value === null || value === '') {
      return { ok: false, key: 'required_parameter', message: `Missing required parameter: ${name}` };
    }
  }
  const currency = typeof code === 'string' ? findCurrency(code) : undefined;
  if (!currency) {
    return { ok: false, key: 'currency_code', message: `Unknown currency code: ${rawText(code ?? null)}` };
  }
  if (typeof address !== 'string' || !ADDRESS_PATTERNS[currency.network].test(address)) {
    return {
      ok: false,
      key: 'network',
      message: `Address is not valid for ${currency.code} on the ${currency.networkName} network`,
    };
  }
  const decimal = amount instanceof RawNumber ? jsonNumberToDecimal(amount.text) : undefined;
  if (!decimal || decimal.negative || (decimal.parts.integer === '0' && decimal.parts.fraction === '')) {
    return { ok: false, key: 'uncorrected_amount', message: 'Amount must be a positive number' };
  }
  if (decimal.parts.fraction.length > currency.decimals) {
    return {
      ok: false,
      key: 'uncorrected_amount',
      message: `Amount has more than ${currency.decimals} decimal places for ${currency.code}`,
    };
  }
  const amountMinor = toMinorUnits(decimal.parts, currency.decimals);
  if (amountMinor > (balances.get(currency.code) ?? 0n)) {
    return { ok: false, key: 'uncorrected_amount', message: 'Insufficient balance' };
  }
  return {
    ok: true,
    withdrawal: { currency, toAddress: address, amountText: (amount as RawNumber).text, amountMinor },
  };
}

const BASE58 = '[1-9A-HJ-NP-Za-km-z]';
const BECH32_LOWER = '[02-9ac-hj-np-z]';
const BECH32_UPPER = '[02-9AC-HJ-NP-Z]';

/**
 * The form of an address per network family: only "obviously wrong" is refused (a Tron address
 * for an EVM currency, a typo'd length). No checksums: the real API's depth is unknown, and the
 * validator upstream is stricter anyway.
 */
export const ADDRESS_PATTERNS: Readonly<Record<Network, RegExp>> = {
  evm: /^0x[0-9a-fA-F]{40}$/,
  tron: new RegExp(`^T${BASE58}{33}$`),
  bitcoin: new RegExp(`^(?:[13]${BASE58}{25,34}|bc1${BECH32_LOWER}{8,87}|BC1${BECH32_UPPER}{8,87})$`),
  litecoin: new RegExp(`^(?:[LM3]${BASE58}{25,34}|ltc1${BECH32_LOWER}{8,86}|LTC1${BECH32_UPPER}{8,86})$`),
  solana: new RegExp(`^${BASE58}{32,44}$`),
  // User-friendly form (base64url, some wallets print standard base64) or raw `workchain:hex`.
  ton: /^(?:[A-Za-z0-9_+/-]{48}|-?\d{1,3}:[0-9a-fA-F]{64})$/,
};

/** Exponents beyond this are refused rather than expanded into absurdly long digit strings. */
const MAX_EXPONENT = 400;

/**
 * The exact decimal a JSON number text denotes (`1.5e-3` → 0.0015), with its sign, or undefined
 * when it is not a JSON number or its exponent is absurd. Exact: no double in between.
 */
export function jsonNumberToDecimal(text: string): { negative: boolean; parts: DecimalParts } | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign = '', integer = '', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  const digits = integer + fraction;
  const pointAt = integer.length + exponent;
  let plain: string;
  if (pointAt <= 0) plain = `0.${'0'.repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) plain = digits + '0'.repeat(pointAt - digits.length);
  else plain = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  const parts = parseDecimal(plain);
  return parts ? { negative: sign === '-', parts } : undefined;
}

/** The source text of a value: a number's own text, anything else as JSON. */
function rawText(value: RawJson): string {
  if (value instanceof RawNumber) return value.text;
  return JSON.stringify(value, (_key, inner: unknown) => (inner instanceof RawNumber ? Number(inner.text) : inner));
}
