/**
 * The hashes the address checksums need, chosen for speed on a million rows.
 */
import { hash } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { createKeccak, type IHasher } from 'hash-wasm';

/** The WASM keccak once prepareKeccak has run; one instance, reused (init/update/digest). */
let wasmKeccak: IHasher | undefined;

/**
 * Instantiates the WASM keccak-256 (about 8x faster than the pure-JS one). Safe to call more than
 * once. A failure is swallowed: the pure-JS fallback gives the same digests, only slower.
 */
export async function prepareKeccak(): Promise<void> {
  if (wasmKeccak) return;
  try {
    wasmKeccak = await createKeccak(256);
  } catch {
    wasmKeccak = undefined;
  }
}

/**
 * Keccak-256 (Ethereum's pre-standard SHA-3 padding; Node's `sha3-256` differs) of an ASCII
 * string. Synchronous: uses the WASM instance when prepared, @noble/hashes otherwise.
 */
export function keccak256Ascii(text: string): Uint8Array {
  if (wasmKeccak) return wasmKeccak.init().update(text).digest('binary');
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return keccak_256(bytes);
}

/** SHA-256 applied twice, as base58check uses for its 4-byte checksum. */
export function sha256d(data: Uint8Array): Uint8Array {
  return hash('sha256', hash('sha256', data, 'buffer'), 'buffer');
}
