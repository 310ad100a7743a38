/**
 * Paying against the sandbox over real HTTP: outcomes, resume, the gap, never twice.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { CommandDeps, RunOptions } from '../../src/commands/options.js';
import { run, type Connect } from '../../src/commands/run.js';
import { EXIT } from '../../src/core/errors.js';
import { closeLogger, createLogger } from '../../src/log.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { amountOfRow, runCli, tempDir, writePayroll } from '../helpers/payroll.js';
import { keyLeaks } from '../helpers/key-leaks.js';
import { cliLogger, connectOverHttp, runOptions } from '../helpers/run.js';

const KEY = 'test-key-7f3a9c1e5b';
const INTERVAL = 60;

let dir: string;
let sandbox: Sandbox;
let printed: string[];

async function useSandbox(options: SandboxOptions = {}): Promise<void> {
  sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY, ...options });
}

function options(input: string, extra: Partial<RunOptions> = {}): RunOptions {
  return runOptions({
    input,
    baseUrl: sandbox.url,
    intervalMs: INTERVAL,
    apiKey: KEY,
    historyDir: join(dir, 'history'),
    ...extra,
  });
}

function deps(stop = new AbortController().signal): CommandDeps {
  printed = [];
  return { logger: createLogger({ silent: true }), print: (line) => printed.push(line), stop };
}

const connect: Connect = connectOverHttp;

function outputRows(input: string): Array<Record<string, string>> {
  return parse(readFileSync(input.replace(/\.csv$/, '.results.csv')), { columns: true }) as Array<
    Record<string, string>
  >;
}

/** Accepted (money moved) requests per amount: every amount must appear at most once. */
function paidCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of sandbox.ledger()) if (e.processed && e.amount) counts.set(e.amount, (counts.get(e.amount) ?? 0) + 1);
  return counts;
}

function arrivalGaps(): number[] {
  const arrivals = sandbox.ledger().map((e) => e.arrivedAt);
  return arrivals.slice(1).map((t, i) => t - (arrivals[i] ?? 0));
}

