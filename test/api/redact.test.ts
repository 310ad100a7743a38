import { describe, expect, it } from '@jest/globals';
import { REDACTED, createRedactor, redactOutcome } from '../../src/api/redact.js';
import { classifyFetchError, classifyResponse } from '../../src/api/classify.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeLogger, createLogger } from '../../src/log.js';

describe('createRedactor', () => {
  it.each<[string, string, string]>([
    ['as is', 'k3y-SECRET', 'echo: Token k3y-SECRET end'],
    ['twice', 'k3y-SECRET', 'k3y-SECRET and k3y-SECRET'],
    ['JSON-escaped', 'ab"c\\d', 'header was "Token ab\\"c\\\\d"'],
    ['URL-encoded', 'a/b+c=', 'GET /x?key=a%2Fb%2Bc%3D'],
    ['with regex characters', 'a.*b(c)', 'key a.*b(c) here'],
  ])('removes the key %s', (_how, key, text) => {
    const redacted = createRedactor(key)(text);
    expect(redacted).toContain(REDACTED);
    expect(redacted).not.toContain(key);
    expect(redacted).not.toContain(JSON.stringify(key).slice(1, -1));
    expect(redacted).not.toContain(encodeURIComponent(key));
  });

  it('leaves text without the key alone', () => {
    expect(createRedactor('secret-key')(`rejected (network): bad`)).toBe('rejected (network): bad');
  });

  it('redacts every text field of an outcome', () => {
    const redact = createRedactor('s3cr3t');
    expect(redactOutcome({ kind: 'rejected', code: 'network', message: 'Token s3cr3t' }, redact)).toEqual({
      kind: 'rejected',
      code: 'network',
      message: `Token ${REDACTED}`,
    });
    expect(redactOutcome({ kind: 'unknown', message: 's3cr3t' }, redact)).toEqual({
      kind: 'unknown',
      message: REDACTED,
    });
  });
});

