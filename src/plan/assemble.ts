/**
 * The verdict before money moves: how many rows a run pays and every reason it refuses to start,
 * from what the scan, the caps and the history found (and, for a real run, the balances). Pure:
 * the dry run and the real run ask this one function, so they cannot disagree.
 *
 * Stage plan/: may import output, ledger, scan, journal, csv, validate, api, schedule, sandbox,
 * core (.dependency-cruiser.cjs).
 */
import type { Words } from '../core/errors.js';
import type { SentPayment } from '../ledger/ledger.js';

/** A group of matches: the rows of this payroll that repeat payments sent on one day from one file. */
export interface RepeatGroup {
  date: string;
  input: string;
  rows: number;
  shown: number[];
  /** The first match: this payroll's row, and the earlier payment it repeats. */
  first: { row: number; earlier: SentPayment };
}

/** What the pass over the rows found, as the plan judges it. */
export interface PlanFindings {
  /** The rows this run means to send. */
  rowsToSend: number;
  /** Invalid rows in the file, and where they are listed. */
  invalid: number;
  output: string;
  /** Rows to send that repeat an earlier row of the file (currency, address, amount). */
  duplicatesToSend: number;
  /** Breaches of the caps and control totals. */
  capProblems: readonly string[];
  /** Rows to send that repeat payments this machine already made, grouped by day and file. */
  repeats: readonly RepeatGroup[];
}

/** The options that allow what would otherwise refuse the run. */
export interface PlanAllowances {
  skipInvalid: boolean;
  allowDuplicates: boolean;
  allowRepeat?: boolean | undefined;
}

/** One currency's balance against what the run pays; `short` when it cannot cover it. */
export interface BalanceLine {
  currency: string;
  toPay: string;
  available?: string;
  short: boolean;
}

/**
 * When a refusal is known: from the rows alone (told before the plan is shown), at the checks
 * the plan shows (caps, control totals, history), or once the balances are read.
 */
export type RefusalStage = 'rows' | 'checks' | 'balance';

export interface Refusal {
  rule: 'invalid' | 'duplicates' | 'caps' | 'repeats' | 'balance';
  stage: RefusalStage;
  /** The refusal in the operator's words, without the closing words. */
  text: string;
  remedy?: string;
}

/** What the plan comes to: the rows it pays, and every refusal in the order the operator is told. */
export interface Plan {
  rowsToSend: number;
  refusals: Refusal[];
}

/** The plan from the findings; `balances` once they were read (a dry run never reads them). */
export function assemblePlan(findings: PlanFindings, allow: PlanAllowances, balances?: readonly BalanceLine[]): Plan {
  const refusals: Refusal[] = [];
  if (findings.invalid > 0 && !allow.skipInvalid) {
    refusals.push({
      rule: 'invalid',
      stage: 'rows',
      text: `${findings.invalid} row(s) are invalid (listed above and in ${findings.output})`,
      remedy: 'fix them, or give --skip-invalid to pay the valid rows and leave those out',
    });
  }
  if (findings.duplicatesToSend > 0 && !allow.allowDuplicates) {
    refusals.push({
      rule: 'duplicates',
      stage: 'rows',
      text: `${findings.duplicatesToSend} row(s) repeat an earlier row's currency, address and amount (listed above)`,
      remedy: 'remove the extra lines, or give --allow-duplicates if the same payment really is due twice',
    });
  }
  for (const problem of findings.capProblems) refusals.push({ rule: 'caps', stage: 'checks', text: problem });
  if (findings.repeats.length > 0 && !allow.allowRepeat) {
    refusals.push({
      rule: 'repeats',
      stage: 'checks',
      text: `${describeRepeats(findings.repeats)}. Give --allow-repeat if they really are due again (--yes alone is not enough)`,
    });
  }
  for (const line of balances ?? []) {
    if (!line.short) continue;
    refusals.push({
      rule: 'balance',
      stage: 'balance',
      text: `${line.currency}: this run pays ${line.toPay} but the available balance is ${line.available ?? '?'}`,
      remedy: 'top up the wallet, or pay fewer rows',
    });
  }
  return { rowsToSend: findings.rowsToSend, refusals };
}

/**
 * The words that refuse the run at `stage`, or undefined when nothing there refuses it: a refusal
 * from the rows is told alone (the first), the plan's checks and the balances each in one message.
 */
export function refusalAt(plan: Plan, stage: RefusalStage): Words | undefined {
  const at = plan.refusals.filter((refusal) => refusal.stage === stage);
  const [first] = at;
  if (!first) return undefined;
  if (stage === 'rows') return { problem: first.text, remedy: first.remedy };
  const texts = at.map((refusal) => refusal.text).join('; ');
  if (stage === 'checks') return { problem: `the run is refused: ${texts}` };
  return { problem: texts, remedy: first.remedy };
}

/** "37 row(s) match payments made on 2026-10-31 from payroll-oct.csv (rows 1, 2, 3, 4, 5, …)". */
export function describeRepeats(repeats: readonly RepeatGroup[]): string {
  return repeats
    .map(({ rows, date, input, shown, first }) => {
      const earlier = first.earlier;
      const there = earlier.row > 0 ? ` as its row ${earlier.row}` : '';
      const time = new Date(earlier.at).toISOString().slice(11, 19);
      return (
        `${rows} row(s) match payments made on ${date} from ${input} (rows ${shown.join(', ')}${rows > shown.length ? ', …' : ''}; ` +
        `row ${first.row} was sent at ${time} UTC${there}, ${earlier.state})`
      );
    })
    .join('; ');
}
