/**
 * The amount column: a plain positive decimal string, refused (never rounded or guessed) when it
 * is anything else. Pure string rules; the decimal is never turned into a float here except to
 * prove that the JSON number the API will read denotes exactly the same decimal.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import type { Currency } from '../core/currencies.js';
import {
  formatDecimal,
  fromMinorUnits,
  numberToPlainDecimal,
  parseDecimal,
  survivesJsonRoundTrip,
  type DecimalParts,
} from '../core/money.js';
import type { ValidateOptions } from './options.js';
import { describeSurroundings, hasInvisibleEdge, nameCharacter, quote, removeThem, trimInvisible } from './text.js';

/** The verdict on an amount's text: its decimal parts, or why it is refused. */
export type AmountCheck = { ok: true; parts: DecimalParts } | { ok: false; reason: string };

/** Spaces that locales use to group thousands: plain, non-breaking, thin and narrow no-break. */
const GROUP_SPACE = '[ \\u00A0\\u2009\\u202F]';
const SPACE_GROUPED = new RegExp(`^\\d{1,3}(?:${GROUP_SPACE}\\d{3})+(?:[.,]\\d+)?$`);
const APOSTROPHE_GROUPED = /^\d{1,3}(?:['’]\d{3})+(?:[.,]\d+)?$/;
const COMMA_GROUPED = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const POINT_GROUPED = /^\d{1,3}(?:\.\d{3})+(?:,\d+)?$/;
const EXPONENT = /^(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+$/;
const NOT_A_NUMBER = /^[+-]?(?:nan|inf|infinity)$/i;
const ONE_COMMA = /^(\d+),(\d+)$/;
const PLAIN_COMMA = /^\d+(?:,\d+)?$/;

/**
 * Checks the amount's text, before anything is known about the currency: everything that makes it
 * something other than a plain positive decimal. Returns the decimal's parts when it is one.
 */
export function checkAmountText(raw: string, options: ValidateOptions = {}): AmountCheck {
  // Fast path for the usual cell, a plain decimal with nothing around it: the rules below would
  // all pass it, and skipping their dozen regular expressions matters over a million rows. With
  // a decimal point, the cells parseDecimal accepts (digits, optionally a point and digits) are
  // exactly those, and checkPlain's rules before parseDecimal cannot fail them.
  if (!options.decimalComma) {
    const parts = parseDecimal(raw);
    if (parts) return checkNotZero(parts, raw);
  } else if (PLAIN_COMMA.test(raw)) {
    return checkPlain(raw.replace(',', '.'), raw, ',');
  }
  const core = hasInvisibleEdge(raw) ? trimInvisible(raw) : raw;
  if (core === '') {
    const what = raw === '' ? 'empty' : 'blank';
    return fail(`the amount is ${what}: write the amount to pay, e.g. 12.5`);
  }
  const around = core === raw ? undefined : describeSurroundings(raw);
  const verdict = checkCore(core, raw, options);
  if (!around) return verdict;
  // One problem per column, but both faults in one sentence, so one correction fixes the cell.
  if (verdict.ok) return fail(`${quote(raw)} has ${around}; ${removeThem(around)}`);
  return fail(`${verdict.reason}; also remove ${around}`);
}

/**
 * Checks a plain decimal against the currency (at most its decimals) and the JSON number the API
 * will parse (it must print back as the same decimal). With no currency, only the JSON rule.
 * Returns the reason, or undefined when the amount can be sent.
 */
export function checkAmountValue(parts: DecimalParts, raw: string, currency: Currency | undefined): string | undefined {
  return checkCanonicalAmount(parts, formatDecimal(parts), raw, currency);
}

/** checkAmountValue for a caller that also needs the canonical text, `formatDecimal(parts)`, made once. */
export function checkCanonicalAmount(
  parts: DecimalParts,
  canonical: string,
  raw: string,
  currency: Currency | undefined,
): string | undefined {
  // Trailing zeros are accepted beyond the scale (`1.500000000` BTC is 1.5): they do not change
  // the value, and parseDecimal has already dropped them, so only significant decimals count.
  if (currency && parts.fraction.length > currency.decimals) {
    const unit = fromMinorUnits(1n, currency.decimals);
    return `${quote(raw)} has ${parts.fraction.length} decimal places, but ${currency.code} has at most ${currency.decimals} (its smallest unit is ${unit}): correct the amount yourself; it is never rounded`;
  }
  if (!survivesJsonRoundTrip(canonical)) {
    const asNumber = Number(canonical);
    const arrives = Number.isFinite(asNumber)
      ? `it would arrive as ${numberToPlainDecimal(asNumber)}`
      : 'it is too large';
    return `${quote(raw)} has more significant digits than the API's JSON number can carry exactly (about 15-17): ${arrives}; use fewer digits or split the payment into several rows`;
  }
  return undefined;
}

/** The checks on the text without its surrounding invisible characters. */
function checkCore(core: string, raw: string, options: ValidateOptions): AmountCheck {
  const q = quote(raw);
  if (NOT_A_NUMBER.test(core)) return fail(`${q} is not a number: write the amount to pay in digits, e.g. 12.5`);
  if (/^[-−–]/.test(core) || /^\(.*\)$/.test(core)) {
    return fail(`${q} is negative: a payout must be a positive amount; correct the amount`);
  }
  if (core.startsWith('+')) {
    const rest = core.slice(1);
    const hint = parseDecimal(rest) ? `, e.g. ${rest}` : '';
    return fail(`${q} starts with a plus sign: write the amount without a sign${hint}`);
  }
  // Exponent form (Excel shows 0.00001 as 1E-05 in a General column) is refused, not converted:
  // the spreadsheet may have rounded the value it displays, and converting would hide that.
  if (EXPONENT.test(core)) {
    return fail(
      `${q} is in exponent (scientific) notation, which spreadsheets use for a rounded display: format the amount column as Number with enough decimal places, save the CSV again and check the amount`,
    );
  }
  const foreignDigit = /[^\P{Nd}0-9]/u.exec(core)?.[0];
  if (foreignDigit !== undefined) {
    return fail(
      `${q} uses ${nameCharacter(foreignDigit)}, a digit other than 0-9: retype the amount with the digits 0-9`,
    );
  }
  const stray = /[^0-9.,'’ \u00A0\u2009\u202F]/u.exec(core)?.[0];
  if (stray !== undefined) {
    return fail(
      `${q} contains ${nameCharacter(stray)}: write only the number, with no currency sign, code or other text, e.g. 12.5`,
    );
  }
  const plain = options.decimalComma ? fromCommaLocale(core, q) : fromPointLocale(core, q);
  if (typeof plain !== 'string') return plain;
  return checkPlain(plain, raw, options.decimalComma ? ',' : '.');
}

/**
 * Amounts with a decimal point (the default). Returns the text with `.` as the decimal mark, or
 * the refusal of a separator it cannot read without guessing.
 */
function fromPointLocale(core: string, q: string): string | AmountCheck {
  const grouping = groupingProblem(core, q, '.');
  if (grouping) return grouping;
  if (COMMA_GROUPED.test(core) && !ONE_COMMA.test(core)) {
    return fail(`${q} uses a comma to group thousands: write ${core.replace(/,/g, '')}`);
  }
  if ((POINT_GROUPED.test(core) && core.includes(',')) || /^\d{1,3}(?:\.\d{3}){2,}$/.test(core)) {
    return fail(
      `${q} uses points to group thousands (and a comma for decimals): write ${core.replace(/\./g, '').replace(',', '.')}`,
    );
  }
  const comma = ONE_COMMA.exec(core);
  if (comma) {
    const [, integer = '', fraction = ''] = comma;
    if (fraction.length === 3 && integer.length <= 3 && !integer.startsWith('0')) {
      // 1,000 is a thousand to an American and one to a German: refuse to guess.
      return fail(
        `${q} is ambiguous: the comma may group thousands (${integer}${fraction}) or mark decimals (${integer}.${fraction}): write ${integer}${fraction} or ${integer}.${fraction}, as meant`,
      );
    }
    return fail(`${q} uses a decimal comma: write ${integer}.${fraction}, with a point`);
  }
  if (/^,\d+$/.test(core)) return fail(`${q} uses a decimal comma: write 0.${core.slice(1)}, with a point`);
  if (/^\d+,$/.test(core)) return fail(`${q} ends with a comma: write ${core.slice(0, -1)}`);
  if (core.includes(','))
    return fail(`${q} is not a plain number: write digits with at most one decimal point and no commas, e.g. 1000.5`);
  return core;
}

/**
 * Amounts with a decimal comma (options.decimalComma). A point is refused: in these locales it
 * groups thousands, so `1.500` could mean one and a half or fifteen hundred.
 */
function fromCommaLocale(core: string, q: string): string | AmountCheck {
  const grouping = groupingProblem(core, q, ',');
  if (grouping) return grouping;
  if (POINT_GROUPED.test(core) && !/^\d+\.\d+$/.test(core)) {
    return fail(`${q} uses points to group thousands: write ${core.replace(/\./g, '')}`);
  }
  const point = /^(\d+)\.(\d+)$/.exec(core);
  if (point) {
    const [, integer = '', fraction = ''] = point;
    const choices =
      fraction.length === 3 ? `${integer}${fraction} or ${integer},${fraction}` : `${integer},${fraction}`;
    return fail(
      `${q} has a point, which is ambiguous when amounts are read with a decimal comma (a point may group thousands): write ${choices}, as meant`,
    );
  }
  if (core.includes('.')) {
    return fail(
      `${q} has a point, but amounts are read with a decimal comma in this run: write digits with at most one decimal comma, e.g. 1000,5`,
    );
  }
  if ((core.match(/,/g) ?? []).length > 1) {
    return fail(`${q} has more than one comma: write digits with at most one decimal comma, e.g. 1000,5`);
  }
  return core.replace(',', '.');
}

/** Thousands grouped with spaces or apostrophes (`1 000`, `1'000`), or any other inner space. */
function groupingProblem(core: string, q: string, mark: '.' | ','): AmountCheck | undefined {
  if (SPACE_GROUPED.test(core) || APOSTROPHE_GROUPED.test(core)) {
    const separator = /['’]/.test(core) ? 'apostrophes' : 'spaces';
    // With thousands grouped by spaces, the other mark can only be the decimal one (`1 000,50`).
    const digits = core.replace(/['’ \u00A0\u2009\u202F]/g, '').replace(/[.,]/, mark);
    return fail(`${q} uses ${separator} to group thousands: write ${digits}`);
  }
  const space = /[ \u00A0\u2009\u202F]/.exec(core)?.[0];
  if (space !== undefined) return fail(`${q} contains ${nameCharacter(space)} inside the number: remove it`);
  const apostrophe = /['’]/.exec(core)?.[0];
  if (apostrophe !== undefined)
    return fail(
      `${q} contains ${nameCharacter(apostrophe)}: write only digits and ${mark === '.' ? 'a decimal point' : 'a decimal comma'}`,
    );
  return undefined;
}

/** The last rules, on text whose decimal mark is now `.`: no bare point, one point, not zero. */
function checkPlain(text: string, raw: string, mark: '.' | ','): AmountCheck {
  if (/^\.\d+$/.test(text))
    return fail(`${quote(raw)} has no digit before the decimal ${markName(mark)}: write 0${mark}${text.slice(1)}`);
  if (/^\d+\.$/.test(text))
    return fail(`${quote(raw)} ends with a decimal ${markName(mark)}: write ${text.slice(0, -1)}`);
  const parts = parseDecimal(text);
  if (!parts) {
    return fail(
      `${quote(raw)} is not a plain number: write digits with at most one decimal ${markName(mark)}, e.g. 12${mark}5`,
    );
  }
  return checkNotZero(parts, raw);
}

/** The last rule: a payout is more than zero. */
function checkNotZero(parts: DecimalParts, raw: string): AmountCheck {
  if (parts.integer === '0' && parts.fraction === '') {
    return fail(`${quote(raw)} is zero: a payout must be more than zero; correct the amount or remove the row`);
  }
  return { ok: true, parts };
}

function markName(mark: '.' | ','): string {
  return mark === '.' ? 'point' : 'comma';
}

function fail(reason: string): AmountCheck {
  return { ok: false, reason };
}