describe('the key in every spelling it can come back in', () => {
  /** A key with the characters that get escaped: `/` in JSON and URLs, `+` and `=` in URLs. */
  const KEY = 'eyJ0eXAiOiJKV1Qi/LCJhbGciOiJIUzI1NiJ9+x=';
  const redact = createRedactor(KEY);
  const hexEscaped = (text: string, upper: boolean): string =>
    [...text]
      .map((c) => c.charCodeAt(0).toString(16).padStart(4, '0'))
      .map((hex) => `\\u${upper ? hex.toUpperCase() : hex}`)
      .join('');

  it.each<[string, string]>([
    ['as is', KEY],
    ['JSON-escaped with \\/', KEY.replace(/\//g, '\\/')],
    ['JSON-escaped as JSON.stringify writes it', JSON.stringify(KEY).slice(1, -1)],
    ['every character as \\uXXXX', hexEscaped(KEY, false)],
    ['every character as \\uXXXX with capital hex digits', hexEscaped(KEY, true)],
    ['only the slash as \\u002f', KEY.replace('/', '\\u002f')],
    ['URL-encoded with capital hex digits', encodeURIComponent(KEY)],
    ['URL-encoded with small hex digits', encodeURIComponent(KEY).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ['URL-encoded twice', encodeURIComponent(encodeURIComponent(KEY))],
    ['every character URL-encoded', [...KEY].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')],
    ['in HTML entities', KEY.replace('/', '&#47;').replace('+', '&#x2B;')],
    ['in small letters (a host name)', KEY.toLowerCase()],
    ['in base64 (a header echoed as a blob)', Buffer.from(`Token ${KEY}`).toString('base64')],
    ['in base64, at another offset', Buffer.from(`Authorization: Token ${KEY}`).toString('base64')],
    ['in URL-safe base64', Buffer.from(`xx${KEY}`).toString('base64url')],
    ['in base64 of the key in small letters', Buffer.from(`Token ${KEY.toLowerCase()}`).toString('base64')],
    ['in hex (a dump)', Buffer.from(KEY).toString('hex')],
    ['in hex with capital digits', Buffer.from(KEY).toString('hex').toUpperCase()],
    ['as \\xHH escapes', [...Buffer.from(KEY)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')],
    ['as \\u{HH} escapes', [...KEY].map((c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`).join('')],
  ])('%s', (_how, spelling) => {
    const text = `{"detail":"echo of ${spelling} here"}`;
    const redacted = redact(text);
    expect(redacted).toContain(REDACTED);
    expect(redacted).not.toContain(spelling);
    // Nothing of the key's recognisable middle is left either.
    expect(redacted.toLowerCase()).not.toContain('lcjhbgcioijiuzi1nij9');
  });

  describe('a key beyond ASCII, every character spelled the same way', () => {
    // A character of two UTF-8 bytes and one of four (two UTF-16 units): each spelling must join
    // the pieces of one character with nothing between them.
    const WIDE = 'kéy-😀-Zq/9 a';
    const wide = createRedactor(WIDE);
    const bytes = [...Buffer.from(WIDE)];
    const units = (text: string): string[] =>
      Array.from({ length: text.length }, (_, i) => text.charCodeAt(i).toString(16).padStart(4, '0'));
    it.each<[string, string]>([
      [
        'every UTF-16 unit as \\uXXXX',
        units(WIDE)
          .map((u) => `\\u${u}`)
          .join(''),
      ],
      ['every byte URL-encoded', bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')],
      ['every byte URL-encoded twice', bytes.map((b) => `%25${b.toString(16).padStart(2, '0')}`).join('')],
      ['URL-encoded as a form, the space as +', encodeURIComponent(WIDE).replace('%20', '+')],
      ['in hex', Buffer.from(WIDE).toString('hex')],
      ['as \\xHH escapes', bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')],
      ['in HTML entities, decimal with leading zeros', [...WIDE].map((c) => `&#00${c.codePointAt(0) ?? 0};`).join('')],
      ['in HTML entities, hex', [...WIDE].map((c) => `&#x${(c.codePointAt(0) ?? 0).toString(16)};`).join('')],
      ['with the JSON escapes by name', JSON.stringify(`${WIDE}"\\`).slice(1, -1).replace('/', '\\/')],
    ])('%s', (_how, spelling) => {
      expect(wide(`[${spelling}]`)).toMatch(new RegExp(`^\\[\\[redacted\\][^a-z0-9]{0,6}\\]$`));
    });
  });

  it('finds a key holding a quote and a backslash, JSON-escaped by name', () => {
    const quoted = 'k3y"with\\both/ends';
    const escaped = JSON.stringify(quoted).slice(1, -1).replace('/', '\\/');
    expect(escaped).toBe('k3y\\"with\\\\both\\/ends');
    expect(createRedactor(quoted)(`<${escaped}>`)).toBe(`<${REDACTED}>`);
  });

  it('finds in URL-safe base64 a key whose base64 holds + and /', () => {
    const key = 'k3y>>>???>>>???-abcdef';
    const standard = Buffer.from(key).toString('base64');
    expect(standard).toMatch(/\+.*\//);
    const urlSafe = Buffer.from(key).toString('base64url');
    expect(createRedactor(key)(`<${urlSafe}>`)).toMatch(new RegExp(`^<${REDACTED.replace(/[[\]]/g, '\\$&')}.{0,3}>$`));
  });

  it('ignores an empty secret, alone or beside a real one (it would match everywhere)', () => {
    expect(createRedactor('')('plain text')).toBe('plain text');
    expect(createRedactor([])('plain text')).toBe('plain text');
    expect(createRedactor(['', 'k3y-SECRET', 'k3y-SECRET'])('a k3y-SECRET b')).toBe(`a ${REDACTED} b`);
  });

  it('finds the key in base64 at each offset, with other text after it', () => {
    for (const offset of [0, 1, 2]) {
      for (const after of ['', '!', '!?', ' and more text after the key']) {
        const blob = Buffer.from(`${'x'.repeat(offset)}${KEY}${after}`).toString('base64');
        for (const text of [blob, blob.replace(/\+/g, '-').replace(/\//g, '_')]) {
          const redacted = redact(text);
          expect(redacted).toContain(REDACTED);
          // What is left is at most the few characters that mix the key's bits with a neighbour's.
          expect(redacted.replace(REDACTED, '').length).toBeLessThanOrEqual(text.length - 50);
        }
      }
    }
  });

  it('finds in base64 a key of 12 characters (a core of 16, the shortest taken) but takes no shorter core', () => {
    const twelve = 'abcdefghijkl';
    expect(createRedactor(twelve)(Buffer.from(twelve).toString('base64'))).toBe(REDACTED);
    // The base64 of a short key is too short to tell from ordinary text: left alone.
    expect(createRedactor('k3y!')(Buffer.from('k3y!').toString('base64'))).toBe('azN5IQ==');
  });

  it('removes the key JSON-escaped with \\/ from a long answer before the message is cut to one cell', () => {
    const echoed = `${'x'.repeat(180)} Token ${KEY.replace(/\//g, '\\/')} ${'y'.repeat(100)}`;
    const outcome = classifyResponse(409, JSON.stringify({ detail: echoed }).replace(/\\\\\//g, '\\/'), redact);
    expect(outcome.kind).toBe('unknown');
    const message = 'message' in outcome ? outcome.message : '';
    // Without redaction first, the cut at 200 characters leaves a piece of the key that no later pass can recognise.
    expect(message).not.toMatch(/eyJ0|LCJh|eXAi/);
    expect(message).toContain('Token [red');
  });

  it('removes the key URL-encoded from a long error before the message is cut', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error(`${'z'.repeat(150)} GET /x?k=${encodeURIComponent(KEY)} ${'w'.repeat(100)}`), {
        code: 'UND_ERR_SOCKET',
      }),
    });
    const outcome = classifyFetchError(error, { redact });
    const message = 'message' in outcome ? outcome.message : '';
    expect(message).not.toMatch(/eyJ0|LCJh|eXAi/);
    expect(message).toContain('k=[red');
  });

  it('is the redactor of the log too: the console, the log file, and every field of a line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'payout-redact-'));
    try {
      const lines: string[] = [];
      const logFile = join(dir, 'run.log');
      const logger = createLogger({ secrets: [KEY], logFile, console: { write: (text) => void lines.push(text) } });
      logger.info(`echo ${KEY.replace(/\//g, '\\/')} and ${encodeURIComponent(KEY).toLowerCase()}`);
      logger.warn('an answer', { body: `{"detail":"Token ${KEY}"}` });
      await closeLogger(logger);
      expect(lines.join('')).toBe(`echo ${REDACTED} and ${REDACTED}\nwarn: an answer\n`);
      const file = readFileSync(logFile, 'utf8');
      const records = file
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { message: string; body?: string });
      expect(records.map(({ message, body }) => ({ message, body }))).toEqual([
        { message: `echo ${REDACTED} and ${REDACTED}`, body: undefined },
        { message: 'an answer', body: `{"detail":"Token ${REDACTED}"}` },
      ]);
      expect(file).not.toMatch(/eyJ0|LCJh|eXAi/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('catches several secrets, the longer one whole', () => {
    const both = createRedactor(['abcd-1234', 'abcd-1234-efgh-5678']);
    expect(both('a abcd-1234-efgh-5678 b abcd-1234 c')).toBe(`a ${REDACTED} b ${REDACTED} c`);
  });

  it('finds a key that ends in a character its own spelling begins with, the whole spelling', () => {
    const backslash = 'k3y-ends-in\\';
    const escaped = JSON.stringify(backslash).slice(1, -1);
    expect(escaped).toBe('k3y-ends-in\\\\');
    expect(createRedactor(backslash)(`<${escaped}>`)).toBe(`<${REDACTED}>`);
    expect(createRedactor(backslash)(`<k3y-ends-in\\u005c>`)).toBe(`<${REDACTED}>`);
    const percent = 'k3y-ends-in%';
    expect(encodeURIComponent(percent)).toBe('k3y-ends-in%25');
    expect(createRedactor(percent)(`<${encodeURIComponent(percent)}>`)).toBe(`<${REDACTED}>`);
    expect(createRedactor('k3y-ends-in&')('<k3y-ends-in&#38;>')).toBe(`<${REDACTED}>`);
  });

  it('finds copies of the key back to back, where a spelling of one could run into the next', () => {
    // The key starts and ends with 3: at the first copy's end, `33` is also the hex spelling of 3.
    const key = '3k3y-ends-in-3';
    expect(createRedactor(key)(`<${key}${key}>`)).toBe(`<${REDACTED}${REDACTED}>`);
    expect(createRedactor(key)(`<${key} ${key}>`)).toBe(`<${REDACTED} ${REDACTED}>`);
  });

  it('finds a key holding a control character, each byte as two hex digits (%09, not %9)', () => {
    const key = 'k3y\tSECRET';
    expect(encodeURIComponent(key)).toBe('k3y%09SECRET');
    expect(createRedactor(key)(`<${encodeURIComponent(key)}>`)).toBe(`<${REDACTED}>`);
  });

  it('takes only the spellings of the key: a backslash before it stays, and + stands in for a space only', () => {
    const key = createRedactor('k3y-SECRET');
    expect(key('C:\\k3y-SECRET')).toBe(`C:\\${REDACTED}`);
    expect(key('k3y-SECRE+')).toBe('k3y-SECRE+');
    expect(key('k3y%2dSECRET')).toBe(REDACTED);
  });

  it('leaves ordinary text alone', () => {
    const text = 'rejected (network): the address is not valid; HTTP 400 {"status":"error"} %2F \\u002f &#47;';
    expect(redact(text)).toBe(text);
    expect(createRedactor([])(text)).toBe(text);
  });
});
