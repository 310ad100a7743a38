/**
 * The per-row fast paths must answer exactly as the slower rules they skip. Each is compared, on
 * random input, with its definition: the code as it was before the fast path (kept here).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { expectBe } from '../helpers/agree.js';
import { CURRENCIES } from '../../src/core/currencies.js';
import type { PayoutFields } from '../../src/core/types.js';
import { checkEvmAddress, passesEip55 } from '../../src/validate/address/evm.js';
import {
  CHECKSUM_MISMATCH,
  COPY_AGAIN,
  decodeBase58Check,
  findNonBase58,
  strayCharacter,
} from '../../src/validate/address/common.js';
import { checkTronAddress } from '../../src/validate/address/tron.js';
import { checkAmountText } from '../../src/validate/amount.js';
import { checkCurrency } from '../../src/validate/currency.js';
import { validateRow } from '../../src/validate/index.js';
import { hasInvisibleEdge } from '../../src/validate/text.js';
import { toBase58Check, toEip55 } from './encoders.js';

/** Swaps one character of `text` for `c`, inserts it, or deletes one, at `at`. */
function mutate(text: string, at: number, c: string, how: number): string {
  const i = text.length === 0 ? 0 : at % text.length;
  if (how === 0) return text.slice(0, i) + c + text.slice(i + 1);
  if (how === 1) return text.slice(0, i) + c + text.slice(i);
  if (how === 2) return text.slice(0, i) + text.slice(i + 1);
  return text;
}
const mutation = fc.tuple(fc.nat(), fc.constantFrom(...'0OIl1aAfFgxX T\u200B\u00A0é'), fc.integer({ min: 0, max: 3 }));

