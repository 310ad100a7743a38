/**
 * The 40 currency codes of the CryptoCloud withdrawal API, the network each pays on, and the
 * decimals of its asset on that network (the smallest unit an amount may name).
 *
 * Sources of the decimals: the token contracts' `decimals()` on each chain (USDT/USDC/PYUSD/XAUT
 * are 6 on Ethereum, Arbitrum, Optimism, Base, Solana and TON; the Binance-Peg USDT/USDC on BSC
 * are 18; DAI, USDD, ARB, OP, PEPE and SHIB are 18; TRUMP on Solana is 6); the native coins'
 * base units (BTC/LTC 8 satoshi/litoshi, TRX 6 sun, SOL 9 lamports, TON 9 nanotons, ETH/BNB 18 wei).
 *
 * Stage core/: imports no other stage of src/.
 */

/** The address family a currency's network uses. */
export type Network = 'evm' | 'tron' | 'bitcoin' | 'litecoin' | 'solana' | 'ton';

export interface Currency {
  code: string;
  network: Network;
  decimals: number;
  /** A human name of the network, for messages ("pays on Tron"). */
  networkName: string;
}

const table: Array<[code: string, network: Network, decimals: number, networkName: string]> = [
  ['BTC', 'bitcoin', 8, 'Bitcoin'],
  ['LTC', 'litecoin', 8, 'Litecoin'],
  ['TRX', 'tron', 6, 'Tron'],
  ['SOL', 'solana', 9, 'Solana'],
  ['TON', 'ton', 9, 'TON'],
  ['BNB', 'evm', 18, 'BNB Smart Chain'],
  ['ETH', 'evm', 18, 'Ethereum'],
  ['ETH_ARB', 'evm', 18, 'Arbitrum'],
  ['ETH_BASE', 'evm', 18, 'Base'],
  ['ETH_OPT', 'evm', 18, 'Optimism'],
  ['USDT_ARB', 'evm', 6, 'Arbitrum'],
  ['USDT_BSC', 'evm', 18, 'BNB Smart Chain'],
  ['USDT_ERC20', 'evm', 6, 'Ethereum'],
  ['USDT_OPT', 'evm', 6, 'Optimism'],
  ['USDT_SOL', 'solana', 6, 'Solana'],
  ['USDT_TON', 'ton', 6, 'TON'],
  ['USDT_TRC20', 'tron', 6, 'Tron'],
  ['USDC_ARB', 'evm', 6, 'Arbitrum'],
  ['USDC_BASE', 'evm', 6, 'Base'],
  ['USDC_BSC', 'evm', 18, 'BNB Smart Chain'],
  ['USDC_ERC20', 'evm', 6, 'Ethereum'],
  ['USDC_OPT', 'evm', 6, 'Optimism'],
  ['USDC_SOL', 'solana', 6, 'Solana'],
  ['DAI_ARB', 'evm', 18, 'Arbitrum'],
  ['DAI_BASE', 'evm', 18, 'Base'],
  ['DAI_BSC', 'evm', 18, 'BNB Smart Chain'],
  ['DAI_ERC20', 'evm', 18, 'Ethereum'],
  ['DAI_OPT', 'evm', 18, 'Optimism'],
  ['USDD_TRC20', 'tron', 18, 'Tron'],
  ['PYUSD_ERC20', 'evm', 6, 'Ethereum'],
  ['PYUSD_SOL', 'solana', 6, 'Solana'],
  ['XAUT_ERC20', 'evm', 6, 'Ethereum'],
  ['XAUT_TON', 'ton', 6, 'TON'],
  ['ARB_ARB', 'evm', 18, 'Arbitrum'],
  ['OP_OPT', 'evm', 18, 'Optimism'],
  ['PEPE_BSC', 'evm', 18, 'BNB Smart Chain'],
  ['PEPE_ERC20', 'evm', 18, 'Ethereum'],
  ['SHIB_BSC', 'evm', 18, 'BNB Smart Chain'],
  ['SHIB_ERC20', 'evm', 18, 'Ethereum'],
  ['TRUMP_SOL', 'solana', 6, 'Solana'],
];

/** Every currency the API accepts, by its exact code. */
export const CURRENCIES: ReadonlyMap<string, Currency> = new Map(
  table.map(([code, network, decimals, networkName]) => [code, { code, network, decimals, networkName }]),
);

/** The currency with exactly this code, or undefined. */
export function findCurrency(code: string): Currency | undefined {
  return CURRENCIES.get(code);
}
