/**
 * Property tests: addresses encoded by the tests' own encoders (./encoders.ts) are accepted, and
 * every single-character change of a checksummed one is refused where the checksum guarantees it.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { base58 } from '@scure/base';
import type { Network } from '../../src/core/currencies.js';
import { checkAddress } from '../../src/validate/address/index.js';
import { toBase58Check, toEip55, toSegwitV0, toTonFriendly } from './encoders.js';

const RUNS = { numRuns: 200 };
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });

/** Every text that differs from `text` in exactly one position, by a character of `alphabet`. */
function* substitutions(text: string, alphabet: string): Generator<string> {
  for (let i = 0; i < text.length; i++) {
    for (const c of alphabet) if (c !== text[i]) yield text.slice(0, i) + c + text.slice(i + 1);
  }
}

function expectAllRefused(network: Network, mutants: Iterable<string>): void {
  for (const mutant of mutants) {
    if (checkAddress(network, mutant) === undefined) throw new Error(`accepted a mutant: ${mutant}`);
  }
}

describe('EVM (EIP-55)', () => {
  it('accepts every checksummed address, and its all-small form', () => {
    fc.assert(
      fc.property(bytes(20), (b) => {
        const address = toEip55(b);
        expect(checkAddress('evm', address)).toBeUndefined();
        expect(checkAddress('evm', address.toLowerCase())).toBeUndefined();
      }),
      RUNS,
    );
  });

  // A case flip leaves the keccak input unchanged, so it is always caught. (Changing a hex digit
  // changes the hash, and the new case pattern matches by chance with probability 2^-letters:
  // EIP-55 promises detection "on average 99.986%", not always, so that is not a property.)
  it('refuses every single case flip that keeps the address mixed-case', () => {
    fc.assert(
      fc.property(bytes(20), (b) => {
        const address = toEip55(b);
        const hex = address.slice(2);
        if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return;
        for (let i = 0; i < hex.length; i++) {
          const c = hex[i] ?? '';
          if (!/[a-fA-F]/.test(c)) continue;
          const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
          const mutant = hex.slice(0, i) + flipped + hex.slice(i + 1);
          if (mutant === mutant.toLowerCase() || mutant === mutant.toUpperCase()) continue;
          expect(checkAddress('evm', `0x${mutant}`)).toMatch(/^the checksum does not match/);
        }
      }),
      RUNS,
    );
  });
});

describe('Tron (base58check, version 0x41)', () => {
  it('accepts every address', () => {
    fc.assert(
      fc.property(bytes(20), (b) => {
        expect(checkAddress('tron', toBase58Check(Uint8Array.from([0x41, ...b])))).toBeUndefined();
      }),
      RUNS,
    );
  });

  // A 32-bit checksum misses a random change with probability 2^-32: over these ~40k mutants,
  // about 1e-5 of a chance of one false failure.
  it('refuses every one-character change', () => {
    fc.assert(
      fc.property(bytes(20), (b) => {
        expectAllRefused('tron', substitutions(toBase58Check(Uint8Array.from([0x41, ...b])), BASE58));
      }),
      { numRuns: 20 },
    );
  });
});

describe('Bitcoin (base58check and bech32 v0)', () => {
  it('accepts every P2PKH and P2SH address', () => {
    fc.assert(
      fc.property(bytes(20), fc.constantFrom(0x00, 0x05), (b, version) => {
        expect(checkAddress('bitcoin', toBase58Check(Uint8Array.from([version, ...b])))).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('accepts every bc1 v0 address (20 or 32 bytes)', () => {
    fc.assert(
      fc.property(fc.oneof(bytes(20), bytes(32)), (program) => {
        expect(checkAddress('bitcoin', toSegwitV0('bc', program))).toBeUndefined();
      }),
      RUNS,
    );
  });

  // Bech32 detects any 4 substitutions, and a bech32 string with up to 3 substitutions is never
  // valid bech32m either (BIP-350): every one-character change is refused, always.
  it('refuses every one-character change of a bc1 v0 address', () => {
    fc.assert(
      fc.property(bytes(20), (program) => {
        expectAllRefused('bitcoin', substitutions(toSegwitV0('bc', program), BECH32));
      }),
      { numRuns: 20 },
    );
  });

  it('refuses every one-character change of a P2PKH address', () => {
    fc.assert(
      fc.property(bytes(20), (b) => {
        expectAllRefused('bitcoin', substitutions(toBase58Check(Uint8Array.from([0x00, ...b])), BASE58));
      }),
      { numRuns: 10 },
    );
  });
});

describe('Solana (32 bytes, no checksum)', () => {
  it('accepts every 32-byte key', () => {
    fc.assert(
      fc.property(bytes(32), (b) => {
        expect(checkAddress('solana', base58.encode(b))).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('refuses keys of other lengths', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((b) => b.length !== 32 && b[0] !== 0),
        (b) => {
          expect(checkAddress('solana', base58.encode(b))).toEqual(expect.any(String));
        },
      ),
      RUNS,
    );
  });
});

describe('TON (user-friendly, CRC16-XMODEM)', () => {
  it('accepts every bounceable and non-bounceable address in workchains 0 and -1', () => {
    fc.assert(
      fc.property(bytes(32), fc.constantFrom(0x11, 0x51), fc.constantFrom(0, -1), (hash, flag, workchain) => {
        expect(checkAddress('ton', toTonFriendly(hash, flag, workchain))).toBeUndefined();
      }),
      RUNS,
    );
  });

  // A character carries 6 bits, so a change is a burst of at most 16 bits, which a CRC-16 always
  // detects.
  it('refuses every one-character change', () => {
    fc.assert(
      fc.property(bytes(32), (hash) => {
        expectAllRefused('ton', substitutions(toTonFriendly(hash), BASE64URL));
      }),
      { numRuns: 50 },
    );
  });

  it('refuses the testnet flag', () => {
    fc.assert(
      fc.property(bytes(32), fc.constantFrom(0x91, 0xd1), (hash, flag) => {
        expect(checkAddress('ton', toTonFriendly(hash, flag))).toMatch(/testnet address/);
      }),
      RUNS,
    );
  });
});
