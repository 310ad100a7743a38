/**
 * What the address families share: the verdict type, the phrases for typos, and base58check.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { nameCharacter } from '../text.js';
import { BASE58_MAX_BYTES, decodeBase58Into } from './base58.js';
import { sha256dChecksum } from './hashes.js';

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

/** Base58check decoded: the payload's first byte (its version), or which rule failed. */
export type Base58CheckResult =
  { readonly ok: true; readonly version: number } | { readonly ok: false; readonly fault: 'length' | 'checksum' };

/** The two faults, made once: a bad row then costs no allocation here. */
const LENGTH_FAULT: Base58CheckResult = Object.freeze({ ok: false, fault: 'length' });
const CHECKSUM_FAULT: Base58CheckResult = Object.freeze({ ok: false, fault: 'checksum' });

/** The bytes being checked, reused by every call (single-threaded): no array per address. */
const decoded = new Uint8Array(BASE58_MAX_BYTES);

/**
 * Decodes base58check text, expecting a payload of `payloadLength` bytes (the version byte
 * included, 1 to 55) followed by the 4-byte checksum. A text that decodes to any other length
 * is a 'length' fault, and so is one with a character outside base58 (callers that name the
 * character run findNonBase58 first, or on a 'length' fault). Returns only the version byte:
 * what the address families check; the rest of the payload is any hash.
 */
export function decodeBase58Check(text: string, payloadLength: number): Base58CheckResult {
  if (!decodeBase58Into(text, payloadLength + 4, decoded)) return LENGTH_FAULT;
  const checksum =
    (((decoded[payloadLength] ?? 0) << 24) |
      ((decoded[payloadLength + 1] ?? 0) << 16) |
      ((decoded[payloadLength + 2] ?? 0) << 8) |
      (decoded[payloadLength + 3] ?? 0)) >>>
    0;
  if (sha256dChecksum(decoded, payloadLength) !== checksum) return CHECKSUM_FAULT;
  return { ok: true, version: decoded[0] ?? 0 };
}
