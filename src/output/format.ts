/**
 * Words and figures for the operator.
 *
 * Stage output/: may import ledger, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import type { CurrencyTotals } from './totals.js';

/** "2h 03m", "4m 12s", "9s". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Lines like "  USDT_TRC20   3 rows   1250.5". */
export function formatTotals(totals: CurrencyTotals, indent = '  '): string[] {
  const entries = totals.entries();
  const width = Math.max(0, ...entries.map((e) => e.currency.length));
  return entries.map(
    (e) =>
      `${indent}${e.currency.padEnd(width)}  ${String(e.count).padStart(6)} row${e.count === 1 ? ' ' : 's'}  ${e.total}`,
  );
}

/** How long sending `rows` requests takes at the pace, at most. */
export function estimateMs(rows: number, intervalMs: number, marginMs: number): number {
  return rows <= 0 ? 0 : (rows - 1) * (intervalMs + marginMs) + marginMs;
}

/** Shortens an address for a log line: "TR7NHq…jLj6t". */
export function shortAddress(address: string): string {
  return address.length > 16 ? `${address.slice(0, 8)}…${address.slice(-6)}` : address;
}
