/**
 * What the address families share: the verdict type, the phrases for typos, and base58check.
 */
import { base58 } from '@scure/base';
import { nameCharacter } from '../text.js';
import { sha256d } from './hashes.js';

/**
 * An address family's verdict: undefined when the address is valid, otherwise the reason, a
 * sentence for the operator that says what is wrong and what to do.
 */
export type AddressFault = string | undefined;

/** The reason for any checksum mismatch: the address is right in form but was altered. */
export const CHECKSUM_MISMATCH =
  'the checksum does not match: a character was mistyped; copy the address again from the recipient';

/** What to do about an address that is damaged in a way the operator cannot repair. */
export const COPY_AGAIN = 'copy the address again from the recipient';

/** A character that cannot appear in the address, named so the operator can find it. */
export function strayCharacter(char: string, alphabet: string): string {
  return `the address contains ${nameCharacter(char)}, which never appears in ${alphabet}; ${COPY_AGAIN}`;
}

const BASE58_STRAY = /[^1-9A-HJ-NP-Za-km-z]/;

/** The first character outside the base58 alphabet (which has no 0, O, I or l), if any. */
export function findNonBase58(text: string): string | undefined {
  return BASE58_STRAY.exec(text)?.[0];
}

/** Base58check decoded: the payload (version byte included), or which rule failed. */
export type Base58CheckResult =
  | { ok: true; payload: Uint8Array }
  | { ok: false; fault: 'length' | 'checksum' };

/**
 * Decodes base58check text whose characters are already known to be base58, expecting a payload
 * of `payloadLength` bytes (the version byte included) followed by the 4-byte checksum.
 */
export function decodeBase58Check(text: string, payloadLength: number): Base58CheckResult {
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(text);
  } catch {
    return { ok: false, fault: 'length' };
  }
  if (bytes.length !== payloadLength + 4) return { ok: false, fault: 'length' };
  const payload = bytes.subarray(0, payloadLength);
  const digest = sha256d(payload);
  for (let i = 0; i < 4; i++) {
    if (digest[i] !== bytes[payloadLength + i]) return { ok: false, fault: 'checksum' };
  }
  return { ok: true, payload };
}
