/**
 * The hand-written base58 decoder (src/validate/address/base58.ts) must agree with @scure/base's
 * `base58.decode` on every text: the same bytes when they have the asked length, undefined when
 * @scure/base gives another length or throws.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { expectEqual, expectUndefined } from '../helpers/agree.js';
import { base58 } from '@scure/base';
import { decodeBase58Exact, decodeBase58Into } from '../../src/validate/address/base58.js';
import { decodeBase58Check } from '../../src/validate/address/common.js';
import { toBase58Check } from './encoders.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** What decodeBase58Exact must return, by @scure/base. */
function byReference(text: string, length: number): Uint8Array | undefined {
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(text);
  } catch {
    return undefined;
  }
  return bytes.length === length ? bytes : undefined;
}

function expectAgreement(text: string, length: number): void {
  const fast = decodeBase58Exact(text, length);
  const reference = byReference(text, length);
  if (reference === undefined) expectUndefined(fast);
  else expectEqual(fast && Array.from(fast), Array.from(reference));
}

/** Bytes that often start with zero bytes (each a leading `1`), the case easiest to get wrong. */
const bytesWithZeros = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.uint8Array({ maxLength: 40 }), fc.boolean())
  .map(([zeros, rest, small]) =>
    Uint8Array.from([...new Array<number>(zeros).fill(0), ...(small ? rest.map((b) => b & 3) : rest)]),
  );

/** Base58 text, often with leading `1`s, sometimes a stray character. */
const base58Text = fc
  .tuple(
    fc.integer({ min: 0, max: 6 }),
    fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 50 }),
    fc.option(fc.constantFrom('0', 'O', 'I', 'l', ' ', 'é', '\u{1F600}')),
    fc.nat(),
  )
  .map(([ones, rest, stray, at]) => {
    const text = '1'.repeat(ones) + rest;
    if (stray === null) return text;
    const i = at % (text.length + 1);
    return text.slice(0, i) + stray + text.slice(i);
  });

describe('decodeBase58Exact agrees with @scure/base', () => {
  it('decodes every encoded byte string back to itself, and refuses every other length', () => {
    fc.assert(
      fc.property(bytesWithZeros, fc.integer({ min: 0, max: 64 }), (bytes, other) => {
        const text = base58.encode(bytes);
        expectEqual(Array.from(decodeBase58Exact(text, bytes.length) ?? [-1]), Array.from(bytes));
        if (other !== bytes.length) expectUndefined(decodeBase58Exact(text, other));
      }),
      { numRuns: 5000 },
    );
  });

  it('gives the same bytes or the same refusal on any text, at the lengths it is used for and others', () => {
    fc.assert(
      fc.property(base58Text, fc.constantFrom(0, 1, 2, 3, 4, 5, 20, 21, 24, 25, 26, 31, 32, 33, 64), (text, length) => {
        expectAgreement(text, length);
      }),
      { numRuns: 20000 },
    );
  });

  it('gives the same answer for every text of its own decoded length', () => {
    fc.assert(
      fc.property(base58Text, (text) => {
        let length = -1;
        try {
          length = base58.decode(text).length;
        } catch {
          return;
        }
        if (length <= 64) expectAgreement(text, length);
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['', 0],
    ['', 1],
    ['1', 0],
    ['1', 1],
    ['11', 2],
    ['111', 2],
    ['2', 1],
    ['z', 1],
    ['5Q', 1], // 255
    ['5R', 1], // 256: two bytes
    ['5R', 2],
    ['1111111111111111111111111', 25],
    ['1'.repeat(26), 25],
    ['z'.repeat(34), 25],
    ['z'.repeat(5000), 25], // @scure/base refuses over 4096 characters
    ['1'.repeat(5000), 25],
  ])('%j at length %i', (text, length) => expectAgreement(text, length));

  it('refuses a length beyond its scratch space rather than answer wrongly', () => {
    expect(() => decodeBase58Exact('2', 65)).toThrow(RangeError);
  });

  it("decodes into a caller's buffer the same bytes, overwriting what was there", () => {
    const out = new Uint8Array(30).fill(0xee);
    const bytes = Uint8Array.from([0, 0, 7, 255, 1]);
    expect(decodeBase58Into(base58.encode(bytes), 5, out)).toBe(true);
    expect(Array.from(out.subarray(0, 5))).toEqual(Array.from(bytes));
    expect(decodeBase58Into(base58.encode(bytes), 6, out)).toBe(false);
  });
});

describe('decodeBase58Check', () => {
  it('returns the version byte of any checksummed text, and a checksum fault for a changed checksum', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 21, maxLength: 21 }),
        fc.integer({ min: 1, max: 255 }),
        (payload, flip) => {
          const text = toBase58Check(payload);
          expect(decodeBase58Check(text, 21)).toEqual({ ok: true, version: payload[0] });
          const bytes = base58.decode(text);
          bytes[24] = (bytes[24] ?? 0) ^ flip;
          expect(decodeBase58Check(base58.encode(bytes), 21)).toEqual({ ok: false, fault: 'checksum' });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gives a length fault for texts of other lengths and for stray characters', () => {
    expect(decodeBase58Check(toBase58Check(new Uint8Array(20)), 21)).toEqual({ ok: false, fault: 'length' });
    expect(decodeBase58Check(toBase58Check(new Uint8Array(22).fill(7)), 21)).toEqual({ ok: false, fault: 'length' });
    expect(decodeBase58Check('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj60', 21)).toEqual({ ok: false, fault: 'length' });
  });
});
