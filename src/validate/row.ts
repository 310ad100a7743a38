/**
 * One row's verdict: every problem of its three fields, at most one per column.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import * as z from 'zod';
import type { Currency } from '../core/currencies.js';
import { formatDecimal } from '../core/money.js';
import type { PayoutFields, RequiredColumn, RowProblem, RowVerdict } from '../core/types.js';
import { checkAddress } from './address/index.js';
import { checkAmountText, checkCanonicalAmount } from './amount.js';
import { checkCurrency } from './currency.js';
import { describeWrongNetwork, identifyAddress } from './identify.js';
import type { ValidateOptions } from './options.js';
import { describeSurroundings, hasInvisibleEdge, removeThem, shorten, trimInvisible } from './text.js';

/**
 * The shape a row must have before its values mean anything. The CSV stage gives strings, but a
 * short row or a caller in plain JavaScript may not, and a bad row must be data, never a throw.
 */
const rowShape = z.object({
  currency_code: z.string(),
  to_address: z.string(),
  amount: z.string(),
});

/** Options left out: one shared empty object rather than a new one per row. */
const NO_OPTIONS: ValidateOptions = Object.freeze({});

/** Validates one row's three fields, exactly as read (untrimmed). Never throws for bad data. */
export function validateFields(fields: PayoutFields, options: ValidateOptions = NO_OPTIONS): RowVerdict {
  // The usual row, an object of three strings, passes rowShape unchanged: reading its fields
  // directly (each once, in the schema's order, as zod does) spares zod's copy of every row.
  if (typeof fields === 'object' && fields !== null && !Array.isArray(fields)) {
    const { currency_code: code, to_address: address, amount } = fields;
    if (typeof code === 'string' && typeof address === 'string' && typeof amount === 'string') {
      return validateStrings(code, address, amount, options);
    }
  }
  const shape = rowShape.safeParse(fields);
  if (!shape.success) return { ok: false, problems: shapeProblems(shape.error, fields) };
  return validateStrings(shape.data.currency_code, shape.data.to_address, shape.data.amount, options);
}

/** validateFields once the three fields are known to be strings. */
function validateStrings(code: string, address: string, amount: string, options: ValidateOptions): RowVerdict {
  const problems: RowProblem[] = [];

  const currencyCheck = checkCurrency(code);
  const currency = currencyCheck.ok ? currencyCheck.currency : undefined;
  if (!currencyCheck.ok) problems.push(problem('currency_code', code, currencyCheck.reason));

  // The address can only be judged against a network, so an unknown currency skips it.
  if (currency) {
    const reason = checkRecipient(address, currency);
    if (reason) problems.push(problem('to_address', address, reason));
  }

  // The amount's form does not depend on the currency: report it even when the code is wrong.
  const amountText = checkAmountText(amount, options);
  let canonical: string | undefined;
  if (!amountText.ok) {
    problems.push(problem('amount', amount, amountText.reason));
  } else {
    const text = formatDecimal(amountText.parts);
    const reason = checkCanonicalAmount(amountText.parts, text, amount, currency);
    if (reason) problems.push(problem('amount', amount, reason));
    else canonical = text;
  }

  if (problems.length > 0 || !currency || canonical === undefined) return { ok: false, problems };
  return { ok: true, payout: { currencyCode: currency.code, toAddress: address, amount: canonical } };
}

/** The to_address verdict for a known currency: undefined when it can be paid to. */
function checkRecipient(raw: string, currency: Currency): string | undefined {
  const address = hasInvisibleEdge(raw) ? trimInvisible(raw) : raw;
  if (address === '') {
    return raw === ''
      ? "the address is empty: write the recipient's address"
      : "the address is blank: write the recipient's address";
  }
  const around = address === raw ? undefined : describeSurroundings(raw);
  const fault = checkAddress(currency.network, address);
  const reason = fault === undefined ? undefined : explainFault(address, currency, fault);
  if (!around) return reason;
  // Both faults in one sentence, so one correction of the cell fixes the row.
  return reason ? `${reason}; also remove ${around}` : `the address has ${around}; ${removeThem(around)}`;
}

/** An address valid on another network is named as that mistake; anything else keeps its reason. */
function explainFault(address: string, currency: Currency, fault: string): string {
  const families = identifyAddress(address);
  return families.length > 0 ? describeWrongNetwork(currency, families) : fault;
}

function problem(column: RequiredColumn, value: string, reason: string): RowProblem {
  return { column, value: shorten(value), reason };
}

/** One problem per column that is missing or not text. */
function shapeProblems(error: z.ZodError, fields: unknown): RowProblem[] {
  const columns = new Set(error.issues.map((issue) => issue.path[0]));
  const record = typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : {};
  const problems: RowProblem[] = [];
  for (const column of ['currency_code', 'to_address', 'amount'] as const) {
    if (!columns.has(column) && typeof record[column] === 'string') continue;
    problems.push({
      column,
      value: typeof record[column] === 'string' ? shorten(record[column]) : '',
      reason: `the row has no ${column} value (it may be shorter than the header): fill in the cell`,
    });
  }
  if (problems.length === 0)
    problems.push({ column: 'row', value: '', reason: 'the row could not be read as three text fields' });
  return problems;
}
