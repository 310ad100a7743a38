import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testTimeout: 30000,
  // Most tests wait on a sandbox, a child process or a paced interval rather than on the CPU, so
  // more workers than the two cores of the target machine still shorten the run.
  maxWorkers: 4,
  // The slow files first, even on a machine without Jest's cache of their times.
  testSequencer: '<rootDir>/test/helpers/slow-first.js',
  // No test may read or write the user's real payment history.
  setupFilesAfterEnv: ['<rootDir>/test/helpers/isolate-state.ts'],
};

export default config;
