/**
 * The memory across runs: one JSON line per paid row, in the operator's state directory, so that
 * a payroll that repeats payments made from another file (last month's file run again, a copy
 * under a new name, a checkpoint deleted to "start over") is caught before money moves.
 *
 * The file only grows; it is read streamed, and only the last {@link HISTORY_WINDOW_DAYS} days
 * paid through the same API (base URL) are kept in memory, as two 32-bit hashes per payment.
 */
import { closeSync, constants, createReadStream, mkdirSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import type { ValidPayout } from '../core/types.js';
import { appendJsonLine, fsyncDirectory } from '../journal/file.js';
import type { Logger } from '../log.js';
import { DuplicateFinder, normalAddress, payoutKey } from '../validate/duplicates.js';
import type { WithdrawalSender } from './send-loop.js';

/** Payments older than this are not compared with a new payroll. */
export const HISTORY_WINDOW_DAYS = 45;
/** The file in the history directory. */
export const HISTORY_FILE = 'history.jsonl';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Row numbers named per group in a message. */
const ROWS_SHOWN = 5;

/**
 * Where the history lives unless `--history-dir` says otherwise: `$PAYOUT_STATE_DIR`, else
 * `$XDG_STATE_HOME/payout`, else `~/.local/state/payout`.
 */
export function defaultHistoryDir(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  if (env.PAYOUT_STATE_DIR) return env.PAYOUT_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'payout');
  return join(home, '.local', 'state', 'payout');
}

/** The API a payment went through, compared as origin and path: `https://api.cryptocloud.plus`. */
export function normalBaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url;
  }
}

/** One line of the history file. */
const entrySchema = z.object({
  v: z.literal(1),
  /** When the API accepted it (ISO 8601, UTC). */
  at: z.string(),
  currency: z.string(),
  /** Normalised as rows are compared (EVM and bech32 lower-cased). */
  address: z.string(),
  amount: z.string(),
  /** The `INV-` id; empty when the outcome was unknown (it may or may not have been paid). */
  invoiceId: z.string(),
  /** The payroll's file name (without its folder) and the SHA-256 of its bytes. */
  input: z.string(),
  sha256: z.string(),
  /** The `createdAt` of the checkpoint it was paid under: which run of that file. */
  checkpoint: z.string(),
  baseUrl: z.string(),
});

export type HistoryEntry = z.infer<typeof entrySchema>;

/** Payments of earlier runs that this run must not hide: its own checkpoint's are left out. */
export interface HistoryQuery {
  baseUrl: string;
  now: number;
  /** The checkpoint this run resumes (its input SHA-256 and createdAt), whose own payments are not repeats. */
  own?: { sha256: string; checkpoint: string };
}

/** A group of matches: the rows of this payroll that repeat payments made on one day from one file. */
export interface RepeatGroup {
  date: string;
  input: string;
  rows: number;
  shown: number[];
}

/** The recent payments, and which rows of the payroll repeat them. */
export class RecentPayments {
  private readonly index = new DuplicateFinder();
  private readonly groupKeys: string[] = [];
  private readonly groupIds = new Map<string, number>();
  private readonly matches = new Map<number, { rows: number; shown: number[] }>();
  /** How many payments of the window were read; lines that could not be read. */
  payments = 0;
  unreadable = 0;

  constructor(readonly file: string) {}

  /** Remembers a payment (the first of equal ones keeps its group: the earliest). */
  add(entry: HistoryEntry): void {
    const group = `${entry.at.slice(0, 10)}\u0000${entry.input}`;
    let id = this.groupIds.get(group);
    if (id === undefined) {
      id = this.groupKeys.push(group);
      this.groupIds.set(group, id);
    }
    this.index.checkKey(payoutKey({ currencyCode: entry.currency, toAddress: entry.address, amount: entry.amount }), id);
    this.payments += 1;
  }

  /** Checks one row to pay; true when it repeats a recent payment. */
  match(payout: ValidPayout, rowNumber: number): boolean {
    const id = this.index.lookupPayout(payout);
    if (id === undefined) return false;
    const found = this.matches.get(id) ?? { rows: 0, shown: [] };
    found.rows += 1;
    if (found.shown.length < ROWS_SHOWN) found.shown.push(rowNumber);
    this.matches.set(id, found);
    return true;
  }

