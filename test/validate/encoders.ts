/**
 * Address encoders written for the tests only, from the specifications, with @noble/hashes and
 * @scure/base, so that the validators are checked against code they do not share.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { base58, base64url, bech32 } from '@scure/base';

/** EIP-55: a letter is a capital when its nibble of keccak-256(lowercase hex) is 8 or more. */
export function toEip55(bytes20: Uint8Array): string {
  const lower = Array.from(bytes20, (b) => b.toString(16).padStart(2, '0')).join('');
  const digest = keccak_256(new TextEncoder().encode(lower));
  const chars = [...lower].map((c, i) => {
    const byte = digest[i >> 1] ?? 0;
    const nibble = i % 2 === 0 ? byte >> 4 : byte & 0x0f;
    return nibble >= 8 ? c.toUpperCase() : c;
  });
  return `0x${chars.join('')}`;
}

/** Base58check: payload, then the first 4 bytes of SHA-256(SHA-256(payload)). */
export function toBase58Check(payload: Uint8Array): string {
  const checksum = sha256(sha256(payload)).subarray(0, 4);
  return base58.encode(Uint8Array.from([...payload, ...checksum]));
}

/** A segwit address: hrp, witness version, program (bech32 for version 0). */
export function toSegwitV0(hrp: string, program: Uint8Array): string {
  return bech32.encode(hrp, [0, ...bech32.toWords(program)]);
}

/** CRC-16/XMODEM, bit by bit (check value for "123456789": 0x31C3). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const top = ((crc >> 15) & 1) ^ ((byte >> bit) & 1);
      crc = (crc << 1) & 0xffff;
      if (top) crc ^= 0x1021;
    }
  }
  return crc;
}

/** A TON user-friendly address (base64url): flag, workchain, hash, CRC16 big-endian. */
export function toTonFriendly(hash32: Uint8Array, flag = 0x11, workchain = 0): string {
  const body = Uint8Array.from([flag, workchain & 0xff, ...hash32]);
  const crc = crc16(body);
  return base64url.encode(Uint8Array.from([...body, crc >> 8, crc & 0xff]));
}
