/**
 * Caps and control totals: limits the operator sets on the command line, checked against the
 * payroll's valid rows before anything is sent. A breach refuses a real run (exit 2).
 *
 * They apply to every valid row of the file, whatever its checkpoint says, so that a resumed
 * run gives the same verdict as the first one.
 *
 * Stage plan/: may import output, ledger, scan, journal, csv, validate, api, schedule, sandbox,
 * core (.dependency-cruiser.cjs).
 */
import { findCurrency } from '../core/currencies.js';
import { UsageError } from '../core/errors.js';
import { fromMinorUnits, parseDecimal, toMinorUnits } from '../core/money.js';
import type { ValidPayout } from '../core/types.js';
import type { CurrencyTotals } from '../output/totals.js';

/** A figure per currency code, as canonical decimal strings: `{ USDT_TRC20: '1000' }`. */
export type CurrencyAmounts = Readonly<Record<string, string>>;

/** The limits of a run (each optional; repeated options give one entry per currency). */
export interface Caps {
  /** No single valid row may pay more than this, per currency (`--max-amount CUR=AMT`). */
  maxAmount?: CurrencyAmounts;
  /** The valid rows of a currency may not total more than this (`--max-total CUR=AMT`). */
  maxTotal?: CurrencyAmounts;
  /** The file must have exactly this many valid rows (`--expect-count N`). */
  expectCount?: number;
  /** The valid rows of a currency must total exactly this (`--expect-total CUR=AMT`). */
  expectTotal?: CurrencyAmounts;
}

/** Rows named in a message, at most; the rest are counted. */
const ROWS_SHOWN = 5;

/**
 * Parses the values of a repeatable `CUR=AMT` option (`--max-amount USDT_TRC20=1000`). The code
 * must be one of the API's, the amount a plain decimal with no more decimals than the currency
 * has (and above zero unless `allowZero`). Throws a UsageError quoting the bad value.
 */
export function parseCurrencyAmounts(option: string, values: readonly string[], allowZero = false): CurrencyAmounts {
  const result: Record<string, string> = {};
  for (const value of values) {
    const bad = (why: string): UsageError => new UsageError(`--${option} \`${value}\`: ${why}`);
    const match = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(value);
    if (!match)
      throw bad(
        'write it as CURRENCY=AMOUNT, e.g. USDT_TRC20=1000 (one per option; repeat the option for more currencies)',
      );
    const [, rawCode = '', rawAmount = ''] = match;
    const currency = findCurrency(rawCode) ?? findCurrency(rawCode.toUpperCase());
    if (!currency) throw bad(`${rawCode} is not one of the API's currency codes (such as USDT_TRC20, BTC, ETH)`);
    const parts = parseDecimal(rawAmount);
    if (!parts)
      throw bad(
        `${rawAmount} is not a plain decimal amount such as 1000 or 0.5 (no sign, exponent, spaces or thousands separators)`,
      );
    if (parts.fraction.length > currency.decimals)
      throw bad(`${currency.code} has ${currency.decimals} decimals; ${rawAmount} has more`);
    if (!allowZero && toMinorUnits(parts, currency.decimals) === 0n) throw bad('the amount must be above zero');
    if (result[currency.code] !== undefined) throw bad(`${currency.code} is given twice`);
    result[currency.code] = fromMinorUnits(toMinorUnits(parts, currency.decimals), currency.decimals);
  }
  return result;
}

/** Parses `--expect-count N`: a whole number >= 0. */
export function parseCount(option: string, value: unknown): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`Expected --${option} to be a whole number >= 0, got \`${String(value)}\` (${typeof value})`);
  }
  return n;
}

/** True when any cap or control total is set. */
export function hasCaps(caps: Caps): boolean {
  return (
    caps.expectCount !== undefined ||
    [caps.maxAmount, caps.maxTotal, caps.expectTotal].some((m) => m && Object.keys(m).length > 0)
  );
}

/** The caps as the operator gave them, for the plan: "--max-amount USDT_TRC20=1000, --expect-count 37". */
export function describeCaps(caps: Caps): string[] {
  const words: string[] = [];
  const each = (option: string, amounts: CurrencyAmounts | undefined): void => {
    for (const [code, amount] of Object.entries(amounts ?? {})) words.push(`--${option} ${code}=${amount}`);
  };
  each('max-amount', caps.maxAmount);
  each('max-total', caps.maxTotal);
  if (caps.expectCount !== undefined) words.push(`--expect-count ${caps.expectCount}`);
  each('expect-total', caps.expectTotal);
  return words;
}

/** Checks caps row by row (memory stays flat: a few row numbers per capped currency), then the totals. */
export class CapsCheck {
  private readonly maxMinor = new Map<string, bigint>();
  private readonly overMax = new Map<string, { count: number; shown: string[] }>();

  constructor(private readonly caps: Caps) {
    for (const [code, amount] of Object.entries(caps.maxAmount ?? {})) this.maxMinor.set(code, minorOf(code, amount));
  }

  /** Looks at one valid row of the file. */
  observe(payout: ValidPayout, rowNumber: number): void {
    const max = this.maxMinor.get(payout.currencyCode);
    if (max === undefined || minorOf(payout.currencyCode, payout.amount) <= max) return;
    const over = this.overMax.get(payout.currencyCode) ?? { count: 0, shown: [] };
    over.count += 1;
    if (over.shown.length < ROWS_SHOWN) over.shown.push(`row ${rowNumber} (${payout.amount})`);
    this.overMax.set(payout.currencyCode, over);
  }

  /** Every breach and mismatch, in words that name the rows and figures; empty when all hold. */
  problems(validRows: number, totals: CurrencyTotals): string[] {
    const problems: string[] = [];
    for (const [code, { count, shown }] of [...this.overMax.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const more = count > shown.length ? `, and ${count - shown.length} more` : '';
      problems.push(
        `${count} ${code} row(s) pay more than --max-amount ${code}=${this.caps.maxAmount?.[code] ?? '?'}: ${shown.join(', ')}${more}`,
      );
    }
    const totalOf = new Map(totals.entries().map((e) => [e.currency, e.total]));
    for (const [code, max] of Object.entries(this.caps.maxTotal ?? {})) {
      const total = totalOf.get(code) ?? '0';
      if (minorOf(code, total) > minorOf(code, max)) {
        problems.push(`${code}: the valid rows total ${total}, more than --max-total ${code}=${max}`);
      }
    }
    if (this.caps.expectCount !== undefined && validRows !== this.caps.expectCount) {
      problems.push(`the file has ${validRows} valid row(s), but --expect-count says ${this.caps.expectCount}`);
    }
    for (const [code, expected] of Object.entries(this.caps.expectTotal ?? {})) {
      const total = totalOf.get(code) ?? '0';
      const difference = minorOf(code, total) - minorOf(code, expected);
      if (difference !== 0n) {
        const decimals = findCurrency(code)?.decimals ?? 0;
        const by = `${difference > 0n ? 'over' : 'short'} by ${fromMinorUnits(difference > 0n ? difference : -difference, decimals)}`;
        problems.push(`${code}: the valid rows total ${total}, but --expect-total says ${expected} (${by})`);
      }
    }
    return problems;
  }
}

/** A validated or parsed decimal of a known currency, in its minor units. */
function minorOf(code: string, amount: string): bigint {
  const currency = findCurrency(code);
  const parts = parseDecimal(amount);
  if (!currency || !parts) throw new RangeError(`not a checked amount: ${code} ${amount}`);
  return toMinorUnits(parts, currency.decimals);
}
