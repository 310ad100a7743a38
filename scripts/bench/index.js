// `npm run bench` (issue 7): measures the built CLI in one run and prints one table, so the ratios
// hold on a noisy machine. A benchmark, not a test: it never fails on a missed target (it exits 0
// and says MISS); it exits 1 only when a measurement could not be made.
//
//   npm run bench                  build, then every measurement (~3-4 min on 2 cores)
//   npm run bench -- --profile     also CPU-profile each missed target and rank self time (~1.5 min more)
//   other options: --rows N (default 1000000; smaller for a quick try), --keep (keep the temp folder)
//
// Writes the table as Markdown to bench-out/latest.md (and the profiles there with --profile).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtBinPath } from '../../dist/core/tool-info.js';
import { createJournalBuilder } from './lib/journal.js';
import { rowFields, createAddressMaker, writePayrolls } from './lib/payroll.js';
import { expectStatus, median, readVmHwmKb, rssMethod, runNodeMeasured, timeNodeSync } from './lib/proc.js';
import { formatProfile, summariseByOwner, summariseInclusive, summariseProfile } from './lib/profile.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = pathToFileURL(join(ROOT, 'dist/')).href;
const CLI = builtBinPath();
const BARE = join(ROOT, 'scripts', 'bench', 'bare-parse.js');
const VALIDATE_COST = join(ROOT, 'scripts', 'bench', 'validate-cost.js');
const LOAD_JOURNAL = join(ROOT, 'scripts', 'bench', 'load-journal.js');
const OUT_DIR = join(ROOT, 'bench-out');

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const BIG_ROWS = Number(option('--rows') ?? 1_000_000);
const MID_ROWS = Math.min(100_000, Math.floor(BIG_ROWS / 10));
const PROFILE = args.includes('--profile');
const KEEP = args.includes('--keep');

const SCHEDULE = { rows: 20, intervalMs: 2000, latencyMs: [20, 150] };
const REAL_INTERVAL_MS = 12_000;
const PENDING_ROWS = 10;
const DRY_RUNS = 3;
const RESUME_RUNS = 2;
const STARTUP_RUNS = 10;
const VALIDATION_ROWS = 100_000;

const TARGETS = {
  wastePct: 1,
  overheadPct: 2,
  dryRatio: 2.0,
  rssMb: 150,
  rssGrowth: 1.25,
  startupRatio: 3,
  resumeRatio: 1.2,
};

/** A payment history of its own, so bench payments never reach the operator's real one. */
const STATE_DIR = mkdtempSync(join(tmpdir(), 'payout-bench-state-'));
process.on('exit', () => rmSync(STATE_DIR, { recursive: true, force: true }));

/** Only the environment the CLI needs: no inherited base URL or key, and its own state dir. */
function childEnv(extra = {}) {
  const env = { ...process.env, PAYOUT_STATE_DIR: STATE_DIR, ...extra };
  delete env.CRYPTOCLOUD_BASE_URL;
  if (!('CRYPTOCLOUD_API_KEY' in extra)) delete env.CRYPTOCLOUD_API_KEY;
  delete env.NODE_OPTIONS;
  return env;
}

const say = (line) => process.stderr.write(`bench: ${line}\n`);
const mb = (kb) => kb / 1024;
const fmtMs = (ms) =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
const fmtInt = (n) => n.toLocaleString('en-US');
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

// ---------------------------------------------------------------------------------------------
// Machine and inputs

function machine() {
  let cpu = cpus()[0]?.model ?? 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: os.cpus() it is
  }
  return { cpu, cores: cpus().length, node: process.version };
}

/** The margin `run` uses when none is given, read from the built CLI's own help. */
function defaultMarginMs() {
  const help = spawnSync(process.execPath, [CLI, 'run', '--help'], { encoding: 'utf8', env: childEnv() }).stdout ?? '';
  const match = /--margin[\s\S]*?\[default: "?(\d+)"?\]/.exec(help);
  return match ? Number(match[1]) : 500;
}

/**
 * The payrolls (20 rows, MID_ROWS, BIG_ROWS; the smaller ones prefixes of the big one) and the
 * big one's checkpoint with all but the last PENDING_ROWS rows paid.
 */
