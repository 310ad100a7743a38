/**
 * The machine's outbox against an operator's ordinary moves, with real `payout` processes and
 * the sandbox in its own process: a copy of the payroll run twice at once, kill -9 with a
 * withdrawal in flight and then a fresh start, a checkpoint restored from a backup, --columns
 * changed between runs, two payrolls at once, torn last lines in the history and the outbox, and
 * a lock left from another boot. Each ends with no row paid twice, none paid from another column,
 * and the gap held across processes (the sandbox's own ledger says so).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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
  readJournal,
  readResults,
  runCliProcess,
  sentAmount,
  sleep,
  spawnCli,
  startSandboxProcess,
  TRON_ADDRESS,
  writePayroll,
  type Finished,
  type SandboxProcess,
} from './harness.js';

const KEY = 'outbox-key-5b1e';

let root: string;
let state: string;
let sandbox: SandboxProcess | undefined;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'payout-outbox-'));
  state = join(root, 'state');
});
afterEach(async () => {
  killAllChildren();
  await sandbox?.close();
  sandbox = undefined;
  rmSync(root, { recursive: true, force: true });
});

async function useSandbox(intervalMs: number, latencyMs: [number, number] = [0, 0]): Promise<SandboxProcess> {
  sandbox = await startSandboxProcess({ cli: CLI, ledgerFile: join(root, 'ledger.jsonl'), intervalMs, latencyMs });
  return sandbox;
}

const env = (): NodeJS.ProcessEnv => ({ CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: state });

function runArgs(input: string, intervalMs: number, ...extra: string[]): string[] {
  const url = sandbox?.url ?? '';
  return [
    'run',
    input,
    '--base-url',
    url,
    '--interval',
    String(intervalMs),
    '--margin',
    // Sized for a loaded machine: a request's arrival can lag its start by more than 50 ms there.
    '150',
    '--timeout',
    '10000',
    '--yes',
    ...extra,
  ];
}

function payout(args: string[]): Promise<Finished> {
  return runCliProcess(CLI, args, env(), 60_000);
}

/** How many withdrawals of `amount` the sandbox made. */
function paidTimes(amount: string): number {
  return (sandbox?.ledger() ?? []).filter((e) => e.processed && e.amount === sentAmount(amount)).length;
}

async function until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

function payrollIn(name: string, rows: number, whole: number): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return writePayroll(dir, rows, whole);
}

function checkpointOf(input: string): string {
  return input.replace(/\.csv$/, '.checkpoint.jsonl');
}

