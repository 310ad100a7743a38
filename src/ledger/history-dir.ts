/**
 * Where this machine's state lives: the outbox of every request sent (and, from earlier
 * versions, the payment history and the per-API clock, which the outbox reads on upgrade).
 *
 * Stage ledger/: may import output, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the state lives unless `--history-dir` says otherwise: `$PAYOUT_STATE_DIR`, else
 * `$XDG_STATE_HOME/payout`, else `~/.local/state/payout`.
 */
export function defaultHistoryDir(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  if (env.PAYOUT_STATE_DIR) return env.PAYOUT_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'payout');
  return join(home, '.local', 'state', 'payout');
}
