/**
 * csv-parse's errors in words a finance operator can act on. Pure.
 *
 * Stage csv/: may import journal, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */

/** The longest record the reader accepts, in characters: far beyond any payroll row, small enough to keep memory flat. */
export const MAX_RECORD_CHARS = 128_000;

/** Where a parse error happened, as the reader tracks it (csv-parse's own line count is off for quoted CRLF). */
export interface ErrorPlace {
  /** The file as the operator named it. */
  file: string;
  /** The physical line where the failing record starts. */
  line: number;
  /** The data row the record would have been; undefined while reading the header. */
  row?: number;
  /** The header names, once read, to name the column of a quote error. */
  columns?: string[];
  delimiter: ',' | ';';
}

/** The fields of a csv-parse `CsvError` this module uses (all optional: they depend on the code). */
export interface CsvErrorLike {
  code?: string;
  message: string;
  column?: unknown;
  record?: unknown;
  field?: unknown;
}

const show = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/**
 * One message for a csv-parse error (its `code`), naming the line, the row and where possible
 * the column, and saying how to fix the file.
 */
export function describeCsvError(err: CsvErrorLike, place: ErrorPlace): string {
  const row = place.row === undefined ? ' (the header)' : ` (row ${place.row})`;
  const columnIndex = typeof err.column === 'number' ? err.column : undefined;
  const columnName = columnIndex === undefined ? undefined : place.columns?.[columnIndex];
  const column =
    columnIndex === undefined
      ? ''
      : columnName === undefined
        ? `, column ${columnIndex + 1}`
        : `, column ${JSON.stringify(columnName)}`;
  const at = `${place.file} line ${place.line}${row}`;
  const delimiterWord = place.delimiter === ';' ? 'semicolon' : 'comma';

  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS': {
      const record = Array.isArray(err.record) ? (err.record as unknown[]).map(String) : undefined;
      const got = record?.length;
      const expected = place.columns?.length;
      const counts =
        got === undefined || expected === undefined
          ? 'the row does not have as many fields as the header'
          : `the row has ${got} field${got === 1 ? '' : 's'} but the header has ${expected}`;
      if (record && record.every((f) => f.trim() === '')) {
        return `${at}: ${counts}. The line holds only spaces${got === 1 ? '' : ' and delimiters'}; delete it`;
      }
      if (got !== undefined && expected !== undefined && got > expected) {
        const where = place.delimiter === ';' ? 'a name or note' : 'a name or amount (1,000.50)';
        return `${at}: ${counts}. Check for an unquoted ${delimiterWord} in ${where}: put such a value in double quotes, or remove the ${delimiterWord}`;
      }
      return (
        `${at}: ${counts}. A value or a ${delimiterWord} is missing, or a line break splits the row ` +
        `(a value that holds a line break must be in double quotes)`
      );
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return (
        `${at}: a double quote (") opens a value that is never closed. ` +
        `Close the quote, or if the quote is part of the value, put the whole value in double quotes and double the quote ("")`
      );
    case 'CSV_MAX_RECORD_SIZE':
      return (
        `${at}: the row does not end within ${MAX_RECORD_CHARS} characters; ` +
        `a double quote (") on this line probably opens a value that is never closed`
      );
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_OPENING_QUOTE': {
      const before = typeof err.field === 'string' ? ` (after ${show(err.field)})` : '';
      return (
        `${at}${column}: a double quote (") appears inside a value that does not start with one${before}. ` +
        `Put the whole value in double quotes and double the quotes inside it, like "Bob ""the builder"" Smith"`
      );
    }
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE': {
      const found = /got "(.)"/s.exec(err.message)?.[1];
      const what = found === undefined ? 'more text' : `${JSON.stringify(found)}`;
      return (
        `${at}${column}: a quoted value is followed by ${what} after its closing quote; a value must end ` +
        `right after its closing quote. To put a quote inside a value, double it ("")`
      );
    }
    default:
      return `${at}: the file is not valid CSV (${err.message})`;
  }
}
