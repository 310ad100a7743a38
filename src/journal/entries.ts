/**
 * The lines of the checkpoint journal (JSON Lines, append-only). Every line is validated on
 * replay: a journal is money's memory, so a line we cannot read is refused, never guessed at.
 */
import { z } from 'zod';

/** Bumped when a line's meaning changes; a journal of another version is refused. */
export const JOURNAL_VERSION = 1;

const outcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('accepted'), invoiceId: z.string() }),
  z.object({ kind: z.literal('rejected'), code: z.string(), message: z.string() }),
  z.object({ kind: z.literal('rate_limited'), message: z.string() }),
  z.object({ kind: z.literal('auth_failed'), message: z.string() }),
  z.object({ kind: z.literal('never_sent'), message: z.string() }),
  z.object({ kind: z.literal('unknown'), message: z.string() }),
]);

const rowNumber = z.number().int().positive();
const epochMs = z.number().int().nonnegative();

/** First line: which input (by the SHA-256 of its exact bytes) this journal belongs to. */
export const headerSchema = z.object({
  type: z.literal('header'),
  version: z.literal(JOURNAL_VERSION),
  input: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative(), name: z.string() }),
  createdAt: z.string(),
});

/** Written and fsynced before a request leaves: from here on, the row may be paid. */
export const intentSchema = z.object({
  type: z.literal('intent'),
  row: rowNumber,
  attempt: z.number().int().positive(),
  at: epochMs,
  currency_code: z.string(),
  to_address: z.string(),
  amount: z.string(),
});

/** What the request came to, with when it started and when its outcome became known. */
export const outcomeEntrySchema = z.object({
  type: z.literal('outcome'),
  row: rowNumber,
  attempt: z.number().int().positive(),
  startedAt: epochMs,
  endedAt: epochMs,
  outcome: outcomeSchema,
});

/** The operator settled an unknown row after checking the dashboard (`payout resolve`). */
export const resolveSchema = z.object({
  type: z.literal('resolve'),
  row: rowNumber,
  at: epochMs,
  invoiceId: z.string().nullable(),
});

/**
 * An API request that moves no money (the balance query), journaled only for its timing: the
 * gap between any two requests must hold across a restart too. Written (fsynced) with `at`
 * alone before the request leaves, then again with its start and end once it is over.
 */
export const requestSchema = z.object({
  type: z.literal('request'),
  what: z.literal('balance'),
  at: epochMs,
  startedAt: epochMs.optional(),
  endedAt: epochMs.optional(),
});

export const entrySchema = z.discriminatedUnion('type', [headerSchema, intentSchema, outcomeEntrySchema, resolveSchema, requestSchema]);

export type JournalHeader = z.infer<typeof headerSchema>;
export type IntentEntry = z.infer<typeof intentSchema>;
export type OutcomeEntry = z.infer<typeof outcomeEntrySchema>;
export type ResolveEntry = z.infer<typeof resolveSchema>;
export type RequestEntry = z.infer<typeof requestSchema>;
export type JournalEntry = z.infer<typeof entrySchema>;

/** A JSON string with no escape and no control character: its value is the text between the quotes. */
const PLAIN_STRING = '"([^"\\\\\\u0000-\\u001f]*)"';
/** A JSON integer without sign, fraction or exponent, short enough to check against 2^53. */
const PLAIN_INTEGER = '(0|[1-9][0-9]{0,15})';
const INTENT_LINE = new RegExp(
  `^\\{"type":"intent","row":${PLAIN_INTEGER},"attempt":${PLAIN_INTEGER},"at":${PLAIN_INTEGER},` +
    `"currency_code":${PLAIN_STRING},"to_address":${PLAIN_STRING},"amount":${PLAIN_STRING}\\}$`,
);
const ACCEPTED_LINE = new RegExp(
  `^\\{"type":"outcome","row":${PLAIN_INTEGER},"attempt":${PLAIN_INTEGER},"startedAt":${PLAIN_INTEGER},"endedAt":${PLAIN_INTEGER},` +
    `"outcome":\\{"kind":"accepted","invoiceId":${PLAIN_STRING}\\}\\}$`,
);

/**
 * The two lines a run writes for every row (an intent, then an `accepted` outcome), read without
 * JSON.parse and zod, which cost most of a resume's replay of a long journal. Returns the entry
 * only when the line is exactly such a line as JSON.stringify writes it (keys in the writer's
 * order, no space, no escape in a string, integers within 2^53), which `entrySchema` accepts with
 * the same value; anything else, however close, returns undefined, and the caller reads it with
 * JSON.parse and the schema, which refuse a damaged line as they always did.
 */
export function parseCommonLine(text: string): IntentEntry | OutcomeEntry | undefined {
  const intent = INTENT_LINE.exec(text);
  if (intent) {
    const [, row, attempt, at, currency_code = '', to_address = '', amount = ''] = intent;
    const rowN = Number(row);
    const attemptN = Number(attempt);
    const atN = Number(at);
    if (!isPositiveInt(rowN) || !isPositiveInt(attemptN) || !isNonNegativeInt(atN)) return undefined;
    return { type: 'intent', row: rowN, attempt: attemptN, at: atN, currency_code, to_address, amount };
  }
  const outcome = ACCEPTED_LINE.exec(text);
  if (outcome) {
    const [, row, attempt, startedAt, endedAt, invoiceId = ''] = outcome;
    const rowN = Number(row);
    const attemptN = Number(attempt);
    const startedAtN = Number(startedAt);
    const endedAtN = Number(endedAt);
    if (!isPositiveInt(rowN) || !isPositiveInt(attemptN) || !isNonNegativeInt(startedAtN) || !isNonNegativeInt(endedAtN)) return undefined;
    return { type: 'outcome', row: rowN, attempt: attemptN, startedAt: startedAtN, endedAt: endedAtN, outcome: { kind: 'accepted', invoiceId } };
  }
  return undefined;
}

/** What `z.number().int().positive()` accepts (zod's int is a safe integer). */
function isPositiveInt(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

/** What `z.number().int().nonnegative()` accepts. */
function isNonNegativeInt(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}
