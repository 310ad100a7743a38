/**
 * What the plan learns from the pass over the rows (caps row by row, distinct recipients,
 * repeats of payments this machine already sent), and the API identity every record names.
 *
 * Stage plan/: may import output, ledger, scan, journal, csv, validate, api, schedule, sandbox,
 * core (.dependency-cruiser.cjs).
 */
import { apiIdentity } from '../api/identity.js';
import { checkpointIdOf } from '../journal/entries.js';
import type { JournalState } from '../journal/replay.js';
import { defaultHistoryDir } from '../ledger/history-dir.js';
import { ApiLedger, REPEAT_WINDOW_DAYS, type SentPayment } from '../ledger/ledger.js';
import type { ScannedRow, ScanSummary } from '../scan/scan.js';
import { DuplicateFinder } from '../validate/duplicates.js';
import { describeRepeats, type PlanFindings, type RepeatGroup } from './assemble.js';
import { CapsCheck, describeCaps, hasCaps } from './caps.js';
import type { PlanOptions } from './plan-options.js';

/** Where the history is: `--history-dir`, else the user's state directory. */
export function historyDirOf(options: PlanOptions): string {
  return options.historyDir ?? defaultHistoryDir(process.env);
}

/** Row numbers named per group in a message. */
const ROWS_SHOWN = 5;

/**
 * What the plan learns from the pass over the rows: caps row by row, distinct recipients and
 * repeats of payments this machine already sent (the outbox) among the rows to pay.
 */
export class PlanFacts {
  private readonly caps: CapsCheck;
  private readonly recipients = new DuplicateFinder();
  private readonly groups = new Map<string, RepeatGroup>();
  private sending = 0;
  private duplicatesSending = 0;

  private constructor(
    private readonly options: PlanOptions,
    /** Undefined for a --sandbox run: its payments are never recorded, so none can repeat. */
    readonly ledger: ApiLedger | undefined,
  ) {
    this.caps = new CapsCheck(options.caps ?? {});
  }

  /**
   * Reads the machine's outbox for this API unless it is a --sandbox run; `writable` for a run
   * that may pay (it appends there). `own` is the checkpoint being resumed: its requests are its own, not repeats.
   */
  static async open(options: PlanOptions, own: JournalState | undefined, writable = false): Promise<PlanFacts> {
    const ledger = options.sandbox
      ? undefined
      : ApiLedger.open(historyDirOf(options), apiOf(options), own && checkpointIdOf(own.header), writable);
    return new PlanFacts(options, ledger);
  }

  /** Looks at one scanned row; `willSend` when this run means to pay it. */
  add({ row, verdict, duplicateOf }: ScannedRow, willSend: boolean): void {
    if (!verdict.ok) return;
    this.caps.observe(verdict.payout, row.rowNumber);
    if (!willSend) return;
    this.sending += 1;
    if (duplicateOf !== undefined) this.duplicatesSending += 1;
    // Only the plan of a real run shows them: a dry run skips a table of every recipient.
    if (!this.options.dryRun) this.recipients.checkRecipient(verdict.payout, 1);
    if (!this.ledger || this.ledger.payments.empty) return;
    const earlier = this.ledger.repeatOf(verdict.payout);
    if (earlier) this.match(row.rowNumber, earlier);
  }

  /** The rows this run means to send, so far. */
  get rowsToSend(): number {
    return this.sending;
  }

  /** Closes the outbox. */
  close(): void {
    this.ledger?.close();
  }

  /** Distinct currency and address pairs among the rows to pay (not counted in a dry run). */
  get distinctRecipients(): number {
    return this.recipients.size;
  }

  /** What the plan judges, once every row was seen; `output` is where the invalid rows are listed. */
  findings(summary: ScanSummary, output: string): PlanFindings {
    return {
      rowsToSend: this.sending,
      invalid: summary.invalid,
      output,
      duplicatesToSend: this.duplicatesSending,
      capProblems: this.capProblems(summary),
      repeats: this.repeats(),
    };
  }

  /** Breaches of the caps and control totals, against the file's valid rows. */
  capProblems(summary: ScanSummary): string[] {
    return this.caps.problems(summary.valid, summary.totals);
  }

  /** Rows to pay that repeat payments of the last 45 days, grouped by day and file, oldest first. */
  repeats(): RepeatGroup[] {
    return [...this.groups.values()].sort((a, b) => a.date.localeCompare(b.date) || a.input.localeCompare(b.input));
  }

  /** The lines about caps and history, as the plan and the dry run show them. */
  checkLines(summary: ScanSummary): string[] {
    const caps = this.options.caps ?? {};
    const problems = this.capProblems(summary);
    const lines = [
      hasCaps(caps)
        ? `Caps and control totals: ${describeCaps(caps).join(', ')}: ${problems.length === 0 ? 'all hold' : `${problems.length} breach(es)`}.`
        : 'Caps and control totals: none given.',
    ];
    const { ledger } = this;
    if (!ledger) {
      lines.push('History: not consulted (sandbox payments are not recorded).');
      return lines;
    }
    const unreadable = ledger.unreadable > 0 ? ` (${ledger.unreadable} unreadable line(s) skipped)` : '';
    const repeats = this.repeats();
    if (repeats.length === 0) {
      lines.push(
        `History: no row repeats a payment of the last ${REPEAT_WINDOW_DAYS} days through this API (${ledger.path}${unreadable}).`,
      );
    } else {
      const consequence = this.options.allowRepeat
        ? 'paid anyway (--allow-repeat)'
        : 'a real run refuses them unless --allow-repeat';
      lines.push(`History (${ledger.path}${unreadable}): ${describeRepeats(repeats)}; ${consequence}.`);
    }
    return lines;
  }

  private match(rowNumber: number, earlier: SentPayment): void {
    const date = new Date(earlier.at).toISOString().slice(0, 10);
    const key = `${date}\u0000${earlier.input}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { date, input: earlier.input, rows: 0, shown: [], first: { row: rowNumber, earlier } };
      this.groups.set(key, group);
    }
    group.rows += 1;
    if (group.shown.length < ROWS_SHOWN) group.shown.push(rowNumber);
  }
}

/** The API's identity as every record names it. */
export function apiOf(options: Pick<PlanOptions, 'baseUrl' | 'apiKey'>): string {
  return apiIdentity(options.baseUrl, options.apiKey ? [options.apiKey] : []);
}

/** The API a checkpoint records: "sandbox" for the in-process emulator, else the API's identity. */
export function checkpointApiOf(options: Pick<PlanOptions, 'baseUrl' | 'apiKey' | 'sandbox'>): string {
  return options.sandbox ? 'sandbox' : apiOf(options);
}
