/**
 * Two processes, one checkpoint: `payout run` started twice at once on the same input, many
 * times. Exactly one proceeds; the other exits 2 naming the lock and the run that holds it;
 * nothing is paid twice (the sandbox's own ledger, in its own process, says so).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/payroll.js';
import { expectExit } from '../helpers/exit.js';
import {
  amountOfRow,
  doublePayments,
  finished,
  gapViolations,
  killAllChildren,
  readResults,
  sentAmount,
  spawnCli,
  startSandboxProcess,
  writePayroll,
  type Finished,
  type SandboxProcess,
} from './harness.js';

const ITERATIONS = Number(process.env.TWO_RUNS_ITERATIONS ?? 10);
const ROWS = 4;
const INTERVAL = 50;
const KEY = 'two-runs-key-77c1';

let root: string;
let sandbox: SandboxProcess;

// Each answer takes 150 ms, so the run that gets the lock holds it for well over half a second:
// the other, started in the same tick, meets it even on a loaded machine.
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'payout-two-runs-'));
  sandbox = await startSandboxProcess({
    cli: CLI,
    ledgerFile: join(root, 'ledger.jsonl'),
    intervalMs: INTERVAL,
    latencyMs: [150, 150],
  });
});
afterEach(() => killAllChildren());
afterAll(async () => {
  await sandbox.close();
  killAllChildren({ sandboxes: true });
  rmSync(root, { recursive: true, force: true });
});

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

/** Starts `count` runs of the same input in the same tick and waits for all of them. */
function runAtOnce(input: string, count: number): Promise<Finished[]> {
  const env = { CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: join(root, 'state') };
  const children = Array.from({ length: count }, () => spawnCli(CLI, runArgs(input), env));
  return Promise.all(children.map((child) => finished(child)));
}

/** Each iteration pays a payroll whose amounts no other iteration uses (2.000001…, 3.000001…), so the shared ledger tells them apart. */
function payrollFor(iteration: number): { input: string; amounts: string[] } {
  const whole = iteration + 2;
  const input = writePayroll(mkdtempSync(join(root, `i${iteration}-`)), ROWS, whole);
  return { input, amounts: Array.from({ length: ROWS }, (_, i) => sentAmount(amountOfRow(i + 1, whole))) };
}

function expectOneProceededOneRefused(results: Finished[], input: string, amounts: string[]): void {
  const codes = results.map((r) => r.code).sort();
  if (codes.join() !== '0,2')
    throw new Error(`exit codes ${codes.join(', ')}:\n${results.map((r) => r.stderr).join('\n---\n')}`);
  const refused = results.find((r) => r.code === 2);
  expectExit(
    refused ?? { code: null, stderr: '' },
    2,
    /another payout command \(pid \d+ on .+\) is using the checkpoint .*checkpoint\.jsonl/,
  );
  expect(refused?.stderr).toMatch(/\.lock/);
  expect(readResults(input.replace(/\.csv$/, '.results.csv')).map((r) => r.status)).toEqual(Array(ROWS).fill('paid'));
  const ledger = sandbox.ledger().filter((e) => e.amount !== undefined && amounts.includes(e.amount));
  for (const amount of amounts) expect(ledger.filter((e) => e.processed && e.amount === amount)).toHaveLength(1);
}

describe('two runs of the same input at once', () => {
  it(`exactly one proceeds, the other exits 2 naming the lock (${ITERATIONS} times)`, async () => {
    for (let i = 0; i < ITERATIONS; i += 1) {
      const { input, amounts } = payrollFor(i);
      const results = await runAtOnce(input, 2);
      expectOneProceededOneRefused(results, input, amounts);
    }
    expect(doublePayments(sandbox.ledger())).toEqual([]);
    expect(gapViolations(sandbox.ledger(), INTERVAL, await sandbox.balanceArrivals())).toEqual([]);
  }, 120_000);

  it('with a stale lock left by a killed run: still exactly one takes it over', async () => {
    for (let i = 0; i < Math.ceil(ITERATIONS / 3); i += 1) {
      const { input, amounts } = payrollFor(100 + i);
      // A lock whose owner is dead (a pid that cannot run: above the kernel's maximum).
      const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const lock = { pid: 2 ** 22 + 1, host: hostname(), bootId, token: 'dead0wner' };
      writeFileSync(`${input.replace(/\.csv$/, '.checkpoint.jsonl')}.lock`, JSON.stringify(lock));
      const results = await runAtOnce(input, 2);
      expectOneProceededOneRefused(results, input, amounts);
    }
    expect(doublePayments(sandbox.ledger())).toEqual([]);
  }, 120_000);
});
