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
