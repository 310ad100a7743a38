/**
 * Finding the required columns in a header, and the `--columns` option that renames them. Pure.
 *
 * Stage csv/: may import journal, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { InputError, UsageError } from '../core/errors.js';
import { REQUIRED_COLUMNS, RESULT_COLUMNS, type RequiredColumn } from '../core/types.js';

/** Header names compare after trimming and case folding: spreadsheets add stray spaces and capitals. */
const normalise = (name: string): string => name.trim().toLowerCase();

const isRequiredColumn = (name: string): name is RequiredColumn =>
  (REQUIRED_COLUMNS as readonly string[]).includes(name);

const EXAMPLE = 'currency_code=Coin,to_address=Wallet,amount=Sum';

/**
 * Parses the value of `--columns` (`currency_code=Coin,to_address=Wallet,amount=Sum`) into
 * the header names to look for instead of the standard ones. Any subset of the three may be
 * given. Throws a UsageError that quotes the offending part.
 */
export function parseColumnsOption(text: string): Partial<Record<RequiredColumn, string>> {
  const result: Partial<Record<RequiredColumn, string>> = {};
  if (text.trim() === '') {
    throw new UsageError(
      `Expected \`--columns\` to be column=Header pairs separated by commas, like ${EXAMPLE}; got an empty value`,
    );
  }
  for (const part of text.split(',')) {
    const equals = part.indexOf('=');
    const key = normalise(equals === -1 ? part : part.slice(0, equals));
    const name = equals === -1 ? '' : part.slice(equals + 1).trim();
    if (equals === -1 || name === '') {
      throw new UsageError(
        `Expected \`--columns\` to be column=Header pairs separated by commas, like ${EXAMPLE}; got \`${part}\` in \`${text}\``,
      );
    }
    if (!isRequiredColumn(key)) {
      throw new UsageError(
        `\`--columns\` can rename only ${REQUIRED_COLUMNS.join(', ')}; got \`${key}\` in \`${text}\``,
      );
    }
    if (result[key] !== undefined) {
      throw new UsageError(`\`--columns\` names ${key} twice in \`${text}\``);
    }
    result[key] = name;
  }
  checkColumnNames(result);
  return result;
}

/** Refuses a mapping that sends two required columns to one header name (it could only ever match one). */
export function checkColumnNames(columnNames: Partial<Record<RequiredColumn, string>>): void {
  const seen = new Map<string, RequiredColumn>();
  for (const column of REQUIRED_COLUMNS) {
    const wanted = normalise(columnNames[column] ?? column);
    if (wanted === '') throw new UsageError(`\`--columns\` gives an empty header name for ${column}`);
    const other = seen.get(wanted);
    if (other !== undefined) {
      throw new UsageError(
        `\`--columns\` looks for the same header "${columnNames[column] ?? column}" for both ${other} and ${column}`,
      );
    }
    seen.set(wanted, column);
  }
}

/**
 * The position of each required column in `columns`, or an InputError that names what is
 * missing or doubled and shows the header that was found. `where` starts the message
 * (`payroll.csv line 1`).
 */
export function matchHeader(
  columns: string[],
  columnNames: Partial<Record<RequiredColumn, string>>,
  where: string,
): Record<RequiredColumn, number> {
  const normalised = columns.map(normalise);
  // Checked first: a results file also has the three required columns, and paying it would pay the payroll twice.
  if (RESULT_COLUMNS.every((name) => normalised.includes(name))) {
    throw new InputError(
      `${where}: this looks like a payout results file (it has status, invoice_id and error columns); give the original payroll`,
    );
  }
  const index: Partial<Record<RequiredColumn, number>> = {};
  const missing: string[] = [];
  for (const column of REQUIRED_COLUMNS) {
    const wanted = columnNames[column];
    const name = normalise(wanted ?? column);
    const at: number[] = [];
    normalised.forEach((n, i) => n === name && at.push(i));
    if (at.length === 0) {
      missing.push(
        wanted === undefined ? column : `${JSON.stringify(wanted.trim())} (your name for ${column} in --columns)`,
      );
    } else if (at.length > 1) {
      throw new InputError(
        `${where}: the header has the ${wanted === undefined ? column : JSON.stringify(wanted.trim())} column ` +
          `${at.length} times (columns ${at.map((i) => i + 1).join(', ')}); keep only one`,
      );
    } else {
      index[column] = at[0];
    }
  }
  if (missing.length > 0) {
    const shown =
      columns
        .slice(0, 20)
        .map((c) => JSON.stringify(c))
        .join(', ') + (columns.length > 20 ? ', …' : '');
    const plural = missing.length > 1;
    let message =
      `${where}: the header is missing the column${plural ? 's' : ''} ${joinAnd(missing)}. The header found is: ${shown}. ` +
      `Name the columns currency_code, to_address and amount (in any order and case), ` +
      `or give your names with --columns, like --columns ${EXAMPLE}`;
    const only = columns[0];
    if (columns.length === 1 && only !== undefined && /[\t|]/.test(only)) {
      const separator = only.includes('\t') ? 'tabs' : '|';
      message += `. The header is one single column: the file seems to be separated by ${separator}, which payout does not read; save it as CSV with , or ;`;
    }
    throw new InputError(message);
  }
  return index as Record<RequiredColumn, number>;
}

function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}
