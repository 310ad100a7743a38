/**
 * Kill -9 anywhere: a few dozen SIGKILLs at seeded random moments into real `payout run`
 * processes, against the sandbox in its own process; resumed and resolved from the ledger until
 * done; then no amount paid twice, every row paid exactly once, every gap held.
 * `npm run test:chaos` runs the same harness with 200+ kill points.
 */
import { afterEach, expect, it } from '@jest/globals';
import { CLI } from '../helpers/payroll.js';
import { detailLines, killAllChildren, runChaos, summaryLine } from './harness.js';

const KILLS = Number(process.env.CHAOS_KILLS ?? 30);
const SEED = Number(process.env.CHAOS_SEED ?? 4242);

afterEach(() => killAllChildren({ sandboxes: true }));

it(`survives ${KILLS} kill -9 points without paying anything twice`, async () => {
  // Two payrolls side by side (each with its own sandbox), half the kills each. The deadline is
  // far: a loaded machine lands every kill point too, only later (it had missed 20 in 50 s).
  const deadline = Date.now() + 150_000;
  // allSettled: should one job throw, the other still finishes and removes its folders.
  const settled = await Promise.allSettled(
    [0, 1].map((job) => runChaos({ cli: CLI, kills: Math.ceil(KILLS / 2), seed: SEED + job, deadline })),
  );
  const reports = settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
  const killPoints = reports.reduce((n, r) => n + r.killPoints, 0);
  if (process.env.CHAOS_VERBOSE)
    process.stdout.write(`${reports.flatMap((r) => [summaryLine(r), ...detailLines(r)]).join('\n')}\n`);
  const violations = reports.flatMap((r) => [...r.doublePayments, ...r.gapViolations, ...r.problems]);
  if (violations.length > 0) throw new Error(reports.flatMap((r) => [summaryLine(r), ...detailLines(r)]).join('\n'));
  expect(violations).toEqual([]);
  // Every kill point lands: the deadline only guards against a harness that never ends.
  expect(killPoints).toBe(2 * Math.ceil(KILLS / 2));
}, 200_000);
