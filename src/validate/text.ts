/**
 * How values and characters are shown to a finance operator inside a reason.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */

const SHORTEN_OVER = 48;
const HEAD = 20;
const TAIL = 12;

/**
 * The value as shown in a problem: unchanged up to 48 characters, otherwise the first 20 and the
 * last 12 around an ellipsis, so a pasted paragraph does not flood the output CSV.
 */
export function shorten(value: string): string {
  // Count code points, not UTF-16 units, so an emoji is never cut in half.
  const chars = Array.from(value);
  if (chars.length <= SHORTEN_OVER) return value;
  return `${chars.slice(0, HEAD).join('')}…${chars.slice(-TAIL).join('')}`;
}

/** The value, shortened, between double quotes, for use inside a reason. */
export function quote(value: string): string {
  return `"${shorten(value)}"`;
}

/**
 * Characters a spreadsheet or a copy from a web page leaves around a value without anyone seeing
 * them: whitespace and the zero-width characters, which `String.prototype.trim` keeps.
 */
const INVISIBLE = '\\s\\u200B-\\u200D\\u2060';
const LEADING = new RegExp(`^[${INVISIBLE}]+`);
const TRAILING = new RegExp(`[${INVISIBLE}]+$`);
const EDGE = new RegExp(`^[${INVISIBLE}]|[${INVISIBLE}]$`);

/** True when the value starts or ends with an invisible character (one cheap test per cell). */
export function hasInvisibleEdge(value: string): boolean {
  // A printable ASCII character (`!` to `~`) is never invisible: with one at each end, as in
  // nearly every cell, the answer is known without the regular expression.
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first > 32 && first < 127 && last > 32 && last < 127) return false;
  return EDGE.test(value);
}

/** The value without invisible characters at either end. */
export function trimInvisible(value: string): string {
  return value.replace(LEADING, '').replace(TRAILING, '');
}

/** Names one character for an operator: `"g"`, `a tab`, `an invisible character (U+200B)`. */
export function nameCharacter(char: string): string {
  switch (char) {
    case ' ':
      return 'a space';
    case '\t':
      return 'a tab';
    case '\n':
    case '\r':
      return 'a line break';
    case '\u00A0':
      return 'a non-breaking space';
  }
  const codePoint = char.codePointAt(0) ?? 0;
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  if (/^[\s\p{Cc}\p{Cf}\p{Z}]$/u.test(char)) return `an invisible character (${hex})`;
  if (codePoint < 0x80) return `"${char}"`;
  return `"${char}" (${hex})`;
}

/**
 * Says which invisible characters surround the value ("a space at the end", "a tab at the start
 * and a space at the end"), or undefined when there are none.
 */
export function describeSurroundings(value: string): string | undefined {
  const lead = LEADING.exec(value)?.[0];
  const trail = TRAILING.exec(value)?.[0];
  if (lead === value) return undefined; // all blank: the caller reports it as empty
  const parts: string[] = [];
  if (lead) parts.push(`${nameRun(lead)} at the start`);
  if (trail) parts.push(`${nameRun(trail)} at the end`);
  return parts.length > 0 ? parts.join(' and ') : undefined;
}

/** "remove it" or "remove them", for what describeSurroundings said. */
export function removeThem(surroundings: string): string {
  return /spaces| and /.test(surroundings) ? 'remove them' : 'remove it';
}

function nameRun(run: string): string {
  const first = Array.from(run)[0] ?? ' ';
  if (run.length > 1 && [...run].every((c) => c === ' ')) return 'spaces';
  return nameCharacter(first);
}

/** "a" or "an" before a word, by its first letter (good enough for our network names). */
export function withArticle(word: string): string {
  return /^[AEIOU]/i.test(word) ? `an ${word}` : `a ${word}`;
}

/** "A", "A or B", "A, B or C". */
export function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
