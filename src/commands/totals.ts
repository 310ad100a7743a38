/**
 * Totals per currency, exact (integer minor units), for plans and summaries.
 */
import { findCurrency } from '../core/currencies.js';
import { fromMinorUnits, parseDecimal, toMinorUnits } from '../core/money.js';

export class CurrencyTotals {
  private readonly minor = new Map<string, { count: number; sum: bigint }>();

  /** Adds a validated amount (canonical decimal) of a known currency. */
  add(currencyCode: string, amount: string): void {
    const currency = findCurrency(currencyCode);
    const parts = parseDecimal(amount);
    if (!currency || !parts) throw new RangeError(`not a validated amount: ${currencyCode} ${amount}`);
    const entry = this.minor.get(currencyCode) ?? { count: 0, sum: 0n };
    entry.count += 1;
    entry.sum += toMinorUnits(parts, currency.decimals);
    this.minor.set(currencyCode, entry);
  }

  /** Currency, row count and total as a decimal string, sorted by code. */
  entries(): Array<{ currency: string; count: number; total: string }> {
    return [...this.minor.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, { count, sum }]) => ({ currency, count, total: fromMinorUnits(sum, findCurrency(currency)?.decimals ?? 0) }));
  }

  get size(): number {
    return this.minor.size;
  }
}
