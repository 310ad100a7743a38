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
