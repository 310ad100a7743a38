/**
 * The balance query (`POST /v2/merchant/wallet/balance/all`): what its answer says, read exactly.
 * Pure: text in, data out. The answer's numbers are kept as their decimal text (a JSON parser
 * would turn them into doubles), and every unclear answer is `ok: false` with a reason: the
 * balance check is advice for the operator, never a reason to guess.
 *
 * Stage api/: may import journal, csv, validate, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import * as z from 'zod';
import { findCurrency } from '../core/currencies.js';

/** The path of the balance endpoint, appended to the base URL. */
export const BALANCE_PATH = '/v2/merchant/wallet/balance/all';

/** What a balance query came to. */
export type BalanceAnswer =
  | {
      ok: true;
      /** Available balance per currency code (`fullcode`, else `code`), in minor units of that currency. */
      available: Map<string, bigint>;
      /** Codes listed more than once, or whose line could not be read: their balance is not known. */
      unclear: string[];
    }
  | { ok: false; reason: string };

/** A JSON number's text (which the reader below turns every number into), or a decimal sent as a string. */
const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const bodySchema = z.looseObject({ status: z.literal('success'), result: z.array(z.unknown()) });
const lineSchema = z.looseObject({
  currency: z.looseObject({ code: z.string().optional(), fullcode: z.string().optional() }),
  available_balance: z.string().regex(NUMBER_TEXT),
});
const currencyOnlySchema = z.looseObject({
  currency: z.looseObject({ code: z.string().optional(), fullcode: z.string().optional() }),
});

/**
 * Reads an answer of the balance endpoint. A currency's amount is floored to its decimals (an
 * available balance is never overstated); currencies the tool does not know are left out.
 */
export function readBalanceAnswer(httpStatus: number, bodyText: string): BalanceAnswer {
  if (httpStatus === 404) return { ok: false, reason: 'the API has no balance endpoint at this address (HTTP 404)' };
  if (httpStatus === 401 || httpStatus === 403) {
    return {
      ok: false,
      reason: `the API refused the balance query (HTTP ${httpStatus}); this key may not be allowed to read balances`,
    };
  }
  if (httpStatus < 200 || httpStatus > 299)
    return { ok: false, reason: `the balance query was answered with HTTP ${httpStatus}` };
  let json: unknown;
  try {
    json = JSON.parse(numbersAsText(bodyText));
  } catch {
    return { ok: false, reason: `the balance answer (HTTP ${httpStatus}) is not JSON` };
  }
  const body = bodySchema.safeParse(json);
  if (!body.success)
    return { ok: false, reason: 'the balance answer has no "status":"success" with a list of balances' };
  const available = new Map<string, bigint>();
  const unclear = new Set<string>();
  for (const raw of body.data.result) {
    const line = lineSchema.safeParse(raw);
    if (!line.success) {
      const named = currencyOnlySchema.safeParse(raw);
      const code = named.success ? (named.data.currency.fullcode ?? named.data.currency.code) : undefined;
      if (code !== undefined) unclear.add(code);
      continue;
    }
    const code = line.data.currency.fullcode ?? line.data.currency.code;
    const currency = code === undefined ? undefined : findCurrency(code);
    if (!currency || code === undefined) continue;
    const minor = decimalTextToMinor(line.data.available_balance, currency.decimals);
    if (minor === undefined) unclear.add(code);
    else if (available.has(code)) unclear.add(code);
    else available.set(code, minor);
  }
  for (const code of unclear) available.delete(code);
  return { ok: true, available, unclear: [...unclear].sort() };
}

/** Every JSON string or number token; strings are matched whole, so no number inside one is touched. */
const TOKEN = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * The same JSON with every number turned into a string of its exact text (`1000.10` stays
 * `"1000.10"`, not the double 1000.1). Throws a SyntaxError when the text is not JSON.
 */
export function numbersAsText(jsonText: string): string {
  JSON.parse(jsonText);
  return jsonText.replace(TOKEN, (token) => (token.startsWith('"') ? token : `"${token}"`));
}

/**
 * A decimal number's text (`1000.5`, `-3`, `1e-07`) as minor units of a currency with `decimals`,
 * floored; undefined for text that is not a number or an exponent beyond any sane balance.
 */
export function decimalTextToMinor(text: string, decimals: number): bigint | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign = '', intDigits = '', fracDigits = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 100) return undefined;
  // Shift the decimal point by the exponent, then keep `decimals` fraction digits.
  const digits = intDigits + fracDigits;
  const pointAt = intDigits.length + exponent + decimals;
  let kept: string;
  if (pointAt <= 0) kept = '0';
  else if (pointAt >= digits.length) kept = digits + '0'.repeat(pointAt - digits.length);
  else kept = digits.slice(0, pointAt);
  const dropped = pointAt > 0 && pointAt < digits.length ? digits.slice(pointAt) : pointAt <= 0 ? digits : '';
  const magnitude = BigInt(kept);
  if (sign !== '-') return magnitude;
  // Floor a negative amount: any dropped non-zero digit makes it one unit lower.
  return -magnitude - (/[1-9]/.test(dropped) ? 1n : 0n);
}
