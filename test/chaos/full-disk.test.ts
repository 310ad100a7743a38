/**
 * A disk that fills during a run, with real processes: the built CLI against the sandbox in its
 * own process, its files on a small tmpfs (as root; skipped with the reason otherwise) that the
 * test fills once the first row is paid. The run must stop before its next send with the
 * operator's words (which file, the disk is full, free space, then run the same command), exit 3,
 * no "internal error" and no stack trace; every withdrawal that reached the sandbox must be
 * recorded (in the checkpoint, or in the outbox for payout recover); and once the space is
 * freed, the same command (after payout recover, when it asks for it) pays every row exactly once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../helpers/payroll.js';
import { fillDisk, mountTmpfs, unmountTmpfs, whyNoTmpfs } from '../helpers/tmpfs.js';
import {
  amountOfRow,
  doublePayments,
  finished,
  gapViolations,
  killAllChildren,
  readJournal,
  runCliProcess,
  sentAmount,
  sleep,
  spawnCli,
  startSandboxProcess,
  writePayroll,
  type Finished,
  type SandboxProcess,
} from './harness.js';

const noTmpfs = whyNoTmpfs();
if (noTmpfs) console.warn(`full-disk tests skipped: ${noTmpfs}`);
const describeWithTmpfs = noTmpfs ? describe.skip : describe;

const KEY = 'full-disk-key-7c2a';
const INTERVAL = 250;
const ROWS = 24;

let root: string;
let sandbox: SandboxProcess | undefined;
const mounts: string[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'payout-fulldisk-run-'));
  if (!noTmpfs) for (let i = 0; i < 3; i += 1) mounts.push(mountTmpfs(256));
});
afterEach(async () => {
  killAllChildren();
  await sandbox?.close();
  sandbox = undefined;
});
afterAll(() => {
  for (const dir of mounts) unmountTmpfs(dir);
  rmSync(root, { recursive: true, force: true });
});

interface Layout {
  /** Where the payroll (and, by default, its checkpoint, output, manifest and log) is. */
  payrollDir: string;
  stateDir: string;
  /** --checkpoint, when not beside the payroll. */
  checkpoint?: string;
  /** The full disk. */
  disk: string;
  /** Pages left free when filling (see test/helpers/tmpfs.ts). */
  leavePages?: number;
  /**
   * The output is on the disk: its next refresh needs new pages, so the run stops at once. Else a
   * file on it still has room in its last page (a tmpfs allocates pages), and the write that
   * needs the next page is refused some rows later: the message then names that row.
   */
  stopsAtOnce?: boolean;
}

interface Stopped {
  stopped: Finished;
  /** Create requests that had reached the sandbox when the disk was full. */
  arrivedWhenFull: number;
}

async function payUntilTheDiskFills(layout: Layout, input: string): Promise<Stopped> {
  const args = runArgs(layout, input);
  const child = spawnCli(CLI, args, { CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: layout.stateDir });
  const exit = finished(child);
  const start = Date.now();
  while (!(sandbox?.ledger() ?? []).some((e) => e.processed)) {
    if (Date.now() - start > 20_000 || child.exitCode !== null)
      throw new Error(`row 1 was not paid: ${(await exit).stderr}`);
    await sleep(5);
  }
  fillDisk(layout.disk, layout.leavePages ?? 0);
  const arrivedWhenFull = sandbox?.ledger().length ?? 0;
  const stopped = await exit;
  return { stopped, arrivedWhenFull };
}

function runArgs(layout: Layout, input: string): string[] {
  return [
    'run',
    input,
    '--base-url',
    sandbox?.url ?? '',
    '--interval',
    String(INTERVAL),
    '--margin',
    // Sized for a loaded machine: a request's arrival can lag its start by more than 50 ms there.
    '150',
    '--timeout',
    '10000',
    '--yes',
    ...(layout.checkpoint ? ['--checkpoint', layout.checkpoint] : []),
  ];
}

function payout(layout: Layout, args: string[]): Promise<Finished> {
  return runCliProcess(CLI, args, { CRYPTOCLOUD_API_KEY: KEY, PAYOUT_STATE_DIR: layout.stateDir }, 60_000);
}

