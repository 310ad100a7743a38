/**
 * Guesses which network an address belongs to, so that the commonest costly mistake (an address
 * of another chain under a currency code) is named as such rather than as "not a valid address".
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { CURRENCIES, type Currency, type Network } from '../core/currencies.js';
import { ADDRESS_CHECKERS } from './address/index.js';
import { assetOf } from './currency.js';
import { joinOr, withArticle } from './text.js';

/** How each family is named when an address of it turns up under another network's code. */
const FAMILY_NAMES: Readonly<Record<Network, string>> = {
  evm: 'Ethereum (EVM)',
  tron: 'Tron',
  bitcoin: 'Bitcoin',
  litecoin: 'Litecoin',
  solana: 'Solana',
  ton: 'TON',
};

/** Cheapest and most distinctive first; the order also decides how a shared form is named. */
const ORDER: readonly Network[] = ['evm', 'ton', 'tron', 'bitcoin', 'litecoin', 'solana'];

/**
 * Every family for which the address (free of surrounding spaces) is valid, checksum included.
 * Usually one or none; a `3…` address is both Bitcoin and Litecoin.
 */
export function identifyAddress(address: string): Network[] {
  return ORDER.filter((network) => ADDRESS_CHECKERS[network](address) === undefined);
}

/**
 * The reason for an address that is valid on other networks but not on the currency's:
 * "this is an Ethereum (EVM) address, but USDT_TRC20 pays on Tron: use USDT_ERC20 (…) or a Tron
 * address". Offers the codes of the same coin on the address's networks, when the API has any.
 */
export function describeWrongNetwork(currency: Currency, families: readonly Network[]): string {
  const label = `${withArticle(joinOr(families.map((f) => FAMILY_NAMES[f])))} address`;
  const home = `${withArticle(currency.networkName)} address`;
  const asset = assetOf(currency.code);
  const codes = [...CURRENCIES.values()]
    .filter((c) => assetOf(c.code) === asset && families.includes(c.network))
    // Ethereum first: when an EVM address turns up, Ethereum is the likeliest network meant.
    .sort((a, b) => Number(b.networkName === 'Ethereum') - Number(a.networkName === 'Ethereum'))
    .map((c) => c.code);
  const [first, ...others] = codes;
  let use = home;
  if (first !== undefined) {
    const more = others.length > 0 ? ` (${joinOr(others)} if the recipient is on another of those networks)` : '';
    use = `${first}${more} or ${home}`;
  }
  return `this is ${label}, but ${currency.code} pays on ${currency.networkName}: use ${use}`;
}
