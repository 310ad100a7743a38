/**
 * How `run` reaches the API: a real client, or the in-process sandbox. Injected so tests can count.
 *
 * Stage pay/: may import plan, output, ledger, scan, journal, csv, validate, api, schedule,
 * sandbox, core (.dependency-cruiser.cjs).
 */
import type { PlanConnection } from '../plan/plan-options.js';
import type { WithdrawalSender } from './send-loop.js';

/** An open way to the API: what the plan reads through it, and the sender the send loop uses. */
export interface ApiConnection extends PlanConnection {
  sender: WithdrawalSender;
}
