/**
 * Every fault the sandbox can inject, through the real `run` flow (a real client over HTTP),
 * and the outcome it must come to. For every `unknown`: a second run never sends the row
 * again, and after `resolve` (from the sandbox's truth) the row ends paid exactly once.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { CommandDeps, RunOptions } from '../../src/commands/options.js';
import { resolve } from '../../src/commands/resolve.js';
import { run, type Connect, type RunSummary } from '../../src/commands/run.js';
import { EXIT } from '../../src/core/errors.js';
import { createLogger } from '../../src/log.js';
import { startSandbox, type Fault, type LedgerEntry, type Sandbox } from '../../src/sandbox/index.js';
import { amountOfRow, tempDir, writePayroll } from '../helpers/payroll.js';
import { refusedPort } from '../helpers/refused-port.js';
import { connectOverHttp, runOptions } from '../helpers/run.js';

const KEY = 'faults-key-5e0c2a7b';
const INTERVAL = 40;
/** Short, so a hung request gives up quickly; the sandbox answers in ~1 ms otherwise. */
const TIMEOUT = 300;

let dir: string;
let sandbox: Sandbox;

beforeEach(async () => {
  dir = tempDir('payout-faults-');
  sandbox = await startSandbox({ intervalMs: INTERVAL, apiKey: KEY });
});
afterEach(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

function options(input: string, extra: Partial<RunOptions> = {}): RunOptions {
  return runOptions({
    input,
    baseUrl: sandbox.url,
    intervalMs: INTERVAL,
    timeoutMs: TIMEOUT,
    apiKey: KEY,
    historyDir: join(dir, 'history'),
    ...extra,
  });
}

function deps(): CommandDeps {
  return { logger: createLogger({ silent: true }), print: () => {}, stop: new AbortController().signal };
}

const connect: Connect = connectOverHttp;

function outputRows(input: string): Array<Record<string, string>> {
  return parse(readFileSync(input.replace(/\.csv$/, '.results.csv')), { columns: true }) as Array<
    Record<string, string>
  >;
}

/** The sandbox's entries for row i (by its unique amount; `1.000001` is sent as is). */
function ledgerOfRow(i: number): LedgerEntry[] {
  return sandbox.ledger().filter((e) => e.amount === amountOfRow(i));
}

function journalLines(input: string): Array<Record<string, unknown>> {
  return readFileSync(input.replace(/\.csv$/, '.checkpoint.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

interface Case {
  fault: Fault;
  /** Row 1's status after the first run (row 2 is paid unless the run stops). */
  status: 'paid' | 'failed' | 'unknown' | 'pending';
  /** Whether the sandbox created row 1's withdrawal (money moved). */
  processed: boolean;
  exitCode: number;
  /** What row 1's error cell says. */
  error?: RegExp;
}

const rejectCases: Case[] = (
  ['required_parameter', 'currency_code', 'network', 'uncorrected_amount', 'validate_error'] as const
).map((key) => ({
  fault: { kind: 'reject', key },
  status: 'failed',
  processed: false,
  exitCode: EXIT.someFailed,
  error: new RegExp(key),
}));

const unknownCases: Case[] = [
  { fault: { kind: 'drop', when: 'before' }, status: 'unknown', processed: false, exitCode: EXIT.incomplete },
  { fault: { kind: 'drop', when: 'after' }, status: 'unknown', processed: true, exitCode: EXIT.incomplete },
  {
    fault: { kind: 'hang', when: 'before' },
    status: 'unknown',
    processed: false,
    exitCode: EXIT.incomplete,
    error: /timed? ?out|300 ?ms/i,
  },
  {
    fault: { kind: 'hang', when: 'after' },
    status: 'unknown',
    processed: true,
    exitCode: EXIT.incomplete,
    error: /timed? ?out|300 ?ms/i,
  },
  {
    fault: { kind: 'http_5xx', when: 'before' },
    status: 'unknown',
    processed: false,
    exitCode: EXIT.incomplete,
    error: /502/,
  },
  {
    fault: { kind: 'http_5xx', status: 503, when: 'after' },
    status: 'unknown',
    processed: true,
    exitCode: EXIT.incomplete,
    error: /503/,
  },
  { fault: { kind: 'broken_json' }, status: 'unknown', processed: true, exitCode: EXIT.incomplete, error: /not JSON/ },
  {
    fault: { kind: 'no_id' },
    status: 'unknown',
    processed: true,
    exitCode: EXIT.incomplete,
    error: /without an INV- invoice id/,
  },
];

const label = (f: Fault): string => Object.values(f).join(' ');

describe('a rate limit is sent again after the gap, and paid once', () => {
  it.each([{ kind: 'rate_limit_429' }, { kind: 'rate_limit_body' }] as Fault[])('$kind', async (fault) => {
    sandbox.injectFaults([fault]);
    const input = writePayroll(dir, 2);
    const summary = await run(options(input), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.ok);
    expect(outputRows(input).map((r) => r.status)).toEqual(['paid', 'paid']);
    expect(ledgerOfRow(1).map((e) => e.response)).toEqual(['rate_limited', 'accepted']);
    expect(ledgerOfRow(1).filter((e) => e.processed)).toHaveLength(1);
    const arrivals = sandbox.ledger().map((e) => e.arrivedAt);
    for (let i = 1; i < arrivals.length; i += 1)
      expect((arrivals[i] ?? 0) - (arrivals[i - 1] ?? 0)).toBeGreaterThanOrEqual(INTERVAL);
  });
});

describe.each([...rejectCases, ...unknownCases].map((c) => [label(c.fault), c] as const))('%s', (_name, c) => {
  it(`row 1 ends ${c.status}, exit ${c.exitCode}, and a second run does not send it again`, async () => {
    sandbox.injectFaults([c.fault]);
    const input = writePayroll(dir, 2);
    const first = await run(options(input), deps(), connect);
    expect(first.exitCode).toBe(c.exitCode);
    const [row1, row2] = outputRows(input);
    expect(row1?.status).toBe(c.status);
    if (c.error) expect(row1?.error).toMatch(c.error);
    expect(row2?.status).toBe('paid');
    expect(ledgerOfRow(1)).toHaveLength(1);
    expect(ledgerOfRow(1)[0]?.processed).toBe(c.processed);

    // A second run: row 1 is not sent again (failed rows only with --retry-failed; unknown never).
    const second = await run(options(input), deps(), connect);
    expect(second.sent).toBe(0);
    expect(second.exitCode).toBe(c.exitCode);
    expect(ledgerOfRow(1)).toHaveLength(1);
    expect(outputRows(input)[0]?.status).toBe(c.status);
  });

  if (c.status === 'unknown') {
    it('resolved from the sandbox truth, it ends paid exactly once', async () => {
      sandbox.injectFaults([c.fault]);
      const input = writePayroll(dir, 2);
      await run(options(input), deps(), connect);
      const created = ledgerOfRow(1).find((e) => e.processed);
      await resolve({ input, row: 1, invoiceId: created?.invoiceId ?? null }, deps());
      const last: RunSummary = await run(options(input), deps(), connect);
      expect(last.exitCode).toBe(EXIT.ok);
      expect(last.sent).toBe(created ? 0 : 1);
      expect(ledgerOfRow(1).filter((e) => e.processed)).toHaveLength(1);
      expect(outputRows(input)[0]).toMatchObject({
        status: 'paid',
        invoice_id: ledgerOfRow(1).find((e) => e.processed)?.invoiceId,
      });
    });
  }
});

describe('the run stops', () => {
  it('auth failure: at once, every row pending, exit 3; a later run pays each once', async () => {
    sandbox.injectFaults([{ kind: 'auth' }]);
    const input = writePayroll(dir, 3);
    const summary = await run(options(input), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.incomplete);
    expect(summary.stopReason).toMatch(/refused the key/);
    expect(outputRows(input).map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    expect(sandbox.ledger()).toHaveLength(1);

    const again = await run(options(input), deps(), connect);
    expect(again.exitCode).toBe(EXIT.ok);
    for (const i of [1, 2, 3]) expect(ledgerOfRow(i).filter((e) => e.processed)).toHaveLength(1);
  });

  it('connection refused: retried three times, then stopped with the rows pending, exit 3', async () => {
    const url = `http://127.0.0.1:${await refusedPort()}`;
    const input = writePayroll(dir, 2);
    const summary = await run(options(input, { baseUrl: url, intervalMs: 20 }), deps(), connect);
    expect(summary.exitCode).toBe(EXIT.incomplete);
    expect(summary.stopReason).toMatch(/cannot reach the API/);
    expect(outputRows(input).map((r) => r.status)).toEqual(['pending', 'pending']);
    const outcomes = journalLines(input).filter((l) => l.type === 'outcome');
    // One try and three retries, each journaled as never sent; row 2 never tried.
    expect(outcomes.map((l) => [l.row, (l.outcome as { kind: string }).kind])).toEqual(
      Array(4).fill([1, 'never_sent']),
    );
  });
});
