// `npm run mutate`: StrykerJS on the money core, a measurement like the bench (not part of CI).
// Each mutant is a small change to a money rule; the in-process tests that cover it must fail.
// The process tests run the built CLI from dist/, which Stryker does not mutate: they are left out.
// MUTATE=glob[,glob] narrows the run (e.g. MUTATE=src/api/redact.ts).
const moneyCore = [
  'src/api/redact.ts',
  'src/api/classify.ts',
  'src/schedule/pacer.ts',
  'src/journal/replay.ts',
  'src/journal/file.ts',
  'src/ledger/outbox-file.ts',
  'src/ledger/outbox-lines.ts',
  'src/pay/send-loop.ts',
  'src/output/rules.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: process.env.MUTATE ? process.env.MUTATE.split(',') : moneyCore,
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'],
  jest: {
    configFile: 'jest.config.ts',
    enableFindRelatedTests: true,
    config: { testPathIgnorePatterns: ['/node_modules/', '/test/chaos/', '/test/cli/', '/test/scripts/'] },
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', 'bench-out', 'reports', 'coverage'],
};
