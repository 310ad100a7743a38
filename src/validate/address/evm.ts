/**
 * EVM addresses (Ethereum, BNB Smart Chain, Arbitrum, Base, Optimism): `0x` and 40 hex digits,
 * with the EIP-55 checksum carried by the case of the letters when they are mixed.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { CHECKSUM_MISMATCH, COPY_AGAIN, strayCharacter, type AddressFault } from './common.js';
import { keccak256LowerHex40 } from './hashes.js';

const HEX_40 = /^[0-9a-fA-F]{40}$/;

/** Checks an EVM address (already free of surrounding spaces). */
export function checkEvmAddress(address: string): AddressFault {
  // One pass over the characters decides the usual cell, 0x and 40 hex digits; the slices and
  // regular expressions that name a fault are only run for the other cells.
  const letters = hexCase(address);
  if (letters === NOT_HEX_40) return describeEvmFault(address);
  return letters === MIXED && !passesEip55(address, 2) ? CHECKSUM_MISMATCH : undefined;
}

/** The reason for an address that is not `0x` and 40 hex digits. */
function describeEvmFault(address: string): string {
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
  // 0x and only hex digits, yet refused by hexCase: there are not 40 of them.
  const fault = hex.length < 40 ? 'a character is missing' : 'there are extra characters';
  return `the address has ${hex.length} hex characters after 0x, but an EVM address has 40: ${fault}; ${COPY_AGAIN}`;
}

/** What hexCase found: not `0x` and 40 hex digits, or the case of its letters. */
const NOT_HEX_40 = 0;
const MIXED = 1;
const UNMIXED = 2;

/** Each ASCII character's kind as a hex digit: 0 none, else one bit for digit, small or capital letter. */
const DIGIT = 1;
const SMALL = 2;
const CAPITAL = 4;
const HEX_KIND = new Uint8Array(128);
for (const c of '0123456789') HEX_KIND[c.charCodeAt(0)] = DIGIT;
for (const c of 'abcdef') HEX_KIND[c.charCodeAt(0)] = SMALL;
for (const c of 'ABCDEF') HEX_KIND[c.charCodeAt(0)] = CAPITAL;

/**
 * Whether the address is `0x` and 40 hex digits, and if so whether its letters mix small and
 * capital ones. Only a mixed-case address carries a checksum: all-small and all-capital forms
 * are valid without one (EIP-55), and skipping keccak for them keeps a million rows fast.
 * A table rather than comparisons: on random hex, the comparisons' branches are mispredicted
 * so often that the loop costs twice as much.
 */
function hexCase(address: string): typeof NOT_HEX_40 | typeof MIXED | typeof UNMIXED {
  if (address.length !== 42 || address.charCodeAt(0) !== 48 /* 0 */ || address.charCodeAt(1) !== 120 /* x */)
    return NOT_HEX_40;
  let kinds = 0;
  for (let i = 2; i < 42; i++) {
    const c = address.charCodeAt(i);
    const kind = c < 128 ? (HEX_KIND[c] ?? 0) : 0;
    if (kind === 0) return NOT_HEX_40;
    kinds |= kind;
  }
  return (kinds & (SMALL | CAPITAL)) === (SMALL | CAPITAL) ? MIXED : UNMIXED;
}

/**
 * EIP-55: the i-th hex letter is a capital exactly when the i-th nibble of keccak-256 of the
 * lowercase hex (as ASCII) is 8 or more. `text` holds the 40 hex digits from `start` on (the
 * caller has checked them), so neither a slice nor a lowercase copy is made.
 */
export function passesEip55(text: string, start = 0): boolean {
  const digest = keccak256LowerHex40(text, start);
  // Without branches, which random letters would mispredict: in ASCII, a hex letter has bit 6
  // set and a digit does not, and a small letter has bit 5 set and a capital does not. The
  // nibble is 8 or more when its top bit is set.
  let wrong = 0;
  for (let i = 0; i < 40; i++) {
    const c = text.charCodeAt(start + i);
    const byte = digest[i >> 1] ?? 0;
    const nibbleHigh = (i & 1 ? byte >> 3 : byte >> 7) & 1;
    const isLetter = (c >> 6) & 1;
    const isCapital = ((c >> 5) & 1) ^ 1;
    wrong |= isLetter & (nibbleHigh ^ isCapital);
  }
  return wrong === 0;
}
