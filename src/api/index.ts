/**
 * The CryptoCloud API client: request, response schemas, outcome classification.
 *
 * Stage api/: may import journal, csv, validate, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
export { buildRequestBody, createClient } from './client.js';
export { isLoopbackHost } from '../core/api-vocabulary.js';
export type { Attempt, BalanceAttempt, BalanceReader, ClientOptions, WithdrawalClient } from './client.js';
export { BALANCE_PATH, readBalanceAnswer } from './balance.js';
export type { BalanceAnswer } from './balance.js';
export { classifyFetchError, classifyResponse } from './classify.js';
export type { FetchErrorContext } from './classify.js';
export { REDACTED, createRedactor } from './redact.js';
export { CREATE_WITHDRAWAL_PATH, INVOICE_ID_PATTERN, REJECT_KEYS } from './schemas.js';
export type { RejectKey } from './schemas.js';
