/**
 * How `run` reaches the API: a real client, or the in-process sandbox. Injected so tests can count.
 */
import type { BalanceReader } from '../api/client.js';
import type { RunOptions } from '../commands/options.js';
import type { WithdrawalSender } from './send-loop.js';

/** An open way to the API. */
export interface ApiConnection {
  sender: WithdrawalSender;
  /** Reads the balances before a run; without it the balance check is skipped (and the plan says so). */
  balances?: BalanceReader;
  close(): Promise<void>;
}

export type Connect = (options: RunOptions) => Promise<ApiConnection>;
