/**
 * Helpers for tests that call `run()` in-process against a sandbox over real HTTP.
 */
import { createClient } from '../../src/api/client.js';
import type { RunOptions } from '../../src/commands/options.js';
import type { Connect } from '../../src/commands/run.js';
import { createLogger, type Logger } from '../../src/log.js';

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

/**
 * The logger as the CLI builds it for `run`: the key among its secrets, debug lines shown, its
 * console lines kept in `console` (stderr's stand-in) and every line in the log file `logFile`.
 * For key tests, which must look where the key could really go.
 */
export function cliLogger(logFile: string, apiKey: string): { logger: Logger; console: string[] } {
  const console: string[] = [];
  const logger = createLogger({
    logFile,
    secrets: [apiKey],
    verbose: true,
    console: { write: (t) => console.push(t) },
  });
  return { logger, console };
}
