/**
 * Crash safety with real processes: the built CLI, killed with SIGKILL while a request is in
 * flight, resumed, its unknown rows resolved from the sandbox's truth; nothing paid twice.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { amountOfRow, CLI, runCli, tempDir, writePayroll } from '../helpers/payroll.js';
import { expectExit } from '../helpers/exit.js';

const KEY = 'crash-test-key-91b2';
const INTERVAL = 80;
let dir: string;
let sandbox: Sandbox;

beforeEach(async () => {
  dir = tempDir();
  // Latency keeps each request in flight long enough to be killed in the middle of it.
  sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY, latencyMs: [60, 90] });
});
afterEach(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The key, and one payment history for every run of a test (a resumed run must not be refused by its own payments). */
function runEnv(): NodeJS.ProcessEnv {
  return { CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: join(dir, 'state') };
}

function runArgs(input: string): string[] {
  return [
    'run',
    input,
    '--base-url',
    sandbox.url,
    '--interval',
    String(INTERVAL),
    '--margin',
    '100',
    '--timeout',
    '3000',
    '--yes',
  ];
}

/** Starts a run and kills it with `signal` as soon as the sandbox has seen `arrivals` requests in all. */
async function runUntilArrivals(
  input: string,
  arrivals: number,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...runArgs(input)], {
    env: { ...process.env, ...runEnv() },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  let done = false;
  void exited.then(() => (done = true));
  while (!done && sandbox.ledger().length < arrivals) await new Promise((r) => setTimeout(r, 2));
  if (!done) child.kill(signal);
  return exited;
}

function outputStatuses(input: string): string[] {
  const rows = parse(readFileSync(input.replace(/\.csv$/, '.results.csv')), { columns: true }) as Array<
    Record<string, string>
  >;
  return rows.map((r) => r.status ?? '');
}

/** Settles every unknown row from the sandbox's ledger: paid if a withdrawal for its amount was created. */
async function resolveFromLedger(input: string, rows: number): Promise<void> {
  const statuses = outputStatuses(input);
  for (let i = 1; i <= rows; i += 1) {
    if (statuses[i - 1] !== 'unknown') continue;
    const created = sandbox.ledger().find((e) => e.processed && e.amount === amountOfRow(i));
    const verdict = created?.invoiceId ? ['--paid', created.invoiceId] : ['--not-paid'];
    const result = await runCli(['resolve', input, '--row', String(i), ...verdict]);
    expect(result.code).toBe(0);
  }
}

describe('kill -9 in the middle of a request', () => {
  it('never pays a row twice, and every row ends paid', async () => {
    const rows = 6;
    const input = writePayroll(dir, rows);
    // Kill right after the 2nd and the 4th arrivals: each time a request is in flight.
    for (const arrivals of [2, 4]) {
      const { code } = await runUntilArrivals(input, arrivals, 'SIGKILL');
      expect(code).toBeNull();
      const status = await runCli(['status', input]);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/unknown\s+1/);
      await resolveFromLedger(input, rows);
    }
    const last = await runCli(runArgs(input), { env: runEnv() });
    expect(last.code).toBe(0);
    expect(outputStatuses(input)).toEqual(Array(rows).fill('paid'));

    const created = sandbox.ledger().filter((e) => e.processed);
    expect(created.map((e) => e.amount).sort()).toEqual(Array.from({ length: rows }, (_, i) => amountOfRow(i + 1)));
    const arrivals = sandbox.ledger().map((e) => e.arrivedAt);
    for (let i = 1; i < arrivals.length; i += 1)
      expect((arrivals[i] ?? 0) - (arrivals[i - 1] ?? 0)).toBeGreaterThanOrEqual(INTERVAL);
  });
});

describe('SIGINT', () => {
  it('lets the request in flight finish, records it, and exits 3', async () => {
    const input = writePayroll(dir, 4);
    const stopped = await runUntilArrivals(input, 2, 'SIGINT');
    expectExit(stopped, 3, /SIGINT: stopping after the request in flight is recorded/);
    const statuses = outputStatuses(input);
    expect(statuses.slice(0, 2)).toEqual(['paid', 'paid']);
    expect(statuses).not.toContain('unknown');
    expect(sandbox.ledger().filter((e) => e.processed)).toHaveLength(2);
  });
});
