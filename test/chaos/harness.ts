/**
 * The kill -9 harness: the built CLI against the sandbox in its own process, killed with SIGKILL
 * at moments drawn from a seeded PRNG, restarted, its unknown rows resolved from the sandbox's
 * ledger (the truth an operator reads in the dashboard), until the payroll is done; then the
 * ledger is checked: no amount paid twice, every row paid exactly once, every gap held.
 *
 * Self-contained on purpose (node built-ins only, no import from src/ or test/): Jest loads it
 * as TypeScript, and `npm run test:chaos` (scripts/chaos.js) transpiles it alone and runs it
 * over the built CLI. Everything listens on and talks to 127.0.0.1 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A Tron address known valid (a published example). */
export const TRON_ADDRESS = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';

/** What the sandbox's ledger file holds per create request (the fields the checks need). */
export interface LedgerLine {
  seq: number;
  arrivedAt: number;
  amount?: string;
  response: string;
  fault?: string;
  processed: boolean;
  invoiceId?: string;
}

// ---------------------------------------------------------------------------------------------
// Processes

const children = new Set<ChildProcess>();

const sandboxes = new Set<ChildProcess>();

/** Spawns `node <cli> ...args`, tracked so that {@link killAllChildren} can end it. */
export function spawnCli(
  cli: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  kind: 'command' | 'sandbox' = 'command',
): ChildProcess {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, CRYPTOCLOUD_API_KEY: '', NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const set = kind === 'sandbox' ? sandboxes : children;
  set.add(child);
  child.once('exit', () => set.delete(child));
  return child;
}

/**
 * SIGKILLs every command this module started that still runs (afterEach). Sandboxes are left to
 * their `close()`, unless `sandboxes` is true (at the very end, or after a failure).
 */
export function killAllChildren(options: { sandboxes?: boolean } = {}): void {
  for (const set of options.sandboxes ? [children, sandboxes] : [children]) {
    for (const child of set) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    set.clear();
  }
}

