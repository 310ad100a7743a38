/**
 * Checks of option values, with the exact value in the message.
 */
import { UsageError } from '../core/errors.js';

/** A whole number of milliseconds, at least `min`. */
export function parseMs(name: string, value: unknown, min: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`Expected --${name} to be a whole number of milliseconds >= ${min}, got \`${String(value)}\` (${typeof value})`);
  }
  return n;
}

/** A delay range `MIN,MAX` in whole milliseconds (or one number for a fixed delay), 0 <= MIN <= MAX. */
export function parseMsRange(name: string, value: unknown): [number, number] {
  const parts = String(value).split(',');
  const [low, high = low] = parts.map((part) => Number(part.trim()));
  if (parts.length > 2 || !Number.isInteger(low) || !Number.isInteger(high) || (low ?? -1) < 0 || (high ?? -1) < (low ?? 0)) {
    throw new UsageError(`Expected --${name} to be MIN,MAX whole milliseconds with 0 <= MIN <= MAX, got \`${String(value)}\` (${typeof value})`);
  }
  return [low ?? 0, high ?? 0];
}
