/**
 * How `run` reaches the API: the real client, or a sandbox started in this process.
 *
 * Stage cli/: may import commands, pay, plan, output, ledger, scan, journal, csv, validate, api,
 * schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { randomBytes } from 'node:crypto';
import { createClient } from '../api/client.js';
import type { ApiConnection } from '../commands/run.js';
import type { RunOptions } from '../commands/options.js';

/** Connects `run` to the API named by the options. */
export async function connect(options: RunOptions): Promise<ApiConnection> {
  if (!options.sandbox) {
    if (!options.apiKey) throw new Error('connect() without an API key');
    const client = createClient({ baseUrl: options.baseUrl, apiKey: options.apiKey, timeoutMs: options.timeoutMs });
    return { sender: client, balances: client, close: async () => {} };
  }
  const { startSandbox } = await import('../sandbox/index.js');
  const apiKey = randomBytes(16).toString('hex');
  const sandbox = await startSandbox({ intervalMs: options.intervalMs, apiKey });
  const client = createClient({ baseUrl: sandbox.url, apiKey, timeoutMs: options.timeoutMs });
  return { sender: client, balances: client, close: () => sandbox.close() };
}
