import { describe, expect, it } from '@jest/globals';
import { CURRENCIES, findCurrency } from '../../src/core/currencies.js';
import { formatDecimal } from '../../src/core/money.js';
import { RawNumber, parseRawJson } from '../../src/sandbox/json-raw.js';
import {
  ADDRESS_PATTERNS,
  checkWithdrawal,
  isAuthorized,
  isTooEarly,
  jsonNumberToDecimal,
  parseCreateBody,
} from '../../src/sandbox/rules.js';

const TRON = 'TT2T11KZhoDu48i2p4FWxfG79zdkEWkU9N';
const EVM = '0x52908400098527886E0F7030069857D2E4169EE7';
const balances = new Map([...CURRENCIES.keys()].map((code) => [code, 10n ** 30n]));

const body = (fields: Record<string, string>): string =>
  `{${Object.entries(fields)
    .map(([key, raw]) => `${JSON.stringify(key)}:${raw}`)
    .join(',')}}`;
const check = (text: string, funds: Map<string, bigint> = balances) => checkWithdrawal(parseCreateBody(text), funds);

describe('parseRawJson', () => {
  it('keeps number texts exactly', () => {
    const value = parseRawJson('{"a":0.10,"b":[1e-5,-0,12345678901234567890.5],"c":{"d":"0.1"}}');
    expect(value).toEqual({
      a: new RawNumber('0.10'),
      b: [new RawNumber('1e-5'), new RawNumber('-0'), new RawNumber('12345678901234567890.5')],
      c: { d: '0.1' },
    });
  });

  it('reads strings, keywords and whitespace as JSON.parse does', () => {
    expect(parseRawJson(' { "k\\"ey" : [ true , false , null , "a\\u00e9\\n" ] } ')).toEqual({
      'k"ey': [true, false, null, 'aé\n'],
    });
  });

  it('keeps the last of repeated keys, and __proto__ as a plain key', () => {
    const value = parseRawJson('{"amount":1,"amount":2,"__proto__":3}') as Record<string, unknown>;
    expect(value['amount']).toEqual(new RawNumber('2'));
    expect(value['__proto__']).toEqual(new RawNumber('3'));
  });

  it.each(['', '{', '{"a":01}', '{"a":1,}', "{'a':1}", '{"a":.5}', 'NaN'])('refuses %j', (text) => {
    expect(() => parseRawJson(text)).toThrow(SyntaxError);
  });
});

describe('jsonNumberToDecimal', () => {
  it.each([
    ['0.00023', false, '0.00023'],
    ['1234.50', false, '1234.5'],
    ['1e-5', false, '0.00001'],
    ['1.5E3', false, '1500'],
    ['12e+0', false, '12'],
    ['-3.2', true, '3.2'],
    ['0', false, '0'],
  ])('%s is exactly %s%s', (text, negative, canonical) => {
    const decimal = jsonNumberToDecimal(text);
    expect(decimal?.negative).toBe(negative);
    expect(decimal && formatDecimal(decimal.parts)).toBe(canonical);
  });

  it.each(['1e999', 'abc', '', '"1"'])('refuses %j', (text) => {
    expect(jsonNumberToDecimal(text)).toBeUndefined();
  });
});

