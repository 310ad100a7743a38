/**
 * The sandbox: a local CryptoCloud emulator on a real HTTP server, for tests and for
 * `payout sandbox`. It answers like the real API (auth, the 12 s gap rule measured on arrival,
 * validation, balances, three success shapes) and records every create request in a ledger,
 * so a test can check on the "bank's" side that nothing was paid twice.
 *
 * Endpoints:
 * - `POST /v2/invoice/api/out/create` (auth): the withdrawal endpoint. Checks, in order:
 *   auth (401 `{"detail":"Invalid token."}`), an injected fault, the gap rule (`rate_limit`),
 *   then the body (`validate_error`, `required_parameter`, `currency_code`, `network`,
 *   `uncorrected_amount`), all 400 `{"status":"error","result":{KEY: message}}`.
 * - `POST /v2/merchant/wallet/balance/all` (auth): the balances. Outside the gap rule and the ledger;
 *   its arrivals are listed by `balanceLedger()`, and `balanceAnswer` makes it misbehave.
 * - `POST /_sandbox/faults` `{"faults":[…]}`, `GET /_sandbox/ledger`, `GET /_sandbox/balance-ledger`, `GET /_sandbox/health`:
 *   test control from other processes; no auth, loopback callers only.
 *
 * Stage sandbox/: may import journal, csv, validate, api, schedule, core (.dependency-cruiser.cjs).
 */
export { startSandbox, BALANCE_PATH, CONTROL_PREFIX, CREATE_PATH } from './server.js';
export type { BalanceAnswerStyle, BalanceLedgerEntry, LedgerEntry, Sandbox, SandboxOptions } from './types.js';
export { REJECT_KEYS, faultSchema } from './faults.js';
export type { Fault, FaultWhen, RejectKey } from './faults.js';
export { DEFAULT_BALANCE, DEFAULT_INTERVAL_MS } from './options.js';
