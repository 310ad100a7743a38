/**
 * Turns parsed records into numbered rows: the header, blank lines, data rows and rows of the
 * wrong length. Pure, and separate from the stream so that the failure path can replay the same
 * counting over a fresh parse to name the line of a parse error.
 *
 * Stage csv/: may import journal, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { InputError } from '../core/errors.js';
import type { InputRow } from '../core/types.js';
import { lineBreaksIn } from './bytes.js';
import { describeCsvError } from './parse-errors.js';

/**
 * Counts physical lines and data rows over the records of one file, in order.
 *
 * Blank lines: a line with no character at all is skipped wherever it is (Excel and editors add
 * them at the end), and so is a record whose every field is empty (`,,,`: what Excel writes for
 * rows whose cells were cleared). Neither is a data row: `rowNumber` counts only the records
 * that remain, while `lineNumber` still counts every physical line, so messages point at the
 * right place in a text editor. A line of spaces is not blank: it is refused for its field
 * count, because it may hide a typo.
 *
 * csv-parse's own `info.lines` counts a CRLF inside a quoted field as two lines, hence this count.
 */
export class RowCounter {
  /** The physical line where the next record starts. */
  nextLine = 1;
  /** Data rows so far. */
  rows = 0;
  /** The header, once read (the first record that is not a blank line). */
  columns: string[] | undefined;
  /** The physical line where the header starts. */
  headerLine = 1;

  /** Line 1 is Excel's `sep=` line, still to be passed over (sniff.ts found it). */
  private sepLine: boolean;

  private constructor(
    private readonly file: string,
    private readonly delimiter: ',' | ';',
    columns: string[] | undefined,
    sepLine: boolean,
  ) {
    this.columns = columns;
    this.sepLine = sepLine;
  }

  /** Counts a file from its first byte; `sepLine` when it starts with Excel's `sep=` line (neither header nor row). */
  static fromStart(file: string, format: { delimiter: ',' | ';'; sepLine: boolean }): RowCounter {
    return new RowCounter(file, format.delimiter, undefined, format.sepLine);
  }

  /** Counts a segment of a file after its header, which was read already (segments.ts). */
  static afterHeader(header: { delimiter: ',' | ';'; columns: string[] }): RowCounter {
    return new RowCounter('', header.delimiter, header.columns, false);
  }

  /**
   * Takes the next record: returns it as a data row, or null for the header and blank lines.
   * Throws InputError for a record whose field count differs from the header's.
   */
  take(fields: string[]): InputRow | null {
    const lineNumber = this.nextLine;
    let span = 1;
    for (let i = 0; i < fields.length; i++) span += lineBreaksIn(fields[i] ?? '');
    this.nextLine = lineNumber + span;
    if (this.sepLine) {
      this.sepLine = false;
      return null;
    }

    // csv-parse keeps empty lines (skip_empty_lines is off, so that they are counted here): one empty field.
    const blankLine = fields.length === 1 && fields[0] === '';
    const columns = this.columns;
    if (columns === undefined) {
      if (!blankLine) {
        this.columns = fields;
        this.headerLine = lineNumber;
      }
      return null;
    }
    if (fields.length !== columns.length) {
      if (blankLine) return null;
      throw new InputError(
        describeCsvError(
          { code: 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH', message: '', record: fields },
          { file: this.file, line: lineNumber, row: this.rows + 1, columns, delimiter: this.delimiter },
        ),
      );
    }
    if (isEmptyRecord(fields)) return null;
    return { rowNumber: ++this.rows, lineNumber, fields };
  }
}

function isEmptyRecord(fields: string[]): boolean {
  for (let i = 0; i < fields.length; i++) if (fields[i] !== '') return false;
  return true;
}
