import { describe, expect, it } from '@jest/globals';
import type { Network } from '../../src/core/currencies.js';
import { checkAddress } from '../../src/validate/address/index.js';
import { crc16xmodem } from '../../src/validate/address/ton.js';
import { identifyAddress } from '../../src/validate/identify.js';
import { validateRow } from '../../src/validate/index.js';

const EVM = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
const BTC = '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa';
const BTC_P2SH = '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy';
const BTC_SEGWIT = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
const LTC = 'LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm';
const SOLANA = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const TON = 'EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPrHF';

/** The to_address reason of a row with a valid amount, or "ok". */
function addressReason(currency_code: string, to_address: string): string {
  const verdict = validateRow({ currency_code, to_address, amount: '1' });
  if (verdict.ok) return 'ok';
  return verdict.problems.find((p) => p.column === 'to_address')?.reason ?? 'ok';
}

describe('faults of each family', () => {
  it.each<[Network, string, RegExp]>([
    ['evm', '0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED', /starts with 0X: write the prefix in small letters, 0x/],
    ['evm', '5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', /lacks the 0x prefix/],
    [
      'evm',
      '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe',
      /has 39 hex characters after 0x, but an EVM address has 40: a character is missing/,
    ],
    ['evm', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd', /41 hex characters.*extra characters/],
    ['evm', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg', /contains "g", which never appears in an EVM address/],
    [
      'evm',
      '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD',
      /^the checksum does not match: a character was mistyped; copy the address again from the recipient$/,
    ],
    ['evm', 'hello', /this is not an EVM address, which is 0x followed by 40 hex characters/],
    ['tron', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u', /^the checksum does not match/],
    [
      'tron',
      'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6',
      /has 33 characters, but a Tron address has 34: a character is missing/,
    ],
    [
      'tron',
      'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj60',
      /contains "0", which never appears in a Tron address \(base58 has no 0, O, I or l\)/,
    ],
    ['tron', '41a614f803b6fd780986a42c78ec9c7f77e6ded13c', /Tron address in hex form.*starts with T/],
    ['tron', 'xyz', /this is not a Tron address, which starts with T and has 34 characters/],
    ['bitcoin', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb', /^the checksum does not match/],
    ['bitcoin', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr', /^the checksum does not match/],
    ['bitcoin', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwF5mdq', /mixes capital and small letters/],
    [
      'bitcoin',
      'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwb5mdq',
      /contains "b", which never appears in a bc1 address after its prefix/,
    ],
    ['bitcoin', 'BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ', /^ok$/],
    [
      'bitcoin',
      'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx',
      /Bitcoin testnet address \(tb1…\).*ask the recipient for a Bitcoin mainnet address \(bc1…, 1… or 3…\)/,
    ],
    ['bitcoin', 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn', /Bitcoin testnet address \(m…\)/],
    ['litecoin', 'tltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kmr3gxl', /Litecoin testnet address \(tltc1…\)/],
    ['litecoin', 'Qcjgixb2zRFpZYdrp3FHPpkwYgiFdo1XaU', /Litecoin testnet address \(Q…\)/],
    ['solana', 'FPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', /^ok$/], // no checksum: a typo cannot be caught
    ['solana', 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt', /this is not a Solana address/],
    ['solana', 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDtlv', /contains "l", which never appears in a Solana address/],
    ['ton', 'EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPrHG', /^the checksum does not match/],
    ['ton', 'EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff+W72r5gqPrH_', /mixes the two base64 alphabets/],
    ['ton', 'kQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff-W72r5gqPgpP', /TON testnet address.*holds no real coins/],
    [
      'ton',
      '1:ca6e321c7cce9ecedf0a8ca2492ec8592494aa5fb5ce0387dff96ef6af982a3e',
      /workchain 1, but TON accounts are in workchain 0/,
    ],
    ['ton', '0:ca6e321c7cce9ecedf0a8ca2492ec8592494aa5fb5ce0387dff96ef6af982a3', /63 hex digits after the colon/],
    [
      'ton',
      'EQDKbjIcfM6ezt8KjKJJLshZJJSqX7XOA4ff',
      /this is not a TON address, which has 48 characters and starts with EQ or UQ/,
    ],
  ])('%s %s: %s', (network, address, reason) => expect(checkAddress(network, address) ?? 'ok').toMatch(reason));

  it('CRC16-XMODEM has its catalogue check value', () => {
    expect(crc16xmodem(new TextEncoder().encode('123456789'))).toBe(0x31c3);
  });
});

describe('spaces and empty addresses', () => {
  it.each([
    ['', "the address is empty: write the recipient's address"],
    ['  ', "the address is blank: write the recipient's address"],
    [`${TRON} `, 'the address has a space at the end; remove it'],
    [` ${TRON}`, 'the address has a space at the start; remove it'],
    [`\t${TRON}\n`, 'the address has a tab at the start and a line break at the end; remove them'],
    [`${TRON}\u200B`, 'the address has an invisible character (U+200B) at the end; remove it'],
    [
      `${TRON.slice(0, -1)}u `,
      'the checksum does not match: a character was mistyped; copy the address again from the recipient; also remove a space at the end',
    ],
  ])('%j: %s', (address, reason) => expect(addressReason('USDT_TRC20', address)).toBe(reason));
});

describe('an address of another network is named', () => {
  it.each([
    [
      'USDT_TRC20',
      EVM,
      'this is an Ethereum (EVM) address, but USDT_TRC20 pays on Tron: use USDT_ERC20 (USDT_ARB, USDT_BSC or USDT_OPT if the recipient is on another of those networks) or a Tron address',
    ],
    [
      'USDT_ERC20',
      TRON,
      'this is a Tron address, but USDT_ERC20 pays on Ethereum: use USDT_TRC20 or an Ethereum address',
    ],
    [
      'USDC_ARB',
      SOLANA,
      'this is a Solana address, but USDC_ARB pays on Arbitrum: use USDC_SOL or an Arbitrum address',
    ],
    ['BTC', LTC, 'this is a Litecoin address, but BTC pays on Bitcoin: use a Bitcoin address'],
    ['LTC', BTC, 'this is a Bitcoin address, but LTC pays on Litecoin: use a Litecoin address'],
    ['LTC', BTC_SEGWIT, 'this is a Bitcoin address, but LTC pays on Litecoin: use a Litecoin address'],
    ['TRX', BTC_P2SH, 'this is a Bitcoin or Litecoin address, but TRX pays on Tron: use a Tron address'],
    ['USDT_SOL', TON, 'this is a TON address, but USDT_SOL pays on Solana: use USDT_TON or a Solana address'],
    ['USDT_TON', SOLANA, 'this is a Solana address, but USDT_TON pays on TON: use USDT_SOL or a TON address'],
    ['SOL', TRON, 'this is a Tron address, but SOL pays on Solana: use a Solana address'],
    ['ETH', BTC_SEGWIT, 'this is a Bitcoin address, but ETH pays on Ethereum: use an Ethereum address'],
    [
      'USDT_BSC',
      TON,
      'this is a TON address, but USDT_BSC pays on BNB Smart Chain: use USDT_TON or a BNB Smart Chain address',
    ],
  ])('%s with %s', (code, address, reason) => expect(addressReason(code, address)).toBe(reason));

  it('accepts a 3… address for both Bitcoin and Litecoin (the legacy shared P2SH version)', () => {
    expect(identifyAddress(BTC_P2SH)).toEqual(['bitcoin', 'litecoin']);
    expect(addressReason('BTC', BTC_P2SH)).toBe('ok');
    expect(addressReason('LTC', BTC_P2SH)).toBe('ok');
  });

  it('identifies nothing in text that is no address', () => {
    expect(identifyAddress('not an address')).toEqual([]);
    expect(addressReason('USDT_TRC20', 'not an address')).toMatch(/^this is not a Tron address/);
  });
});
