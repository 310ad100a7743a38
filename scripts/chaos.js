// `npm run test:chaos`: at least 200 SIGKILLs at random moments into real `payout run` processes
// (the built CLI) against the sandbox in its own process; every unknown row resolved from the
// sandbox's ledger; then the ledger is checked. Ends with one line, e.g.
//   chaos: 214 kill points, 0 double payments, 0 gap violations, 0 other problems (…)
// and exits 1 on any violation.
//
// Environment: CHAOS_KILLS (default 200), CHAOS_SEED (default 20261121), CHAOS_JOBS (payrolls
// run side by side, each with its own sandbox and seed; default 2).
// The harness is test/chaos/harness.ts, shared with the Jest test; it is self-contained, so it
// is transpiled here on its own (TypeScript is a dev dependency) rather than through ts-node.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { builtBinPath } from '../dist/core/tool-info.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = builtBinPath();
const kills = positiveInt('CHAOS_KILLS', 200);
const seed = positiveInt('CHAOS_SEED', 20261121);
const jobs = positiveInt('CHAOS_JOBS', 2);

const source = readFileSync(join(root, 'test', 'chaos', 'harness.ts'), 'utf8');
const { outputText } = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  fileName: 'harness.ts',
});
const cache = join(root, 'node_modules', '.cache', 'payout-chaos');
mkdirSync(cache, { recursive: true });
writeFileSync(join(cache, 'harness.mjs'), outputText);
const harness = await import(pathToFileURL(join(cache, 'harness.mjs')).href);

const cleanUp = () => harness.killAllChildren({ sandboxes: true });
process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

const started = Date.now();
const perJob = Math.ceil(kills / jobs);
let reports;
try {
  // allSettled: a job that fails still lets the others finish and clean up their folders.
  const settled = await Promise.allSettled(
    Array.from({ length: jobs }, (_, job) =>
      harness.runChaos({
        cli,
        kills: perJob,
        seed: seed + job,
        log: (line) => process.stderr.write(`[job ${job + 1}] ${line}\n`),
      }),
    ),
  );
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  reports = settled.map((s) => s.value);
} finally {
  cleanUp();
}

const merged = reports.reduce((all, r) => ({
  ...all,
  killPoints: all.killPoints + r.killPoints,
  episodes: all.episodes + r.episodes,
  runs: all.runs + r.runs,
  resolvedPaid: all.resolvedPaid + r.resolvedPaid,
  resolvedNotPaid: all.resolvedNotPaid + r.resolvedNotPaid,
  phases: Object.fromEntries(
    [...new Set([...Object.keys(all.phases), ...Object.keys(r.phases)])].map((k) => [
      k,
      (all.phases[k] ?? 0) + (r.phases[k] ?? 0),
    ]),
  ),
  doublePayments: [...all.doublePayments, ...r.doublePayments],
  gapViolations: [...all.gapViolations, ...r.gapViolations],
  problems: [...all.problems, ...r.problems],
  maxArrivalLagMs: Math.max(all.maxArrivalLagMs, r.maxArrivalLagMs),
  lateArrivals: all.lateArrivals + r.lateArrivals,
  measuredArrivals: all.measuredArrivals + r.measuredArrivals,
  balanceRequests: all.balanceRequests + r.balanceRequests,
  leftovers: Object.fromEntries(
    [...new Set([...Object.keys(all.leftovers), ...Object.keys(r.leftovers)])].map((k) => [
      k,
      (all.leftovers[k] ?? 0) + (r.leftovers[k] ?? 0),
    ]),
  ),
}));
merged.seed = jobs > 1 ? `${seed}..${seed + jobs - 1}` : seed;
merged.durationMs = Date.now() - started;

for (const line of harness.detailLines(merged)) process.stdout.write(`${line}\n`);
process.stdout.write(`${harness.summaryLine(merged)}\n`);
const violations = merged.doublePayments.length + merged.gapViolations.length + merged.problems.length;
process.exitCode = violations > 0 || merged.killPoints < kills ? 1 : 0;

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`Expected ${name} to be a whole number >= 1, got \`${raw}\`\n`);
    process.exit(2);
  }
  return n;
}
