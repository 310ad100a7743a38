import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { expectBe, expectUndefined } from '../helpers/agree.js';
import { DuplicateFinder, payoutKey, recipientKey } from '../../src/validate/duplicates.js';

const pay = (toAddress: string, amount = '150', currencyCode = 'USDT_ERC20') => ({ currencyCode, toAddress, amount });
const evm = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';

describe('DuplicateFinder', () => {
  it.each([
    ['the same payout twice', pay(evm), pay(evm), 1],
    ['the same EVM address in another case', pay(evm), pay(evm.toLowerCase()), 1],
    [
      'the same bech32 address in capitals',
      pay('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', '1', 'BTC'),
      pay('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', '1', 'BTC'),
      1,
    ],
    ['another amount', pay(evm, '150'), pay(evm, '151'), undefined],
    ['another currency', pay(evm, '150', 'USDT_ERC20'), pay(evm, '150', 'USDC_ERC20'), undefined],
    [
      'a base58 address differing only in case',
      pay('TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', '1', 'USDT_TRC20'),
      pay('tR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', '1', 'USDT_TRC20'),
      undefined,
    ],
  ])('%s', (_name, first, second, expected) => {
    const finder = new DuplicateFinder();
    expect(finder.check(first, 1)).toBeUndefined();
    expect(finder.check(second, 2)).toBe(expected);
  });

  it('names the first row for every later repeat, across growth of its table', () => {
    const finder = new DuplicateFinder();
    for (let i = 1; i <= 50_000; i += 1) expectUndefined(finder.check(pay(evm, `1.${i}`), i));
    expect(finder.check(pay(evm, '1.7'), 50_001)).toBe(7);
    expect(finder.check(pay(evm, '1.7'), 50_002)).toBe(7);
    expect(finder.check(pay(evm, '1.49999'), 50_003)).toBe(49_999);
  });

  it('finds every repeat, whatever the high bit of its hashes (about half were missed once)', () => {
    const finder = new DuplicateFinder();
    for (let i = 1; i <= 2000; i += 1) finder.check(pay(evm, `2.${i}`), i);
    const missed = [];
    for (let i = 1; i <= 2000; i += 1) if (finder.check(pay(evm, `2.${i}`), 2000 + i) !== i) missed.push(i);
    expect(missed).toEqual([]);
    expect(finder.size).toBe(2000);
  });

  it('looks a key up without storing it', () => {
    const finder = new DuplicateFinder();
    expect(finder.checkKey('a', 5)).toBeUndefined();
    expect(finder.lookup('a')).toBe(5);
    expect(finder.lookup('b')).toBeUndefined();
    expect(finder.size).toBe(1);
  });
});

describe('DuplicateFinder on payouts (hashed without building the keys)', () => {
  const prefix = fc.constantFrom(
    '0x',
    '0X',
    'bc1',
    'BC1',
    'Bc1',
    'ltc1',
    'LTC1',
    'lTc1',
    'T',
    'EQ',
    '0',
    'b',
    'ltc',
    '',
  );
  const body = fc.string({
    unit: fc.constantFrom('a', 'B', 'z', 'Z', '0', '9', 'é', 'İ', 'K', '\u212a'),
    maxLength: 12,
  });
  const payout = fc.record({
    currencyCode: fc.constantFrom('USDT_ERC20', 'BTC', 'LTC', 'TON', 'x'),
    toAddress: fc.tuple(prefix, body).map(([p, b]) => p + b),
    amount: fc.constantFrom('1', '1.5', '10', '0.01'),
  });

  it('finds a payout exactly where the string keys would (any case, any character)', () => {
    fc.assert(
      fc.property(payout, fc.integer({ min: 1, max: 1000 }), (p, value) => {
        const byPayout = new DuplicateFinder();
        expectUndefined(byPayout.check(p, value));
        expectBe(byPayout.lookup(payoutKey(p)), value);
        expectBe(byPayout.lookupPayout(p), value);
        const byRecipient = new DuplicateFinder();
        expectUndefined(byRecipient.checkRecipient(p, value));
        expectBe(byRecipient.lookup(recipientKey(p)), value);
        // And the other way round: a key stored as a string is found by the payout.
        const byKey = new DuplicateFinder();
        byKey.checkKey(payoutKey(p), value);
        expectBe(byKey.lookupPayout(p), value);
      }),
      { numRuns: 3000 },
    );
  });

  it('treats one EVM recipient typed in two cases as one, and a Tron address in two cases as two', () => {
    const finder = new DuplicateFinder();
    expect(finder.checkRecipient({ currencyCode: 'ETH', toAddress: '0xAbCd' }, 1)).toBeUndefined();
    expect(finder.checkRecipient({ currencyCode: 'ETH', toAddress: '0XABCD' }, 2)).toBe(1);
    expect(finder.checkRecipient({ currencyCode: 'TRX', toAddress: 'TAbc' }, 3)).toBeUndefined();
    expect(finder.checkRecipient({ currencyCode: 'TRX', toAddress: 'Tabc' }, 4)).toBeUndefined();
    expect(finder.size).toBe(3);
  });
});

describe('DuplicateFinder presized', () => {
  it('finds the same repeats whatever its starting size, and grows past its estimate', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i % 3700}`);
    const answers = (finder: DuplicateFinder) => keys.map((key, i) => finder.checkKey(key, i + 1));
    const plain = answers(new DuplicateFinder());
    expect(answers(new DuplicateFinder(5000))).toEqual(plain);
    expect(answers(new DuplicateFinder(10))).toEqual(plain);
    expect(answers(new DuplicateFinder(1e12))).toEqual(plain);
    expect(plain.filter((v) => v !== undefined)).toHaveLength(1300);
  });
});
