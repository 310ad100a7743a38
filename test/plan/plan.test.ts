/**
 * The plan before money moves, against the sandbox over real HTTP: what it shows, the balance
 * check and its pacing (also across a restart), caps and control totals, and the history of
 * earlier payrolls. Every refusal is checked on the sandbox's side: nothing was sent.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as connectForReal } from '../../src/cli/connect.js';
import { OUTBOX_FILE } from '../../src/ledger/outbox-file.js';
import type { CommandDeps, RunOptions } from '../../src/commands/options.js';
import { run, type Connect } from '../../src/commands/run.js';
import { EXIT } from '../../src/core/errors.js';
import { loadJournal } from '../../src/journal/file.js';
import { closeLogger, createLogger } from '../../src/log.js';
import { startSandbox, type BalanceAnswerStyle, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { ADDRESS, tempDir, writePayroll } from '../helpers/payroll.js';
import { keyLeaks } from '../helpers/key-leaks.js';
import { cliLogger, connectOverHttp, runOptions } from '../helpers/run.js';

const KEY = 'plan-key-3e7b1c9a2d';
const INTERVAL = 60;

let dir: string;
let sandbox: Sandbox;
let printed: string[];
let logged: string[];

async function useSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY, ...options });
  return sandbox;
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

function deps(extra: Partial<CommandDeps> = {}): CommandDeps {
  printed = [];
  logged = [];
  const logger = createLogger({ console: { write: (text) => void logged.push(text) } });
  return { logger, print: (line) => printed.push(line), stop: new AbortController().signal, ...extra };
}

const connect: Connect = connectOverHttp;

/** Every request's arrival at the sandbox, both endpoints, in order. */
function arrivals(of: Sandbox = sandbox): Array<{ at: number; what: 'balance' | 'create' }> {
  return [
    ...of.balanceLedger().map((e) => ({ at: e.arrivedAt, what: 'balance' as const })),
    ...of.ledger().map((e) => ({ at: e.arrivedAt, what: 'create' as const })),
  ].sort((a, b) => a.at - b.at);
}

function gaps(of: Sandbox = sandbox): number[] {
  const times = arrivals(of).map((a) => a.at);
  return times.slice(1).map((t, i) => t - (times[i] ?? 0));
}

interface PaidLine {
  at: string;
  currency: string;
  address: string;
  amount: string;
  invoiceId: string;
  input: string;
  baseUrl: string;
}

/** An outbox line as JSON, typed only as far as this test reads it. */
interface RawOutboxLine {
  t: string;
  ckpt: string;
  row: number;
  attempt: number;
  at: string;
  currency: string;
  address: string;
  amount: string;
  input: string;
  api: string;
  outcome: { kind: string; invoiceId?: string };
}

/** The payments the outbox records as made (an intent, then an accepted or unknown outcome), read by hand from its lines. */
function historyLines(): PaidLine[] {
  const file = join(dir, 'history', OUTBOX_FILE);
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RawOutboxLine);
  const paid: PaidLine[] = [];
  for (const intent of lines.filter((l) => l.t === 'intent')) {
    const outcome = lines.find(
      (l) => l.t === 'outcome' && l.ckpt === intent.ckpt && l.row === intent.row && l.attempt === intent.attempt,
    );
    if (!outcome || !['accepted', 'unknown'].includes(outcome.outcome.kind)) continue;
    paid.push({
      at: new Date(intent.at).toISOString(),
      currency: intent.currency,
      address: /^0x/i.test(intent.address) ? intent.address.toLowerCase() : intent.address,
      amount: intent.amount,
      invoiceId: outcome.outcome.invoiceId ?? '',
      input: intent.input,
      baseUrl: intent.api,
    });
  }
  return paid;
}

