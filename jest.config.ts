import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // esbuild strips the types (the type check is `npm run check`'s tsc); it costs about a fifth less
  // CPU than ts-jest's transpile-only mode, which the 2-core machine spends on the tests instead.
  transform: { '^.+\\.ts$': '<rootDir>/test/helpers/esbuild-transform.js' },
  testTimeout: 30000,
  // Most tests wait on a sandbox, a child process or a paced interval rather than on the CPU, so
  // more workers than the two cores of the target machine still shorten the run (6 measured
  // fastest, against 4 and 8).
  maxWorkers: 6,
  // The slow files first, even on a machine without Jest's cache of their times.
  testSequencer: '<rootDir>/test/helpers/slow-first.js',
  // No test may read or write the user's real payment history.
  setupFilesAfterEnv: ['<rootDir>/test/helpers/isolate-state.ts'],
};

export default config;
