/**
 * The lines of the machine's outbox (JSON Lines, append-only, one file per state directory):
 * every request this machine sends to any API, whatever the payroll or checkpoint. An intent is
 * on disk before its request leaves, its outcome after. Read leniently (a line that cannot be
 * read is counted and reported), because it answers "was this already sent?" for every payroll.
 *
 * Stage ledger/: may import output, scan, journal, csv, validate, api, schedule, sandbox, core
 * (.dependency-cruiser.cjs).
 */
import * as z from 'zod';
import type { Outcome } from '../core/types.js';

const epochMs = z.number().int().nonnegative();
const row = z.number().int().positive();
/**
 * A moment on the monotonic clock of the boot `boot` (ms since that boot): another process of
 * this boot measures the gap on it, whatever the wall clock did. Absent in lines of earlier versions.
 */
const monoMs = epochMs.optional();
const boot = z.string().optional();

export const outboxIntentSchema = z.object({
  v: z.literal(1),
  t: z.literal('intent'),
  /** The API's identity (its base URL as recorded). */
  api: z.string(),
  /** The checkpoint's id, and the payroll's file name (without its folder). */
  ckpt: z.string(),
  input: z.string(),
  row,
  attempt: row,
  at: epochMs,
  currency: z.string(),
  /** As sent; compared normalised. */
  address: z.string(),
  amount: z.string(),
  boot,
  /** Taken once the checkpoint's intent is on disk: the request leaves after this line's own fsync. */
  atMono: monoMs,
});

const outcomeSchema = z
  .object({ kind: z.enum(['accepted', 'rejected', 'rate_limited', 'auth_failed', 'never_sent', 'unknown']) })
  .passthrough();

export const outboxOutcomeSchema = z.object({
  v: z.literal(1),
  t: z.literal('outcome'),
  api: z.string(),
  ckpt: z.string(),
  row,
  attempt: row,
  startedAt: epochMs,
  endedAt: epochMs,
  outcome: outcomeSchema,
  boot,
  startedMono: monoMs,
  endedMono: monoMs,
});

/** A request that moves no money (the balance query): kept for the gap. */
export const outboxRequestSchema = z.object({
  v: z.literal(1),
  t: z.literal('request'),
  api: z.string(),
  at: epochMs,
  startedAt: epochMs.optional(),
  endedAt: epochMs.optional(),
  boot,
  atMono: monoMs,
  startedMono: monoMs,
  endedMono: monoMs,
});

/** The operator settled an unknown row (`payout resolve`). */
export const outboxResolveSchema = z.object({
  v: z.literal(1),
  t: z.literal('resolve'),
  ckpt: z.string(),
  row,
  attempt: row,
  at: epochMs,
  invoiceId: z.string().nullable(),
});

export const outboxLineSchema = z.discriminatedUnion('t', [
  outboxIntentSchema,
  outboxOutcomeSchema,
  outboxRequestSchema,
  outboxResolveSchema,
]);

export type OutboxIntent = z.infer<typeof outboxIntentSchema>;
export type OutboxOutcome = Omit<z.infer<typeof outboxOutcomeSchema>, 'outcome'> & { outcome: Outcome };
export type OutboxRequest = z.infer<typeof outboxRequestSchema>;
export type OutboxResolve = z.infer<typeof outboxResolveSchema>;
export type OutboxLine = OutboxIntent | OutboxOutcome | OutboxRequest | OutboxResolve;

/** Parses one line; undefined when it is not an outbox line. */
export function parseOutboxLine(text: string): OutboxLine | undefined {
  try {
    const parsed = outboxLineSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as OutboxLine) : undefined;
  } catch {
    return undefined;
  }
}
