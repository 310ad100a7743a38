/**
 * Looks at the first bytes of a file before parsing it: which delimiter the header uses, whether
 * there is a BOM, and the files that are not CSV text at all (UTF-16, an Excel workbook, binary),
 * which deserve a better message than the parse error they would otherwise cause. Pure.
 */
import { countLineBreaks } from './bytes.js';

/** What the head of a file tells: read more, go ahead with this format, or refuse with a message. */
export type HeadVerdict =
  | { kind: 'more' }
  | { kind: 'ok'; bom: boolean; delimiter: ',' | ';' }
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
 * The delimiter is the one of `,` and `;` that occurs more often outside quotes in the header
 * line (a tie, including none of either, means `,`): the header is the one line we know
 * the meaning of, and European Excel exports put `;` there.
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
    else if (b === 0x0a || b === 0x0d) return { kind: 'ok', bom, delimiter: semicolons > commas ? ';' : ',' };
  }
  if (!atEof) return { kind: 'more' };
  if (!started) {
    return {
      kind: 'refuse',
      message:
        'the file is empty: a payroll needs a header line (currency_code,to_address,amount) and at least one row',
    };
  }
  return { kind: 'ok', bom, delimiter: semicolons > commas ? ';' : ',' };
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
