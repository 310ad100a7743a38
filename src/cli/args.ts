/**
 * Checks of option values, with the exact value in the message.
 *
 * Stage cli/: may import commands, pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { UsageError } from '../core/errors.js';

/** A whole number of milliseconds, at least `min`. */
export function parseMs(name: string, value: unknown, min: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(
      `Expected --${name} to be a whole number of milliseconds >= ${min}, got \`${String(value)}\` (${typeof value})`,
    );
  }
  return n;
}

/** A delay range `MIN,MAX` in whole milliseconds (or one number for a fixed delay), 0 <= MIN <= MAX. */
export function parseMsRange(name: string, value: unknown): [number, number] {
  const parts = String(value).split(',');
  const [low, high = low] = parts.map((part) => Number(part.trim()));
  if (
    parts.length > 2 ||
    !Number.isInteger(low) ||
    !Number.isInteger(high) ||
    (low ?? -1) < 0 ||
    (high ?? -1) < (low ?? 0)
  ) {
    throw new UsageError(
      `Expected --${name} to be MIN,MAX whole milliseconds with 0 <= MIN <= MAX, got \`${String(value)}\` (${typeof value})`,
    );
  }
  return [low ?? 0, high ?? 0];
}

/** The on/off options of every command. */
export const SWITCHES = [
  'dry-run',
  'yes',
  'sandbox',
  'skip-invalid',
  'retry-failed',
  'allow-duplicates',
  'decimal-comma',
  'allow-repeat',
  'balance-check',
  'verbose',
  'json',
  'not-paid',
] as const;

/**
 * Refuses what the parser would read silently as something else: a switch given a value other
 * than true or false (`--dry-run=1` would otherwise be read as "off", and a dry run would pay),
 * and words after `--` (`run p.csv -- --dry-run` would pay, ignoring them).
 */
export function checkSwitches(argv: readonly string[]): void {
  const given = new Map<string, boolean>();
  for (const token of argv) {
    if (token === '--') {
      throw new UsageError(
        'payout takes nothing after `--`: give every option before it (a file whose name starts with - can be written ./-name)',
      );
    }
    const match = /^--(no-)?([a-zA-Z-]+)(?:=(.*))?$/s.exec(token);
    // The parser also takes a camel-case spelling (--dryRun).
    const name = match?.[2]?.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (!match || !name || !(SWITCHES as readonly string[]).includes(name)) continue;
    const value = match[3];
    if (value !== undefined && !/^(true|false)$/.test(value)) {
      throw new UsageError(
        `--${name} is on or off: give --${name} or --no-${name} (or =true, =false), not \`${token}\``,
      );
    }
    // The parser lets the last one win: `--dry-run … --no-dry-run` (an alias adding one) would pay.
    const on = (value ?? 'true') === 'true' ? match[1] === undefined : match[1] !== undefined;
    if (given.has(name) && given.get(name) !== on)
      throw new UsageError(`--${name} is given both on and off; give it once`);
    given.set(name, on);
  }
}