describe('checkWithdrawal', () => {
  it('accepts a valid request and keeps the amount text', () => {
    const verdict = check(body({ currency_code: '"USDT_TRC20"', to_address: JSON.stringify(TRON), amount: '12.50' }));
    expect(verdict).toMatchObject({
      ok: true,
      withdrawal: { amountText: '12.50', amountMinor: 12_500_000n, toAddress: TRON },
    });
  });

  it.each<[string, string, string]>([
    ['not JSON', 'currency_code=BTC', 'validate_error'],
    ['a JSON list', '[1,2]', 'validate_error'],
    ['a JSON number', '12', 'validate_error'],
    ['no currency', body({ to_address: JSON.stringify(TRON), amount: '1' }), 'required_parameter'],
    ['no address', body({ currency_code: '"USDT_TRC20"', amount: '1' }), 'required_parameter'],
    ['no amount', body({ currency_code: '"USDT_TRC20"', to_address: JSON.stringify(TRON) }), 'required_parameter'],
    [
      'a null amount',
      body({ currency_code: '"USDT_TRC20"', to_address: JSON.stringify(TRON), amount: 'null' }),
      'required_parameter',
    ],
    ['an empty address', body({ currency_code: '"USDT_TRC20"', to_address: '""', amount: '1' }), 'required_parameter'],
    [
      'an unknown currency',
      body({ currency_code: '"DOGE"', to_address: JSON.stringify(TRON), amount: '1' }),
      'currency_code',
    ],
    [
      'a lower-case currency',
      body({ currency_code: '"usdt_trc20"', to_address: JSON.stringify(TRON), amount: '1' }),
      'currency_code',
    ],
    [
      'a currency that is a number',
      body({ currency_code: '5', to_address: JSON.stringify(TRON), amount: '1' }),
      'currency_code',
    ],
    [
      'an EVM address for Tron',
      body({ currency_code: '"USDT_TRC20"', to_address: JSON.stringify(EVM), amount: '1' }),
      'network',
    ],
    ['an address that is a number', body({ currency_code: '"USDT_TRC20"', to_address: '7', amount: '1' }), 'network'],
    [
      'a zero amount',
      body({ currency_code: '"USDT_TRC20"', to_address: JSON.stringify(TRON), amount: '0' }),
      'uncorrected_amount',
    ],
    [
      'a negative amount',
      body({ currency_code: '"USDT_TRC20"', to_address: JSON.stringify(TRON), amount: '-1' }),
      'uncorrected_amount',
    ],
    [
      'an amount as a string',
      body({ currency_code: '"USDT_TRC20"', to_address: JSON.stringify(TRON), amount: '"1"' }),
      'uncorrected_amount',
    ],
    [
      '7 decimals for a 6-decimal token',
      body({ currency_code: '"USDT_TRC20"', to_address: JSON.stringify(TRON), amount: '0.0000001' }),
      'uncorrected_amount',
    ],
    [
      'an absurd exponent',
      body({ currency_code: '"USDT_TRC20"', to_address: JSON.stringify(TRON), amount: '1e999' }),
      'uncorrected_amount',
    ],
  ])('%s → %s', (_name, text, key) => {
    expect(check(text)).toMatchObject({ ok: false, key });
  });

  it('checks in the API order: required fields before currency before address before amount', () => {
    expect(check(body({ currency_code: '"DOGE"', to_address: '"x"' }))).toMatchObject({ key: 'required_parameter' });
    expect(check(body({ currency_code: '"DOGE"', to_address: '"x"', amount: '-1' }))).toMatchObject({
      key: 'currency_code',
    });
    expect(check(body({ currency_code: '"BTC"', to_address: '"x"', amount: '-1' }))).toMatchObject({ key: 'network' });
  });

  it('refuses an amount above the balance, in exact minor units', () => {
    const funds = new Map([['BTC', 100n]]);
    const to = '"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"';
    expect(check(body({ currency_code: '"BTC"', to_address: to, amount: '0.000001' }), funds)).toMatchObject({
      ok: true,
    });
    expect(check(body({ currency_code: '"BTC"', to_address: to, amount: '0.00000101' }), funds)).toMatchObject({
      ok: false,
      key: 'uncorrected_amount',
      message: 'Insufficient balance',
    });
    expect(check(body({ currency_code: '"ETH"', to_address: JSON.stringify(EVM), amount: '1' }), funds)).toMatchObject({
      ok: false,
      key: 'uncorrected_amount',
    });
  });

  it('records the fields it saw, amount as raw text', () => {
    expect(parseCreateBody('{"currency_code":"BTC","amount":1.50}')).toMatchObject({
      ok: true,
      fields: { currency_code: 'BTC', amount: '1.50' },
    });
    expect(parseCreateBody('{"amount":"0.5"}')).toMatchObject({ fields: { amount: '"0.5"' } });
  });
});

describe('ADDRESS_PATTERNS', () => {
  it.each<[string, string, boolean]>([
    ['evm', EVM, true],
    ['evm', EVM.toLowerCase(), true],
    ['evm', EVM.slice(0, -1), false],
    ['evm', TRON, false],
    ['tron', TRON, true],
    ['tron', `${TRON}1`, false],
    ['tron', 'TT2T11KZhoDu48i2p4FWxfG79zdkEWkU90', false],
    ['bitcoin', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', true],
    ['bitcoin', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', true],
    ['bitcoin', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', true],
    ['bitcoin', 'BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ', true],
    ['bitcoin', 'ltc1qg82tq6eq4kxqg3qg8c0vy3fcd0u5gtqgr7vqa2', false],
    ['litecoin', 'LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9', true],
    ['litecoin', 'MGxNPPB7eBoWPUaprtX9v9CXJZoD2465zN', true],
    ['litecoin', 'ltc1qg82tq6eq4kxqg3qg8c0vy3fcd0u5gtqgr7vqa2', true],
    ['litecoin', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', false],
    ['solana', 'DRpbCBMxVnDK7maPM5tGv6MvB3v1sRMC86PZ8okm21hy', true],
    ['solana', EVM, false],
    ['ton', 'EQDtFpEwcFAEcRe5mLVh2N6C0x-_hJEM7W61_JLnSF74p4q2', true],
    ['ton', `0:${'ab'.repeat(32)}`, true],
    ['ton', `-1:${'AB'.repeat(32)}`, true],
    ['ton', 'EQDtFpEwcFAEcRe5mLVh2N6C0x', false],
  ])('%s %s → %s', (network, address, valid) => {
    expect(ADDRESS_PATTERNS[network as keyof typeof ADDRESS_PATTERNS].test(address)).toBe(valid);
  });

  it('has a pattern for every currency network', () => {
    for (const currency of CURRENCIES.values()) expect(ADDRESS_PATTERNS[currency.network]).toBeInstanceOf(RegExp);
    expect(findCurrency('USDT_TON')?.network).toBe('ton');
  });
});

describe('isAuthorized', () => {
  it.each<[string | undefined, string | undefined, boolean]>([
    ['Token abc', 'abc', true],
    ['token abc', 'abc', true],
    ['Token abd', 'abc', false],
    ['Token abc', undefined, true],
    ['Token ', undefined, false],
    ['Bearer abc', undefined, false],
    ['abc', 'abc', false],
    ['Token abc def', undefined, false],
    [undefined, undefined, false],
  ])('%j with key %j → %s', (header, key, expected) => {
    expect(isAuthorized(header, key)).toBe(expected);
  });
});

describe('isTooEarly', () => {
  it.each<[number | undefined, number, number, boolean]>([
    [undefined, 1000, 12000, false],
    [1000, 12999, 12000, true],
    [1000, 13000, 12000, false],
    [1000, 1000, 0, false],
  ])('previous %j, now %i, interval %i → %s', (previous, now, interval, expected) => {
    expect(isTooEarly(previous, now, interval)).toBe(expected);
  });
});