async function makeInputs(dir) {
  const paths = { small: join(dir, 'small.csv'), mid: join(dir, 'mid.csv'), big: join(dir, 'big.csv') };
  const resumeDir = join(dir, 'resume');
  mkdirSync(resumeDir);
  const pristine = join(resumeDir, 'pristine.checkpoint.jsonl');
  const paidRows = BIG_ROWS - PENDING_ROWS;
  const journal = createJournalBuilder({ bodyPath: join(resumeDir, 'body.jsonl'), paidRows });
  let firstPending;
  const digests = await writePayrolls(
    [
      { path: paths.small, rows: SCHEDULE.rows },
      { path: paths.mid, rows: MID_ROWS },
      { path: paths.big, rows: BIG_ROWS },
    ],
    (row, fields) => {
      journal.onRow(row, fields);
      if (row === paidRows + 1) firstPending = fields;
    },
  );
  await journal.finish(pristine, DIST, { ...digests[paths.big], name: basename(paths.big) });
  await checkGenerator();
  return { paths, digests, resumeDir, pristine, firstPending, paidRows, scratch: join(dir, 'scratch') };
}

/**
 * The journal's intent lines carry each row's address and amount as the generator wrote them;
 * the built validator must agree that they are valid and already canonical.
 */
async function checkGenerator() {
  const { prepareValidation, validateRow } = await import(`${DIST}validate/index.js`);
  await prepareValidation();
  const maker = await createAddressMaker();
  for (let row = 1; row <= 3000; row++) {
    const f = rowFields(maker, row);
    const verdict = validateRow({ currency_code: f.code, to_address: f.address, amount: f.amount });
    if (!verdict.ok) throw new Error(`the generator made an invalid row ${row}: ${JSON.stringify(verdict.problems)}`);
    if (verdict.payout.toAddress !== f.address || verdict.payout.amount !== f.amount) {
      throw new Error(
        `row ${row}: the validator canonicalises ${f.address} ${f.amount} differently; the journal would not match`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Schedule efficiency

async function benchSchedule(input, marginMs, startSandbox) {
  const apiKey = randomBytes(16).toString('hex');
  const sandbox = await startSandbox({ intervalMs: SCHEDULE.intervalMs, latencyMs: SCHEDULE.latencyMs, apiKey });
  try {
    const startedAt = Date.now();
    const child = spawn(
      process.execPath,
      [CLI, 'run', input, '--base-url', sandbox.url, '--interval', String(SCHEDULE.intervalMs), '--yes'],
      {
        env: childEnv({ CRYPTOCLOUD_API_KEY: apiKey }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output = [];
    child.stdout.on('data', (c) => output.push(c));
    child.stderr.on('data', (c) => output.push(c));
    const status = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? signal));
    });
    const endedAt = Date.now();
    if (status !== 0)
      throw new Error(`the 20-row run exited ${status}:\n${Buffer.concat(output).toString('utf8').slice(-2000)}`);

    const ledger = sandbox.ledger();
    if (ledger.length !== SCHEDULE.rows || ledger.some((e) => e.response !== 'accepted')) {
      throw new Error(
        `the sandbox saw ${ledger.length} requests (${ledger.map((e) => e.response).join(', ')}), expected ${SCHEDULE.rows} accepted`,
      );
    }
    const arrivals = ledger.map((e) => e.arrivedAt);
    const outcomes = readFileSync(input.replace(/\.csv$/, '.checkpoint.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.type === 'outcome')
      .sort((a, b) => a.startedAt - b.startedAt);
    if (outcomes.length !== SCHEDULE.rows)
      throw new Error(`the checkpoint has ${outcomes.length} outcomes, expected ${SCHEDULE.rows}`);

    const gaps = SCHEDULE.rows - 1;
    const interval = SCHEDULE.intervalMs;
    // The pacer's rule: the next start waits interval after min(start + margin, answer).
    const rule = outcomes.slice(0, gaps).map((o) => Math.min(marginMs, o.endedAt - o.startedAt));
    const beyond = arrivals.slice(1).map((a, i) => a - arrivals[i] - interval);
    const wallMs = endedAt - startedAt;
    const startupMs = arrivals[0] - startedAt;
    const last = outcomes[gaps];
    const lastResponseMs = last.endedAt - arrivals[gaps];
    const wasteMs = wallMs - startupMs - rule.reduce((sum, r) => sum + interval + r, 0) - lastResponseMs;
    const slopMs = beyond.reduce((s, b, i) => s + b - rule[i], 0);
    const tailMs = endedAt - last.endedAt;
    const effRule = mean(rule);
    return {
      marginMs,
      effRule,
      effArrivals: mean(beyond),
      minGapMs: Math.min(...beyond) + interval,
      latencyMean: mean(outcomes.map((o) => o.endedAt - o.startedAt)),
      wallMs,
      startupMs,
      lastResponseMs,
      wasteMs,
      slopMs,
      tailMs,
      wastePct: (100 * wasteMs) / wallMs,
      overheadPct: (100 * (effRule + wasteMs / SCHEDULE.rows)) / REAL_INTERVAL_MS,
      worstOverheadPct: (100 * (marginMs + wasteMs / SCHEDULE.rows)) / REAL_INTERVAL_MS,
    };
  } finally {
    await sandbox.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Two payrolls paying at once (issue 11): they take turns under the machine's send lock

const TWO = { rows: 6, intervalMs: 1000, latencyMs: [20, 150] };

async function benchTwoAtOnce(dir, startSandbox) {
  const apiKey = randomBytes(16).toString('hex');
  const sandbox = await startSandbox({ intervalMs: TWO.intervalMs, latencyMs: TWO.latencyMs, apiKey });
  const state = mkdtempSync(join(tmpdir(), 'payout-bench-two-'));
  try {
    const inputs = [7, 8].map((whole) => {
      const path = join(dir, `two-${whole}.csv`);
      const lines = ['currency_code,to_address,amount'];
      for (let i = 1; i <= TWO.rows; i++)
        lines.push(`USDT_TRC20,TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t,${whole}.${String(i).padStart(6, '0')}`);
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    });
    const startedAt = Date.now();
    const statuses = await Promise.all(
      inputs.map((input) => {
        const child = spawn(
          process.execPath,
          [CLI, 'run', input, '--base-url', sandbox.url, '--interval', String(TWO.intervalMs), '--yes'],
          {
            env: childEnv({ CRYPTOCLOUD_API_KEY: apiKey, PAYOUT_STATE_DIR: state }),
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let stderr = '';
        child.stderr.on('data', (c) => (stderr += c));
        return new Promise((resolve, reject) => {
          child.once('error', reject);
          child.once('close', (code) => resolve({ code, stderr }));
        });
      }),
    );
    const wallMs = Date.now() - startedAt;
    for (const { code, stderr } of statuses)
      if (code !== 0) throw new Error(`a run of two at once exited ${code}:\n${stderr.slice(-2000)}`);
    const creates = sandbox.ledger();
    if (creates.length !== 2 * TWO.rows || creates.some((e) => e.response !== 'accepted')) {
      throw new Error(
        `two at once: the sandbox saw ${creates.length} requests (${creates.map((e) => e.response).join(', ')}), expected ${2 * TWO.rows} accepted`,
      );
    }
    const arrivals = [...creates.map((e) => e.arrivedAt), ...sandbox.balanceLedger().map((e) => e.arrivedAt)].sort(
      (a, b) => a - b,
    );
    const gaps = arrivals.slice(1).map((a, i) => a - arrivals[i]);
    return { requests: arrivals.length, minGapMs: Math.min(...gaps), beyondMs: mean(gaps) - TWO.intervalMs, wallMs };
  } finally {
    await sandbox.close();
    rmSync(state, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Start-up, validation, dry run

function benchStartup() {
  const cli = [];
  const bare = [];
  for (let i = 0; i < 2; i++) {
    timeNodeSync([CLI, '--help'], { env: childEnv() });
    timeNodeSync(['-e', '0'], { env: childEnv() });
  }
  for (let i = 0; i < STARTUP_RUNS; i++) {
    cli.push(timeNodeSync([CLI, '--help'], { env: childEnv() }));
    bare.push(timeNodeSync(['-e', '0'], { env: childEnv() }));
  }
  return { helpMs: median(cli), nodeMs: median(bare) };
}

function benchValidation() {
  const result = spawnSync(process.execPath, [VALIDATE_COST, String(VALIDATION_ROWS)], {
    encoding: 'utf8',
    env: childEnv(),
  });
  if (result.status !== 0) throw new Error(`validate-cost exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

async function benchDryRun(paths, scratch) {
  const dry = [];
  const bare = [];
  for (let i = 0; i < DRY_RUNS; i++) {
    const d = await runNodeMeasured([CLI, 'run', paths.big, '--dry-run'], { env: childEnv(), scratch });
    expectStatus(d, 0, 'the 1M-row dry run');
    dry.push(d);
    const b = await runNodeMeasured([BARE, paths.big], { env: childEnv(), scratch });
    expectStatus(b, 0, 'the bare csv-parse pass');
    if (b.stdout.trim() !== `${BIG_ROWS + 1}`)
      throw new Error(`the bare pass read ${b.stdout.trim()} records, expected ${BIG_ROWS} rows + the header`);
    bare.push(b);
  }
  // The same dry run kept on one thread (no worker), for the trade the worker makes: time against memory.
  const single = [];
  for (let i = 0; i < 2; i++) {
    const o = await runNodeMeasured([CLI, 'run', paths.big, '--dry-run'], {
      env: childEnv({ PAYOUT_PARALLEL_FROM_BYTES: String(Number.MAX_SAFE_INTEGER) }),
      scratch,
    });
    expectStatus(o, 0, 'the 1M-row dry run on one thread');
    single.push(o);
  }
  const mids = [];
  for (let i = 0; i < 2; i++) {
    const m = await runNodeMeasured([CLI, 'run', paths.mid, '--dry-run'], { env: childEnv(), scratch });
    expectStatus(m, 0, 'the 100k-row dry run');
    mids.push(m);
  }
  const dryMs = median(dry.map((r) => r.ms));
  const bareMs = median(bare.map((r) => r.ms));
  return {
    dryMs,
    bareMs,
    ratio: dryMs / bareMs,
    dryAll: dry.map((r) => r.ms),
    dryTailMs: median(dry.map((r) => r.tailMs)),
    bareAll: bare.map((r) => r.ms),
    rssBigMb: mb(Math.max(...dry.map((r) => r.rssKb))),
    rssMidMb: mb(Math.max(...mids.map((r) => r.rssKb))),
    rssBareMb: mb(Math.max(...bare.map((r) => r.rssKb))),
    singleMs: median(single.map((r) => r.ms)),
    rssSingleMb: mb(Math.max(...single.map((r) => r.rssKb))),
  };
}

// ---------------------------------------------------------------------------------------------
// Resume planning

/**
 * Starts a resume of the big payroll against a sandbox and resolves at the first request's
 * arrival: `{ ms, hwmKb, child, startedAt }`. The caller ends the child.
 */
async function startResume(inputs, sandbox, apiKey, extraNodeArgs = []) {
  const checkpoint = join(inputs.resumeDir, 'big.checkpoint.jsonl');
  const out = join(inputs.resumeDir, 'big.results.csv');
  // Each run starts from the same state: only the pristine checkpoint (no output, lock or log of an earlier run).
  for (const name of readdirSync(inputs.resumeDir)) {
    if (join(inputs.resumeDir, name) !== inputs.pristine)
      rmSync(join(inputs.resumeDir, name), { recursive: true, force: true });
  }
  copyFileSync(inputs.pristine, checkpoint);
  // And a state directory of its own: the outbox remembers the last run's payout, and the
  // pristine checkpoint, restored, would be refused as behind it (as a restored backup is).
  const state = join(inputs.resumeDir, 'state');
  const before = sandbox.ledger().length;
  const balancesBefore = sandbox.balanceLedger().length;
  const startedAt = Date.now();
  const child = spawn(
    process.execPath,
    [
      ...extraNodeArgs,
      CLI,
      'run',
      inputs.paths.big,
      '--checkpoint',
      checkpoint,
      '--out',
      out,
      '--base-url',
      sandbox.url,
      '--interval',
      String(SCHEDULE.intervalMs),
      '--yes',
    ],
    { env: childEnv({ CRYPTOCLOUD_API_KEY: apiKey, PAYOUT_STATE_DIR: state }), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = [];
  let firstOutputAt;
  child.stdout.on('data', (c) => {
    firstOutputAt ??= Date.now();
    output.push(c);
  });
  child.stderr.on('data', (c) => output.push(c));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const arrival = await new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const ledger = sandbox.ledger();
      if (ledger.length > before) {
        clearInterval(timer);
        resolve({
          entry: ledger[before],
          balance: sandbox.balanceLedger()[balancesBefore],
          hwmKb: readVmHwmKb(child.pid),
        });
      }
    }, 10);
    exited.then((status) => {
      clearInterval(timer);
      reject(
        new Error(
          `the resume exited ${status} before sending:\n${Buffer.concat(output).toString('utf8').slice(-2000)}`,
        ),
      );
    });
  });
  const { entry } = arrival;
  if (entry.to_address !== inputs.firstPending.address || entry.response !== 'accepted') {
    child.kill('SIGKILL');
    throw new Error(
      `the resume's first request was ${entry.response} for ${entry.to_address}; expected row ${inputs.paidRows + 1} (${inputs.firstPending.address})`,
    );
  }
  const firstLine = Buffer.concat(output).toString('utf8').split('\n')[0];
  // The first request is the balance query of the plan (a real run asks for the balances first); the first payout follows one interval after it.
  const firstRequestAt = Math.min(entry.arrivedAt, arrival.balance?.arrivedAt ?? Infinity);
  return {
    ms: firstRequestAt - startedAt,
    payoutMs: entry.arrivedAt - startedAt,
    firstOutputMs: firstOutputAt - startedAt,
    firstLine,
    hwmKb: arrival.hwmKb,
    child,
    exited,
  };
}

async function benchResume(inputs, startSandbox) {
  const runs = [];
  for (let i = 0; i < RESUME_RUNS; i++) {
    // A fresh sandbox each time: its gap rule would count from the previous run's request.
    const apiKey = randomBytes(16).toString('hex');
    const sandbox = await startSandbox({ intervalMs: SCHEDULE.intervalMs, apiKey });
    try {
      const run = await startResume(inputs, sandbox, apiKey);
      run.child.kill('SIGKILL'); // the measurement is done; a graceful stop would rewrite the output first
      await run.exited;
      runs.push(run);
    } finally {
      await sandbox.close();
    }
  }
  // loadJournal alone, in its own process: how much of the resume is replaying the checkpoint, and its memory.
  const load = await runNodeMeasured([LOAD_JOURNAL, inputs.pristine], { env: childEnv(), scratch: inputs.scratch });
  expectStatus(load, 0, 'loadJournal');
  const loaded = JSON.parse(load.stdout.trim());
  if (loaded.rows !== inputs.paidRows)
    throw new Error(`loadJournal replayed ${loaded.rows} rows, expected ${inputs.paidRows}`);
  return {
    ms: median(runs.map((r) => r.ms)),
    all: runs.map((r) => r.ms),
    payoutMs: median(runs.map((r) => r.payoutMs)),
    firstOutputMs: median(runs.map((r) => r.firstOutputMs)),
    firstLine: runs[0].firstLine,
    hwmMb: mb(Math.max(...runs.map((r) => r.hwmKb ?? 0))),
    journalMb: statSync(inputs.pristine).size / 1e6,
    loadMs: loaded.ms,
    loadRssMb: mb(load.rssKb),
  };
}

// ---------------------------------------------------------------------------------------------
// Profiles of the misses

function newestProfile(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}`);
  return join(dir, files.sort().pop());
}

async function profileMisses(misses, inputs, scratch, startSandbox) {
  const sections = [];
  const profDir = join(OUT_DIR, 'profiles');
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  const summarise = (title, file, untilMs) => {
    const summary = summariseProfile(file, { root: ROOT, top: 15, untilMs });
    const owners = summariseByOwner(file, { root: ROOT, untilMs });
    const inclusive = summariseInclusive(file, { root: ROOT, untilMs });
    sections.push({ title, file, lines: formatProfile(summary, owners, inclusive) });
  };
  if (misses.has('dry')) {
    const dir = join(profDir, 'dry-run');
    mkdirSync(dir);
    say(`profiling the ${fmtInt(BIG_ROWS)}-row dry run…`);
    const r = await runNodeMeasured(
      ['--cpu-prof', `--cpu-prof-dir=${dir}`, CLI, 'run', inputs.paths.big, '--dry-run'],
      { env: childEnv(), scratch },
    );
    expectStatus(r, 0, 'the profiled dry run');
    summarise(`dry run, ${fmtInt(BIG_ROWS)} rows (${fmtMs(r.ms)} under the profiler)`, newestProfile(dir));
  }
  if (misses.has('resume')) {
    const dir = join(profDir, 'resume');
    mkdirSync(dir);
    say('profiling the resume (to its first request)…');
    const apiKey = randomBytes(16).toString('hex');
    const sandbox = await startSandbox({ intervalMs: SCHEDULE.intervalMs, apiKey });
    try {
      const run = await startResume(inputs, sandbox, apiKey, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
      // SIGINT lets it write the profile; its samples are cut at the first request's arrival.
      run.child.kill('SIGINT');
      await run.exited;
      summarise(
        `resume, ${fmtInt(inputs.paidRows)} of ${fmtInt(BIG_ROWS)} rows done, up to the first request (${fmtMs(run.ms)} under the profiler)`,
        newestProfile(dir),
        run.ms,
      );
    } finally {
      await sandbox.close();
    }
  }
  if (misses.has('startup')) {
    const dir = join(profDir, 'startup');
    mkdirSync(dir);
    spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, CLI, '--help'], {
      env: childEnv(),
      stdio: 'ignore',
    });
    summarise('start-up (--help)', newestProfile(dir));
  }
  return sections;
}

// ---------------------------------------------------------------------------------------------
// The table

function verdict(value, target) {
  return value <= target ? 'PASS' : 'MISS';
}

function buildTable(m) {
  const rows = [];
  const section = (title) => rows.push({ section: title });
  const line = (measure, target, measured, result = 'info') => rows.push({ measure, target, measured, result });
  const s = m.schedule;
  section(
    `Schedule efficiency: ${SCHEDULE.rows} rows, interval ${fmtInt(SCHEDULE.intervalMs)} ms, sandbox latency ${SCHEDULE.latencyMs.join('-')} ms`,
  );
  line('safety margin configured (`--margin` default)', '', `${s.marginMs} ms`);
  line("effective margin, pacer's rule min(margin, answer time), mean", '', `${s.effRule.toFixed(1)} ms`);
  line(
    "mean gap beyond the interval, on the sandbox's arrivals",
    '',
    `${s.effArrivals.toFixed(1)} ms (smallest gap ${fmtInt(Math.round(s.minGapMs))} ms)`,
  );
  line(
    'wall time · start-up to 1st arrival · last response',
    '',
    `${fmtMs(s.wallMs)} · ${fmtMs(s.startupMs)} · ${fmtMs(s.lastResponseMs)}`,
  );
  line(
    `waste beyond the margin: wall − start-up − ${SCHEDULE.rows - 1}×(interval + effective margin) − last response`,
    `≤ ${TARGETS.wastePct} % of wall`,
    `${fmtMs(s.wasteMs)} = ${s.wastePct.toFixed(2)} % (pacing slop ${fmtMs(s.slopMs)}, exit tail ${fmtMs(s.tailMs)})`,
    verdict(s.wastePct, TARGETS.wastePct),
  );
  line(
    `overhead per request at ${fmtInt(REAL_INTERVAL_MS)} ms: (effective margin + waste per row) / ${fmtInt(REAL_INTERVAL_MS)}`,
    `≤ ${TARGETS.overheadPct} %`,
    `${s.overheadPct.toFixed(2)} %`,
    verdict(s.overheadPct, TARGETS.overheadPct),
  );
  line('↳ same, answers slower than the margin (margin fully used)', '', `${s.worstOverheadPct.toFixed(2)} %`);

  const t = m.two;
  section(
    `Two payrolls paying at once: ${TWO.rows} rows each, one state directory, interval ${fmtInt(TWO.intervalMs)} ms, sandbox latency ${TWO.latencyMs.join('-')} ms`,
  );
  line(
    `smallest gap between any two of the ${t.requests} arrivals (payouts and balance queries of both)`,
    `≥ ${fmtInt(TWO.intervalMs)} ms`,
    `${fmtInt(t.minGapMs)} ms`,
    t.minGapMs >= TWO.intervalMs ? 'PASS' : 'MISS',
  );
  line('mean gap beyond the interval · wall time of both', '', `${t.beyondMs.toFixed(1)} ms · ${fmtMs(t.wallMs)}`);

  const d = m.dry;
  section(
    `Dry run at scale: ${fmtInt(BIG_ROWS)} unique checksummed rows (${(m.bigBytes / 1e6).toFixed(1)} MB, ⅔ EIP-55 EVM, ⅓ Tron)`,
  );
  line('`payout run big.csv --dry-run`, median', '', `${fmtMs(d.dryMs)} (runs: ${d.dryAll.map(fmtMs).join(', ')})`);
  line('↳ of which: last line on stdout → process exit', '', fmtMs(d.dryTailMs));
  line('bare csv-parse stream (arrays), median', '', `${fmtMs(d.bareMs)} (runs: ${d.bareAll.map(fmtMs).join(', ')})`);
  line(
    'dry run / bare parse',
    `≤ ${TARGETS.dryRatio.toFixed(1)}`,
    `${d.ratio.toFixed(2)}`,
    verdict(d.ratio, TARGETS.dryRatio),
  );
  line(
    `peak RSS, dry run ${fmtInt(MID_ROWS)} rows`,
    `≤ ${TARGETS.rssMb} MB`,
    `${d.rssMidMb.toFixed(0)} MB`,
    verdict(d.rssMidMb, TARGETS.rssMb),
  );
  line(
    `peak RSS, dry run ${fmtInt(BIG_ROWS)} rows`,
    `≤ ${TARGETS.rssMb} MB`,
    `${d.rssBigMb.toFixed(0)} MB`,
    verdict(d.rssBigMb, TARGETS.rssMb),
  );
  line(
    `RSS growth ${fmtInt(MID_ROWS)} → ${fmtInt(BIG_ROWS)} rows (flat)`,
    `≤ ${TARGETS.rssGrowth}×`,
    `${(d.rssBigMb / d.rssMidMb).toFixed(2)}×`,
    verdict(d.rssBigMb / d.rssMidMb, TARGETS.rssGrowth),
  );
  line('peak RSS, bare parse (reference)', '', `${d.rssBareMb.toFixed(0)} MB`);
  line(
    '↳ the same dry run on one thread (`PAYOUT_PARALLEL_FROM_BYTES` above the file size)',
    '',
    `${fmtMs(d.singleMs)} = ${(d.singleMs / d.bareMs).toFixed(2)}× the bare parse, peak RSS ${d.rssSingleMb.toFixed(0)} MB`,
  );

  const u = m.startup;
  section(`Start-up: median of ${STARTUP_RUNS}`);
  line(
    '`payout --help` / `node -e 0`',
    `≤ ${TARGETS.startupRatio}`,
    `${(u.helpMs / u.nodeMs).toFixed(2)} (${fmtMs(u.helpMs)} / ${fmtMs(u.nodeMs)})`,
    verdict(u.helpMs / u.nodeMs, TARGETS.startupRatio),
  );

  const r = m.resume;
  section(
    `Resume planning: checkpoint of ${fmtInt(BIG_ROWS - PENDING_ROWS)} paid rows (${r.journalMb.toFixed(0)} MB), last ${PENDING_ROWS} pending`,
  );
  line(
    "start → first request arrives at the sandbox (the plan's balance query), median",
    '',
    `${fmtMs(r.ms)} (runs: ${r.all.map(fmtMs).join(', ')})`,
  );
  line(
    'resume to first request / dry run',
    `≤ ${TARGETS.resumeRatio}`,
    `${(r.ms / d.dryMs).toFixed(2)}`,
    verdict(r.ms / d.dryMs, TARGETS.resumeRatio),
  );
  line(
    '↳ of which: start → first line on stdout (journal replay + pass 1)',
    '',
    `${fmtMs(r.firstOutputMs)} ("${r.firstLine.slice(0, 32)}…")`,
  );
  line(
    '↳ of which: first line on stdout → first request (plan: history, balance query)',
    '',
    `${fmtMs(r.ms - r.firstOutputMs)}`,
  );
  line(
    `↳ then → first payout arrives (one ${fmtInt(SCHEDULE.intervalMs)} ms interval after the balance query; pass 2 runs inside it)`,
    '',
    `${fmtMs(r.payoutMs - r.ms)} (start → first payout ${fmtMs(r.payoutMs)})`,
  );
  line(
    '↳ loadJournal alone, in its own process (replay of the checkpoint)',
    '',
    `${fmtMs(r.loadMs)}, peak RSS ${r.loadRssMb.toFixed(0)} MB`,
  );
  line('peak RSS up to the first request', '', `${r.hwmMb.toFixed(0)} MB`);

  const v = m.validation;
  section(
    `Validation cost: built validateRow after prepareValidation(), ${fmtInt(VALIDATION_ROWS)} rows each, median of 5`,
  );
  line('EVM, EIP-55 mixed case (keccak-256)', '', `${v.evm_eip55.toFixed(2)} µs/row`);
  line('Tron, base58check (double SHA-256)', '', `${v.tron.toFixed(2)} µs/row`);
  line('EVM, all small letters (no checksum; reference)', '', `${v.evm_lowercase.toFixed(2)} µs/row`);
  return rows;
}

function renderText(rows, header) {
  const w = [0, 0, 0, 0];
  const cells = rows.filter((r) => !r.section).map((r) => [r.measure, r.target, r.measured, r.result]);
  for (const c of [['measure', 'target', 'measured', 'result'], ...cells])
    c.forEach((x, i) => (w[i] = Math.max(w[i], x.length)));
  const fmt = (c) =>
    c
      .map((x, i) => x.padEnd(w[i]))
      .join('  ')
      .trimEnd();
  const out = [...header, '', fmt(['measure', 'target', 'measured', 'result']), w.map((n) => '-'.repeat(n)).join('  ')];
  for (const r of rows) out.push(r.section ? `\n${r.section}` : fmt([r.measure, r.target, r.measured, r.result]));
  return out.join('\n');
}

function renderMarkdown(rows, header) {
  const esc = (x) => x.replace(/\|/g, '\\|');
  const out = [
    ...header.map((h) => `${h}  `),
    '',
    '| measure | target | measured | result |',
    '| --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    out.push(
      r.section
        ? `| **${esc(r.section)}** | | | |`
        : `| ${esc(r.measure)} | ${esc(r.target)} | ${esc(r.measured)} | ${r.result === 'info' ? '' : `**${r.result}**`} |`,
    );
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const began = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'payout-bench-'));
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch);
  try {
    const { startSandbox } = await import(`${DIST}sandbox/index.js`);
    const host = machine();
    const loadAtStart = loadavg()[0];
    if (loadAtStart > host.cores)
      say(`the load average is ${loadAtStart.toFixed(1)} on ${host.cores} cores: other work competes with this run`);
    const marginMs = defaultMarginMs();

    say(`generating ${fmtInt(BIG_ROWS)}-row payroll and its checkpoint in ${dir}…`);
    const genStart = performance.now();
    const inputs = await makeInputs(dir);
    const genMs = performance.now() - genStart;

    say(
      `schedule: ${SCHEDULE.rows} rows at ${SCHEDULE.intervalMs} ms (~${Math.round(((SCHEDULE.rows - 1) * SCHEDULE.intervalMs) / 1000)} s)…`,
    );
    const schedule = await benchSchedule(inputs.paths.small, marginMs, startSandbox);
    say(
      `two payrolls at once: 2×${TWO.rows} rows at ${TWO.intervalMs} ms (~${Math.round((2 * TWO.rows * TWO.intervalMs) / 1000)} s)…`,
    );
    const two = await benchTwoAtOnce(scratch, startSandbox);
    say('start-up…');
    const startup = benchStartup();
    say('validation cost…');
    const validation = benchValidation();
    say(`dry run vs bare parse, ${DRY_RUNS} rounds, and peak RSS…`);
    const dry = await benchDryRun(inputs.paths, scratch);
    say(`resume to first request, ${RESUME_RUNS} runs…`);
    const resume = await benchResume(inputs, startSandbox);

    const measured = {
      schedule,
      two,
      startup,
      validation,
      dry,
      resume,
      bigBytes: inputs.digests[inputs.paths.big].bytes,
    };
    const rows = buildTable(measured);
    const benchMs = performance.now() - began;
    const header = [
      `payout bench · ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      `machine: ${host.cpu} · ${host.cores} cores · Node ${host.node} · peak RSS by ${rssMethod}`,
      `one run: ${fmtMs(benchMs)} in all (input generation ${fmtMs(genMs)}) · load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`,
    ];
    const misses = rows.filter((r) => r.result === 'MISS');
    process.stdout.write(
      `${renderText(rows, header)}\n\n${misses.length === 0 ? 'Every target met.' : `${misses.length} target(s) missed.`}\n`,
    );
    mkdirSync(OUT_DIR, { recursive: true });
    let markdown = renderMarkdown(rows, header);

    if (PROFILE && misses.length > 0) {
      const which = new Set();
      if (dry.ratio > TARGETS.dryRatio || dry.rssBigMb > TARGETS.rssMb || dry.rssMidMb > TARGETS.rssMb)
        which.add('dry');
      if (resume.ms / dry.dryMs > TARGETS.resumeRatio) which.add('resume');
      if (startup.helpMs / startup.nodeMs > TARGETS.startupRatio) which.add('startup');
      const sections = await profileMisses(which, inputs, scratch, startSandbox);
      for (const s of sections) {
        process.stdout.write(`\nProfile: ${s.title}\n${s.lines.join('\n')}\n(${s.file})\n`);
        markdown += `\n### Profile: ${s.title}\n\n\`\`\`\n${s.lines.join('\n')}\n\`\`\`\n`;
      }
    }
    writeFileSync(join(OUT_DIR, 'latest.md'), markdown);
    process.stdout.write(`\nMarkdown: ${join(OUT_DIR, 'latest.md')}\n`);
  } finally {
    if (KEEP) say(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
