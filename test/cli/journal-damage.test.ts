/**
 * Torn and damaged checkpoints, through the CLI. A last line cut short is a write a crash
 * interrupted (its fsync never returned, so its request never left): cut off on resume, and the
 * row sent exactly once. Any other bad line is damage: refused (exit 2) with the line named,
 * and nothing sent.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appendFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { finished, killAllChildren, readResults, sleep, spawnCli } from '../chaos/harness.js';
import { ADDRESS, amountOfRow, CLI, runCli, tempDir, writePayroll } from '../helpers/payroll.js';
import { expectExit } from '../helpers/exit.js';

const KEY = 'journal-damage-key-1c5d';
const INTERVAL = 50;
/** The interval of the run stopped with Ctrl-C after its first row: long, so the signal lands while it waits. */
const SLOW_INTERVAL = 600;
let dir: string;
let sandbox: Sandbox;

beforeEach(async () => {
  dir = tempDir('payout-damage-');
  env = { CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: join(dir, 'state') };
  sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
});
afterEach(async () => {
  killAllChildren();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

const runArgs = (input: string, intervalMs = INTERVAL): string[] => [
  'run',
  input,
  '--base-url',
  sandbox.url,
  '--interval',
  String(intervalMs),
  '--margin',
  '100',
  '--timeout',
  '3000',
  '--yes',
];
let env: NodeJS.ProcessEnv;
const checkpointOf = (input: string): string => input.replace(/\.csv$/, '.checkpoint.jsonl');
const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const paidTimes = (row: number): number =>
  sandbox.ledger().filter((e) => e.processed && e.amount === amountOfRow(row)).length;

/** A run stopped with Ctrl-C right after row 1's outcome is journaled (it is then waiting out the interval). */
async function payFirstRowOnly(input: string): Promise<void> {
  const child = spawnCli(CLI, runArgs(input, SLOW_INTERVAL), env);
  const exit = finished(child);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !readJournalText(input).includes('"type":"outcome"')) await sleep(2);
  child.kill('SIGINT');
  expectExit(
    await exit,
    3,
    /SIGINT: stopping after the request in flight is recorded[\s\S]*Stopped as asked; the request in flight was recorded/,
  );
  const types = lines(checkpointOf(input)).map((l) => (JSON.parse(l) as { type: string }).type);
  expect(types[0]).toBe('header');
  expect(types.filter((t) => t === 'intent' || t === 'outcome')).toEqual(['intent', 'outcome']);
  expect(types.at(-1)).toBe('outcome');
}

function readJournalText(input: string): string {
  try {
    return readFileSync(checkpointOf(input), 'utf8');
  } catch {
    return '';
  }
}

describe('a torn last line', () => {
  it('an intent cut mid-write: cut off on resume, and its row sent exactly once', async () => {
    const input = writePayroll(dir, 3);
    await payFirstRowOnly(input);
    const intent = JSON.stringify({
      type: 'intent',
      row: 2,
      attempt: 1,
      at: Date.now(),
      currency_code: 'USDT_TRC20',
      to_address: ADDRESS.tron,
      amount: amountOfRow(2),
    });
    appendFileSync(checkpointOf(input), intent.slice(0, Math.floor(intent.length / 2)));

    const status = await runCli(['status', input], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/pending\s+2/);

    const resumed = await runCli(runArgs(input), { env });
    expect(resumed.code).toBe(0);
    expect([1, 2, 3].map(paidTimes)).toEqual([1, 1, 1]);
    expect(readResults(input.replace(/\.csv$/, '.results.csv')).map((r) => r.status)).toEqual(['paid', 'paid', 'paid']);
    // The torn bytes are gone: every line is whole JSON, and row 2's intent is its first attempt.
    const entries = lines(checkpointOf(input)).map(
      (l) => JSON.parse(l) as { type: string; row?: number; attempt?: number },
    );
    expect(readFileSync(checkpointOf(input), 'utf8').endsWith('\n')).toBe(true);
    expect(entries.filter((e) => e.type === 'intent' && e.row === 2).map((e) => e.attempt)).toEqual([1]);
  }, 30_000);

  it('the file truncated in the middle of its last line (an outcome): refused as behind the outbox, recovered from it, never re-sent', async () => {
    const input = writePayroll(dir, 2);
    const first = await runCli(runArgs(input), { env });
    expect(first.code).toBe(0);
    const text = readFileSync(checkpointOf(input), 'utf8');
    // Cut the last line (row 2's outcome) in half: the checkpoint lost an answer the outbox kept.
    const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
    truncateSync(checkpointOf(input), lastStart + Math.floor((text.length - lastStart) / 2));

    const again = await runCli(runArgs(input), { env });
    expectExit(again, 2, /records requests for row\(s\) 2 that the checkpoint does not.*Run payout recover /);
    expect(sandbox.ledger()).toHaveLength(2);

    const recovered = await runCli(['recover', input], { env });
    expect(recovered.code).toBe(0);
    expect(recovered.stdout).toMatch(/Added 1 line\(s\) from the outbox .* for row\(s\) 2\./);
    expect(readResults(input.replace(/\.csv$/, '.results.csv')).map((r) => r.status)).toEqual(['paid', 'paid']);
    const last = await runCli(runArgs(input), { env });
    expect(last.code).toBe(0);
    expect(sandbox.ledger()).toHaveLength(2);
    expect(paidTimes(2)).toBe(1);
  }, 30_000);

  it('a header cut mid-write (a crash while creating the checkpoint): started afresh, each row paid once', async () => {
    const input = writePayroll(dir, 2);
    writeFileSync(checkpointOf(input), '{"type":"header","version":1,"input":{"sha');
    const result = await runCli(runArgs(input), { env });
    expect(result.code).toBe(0);
    expect([1, 2].map(paidTimes)).toEqual([1, 1]);
  }, 30_000);
});

describe('a damaged line in the middle', () => {
  it.each([
    ['not JSON', (line: string) => `${line.slice(0, 10)}#garbage#${line.slice(20)}`, 'not a JSON line'],
    ['JSON the tool did not write', () => '{"type":"outcome","row":1}', 'a line the tool did not write'],
    ['an empty line', () => '', 'not a JSON line'],
    [
      'an outcome kind altered',
      (line: string) => line.replace('"accepted"', '"accepteD"'),
      'a line the tool did not write',
    ],
  ])(
    '%s: run, status and resolve refuse it with exit 2 naming the line; nothing sent or written',
    async (_name, damage, why) => {
      const input = writePayroll(dir, 2);
      const first = await runCli(runArgs(input), { env });
      expect(first.code).toBe(0);
      const path = checkpointOf(input);
      const whole = lines(path);
      // Damage row 1's outcome, a line in the middle (row 2's intent and outcome follow it).
      const index = whole.findIndex((l) => l.includes('"type":"outcome"'));
      expect(index).toBeGreaterThan(0);
      expect(index).toBeLessThan(whole.length - 2);
      whole[index] = damage(whole[index] ?? '');
      writeFileSync(path, `${whole.join('\n')}\n`);
      const message = new RegExp(`line ${index + 1} \\(${why}\\)`);
      const before = readFileSync(path, 'utf8');
      const ledgerBefore = sandbox.ledger().length;

      for (const args of [runArgs(input), ['status', input], ['resolve', input, '--row', '1', '--not-paid']]) {
        const result = await runCli(args, { env });
        expectExit(result, 2, message);
        expect(result.stderr).toMatch(/damaged/);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      expect(sandbox.ledger()).toHaveLength(ledgerBefore);
      expect(readFileSync(path, 'utf8')).toBe(before);
    },
    30_000,
  );
});
