/**
 * The written-out SHA-256d and the EIP-55 keccak input (src/validate/address/hashes.ts) against
 * @noble/hashes on random inputs, and passesEip55 against the tests' own EIP-55 encoder.
 * The keccak is checked twice: by the pure-JS fallback, then by the WASM instance.
 */
import { describe, expect, it, beforeAll } from '@jest/globals';
import fc from 'fast-check';
import { expectBe, expectEqual } from '../helpers/agree.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { passesEip55 } from '../../src/validate/address/evm.js';
import {
  keccak256LowerHex40,
  prepareKeccak,
  sha256dChecksum,
  sha256dShort,
} from '../../src/validate/address/hashes.js';
import { toEip55 } from './encoders.js';

const HEX = '0123456789abcdefABCDEF';
const hex40 = fc.string({ unit: fc.constantFrom(...HEX), minLength: 40, maxLength: 40 });

describe('sha256d of a one-block payload (0 to 55 bytes)', () => {
  it('equals SHA-256(SHA-256(payload)) by @noble/hashes, and its checksum is the first four bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 55 }), (payload) => {
        const reference = sha256(sha256(payload));
        expectEqual(Array.from(sha256dShort(payload)), Array.from(reference));
        const checksum =
          (reference[0] ?? 0) * 2 ** 24 +
          ((reference[1] ?? 0) << 16) +
          ((reference[2] ?? 0) << 8) +
          (reference[3] ?? 0);
        expectBe(sha256dChecksum(payload), checksum);
      }),
      { numRuns: 3000 },
    );
  });

  it('hashes only the first `length` bytes when asked (the payload before the checksum)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 25, maxLength: 25 }), (bytes) => {
        expectBe(sha256dChecksum(bytes, 21), sha256dChecksum(bytes.slice(0, 21)));
      }),
    );
  });

  it('has the catalogue digest of the empty input, and refuses a second block', () => {
    // SHA-256("") = e3b0c442…, so SHA-256d("") = SHA-256 of those 32 bytes.
    expect(Buffer.from(sha256dShort(new Uint8Array(0))).toString('hex')).toBe(
      '5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456',
    );
    expect(() => sha256dShort(new Uint8Array(56))).toThrow(RangeError);
  });
});

/** The keccak input must be the 40 digits in small letters, whatever their case. */
function expectKeccakOfLowercase(text: string, start: number): void {
  const hex = text.slice(start, start + 40);
  expectEqual(
    Array.from(keccak256LowerHex40(text, start)),
    Array.from(keccak_256(new TextEncoder().encode(hex.toLowerCase()))),
  );
}

/** EIP-55 by definition: the text is valid when it equals the encoder's checksummed form. */
function eip55ByDefinition(hex: string): boolean {
  return toEip55(Buffer.from(hex, 'hex')).slice(2) === hex;
}

function checkEip55Properties(): void {
  it('hashes the lowercase form of the 40 digits, from any offset', () => {
    fc.assert(
      fc.property(hex40, fc.string({ maxLength: 3 }), (hex, prefix) =>
        expectKeccakOfLowercase(prefix + hex, prefix.length),
      ),
      { numRuns: 1000 },
    );
  });

  it('passesEip55 accepts exactly the checksummed case of each address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.nat(39), (bytes, flip) => {
        const checksummed = toEip55(bytes).slice(2);
        expectBe(passesEip55(checksummed), true);
        expectBe(passesEip55(`0x${checksummed}`, 2), true);
        const c = checksummed[flip] ?? '0';
        const flipped =
          checksummed.slice(0, flip) +
          (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) +
          checksummed.slice(flip + 1);
        expectBe(passesEip55(flipped), flipped === checksummed);
      }),
      { numRuns: 1000 },
    );
  });

  it('passesEip55 agrees with the definition on any case pattern', () => {
    fc.assert(
      fc.property(hex40, (hex) => expectBe(passesEip55(hex), eip55ByDefinition(hex))),
      { numRuns: 1000 },
    );
  });
}

describe('EIP-55 with the pure-JS keccak (before prepareKeccak)', () => {
  checkEip55Properties();
});

describe('EIP-55 with the WASM keccak', () => {
  beforeAll(async () => {
    await prepareKeccak();
  });
  checkEip55Properties();
});
