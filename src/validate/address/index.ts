/**
 * One checker per address family, chosen by the currency's network (src/core/currencies.ts).
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import type { Network } from '../../core/currencies.js';
import { checkBitcoinAddress, checkLitecoinAddress } from './bitcoin.js';
import type { AddressFault } from './common.js';
import { checkEvmAddress } from './evm.js';
import { checkSolanaAddress } from './solana.js';
import { checkTonAddress } from './ton.js';
import { checkTronAddress } from './tron.js';

export { CHECKSUM_MISMATCH, type AddressFault } from './common.js';
export { prepareKeccak } from './hashes.js';

/** The checker of each family: undefined for a valid address, else the reason. */
export const ADDRESS_CHECKERS: Readonly<Record<Network, (address: string) => AddressFault>> = {
  evm: checkEvmAddress,
  tron: checkTronAddress,
  bitcoin: checkBitcoinAddress,
  litecoin: checkLitecoinAddress,
  solana: checkSolanaAddress,
  ton: checkTonAddress,
};

/**
 * Checks an address (already free of surrounding spaces) against its network's family.
 * Returns undefined when valid, else the reason.
 */
export function checkAddress(network: Network, address: string): AddressFault {
  return ADDRESS_CHECKERS[network](address);
}
