/**
 * Solana addresses: base58 of a 32-byte public key. There is no checksum, so a mistyped
 * character that stays in the alphabet cannot be detected: only the form is checked.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { decodeBase58Into } from './base58.js';
import { COPY_AGAIN, findNonBase58, strayCharacter, type AddressFault } from './common.js';

const NOT_SOLANA = `this is not a Solana address, which has 32 to 44 characters and decodes to 32 bytes; ${COPY_AGAIN}`;

/** The decoded key, reused by every call (single-threaded): only its length matters here. */
const key = new Uint8Array(32);

/** Checks a Solana address (already free of surrounding spaces). */
export function checkSolanaAddress(address: string): AddressFault {
  const stray = findNonBase58(address);
  if (stray !== undefined) return strayCharacter(stray, 'a Solana address (base58 has no 0, O, I or l)');
  // 32 bytes take 32 characters (all zero bytes) to 44; checking the length first keeps a
  // pasted paragraph from costing a quadratic base58 decode.
  if (address.length < 32 || address.length > 44) return NOT_SOLANA;
  return decodeBase58Into(address, 32, key) ? undefined : NOT_SOLANA;
}
