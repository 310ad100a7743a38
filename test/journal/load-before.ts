/**
 * The journal loader as it was before the fast replay (commit 4e67099): every line decoded and
 * read with JSON.parse and the schema, folded by the original `applyEntry`. Kept here, frozen, as
 * the oracle the fast loader must match on any file: same state, same byte counts, or the same
 * refusal with the same words. Not a test itself (no `.test.ts`).
 */
import { readFileSync } from 'node:fs';
import type { Outcome } from '../../src/core/types.js';
import { entrySchema, headerSchema, type JournalEntry } from '../../src/journal/entries.js';
import { IN_FLIGHT_MESSAGE, type JournalState, type RowRecord } from '../../src/journal/replay.js';

/** The state as the old loader kept it: a Map of a record per row. */
type OldState = Omit<JournalState, 'rows'> & { rows: Map<number, RowRecord> };
type AnyState = Omit<JournalState, 'rows'> & { rows: { entries(): IterableIterator<[number, RowRecord]> } };

/** What a load came to, in a form `toStrictEqual` can compare (rows by ascending row number). */
export type LoadResult =
  | { error: string }
  | {
      state?: { header: unknown; rows: Array<[number, RowRecord]>; lastRequest?: unknown };
      validBytes: number;
      tornBytes: number;
    }
  | undefined;

/** `loadJournal`'s answer (or refusal) as a `LoadResult`. */
export async function settle(
  load: () => Promise<{ state?: AnyState; validBytes: number; tornBytes: number } | undefined>,
): Promise<LoadResult> {
  try {
    const loaded = await load();
    if (!loaded) return undefined;
    const { state, validBytes, tornBytes } = loaded;
    return {
      ...(state && {
        state: {
          header: state.header,
          rows: [...state.rows.entries()].sort(([a], [b]) => a - b),
          ...(state.lastRequest && { lastRequest: state.lastRequest }),
        },
      }),
      validBytes,
      tornBytes,
    };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The old `loadJournal`, reading the whole file at once (its lines are the same whatever the chunks). */
export async function loadBefore(
  path: string,
): Promise<{ state?: OldState; validBytes: number; tornBytes: number } | undefined> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let state: OldState | undefined;
  let lineNumber = 0;
  let start = 0;
  let newline: number;
  while ((newline = bytes.indexOf(0x0a, start)) !== -1) {
    lineNumber += 1;
    state = applyLine(state, bytes.subarray(start, newline).toString('utf8'), lineNumber, path);
    start = newline + 1;
  }
  return { ...(state && { state }), validBytes: start, tornBytes: bytes.length - start };
}

function applyLine(state: OldState | undefined, text: string, lineNumber: number, path: string): OldState {
  if (!state) {
    const header = headerSchema.safeParse(parseJsonLine(text, lineNumber, path));
    if (!header.success) throw damagedAt(path, lineNumber, 'the first line is not a payout checkpoint header');
    return { header: header.data, rows: new Map() };
  }
  const parsed = entrySchema.safeParse(parseJsonLine(text, lineNumber, path));
  if (!parsed.success) throw damagedAt(path, lineNumber, 'a line the tool did not write');
  const refusal = applyEntryBefore(state, parsed.data);
  if (refusal) throw damagedAt(path, lineNumber, refusal);
  return state;
}

function parseJsonLine(text: string, lineNumber: number, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw damagedAt(path, lineNumber, 'not a JSON line');
  }
}

function damagedAt(path: string, lineNumber: number, why: string): Error {
  return new Error(
    `the checkpoint ${path} is damaged at line ${lineNumber} (${why}). It is refused rather than guessed at: ` +
      'restore it from a backup, or check every row in the CryptoCloud dashboard before running again',
  );
}

/** The original `applyEntry`; returns why it refuses the entry, if it does. */
function applyEntryBefore(state: OldState, entry: JournalEntry): string | undefined {
  switch (entry.type) {
    case 'header':
      return 'a second header line';
    case 'intent': {
      const record = state.rows.get(entry.row) ?? { status: 'pending', attempts: 0 };
      if (record.status === 'paid' || record.status === 'unknown')
        return `row ${entry.row} was sent again while ${record.status}`;
      if (entry.attempt !== record.attempts + 1)
        return `row ${entry.row} attempt ${entry.attempt} follows attempt ${record.attempts}`;
      state.rows.set(entry.row, {
        status: 'unknown',
        error: IN_FLIGHT_MESSAGE,
        attempts: entry.attempt,
        inFlight: true,
      });
      state.lastRequest = { intentAt: entry.at };
      return undefined;
    }
    case 'outcome': {
      const record = state.rows.get(entry.row);
      if (!record?.inFlight || record.attempts !== entry.attempt)
        return `an outcome for row ${entry.row} without its intent`;
      state.rows.set(entry.row, recordOf(entry.outcome, record.attempts));
      state.lastRequest = {
        intentAt: state.lastRequest?.intentAt ?? entry.startedAt,
        startedAt: entry.startedAt,
        endedAt: entry.endedAt,
      };
      return undefined;
    }
    case 'request':
      state.lastRequest = {
        intentAt: entry.at,
        ...(entry.startedAt !== undefined && { startedAt: entry.startedAt }),
        ...(entry.endedAt !== undefined && { endedAt: entry.endedAt }),
      };
      return undefined;
    case 'resolve': {
      const record = state.rows.get(entry.row);
      if (!record || record.status !== 'unknown') return `row ${entry.row} resolved while not unknown`;
      state.rows.set(
        entry.row,
        entry.invoiceId
          ? { status: 'paid', invoiceId: entry.invoiceId, attempts: record.attempts }
          : {
              status: 'pending',
              error: 'resolved as not paid; it will be sent by the next run',
              attempts: record.attempts,
            },
      );
      return undefined;
    }
  }
}

function recordOf(outcome: Outcome, attempts: number): RowRecord {
  switch (outcome.kind) {
    case 'accepted':
      return { status: 'paid', invoiceId: outcome.invoiceId, attempts };
    case 'rejected':
      return { status: 'failed', error: outcome.message, attempts };
    case 'unknown':
      return { status: 'unknown', error: outcome.message, attempts };
    case 'rate_limited':
    case 'auth_failed':
    case 'never_sent':
      return { status: 'pending', error: outcome.message, attempts };
  }
}
