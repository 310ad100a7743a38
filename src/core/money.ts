/**
 * Money as decimal strings and integer minor units; never a float.
 *
 * Stage core/: imports no other stage of src/.
 */

/** A decimal split into its integer and fraction digits, leading/trailing zeros removed. */
export interface DecimalParts {
  integer: string;
  fraction: string;
}

/**
 * Splits a plain decimal string ("0012.3400" → {integer: "12", fraction: "34"}), or returns
 * undefined when the text is not a plain decimal: digits, then optionally a point and digits
 * (`/^(\d+)(?:\.(\d+))?$/`); no sign, exponent or separators. Its leading zeros are dropped but
 * for the last, its fraction's trailing zeros all are.
 *
 * One pass over the characters rather than that regular expression and two replacements: it runs
 * on every amount of the payroll (test/core/money.test.ts checks it against the expression).
 */
export function parseDecimal(text: string): DecimalParts | undefined {
  const length = text.length;
  let point = -1;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (point !== -1) return undefined;
      point = i;
    } else if (c < 48 /* 0 */ || c > 57 /* 9 */) {
      return undefined;
    }
  }
  const integerEnd = point === -1 ? length : point;
  // Digits on both sides of the point: no `.5`, no `5.`, no empty text.
  if (integerEnd === 0 || point === length - 1) return undefined;
  let integerStart = 0;
  while (integerStart < integerEnd - 1 && text.charCodeAt(integerStart) === 48) integerStart++;
  let fractionEnd = length;
  while (fractionEnd > integerEnd + 1 && text.charCodeAt(fractionEnd - 1) === 48) fractionEnd--;
  const fraction = point === -1 ? '' : text.slice(point + 1, fractionEnd);
  return { integer: text.slice(integerStart, integerEnd), fraction };
}

/** The canonical text of a decimal: no leading zeros, no trailing fraction zeros, no bare point. */
export function formatDecimal(parts: DecimalParts): string {
  return parts.fraction ? `${parts.integer}.${parts.fraction}` : parts.integer;
}

/** 10^0 to 10^15, each exact as a double. */
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, n) => 10 ** n);

/** The decimal as an integer count of 10^-decimals units ("1.5", 8 → 150000000n). Caller checks the scale. */
export function toMinorUnits(parts: DecimalParts, decimals: number): bigint {
  const { integer, fraction } = parts;
  if (fraction.length > decimals) {
    throw new RangeError(`${formatDecimal(parts)} has more than ${decimals} decimals`);
  }
  // Up to 15 digits in all, the integer count of minor units is below 2^53, so doubles compute
  // it exactly, twice as fast as building its text for BigInt. Only for digits: BigInt() reads
  // other text (`0x…`, spaces) its own way, which the long path keeps.
  const scale = POWERS_OF_TEN[decimals]; // undefined unless decimals is an integer from 0 to 15
  if (scale !== undefined && integer.length + decimals <= 15 && allDigits(integer) && allDigits(fraction)) {
    const fractionScale = POWERS_OF_TEN[decimals - fraction.length] ?? 0; // defined: fraction.length <= decimals
    return BigInt(Number(integer) * scale + (fraction === '' ? 0 : Number(fraction) * fractionScale));
  }
  return BigInt(integer + fraction.padEnd(decimals, '0'));
}

function allDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 /* 0 */ || c > 57 /* 9 */) return false;
  }
  return true;
}

/** Formats integer minor units back to a canonical decimal (150000000n, 8 → "1.5"). */
export function fromMinorUnits(minor: bigint, decimals: number): string {
  const digits = minor.toString().padStart(decimals + 1, '0');
  const integer = digits.slice(0, digits.length - decimals);
  const fraction = decimals > 0 ? digits.slice(digits.length - decimals) : '';
  return formatDecimal({ integer: integer.replace(/^0+(?=\d)/, ''), fraction: fraction.replace(/0+$/, '') });
}

/**
 * True when the JSON number written from this canonical decimal text is read back by a
 * JSON parser (IEEE double) and printed as exactly the same text. The API's parser sees a
 * double, so a decimal that does not survive the round trip would be paid as another amount.
 */
export function survivesJsonRoundTrip(canonical: string): boolean {
  // A canonical decimal of at most 15 significant digits (DBL_DIG), well inside the range of
  // normal doubles and below 1e21 (where String() would switch to exponent form), always prints
  // back as itself: skip the conversion, the commonest amounts' costliest check.
  if (fewDigitsDecimal(canonical)) return true;
  const n = Number(canonical);
  return Number.isFinite(n) && n > 0 && numberToPlainDecimal(n) === canonical;
}

/** Canonical, not zero, at most 15 digits counted from the first non-zero one, at most 19 decimals. */
const FEW_DIGITS_DECIMAL = /^(?:[1-9]\d{0,14}(?:\.\d{0,18}[1-9])?|0\.\d{0,18}[1-9])$/;

/** Whether `text` is a canonical positive decimal that any IEEE double carries exactly (see above). */
function fewDigitsDecimal(text: string): boolean {
  if (!FEW_DIGITS_DECIMAL.test(text)) return false;
  const point = text.indexOf('.');
  if (point === -1) return true;
  // Significant digits: all of them with an integer part; otherwise from the first non-zero decimal.
  let first = point === 1 && text.charCodeAt(0) === 48 ? 2 : 0;
  while (first < text.length && (text.charCodeAt(first) === 48 || text.charCodeAt(first) === 46)) first += 1;
  const significant = text.length - first - (first < point ? 1 : 0);
  return significant <= 15;
}

/** Prints a double as a plain decimal (no exponent), the shortest text that reads back as it. */
export function numberToPlainDecimal(n: number): string {
  const text = String(n);
  if (!/e/i.test(text)) return text;
  // String() switches to exponent form below 1e-6 and above 1e21; expand it exactly.
  const [mantissa = '', exponentText = '0'] = text.toLowerCase().split('e');
  const exponent = Number(exponentText);
  const [intDigits = '', fracDigits = ''] = mantissa.replace('-', '').split('.');
  const digits = intDigits + fracDigits;
  const pointAt = intDigits.length + exponent;
  const sign = n < 0 ? '-' : '';
  if (pointAt <= 0) return `${sign}0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return `${sign}${digits}${'0'.repeat(pointAt - digits.length)}`;
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/** Adds decimal strings exactly (for totals per currency), at the given number of decimals. */
export function addDecimals(a: string, b: string, decimals: number): string {
  const pa = parseDecimal(a);
  const pb = parseDecimal(b);
  if (!pa || !pb) throw new RangeError(`not a plain decimal: ${pa ? b : a}`);
  return fromMinorUnits(toMinorUnits(pa, decimals) + toMinorUnits(pb, decimals), decimals);
}
