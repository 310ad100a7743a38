/**
 * The gap across a kill -9 and a restart. In the chaos run the interval (50 ms) is shorter than
 * a restart (~400 ms), so it cannot tell whether a new process keeps the gap from the journal.
 * Here the interval (0.8 s) is longer than a restart: the restarted run must wait, from the
 * journal alone, until the interval has passed since the killed run's last request arrived.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/payroll.js';
import { expectExit } from '../helpers/exit.js';
import {
  doublePayments,
  finished,
  gapViolations,
  killAllChildren,
  readJournal,
  readResults,
  runCliProcess,
  sentAmount,
  sleep,
  spawnCli,
  startSandboxProcess,
  writePayroll,
  type SandboxProcess,
} from './harness.js';

const INTERVAL = 800;
const KEY = 'restart-gap-key-3e9f';
let dir: string;
let sandbox: SandboxProcess;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payout-restart-gap-'));
  env = { CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: join(dir, 'state') };
  sandbox = await startSandboxProcess({
    cli: CLI,
    ledgerFile: join(dir, 'ledger.jsonl'),
    intervalMs: INTERVAL,
    latencyMs: [200, 200],
  });
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
  '3000',
  '--yes',
];
let env: NodeJS.ProcessEnv;

/** Starts a run and SIGKILLs it the moment `when` holds (polled every millisecond, bounded). */
async function killWhen(input: string, when: () => boolean): Promise<void> {
  const child = spawnCli(CLI, runArgs(input), env);
  const exit = finished(child);
  const deadline = Date.now() + 15_000;
  while (child.exitCode === null && !when() && Date.now() < deadline) await sleep(1);
  child.kill('SIGKILL');
  expect((await exit).signal).toBe('SIGKILL');
}

/** Runs again until done, settling an unknown row from the ledger as an operator would. */
async function finish(input: string): Promise<void> {
  for (let pass = 0; pass < 3; pass += 1) {
    const result = await runCliProcess(CLI, runArgs(input), env);
    if (result.code === 0) return;
    expectExit(
      result,
      3,
      /row\(s\) are unknown: they may or may not be paid, and are never sent again by themselves/,
      'stdout',
    );
    for (const [index, row] of readResults(input.replace(/\.csv$/, '.results.csv')).entries()) {
      if (row.status !== 'unknown') continue;
      const created = sandbox.ledger().find((e) => e.processed && e.amount === sentAmount(row.amount ?? ''));
      const verdict = created?.invoiceId ? ['--paid', created.invoiceId] : ['--not-paid'];
      expect((await runCliProcess(CLI, ['resolve', input, '--row', String(index + 1), ...verdict], env)).code).toBe(0);
    }
  }
  throw new Error('not done after three runs');
}

describe('the first request after a restart keeps the gap from the journal', () => {
  it('when the killed run had a request in flight (an intent without its outcome)', async () => {
    const input = writePayroll(dir, 3);
    // The answer takes 200 ms: killed right after the request arrived, its outcome is never journaled.
    await killWhen(input, () => sandbox.ledger().length >= 1);
    const journal = readJournal(input.replace(/\.csv$/, '.checkpoint.jsonl'));
    expect(journal.at(-1)?.type).toBe('intent');
    await finish(input);
    const ledger = sandbox.ledger();
    expect(ledger.length).toBeGreaterThanOrEqual(3);
    // Balance queries count too: the restarted run's first request is one.
    expect(gapViolations(ledger, INTERVAL, await sandbox.balanceArrivals())).toEqual([]);
    expect(doublePayments(ledger)).toEqual([]);
    expect(ledger.filter((e) => e.processed)).toHaveLength(3);
  }, 30_000);

  it('when the killed run had just journaled an outcome', async () => {
    const input = writePayroll(dir, 3);
    const checkpoint = input.replace(/\.csv$/, '.checkpoint.jsonl');
    await killWhen(input, () => readJournal(checkpoint).some((line) => line.type === 'outcome'));
    expect(sandbox.ledger()).toHaveLength(1);
    await finish(input);
    const ledger = sandbox.ledger();
    expect(gapViolations(ledger, INTERVAL, await sandbox.balanceArrivals())).toEqual([]);
    expect(doublePayments(ledger)).toEqual([]);
    expect(ledger.filter((e) => e.processed)).toHaveLength(3);
  }, 30_000);
});
