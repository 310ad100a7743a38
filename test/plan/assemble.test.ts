/**
 * The plan's verdict, one line a case: which findings refuse a run, under which options, at which
 * stage, and in what words. The dry run and the real run both take their verdict from here.
 */
import { describe, expect, it } from '@jest/globals';
import {
  assemblePlan,
  describeRepeats,
  refusalAt,
  type BalanceLine,
  type PlanAllowances,
  type PlanFindings,
  type RepeatGroup,
} from '../../src/plan/assemble.js';

const clean: PlanFindings = {
  rowsToSend: 5,
  invalid: 0,
  output: 'p.results.csv',
  duplicatesToSend: 0,
  capProblems: [],
  repeats: [],
};
const strict: PlanAllowances = { skipInvalid: false, allowDuplicates: false, allowRepeat: false };
const repeat: RepeatGroup = {
  date: '2026-10-31',
  input: 'payroll-oct.csv',
  rows: 7,
  shown: [1, 2, 3, 4, 5],
  first: {
    row: 1,
    earlier: {
      api: 'https://api.cryptocloud.plus',
      ckpt: 'c1',
      input: 'payroll-oct.csv',
      row: 4,
      attempt: 1,
      at: Date.UTC(2026, 9, 31, 9, 30, 5),
      currency: 'USDT_TRC20',
      address: 'TXYZ',
      amount: '5',
      state: 'paid',
    },
  },
};
const short: BalanceLine = { currency: 'USDT_TRC20', toPay: '3.5', available: '2.5', short: true };
const covered: BalanceLine = { currency: 'BTC', toPay: '0.1', available: '1', short: false };

describe('assemblePlan', () => {
  it.each<[string, Partial<PlanFindings>, Partial<PlanAllowances>, BalanceLine[] | undefined, string[]]>([
    ['nothing found: no refusal', {}, {}, undefined, []],
    ['an invalid row', { invalid: 2 }, {}, undefined, ['invalid']],
    ['an invalid row, --skip-invalid', { invalid: 2 }, { skipInvalid: true }, undefined, []],
    ['a row repeating an earlier row', { duplicatesToSend: 1 }, {}, undefined, ['duplicates']],
    ['a repeated row, --allow-duplicates', { duplicatesToSend: 1 }, { allowDuplicates: true }, undefined, []],
    ['two cap breaches', { capProblems: ['over --max-amount', 'over --max-total'] }, {}, undefined, ['caps', 'caps']],
    [
      'a cap breach: no option allows it',
      { capProblems: ['x'] },
      { skipInvalid: true, allowDuplicates: true, allowRepeat: true },
      undefined,
      ['caps'],
    ],
    ['a repeat of an earlier payment', { repeats: [repeat] }, {}, undefined, ['repeats']],
    ['a repeat of an earlier payment, --allow-repeat', { repeats: [repeat] }, { allowRepeat: true }, undefined, []],
    ['a balance that cannot cover it', {}, {}, [covered, short], ['balance']],
    ['balances that cover it', {}, {}, [covered], []],
    [
      'everything at once, in the order told',
      { invalid: 1, duplicatesToSend: 1, capProblems: ['x'], repeats: [repeat] },
      {},
      [short],
      ['invalid', 'duplicates', 'caps', 'repeats', 'balance'],
    ],
  ])('%s', (_name, findings, allow, balances, rules) => {
    const plan = assemblePlan({ ...clean, ...findings }, { ...strict, ...allow }, balances);
    expect(plan.refusals.map((refusal) => refusal.rule)).toEqual(rules);
    expect(plan.rowsToSend).toBe(5);
  });
});

describe('refusalAt', () => {
  const everything = assemblePlan(
    { ...clean, invalid: 3, duplicatesToSend: 2, capProblems: ['a breach', 'another'], repeats: [repeat] },
    strict,
    [short, { ...short, currency: 'TRX', toPay: '10', available: undefined }],
  );

  it('the rows: the first refusal alone, with what to do', () => {
    expect(refusalAt(everything, 'rows')).toEqual({
      problem: '3 row(s) are invalid (listed above and in p.results.csv)',
      remedy: 'fix them, or give --skip-invalid to pay the valid rows and leave those out',
    });
    expect(refusalAt(assemblePlan({ ...clean, duplicatesToSend: 2 }, strict), 'rows')).toEqual({
      problem: "2 row(s) repeat an earlier row's currency, address and amount (listed above)",
      remedy: 'remove the extra lines, or give --allow-duplicates if the same payment really is due twice',
    });
  });

  it("the plan's checks: every one in one refusal", () => {
    expect(refusalAt(everything, 'checks')).toEqual({
      problem:
        'the run is refused: a breach; another; 7 row(s) match payments made on 2026-10-31 from payroll-oct.csv ' +
        '(rows 1, 2, 3, 4, 5, …; row 1 was sent at 09:30:05 UTC as its row 4, paid). ' +
        'Give --allow-repeat if they really are due again (--yes alone is not enough)',
    });
  });

  it('the balances: each short currency, and what to do', () => {
    expect(refusalAt(everything, 'balance')).toEqual({
      problem:
        'USDT_TRC20: this run pays 3.5 but the available balance is 2.5; TRX: this run pays 10 but the available balance is ?',
      remedy: 'top up the wallet, or pay fewer rows',
    });
  });

  it('a stage with no refusal: undefined', () => {
    const plan = assemblePlan(clean, strict, [covered]);
    expect([refusalAt(plan, 'rows'), refusalAt(plan, 'checks'), refusalAt(plan, 'balance')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('describeRepeats', () => {
  it('names the rows shown, the first match and its earlier payment; no "…" when every row is shown', () => {
    expect(
      describeRepeats([
        { ...repeat, rows: 2, shown: [1, 2], first: { ...repeat.first, earlier: { ...repeat.first.earlier, row: 0 } } },
      ]),
    ).toBe(
      '2 row(s) match payments made on 2026-10-31 from payroll-oct.csv (rows 1, 2; row 1 was sent at 09:30:05 UTC, paid)',
    );
  });

  it('tells each earlier payroll in turn, separated by a semicolon', () => {
    const one = { ...repeat, rows: 1, shown: [1] };
    expect(describeRepeats([one, { ...one, input: 'payroll-sep.csv' }])).toBe(
      '1 row(s) match payments made on 2026-10-31 from payroll-oct.csv (rows 1; row 1 was sent at 09:30:05 UTC as its row 4, paid); ' +
        '1 row(s) match payments made on 2026-10-31 from payroll-sep.csv (rows 1; row 1 was sent at 09:30:05 UTC as its row 4, paid)',
    );
  });
});
