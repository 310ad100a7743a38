/**
 * Tron addresses: base58check of 21 bytes, version byte 0x41, so the text starts with T and has
 * 34 characters.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import {
  CHECKSUM_MISMATCH,
  COPY_AGAIN,
  decodeBase58Check,
  findNonBase58,
  strayCharacter,
  type AddressFault,
} from './common.js';

const TRON_VERSION = 0x41;
const NOT_TRON = `this is not a Tron address, which starts with T and has 34 characters; ${COPY_AGAIN}`;

/** Checks a Tron address (already free of surrounding spaces). */
export function checkTronAddress(address: string): AddressFault {
  // Fast path for the usual cell, 34 characters starting with T: decoding checks the alphabet
  // too, so a text it accepts skips the regular expressions below (none of which it could fail).
  // Anything it refuses as 'length' takes the full path, which names the stray character if any.
  if (address.length === 34 && address.charCodeAt(0) === 84 /* T */) {
    const decoded = decodeBase58Check(address, 21);
    if (decoded.ok) return decoded.version === TRON_VERSION ? undefined : NOT_TRON;
    if (decoded.fault === 'checksum') return CHECKSUM_MISMATCH;
  }
  // The same 21 bytes in hex, as block explorers and APIs show them: the API wants base58.
  if (/^41[0-9a-fA-F]{40}$/.test(address)) {
    return 'this is a Tron address in hex form (41…): write its usual form, which starts with T (a block explorer shows both)';
  }
  if (!address.startsWith('T')) return NOT_TRON;
  const stray = findNonBase58(address);
  if (stray !== undefined) return strayCharacter(stray, 'a Tron address (base58 has no 0, O, I or l)');
  if (address.length !== 34) {
    const fault = address.length < 34 ? 'a character is missing' : 'there are extra characters';
    return `the address has ${address.length} characters, but a Tron address has 34: ${fault}; ${COPY_AGAIN}`;
  }
  const decoded = decodeBase58Check(address, 21);
  if (!decoded.ok) return decoded.fault === 'checksum' ? CHECKSUM_MISMATCH : NOT_TRON;
  return decoded.version === TRON_VERSION ? undefined : NOT_TRON;
}