beforeEach(() => {
  dir = tempDir();
});
afterEach(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('paying', () => {
  it('pays every row once, in order, with the gap held at the API, and writes their ids', async () => {
    await useSandbox();
    const input = writePayroll(dir, 5);
    const summary = await run(options(input), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.ok);
    expect(summary.counts.paid).toBe(5);
    const rows = outputRows(input);
    const ledger = sandbox.ledger();
    expect(rows.map((r) => r.status)).toEqual(['paid', 'paid', 'paid', 'paid', 'paid']);
    expect(rows.map((r) => r.invoice_id)).toEqual(ledger.map((e) => e.invoiceId));
    expect(rows.map((r) => r.employee_id)).toEqual(['E1', 'E2', 'E3', 'E4', 'E5']);
    expect(ledger.map((e) => e.amount)).toEqual([1, 2, 3, 4, 5].map(amountOfRow));
    for (const gap of arrivalGaps()) expect(gap).toBeGreaterThanOrEqual(INTERVAL);
  });

  it('sends nothing when run again after it finished', async () => {
    await useSandbox();
    const input = writePayroll(dir, 3);
    await run(options(input), deps(), connect);
    const again = await run(options(input), deps(), connect);
    expect(again.sent).toBe(0);
    expect(again.exitCode).toBe(EXIT.ok);
    expect(sandbox.ledger()).toHaveLength(3);
  });

  it('resumes after an interruption without paying any row twice', async () => {
    await useSandbox();
    const input = writePayroll(dir, 6);
    const stop = new AbortController();
    const first = run(options(input), deps(stop.signal), connect);
    // Stop once two rows are paid.
    while (sandbox.ledger().length < 2) await new Promise((r) => setTimeout(r, 5));
    stop.abort(new Error('SIGINT'));
    const summary = await first;
    expect(summary.exitCode).toBe(EXIT.incomplete);
    expect(summary.counts.pending).toBeGreaterThan(0);
    expect(outputRows(input).filter((r) => r.status === 'pending').length).toBe(summary.counts.pending);

    const second = await run(options(input), deps(), connect);
    expect(second.exitCode).toBe(EXIT.ok);
    expect([...paidCounts().values()]).toEqual([1, 1, 1, 1, 1, 1]);
    for (const gap of arrivalGaps()) expect(gap).toBeGreaterThanOrEqual(INTERVAL);
  });

  it('resumes a payroll scanned on two threads, pass 2 parsing only the segments it sends from', async () => {
    await useSandbox();
    // 16 rows of about 60 bytes in segments of 200: five segments, stopped in the third. Order, not
    // time: enough rows to stop mid-file, few enough for a loaded machine.
    const ROWS = 16;
    const input = writePayroll(dir, ROWS);
    const twoThreads = { scanParallel: { fromBytes: 0, segmentBytes: 200, chunkBytes: 97 } };
    const stop = new AbortController();
    let settled = false;
    const first = run(options(input, twoThreads), deps(stop.signal), connect).finally(() => (settled = true));
    while (sandbox.ledger().length < 10 && !settled) await new Promise((r) => setTimeout(r, 5));
    stop.abort(new Error('SIGINT'));
    expect((await first).exitCode).toBe(EXIT.incomplete);

    const second = await run(options(input, twoThreads), deps(), connect);
    expect(second.exitCode).toBe(EXIT.ok);
    const counts = paidCounts();
    expect(counts.size).toBe(ROWS);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const ledger = sandbox.ledger();
    expect(ledger.map((e) => Number(e.amount))).toEqual(
      Array.from({ length: ROWS }, (_, i) => Number(amountOfRow(i + 1))),
    );
    const rows = outputRows(input);
    expect(rows.map((r) => r.status)).toEqual(Array(ROWS).fill('paid'));
    expect(rows.map((r) => r.invoice_id)).toEqual(ledger.map((e) => e.invoiceId));
  }, 60_000);

  it('keeps the gap for the first request after a restart, from the journal', async () => {
    await useSandbox({ intervalMs: 400 });
    const input = writePayroll(dir, 2);
    const stop = new AbortController();
    const first = run(options(input, { intervalMs: 400 }), deps(stop.signal), connect);
    while (sandbox.ledger().length < 1) await new Promise((r) => setTimeout(r, 5));
    stop.abort(new Error('SIGINT'));
    await first;
    await run(options(input, { intervalMs: 400 }), deps(), connect);
    expect(sandbox.ledger().map((e) => e.response)).toEqual(['accepted', 'accepted']);
    expect(arrivalGaps()[0]).toBeGreaterThanOrEqual(400);
  });

  it('keeps the gap between two payrolls run back to back (another checkpoint)', async () => {
    await useSandbox({ intervalMs: 400 });
    const state = join(dir, 'state');
    const first = writePayroll(dir, 1, 'october.csv');
    const second = join(dir, 'november.csv');
    writeFileSync(second, readFileSync(first, 'utf8').replace('1.000001', '2.000001'));
    await run(options(first, { intervalMs: 400, historyDir: state }), deps(), connect);
    await run(options(second, { intervalMs: 400, historyDir: state }), deps(), connect);
    const arrivals = [
      ...sandbox.ledger().map((e) => e.arrivedAt),
      ...sandbox.balanceLedger().map((e) => e.arrivedAt),
    ].sort((a, b) => a - b);
    expect(arrivals).toHaveLength(4);
    for (let i = 1; i < arrivals.length; i += 1)
      expect((arrivals[i] ?? 0) - (arrivals[i - 1] ?? 0)).toBeGreaterThanOrEqual(400);
  });

  it('refuses an input that changed since its checkpoint, sending nothing', async () => {
    await useSandbox();
    const input = writePayroll(dir, 2);
    await run(options(input), deps(), connect);
    const before = readFileSync(input.replace(/\.csv$/, '.results.csv'), 'utf8');
    writeFileSync(input, readFileSync(input, 'utf8').replace('1.000002', '1.000003'));
    const notTheFile = /payroll\.csv is not the file its checkpoint was made from .*Nothing was sent/;
    // Refused for the input's bytes, not because the output's manifest records another input (a
    // refusal that would also come with exit 2, but for the wrong reason).
    await expect(run(options(input), deps(), connect)).rejects.toMatchObject({
      name: 'InputChangedError',
      exitCode: EXIT.usage,
      message: expect.stringMatching(notTheFile),
    });
    // And what the operator reads on stderr says the same: not an internal error, not the output's ownership.
    const cli = await runCli(
      [
        'run',
        input,
        '--base-url',
        sandbox.url,
        '--interval',
        String(INTERVAL),
        '--history-dir',
        join(dir, 'history'),
        '--yes',
      ],
      { env: { CRYPTOCLOUD_API_KEY: KEY } },
    );
    expect(cli.code).toBe(EXIT.usage);
    expect(cli.stderr).toMatch(notTheFile);
    expect(cli.stderr).not.toMatch(/internal error/);
    expect(cli.stderr).not.toMatch(/output of another input|manifest|may not be replaced/);
    expect(sandbox.ledger()).toHaveLength(2);
    expect(readFileSync(input.replace(/\.csv$/, '.results.csv'), 'utf8')).toBe(before);
  });

  it('refuses to start with an invalid row unless --skip-invalid, and then pays the valid ones', async () => {
    await useSandbox();
    const input = writePayroll(dir, 3);
    writeFileSync(input, readFileSync(input, 'utf8').replace('1.000002', '"1,000.50"'));
    await expect(run(options(input), deps(), connect)).rejects.toMatchObject({ exitCode: EXIT.usage });
    expect(sandbox.ledger()).toHaveLength(0);
    expect(existsSync(input.replace(/\.csv$/, '.checkpoint.jsonl'))).toBe(false);
    expect(outputRows(input).map((r) => r.status)).toEqual(['pending', 'invalid', 'pending']);

    const summary = await run(options(input, { skipInvalid: true }), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.someFailed);
    expect(outputRows(input).map((r) => r.status)).toEqual(['paid', 'invalid', 'paid']);
  });

  it('asks on a terminal, and pays only on a typed "yes"', async () => {
    await useSandbox();
    const input = writePayroll(dir, 1);
    const asked: string[] = [];
    const withAnswer = (answer: string): CommandDeps => ({ ...deps(), ask: async (q) => (asked.push(q), answer) });
    await expect(run(options(input, { yes: false }), withAnswer('y'), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
    });
    expect(sandbox.ledger()).toHaveLength(0);
    const summary = await run(options(input, { yes: false }), withAnswer('yes'), connect);
    expect(summary.exitCode).toBe(EXIT.ok);
    expect(asked[0]).toMatch(/Type "yes" to pay 1 row/);
    expect(printed.join('\n')).toMatch(/USDT_TRC20 +1 row +1.000001/);
  });

  it('stops before paying a row of an input that was saved over during the run', async () => {
    await useSandbox({ latencyMs: [150, 150] });
    const input = writePayroll(dir, 4);
    const running = run(options(input), deps(), connect);
    while (sandbox.ledger().length < 1) await new Promise((r) => setTimeout(r, 2));
    writeFileSync(input, readFileSync(input, 'utf8').replace('1.000003', '9.000003'));
    await expect(running).rejects.toMatchObject({
      exitCode: EXIT.incomplete,
      message: expect.stringMatching(/changed while the run/),
    });
    expect(sandbox.ledger()).toHaveLength(1);
  });

  it('refuses a row that repeats another (currency, address, amount) unless --allow-duplicates', async () => {
    await useSandbox();
    const input = writePayroll(dir, 3);
    writeFileSync(input, readFileSync(input, 'utf8').replace('1.000003', '1.000001'));
    await expect(run(options(input), deps(), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(/1 row\(s\) repeat an earlier row/),
    });
    expect(sandbox.ledger()).toHaveLength(0);
    expect(outputRows(input)[2]?.error).toMatch(/same currency, address and amount as row 1/);

    const summary = await run(options(input, { allowDuplicates: true }), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.ok);
    expect(printed.join('\n')).toMatch(/1 row\(s\) repeat an earlier row: paid anyway/);
    expect(sandbox.ledger()).toHaveLength(3);
  });

  it('a dry run never rewrites the output of a run that is going on', async () => {
    await useSandbox();
    const input = writePayroll(dir, 1);
    const { acquireLock } = await import('../../src/journal/lock.js');
    const held = acquireLock(input.replace(/\.csv$/, '.checkpoint.jsonl'));
    try {
      await expect(run(options(input, { dryRun: true }), deps(), connect)).rejects.toMatchObject({
        exitCode: EXIT.usage,
        message: expect.stringMatching(/another payout command/),
      });
    } finally {
      held.release();
    }
    expect(existsSync(input.replace(/\.csv$/, '.results.csv'))).toBe(false);
  });

  it('dry run flags a repeated row without failing it, and exits 1 as a real run would refuse it (0 with --allow-duplicates)', async () => {
    await useSandbox();
    const input = writePayroll(dir, 2);
    writeFileSync(input, readFileSync(input, 'utf8').replace('1.000002', '1.000001'));
    const summary = await run(options(input, { dryRun: true }), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.someFailed);
    expect(printed.join('\n')).toMatch(/2 valid, 0 invalid, 1 repeating an earlier row/);
    expect(outputRows(input).map((r) => [r.status, r.error])).toEqual([
      ['valid', ''],
      ['valid', expect.stringMatching(/as row 1/)],
    ]);
    const allowed = await run(options(input, { dryRun: true, allowDuplicates: true }), deps(), connect);
    expect(allowed.exitCode).toBe(EXIT.ok);
    expect(sandbox.ledger()).toHaveLength(0);
  });

  it('never says "nothing was sent" (exit 2) once a row was paid, even when the input changes under the last one', async () => {
    await useSandbox({ latencyMs: [150, 150] });
    const input = writePayroll(dir, 1);
    const running = run(options(input), deps(), connect);
    while (sandbox.ledger().length < 1) await new Promise((r) => setTimeout(r, 2));
    writeFileSync(input, `${readFileSync(input, 'utf8')}E9,"Late",USDT_TRC20,TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t,9\n`);
    const error = (await running.then(
      () => undefined,
      (e: unknown) => e,
    )) as { exitCode?: number; message?: string };
    expect(error.exitCode).toBe(EXIT.incomplete);
    expect(error.message).not.toMatch(/nothing was sent/i);
    expect(sandbox.ledger()).toHaveLength(1);
  });

  it('refuses to pay without confirmation when stdin is not a terminal', async () => {
    await useSandbox();
    const input = writePayroll(dir, 1);
    await expect(run(options(input, { yes: false }), deps(), connect)).rejects.toMatchObject({ exitCode: EXIT.usage });
    expect(sandbox.ledger()).toHaveLength(0);
  });
});

describe('outcomes', () => {
  it('marks a rejected row failed, goes on, and sends it again only with --retry-failed', async () => {
    await useSandbox();
    sandbox.injectFaults([{ kind: 'reject', key: 'network' }]);
    const input = writePayroll(dir, 2);
    const summary = await run(options(input), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.someFailed);
    expect(outputRows(input).map((r) => r.status)).toEqual(['failed', 'paid']);
    expect(outputRows(input)[0]?.error).toMatch(/network/);

    expect((await run(options(input), deps(), connect)).sent).toBe(0);
    // A dry run counts what a real run with the same options would send.
    await run(options(input, { dryRun: true }), deps(), connect);
    expect(printed).toContainEqual(expect.stringMatching(/^A real run would send 0 row\(s\)/));
    await run(options(input, { dryRun: true, retryFailed: true }), deps(), connect);
    expect(printed).toContainEqual(expect.stringMatching(/^A real run would send 1 row\(s\)/));
    const retried = await run(options(input, { retryFailed: true }), deps(), connect);
    expect(retried.exitCode).toBe(EXIT.ok);
    expect([...paidCounts().values()]).toEqual([1, 1]);
  });

  it('sends a rate-limited row again after the gap', async () => {
    await useSandbox();
    sandbox.injectFaults([{ kind: 'rate_limit_429' }, { kind: 'rate_limit_body' }]);
    const input = writePayroll(dir, 2);
    const summary = await run(options(input), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.ok);
    expect(sandbox.ledger().map((e) => e.response)).toEqual(['rate_limited', 'rate_limited', 'accepted', 'accepted']);
    for (const gap of arrivalGaps()) expect(gap).toBeGreaterThanOrEqual(INTERVAL);
  });

  it('marks an unclear outcome unknown, never sends it again, and resolve settles it', async () => {
    await useSandbox();
    sandbox.injectFaults([{ kind: 'drop', when: 'after' }]);
    const input = writePayroll(dir, 3);
    const summary = await run(options(input), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.incomplete);
    expect(outputRows(input).map((r) => r.status)).toEqual(['unknown', 'paid', 'paid']);

    const again = await run(options(input), deps(), connect);
    expect(again.sent).toBe(0);
    expect(again.exitCode).toBe(EXIT.incomplete);
    expect(sandbox.ledger()).toHaveLength(3);

    const { resolve } = await import('../../src/commands/resolve.js');
    const invoice = sandbox.ledger()[0]?.invoiceId ?? 'INV-MISSING';
    await resolve({ input, row: 1, invoiceId: invoice }, deps());
    expect(outputRows(input)[0]).toMatchObject({ status: 'paid', invoice_id: invoice });
    expect((await run(options(input), deps(), connect)).exitCode).toBe(EXIT.ok);
    expect(sandbox.ledger()).toHaveLength(3);
  });

  it('never pays an unknown row again through an edited file and a new checkpoint', async () => {
    await useSandbox();
    sandbox.injectFaults([{ kind: 'drop', when: 'after' }]);
    const input = writePayroll(dir, 2);
    expect((await run(options(input), deps(), connect)).exitCode).toBe(EXIT.incomplete);
    // The operator edits the file (drops the paid row 2)...
    writeFileSync(
      input,
      readFileSync(input, 'utf8')
        .split('\n')
        .filter((line) => !line.startsWith('E2,'))
        .join('\n'),
    );
    await expect(run(options(input), deps(), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(
        /\(its content changed since the first run\)\. Careful: its checkpoint has 1 unknown row\(s\) \(1\) that may already be paid\. Nothing was sent\. Put back the original file, .* settle them with payout resolve before paying this file in any way\.$/,
      ),
    });
    // ...and treats it as a new payroll: the history knows row 1 may be paid.
    const fresh = { checkpoint: join(dir, 'new.checkpoint.jsonl'), out: join(dir, 'new.results.csv') };
    await expect(run(options(input, fresh), deps(), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(/allow-repeat/),
    });
    expect(sandbox.ledger().filter((e) => e.processed && e.amount === amountOfRow(1))).toHaveLength(1);
  });

  it('stops after three unknown outcomes in a row', async () => {
    await useSandbox();
    sandbox.injectFaults([{ kind: 'http_5xx', when: 'before' }, { kind: 'broken_json' }, { kind: 'no_id' }]);
    const input = writePayroll(dir, 5);
    const summary = await run(options(input), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.incomplete);
    expect(summary.stopReason).toMatch(/3 requests in a row/);
    expect(outputRows(input).map((r) => r.status)).toEqual(['unknown', 'unknown', 'unknown', 'pending', 'pending']);
    expect(sandbox.ledger()).toHaveLength(3);
  });

  it('stops at once when the key is refused, without ever printing it', async () => {
    await useSandbox();
    const input = writePayroll(dir, 3);
    const wrongKey = 'wrong-key-0a1b2c3d4e';
    const { logger, console } = cliLogger(join(dir, 'payout.log.jsonl'), wrongKey);
    const summary = await run(options(input, { apiKey: wrongKey }), { ...deps(), logger }, connect);
    await closeLogger(logger);
    expect(summary.exitCode).toBe(EXIT.incomplete);
    expect(summary.stopReason).toMatch(/refused the key/);
    expect(outputRows(input).map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    expect(console.join('')).toMatch(/refused the key/);
    expect(
      keyLeaks(wrongKey, { texts: { printed: printed.join('\n'), stderr: console.join('') }, dirs: [dir] }),
    ).toEqual([]);
    expect(sandbox.ledger()).toHaveLength(1);
  });

  it("an API that echoes the key, whole and past the cut of a message: neither the logger's sinks nor any file the run wrote holds it", async () => {
    await useSandbox();
    const input = writePayroll(dir, 4);
    sandbox.injectFaults([
      { kind: 'echo_key', spelling: 'raw' },
      { kind: 'echo_key', spelling: 'raw', pad: 150 },
      { kind: 'echo_key', spelling: 'json_escaped', pad: 170 },
      { kind: 'echo_key', spelling: 'url_encoded', pad: 180 },
    ]);
    const { logger, console } = cliLogger(join(dir, 'payout.log.jsonl'), KEY);
    const summary = await run(options(input), { ...deps(), logger }, connect);
    await closeLogger(logger);
    expect(summary.exitCode).toBe(EXIT.someFailed);
    expect(outputRows(input).map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(outputRows(input)[0]?.error).toMatch(/header Authorization: Token \[redacted\]/);
    expect(readFileSync(join(dir, 'payout.log.jsonl'), 'utf8')).toMatch(/validate_error/);
    expect(keyLeaks(KEY, { texts: { printed: printed.join('\n'), stderr: console.join('') }, dirs: [dir] })).toEqual(
      [],
    );
  });
});
