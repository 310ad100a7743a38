/**
 * An unknown row is never sent again by itself, across processes. The built CLI is SIGKILLed
 * while the sandbox (its own process) holds the answer to row 1: the withdrawal was created, but
 * the checkpoint has only its intent. The resumed run must leave row 1 alone (it may be paid),
 * pay the others, and end with exit 3 saying so; the sandbox's ledger is the truth it is checked on.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectExit } from '../helpers/exit.js';
import { CLI } from '../helpers/payroll.js';
import {
  amountOfRow,
  finished,
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

const INTERVAL = 100;
/** How long the sandbox holds each answer: the kill lands well inside it. */
const LATENCY = 600;
const KEY = 'unknown-resume-key-5a2c';
let dir: string;
let env: NodeJS.ProcessEnv;
let sandbox: SandboxProcess;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payout-unknown-resume-'));
  env = { CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: join(dir, 'state') };
  sandbox = await startSandboxProcess({
    cli: CLI,
    ledgerFile: join(dir, 'ledger.jsonl'),
    intervalMs: INTERVAL,
    latencyMs: [LATENCY, LATENCY],
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
  '5000',
  '--yes',
];
/** Requests for row i's amount that reached the sandbox, and those of them it processed. */
const arrivalsOf = (row: number): number =>
  sandbox.ledger().filter((e) => e.amount === sentAmount(amountOfRow(row))).length;
const paidTimes = (row: number): number =>
  sandbox.ledger().filter((e) => e.processed && e.amount === sentAmount(amountOfRow(row))).length;

describe('a checkpoint with an unknown row left in it', () => {
  it('the resumed run never sends that row again: it stays unknown, the others are paid, exit 3', async () => {
    const input = writePayroll(dir, 3);
    const checkpoint = input.replace(/\.csv$/, '.checkpoint.jsonl');

    // Killed once row 1's request has reached the sandbox (its ledger line is written on arrival)
    // and while its answer is held: the checkpoint ends with row 1's intent and no outcome.
    const child = spawnCli(CLI, runArgs(input), env);
    const exit = finished(child);
    const deadline = Date.now() + 15_000;
    while (child.exitCode === null && arrivalsOf(1) === 0 && Date.now() < deadline) await sleep(1);
    child.kill('SIGKILL');
    expect((await exit).signal).toBe('SIGKILL');
    await sandbox.settle();
    expect(sandbox.ledger()).toHaveLength(1);
    expect(paidTimes(1)).toBe(1);
    const journal = readJournal(checkpoint);
    expect(journal.at(-1)).toMatchObject({ type: 'intent', row: 1 });
    expect(journal.some((e) => e.type === 'outcome')).toBe(false);

    const resumed = await runCliProcess(CLI, runArgs(input), env);
    await sandbox.settle();
    expectExit(resumed, 3, /row 2: .* paid INV-[\s\S]*row 3: .* paid INV-/);
    expectExit(
      resumed,
      3,
      /1 row\(s\) are unknown: they may or may not be paid, and are never sent again by themselves/,
      'stdout',
    );
    expect(resumed.stderr).not.toMatch(/row 1: /);

    // The ledger: row 1 arrived once (the killed run's request), rows 2 and 3 once each.
    expect([1, 2, 3].map(arrivalsOf)).toEqual([1, 1, 1]);
    expect([1, 2, 3].map(paidTimes)).toEqual([1, 1, 1]);
    expect(readResults(input.replace(/\.csv$/, '.results.csv')).map((r) => r.status)).toEqual([
      'unknown',
      'paid',
      'paid',
    ]);
    // Nor does the checkpoint record a second attempt at row 1.
    expect(readJournal(checkpoint).filter((e) => e.type === 'intent' && e.row === 1)).toHaveLength(1);
  }, 40_000);
});