describe('checkEvmAddress: one pass before the regular expressions', () => {
  const HEX_40 = /^[0-9a-fA-F]{40}$/;
  function byDefinition(address: string): string | undefined {
    if (!address.startsWith('0x')) {
      if (address.startsWith('0X') && HEX_40.test(address.slice(2)))
        return 'the address starts with 0X: write the prefix in small letters, 0x';
      if (HEX_40.test(address)) return 'the address lacks the 0x prefix: write 0x before its 40 hex characters';
      return `this is not an EVM address, which is 0x followed by 40 hex characters (0-9, a-f); ${COPY_AGAIN}`;
    }
    const hex = address.slice(2);
    const stray = /[^0-9a-fA-F]/.exec(hex)?.[0];
    if (stray !== undefined) return strayCharacter(stray, 'an EVM address (0x followed by the hex digits 0-9, a-f)');
    if (hex.length !== 40) {
      const fault = hex.length < 40 ? 'a character is missing' : 'there are extra characters';
      return `the address has ${hex.length} hex characters after 0x, but an EVM address has 40: ${fault}; ${COPY_AGAIN}`;
    }
    const mixed = hex !== hex.toLowerCase() && hex !== hex.toUpperCase();
    return mixed && !passesEip55(hex) ? CHECKSUM_MISMATCH : undefined;
  }
  const address = fc.oneof(
    fc.uint8Array({ minLength: 20, maxLength: 20 }).map(toEip55),
    fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => toEip55(b).toLowerCase()),
    fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => `0x${toEip55(b).slice(2).toUpperCase()}`),
    fc.string({ maxLength: 44 }),
  );

  it('gives the same verdict as the full rules on any text', () => {
    fc.assert(
      fc.property(address, mutation, (a, [at, c, how]) => {
        const text = mutate(a, at, c, how);
        expectBe(checkEvmAddress(text), byDefinition(text));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('checkTronAddress: decoding before the regular expressions', () => {
  const NOT_TRON = `this is not a Tron address, which starts with T and has 34 characters; ${COPY_AGAIN}`;
  function byDefinition(address: string): string | undefined {
    if (/^41[0-9a-fA-F]{40}$/.test(address)) {
      return 'this is a Tron address in hex form (41…): write its usual form, which starts with T (a block explorer shows both)';
    }
    if (!address.startsWith('T')) return NOT_TRON;
    const stray = findNonBase58(address);
    if (stray !== undefined) return strayCharacter(stray, 'a Tron address (base58 has no 0, O, I or l)');
    if (address.length !== 34) {
      const fault = address.length < 34 ? 'a character is missing' : 'there are extra characters';
      return `the address has ${address.length} characters, but a Tron address has 34: ${fault}; ${COPY_AGAIN}`;
    }
    const decoded = decodeBase58Check(address, 21);
    if (!decoded.ok) return decoded.fault === 'checksum' ? CHECKSUM_MISMATCH : NOT_TRON;
    return decoded.version === 0x41 ? undefined : NOT_TRON;
  }
  const address = fc.oneof(
    fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => toBase58Check(Uint8Array.from([0x41, ...b]))),
    fc
      .tuple(fc.nat(255), fc.uint8Array({ minLength: 20, maxLength: 20 }))
      .map(([v, b]) => toBase58Check(Uint8Array.from([v, ...b]))),
    fc.string({ maxLength: 36 }).map((s) => `T${s}`),
  );

  it('gives the same verdict as the full rules on any text', () => {
    fc.assert(
      fc.property(address, mutation, (a, [at, c, how]) => {
        const text = mutate(a, at, c, how);
        expect(checkTronAddress(text)).toBe(byDefinition(text));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('hasInvisibleEdge: printable ASCII ends skip the regular expression', () => {
  const EDGE = /^[\s\u200B-\u200D\u2060]|[\s\u200B-\u200D\u2060]$/;
  const edge = fc.constantFrom(
    '',
    ' ',
    '\t',
    '\n',
    '\u00A0',
    '\u200B',
    '\u2060',
    '\uFEFF',
    '\u3000',
    '!',
    '~',
    '\u007F',
    'é',
    'a',
  );

  it('agrees with the expression on any text', () => {
    fc.assert(
      fc.property(edge, fc.string({ maxLength: 6 }), edge, (a, s, b) => {
        const text = a + s + b;
        expect(hasInvisibleEdge(text)).toBe(EDGE.test(text));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('checkCurrency: the verdicts on exact codes are made once', () => {
  it('returns each currency as found, with no reason', () => {
    for (const [code, currency] of CURRENCIES) expect(checkCurrency(code)).toEqual({ ok: true, currency });
  });
});

describe('checkAmountText: the plain-decimal fast path', () => {
  const digits = (min: number, max: number) =>
    fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  const plain = fc.tuple(digits(1, 20), fc.option(digits(1, 20))).map(([i, f]) => (f === null ? i : `${i}.${f}`));

  it('gives the canonical parts of a plain decimal, or the zero reason', () => {
    fc.assert(
      fc.property(plain, (text) => {
        const [integer = '', fraction = ''] = text.split('.');
        const parts = { integer: integer.replace(/^0+(?=\d)/, ''), fraction: fraction.replace(/0+$/, '') };
        const zero = parts.integer === '0' && parts.fraction === '';
        expect(checkAmountText(text)).toEqual(
          zero
            ? {
                ok: false,
                reason: `"${text.length > 48 ? `${text.slice(0, 20)}…${text.slice(-12)}` : text}" is zero: a payout must be more than zero; correct the amount or remove the row`,
              }
            : { ok: true, parts },
        );
      }),
      { numRuns: 5000 },
    );
  });
});

describe('validateRow: an object of three strings skips the schema, and only such an object', () => {
  const EVM = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
  const fields = { currency_code: 'ETH', to_address: EVM, amount: '1' };

  it.each<[string, unknown, unknown]>([
    ['a plain object', fields, { ok: true, payout: { currencyCode: 'ETH', toAddress: EVM, amount: '1' } }],
    // zod reads inherited fields too.
    [
      'an object inheriting the fields',
      Object.create(fields),
      { ok: true, payout: { currencyCode: 'ETH', toAddress: EVM, amount: '1' } },
    ],
    // zod refuses an array whatever its properties.
    [
      'an array carrying the fields',
      Object.assign(['x'], fields),
      { ok: false, problems: [{ column: 'row', value: '', reason: 'the row could not be read as three text fields' }] },
    ],
    [
      'an object with a number',
      { ...fields, to_address: 5 },
      {
        ok: false,
        problems: [
          {
            column: 'to_address',
            value: '',
            reason: 'the row has no to_address value (it may be shorter than the header): fill in the cell',
          },
        ],
      },
    ],
  ])('%s', (_, row, verdict) => expect(validateRow(row as PayoutFields)).toEqual(verdict));
});
