/**
 * Jest's test sequencer, with the slow files first on a machine that has never run them. Jest
 * orders by each file's time in its cache and, without a cache (a fresh clone, CI), by file size,
 * which started kill9 and contract (27 s and 31 s) two minutes into a 159 s run, and they ended
 * it. A file Jest has timed keeps its measured time; a file it has not uses the estimate below,
 * and one with neither goes after them, largest first.
 */
import { relative } from 'node:path';
import Sequencer from '@jest/test-sequencer';

/** Seconds each took in a whole `npm test` run on the two-core target machine (2026-12-05). */
const ESTIMATE = new Map([
  ['test/chaos/clock-step.test.ts', 59],
  ['test/chaos/outbox.test.ts', 49],
  ['test/chaos/two-runs.test.ts', 38],
  ['test/chaos/full-disk.test.ts', 33],
  ['test/cli/contract.test.ts', 31],
  ['test/cli/signals.test.ts', 28],
  ['test/chaos/kill9.test.ts', 27],
  ['test/commands/pay.test.ts', 25],
  ['test/cli/journal-damage.test.ts', 23],
  ['test/scan/parallel-scan.test.ts', 22],
  ['test/journal/row-records.test.ts', 18],
  ['test/chaos/restart-gap.test.ts', 16],
  ['test/journal/load-fast.test.ts', 14],
  ['test/scripts/demo.test.ts', 14],
  ['test/journal/common-line.test.ts', 13],
  ['test/plan/plan.test.ts', 11],
  ['test/cli/slow-connect.test.ts', 11],
  ['test/chaos/key-echo.test.ts', 11],
  ['test/cli/plan-options.test.ts', 11],
  ['test/cli/crash.test.ts', 9],
  ['test/chaos/unknown-resume.test.ts', 9],
  ['test/sandbox/faults.test.ts', 8],
]);

export default class SlowFirst extends Sequencer {
  sort(tests) {
    const size = (test) => test.context.hasteFS.getSize(test.path) ?? 0;
    const expected = (test) => {
      const estimate = ESTIMATE.get(relative(test.context.config.rootDir, test.path).split('\\').join('/'));
      return this.time(test) ?? (estimate === undefined ? undefined : estimate * 1000);
    };
    for (const test of tests) test.duration = this.time(test);
    const failed = new Map(tests.map((test) => [test, this.hasFailed(test)]));
    const time = new Map(tests.map((test) => [test, expected(test)]));
    return [...tests].sort((a, b) => {
      if (failed.get(a) !== failed.get(b)) return failed.get(a) ? -1 : 1;
      const ta = time.get(a);
      const tb = time.get(b);
      if ((ta === undefined) !== (tb === undefined)) return ta === undefined ? 1 : -1;
      if (ta !== undefined && tb !== undefined && ta !== tb) return tb - ta;
      return size(b) - size(a);
    });
  }
}
