/**
 * A JSON reader that keeps every number's text exactly as sent. `JSON.parse` turns `0.10` and
 * `1e-1` into the same double; the sandbox must see (and record) what the client really wrote.
 *
 * Stage sandbox/: may import journal, csv, validate, api, schedule, core (.dependency-cruiser.cjs).
 */

/** A JSON number, as its source text. */
export class RawNumber {
  constructor(
    /** The number token exactly as it appeared in the body, e.g. `0.00023` or `1e-5`. */
    readonly text: string,
  ) {}
}

/** A parsed JSON value whose numbers are {@link RawNumber}s. Objects have no prototype. */
export type RawJson = null | boolean | string | RawNumber | RawJson[] | { [key: string]: RawJson };

const WHITESPACE = /[ \t\n\r]*/y;
const STRING = /"(?:[^"\\]|\\.)*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const KEYWORDS: Array<[string, RawJson]> = [
  ['true', true],
  ['false', false],
  ['null', null],
];

/**
 * Parses JSON text, keeping number texts. Throws a SyntaxError for invalid JSON: validity is
 * decided by `JSON.parse` itself, so this reader only ever walks text it knows to be well formed.
 * A repeated key keeps its last value, as `JSON.parse` (and Python's json) do.
 */
export function parseRawJson(text: string): RawJson {
  JSON.parse(text);
  let at = 0;

  const skip = (): void => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const match = (pattern: RegExp): string => {
    pattern.lastIndex = at;
    const found = pattern.exec(text);
    if (!found) throw new SyntaxError(`unexpected JSON at position ${at}`);
    at = pattern.lastIndex;
    return found[0];
  };
  const literal = (word: string): void => {
    if (!text.startsWith(word, at)) throw new SyntaxError(`unexpected JSON at position ${at}`);
    at += word.length;
  };

  const value = (): RawJson => {
    skip();
    const char = text[at];
    if (char === '{') {
      at += 1;
      const object: { [key: string]: RawJson } = Object.create(null) as { [key: string]: RawJson };
      skip();
      if (text[at] === '}') {
        at += 1;
        return object;
      }
      for (;;) {
        skip();
        const key = JSON.parse(match(STRING)) as string;
        skip();
        literal(':');
        object[key] = value();
        skip();
        if (text[at] === ',') {
          at += 1;
          continue;
        }
        literal('}');
        return object;
      }
    }
    if (char === '[') {
      at += 1;
      const array: RawJson[] = [];
      skip();
      if (text[at] === ']') {
        at += 1;
        return array;
      }
      for (;;) {
        array.push(value());
        skip();
        if (text[at] === ',') {
          at += 1;
          continue;
        }
        literal(']');
        return array;
      }
    }
    if (char === '"') return JSON.parse(match(STRING)) as string;
    for (const [word, result] of KEYWORDS) {
      if (char === word[0]) {
        literal(word);
        return result;
      }
    }
    return new RawNumber(match(NUMBER));
  };

  return value();
}
