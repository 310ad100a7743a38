/**
 * Sandbox options checked and completed with defaults. A bad option is refused at start with
 * the exact value, so a typo never becomes a silently different emulator.
 *
 * Stage sandbox/: may import journal, csv, validate, api, schedule, core (.dependency-cruiser.cjs).
 */
import { CURRENCIES, findCurrency } from '../core/currencies.js';
import { parseDecimal, toMinorUnits } from '../core/money.js';
import { BALANCE_ANSWERS, type BalanceAnswerStyle, type SandboxOptions } from './types.js';

/** The options with every default filled in and balances in minor units. */
export interface SandboxConfig {
  port: number;
  host: string;
  apiKey: string | undefined;
  intervalMs: number;
  rateLimitStyle: '400' | '429';
  /** Per currency code, in the currency's minor units. */
  balances: Map<string, bigint>;
  latencyMs: [number, number];
  successShape: 'documented' | 'invoice_id' | 'data' | 'rotate';
  ledgerFile: string | undefined;
  balanceAnswer: BalanceAnswerStyle;
}

/** The balance of every currency the options do not name: generous, so only tests that mean to run dry do. */
export const DEFAULT_BALANCE = '1000000';

/** The real API's minimum gap between two create requests. */
export const DEFAULT_INTERVAL_MS = 12_000;

/** Checks the options; throws a TypeError or RangeError that quotes the bad value. */
export function resolveSandboxOptions(options: SandboxOptions): SandboxConfig {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('port', 'an integer from 0 to 65535', port);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') fail('host', 'a non-empty string', host);
  const { apiKey } = options;
  if (apiKey !== undefined && (typeof apiKey !== 'string' || !/^\S+$/.test(apiKey))) {
    // Never quote a key, even a bad one.
    throw new TypeError('Expected `apiKey` to be a non-empty string without spaces');
  }
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 0) {
    fail('intervalMs', 'a finite number >= 0', intervalMs);
  }
  const rateLimitStyle = options.rateLimitStyle ?? '400';
  if (rateLimitStyle !== '400' && rateLimitStyle !== '429') fail('rateLimitStyle', "'400' or '429'", rateLimitStyle);
  const latencyMs = options.latencyMs ?? [0, 0];
  const [low, high] = Array.isArray(latencyMs) ? latencyMs : [];
  if (
    !Array.isArray(latencyMs) ||
    latencyMs.length !== 2 ||
    typeof low !== 'number' ||
    typeof high !== 'number' ||
    !Number.isFinite(low) ||
    !Number.isFinite(high) ||
    low < 0 ||
    high < low
  ) {
    fail('latencyMs', 'a pair [min, max] of finite numbers with 0 <= min <= max', latencyMs);
  }
  const successShape = options.successShape ?? 'rotate';
  if (!['documented', 'invoice_id', 'data', 'rotate'].includes(successShape)) {
    fail('successShape', "'documented', 'invoice_id', 'data' or 'rotate'", successShape);
  }
  const { ledgerFile } = options;
  if (ledgerFile !== undefined && (typeof ledgerFile !== 'string' || ledgerFile === '')) {
    fail('ledgerFile', 'a non-empty path', ledgerFile);
  }
  const balanceAnswer = options.balanceAnswer ?? 'normal';
  if (!BALANCE_ANSWERS.includes(balanceAnswer))
    fail('balanceAnswer', BALANCE_ANSWERS.map((a) => `'${a}'`).join(', '), balanceAnswer);
  return {
    port,
    host,
    apiKey,
    intervalMs,
    rateLimitStyle,
    balances: resolveBalances(options.balances ?? {}),
    latencyMs: [low ?? 0, high ?? 0],
    successShape,
    ledgerFile,
    balanceAnswer,
  };
}

function resolveBalances(given: Record<string, string>): Map<string, bigint> {
  if (typeof given !== 'object' || given === null)
    fail('balances', 'an object of currency code to decimal string', given);
  const balances = new Map<string, bigint>();
  for (const currency of CURRENCIES.values()) {
    balances.set(
      currency.code,
      toMinorUnits(parseDecimal(DEFAULT_BALANCE) ?? { integer: '0', fraction: '' }, currency.decimals),
    );
  }
  for (const [code, text] of Object.entries(given)) {
    const currency = findCurrency(code);
    if (!currency) throw new RangeError(`Expected \`balances\` to name known currency codes, got \`${code}\``);
    const parts = typeof text === 'string' ? parseDecimal(text) : undefined;
    if (!parts || parts.fraction.length > currency.decimals) {
      fail(`balances.${code}`, `a plain decimal string with at most ${currency.decimals} decimals`, text);
    }
    balances.set(code, toMinorUnits(parts, currency.decimals));
  }
  return balances;
}

function fail(name: string, expected: string, value: unknown): never {
  const shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  throw new TypeError(
    `Expected \`${name}\` to be ${expected}, got \`${shown}\` (${Array.isArray(value) ? 'array' : typeof value})`,
  );
}
