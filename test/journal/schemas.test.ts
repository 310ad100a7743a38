/**
 * The journal's schemas against lines written by hand, as a run and earlier versions wrote them:
 * the oracle of the loader tests uses these same schemas, so what they accept is pinned here on
 * its own.
 */
import { describe, expect, it } from '@jest/globals';
import { entrySchema } from '../../src/journal/entries.js';

const SHA = 'ab'.repeat(32);
const accepted = (line: string): boolean => entrySchema.safeParse(JSON.parse(line)).success;

describe('lines a run writes, and earlier versions wrote, are read', () => {
  it.each([
    [
      'a header of the first version',
      `{"type":"header","version":1,"input":{"sha256":"${SHA}","bytes":120,"name":"p.csv"},"createdAt":"2026-11-01T09:00:00.000Z"}`,
    ],
    [
      'a header with its id, reading and API',
      `{"type":"header","version":1,"input":{"sha256":"${SHA}","bytes":120,"name":"p.csv"},"createdAt":"2026-12-01T09:00:00.000Z","id":"0a1b2c3d4e5f60718293a4b5","reading":{"columns":{"currency_code":"currency_code","to_address":"to_address","amount":"amount_crypto"},"decimalComma":false},"api":"https://api.cryptocloud.plus"}`,
    ],
    [
      'an intent of the first version',
      '{"type":"intent","row":1,"attempt":1,"at":1796000000000,"currency_code":"USDT_TRC20","to_address":"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t","amount":"1.5"}',
    ],
    [
      'an intent with its monotonic time',
      '{"type":"intent","row":2,"attempt":3,"at":1796000000000,"currency_code":"BTC","to_address":"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4","amount":"0.0005","boot":"b1 time:[4026531834]","atMono":3600123}',
    ],
    [
      'an accepted outcome',
      '{"type":"outcome","row":1,"attempt":1,"startedAt":1796000000001,"endedAt":1796000000070,"outcome":{"kind":"accepted","invoiceId":"INV-Y9QG310M"}}',
    ],
    [
      'a rejected outcome',
      '{"type":"outcome","row":1,"attempt":1,"startedAt":1,"endedAt":2,"outcome":{"kind":"rejected","code":"network","message":"bad network"}}',
    ],
    [
      'an unknown outcome with monotonic times',
      '{"type":"outcome","row":1,"attempt":1,"startedAt":1,"endedAt":2,"outcome":{"kind":"unknown","message":"timeout"},"boot":"b1","startedMono":10,"endedMono":20}',
    ],
    [
      'a never-sent outcome',
      '{"type":"outcome","row":1,"attempt":1,"startedAt":1,"endedAt":2,"outcome":{"kind":"never_sent","message":"ECONNREFUSED"}}',
    ],
    ['a resolve as paid', '{"type":"resolve","row":4,"at":1796000000000,"invoiceId":"INV-L3CN97UL"}'],
    ['a resolve as not paid', '{"type":"resolve","row":4,"at":1796000000000,"invoiceId":null}'],
    ['a balance request before it leaves', '{"type":"request","what":"balance","at":1796000000000}'],
    [
      'a balance request once over',
      '{"type":"request","what":"balance","at":1796000000000,"startedAt":1796000000001,"endedAt":1796000000030,"boot":"b1","atMono":5,"startedMono":6,"endedMono":35}',
    ],
  ])('%s', (_name, line) => {
    expect(accepted(line)).toBe(true);
  });
});

describe('lines no run writes are refused', () => {
  it.each([
    [
      'a header of another version',
      `{"type":"header","version":2,"input":{"sha256":"${SHA}","bytes":1,"name":"p.csv"},"createdAt":"x"}`,
    ],
    [
      'a header whose digest is not 64 small hex digits',
      '{"type":"header","version":1,"input":{"sha256":"ABC","bytes":1,"name":"p.csv"},"createdAt":"x"}',
    ],
    [
      'an intent for row 0',
      '{"type":"intent","row":0,"attempt":1,"at":1,"currency_code":"BTC","to_address":"a","amount":"1"}',
    ],
    [
      'an intent of attempt 0',
      '{"type":"intent","row":1,"attempt":0,"at":1,"currency_code":"BTC","to_address":"a","amount":"1"}',
    ],
    [
      'an intent without an amount',
      '{"type":"intent","row":1,"attempt":1,"at":1,"currency_code":"BTC","to_address":"a"}',
    ],
    [
      'an intent whose amount is a number',
      '{"type":"intent","row":1,"attempt":1,"at":1,"currency_code":"BTC","to_address":"a","amount":1.5}',
    ],
    [
      'an intent at a negative time',
      '{"type":"intent","row":1,"attempt":1,"at":-5,"currency_code":"BTC","to_address":"a","amount":"1"}',
    ],
    [
      'an intent at a fractional time',
      '{"type":"intent","row":1,"attempt":1,"at":1.5,"currency_code":"BTC","to_address":"a","amount":"1"}',
    ],
    [
      'an outcome of an unknown kind',
      '{"type":"outcome","row":1,"attempt":1,"startedAt":1,"endedAt":2,"outcome":{"kind":"maybe","message":"?"}}',
    ],
    [
      'an accepted outcome without its id',
      '{"type":"outcome","row":1,"attempt":1,"startedAt":1,"endedAt":2,"outcome":{"kind":"accepted"}}',
    ],
    ['a resolve without its verdict', '{"type":"resolve","row":4,"at":1}'],
    ['a request of another kind', '{"type":"request","what":"create","at":1}'],
    ['a line of no known type', '{"type":"payment","row":1}'],
  ])('%s', (_name, line) => {
    expect(accepted(line)).toBe(false);
  });
});
