/**
 * The command line's contract: exit codes and plain messages, no stack traces.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writePayroll } from '../helpers/payroll.js';
import { expectExit } from '../helpers/exit.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const noStack = (text: string): void => expect(text).not.toMatch(/\n\s+at /);

describe('payout run', () => {
  it.each([
    ['--dry-run=1'],
    ['--dry-run=yes'],
    ['--dryRun=on'],
    ['--sandbox=1'],
    ['--no-dry-run=0'],
    ['--dry-run', '--no-dry-run'],
    ['--dry-run=true', '--dry-run=false'],
  ])('%s %s is refused (exit 2), never read as "off": a dry run that pays', async (...flags) => {
    const input = writePayroll(dir, 1);
    const result = await runCli(
      ['run', input, ...flags, '--base-url', 'http://127.0.0.1:9', '--interval', '50', '--yes'],
      { env: { CRYPTOCLOUD_API_KEY: 'contract-key-1' } },
    );
    expectExit(result, 2, /is on or off: give --(dry-run|sandbox) or --no-|--dry-run is given both on and off/);
    expect(existsSync(join(dir, 'payroll.checkpoint.jsonl'))).toBe(false);
    noStack(result.stderr);
  });

  it('refuses options after `--` (they would be ignored: `-- --dry-run` would pay)', async () => {
    const input = writePayroll(dir, 1);
    const result = await runCli(
      ['run', input, '--base-url', 'http://127.0.0.1:9', '--interval', '50', '--yes', '--', '--dry-run'],
      { env: { CRYPTOCLOUD_API_KEY: 'contract-key-1' } },
    );
    expectExit(result, 2, /payout takes nothing after `--`/);
    expect(existsSync(join(dir, 'payroll.checkpoint.jsonl'))).toBe(false);
  });

  it('takes --dry-run=true as the switch it names', async () => {
    const input = writePayroll(dir, 1);
    const result = await runCli(['run', input, '--dry-run=true']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Dry run: nothing was sent/);
  });

  it('dry run: exit 0 when every row is valid, with the output CSV and no checkpoint', async () => {
    const input = writePayroll(dir, 3);
    const result = await runCli(['run', input, '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/3 row\(s\), 3 valid, 0 invalid/);
    expect(existsSync(join(dir, 'payroll.results.csv'))).toBe(true);
    expect(existsSync(join(dir, 'payroll.checkpoint.jsonl'))).toBe(false);
  });

  it('dry run of an Excel file that starts with sep=;: read with semicolons, written with commas and no sep line', async () => {
    const input = join(dir, 'excel.csv');
    writeFileSync(
      input,
      'sep=;\r\nName;currency_code;to_address;amount\r\nAnn, Lee;USDT_TRC20;TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t;1.5\r\n',
    );
    const result = await runCli(['run', input, '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/1 row\(s\), 1 valid, 0 invalid/);
    const output = readFileSync(join(dir, 'excel.results.csv'), 'utf8').split('\n');
    expect(output[0]).toMatch(/^Name,currency_code,to_address,amount,/);
    expect(output[1]).toMatch(/^"Ann, Lee",USDT_TRC20,TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t,1.5,/);
  });

  it('dry run: exit 1 when a row repeats an earlier one, as a real run refuses it; exit 0 with --allow-duplicates', async () => {
    const input = join(dir, 'p.csv');
    const line = 'USDT_TRC20,TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t,1.5';
    writeFileSync(input, `currency_code,to_address,amount\n${line}\n${line}\n`);
    const refused = await runCli(['run', input, '--dry-run']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /A real run would refuse this: 1 row\(s\) repeat an earlier row's currency, address and amount \(listed above\)\./,
    );
    expect(refused.stderr).toMatch(/row 2 repeats row 1/);
    const allowed = await runCli(['run', input, '--dry-run', '--allow-duplicates']);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).not.toMatch(/A real run would refuse this/);
  });

  it('dry run: exit 1 with invalid rows, each named by row and column', async () => {
    const input = join(dir, 'p.csv');
    writeFileSync(
      input,
      'currency_code,to_address,amount\nUSDT,TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t,1\nUSDT_TRC20,TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t,0\n',
    );
    const result = await runCli(['run', input, '--dry-run']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/row 1, currency_code/);
    expect(result.stderr).toMatch(/row 2, amount/);
    noStack(result.stderr);
  });

  it('maps other header names with --columns and reads decimal commas with --decimal-comma', async () => {
    const input = join(dir, 'p.csv');
    writeFileSync(input, ' Coin ;WALLET;Sum;Name\nUSDT_TRC20;TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t;"12,5";Ann\n');
    const refused = await runCli(['run', input, '--dry-run']);
    expectExit(refused, 2, /currency_code/);
    const plain = await runCli([
      'run',
      input,
      '--dry-run',
      '--columns',
      'currency_code=coin,to_address=Wallet,amount=sum',
    ]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/row 1, amount: .*decimal comma/);
    const comma = await runCli([
      'run',
      input,
      '--dry-run',
      '--columns',
      'currency_code=coin,to_address=Wallet,amount=sum',
      '--decimal-comma',
    ]);
    expect(comma.code).toBe(0);
    expect(comma.stdout).toMatch(/USDT_TRC20 +1 row +12.5/);
  });

  it('an unreadable input is exit 2 with one plain message', async () => {
    const result = await runCli(['run', join(dir, 'missing.csv'), '--dry-run']);
    expectExit(result, 2, /cannot find/);
    noStack(result.stderr);
  });

  it.each([
    [
      'a missing input on a real run',
      (d: string) => ['run', join(d, 'missing.csv'), '--sandbox', '--yes'],
      /cannot find/,
    ],
    [
      'a checkpoint in a folder that does not exist',
      (d: string) => ['run', writePayroll(d, 1), '--sandbox', '--yes', '--checkpoint', join(d, 'no', 'c.jsonl')],
      /folder does not exist/,
    ],
    [
      'an output in a folder that does not exist',
      (d: string) => ['run', writePayroll(d, 1), '--dry-run', '--out', join(d, 'no', 'o.csv')],
      /folder does not exist/,
    ],
  ])('%s is a plain exit 2, not an internal error', async (_name, args, message) => {
    const result = await runCli(args(dir));
    expectExit(result, 2, message);
  });

  it('never shows a key pasted into --base-url', async () => {
    const input = writePayroll(dir, 1);
    const key = 'sk_SECRETKEY_4242';
    const result = await runCli(
      ['run', input, '--yes', '--base-url', `http://127.0.0.1:9/?key=${key}`, '--max-amount', 'USDT_TRC20=0.5'],
      {
        env: { CRYPTOCLOUD_API_KEY: key },
      },
    );
    expectExit(
      result,
      2,
      /the run is refused: 1 USDT_TRC20 row\(s\) pay more than --max-amount USDT_TRC20=0\.5: row 1.*\. Nothing was sent\./,
    );
    expect(result.stdout).toMatch(/About to pay 1 row/);
    expect(`${result.stdout}${result.stderr}`).not.toContain(key);
  });

  it('a real run without a key is exit 2 and sends nothing', async () => {
    const input = writePayroll(dir, 1);
    const result = await runCli(['run', input, '--yes', '--base-url', 'http://127.0.0.1:1']);
    expectExit(result, 2, /CRYPTOCLOUD_API_KEY/);
  });

  it('refuses an interval under 12 s for a remote API', async () => {
    const input = writePayroll(dir, 1);
    const result = await runCli(['run', input, '--yes', '--interval', '1000'], {
      env: { CRYPTOCLOUD_API_KEY: 'k-123456' },
    });
    expectExit(result, 2, /12000/);
  });

  it('a bad option value names it', async () => {
    const input = writePayroll(dir, 1);
    const result = await runCli(['run', input, '--dry-run', '--interval', 'abc']);
    expectExit(result, 2, /--interval .*`abc`/);
  });

  it('refuses to pay without --yes when stdin is not a terminal', async () => {
    const input = writePayroll(dir, 1);
    const result = await runCli(['run', input, '--sandbox', '--interval', '50']);
    expectExit(result, 2, /--yes/);
  });

  it('pays on the in-process sandbox with --sandbox', async () => {
    const input = writePayroll(dir, 2);
    const result = await runCli(['run', input, '--sandbox', '--interval', '50', '--margin', '100', '--yes']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/\[2\/2\] row 2: .* paid INV-/);
  });
});

describe('payout status and resolve', () => {
  it('status is exit 2 without a checkpoint', async () => {
    const input = writePayroll(dir, 1);
    const result = await runCli(['status', input]);
    expectExit(result, 2, /no checkpoint/);
  });

  it('resolve refuses a row that is not unknown', async () => {
    const input = writePayroll(dir, 1);
    await runCli(['run', input, '--sandbox', '--interval', '50', '--yes']);
    const result = await runCli(['resolve', input, '--row', '1', '--not-paid']);
    expectExit(result, 2, /row 1 is paid, not unknown/);
  });

  it('resolve needs exactly one verdict', async () => {
    const input = writePayroll(dir, 1);
    const result = await runCli(['resolve', input, '--row', '1']);
    expectExit(result, 2, /say what the dashboard shows: --paid INV-XXXXXXXX or --not-paid/);
  });
});