  /** The matches, grouped by day and file, oldest first. */
  repeats(): RepeatGroup[] {
    return [...this.matches.entries()]
      .map(([id, { rows, shown }]) => {
        const [date = '', input = ''] = (this.groupKeys[id - 1] ?? '').split('\u0000');
        return { date, input, rows, shown };
      })
      .sort((a, b) => a.date.localeCompare(b.date) || a.input.localeCompare(b.input));
  }
}

/**
 * Reads the history of `dir` streamed, keeping the payments of the last {@link HISTORY_WINDOW_DAYS}
 * days made through `query.baseUrl`, except those of the run's own checkpoint. A missing file is
 * an empty history; a line that cannot be read (a torn last line after a crash) is counted and skipped.
 */
export async function loadRecentPayments(dir: string, query: HistoryQuery): Promise<RecentPayments> {
  const file = join(dir, HISTORY_FILE);
  const recent = new RecentPayments(file);
  const since = query.now - HISTORY_WINDOW_DAYS * DAY_MS;
  const baseUrl = normalBaseUrl(query.baseUrl);
  const stream = createReadStream(file, { encoding: 'utf8' });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return recent;
    throw new UsageError(`cannot read the payment history ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    let entry: HistoryEntry;
    try {
      const parsed = entrySchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error('not a history line');
      entry = parsed.data;
    } catch {
      recent.unreadable += 1;
      continue;
    }
    const at = Date.parse(entry.at);
    if (!(at >= since) || entry.baseUrl !== baseUrl) continue;
    if (query.own && entry.sha256 === query.own.sha256 && entry.checkpoint === query.own.checkpoint) continue;
    recent.add(entry);
  }
  return recent;
}

/** Appends paid rows to the history; each line is on disk (fsync) before `append` returns. */
export class HistoryWriter {
  private constructor(
    private fd: number,
    readonly file: string,
  ) {}

  /** Opens (creating, owner-only) the history of `dir`. Throws a UsageError when it cannot. */
  static open(dir: string): HistoryWriter {
    const file = join(dir, HISTORY_FILE);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
      fsyncDirectory(dir);
      return new HistoryWriter(fd, file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UsageError(
        `cannot write the payment history ${file} (${code}); nothing was sent. It records every payment so that a later payroll cannot repeat it unnoticed: give --history-dir DIR to keep it elsewhere`,
        { cause: error },
      );
    }
  }

  /** Appends one payment, on disk (fsync) before it returns. */
  append(entry: HistoryEntry): void {
    appendJsonLine(this.fd, entry);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** What every history line of a run says about where its payments came from. */
export interface PaymentSource {
  inputPath: string;
  sha256: string;
  checkpoint: string;
  baseUrl: string;
}

/**
 * Wraps a connection so that every accepted withdrawal is appended to the history as soon as
 * its answer is known. A failure to write is logged, never thrown: the payment happened, and
 * the checkpoint (money's memory) records it either way. Closing the connection closes the history.
 */
export function recordPayments<C extends { sender: WithdrawalSender; close(): Promise<void> }>(
  connection: C,
  writer: HistoryWriter,
  source: PaymentSource,
  logger: Logger,
): C {
  const input = basename(source.inputPath);
  const baseUrl = normalBaseUrl(source.baseUrl);
  let warned = false;
  const sender: WithdrawalSender = {
    async sendWithdrawal(payout) {
      const result = await connection.sender.sendWithdrawal(payout);
      // An unknown outcome may have paid: it is remembered too (with no id), so that a later
      // payroll (or this one under a new checkpoint) cannot pay the same row again unasked.
      if (result.outcome.kind === 'accepted' || result.outcome.kind === 'unknown') {
        try {
          writer.append({
            v: 1,
            at: new Date(result.endedAt).toISOString(),
            currency: payout.currencyCode,
            address: normalAddress(payout.toAddress),
            amount: payout.amount,
            invoiceId: result.outcome.kind === 'accepted' ? result.outcome.invoiceId : '',
            input,
            sha256: source.sha256,
            checkpoint: source.checkpoint,
            baseUrl,
          });
        } catch (error) {
          if (!warned) logger.warn(`could not add a payment to the history ${writer.file} (${(error as Error).message}); the checkpoint has it`);
          warned = true;
        }
      }
      return result;
    },
  };
  return {
    ...connection,
    sender,
    close: async () => {
      writer.close();
      await connection.close();
    },
  };
}
