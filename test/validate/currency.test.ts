import { describe, expect, it } from '@jest/globals';
import { CURRENCIES } from '../../src/core/currencies.js';
import { checkCurrency } from '../../src/validate/currency.js';

function reasonFor(raw: string): string {
  const check = checkCurrency(raw);
  return check.ok ? `=${check.currency.code}` : check.reason;
}

describe('currency codes', () => {
  it('accepts each of the 40 codes exactly', () => {
    expect(CURRENCIES.size).toBe(40);
    for (const code of CURRENCIES.keys()) expect(reasonFor(code)).toBe(`=${code}`);
  });

  it.each([
    ['usdt_trc20', '"usdt_trc20" is not a currency code (codes are written in capitals): write USDT_TRC20'],
    [' USDT_TRC20 ', '" USDT_TRC20 " is not a currency code (remove the spaces around it): write USDT_TRC20'],
    ['USDT_TRC20\t', '"USDT_TRC20\t" is not a currency code (remove the spaces around it): write USDT_TRC20'],
    ['ERC20-USDT', '"ERC20-USDT" is not a currency code: write USDT_ERC20'],
    ['USDT-TRC20', '"USDT-TRC20" is not a currency code: write USDT_TRC20'],
    ['usdt trc20', '"usdt trc20" is not a currency code: write USDT_TRC20'],
    ['USDT (BEP20)', '"USDT (BEP20)" is not a currency code: write USDT_BSC'],
    ['USDTTRC20', '"USDTTRC20" is not a currency code: write USDT_TRC20'],
    ['Tether TRON', '"Tether TRON" is not a currency code: write USDT_TRC20'],
    ['USDC Solana', '"USDC Solana" is not a currency code: write USDC_SOL'],
    ['eth', '"eth" is not a currency code (codes are written in capitals): write ETH'],
    ['ETH-ARBITRUM', '"ETH-ARBITRUM" is not a currency code: write ETH_ARB'],
    ['ARB', '"ARB" is not a currency code: write ARB_ARB'],
  ])('%j: %s', (raw, reason) => expect(reasonFor(raw)).toBe(reason));

  it.each([
    [
      'USDT',
      'write USDT_ARB, USDT_BSC, USDT_ERC20, USDT_OPT, USDT_SOL, USDT_TON or USDT_TRC20 (the code names the network)',
    ],
    ['TRC20', 'write TRX, USDT_TRC20 or USDD_TRC20 (the code names the network)'],
    [
      'USDT_POLYGON',
      'the API pays USDT only as USDT_ARB, USDT_BSC, USDT_ERC20, USDT_OPT, USDT_SOL, USDT_TON or USDT_TRC20',
    ],
    ['DOGE', 'write one of the 40 codes the API accepts'],
    ['', 'the currency code is empty'],
    ['  ', 'the currency code is empty'],
  ])('%j: …%s', (raw, part) => expect(reasonFor(raw)).toContain(part));
});
