/**
 * Totals per currency, exact (integer minor units), for plans and summaries.
 *
 * Stage output/: may import ledger, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { findCurrency } from '../core/currencies.js';
import { fromMinorUnits, parseDecimal, toMinorUnits } from '../core/money.js';

/**
 * A currency's running total: `sum + pending × factor` minor units, where `pending` counts units
 * of 10^-scale (scale = the currency's decimals, at most SMALL_SCALE) and is kept below 2^53, so
 * exact as a number.
 */
interface Running {
  count: number;
  sum: bigint;
  pending: number;
  scale: number;
  decimals: number;
  /** 10^(decimals − scale): one pending unit in minor units. */
  factor: bigint;
}

/** Amounts below 10^15 units are added as numbers; their sum stays exact while below 2^53. */
const SMALL_LIMIT = 1e15;
const FLUSH_AT = Number.MAX_SAFE_INTEGER - SMALL_LIMIT;
/**
 * Added as numbers in units of 10^-9 at the finest: an 18-decimal currency's minor units (wei)
 * would put an amount of 1,000 past 10^15 and send every ETH row down the BigInt path.
 */
const SMALL_SCALE = 9;

export class CurrencyTotals {
  private readonly minor = new Map<string, Running>();

  /** Adds a validated amount (canonical decimal) of a known currency. */
  add(currencyCode: string, amount: string): void {
    let entry = this.minor.get(currencyCode);
    if (!entry) {
      const currency = findCurrency(currencyCode);
      if (!currency) throw new RangeError(`not a validated amount: ${currencyCode} ${amount}`);
      const scale = Math.min(currency.decimals, SMALL_SCALE);
      entry = {
        count: 0,
        sum: 0n,
        pending: 0,
        scale,
        decimals: currency.decimals,
        factor: 10n ** BigInt(currency.decimals - scale),
      };
    }
    // The common amount, as an exact number of 10^-scale units without a BigInt per row.
    const small = smallMinorUnits(amount, entry.scale);
    if (small === undefined) {
      const parts = parseDecimal(amount);
      if (!parts) throw new RangeError(`not a validated amount: ${currencyCode} ${amount}`);
      entry.sum += toMinorUnits(parts, entry.decimals);
    } else {
      entry.pending += small;
      if (entry.pending >= FLUSH_AT) {
        entry.sum += BigInt(entry.pending) * entry.factor;
        entry.pending = 0;
      }
    }
    if (entry.count === 0) this.minor.set(currencyCode, entry);
    entry.count += 1;
  }

  /** Currency, row count and total as a decimal string, sorted by code. */
  entries(): Array<{ currency: string; count: number; total: string }> {
    return [...this.minor.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, { count, sum, pending, factor, decimals }]) => ({
        currency,
        count,
        total: fromMinorUnits(sum + BigInt(pending) * factor, decimals),
      }));
  }

  get size(): number {
    return this.minor.size;
  }
}

/**
 * `amount` (a plain decimal: digits, at most one point with digits on both sides) in minor units
 * as a number, when that is below 10^15 and the amount has at most `decimals` decimals; otherwise
 * undefined (the caller then takes the exact BigInt path, which also refuses a bad amount).
 */
export function smallMinorUnits(amount: string, decimals: number): number | undefined {
  let value = 0;
  let digits = 0;
  let point = -1;
  for (let i = 0; i < amount.length; i += 1) {
    const c = amount.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      // Leading zeros add no digit to the value.
      if (value > 0) digits += 1;
      if (digits > 15) return undefined;
    } else if (c === 46 && point === -1 && i > 0 && i < amount.length - 1) {
      point = i;
    } else {
      return undefined;
    }
  }
  if (amount.length === 0) return undefined;
  const fraction = point === -1 ? 0 : amount.length - point - 1;
  if (fraction > decimals) return undefined;
  // Scale to minor units; the result must stay below 10^15 (15 digits in all), so exact.
  const scale = decimals - fraction;
  if (value === 0) return 0;
  return digits + scale <= 15 ? value * 10 ** scale : undefined;
}
