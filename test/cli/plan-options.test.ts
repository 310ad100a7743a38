/**
 * The plan's options on the command line: caps and control totals, --allow-repeat, --history-dir,
 * --no-balance-check. Bad values are exit 2 with the exact value; breaches refuse with nothing sent.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runCli, tempDir, writePayroll } from '../helpers/payroll.js';
import { expectExit } from '../helpers/exit.js';

const KEY = 'cli-plan-key-6d1f0b';
let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('option values', () => {
  it.each<[string[], RegExp]>([
    [['--max-amount', 'USDT=5'], /--max-amount `USDT=5`: USDT is not one of the API's currency codes/],
    [['--max-total', 'USDT_TRC20=1,5'], /--max-total `USDT_TRC20=1,5`: 1,5 is not a plain decimal/],
    [['--max-amount', '500'], /--max-amount `500`: write it as CURRENCY=AMOUNT/],
    [['--expect-count', 'x'], /--expect-count to be a whole number >= 0, got `x`/],
    [['--expect-total', 'BTC=0.000000001'], /--expect-total `BTC=0.000000001`: BTC has 8 decimals/],
    [['--max-amount', 'BTC=1', '--max-amount', 'BTC=2'], /BTC is given twice/],
  ])('%j is exit 2 with a plain message', async (extra, message) => {
    const input = writePayroll(dir, 1);
    const result = await runCli(['run', input, '--dry-run', ...extra]);
    expectExit(result, 2, message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('takes repeated caps, and a dry run that breaches one exits 1 naming the row', async () => {
    const input = writePayroll(dir, 2);
    const result = await runCli([
      'run',
      input,
      '--dry-run',
      '--max-amount',
      'BTC=1',
      '--max-amount',
      'USDT_TRC20=1.000001',
      '--expect-count',
      '2',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /Caps and control totals: --max-amount BTC=1, --max-amount USDT_TRC20=1\.000001, --expect-count 2: 1 breach/,
    );
    expect(result.stderr).toMatch(
      /A real run would refuse this: 1 USDT_TRC20 row\(s\) pay more than --max-amount USDT_TRC20=1\.000001: row 2 \(1\.000002\)/,
    );
  });

  it('a real run that breaches a control total is refused (exit 2), even with --yes', async () => {
    const input = writePayroll(dir, 2);
    const result = await runCli(['run', input, '--sandbox', '--interval', '50', '--yes', '--expect-count', '3']);
    expectExit(
      result,
      2,
      /the run is refused: the file has 2 valid row\(s\), but --expect-count says 3.*\. Nothing was sent\./,
    );
    expect(existsSync(join(dir, 'payroll.checkpoint.jsonl'))).toBe(false);
  });
});

describe('history and balance through the CLI', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ intervalMs: 50, apiKey: KEY });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  const args = (input: string, ...extra: string[]): string[] => [
    'run',
    input,
    '--base-url',
    sandbox.url,
    '--interval',
    '50',
    '--margin',
    '50',
    '--yes',
    ...extra,
  ];

  it('keeps the history in --history-dir, refuses a repeat unless --allow-repeat, and skips the balance with --no-balance-check', async () => {
    const historyDir = join(dir, 'state');
    const env = { CRYPTOCLOUD_API_KEY: KEY };
    const first = await runCli(args(writePayroll(dir, 2, 'oct.csv'), '--history-dir', historyDir), { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Balance:\n +USDT_TRC20 +2\.000003 to pay, 1000000 available\n/);
    const outbox = readFileSync(join(historyDir, 'outbox.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { t: string });
    expect(outbox.filter((line) => line.t === 'intent')).toHaveLength(2);
    expect(outbox.filter((line) => line.t === 'outcome')).toHaveLength(2);

    const nov = writePayroll(dir, 3, 'nov.csv');
    const refused = await runCli(args(nov, '--history-dir', historyDir), { env });
    expectExit(
      refused,
      2,
      /2 row\(s\) match payments made on \d{4}-\d\d-\d\d from oct\.csv \(rows 1, 2; row 1 was sent at \d\d:\d\d:\d\d UTC as its row 1, paid\)\. Give --allow-repeat/,
    );
    expect(sandbox.ledger()).toHaveLength(2);

    // Elsewhere (the helper's own fresh state folder) there is no such history.
    const elsewhere = await runCli(args(nov, '--dry-run'), { env });
    expect(elsewhere.stdout).toMatch(/History: no row repeats/);

    const allowed = await runCli(args(nov, '--history-dir', historyDir, '--allow-repeat', '--no-balance-check'), {
      env,
    });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/Balance: not checked \(--no-balance-check\)\./);
    expect(sandbox.ledger()).toHaveLength(5);
    expect(sandbox.balanceLedger()).toHaveLength(1);
  });

  it('lists the new options in --help', async () => {
    const help = await runCli(['run', '--help']);
    for (const option of [
      '--max-amount',
      '--max-total',
      '--expect-count',
      '--expect-total',
      '--allow-repeat',
      '--balance-check',
      '--history-dir',
    ]) {
      expect(help.stdout).toContain(option);
    }
  });
});
