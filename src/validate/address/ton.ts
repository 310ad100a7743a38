/**
 * TON addresses: the raw form `workchain:64 hex` (workchain 0 or -1, no checksum), and the
 * 48-character user-friendly form, base64 or base64url of 36 bytes:
 * flag (1) + workchain (1) + account hash (32) + CRC16-XMODEM of those 34 bytes (2, big-endian).
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import { base64, base64url } from '@scure/base';
import { CHECKSUM_MISMATCH, COPY_AGAIN, strayCharacter, type AddressFault } from './common.js';

const BOUNCEABLE = 0x11;
const NON_BOUNCEABLE = 0x51;
/** Set on top of the flag in addresses meant for the test network only. */
const TEST_ONLY = 0x80;
const RAW = /^(-?\d+):(.*)$/;
const NOT_TON = `this is not a TON address, which has 48 characters and starts with EQ or UQ (or is written 0:<64 hex digits>); ${COPY_AGAIN}`;

/** Checks a TON address (already free of surrounding spaces). */
export function checkTonAddress(address: string): AddressFault {
  const raw = RAW.exec(address);
  if (raw) return checkRaw(raw[1] ?? '', raw[2] ?? '');
  if (address.length !== 48) return NOT_TON;
  return checkUserFriendly(address);
}

/** The raw form carries no checksum: only its shape can be checked. */
function checkRaw(workchain: string, hex: string): AddressFault {
  if (workchain !== '0' && workchain !== '-1') {
    return `the address is in workchain ${workchain}, but TON accounts are in workchain 0 (or -1); ${COPY_AGAIN}`;
  }
  const stray = /[^0-9a-fA-F]/.exec(hex)?.[0];
  if (stray !== undefined) return strayCharacter(stray, 'a raw TON address (hex digits 0-9, a-f after the colon)');
  if (hex.length !== 64) {
    return `the address has ${hex.length} hex digits after the colon, but a raw TON address has 64; ${COPY_AGAIN}`;
  }
  return undefined;
}

function checkUserFriendly(address: string): AddressFault {
  const stray = /[^A-Za-z0-9+/_-]/.exec(address)?.[0];
  if (stray !== undefined) return strayCharacter(stray, 'a TON address (letters, digits and - _ or + /)');
  const urlSafe = /[-_]/.test(address);
  if (urlSafe && /[+/]/.test(address)) {
    return `the address mixes the two base64 alphabets (- _ and + /), which a TON address never does; ${COPY_AGAIN}`;
  }
  let bytes: Uint8Array;
  try {
    bytes = (urlSafe ? base64url : base64).decode(address);
  } catch {
    return NOT_TON;
  }
  if (bytes.length !== 36) return NOT_TON;
  const crc = ((bytes[34] ?? 0) << 8) | (bytes[35] ?? 0);
  if (crc16xmodem(bytes, 34) !== crc) return CHECKSUM_MISMATCH;
  const flag = bytes[0] ?? 0;
  if (flag & TEST_ONLY) {
    return 'this is a TON testnet address (it starts with kQ or 0Q), which holds no real coins: ask the recipient for a mainnet address (EQ… or UQ…)';
  }
  if (flag !== BOUNCEABLE && flag !== NON_BOUNCEABLE) return NOT_TON;
  const workchain = bytes[1];
  if (workchain !== 0x00 && workchain !== 0xff) {
    return `the address is in an unknown workchain, but TON accounts are in workchain 0 (or -1); ${COPY_AGAIN}`;
  }
  return undefined;
}

/** CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection) of the first `length` bytes. */
export function crc16xmodem(bytes: Uint8Array, length = bytes.length): number {
  let crc = 0;
  for (let i = 0; i < length; i++) {
    crc ^= (bytes[i] ?? 0) << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}
