// `npm run mutate`: StrykerJS on the money core, a measurement like the bench (not part of CI).
// Each mutant is a small change to a money rule; the unit tests of the money core must fail.
// Those tests run in-process (about 20 s in all), so that a mutant found while modules load (a
// "static" one, which Stryker tests against every selected test) costs seconds, not the whole
// suite. The process tests run the built CLI from dist/, which Stryker does not mutate; dist/ is
// copied into the sandbox (built first by `npm run mutate`) for the unit tests that start it once.
// MUTATE=glob[,glob] narrows the files mutated (e.g. MUTATE=src/api/redact.ts), MUTATE_TESTS the
// test files run.
const moneyCore = [
  'src/api/redact.ts',
  'src/api/classify.ts',
  'src/schedule/pacer.ts',
  'src/journal/replay.ts',
  'src/journal/file.ts',
  'src/ledger/outbox-file.ts',
  'src/ledger/outbox-lines.ts',
  'src/pay/send-loop.ts',
  'src/pay/next-step.ts',
  'src/output/rules.ts',
  'src/plan/assemble.ts',
  'src/core/errors.ts',
];

/** The unit tests of the money core (the slow stress tests of loading large journals are left out). */
const moneyTests = [
  'test/api/redact.test.ts',
  'test/api/classify.test.ts',
  'test/api/client.test.ts',
  'test/schedule/pacer.test.ts',
  'test/journal/journal.test.ts',
  'test/journal/schemas.test.ts',
  'test/journal/row-records.test.ts',
  'test/journal/replay.test.ts',
  'test/journal/journal-load.test.ts',
  'test/journal/journal-disk.test.ts',
  'test/journal/journal-faults.test.ts',
  'test/ledger/outbox-file.test.ts',
  'test/ledger/outbox-disk.test.ts',
  'test/ledger/outbox-faults.test.ts',
  'test/ledger/ledger.test.ts',
  'test/ledger/payment-index.test.ts',
  'test/pay/send-loop.test.ts',
  'test/pay/send-loop-steps.test.ts',
  'test/pay/send-loop-disk.test.ts',
  'test/pay/next-step.test.ts',
  'test/pay/never-sent.test.ts',
  'test/output/rules.test.ts',
  'test/plan/assemble.test.ts',
  'test/core/errors.test.ts',
  'test/core/disk-errors.test.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: process.env.MUTATE ? process.env.MUTATE.split(',') : moneyCore,
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'],
  jest: {
    configFile: 'jest.config.ts',
    enableFindRelatedTests: true,
    config: {
      testMatch: (process.env.MUTATE_TESTS ? process.env.MUTATE_TESTS.split(',') : moneyTests).map(
        (file) => `<rootDir>/${file}`,
      ),
    },
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['bench-out', 'reports', 'coverage'],
};