function outboxLines(): Array<Record<string, unknown>> {
  return readFileSync(join(state, 'outbox.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('1. a copy of the payroll, run twice at once', () => {
  it('pays every row once: the second run refuses or stops before each row the first paid, and the gap holds', async () => {
    await useSandbox(100, [150, 150]);
    for (let i = 0; i < 3; i += 1) {
      const input = payrollIn(`copy-${i}`, 3, 2 + i);
      const copy = input.replace(/payroll\.csv$/, 'payroll-copy.csv');
      copyFileSync(input, copy);
      const results = await Promise.all(
        [input, copy].map((file) => finished(spawnCli(CLI, runArgs(file, 100), env()))),
      );
      const codes = results.map((r) => r.code).sort();
      const other = results.find((r) => r.code !== 0);
      if (codes[0] !== 0 || !other || ![2, 3].includes(other.code ?? -1)) {
        throw new Error(`exit codes ${codes.join(', ')}:\n${results.map((r) => r.stderr).join('\n---\n')}`);
      }
      expect(other.stderr).toMatch(
        /match payments made on .* from payroll(-copy)?\.csv|repeats the payment of .* this machine sent at .* from payroll(-copy)?\.csv \(row 1; (in flight|paid)\); not sent/,
      );
      expect(other.stderr).not.toMatch(/internal error/i);
      for (const row of [1, 2, 3]) expect(paidTimes(amountOfRow(row, 2 + i))).toBe(1);
    }
    const ledger = sandbox?.ledger() ?? [];
    expect(doublePayments(ledger)).toEqual([]);
    expect(gapViolations(ledger, 100, await sandbox?.balanceArrivals())).toEqual([]);
  }, 120_000);
});

describe('2. kill -9 with a withdrawal in flight, then start over', () => {
  it('the fresh start refuses the row in flight (it may have paid), naming the killed run', async () => {
    // The sandbox records each withdrawal as it arrives and answers 3 s later: killed in between.
    await useSandbox(100, [3000, 3000]);
    const input = payrollIn('killed', 2, 1);
    const child = spawnCli(CLI, runArgs(input, 100), env());
    const exited = finished(child);
    await until('row 1 reached the sandbox', () => paidTimes(amountOfRow(1)) === 1);
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');

    // The operator starts over: checkpoint, output, manifest and log deleted.
    for (const file of [
      'payroll.checkpoint.jsonl',
      'payroll.results.csv',
      'payroll.results.manifest.json',
      'payroll.results.log.jsonl',
    ]) {
      rmSync(join(root, 'killed', file), { force: true });
    }
    const again = await payout(runArgs(input, 100));
    expectExit(
      again,
      2,
      /1 row\(s\) match payments made on \d{4}-\d\d-\d\d from payroll\.csv \(rows 1; row 1 was sent at \d\d:\d\d:\d\d UTC as its row 1, in flight\)/,
    );
    expect(again.stderr).toMatch(/--allow-repeat/);
    expect(paidTimes(amountOfRow(1))).toBe(1);
    expect(paidTimes(amountOfRow(2))).toBe(0);
  }, 60_000);
});

describe('3. a checkpoint restored from a backup', () => {
  it('is refused as behind the outbox; payout recover brings it up to date; nothing is paid again', async () => {
    await useSandbox(100);
    const input = payrollIn('restored', 4, 1);
    const checkpoint = checkpointOf(input);
    const child = spawnCli(CLI, runArgs(input, 300), env());
    const exited = finished(child);
    // The backup: the checkpoint as it stood once row 1 was paid (whole lines only).
    await until('row 1 is paid in the checkpoint', () =>
      readJournal(checkpoint).some((e) => e.type === 'outcome' && e.row === 1),
    );
    const text = readFileSync(checkpoint, 'utf8');
    const backup = text.slice(0, text.lastIndexOf('\n') + 1);
    expect((await exited).code).toBe(0);
    writeFileSync(checkpoint, backup);

    const refused = await payout(runArgs(input, 300));
    expectExit(
      refused,
      2,
      /the checkpoint .*payroll\.checkpoint\.jsonl holds less than this machine sent with it: .*records requests for row\(s\) [\d, ]*4 that the checkpoint does not/,
    );
    expect(refused.stderr).toMatch(/Nothing was sent\. Run payout recover .*payroll\.csv to bring it up to date/);
    const told = await payout(['status', input]);
    expect(told.code).toBe(0);
    expect(told.stderr).toMatch(
      /the checkpoint .* is behind this machine's outbox .*: it lacks requests sent for row\(s\) [\d, ]*4.*Run payout recover/,
    );
    const dry = await payout(['run', input, '--dry-run', '--base-url', sandbox?.url ?? '']);
    expect(dry.code).toBe(1);
    // Its problem and what to do, in whole sentences, without the closing words of a refused run.
    expect(dry.stderr).toMatch(
      /A real run would refuse this: the checkpoint .* holds less than this machine sent with it: .*It was probably restored from a backup or copied\. Run payout recover .* to bring it up to date from the outbox, then run again\.$/m,
    );

    const recovered = await payout(['recover', input, '--history-dir', state]);
    expect(recovered.code).toBe(0);
    expect(recovered.stdout).toMatch(/Added \d+ line\(s\) from the outbox/);
    expect(readResults(input.replace(/\.csv$/, '.results.csv')).map((r) => r.status)).toEqual([
      'paid',
      'paid',
      'paid',
      'paid',
    ]);

    const resumed = await payout(runArgs(input, 300));
    expect(resumed.code).toBe(0);
    for (const row of [1, 2, 3, 4]) expect(paidTimes(amountOfRow(row))).toBe(1);
    expect(sandbox?.ledger()).toHaveLength(4);
  }, 60_000);
});

describe('4. --columns changed between runs', () => {
  it('the resume that reads another column is refused, naming --columns; no row is paid from it', async () => {
    await useSandbox(100);
    const dir = join(root, 'columns');
    mkdirSync(dir);
    const input = join(dir, 'payroll.csv');
    const lines = ['employee_id,currency_code,to_address,amount,amount_crypto'];
    for (let i = 1; i <= 3; i += 1) lines.push(`E${i},USDT_TRC20,${TRON_ADDRESS},200${i},0.2500${i}`);
    writeFileSync(input, `${lines.join('\n')}\n`);

    const child = spawnCli(CLI, runArgs(input, 300, '--columns', 'amount=amount_crypto'), env());
    const exited = finished(child);
    await until('row 1 is paid in the checkpoint', () =>
      readJournal(checkpointOf(input)).some((e) => e.type === 'outcome' && e.row === 1),
    );
    child.kill('SIGINT');
    expectExit(
      await exited,
      3,
      /SIGINT: stopping after the request in flight is recorded[\s\S]*Stopped as asked; the request in flight was recorded/,
    );

    const without = await payout(runArgs(input, 300));
    expectExit(without, 2, /--columns/);
    const resumed = await payout(runArgs(input, 300, '--columns', 'amount=amount_crypto'));
    expect(resumed.code).toBe(0);
    const amounts = (sandbox?.ledger() ?? []).filter((e) => e.processed).map((e) => e.amount);
    expect(amounts.sort()).toEqual(['0.25001', '0.25002', '0.25003']);
  }, 60_000);
});

describe('5. two different payrolls at once', () => {
  it('both finish, taking turns: every gap at the sandbox holds, balance queries included', async () => {
    const interval = 200;
    await useSandbox(interval);
    const a = payrollIn('a', 3, 5);
    const b = payrollIn('b', 3, 6);
    const results = await Promise.all([a, b].map((input) => finished(spawnCli(CLI, runArgs(input, interval), env()))));
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    const ledger = sandbox?.ledger() ?? [];
    expect(ledger.filter((e) => e.response === 'rate_limited')).toEqual([]);
    for (const whole of [5, 6]) for (const row of [1, 2, 3]) expect(paidTimes(amountOfRow(row, whole))).toBe(1);
    expect(gapViolations(ledger, interval, await sandbox?.balanceArrivals())).toEqual([]);
  }, 60_000);
});

describe('6. torn last lines', () => {
  it('in the old history.jsonl: the whole line after a torn one is still a payment the next payroll would repeat', async () => {
    await useSandbox(100);
    mkdirSync(state, { recursive: true });
    const entry = (amount: string): string =>
      JSON.stringify({
        v: 1,
        at: new Date().toISOString(),
        currency: 'USDT_TRC20',
        address: TRON_ADDRESS,
        amount,
        invoiceId: 'INV-OLD1',
        input: 'old.csv',
        sha256: 'f'.repeat(64),
        checkpoint: '/elsewhere/old.checkpoint.jsonl',
        baseUrl: sandbox?.url,
      });
    const torn = entry('9.5').slice(0, 40);
    writeFileSync(join(state, 'history.jsonl'), `${torn}${entry(sentAmount(amountOfRow(1)))}\n`);
    const input = payrollIn('history', 2, 1);
    const refused = await payout(runArgs(input, 100));
    expectExit(refused, 2, /1 row\(s\) match payments made on \d{4}-\d\d-\d\d from old\.csv \(rows 1;/);
    expect(sandbox?.ledger()).toEqual([]);
  }, 30_000);

  it('in the outbox: cut before the next append, which is then read like every other line', async () => {
    await useSandbox(100);
    const first = payrollIn('first', 2, 1);
    expect((await payout(runArgs(first, 100))).code).toBe(0);
    // A crash mid-append left half a line.
    appendFileSync(join(state, 'outbox.jsonl'), '{"v":1,"t":"intent","api":"http://127.0.0.1:1","ckpt":"x');
    const second = payrollIn('second', 2, 2);
    expect((await payout(runArgs(second, 100))).code).toBe(0);
    expect(readFileSync(join(state, 'outbox.jsonl'), 'utf8').endsWith('\n')).toBe(true);
    expect(outboxLines().filter((l) => l.t === 'intent')).toHaveLength(4);

    // Both payrolls are remembered: a copy of either is refused.
    for (const [name, whole] of [
      ['first-again', 1],
      ['second-again', 2],
    ] as const) {
      const again = payrollIn(name, 2, whole);
      const refused = await payout(runArgs(again, 100));
      expectExit(refused, 2, /2 row\(s\) match payments made on .* from payroll\.csv/);
    }
    expect(doublePayments(sandbox?.ledger() ?? [])).toEqual([]);
    expect(sandbox?.ledger()).toHaveLength(4);
  }, 60_000);
});

describe('7. a lock left from another boot', () => {
  const foreign = (): string =>
    JSON.stringify({ pid: process.pid, host: hostname(), bootId: 'not-this-boot-0000', token: 'f0reign' });

  it('on the checkpoint: not taken over; exit 2, saying why and which file to delete', async () => {
    await useSandbox(100);
    const input = payrollIn('boot', 2, 1);
    writeFileSync(`${checkpointOf(input)}.lock`, foreign());
    const refused = await payout(runArgs(input, 100));
    expectExit(
      refused,
      2,
      /during another boot or on another machine of that name.*cannot prove that process is gone.*delete the file .*payroll\.checkpoint\.jsonl\.lock/,
    );
    expect(sandbox?.ledger()).toEqual([]);
    expect(existsSync(`${checkpointOf(input)}.lock`)).toBe(true);
  }, 30_000);

  it("on the machine's send lock: nothing is sent; exit 2, naming the file", async () => {
    await useSandbox(100);
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, 'outbox.lock'), foreign());
    const input = payrollIn('boot-send', 2, 1);
    const refused = await payout(runArgs(input, 100));
    expectExit(refused, 2, /holds this machine's send lock .*outbox\.lock.*cannot prove that process is gone/);
    expect(sandbox?.ledger()).toEqual([]);
    expect(await sandbox?.balanceArrivals()).toEqual([]);
  }, 30_000);
});

describe('the review of the outbox: more moves', () => {
  it('a sandbox rehearsal leaves a checkpoint the real run refuses (its rows were paid in the sandbox only)', async () => {
    await useSandbox(100);
    const input = payrollIn('rehearsal', 2, 1);
    expect((await payout(['run', input, '--sandbox', '--interval', '50', '--yes'])).code).toBe(0);
    const real = await payout(runArgs(input, 100));
    expectExit(
      real,
      2,
      /records requests to sandbox, and this run would pay through http:\/\/127\.0\.0\.1:\d+: its paid rows were paid there only/,
    );
    expect(sandbox?.ledger()).toEqual([]);
  }, 30_000);

  it('localhost and 127.0.0.1 are one API: a copy paid through the other spelling is a repeat', async () => {
    const api = await useSandbox(100);
    const input = payrollIn('spelling', 2, 1);
    expect((await payout(runArgs(input, 100))).code).toBe(0);
    const copy = payrollIn('spelling-copy', 2, 1);
    const refused = await payout(
      runArgs(copy, 100).map((arg) => (arg === api.url ? `${arg.replace('127.0.0.1', 'localhost')}/` : arg)),
    );
    expectExit(refused, 2, /2 row\(s\) match payments made on .* from payroll\.csv/);
    expect(api.ledger()).toHaveLength(2);
  }, 30_000);

  it('a damaged outbox line stops every paying run (it may record a payment); the dry run says so and exits 1', async () => {
    await useSandbox(100);
    const input = payrollIn('damaged', 2, 1);
    expect((await payout(runArgs(input, 100))).code).toBe(0);
    const outbox = join(state, 'outbox.jsonl');
    writeFileSync(outbox, readFileSync(outbox, 'utf8').replace('"v":1', '"v":"one"'));
    const copy = payrollIn('damaged-copy', 2, 1);
    const refused = await payout(runArgs(copy, 100));
    expectExit(
      refused,
      2,
      /outbox .*outbox\.jsonl has 1 line\(s\) that cannot be read \(line 1\): any of them may record a payment.*Nothing was sent/,
    );
    const dry = await payout(['run', copy, '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toMatch(
      /A real run would refuse this: this machine's outbox .*so no row is sent while they are there\. Look at them, .* once the dashboard tells you what they were\.$/m,
    );
    expect(sandbox?.ledger()).toHaveLength(2);
  }, 30_000);

  it('the outbox deleted during a run: the run stops before its next row (other runs could no longer see it)', async () => {
    await useSandbox(100);
    const input = payrollIn('deleted', 3, 1);
    const child = spawnCli(CLI, runArgs(input, 400), env());
    const exited = finished(child);
    await until('row 1 is paid in the checkpoint', () =>
      readJournal(checkpointOf(input)).some((e) => e.type === 'outcome' && e.row === 1),
    );
    rmSync(join(state, 'outbox.jsonl'));
    const result = await exited;
    expectExit(result, 3, /outbox .*outbox\.jsonl was deleted or moved while this run used it.*No more rows are sent/);
    expect(paidTimes(amountOfRow(1))).toBe(1);
    expect(paidTimes(amountOfRow(3))).toBe(0);
    expect(doublePayments(sandbox?.ledger() ?? [])).toEqual([]);
  }, 30_000);
});
