/**
 * Byte-level helpers for reading a payroll: UTF-8 checks that work chunk by chunk, and line
 * counting. Pure: no I/O.
 *
 * Stage csv/: may import journal, validate, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */

/**
 * The length of the prefix of `bytes` that does not end inside a multi-byte UTF-8 sequence.
 * A stream chunk may split a character; the split tail is carried into the next chunk so that
 * each check sees whole characters. Invalid bytes are left in the prefix for the validator to
 * reject (only a lead byte that still lacks continuation bytes is held back).
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let k = 1; k <= Math.min(3, n); k++) {
    const b = bytes[n - k] ?? 0;
    if ((b & 0xc0) === 0x80) continue;
    if (b >= 0xc2 && b <= 0xf4) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return length > k ? n - k : n;
    }
    return n;
  }
  return n;
}

/**
 * The index of the first byte that does not belong to a valid UTF-8 sequence, or -1.
 * Only run on the failure path (node's `isUtf8` is much faster), to name the exact offset.
 * Strict like `isUtf8`: no overlong forms, no surrogates, nothing above U+10FFFF, and an
 * incomplete sequence at the end counts as invalid.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + need >= n) return i;
    const second = bytes[i + 1] ?? 0;
    if (second < low || second > high) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k] ?? 0;
      if ((c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Where a count of line breaks stands, carried across chunks so a CRLF split between two chunks counts once. */
export interface LineCount {
  breaks: number;
  endsWithCr: boolean;
}

/**
 * Adds the line breaks in `bytes` to `count`: LF, CRLF and a lone CR each end one line, the
 * same three record delimiters the reader accepts, so a line number here matches a row's.
 */
export function countLineBreaks(bytes: Uint8Array, count: LineCount = { breaks: 0, endsWithCr: false }): LineCount {
  let { breaks, endsWithCr } = count;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a) {
      if (!endsWithCr) breaks++;
      endsWithCr = false;
    } else if (b === 0x0d) {
      breaks++;
      endsWithCr = true;
    } else {
      endsWithCr = false;
    }
  }
  return { breaks, endsWithCr };
}

/** The number of line breaks inside a parsed field value (CRLF counts once). */
export function lineBreaksIn(text: string): number {
  // Most values hold no line break: two native scans beat a loop over every character.
  if (text.indexOf('\n') === -1 && text.indexOf('\r') === -1) return 0;
  let breaks = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d) {
      breaks++;
      if (text.charCodeAt(i + 1) === 0x0a) i++;
    } else if (c === 0x0a) {
      breaks++;
    }
  }
  return breaks;
}
