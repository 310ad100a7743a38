/**
 * The hashes the address checksums need, chosen for speed on a million rows (measured in
 * scripts/bench/validate-cost.js; the alternatives that lost are noted where they were tried).
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { createKeccak, type IHasher } from 'hash-wasm';

/** The WASM keccak once prepareKeccak has run; one instance, reused (init/update/digest). */
let wasmKeccak: IHasher | undefined;

/**
 * Instantiates the WASM keccak-256 (about 6x faster than @noble/hashes on 40 bytes, and about 3x
 * faster than a keccak-f1600 written out in JS, unrolled or not). Safe to call more than once.
 * A failure is swallowed: the pure-JS fallback gives the same digests, only slower.
 */
export async function prepareKeccak(): Promise<void> {
  if (wasmKeccak) return;
  try {
    wasmKeccak = await createKeccak(256);
  } catch {
    wasmKeccak = undefined;
  }
}

/** The 40 ASCII bytes an EIP-55 check hashes, rewritten by every call (single-threaded). */
const hexBytes = new Uint8Array(40);

/**
 * Keccak-256 (Ethereum's pre-standard SHA-3 padding; Node's `sha3-256` differs) of 40 hex digits
 * written in small letters, from `text` (from `start` on) in any case: each character ORed with 0x20, which turns
 * A-F into a-f and leaves 0-9 alone (they have that bit already), so no lowercase string is made.
 * The caller has checked that they are hex digits. Synchronous: uses the WASM instance when
 * prepared, @noble/hashes otherwise.
 */
export function keccak256LowerHex40(text: string, start = 0): Uint8Array {
  for (let i = 0; i < 40; i++) hexBytes[i] = text.charCodeAt(start + i) | 0x20;
  // Bytes, not the string: hash-wasm would otherwise encode the string into a new Buffer.
  if (wasmKeccak) return wasmKeccak.init().update(hexBytes).digest('binary');
  return keccak_256(hexBytes);
}

/**
 * SHA-256d (SHA-256 applied twice), as base58check uses for its 4-byte checksum, of payloads of
 * at most 55 bytes (base58check's have 21): written out in JS (./sha256.ts), about twice as fast
 * on them as node:crypto's one-shot `hash`, the fastest of the library ones.
 */
export { sha256dChecksum, sha256dShort } from './sha256.js';
