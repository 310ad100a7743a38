/**
 * Signals, through the built CLI. One Ctrl-C (or SIGTERM) lets the request in flight finish and
 * records it (exit 3). A second Ctrl-C stops at once (exit 3): the journal stays consistent
 * (`status` reads it), the request in flight shows as unknown, and after it is resolved a new
 * run completes without paying anything twice.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { finished, killAllChildren, readResults, sleep, spawnCli, type Finished } from '../chaos/harness.js';
import { amountOfRow, CLI, runCli, tempDir, writePayroll } from '../helpers/payroll.js';
import { expectExit } from '../helpers/exit.js';

const KEY = 'signals-key-6f4a';
const INTERVAL = 50;
/** Each answer takes this long, so a signal can land while a request is in flight. */
/** How long the sandbox takes to answer: long enough that "at once" stays well short of it under load. */
const LATENCY = 1500;
let dir: string;
let sandbox: Sandbox;

beforeEach(async () => {
  dir = tempDir('payout-signals-');
  env = { CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: join(dir, 'state') };
  sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY, latencyMs: [LATENCY, LATENCY] });
});
afterEach(async () => {
  killAllChildren();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

const runArgs = (input: string): string[] => [
  'run',
  input,
  '--base-url',
  sandbox.url,
  '--interval',
  String(INTERVAL),
  '--margin',
  '100',
  '--timeout',
  '5000',
  '--yes',
];
let env: NodeJS.ProcessEnv;
const statuses = (input: string): string[] =>
  readResults(input.replace(/\.csv$/, '.results.csv')).map((r) => r.status ?? '');
const paidTimes = (row: number): number =>
  sandbox.ledger().filter((e) => e.processed && e.amount === amountOfRow(row)).length;

/** Starts a run; once the sandbox has seen its first request (now in flight), sends `signals` spaced by `gapMs`. */
async function signalInFlight(
  input: string,
  signals: NodeJS.Signals[],
  gapMs = 30,
): Promise<Finished & { lastSignalToExitMs: number }> {
  const child = spawnCli(CLI, runArgs(input), env);
  const exit = finished(child);
  const deadline = Date.now() + 15_000;
  while (sandbox.ledger().length < 1 && child.exitCode === null && Date.now() < deadline) await sleep(1);
  let last = 0;
  for (const [i, signal] of signals.entries()) {
    if (i > 0) await sleep(gapMs);
    child.kill(signal);
    last = Date.now();
  }
  const result = await exit;
  return { ...result, lastSignalToExitMs: Date.now() - last };
}

describe('one signal', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s during a request: the outcome is recorded, the rest left pending, exit 3',
    async (signal) => {
      const input = writePayroll(dir, 3);
      const result = await signalInFlight(input, [signal]);
      expectExit(result, 3, new RegExp(`${signal}: stopping after the request in flight is recorded`));
      // It waited for the answer (1.5 s) rather than leaving the row unknown.
      expect(statuses(input)).toEqual(['paid', 'pending', 'pending']);
      expect(sandbox.ledger()).toHaveLength(1);
    },
    30_000,
  );
});

describe('a second Ctrl-C', () => {
  it('exits at once (exit 3); the journal stays consistent; a later run pays nothing twice', async () => {
    const input = writePayroll(dir, 3);
    const result = await signalInFlight(input, ['SIGINT', 'SIGINT']);
    expectExit(result, 3, /SIGINT again: stopping at once/);
    // At once: well before the answer in flight (1.5 s) could have come back; a loaded machine
    // took 564 ms to exit where an idle one takes about 100.
    expect(result.lastSignalToExitMs).toBeLessThan(LATENCY - 500);

    // The journal reads (the dead run's lock is taken over); the request in flight is unknown.
    const status = await runCli(['status', input], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/unknown\s+1/);
    expect(status.stdout).toMatch(/pending\s+2/);
    expect(statuses(input)).toEqual(['unknown', 'pending', 'pending']);

    // A run leaves the unknown row alone and pays the others.
    const next = await runCli(runArgs(input), { env });
    expectExit(next, 3, /row 2: .* paid INV-[\s\S]*row 3: .* paid INV-/);
    expectExit(
      next,
      3,
      /1 row\(s\) are unknown: they may or may not be paid, and are never sent again by themselves/,
      'stdout',
    );
    expect(statuses(input)).toEqual(['unknown', 'paid', 'paid']);
    expect(paidTimes(1)).toBe(1);

    // Settled from the sandbox's truth (it processed the request before answering late).
    const created = sandbox.ledger().find((e) => e.processed && e.amount === amountOfRow(1));
    expect(created?.invoiceId).toBeDefined();
    expect((await runCli(['resolve', input, '--row', '1', '--paid', created?.invoiceId ?? ''], { env })).code).toBe(0);
    const last = await runCli(runArgs(input), { env });
    expect(last.code).toBe(0);
    expect(statuses(input)).toEqual(['paid', 'paid', 'paid']);
    expect([1, 2, 3].map(paidTimes)).toEqual([1, 1, 1]);
    expect(sandbox.ledger()).toHaveLength(3);
  }, 30_000);

  it('a reader that goes away (`| head`) does not stop a run: it pays every row once and exits 0', async () => {
    const input = writePayroll(dir, 3);
    const child = spawnCli(CLI, runArgs(input), env);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    // Like `head -1`: read the first bytes, then close the pipe.
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    child.stdout?.destroy();
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(code).toBe(0);
    expect([1, 2, 3].map(paidTimes)).toEqual([1, 1, 1]);
    expect(statuses(input)).toEqual(['paid', 'paid', 'paid']);
  });
});