function outboxLines(stateDir: string): Array<Record<string, unknown>> {
  const path = join(stateDir, 'outbox.jsonl');
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The checks of one scenario: the stop, what is recorded, and the resume once there is space. */
async function checkStopAndResume(layout: Layout, fileNamed: RegExp): Promise<void> {
  sandbox = await startSandboxProcess({
    cli: CLI,
    ledgerFile: join(root, `ledger-${Date.now()}.jsonl`),
    intervalMs: INTERVAL,
    latencyMs: [20, 40],
  });
  const input = writePayroll(layout.payrollDir, ROWS);
  const checkpoint = layout.checkpoint ?? input.replace(/\.csv$/, '.checkpoint.jsonl');
  const { stopped, arrivedWhenFull } = await payUntilTheDiskFills(layout, input);
  const said = stopped.stderr;
  if (process.env.FULL_DISK_VERBOSE) console.log(said);

  // The words: which file, that the disk is full, what to do; exit 3; no internal error, no stack.
  if (stopped.code !== 3) throw new Error(`exit ${stopped.code}:\n${said}`);
  expect(said).toMatch(new RegExp(`error: ${fileNamed.source} could not be written: the disk is full \\(ENOSPC\\)\\.`));
  expect(said).toMatch(
    /The run stopped before sending anything more\. Free space, then (run payout recover \S+, then )?run the same command\./,
  );
  expect(said).not.toMatch(/internal error|report this/i);
  expect(said).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

  const ledger = sandbox.ledger();
  const rowOfAmount = new Map(Array.from({ length: ROWS }, (_, i) => [sentAmount(amountOfRow(i + 1)), i + 1]));
  const arrivedRows = ledger.map((e) => rowOfAmount.get(e.amount ?? '') ?? 0);
  expect(ledger.length).toBeLessThan(ROWS);
  if (layout.stopsAtOnce) {
    // Stopped before the next send: at most the request in flight when the disk filled arrived after.
    expect(ledger.length).toBeLessThanOrEqual(arrivedWhenFull + 1);
  } else {
    // Stopped before the next send after the row whose line was refused; not sent at all when its intent was.
    const [, row, how] = /Row (\d+)( was not sent| was sent|'s answer)/.exec(said) ?? [];
    if (!row) throw new Error(`the message names no row:\n${said}`);
    expect(Math.max(...arrivedRows)).toBe(how === ' was not sent' ? Number(row) - 1 : Number(row));
  }

  // Every withdrawal that reached the sandbox has its intent in the checkpoint (the intent came
  // first), and no intent is left for a request that never left (it was taken back); its answer
  // is in the checkpoint or, where the checkpoint could not take it, in the outbox.
  const journal = readJournal(checkpoint);
  const intents = journal.filter((l) => l.type === 'intent').map((l) => sentAmount(String(l.amount)));
  expect(intents.sort()).toEqual(ledger.map((e) => e.amount).sort());
  const outbox = outboxLines(layout.stateDir);
  for (const e of ledger.filter((x) => x.processed)) {
    const row = rowOfAmount.get(e.amount ?? '');
    const inCheckpoint = journal.some((l) => l.type === 'outcome' && l.row === row);
    const inOutbox = outbox.some((l) => l.t === 'outcome' && l.row === row);
    if (!inCheckpoint && !inOutbox)
      throw new Error(`row ${row} (${e.amount}) was paid but is recorded nowhere:\n${said}`);
  }

  // Space again: the same command (payout recover first, if it says so) pays each row exactly once.
  rmSync(join(layout.disk, 'filler'), { recursive: true, force: true });
  let again = await payout(layout, runArgs(layout, input));
  if (again.code === 2 && /payout recover/.test(again.stderr)) {
    const recovered = await payout(layout, [
      'recover',
      input,
      ...(layout.checkpoint ? ['--checkpoint', layout.checkpoint] : []),
    ]);
    expect(recovered.code).toBe(0);
    again = await payout(layout, runArgs(layout, input));
  }
  if (again.code !== 0) throw new Error(`the resume exited ${again.code}:\n${again.stderr}`);
  const after = sandbox.ledger();
  expect(doublePayments(after)).toEqual([]);
  for (let i = 1; i <= ROWS; i += 1)
    expect(after.filter((e) => e.processed && e.amount === sentAmount(amountOfRow(i)))).toHaveLength(1);
  expect(gapViolations(after, INTERVAL, await sandbox.balanceArrivals())).toEqual([]);
}

function escaped(path: string): string {
  return path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describeWithTmpfs('a disk that fills during a run', () => {
  it('the payroll, its checkpoint, output, manifest and log on it: stops with the words, every payment recorded, then each row paid once', async () => {
    const disk = mounts[0] ?? '';
    const stateDir = join(root, 'state-a');
    const layout: Layout = { payrollDir: disk, stateDir, disk, stopsAtOnce: true };
    await checkStopAndResume(
      layout,
      new RegExp(`(The checkpoint|The output CSV|The manifest|The lock) ${escaped(disk)}/\\S+`),
    );
  }, 90_000);

  it('the checkpoint alone on it (the output elsewhere): stops at the checkpoint, then each row paid once', async () => {
    const disk = mounts[1] ?? '';
    const payrollDir = join(root, 'payroll-b');
    mkdirSync(payrollDir);
    const layout: Layout = {
      payrollDir,
      stateDir: join(root, 'state-b'),
      checkpoint: join(disk, 'payroll.checkpoint.jsonl'),
      disk,
    };
    await checkStopAndResume(layout, new RegExp(`The checkpoint ${escaped(join(disk, 'payroll.checkpoint.jsonl'))}`));
  }, 90_000);

  it("this machine's outbox on it (the state directory): stops at the outbox, then each row paid once", async () => {
    const disk = mounts[2] ?? '';
    const payrollDir = join(root, 'payroll-c');
    mkdirSync(payrollDir);
    // One page left: the send lock takes it for each turn; the outbox's next page is refused.
    const layout: Layout = { payrollDir, stateDir: join(disk, 'state'), disk, leavePages: 1 };
    await checkStopAndResume(
      layout,
      new RegExp(`(This machine's outbox|The lock) ${escaped(join(disk, 'state'))}/\\S+`),
    );
  }, 90_000);
});
