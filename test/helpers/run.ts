/**
 * Helpers for tests that call `run()` in-process against a sandbox over real HTTP.
 */
import { createClient } from '../../src/api/client.js';
import type { RunOptions } from '../../src/commands/options.js';
import type { Connect } from '../../src/commands/run.js';

/** The options `run` gets from the CLI's defaults, with what a test must say itself. */
export function runOptions(
  given: Pick<RunOptions, 'input' | 'baseUrl' | 'intervalMs'> & Partial<RunOptions>,
): RunOptions {
  return {
    dryRun: false,
    yes: true,
    marginMs: 100,
    timeoutMs: 1000,
    sandbox: false,
    skipInvalid: false,
    retryFailed: false,
    allowDuplicates: false,
    decimalComma: false,
    ...given,
  };
}

/** Connects `run` to the API named by its options with the real client (no mocked fetch). */
export const connectOverHttp: Connect = async (o) => {
  const client = createClient({ baseUrl: o.baseUrl, apiKey: o.apiKey ?? '', timeoutMs: o.timeoutMs });
  return { sender: client, balances: client, close: async () => {} };
};
