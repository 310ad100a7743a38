/**
 * The wall clock steps (NTP correcting a machine that booted with a wrong RTC, a VM resumed, an
 * operator fixing the date) while a payroll is paid: the built CLI runs under libfaketime, which
 * moves only its wall clock (FAKETIME_DONT_FAKE_MONOTONIC=1) by the offset read from a file we
 * rewrite during the run; the sandbox, in its own process, keeps real time and measures the gap
 * where the requests arrive. Each case ends with every row paid exactly once, the gap held at the
 * sandbox, no run longer than the rule needs, and `status` and a second `run` reading the journal.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  writePayroll,
  type Finished,
  type SandboxProcess,
} from './harness.js';

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find(
  (path) => existsSync(path),
);
const INTERVAL = 1500;
const MARGIN = 100;
/** The sandbox answers each request this long after it arrived: a step can land while one is in flight. */
const LATENCY = 300;
const ROWS = 4;
/** Start-up, validation and the plan, on top of the pace: generous for a loaded CI machine. */
const STARTUP_MS = 3000;
const KEY = 'clock-step-key-7c2d';

let dir: string;
let offsetFile: string;
let sandbox: SandboxProcess;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payout-clock-step-'));
  offsetFile = join(dir, 'faketime-offset');
  setOffset('+0');
  env = {
    CRYPTOCLOUD_API_KEY: KEY,
    PAYOUT_STATE_DIR: join(dir, 'state'),
    LD_PRELOAD: LIBFAKETIME ?? '',
    FAKETIME_TIMESTAMP_FILE: offsetFile,
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
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

/** Moves the CLI's wall clock: libfaketime reads this offset at every clock call. */
function setOffset(offset: string): void {
  writeFileSync(offsetFile, `${offset}\n`);
}

const runArgs = (input: string): string[] => [
  'run',
  input,
  '--base-url',
  sandbox.url,
  '--interval',
  String(INTERVAL),
  '--margin',
  String(MARGIN),
  '--timeout',
  '5000',
  '--yes',
];

/** The longest a run of `requests` requests may take: the pace, and start-up. */
const boundMs = (requests: number): number => requests * (INTERVAL + MARGIN) + STARTUP_MS;

/** Starts a run; calls `when` every few ms until it returns true (then `act`), and resolves with the run's end and duration. */
async function runWith(
  input: string,
  when: () => boolean,
  act: (child: ReturnType<typeof spawnCli>) => void,
  timeoutMs: number,
): Promise<Finished & { ms: number }> {
  const started = Date.now();
  const child = spawnCli(CLI, runArgs(input), env);
  const exit = finished(child);
  const hardStop = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let acted = false;
  void (async () => {
    while (!acted && child.exitCode === null && child.signalCode === null) {
      if (when()) {
        acted = true;
        act(child);
      }
      await sleep(2);
    }
  })();
  const result = await exit;
  clearTimeout(hardStop);
  acted = true;
  return { ...result, ms: Date.now() - started };
}

const outcomes = (input: string): number =>
  readJournal(input.replace(/\.csv$/, '.checkpoint.jsonl')).filter((e) => e.type === 'outcome').length;

/** Every row paid exactly once, the gap held at the sandbox, and the journal read again by `status` and a second `run`. */
async function expectPaidOnceWithTheGap(input: string): Promise<void> {
  await sandbox.settle();
  const ledger = sandbox.ledger();
  expect(doublePayments(ledger)).toEqual([]);
  expect(gapViolations(ledger, INTERVAL, await sandbox.balanceArrivals())).toEqual([]);
  for (let row = 1; row <= ROWS; row += 1) {
    expect(ledger.filter((e) => e.processed && e.amount === sentAmount(amountOfRow(row)))).toHaveLength(1);
  }
  expect(readResults(input.replace(/\.csv$/, '.results.csv')).map((r) => r.status)).toEqual(Array(ROWS).fill('paid'));
  const status = await runCliProcess(CLI, ['status', input], env);
  expect({ code: status.code, stderr: status.stderr }).toMatchObject({ code: 0 });
  expect(status.stdout).toMatch(/paid\s+4/);
  const again = await runCliProcess(CLI, runArgs(input), env);
  expect({ code: again.code, stderr: again.stderr }).toMatchObject({ code: 0 });
  expect(again.stdout + again.stderr).toContain('Nothing to send.');
  expect(sandbox.ledger()).toHaveLength(ledger.length);
}

// A money-safety test never skips itself: without libfaketime it fails and says what to install.
it('has libfaketime to step the clock with', () => {
  expect({ libfaketime: LIBFAKETIME ?? 'missing: apt-get install faketime' }).toEqual({
    libfaketime: expect.stringMatching(/libfaketime\.so\.1$/),
  });
});

describe('the wall clock steps in the middle of a run', () => {
  it('back 1 h while the run waits for its turn: it neither stalls nor says nothing', async () => {
    const input = writePayroll(dir, ROWS);
    // The second answer is on disk: the run is in its pacing wait for the third row.
    const run = await runWith(
      input,
      () => outcomes(input) >= 2,
      () => setOffset('-1h'),
      boundMs(ROWS + 1) + 10_000,
    );
    expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toMatchObject({ code: 0, signal: null });
    expect(run.ms).toBeLessThan(boundMs(ROWS + 1));
    await expectPaidOnceWithTheGap(input);
  }, 60_000);

  it('forward 1 h while a request is in flight: the next one still keeps the gap', async () => {
    const input = writePayroll(dir, ROWS);
    // The second withdrawal has arrived; its answer comes LATENCY ms later.
    const run = await runWith(
      input,
      () => sandbox.ledger().length >= 2,
      () => setOffset('+1h'),
      boundMs(ROWS + 1) + 10_000,
    );
    expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toMatchObject({ code: 0, signal: null });
    expect(run.ms).toBeLessThan(boundMs(ROWS + 1));
    await expectPaidOnceWithTheGap(input);
  }, 60_000);
});

describe('the wall clock steps, then a restart right after a kill -9', () => {
  it.each([
    ['back', '-1h'],
    ['forward', '+1h'],
  ])(
    '%s 1 h: the restarted run measures the gap on the monotonic clock',
    async (_name, offset) => {
      const input = writePayroll(dir, ROWS);
      // Killed the moment the second answer is on disk, just after the clock stepped.
      const killed = await runWith(
        input,
        () => outcomes(input) >= 2,
        (child) => {
          setOffset(offset);
          child.kill('SIGKILL');
        },
        boundMs(ROWS + 1) + 10_000,
      );
      expect(killed.signal).toBe('SIGKILL');
      expect(sandbox.ledger()).toHaveLength(2);
      // Restarted at once: its first request (the balance query) must wait for the gap after the second withdrawal.
      const started = Date.now();
      const restart = await runCliProcess(CLI, runArgs(input), env, boundMs(ROWS) + 10_000);
      const ms = Date.now() - started;
      expect({ code: restart.code, signal: restart.signal, stderr: restart.stderr }).toMatchObject({
        code: 0,
        signal: null,
      });
      // Two rows left and the balance query: three requests.
      expect(ms).toBeLessThan(boundMs(3));
      await expectPaidOnceWithTheGap(input);
    },
    60_000,
  );
});

describe('the wall clock and the repeat window', () => {
  it.each([
    ['stepped 60 days forward before the copy is run', '+0', '+60d'],
    ['60 days behind when the first payroll paid', '-60d', '+0'],
  ])(
    'a copy of a payroll just paid is still a repeat with the clock %s (same boot: its age is on the monotonic clock)',
    async (_name, first, second) => {
      const input = writePayroll(mkdtempSync(join(dir, 'first-')), 2);
      setOffset(first);
      const paid = await runCliProcess(CLI, runArgs(input), env);
      expect({ code: paid.code, stderr: paid.stderr }).toMatchObject({ code: 0 });
      setOffset(second);
      const copy = writePayroll(mkdtempSync(join(dir, 'copy-')), 2);
      const refused = await runCliProcess(CLI, runArgs(copy), env);
      expectExit(refused, 2, /2 row\(s\) match payments made on .* from payroll\.csv/);
      expect(doublePayments(sandbox.ledger())).toEqual([]);
      expect(sandbox.ledger()).toHaveLength(2);
    },
    60_000,
  );
});