/** How a child ended, with what it wrote. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output and resolves when it has exited and its pipes are closed. */
export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs the CLI to its end (bounded by `timeoutMs`, then SIGKILLed and reported as such). */
export async function runCliProcess(
  cli: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
): Promise<Finished> {
  const child = spawnCli(cli, args, env);
  const done = finished(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

/** The sandbox in its own process. */
export interface SandboxProcess {
  url: string;
  ledgerFile: string;
  /** Every create request so far, read from the ledger file (written before each answer). */
  ledger(): LedgerLine[];
  /** When each balance request arrived (the other endpoint the tool calls; it counts for the gap too). */
  balanceArrivals(): Promise<number[]>;
  /** Queues faults through the control endpoint. */
  injectFaults(faults: unknown[]): Promise<void>;
  /**
   * Resolves once the sandbox has handled every byte already sent to it: a killed client's last
   * bytes are in the sandbox's socket before the client is gone, and a round trip to the sandbox
   * afterwards is served only after its event loop has read them (and written the ledger line).
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface SandboxProcessOptions {
  cli: string;
  ledgerFile: string;
  intervalMs: number;
  /** Answer delay range in ms (`--latency MIN,MAX`). */
  latencyMs?: [number, number];
}

/** Starts `payout sandbox --port 0` and resolves with the base URL it prints first. */
export async function startSandboxProcess(options: SandboxProcessOptions): Promise<SandboxProcess> {
  const args = ['sandbox', '--port', '0', '--interval', String(options.intervalMs), '--ledger', options.ledgerFile];
  if (options.latencyMs) args.push('--latency', options.latencyMs.join(','));
  const child = spawnCli(options.cli, args, {}, 'sandbox');
  const exited = finished(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the sandbox did not print its URL within 10 s')), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    void exited.then((f) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited (${f.code ?? f.signal}) before printing its URL: ${f.stderr}`));
    });
  });
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`the sandbox printed an unexpected URL: ${url}`);
  return {
    url,
    ledgerFile: options.ledgerFile,
    ledger: () => readLedger(options.ledgerFile),
    async balanceArrivals() {
      const response = await fetch(`${url}/_sandbox/balance-ledger`);
      // An older sandbox without the endpoint: no balance arrivals to check.
      if (response.status === 404) return [];
      return ((await response.json()) as Array<{ arrivedAt: number }>).map((e) => e.arrivedAt);
    },
    async injectFaults(faults) {
      const response = await fetch(`${url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ faults }) });
      if (!response.ok) throw new Error(`the sandbox refused the faults: ${await response.text()}`);
    },
    async settle() {
      await (await fetch(`${url}/_sandbox/health`)).text();
      await sleep(10);
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The ledger's JSON lines (a line being written at this instant is left for the next read). */
export function readLedger(file: string): LedgerLine[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerLine);
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * Writes a payroll of `rows` USDT_TRC20 rows whose amounts (1.000001, 1.000002, …) name their
 * row; `whole` changes the integer part, so payrolls sharing one sandbox stay apart.
 */
export function writePayroll(dir: string, rows: number, whole = 1): string {
  const lines = ['employee_id,currency_code,to_address,amount'];
  for (let i = 1; i <= rows; i += 1) lines.push(`E${i},USDT_TRC20,${TRON_ADDRESS},${amountOfRow(i, whole)}`);
  const path = join(dir, 'payroll.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The amount {@link writePayroll} gives row i. */
export function amountOfRow(i: number, whole = 1): string {
  return `${whole}.${String(i).padStart(6, '0')}`;
}

/** An amount as the API receives it: the canonical decimal (`1.000010` goes out as `1.00001`). */
export function sentAmount(amount: string): string {
  return amount.includes('.') ? amount.replace(/0+$/, '').replace(/\.$/, '') : amount;
}

/** A minimal RFC 4180 reader (the output CSV: comma, LF, quoted cells). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else if (c !== '\r') cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** The output CSV as objects keyed by header. */
export function readResults(path: string): Array<Record<string, string>> {
  const [header = [], ...rows] = parseCsv(readFileSync(path, 'utf8'));
  return rows.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}

/** The journal's lines, parsed (a torn last line is left out). */
export function readJournal(path: string): Array<Record<string, unknown>> {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// ---------------------------------------------------------------------------------------------
// Checks on the ledger

/** Amounts the sandbox created a withdrawal for more than once. */
export function doublePayments(ledger: LedgerLine[]): string[] {
  const counts = new Map<string, number>();
  for (const e of ledger)
    if (e.processed && e.amount !== undefined) counts.set(e.amount, (counts.get(e.amount) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([amount, n]) => `${amount} paid ${n} times`);
}

/**
 * Every pair of consecutive arrivals (in arrival order) closer than `intervalMs`: the create
 * requests of the ledger and, when given, the other requests' arrivals (balance queries).
 */
export function gapViolations(ledger: LedgerLine[], intervalMs: number, otherArrivals: number[] = []): string[] {
  const arrivals = [...ledger.map((e) => e.arrivedAt), ...otherArrivals].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 1; i < arrivals.length; i += 1) {
    const gap = (arrivals[i] ?? 0) - (arrivals[i - 1] ?? 0);
    if (gap < intervalMs) out.push(`arrivals ${i} and ${i + 1} only ${gap} ms apart (< ${intervalMs})`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The chaos run

/** A small fast seeded PRNG (mulberry32): the same seed draws the same kill moments. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChaosOptions {
  /** The built CLI (CLI in test/helpers/payroll.ts). */
  cli: string;
  /** At least this many kill points in all (SIGKILLs that hit a running `payout run`). */
  kills: number;
  seed: number;
  /** Rows per payroll (episode); a fresh sandbox and folder per episode. @default 10 */
  rows?: number;
  /** At most this many kills per episode before it is let finish. @default 8 */
  killsPerEpisode?: number;
  /** @default 50 */
  intervalMs?: number;
  /** @default 100 */
  marginMs?: number;
  /** @default 3000 */
  timeoutMs?: number;
  /** The sandbox's answer delay. @default [40, 120] */
  latencyMs?: [number, number];
  /** How long a run takes to reach its first request, to spread kill moments over the whole run. @default 450 */
  startupMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Stop early (the Jest test's time budget). */
  deadline?: number;
}

/** Where in a run the SIGKILL landed, read back from the journal and the ledger. */
export type KillPhase =
  | 'before any request (start-up, validation, pacing wait)'
  | 'around a request that moves no money (the balance query)'
  | 'intent on disk, request not arrived'
  | 'request arrived, outcome not on disk'
  | 'after an outcome (output refresh, pacing wait, next row)';

export interface ChaosReport {
  seed: number;
  killPoints: number;
  episodes: number;
  runs: number;
  resolvedPaid: number;
  resolvedNotPaid: number;
  phases: Record<string, number>;
  /** "amount paid N times", per amount, over all episodes. */
  doublePayments: string[];
  gapViolations: string[];
  /** Rows not paid exactly once, wrong invoice ids, unexpected exit codes. */
  problems: string[];
  /** The largest delay seen between a request's start (journal) and its arrival (ledger). */
  maxArrivalLagMs: number;
  /** Balance requests seen (their arrivals are part of the gap check). */
  balanceRequests: number;
  /** Files left beside the payroll once it is done (temp outputs, locks), by kind: not a violation, a finding. */
  leftovers: Record<string, number>;
  /** Requests whose start-to-arrival delay exceeded the margin (the pacer's assumption), of those measured. */
  lateArrivals: number;
  measuredArrivals: number;
  durationMs: number;
}

/** Runs episodes until `kills` kill points have landed (or the deadline), checking each. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const o = {
    rows: 10,
    killsPerEpisode: 8,
    intervalMs: 50,
    marginMs: 100,
    timeoutMs: 3000,
    latencyMs: [40, 120] as [number, number],
    startupMs: 450,
    log: () => {},
    ...options,
  };
  const random = seededRandom(o.seed);
  const started = Date.now();
  const report: ChaosReport = {
    seed: o.seed,
    killPoints: 0,
    episodes: 0,
    runs: 0,
    resolvedPaid: 0,
    resolvedNotPaid: 0,
    phases: {},
    doublePayments: [],
    gapViolations: [],
    problems: [],
    maxArrivalLagMs: 0,
    lateArrivals: 0,
    measuredArrivals: 0,
    leftovers: {},
    balanceRequests: 0,
    durationMs: 0,
  };
  while (report.killPoints < o.kills && !(o.deadline && Date.now() > o.deadline)) {
    report.episodes += 1;
    const budget = Math.min(o.killsPerEpisode, o.kills - report.killPoints);
    await runEpisode(o, random, budget, report);
    o.log(
      `episode ${report.episodes}: ${report.killPoints} kill points so far, ` +
        `${report.doublePayments.length} double payments, ${report.gapViolations.length} gap violations, ${report.problems.length} problems`,
    );
  }
  report.durationMs = Date.now() - started;
  return report;
}

type Resolved = Required<Omit<ChaosOptions, 'deadline'>> & Pick<ChaosOptions, 'deadline'>;

async function runEpisode(o: Resolved, random: () => number, killBudget: number, report: ChaosReport): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'payout-chaos-'));
  const tag = `episode ${report.episodes} (seed ${o.seed})`;
  const sandbox = await startSandboxProcess({
    cli: o.cli,
    ledgerFile: join(dir, 'ledger.jsonl'),
    intervalMs: o.intervalMs,
    latencyMs: o.latencyMs,
  });
  try {
    const input = writePayroll(dir, o.rows);
    const journalPath = join(dir, 'payroll.checkpoint.jsonl');
    const resultsPath = join(dir, 'payroll.results.csv');
    // One payment history for the episode's runs (never the operator's real one).
    const env = { CRYPTOCLOUD_API_KEY: 'chaos-key-4b1d9e', PAYOUT_STATE_DIR: join(dir, 'state') };
    const runArgs = [
      'run',
      input,
      '--base-url',
      sandbox.url,
      '--interval',
      String(o.intervalMs),
      '--margin',
      String(o.marginMs),
      '--timeout',
      String(o.timeoutMs),
      '--yes',
    ];
    // A row takes about the interval plus the answer's delay: kill moments spread over the expected run.
    const perRowMs = o.intervalMs + (o.latencyMs[0] + o.latencyMs[1]) / 2;
    let kills = 0;
    let done = false;
    // How long a run takes to its first request here and now (start-up, validation, lock, pacing), learnt as runs go.
    let startupMs = o.startupMs;
    const problemsBefore = report.problems.length;
    // Bounded: each pass either kills (at most killBudget times), resolves unknown rows, or finishes.
    for (let pass = 0; pass < killBudget + 3 * o.rows + 5 && !done; pass += 1) {
      const paidSoFar = sandbox.ledger().filter((e) => e.processed).length;
      // A third of the kills land in start-up, the rest while rows are being sent.
      const sendingMs = Math.max(1, o.rows - paidSoFar) * perRowMs;
      const killAfterMs =
        kills >= killBudget ? undefined : random() < 1 / 3 ? random() * startupMs : startupMs + random() * sendingMs;
      const journalBefore = readJournal(journalPath).length;
      const ledgerBefore = sandbox.ledger().length;
      const spawnedAt = Date.now();
      const child = spawnCli(o.cli, runArgs, env);
      const exit = finished(child);
      report.runs += 1;
      let timer: NodeJS.Timeout | undefined;
      if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const hardStop = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const result = await exit;
      clearTimeout(timer);
      clearTimeout(hardStop);
      const firstArrival = sandbox.ledger()[ledgerBefore]?.arrivedAt;
      if (firstArrival !== undefined) startupMs = 0.7 * startupMs + 0.3 * (firstArrival - spawnedAt);
      if (result.signal === 'SIGKILL') {
        if (killAfterMs === undefined) {
          report.problems.push(`${tag}: a run did not end within 60 s`);
          break;
        }
        kills += 1;
        report.killPoints += 1;
        // Let the sandbox finish deciding a request whose bytes left just before the kill.
        await sandbox.settle();
        const phase = killPhase(readJournal(journalPath).slice(journalBefore), sandbox.ledger().slice(ledgerBefore));
        report.phases[phase] = (report.phases[phase] ?? 0) + 1;
        if (process.env.CHAOS_DEBUG)
          o.log(`  kill at ${Math.round(killAfterMs)} ms (start-up ~${Math.round(startupMs)} ms): ${phase}`);
        continue;
      }
      if (result.code === 0 || result.code === 1) {
        done = true;
        break;
      }
      if (result.code !== 3) {
        report.problems.push(`${tag}: run exited ${result.code}: ${lastLines(result.stderr)}`);
        break;
      }
      // Exit 3 is also the internal-error code: a run that crashed is a problem, not a row to settle.
      if (/internal error/i.test(result.stderr)) {
        report.problems.push(`${tag}: run exited 3 as an internal error: ${lastLines(result.stderr)}`);
        break;
      }
      // Exit 3: settle each unknown row from the sandbox's truth, as an operator would from the dashboard.
      await sandbox.settle();
      const ledger = sandbox.ledger();
      let failedResolve = false;
      if (!existsSync(resultsPath)) {
        report.problems.push(`${tag}: run exited 3 without an output CSV: ${lastLines(result.stderr)}`);
        break;
      }
      for (const [index, row] of readResults(resultsPath).entries()) {
        if (row.status !== 'unknown') continue;
        const created = ledger.find((e) => e.processed && e.amount === sentAmount(row.amount ?? ''));
        const verdict = created?.invoiceId ? ['--paid', created.invoiceId] : ['--not-paid'];
        const resolved = await runCliProcess(o.cli, ['resolve', input, '--row', String(index + 1), ...verdict], env);
        if (resolved.code !== 0) {
          report.problems.push(
            `${tag}: resolve of row ${index + 1} exited ${resolved.code}: ${lastLines(resolved.stderr)}`,
          );
          failedResolve = true;
          break;
        }
        if (created) report.resolvedPaid += 1;
        else report.resolvedNotPaid += 1;
      }
      if (failedResolve) break;
    }
    // The ledger is checked whatever happened; whether every row is paid only if the episode got to its end.
    if (!done && report.problems.length === problemsBefore)
      report.problems.push(`${tag}: not done after its bounded number of passes`);
    const balanceArrivals = await sandbox.balanceArrivals();
    report.balanceRequests += balanceArrivals.length;
    checkEpisode(
      tag,
      sandbox.ledger(),
      balanceArrivals,
      done ? readResults(resultsPath) : undefined,
      readJournal(journalPath),
      o,
      report,
    );
    const expected = new Set([
      'payroll.csv',
      'payroll.checkpoint.jsonl',
      'payroll.results.csv',
      'payroll.results.log.jsonl',
      'payroll.results.manifest.json',
      'ledger.jsonl',
      'state',
    ]);
    for (const name of readdirSync(dir)) {
      if (expected.has(name)) continue;
      const kind = name
        .split('.')
        .map((part) => (/^(\d+|[0-9a-f]{6,})$/.test(part) ? '*' : part))
        .join('.');
      report.leftovers[kind] = (report.leftovers[kind] ?? 0) + 1;
    }
  } finally {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where the kill landed, from what this run added to the journal and the ledger. */
function killPhase(journal: Array<Record<string, unknown>>, ledger: LedgerLine[]): KillPhase {
  const last = journal.at(-1);
  if (!last || last.type === 'header') return 'before any request (start-up, validation, pacing wait)';
  if (last.type === 'outcome' || last.type === 'resolve')
    return 'after an outcome (output refresh, pacing wait, next row)';
  if (last.type !== 'intent') return 'around a request that moves no money (the balance query)';
  return ledger.some((e) => e.amount === last.amount && e.arrivedAt >= Number(last.at))
    ? 'request arrived, outcome not on disk'
    : 'intent on disk, request not arrived';
}

function checkEpisode(
  tag: string,
  ledger: LedgerLine[],
  balanceArrivals: number[],
  results: Array<Record<string, string>> | undefined,
  journal: Array<Record<string, unknown>>,
  o: Resolved,
  report: ChaosReport,
): void {
  report.doublePayments.push(...doublePayments(ledger).map((d) => `${tag}: ${d}`));
  report.gapViolations.push(...gapViolations(ledger, o.intervalMs, balanceArrivals).map((d) => `${tag}: ${d}`));
  for (const e of ledger) {
    if (e.response === 'rate_limited') report.gapViolations.push(`${tag}: the sandbox rate-limited request ${e.seq}`);
  }
  if (results && results.length !== o.rows)
    report.problems.push(`${tag}: the output has ${results.length} rows, not ${o.rows}`);
  for (let i = 1; results && i <= o.rows; i += 1) {
    const created = ledger.filter((e) => e.processed && e.amount === sentAmount(amountOfRow(i)));
    const row = results[i - 1];
    if (created.length !== 1) report.problems.push(`${tag}: row ${i} was paid ${created.length} times`);
    else if (row?.status !== 'paid' || row.invoice_id !== created[0]?.invoiceId) {
      report.problems.push(
        `${tag}: row ${i} shows ${row?.status} ${row?.invoice_id}, the ledger ${created[0]?.invoiceId}`,
      );
    }
  }
  // The margin is an assumption about how late a request arrives after it starts: measure it.
  for (const entry of journal) {
    if (entry.type !== 'outcome') continue;
    const intent = journal.find((j) => j.type === 'intent' && j.row === entry.row && j.attempt === entry.attempt);
    const arrival = ledger.find(
      (e) =>
        e.amount === intent?.amount && e.arrivedAt >= Number(entry.startedAt) && e.arrivedAt <= Number(entry.endedAt),
    );
    if (!arrival) continue;
    const lagMs = arrival.arrivedAt - Number(entry.startedAt);
    report.maxArrivalLagMs = Math.max(report.maxArrivalLagMs, lagMs);
    report.measuredArrivals += 1;
    if (lagMs > o.marginMs) {
      report.lateArrivals += 1;
      const next = ledger.find((e) => e.arrivedAt > arrival.arrivedAt);
      if (process.env.CHAOS_DEBUG)
        o.log(
          `  late arrival: row ${String(entry.row)} started ${Number(entry.startedAt)}, arrived +${lagMs}, answered +${Number(entry.endedAt) - Number(entry.startedAt)}, next arrival +${next ? next.arrivedAt - Number(entry.startedAt) : '-'}`,
        );
    }
  }
}

/** The one-line summary `npm run test:chaos` ends with. */
export function summaryLine(report: ChaosReport): string {
  return (
    `chaos: ${report.killPoints} kill points, ${report.doublePayments.length} double payments, ` +
    `${report.gapViolations.length} gap violations, ${report.problems.length} other problems ` +
    `(seed ${report.seed}, ${report.episodes} payrolls, ${report.runs} runs, ${(report.durationMs / 1000).toFixed(1)} s)`
  );
}

/** The details behind the summary line. */
export function detailLines(report: ChaosReport): string[] {
  return [
    ...Object.entries(report.phases)
      .sort((a, b) => b[1] - a[1])
      .map(([phase, n]) => `  killed ${phase}: ${n}`),
    `  unknown rows resolved from the ledger: ${report.resolvedPaid} paid, ${report.resolvedNotPaid} not paid`,
    ...Object.entries(report.leftovers).map(([kind, n]) => `  left in the payroll's folder at the end: ${n} × ${kind}`),
    `  requests checked for the gap: ${report.measuredArrivals} payouts measured, plus ${report.balanceRequests} balance queries`,
    `  start-to-arrival delay: at most ${report.maxArrivalLagMs} ms; ${report.lateArrivals} of ${report.measuredArrivals} requests arrived later than the margin`,
    ...[...report.doublePayments, ...report.gapViolations, ...report.problems].map((line) => `  VIOLATION ${line}`),
  ];
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
