/**
 * EVM addresses (Ethereum, BNB Smart Chain, Arbitrum, Base, Optimism): `0x` and 40 hex digits,
 * with the EIP-55 checksum carried by the case of the letters when they are mixed.
 */
import { CHECKSUM_MISMATCH, COPY_AGAIN, strayCharacter, type AddressFault } from './common.js';
import { keccak256Ascii } from './hashes.js';

const HEX_40 = /^[0-9a-fA-F]{40}$/;

/** Checks an EVM address (already free of surrounding spaces). */
export function checkEvmAddress(address: string): AddressFault {
  if (!address.startsWith('0x')) {
    if (address.startsWith('0X') && HEX_40.test(address.slice(2))) {
      return 'the address starts with 0X: write the prefix in small letters, 0x';
    }
    if (HEX_40.test(address)) return 'the address lacks the 0x prefix: write 0x before its 40 hex characters';
    return `this is not an EVM address, which is 0x followed by 40 hex characters (0-9, a-f); ${COPY_AGAIN}`;
  }
  const hex = address.slice(2);
  const stray = /[^0-9a-fA-F]/.exec(hex)?.[0];
  if (stray !== undefined) return strayCharacter(stray, 'an EVM address (0x followed by the hex digits 0-9, a-f)');
  if (hex.length !== 40) {
    const fault = hex.length < 40 ? 'a character is missing' : 'there are extra characters';
    return `the address has ${hex.length} hex characters after 0x, but an EVM address has 40: ${fault}; ${COPY_AGAIN}`;
  }
  return hasMixedCase(hex) && !passesEip55(hex) ? CHECKSUM_MISMATCH : undefined;
}

/**
 * Only a mixed-case address carries a checksum: all-small and all-capital forms are valid
 * without one (EIP-55), and skipping keccak for them keeps a million rows fast.
 */
function hasMixedCase(hex: string): boolean {
  let lower = false;
  let upper = false;
  for (let i = 0; i < hex.length; i++) {
    const c = hex.charCodeAt(i);
    if (c >= 97) lower = true;
    else if (c >= 65) upper = true;
  }
  return lower && upper;
}

/**
 * EIP-55: the i-th hex letter is a capital exactly when the i-th nibble of keccak-256 of the
 * lowercase hex (as ASCII) is 8 or more.
 */
export function passesEip55(hex: string): boolean {
  const digest = keccak256Ascii(hex.toLowerCase());
  for (let i = 0; i < 40; i++) {
    const c = hex.charCodeAt(i);
    if (c < 65) continue; // a digit has no case
    const byte = digest[i >> 1] ?? 0;
    const nibble = i % 2 === 0 ? byte >> 4 : byte & 0x0f;
    const isCapital = c < 97;
    if ((nibble >= 8) !== isCapital) return false;
  }
  return true;
}
