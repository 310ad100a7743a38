/**
 * The replay reads a run's two common lines (intent, accepted outcome) without JSON.parse and
 * zod. Whenever that fast path answers, the answer must be what JSON.parse + entrySchema give;
 * whenever the line is anything else (damaged, escaped, reordered, out of range), it must not
 * answer, so the schema decides as before.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { expectStrictEqual, expectUndefined } from '../helpers/agree.js';
import { CommonLineReader, entrySchema, parseCommonLine } from '../../src/journal/entries.js';

/** What the slow path makes of a line: the entry, or undefined when it refuses it. */
function bySchema(text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = entrySchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** The fast path may decline anything; when it answers, the schema must agree exactly. */
function expectAgrees(text: string): void {
  const fast = parseCommonLine(text);
  if (fast !== undefined) expectStrictEqual(fast, bySchema(text));
}

const intent = (row: number, attempt: number, at: number, code: string, address: string, amount: string): string =>
  JSON.stringify({ type: 'intent', row, attempt, at, currency_code: code, to_address: address, amount });
const accepted = (row: number, attempt: number, startedAt: number, endedAt: number, invoiceId: string): string =>
  JSON.stringify({ type: 'outcome', row, attempt, startedAt, endedAt, outcome: { kind: 'accepted', invoiceId } });

const anyNumber = fc.oneof(
  fc.integer({ min: -5, max: 2_000_000_000 }),
  fc.constantFrom(0, -0, 1, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e16, 1e21, 1.5, 0.1, 1_700_000_000_000),
  fc.double(),
);

describe('parseCommonLine', () => {
  it('reads the lines a run writes', () => {
    const a = intent(7, 1, 1_700_000_000_000, 'USDT_TRC20', 'TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf', '12.5');
    const b = accepted(7, 1, 1_700_000_000_002, 1_700_000_000_180, 'INV-0000ABCD');
    expect(parseCommonLine(a)).toStrictEqual(bySchema(a));
    expect(parseCommonLine(b)).toStrictEqual(bySchema(b));
    expect(parseCommonLine(a)).toBeDefined();
    expect(parseCommonLine(b)).toBeDefined();
  });

  it('reads the lines with the boot and monotonic times, as the schema does', () => {
    const a = JSON.stringify({
      type: 'intent',
      row: 7,
      attempt: 1,
      at: 1_700_000_000_000,
      currency_code: 'BTC',
      to_address: 'bc1q',
      amount: '1',
      boot: 'b7a3-9c',
      atMono: 123_456,
    });
    const b = JSON.stringify({
      type: 'outcome',
      row: 7,
      attempt: 1,
      startedAt: 1,
      endedAt: 2,
      outcome: { kind: 'accepted', invoiceId: 'INV-1' },
      boot: 'b7a3-9c',
      startedMono: 123_457,
      endedMono: 123_490,
    });
    expect(parseCommonLine(a)).toStrictEqual(bySchema(a));
    expect(parseCommonLine(b)).toStrictEqual(bySchema(b));
    expect(parseCommonLine(a)).toMatchObject({ boot: 'b7a3-9c', atMono: 123_456 });
    expect(parseCommonLine(b)).toMatchObject({ boot: 'b7a3-9c', startedMono: 123_457, endedMono: 123_490 });
    // An old line after a new one carries no boot over.
    const old = intent(8, 1, 5, 'BTC', 'bc1q', '1');
    expect(parseCommonLine(old)).toStrictEqual(bySchema(old));
    expect(parseCommonLine(old)).not.toHaveProperty('boot');
    // Half of the pair, a fraction, or another order: the schema decides.
    for (const text of [
      a.replace(',"atMono":123456', ''),
      a.replace('123456', '123456.5'),
      b.replace(',"endedMono":123490', ''),
      b.replace('"boot":"b7a3-9c","startedMono"', '"startedMono":1,"boot":"b7a3-9c","x"'),
    ]) {
      expectAgrees(text);
      expect(parseCommonLine(text)).toBeUndefined();
    }
  });

  it.each([
    ['an escape in a string', intent(1, 1, 5, 'BTC', 'bc1q\\"x', '1')],
    [
      'a unicode escape',
      '{"type":"intent","row":1,"attempt":1,"at":5,"currency_code":"\\u0042TC","to_address":"a","amount":"1"}',
    ],
    ['a space', '{"type":"intent", "row":1,"attempt":1,"at":5,"currency_code":"BTC","to_address":"a","amount":"1"}'],
    [
      'keys in another order',
      '{"row":1,"type":"intent","attempt":1,"at":5,"currency_code":"BTC","to_address":"a","amount":"1"}',
    ],
    [
      'an extra key',
      '{"type":"intent","row":1,"attempt":1,"at":5,"currency_code":"BTC","to_address":"a","amount":"1","x":1}',
    ],
    [
      'a duplicate key',
      '{"type":"intent","row":1,"row":2,"attempt":1,"at":5,"currency_code":"BTC","to_address":"a","amount":"1"}',
    ],
    ['row 0', intent(0, 1, 5, 'BTC', 'a', '1')],
    ['attempt 0', intent(1, 0, 5, 'BTC', 'a', '1')],
    ['a negative time', intent(1, 1, -5, 'BTC', 'a', '1')],
    ['a fraction', intent(1.5, 1, 5, 'BTC', 'a', '1')],
    [
      'an exponent',
      '{"type":"intent","row":1e0,"attempt":1,"at":5,"currency_code":"BTC","to_address":"a","amount":"1"}',
    ],
    [
      'a leading zero',
      '{"type":"intent","row":01,"attempt":1,"at":5,"currency_code":"BTC","to_address":"a","amount":"1"}',
    ],
    ['row 2^53', intent(2 ** 53, 1, 5, 'BTC', 'a', '1')],
    [
      'a number for a string',
      '{"type":"intent","row":1,"attempt":1,"at":5,"currency_code":"BTC","to_address":"a","amount":1}',
    ],
    [
      'a rejected outcome',
      JSON.stringify({
        type: 'outcome',
        row: 1,
        attempt: 1,
        startedAt: 1,
        endedAt: 2,
        outcome: { kind: 'rejected', code: 'x', message: 'm' },
      }),
    ],
    [
      'an outcome with an extra key',
      '{"type":"outcome","row":1,"attempt":1,"startedAt":1,"endedAt":2,"outcome":{"kind":"accepted","invoiceId":"INV-1","x":1}}',
    ],
    ['a trailing character', `${accepted(1, 1, 1, 2, 'INV-1')} `],
    ['a line cut short', accepted(1, 1, 1, 2, 'INV-1').slice(0, -1)],
    ['a control character', intent(1, 1, 5, 'BTC', 'a\u0001', '1').replace('\\u0001', '\u0001')],
    [
      'a header',
      JSON.stringify({
        type: 'header',
        version: 1,
        input: { sha256: 'a'.repeat(64), bytes: 1, name: 'x' },
        createdAt: 'now',
      }),
    ],
  ])('leaves %s to the schema', (_what, text) => {
    expect(parseCommonLine(text)).toBeUndefined();
  });

  it('agrees with JSON.parse and the schema on random lines of both kinds', () => {
    fc.assert(
      fc.property(
        anyNumber,
        anyNumber,
        anyNumber,
        anyNumber,
        fc.string(),
        fc.string(),
        fc.string(),
        fc.boolean(),
        (row, attempt, t1, t2, s1, s2, s3, kind) => {
          const text = kind ? intent(row, attempt, t1, s1, s2, s3) : accepted(row, attempt, t1, t2, s1);
          expectAgrees(text);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('never answers for a damaged line that the schema refuses, and agrees when it answers', () => {
    const base = fc
      .tuple(
        fc.integer({ min: 1, max: 5_000_000 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.boolean(),
      )
      .map(([row, attempt, at, kind]) =>
        kind
          ? intent(row, attempt, at, 'ETH', '0x52908400098527886E0F7030069857D2E4169EE7', '0.25')
          : accepted(row, attempt, at, at + 178, `INV-${row.toString(36)}`),
      );
    const edit = fc.tuple(
      fc.nat(),
      fc.constantFrom('delete', 'insert', 'replace'),
      fc.constantFrom(...'{}[]":,0123456789-.eE \\abtnu\u0000é'),
    );
    fc.assert(
      fc.property(base, fc.array(edit, { minLength: 1, maxLength: 3 }), (line, edits) => {
        let text = line;
        for (const [at, how, c] of edits) {
          const i = at % (text.length + 1);
          text =
            how === 'delete'
              ? text.slice(0, i) + text.slice(i + 1)
              : how === 'insert'
                ? text.slice(0, i) + c + text.slice(i)
                : text.slice(0, i) + c + text.slice(i + 1);
        }
        expectAgrees(text);
        if (bySchema(text) === undefined) expectUndefined(parseCommonLine(text));
      }),
      { numRuns: 20000 },
    );
  });

  /** JSON number tokens, most of them not what the schema takes as a row, attempt or time. */
  const numberToken = fc.oneof(
    fc.constantFrom(
      '0',
      '1',
      '-1',
      '-0',
      '01',
      '00',
      '1.0',
      '1e3',
      '1E3',
      '0x1',
      ' 1',
      '1 ',
      '+1',
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '99999999999999999',
      '18446744073709551616',
      '1'.repeat(30),
      '',
    ),
    fc.bigInt({ min: 0n, max: 2n ** 60n }).map(String),
  );
  /** JSON string tokens (quotes included), with escapes, raw control characters, non-ASCII, DEL. */
  const stringToken = fc.oneof(
    fc.string({ unit: 'grapheme-ascii' }).map((t) => JSON.stringify(t)),
    fc.string({ unit: 'binary' }).map((t) => JSON.stringify(t)),
    fc.string().map((t) => `"${t}"`),
    fc.constantFrom(
      '"a\\"b"',
      '"\\u0041"',
      '"a\u007fb"',
      '"é"',
      '"a\tb"',
      '"\\/"',
      '""',
      'null',
      '1',
      '"a"b"',
      '"a\\\\"',
    ),
  );

  it('agrees with JSON.parse and the schema on lines of odd numbers and strings', () => {
    fc.assert(
      fc.property(
        fc.array(numberToken, { minLength: 4, maxLength: 4 }),
        fc.array(stringToken, { minLength: 3, maxLength: 3 }),
        fc.boolean(),
        ([n1, n2, n3, n4], [s1, s2, s3], kind) => {
          const text = kind
            ? `{"type":"intent","row":${n1},"attempt":${n2},"at":${n3},"currency_code":${s1},"to_address":${s2},"amount":${s3}}`
            : `{"type":"outcome","row":${n1},"attempt":${n2},"startedAt":${n3},"endedAt":${n4},"outcome":{"kind":"accepted","invoiceId":${s1}}}`;
          expectAgrees(text);
        },
      ),
      { numRuns: 20000 },
    );
  });

  it('answers for every line a run writes (printable ASCII, safe integers)', () => {
    const safe = (min: number) => fc.integer({ min, max: Number.MAX_SAFE_INTEGER });
    const plain = fc.string({ unit: 'grapheme-ascii' }).filter((t) => !/["\\\u007f]/.test(t));
    fc.assert(
      fc.property(
        safe(1),
        safe(1),
        safe(0),
        safe(0),
        plain,
        plain,
        plain,
        fc.boolean(),
        (row, attempt, t1, t2, s1, s2, s3, kind) => {
          const text = kind ? intent(row, attempt, t1, s1, s2, s3) : accepted(row, attempt, t1, t2, s1);
          expect(parseCommonLine(text)).toStrictEqual(bySchema(text));
          expect(parseCommonLine(text)).toBeDefined();
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('reads only the line it is given, in a buffer of other bytes', () => {
    // The bytes past the line's end would complete a cut line: the reader must not look at them.
    const reader = new CommonLineReader();
    const line = fc
      .tuple(fc.integer({ min: 1, max: 10 ** 9 }), fc.integer({ min: 1, max: 5 }), fc.nat(), fc.boolean())
      .map(([row, attempt, at, kind]) =>
        kind ? intent(row, attempt, at, 'TRX', 'TAbc', '3') : accepted(row, attempt, at, at + 1, 'INV-1'),
      );
    fc.assert(
      fc.property(
        line,
        fc.nat(40),
        fc.nat(40),
        fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
        (text, before, cut, junk) => {
          const shown = text.slice(0, Math.max(0, text.length - cut));
          const bytes = Buffer.from(`${'x'.repeat(before)}${shown}${text.slice(shown.length)}${junk}`, 'latin1');
          const kind = reader.read(bytes, before, before + shown.length);
          const expected = parseCommonLine(shown);
          expect(kind).toBe(expected === undefined ? undefined : expected.type === 'intent' ? 'intent' : 'accepted');
          if (expected?.type === 'outcome')
            expect(reader.text(0)).toBe(expected.outcome.kind === 'accepted' ? expected.outcome.invoiceId : undefined);
          if (expected?.type === 'intent')
            expect([reader.row, reader.attempt, reader.at, reader.text(0), reader.text(1), reader.text(2)]).toEqual([
              expected.row,
              expected.attempt,
              expected.at,
              expected.currency_code,
              expected.to_address,
              expected.amount,
            ]);
          if (cut > 0) expect(kind).toBeUndefined();
        },
      ),
      { numRuns: 5000 },
    );
  });
});
