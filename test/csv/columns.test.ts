import { describe, expect, it } from '@jest/globals';
import { InputError, UsageError } from '../../src/core/errors.js';
import { matchHeader } from '../../src/csv/columns.js';
import { parseColumnsOption } from '../../src/csv/read.js';

describe('parseColumnsOption', () => {
  it.each([
    ['currency_code=Coin,to_address=Wallet,amount=Sum', { currency_code: 'Coin', to_address: 'Wallet', amount: 'Sum' }],
    ['amount=Sum', { amount: 'Sum' }],
    [' AMOUNT = Sum in EUR , to_address=Wallet', { amount: 'Sum in EUR', to_address: 'Wallet' }],
    ['amount=a=b', { amount: 'a=b' }],
    ['amount=Betrag (€)', { amount: 'Betrag (€)' }],
  ])('%j', (text, expected) => {
    expect(parseColumnsOption(text)).toEqual(expected);
  });

  it.each([
    ['', /got an empty value/],
    ['  ', /got an empty value/],
    ['amount', /column=Header pairs.*got `amount`/],
    ['amount=', /got `amount=`/],
    ['amount=Sum,', /got `` in `amount=Sum,`/],
    ['price=Sum', /can rename only currency_code, to_address, amount; got `price`/],
    ['amount=Sum,amount=Total', /names amount twice/],
    ['amount=X,to_address= x ', /looks for the same header "X" for both to_address and amount/],
  ])('refuses %j', (text, message) => {
    expect(() => parseColumnsOption(text)).toThrow(UsageError);
    expect(() => parseColumnsOption(text)).toThrow(message);
  });
});

describe('matchHeader', () => {
  const where = 'payroll.csv line 1';

  it.each([
    [['currency_code', 'to_address', 'amount'], { currency_code: 0, to_address: 1, amount: 2 }],
    [['Amount', 'TO_ADDRESS', ' currency_code '], { currency_code: 2, to_address: 1, amount: 0 }],
    [['name', 'currency_code', '', 'to_address', 'note', 'amount'], { currency_code: 1, to_address: 3, amount: 5 }],
  ])('%j', (columns, expected) => {
    expect(matchHeader(columns, {}, where)).toEqual(expected);
  });

  it('refuses a results file before anything else', () => {
    expect(() => matchHeader(['a', 'status', 'invoice_id', 'error'], {}, where)).toThrow(
      'payroll.csv line 1: this looks like a payout results file (it has status, invoice_id and error columns); give the original payroll',
    );
  });

  it('refuses with an InputError', () => {
    expect(() => matchHeader(['x'], {}, where)).toThrow(InputError);
  });
});
