/**
 * Looks at the first bytes of a file before parsing it: which delimiter the header uses, whether
 * there is a BOM, and the files that are not CSV text at all (UTF-16, an Excel workbook, binary),
 * which deserve a better message than the parse error they would otherwise cause. Pure.
 *
 * Stage csv/: may import journal, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { countLineBreaks } from './bytes.js';

/** What the head of a file tells: read more, go ahead with this format, or refuse with a message. */
export type HeadVerdict =
  | { kind: 'more' }
  /** `sepLine`: line 1 is Excel's `sep=;` (or `sep=,`), which names the delimiter and is no record. */
  | { kind: 'ok'; bom: boolean; delimiter: ',' | ';'; sepLine: boolean }
  /** `message` has no file name; `line` is set when the problem is at a known place. */
  | { kind: 'refuse'; message: string; line?: number };

const SAVE_AS_CSV = 'in Excel use File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)"';

/** The refusal for a NUL byte; shared with the streaming check so both say the same. */
export function nulMessage(offset: number): string {
  return `the file contains a NUL byte (at byte ${offset}), so it is binary, not CSV text; export the payroll as CSV UTF-8`;
}

/** The refusal for bytes that are not UTF-8; shared with the streaming check. */
export function notUtf8Message(offset: number, byte: number | undefined): string {
  const shown = byte === undefined ? '' : `, 0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return (
    `the file is not UTF-8 text (at byte ${offset}${shown}); it was probably saved in an older ` +
    `encoding such as Windows-1252; ${SAVE_AS_CSV}`
  );
}

const startsWith = (head: Uint8Array, signature: number[]): boolean =>
  head.length >= signature.length && signature.every((b, i) => head[i] === b);

const isBlank = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * Judges the first bytes of a file. `atEof` says `head` is the whole file; without it an
 * undecided head asks for more bytes (the caller caps how many).
 *
 * A first line `sep=;` or `sep=,` (any case), which Excel writes and reads, names the delimiter;
 * any other `sep=` is refused. Otherwise the delimiter is the one of `,` and `;` that occurs
 * more often outside quotes in the header line (a tie, including none of either, means `,`):
 * the header is the one line we know the meaning of, and European Excel exports put `;` there.
 */
export function sniffHead(head: Uint8Array, atEof: boolean): HeadVerdict {
  if (!atEof && head.length < 8) return { kind: 'more' };
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    return {
      kind: 'refuse',
      message: `the file is saved as UTF-16 (Unicode text); save it as CSV UTF-8 (${SAVE_AS_CSV})`,
    };
  }
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    return {
      kind: 'refuse',
      message: `the file is an Excel workbook (.xlsx) or another zip file, not CSV; ${SAVE_AS_CSV}`,
    };
  }
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    return { kind: 'refuse', message: `the file is an Excel 97-2003 workbook (.xls), not CSV; ${SAVE_AS_CSV}` };
  }
  const nul = head.indexOf(0);
  if (nul !== -1) {
    if (looksLikeUtf16(head)) {
      return {
        kind: 'refuse',
        message: `the file looks like UTF-16 (Unicode text) without a BOM; save it as CSV UTF-8 (${SAVE_AS_CSV})`,
      };
    }
    return { kind: 'refuse', message: nulMessage(nul), line: countLineBreaks(head.subarray(0, nul)).breaks + 1 };
  }

  const bom = startsWith(head, [0xef, 0xbb, 0xbf]);
  const sep = sepLineOf(head.subarray(bom ? 3 : 0), atEof);
  if (sep === 'more') return { kind: 'more' };
  if (sep !== undefined) {
    if (sep === ',' || sep === ';') return { kind: 'ok', bom, delimiter: sep, sepLine: true };
    return {
      kind: 'refuse',
      line: 1,
      message:
        `the first line names ${JSON.stringify(sep)} as the delimiter (sep=${sep}); payout reads files delimited ` +
        `by commas or semicolons: ${SAVE_AS_CSV}, or write sep=; or sep=, on the first line`,
    };
  }
  let started = false;
  let quoted = false;
  let commas = 0;
  let semicolons = 0;
  for (let i = bom ? 3 : 0; i < head.length; i++) {
    const b = head[i];
    if (!started) {
      // Blank lines before the header are skipped by the parser too.
      if (isBlank(b)) continue;
      started = true;
    }
    if (b === 0x22) quoted = !quoted;
    else if (quoted) continue;
    else if (b === 0x2c) commas++;
    else if (b === 0x3b) semicolons++;
    else if (b === 0x0a || b === 0x0d)
      return { kind: 'ok', bom, delimiter: semicolons > commas ? ';' : ',', sepLine: false };
  }
  if (!atEof) return { kind: 'more' };
  if (!started) {
    return {
      kind: 'refuse',
      message:
        'the file is empty: a payroll needs a header line (currency_code,to_address,amount) and at least one row',
    };
  }
  return { kind: 'ok', bom, delimiter: semicolons > commas ? ';' : ',', sepLine: false };
}

/**
 * The delimiter a first line `sep=X` names (X one character, then the end of the line or of the
 * file), 'more' when the head is too short to tell, undefined when line 1 is no such line.
 */
function sepLineOf(text: Uint8Array, atEof: boolean): string | 'more' | undefined {
  const prefix = [0x73, 0x65, 0x70, 0x3d]; // "sep="
  for (let i = 0; i < prefix.length; i++) {
    if (i >= text.length) return atEof ? undefined : 'more';
    if (((text[i] ?? 0) | 0x20) !== ((prefix[i] ?? 0) | 0x20) || (i === 3 && text[i] !== 0x3d)) return undefined;
  }
  if (text.length < 5) return atEof ? undefined : 'more';
  // One character, then the line's end: one UTF-8 sequence (a tab, a pipe, or any other).
  const first = text[4] ?? 0;
  const length = first < 0x80 ? 1 : first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : 2;
  if (text.length < 4 + length + 1 && !atEof) return 'more';
  const after = text[4 + length];
  if (after !== undefined && after !== 0x0a && after !== 0x0d) return undefined;
  const delimiter = Buffer.from(text.subarray(4, 4 + length)).toString('utf8');
  if (delimiter === '\n' || delimiter === '\r') return undefined;
  return delimiter;
}

/** UTF-16 text without a BOM: ASCII characters leave a NUL in every other byte. */
function looksLikeUtf16(head: Uint8Array): boolean {
  const sample = Math.min(head.length, 1024);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < sample; i++) {
    if (head[i] === 0) {
      if (i % 2 === 0) even++;
      else odd++;
    }
  }
  return Math.max(even, odd) > sample * 0.3 && Math.min(even, odd) < sample * 0.05;
}