/** A payroll of the given (currency, address, amount) rows. */
function writeRows(name: string, rows: Array<[string, string, string]>): string {
  const path = join(dir, name);
  writeFileSync(path, ['currency_code,to_address,amount', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return path;
}

beforeEach(() => {
  dir = tempDir();
});
afterEach(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the plan', () => {
  it('shows rows, distinct recipients, totals, what is left out, caps, history, balance and time before asking', async () => {
    await useSandbox();
    const input = writeRows('p.csv', [
      ['USDT_TRC20', ADDRESS.tron, '10'],
      ['USDT_TRC20', ADDRESS.tron, '20'],
      ['USDT_ERC20', ADDRESS.evm, '5'],
      ['USDT_ERC20', ADDRESS.evm.toLowerCase(), '6'],
      ['USDT_TRC20', ADDRESS.tron, '-1'],
    ]);
    let planAtAsk = '';
    const d = deps({ ask: async () => ((planAtAsk = printed.join('\n')), 'yes') });
    const summary = await run(
      options(input, { yes: false, skipInvalid: true, caps: { maxAmount: { USDT_TRC20: '50' } } }),
      d,
      connect,
    );
    expect(summary.exitCode).toBe(EXIT.someFailed);
    expect(planAtAsk).toMatch(/About to pay 4 row\(s\) to 2 distinct recipient\(s\) through http:\/\/127\.0\.0\.1/);
    expect(planAtAsk).toMatch(/USDT_ERC20 +2 rows +11\n +USDT_TRC20 +2 rows +30/);
    expect(planAtAsk).toMatch(/Left out: 1 invalid \(--skip-invalid\)\./);
    expect(planAtAsk).toMatch(/Caps and control totals: --max-amount USDT_TRC20=50: all hold\./);
    expect(planAtAsk).toMatch(/History: no row repeats a payment of the last 45 days/);
    expect(planAtAsk).toMatch(
      /Balance:\n +USDT_ERC20 +11 to pay, 1000000 available\n +USDT_TRC20 +30 to pay, 1000000 available\n/,
    );
    expect(planAtAsk).toMatch(/takes about/);
    expect(sandbox.ledger()).toHaveLength(4);
  });

  it('refuses before any request when it cannot ask for confirmation', async () => {
    await useSandbox();
    const input = writePayroll(dir, 1);
    await expect(run(options(input, { yes: false }), deps(), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(/--yes/),
    });
    expect(arrivals()).toEqual([]);
    expect(existsSync(input.replace(/\.csv$/, '.checkpoint.jsonl'))).toBe(false);
  });
});

describe('the balance check', () => {
  it('refuses a run the balance cannot cover, naming both figures; nothing is sent', async () => {
    await useSandbox({ balances: { USDT_TRC20: '2.5' } });
    const input = writePayroll(dir, 3);
    await expect(run(options(input), deps(), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(
        /^USDT_TRC20: this run pays 3\.000006 but the available balance is 2\.5\. Nothing was sent/,
      ),
    });
    expect(printed.join('\n')).toMatch(/USDT_TRC20 +3\.000006 to pay, 2\.5 available \(NOT ENOUGH\)/);
    expect(sandbox.balanceLedger()).toHaveLength(1);
    expect(sandbox.ledger()).toEqual([]);
  });

  it('counts only the rows this run pays: a resumed run needs only what is left', async () => {
    await useSandbox({ balances: { USDT_TRC20: '3.5' } });
    const input = writePayroll(dir, 3);
    const stop = new AbortController();
    const first = run(options(input), deps({ stop: stop.signal }), connect);
    while (sandbox.ledger().length < 2) await new Promise((r) => setTimeout(r, 5));
    stop.abort(new Error('SIGINT'));
    await first;
    // 1.499997 is left: enough for row 3 (1.000003), not for the whole file (3.000006).
    const second = await run(options(input), deps(), connect);
    expect(second.exitCode).toBe(EXIT.ok);
    expect(printed.join('\n')).toMatch(/USDT_TRC20 +1\.000003 to pay, 1\.499997 available$/m);
    expect(sandbox.ledger().filter((e) => e.processed)).toHaveLength(3);
  });

  it.each<[BalanceAnswerStyle, RegExp]>([
    ['not_found', /HTTP 404/],
    ['auth', /refused the balance query \(HTTP 401\)/],
    ['http_5xx', /HTTP 502/],
    ['broken_json', /not JSON/],
    ['hang', /no answer to the balance query within 300 ms/],
    // The balance reader quotes no answer body today; this case fails the day one is quoted unredacted.
    ['echo_key', /HTTP 400/],
  ])('warns and goes on when the balance endpoint answers %s', async (style, reason) => {
    await useSandbox({ balanceAnswer: style });
    const input = writePayroll(dir, 2);
    const { logger, console } = cliLogger(join(dir, 'payout.log.jsonl'), KEY);
    const summary = await run(options(input, { timeoutMs: 300 }), deps({ logger }), connect);
    await closeLogger(logger);
    expect(summary.exitCode).toBe(EXIT.ok);
    expect(sandbox.ledger().map((e) => e.response)).toEqual(['accepted', 'accepted']);
    expect(printed.join('\n')).toMatch(new RegExp(`Balance: not checked: .*${reason.source}`));
    expect(console.join('')).toMatch(/warn: The balances could not be read: .*Going on without the balance check/);
    expect(keyLeaks(KEY, { texts: { printed: printed.join('\n'), stderr: console.join('') }, dirs: [dir] })).toEqual(
      [],
    );
  });

  it('is skipped with --no-balance-check', async () => {
    await useSandbox({ balances: { USDT_TRC20: '0' } });
    const input = writePayroll(dir, 1);
    await expect(run(options(input), deps(), connect)).rejects.toMatchObject({ exitCode: EXIT.usage });
    const summary = await run(options(input, { balanceCheck: false }), deps(), connect);
    expect(printed.join('\n')).toMatch(/Balance: not checked \(--no-balance-check\)\./);
    // The sandbox itself refuses the payout: the check was really skipped.
    expect(summary.exitCode).toBe(EXIT.someFailed);
    expect(sandbox.balanceLedger()).toHaveLength(1);
  });

  it('keeps the gap between the balance query and the first payout, at the API', async () => {
    const interval = 300;
    await useSandbox({ intervalMs: interval, latencyMs: [20, 20] });
    const input = writePayroll(dir, 2);
    await run(options(input, { intervalMs: interval }), deps(), connect);
    expect(arrivals().map((a) => a.what)).toEqual(['balance', 'create', 'create']);
    for (const gap of gaps()) expect(gap).toBeGreaterThanOrEqual(interval);
  });

  it('keeps the gap across a restart: the balance query is in the checkpoint', async () => {
    const interval = 400;
    await useSandbox({ intervalMs: interval });
    const input = writePayroll(dir, 1);
    // Declined at the prompt, after the balance query: nothing is paid, the checkpoint keeps its time.
    await expect(
      run(options(input, { intervalMs: interval, yes: false }), deps({ ask: async () => 'no' }), connect),
    ).rejects.toMatchObject({
      exitCode: EXIT.usage,
    });
    expect(sandbox.ledger()).toEqual([]);
    const journal = await loadJournal(input.replace(/\.csv$/, '.checkpoint.jsonl'));
    expect(journal?.state?.lastRequest).toMatchObject({ startedAt: expect.any(Number), endedAt: expect.any(Number) });
    // Run again at once, skipping the balance: the payout still waits for the gap after the first run's query.
    await run(options(input, { intervalMs: interval, balanceCheck: false }), deps(), connect);
    expect(arrivals().map((a) => a.what)).toEqual(['balance', 'create']);
    expect(gaps()[0]).toBeGreaterThanOrEqual(interval);
  });

  it('replaces a checkpoint that never sent anything when the file was edited, carrying its timing over', async () => {
    const interval = 400;
    await useSandbox({ intervalMs: interval, balances: { USDT_TRC20: '2.5' } });
    const input = writePayroll(dir, 3);
    await expect(run(options(input, { intervalMs: interval }), deps(), connect)).rejects.toMatchObject({
      message: expect.stringMatching(/available balance is 2\.5/),
    });
    // The operator takes the third row out and runs again at once.
    writePayroll(dir, 2);
    const summary = await run(options(input, { intervalMs: interval }), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.ok);
    expect(printed.join('\n')).toMatch(
      /was made from another version of this file and nothing was ever sent with it: replaced/,
    );
    expect(arrivals().map((a) => a.what)).toEqual(['balance', 'balance', 'create', 'create']);
    for (const gap of gaps()) expect(gap).toBeGreaterThanOrEqual(interval);
    const journal = await loadJournal(input.replace(/\.csv$/, '.checkpoint.jsonl'));
    expect(journal?.state?.header.input.bytes).toBe(statSync(input).size);
  });
});

describe('a checkpoint that never sent anything, read otherwise', () => {
  it('is replaced when --columns changes, so no row of the file is ever paid from another column', async () => {
    await useSandbox({ balances: { USDT_TRC20: '2.5' } });
    const input = join(dir, 'p.csv');
    const body = [1, 2].map((i) => `USDT_TRC20,${ADDRESS.tron},1.00000${i},9.00000${i}`);
    writeFileSync(input, ['currency_code,to_address,amount,bonus', ...body].join('\n') + '\n');
    const bonus: Partial<RunOptions> = { columns: 'amount=bonus' };
    // The bonus column is more than the balance: refused at the plan, after the checkpoint is made.
    await expect(run(options(input, bonus), deps(), connect)).rejects.toMatchObject({
      message: expect.stringMatching(/available balance is 2\.5/),
    });
    const checkpoint = input.replace(/\.csv$/, '.checkpoint.jsonl');
    expect((await loadJournal(checkpoint))?.state?.header.reading?.columns.amount).toBe('bonus');

    const summary = await run(options(input), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.ok);
    expect(printed.join('\n')).toMatch(
      /was made reading the file otherwise \(--columns, --decimal-comma\) and nothing was ever sent with it: replaced/,
    );
    // Bound now: the bonus column is refused, naming the option.
    await expect(run(options(input, bonus), deps(), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(/--columns differs/),
    });
    expect(sandbox.ledger().map((e) => e.amount)).toEqual(['1.000001', '1.000002']);
  });
});

describe('caps and control totals', () => {
  it.each<[string, RunOptions['caps'], RegExp]>([
    [
      '--max-amount',
      { maxAmount: { USDT_TRC20: '1.000002' } },
      /1 USDT_TRC20 row\(s\) pay more than --max-amount USDT_TRC20=1\.000002: row 3 \(1\.000003\)/,
    ],
    [
      '--max-total',
      { maxTotal: { USDT_TRC20: '3' } },
      /USDT_TRC20: the valid rows total 3\.000006, more than --max-total USDT_TRC20=3/,
    ],
    ['--expect-count', { expectCount: 4 }, /the file has 3 valid row\(s\), but --expect-count says 4/],
    [
      '--expect-total',
      { expectTotal: { USDT_TRC20: '3.000005' } },
      /USDT_TRC20: the valid rows total 3\.000006, but --expect-total says 3\.000005 \(over by 0\.000001\)/,
    ],
  ])('%s refuses the run before any request, naming the figures', async (_name, caps, message) => {
    await useSandbox();
    const input = writePayroll(dir, 3);
    await expect(run(options(input, { caps }), deps(), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(new RegExp(`^the run is refused: .*${message.source}.*\\. Nothing was sent\\.$`)),
    });
    expect(arrivals()).toEqual([]);
    expect(existsSync(input.replace(/\.csv$/, '.checkpoint.jsonl'))).toBe(false);
    // The dry run says the same as a warning, and exits 1.
    const dry = await run(options(input, { caps, dryRun: true }), deps(), connect);
    expect(dry.exitCode).toBe(EXIT.someFailed);
    expect(logged.join('')).toMatch(new RegExp(`warn: A real run would refuse this: ${message.source}`));
  });

  it('pays when every cap holds and every control total matches', async () => {
    await useSandbox();
    const input = writePayroll(dir, 3);
    const caps = {
      maxAmount: { USDT_TRC20: '1.000003' },
      maxTotal: { USDT_TRC20: '3.000006' },
      expectCount: 3,
      expectTotal: { USDT_TRC20: '3.000006' },
    };
    expect((await run(options(input, { caps, dryRun: true }), deps(), connect)).exitCode).toBe(EXIT.ok);
    const summary = await run(options(input, { caps }), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.ok);
    expect(printed.join('\n')).toMatch(
      /Caps and control totals: --max-amount USDT_TRC20=1\.000003, .*--expect-count 3, .*: all hold\./,
    );
  });
});

describe('the history of earlier payrolls', () => {
  it('refuses a second payroll that pays the same rows within 45 days unless --allow-repeat', async () => {
    await useSandbox();
    writePayroll(dir, 3, 'payroll-oct.csv');
    await run(options(join(dir, 'payroll-oct.csv')), deps(), connect);
    expect(historyLines()).toHaveLength(3);

    const next = writePayroll(dir, 4, 'payroll-nov.csv');
    const today = new Date().toISOString().slice(0, 10);
    const repeat = new RegExp(
      `3 row\\(s\\) match payments made on ${today} from payroll-oct\\.csv \\(rows 1, 2, 3; row 1 was sent at \\d\\d:\\d\\d:\\d\\d UTC as its row 1, paid\\)`,
    );
    await expect(run(options(next), deps(), connect)).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(new RegExp(`${repeat.source}.*--allow-repeat .*--yes alone is not enough`)),
    });
    expect(sandbox.ledger()).toHaveLength(3);
    expect(sandbox.balanceLedger()).toHaveLength(1);

    const dry = await run(options(next, { dryRun: true }), deps(), connect);
    expect(dry.exitCode).toBe(EXIT.someFailed);
    expect(printed.join('\n')).toMatch(repeat);

    const summary = await run(options(next, { allowRepeat: true }), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.ok);
    expect(printed.join('\n')).toMatch(/paid anyway \(--allow-repeat\)/);
    expect(sandbox.ledger()).toHaveLength(7);
    expect(historyLines()).toHaveLength(7);
  });

  it('records each paid row in the outbox: currency, address, amount, id, date, file, API; owner-only', async () => {
    await useSandbox();
    const input = writeRows('p.csv', [['USDT_ERC20', ADDRESS.evm, '7.5']]);
    await run(options(input), deps(), connect);
    const [line] = historyLines();
    expect(line).toMatchObject({
      currency: 'USDT_ERC20',
      address: ADDRESS.evm.toLowerCase(),
      amount: '7.5',
      invoiceId: sandbox.ledger()[0]?.invoiceId,
      input: 'p.csv',
      baseUrl: sandbox.url,
    });
    expect(Date.now() - Date.parse(line?.at ?? '')).toBeLessThan(60_000);
    expect(statSync(join(dir, 'history', OUTBOX_FILE)).mode & 0o777).toBe(0o600);
  });

  it('does not refuse a resumed run of the same file, even for a row that repeats one it paid', async () => {
    await useSandbox();
    // Row 3 repeats row 1 (allowed): once row 1 is paid, the history holds row 3's payment too.
    const rows: Array<[string, string, string]> = [
      ['USDT_TRC20', ADDRESS.tron, '1'],
      ['USDT_TRC20', ADDRESS.tron, '2'],
      ['USDT_TRC20', ADDRESS.tron, '1'],
    ];
    const input = writeRows('p.csv', rows);
    const stop = new AbortController();
    const first = run(options(input, { allowDuplicates: true }), deps({ stop: stop.signal }), connect);
    while (sandbox.ledger().length < 1) await new Promise((r) => setTimeout(r, 5));
    stop.abort(new Error('SIGINT'));
    expect((await first).exitCode).toBe(EXIT.incomplete);
    expect(historyLines()).toHaveLength(1);
    const second = await run(options(input, { allowDuplicates: true }), deps(), connect);
    expect(second.exitCode).toBe(EXIT.ok);
    expect(printed.join('\n')).toMatch(/History: no row repeats/);
    expect(sandbox.ledger().map((e) => e.amount)).toEqual(['1', '2', '1']);
  });

  it('counts the same bytes paid again under another checkpoint (a copy of the file) as a repeat', async () => {
    await useSandbox();
    const input = writePayroll(dir, 2);
    await run(options(input), deps(), connect);
    const copy = join(dir, 'payroll-copy.csv');
    copyFileSync(input, copy);
    await expect(run(options(copy), deps(), connect)).rejects.toMatchObject({
      message: expect.stringMatching(/2 row\(s\) match payments made on .* from payroll\.csv/),
    });
    expect(sandbox.ledger()).toHaveLength(2);
  });

  it('never records sandbox payments, and a payment through one API never blocks another', async () => {
    await useSandbox();
    const input = writePayroll(dir, 2);
    const summary = await run(
      options(input, { sandbox: true, baseUrl: 'https://api.cryptocloud.plus', apiKey: undefined }),
      deps(),
      connectForReal,
    );
    expect(summary.exitCode).toBe(EXIT.ok);
    expect(printed.join('\n')).toMatch(/History: not consulted/);
    expect(historyLines()).toEqual([]);

    await run(options(writePayroll(dir, 2, 'a.csv')), deps(), connect);
    expect(historyLines()).toHaveLength(2);
    const other = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
    try {
      const paid = await run(options(writePayroll(dir, 2, 'b.csv'), { baseUrl: other.url }), deps(), connect);
      expect(paid.exitCode).toBe(EXIT.ok);
      expect(other.ledger()).toHaveLength(2);
    } finally {
      await other.close();
    }
  });
});
