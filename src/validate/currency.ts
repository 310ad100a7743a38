/**
 * The currency_code column: one of the API's 40 codes, exactly, with a suggestion for near misses.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { CURRENCIES, findCurrency, type Currency } from '../core/currencies.js';
import { joinOr, quote } from './text.js';

/** The verdict on a currency code: the currency, or why the code is refused. */
export type CurrencyCheck = { ok: true; currency: Currency } | { ok: false; reason: string };

/**
 * Words people write for a network instead of the code's suffix (`BEP20`, `TRON`, `ERC-20`),
 * mapped to the `networkName` of src/core/currencies.ts.
 */
const NETWORK_WORDS: Readonly<Record<string, string>> = {
  TRC20: 'Tron',
  TRC: 'Tron',
  TRON: 'Tron',
  TRX: 'Tron',
  ERC20: 'Ethereum',
  ERC: 'Ethereum',
  ETH: 'Ethereum',
  ETHEREUM: 'Ethereum',
  BSC: 'BNB Smart Chain',
  BEP20: 'BNB Smart Chain',
  BEP: 'BNB Smart Chain',
  BNB: 'BNB Smart Chain',
  SOL: 'Solana',
  SOLANA: 'Solana',
  SPL: 'Solana',
  TON: 'TON',
  JETTON: 'TON',
  ARB: 'Arbitrum',
  ARBITRUM: 'Arbitrum',
  OP: 'Optimism',
  OPT: 'Optimism',
  OPTIMISM: 'Optimism',
  BASE: 'Base',
  BTC: 'Bitcoin',
  BITCOIN: 'Bitcoin',
  LTC: 'Litecoin',
  LITECOIN: 'Litecoin',
};

/** Names people write for an asset instead of its ticker. */
const ASSET_WORDS: Readonly<Record<string, string>> = {
  TETHER: 'USDT',
  BITCOIN: 'BTC',
  LITECOIN: 'LTC',
  ETHER: 'ETH',
  ETHEREUM: 'ETH',
  TRON: 'TRX',
  SOLANA: 'SOL',
  TONCOIN: 'TON',
  GOLD: 'XAUT',
};

/** The asset a code pays: the part before the network suffix (`USDT_TRC20` → USDT, `ETH_ARB` → ETH). */
export function assetOf(code: string): string {
  return code.split('_')[0] ?? code;
}

const ALL = [...CURRENCIES.values()];
const ASSETS = [...new Set(ALL.map((c) => assetOf(c.code)))].sort((a, b) => b.length - a.length);

/** The verdict on each exact code, made once rather than per row (verdicts are never changed). */
const ACCEPTED: ReadonlyMap<string, CurrencyCheck> = new Map(
  ALL.map((currency) => [currency.code, Object.freeze({ ok: true, currency })]),
);

/** Checks a currency_code field exactly as read. */
export function checkCurrency(raw: string): CurrencyCheck {
  const accepted = ACCEPTED.get(raw);
  if (accepted) return accepted;
  if (raw.trim() === '') {
    return {
      ok: false,
      reason: 'the currency code is empty: write the code of the coin and network to pay, e.g. USDT_TRC20',
    };
  }
  const candidates = suggestCodes(raw);
  const head = `${quote(raw)} is not a currency code`;
  if (candidates.length === 1) {
    const code = candidates[0] ?? '';
    return { ok: false, reason: `${head}${whyNot(raw, code)}: write ${code}` };
  }
  if (candidates.length > 1) {
    return { ok: false, reason: `${head}: write ${joinOr(candidates)} (the code names the network)` };
  }
  const asset = knownAssetIn(raw);
  if (asset) {
    const codes = ALL.filter((c) => assetOf(c.code) === asset).map((c) => c.code);
    return {
      ok: false,
      reason: `${head}: the API pays ${asset} only as ${joinOr(codes)} (the code names the network)`,
    };
  }
  return {
    ok: false,
    reason: `${head}: write one of the 40 codes the API accepts, such as USDT_TRC20, USDT_ERC20, BTC or ETH (the code names the coin and its network)`,
  };
}

/** The first word of the text that names an asset the API pays, if any. */
function knownAssetIn(raw: string): string | undefined {
  for (const word of wordsOf(raw)) {
    const asset = ASSET_WORDS[word] ?? word;
    if (ASSETS.includes(asset)) return asset;
  }
  return undefined;
}

function wordsOf(raw: string): string[] {
  return raw
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
}

/** Why a near miss is not its code, when that is not obvious (case, spaces). */
function whyNot(raw: string, code: string): string {
  if (raw.trim() === code) return ' (remove the spaces around it)';
  if (raw.trim().toUpperCase() === code) return ' (codes are written in capitals)';
  return '';
}

/**
 * The codes the operator probably meant, read as an asset and an optional network in any order
 * and spelling (`usdt trc20`, `ERC20-USDT`, `USDT (BEP20)`, `USDTTRC20`). Empty when nothing fits.
 */
export function suggestCodes(raw: string): string[] {
  const words = wordsOf(raw);
  const joined = words.join('_');
  if (findCurrency(joined)) return [joined];
  if (words.length === 1) {
    // A glued code, `USDTTRC20`: split after a known asset.
    const word = words[0] ?? '';
    const asset = ASSETS.find((a) => word.startsWith(a) && word.length > a.length);
    if (asset && NETWORK_WORDS[word.slice(asset.length)]) words.splice(0, 1, asset, word.slice(asset.length));
  }
  const found = new Set<string>();
  words.forEach((word, index) => {
    const asset = ASSET_WORDS[word] ?? word;
    // Every other word must name the same network (or there are none).
    const networks = new Set<string | undefined>(words.filter((_, i) => i !== index).map((w) => NETWORK_WORDS[w]));
    if (networks.has(undefined) || networks.size > 1) return;
    const [network] = networks;
    for (const currency of ALL) {
      if (assetOf(currency.code) === asset && (network === undefined || currency.networkName === network)) {
        found.add(currency.code);
      }
    }
  });
  if (found.size === 0 && words.length > 0 && words.every((w) => NETWORK_WORDS[w])) {
    // Only a network (`TRC20`): offer what the API pays on it.
    const networks = new Set<string | undefined>(words.map((w) => NETWORK_WORDS[w]));
    if (networks.size === 1) for (const c of ALL) if (networks.has(c.networkName)) found.add(c.code);
  }
  return [...found];
}
