/**
 * The shapes of the CryptoCloud answers we rely on, as zod schemas. Every object is loose: the
 * API adds fields freely (the documented success body has ~60), and an extra field must never
 * turn a clear answer into an unclear one.
 *
 * Stage api/: may import journal, csv, validate, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import * as z from 'zod';
import { REJECT_KEYS, type RejectKey } from '../core/api-vocabulary.js';

/** The path of the withdrawal endpoint, appended to the base URL. */
export const CREATE_WITHDRAWAL_PATH = '/v2/invoice/api/out/create';

/**
 * A withdrawal id. The API promises an `INV-` prefix; the tail is limited to characters seen in
 * real ids so that an id we store in the output CSV and checkpoint is plain, single-line text.
 * Anything else makes the answer `unknown` (the safe side), never `accepted` with a strange id.
 */
export const INVOICE_ID_PATTERN = /^INV-[A-Za-z0-9_-]{1,64}$/;

export { REJECT_KEYS, type RejectKey };

/** The error key that means "too early, not processed". */
export const RATE_LIMIT_KEY = 'rate_limit';

/** The error key that means "the API key was refused". */
export const AUTHORIZATION_KEY = 'authorization';

/** `{"status":"success", "result"|"data": …}`: where an id may be found. */
export const successBodySchema = z.looseObject({
  status: z.literal('success'),
  result: z.unknown().optional(),
  data: z.unknown().optional(),
});

/** The object inside `result`/`data` that carries the id, under either of its two documented names. */
export const invoiceHolderSchema = z.looseObject({
  invoice_id: z.unknown().optional(),
  uuid: z.unknown().optional(),
});

/** An error message as the API writes it: one string or a list of them. */
export const errorMessageSchema = z.union([z.string(), z.array(z.string())]);

/** `{"status":"error","result"|"data":{KEY: message, …}}`. */
export const errorBodySchema = z.looseObject({
  status: z.literal('error'),
  result: z.record(z.string(), z.unknown()).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

/** The framework-level error body (`{"detail":"Invalid token."}`), sent when the key is refused. */
export const detailBodySchema = z.looseObject({
  detail: z.string(),
});
