/**
 * A base58 decoder for short texts of a known decoded length (base58check addresses, Solana keys).
 * Its arithmetic is no faster than @scure/base's (both about 0.33 µs for a Tron address; other
 * limb sizes measured no better); what it saves is the rest: it decodes into the caller's buffer,
 * so checking an address allocates nothing, and stops as soon as the value cannot fit.
 *
 * It agrees with @scure/base's `base58.decode` byte for byte (test/validate/base58.test.ts):
 * each leading `1` is a zero byte, the rest is the value's big-endian bytes without leading zeros.
 * So a text decodes to `length` bytes exactly when it has z ≤ length leading `1`s and the value
 * of the rest takes exactly `length - z` bytes.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** The digit of each ASCII character code, -1 for the characters base58 leaves out. */
const DIGITS = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGITS[ALPHABET.charCodeAt(i)] = i;

/**
 * Three digits are folded into one multiply per limb: a 32-bit limb times 58^3 (< 2^18) plus a
 * carry stays below 2^53, so the float arithmetic is exact.
 */
const GROUP_DIGITS = 3;
const TWO_32 = 0x1_0000_0000;

/** The longest decoded length the scratch limbs hold; no address needs more (Solana's are 32). */
export const BASE58_MAX_BYTES = 64;

/** The value being decoded, as little-endian 32-bit limbs; reused by every call (single-threaded). */
const limbs = new Uint32Array(BASE58_MAX_BYTES / 4);

/**
 * Decodes base58 text that must decode to exactly `length` bytes (at most 64) into `out[0..length)`.
 * Returns false, leaving `out` in any state, when the text has a character outside the alphabet
 * or decodes to another length (what `base58.decode(text).length !== length` says, or
 * `base58.decode` throwing).
 */
export function decodeBase58Into(text: string, length: number, out: Uint8Array): boolean {
  if (length > BASE58_MAX_BYTES || length > out.length) {
    throw new RangeError(`cannot decode ${length} bytes of base58 into ${out.length} (at most ${BASE58_MAX_BYTES})`);
  }
  const end = text.length;
  let zeros = 0;
  while (zeros < end && text.charCodeAt(zeros) === 49 /* '1' */) zeros++;
  if (zeros > length) return false;
  const valueBytes = length - zeros;
  const limbCount = (valueBytes + 3) >> 2;
  limbs.fill(0, 0, limbCount);
  // Limbs at and above `used` are still zero: the early characters then cost one limb, not seven.
  let used = 0;
  for (let i = zeros; i < end;) {
    let group = 0;
    let factor = 1;
    for (const stop = Math.min(i + GROUP_DIGITS, end); i < stop; i++) {
      const code = text.charCodeAt(i);
      const digit = code < 128 ? (DIGITS[code] ?? -1) : -1;
      if (digit < 0) return false;
      group = group * 58 + digit;
      factor *= 58;
    }
    let carry = group;
    for (let k = 0; k < used; k++) {
      const t = (limbs[k] ?? 0) * factor + carry;
      carry = Math.floor(t / TWO_32);
      limbs[k] = t - carry * TWO_32;
    }
    for (; carry > 0; carry = Math.floor(carry / TWO_32)) {
      // The value has outgrown `valueBytes`, and it can only grow: too long, whatever follows.
      if (used === limbCount) return false;
      limbs[used++] = carry % TWO_32;
    }
  }
  // The value must take exactly `valueBytes` bytes: its top byte non-zero, nothing above it.
  // (With none to take, the loop above has already refused any digit after the leading `1`s.)
  if (valueBytes > 0) {
    const topLimb = limbs[limbCount - 1] ?? 0;
    const topShift = 8 * ((valueBytes - 1) & 3);
    if (topLimb >>> topShift === 0 || (topShift < 24 && topLimb >>> (topShift + 8) !== 0)) return false;
  }
  out.fill(0, 0, zeros);
  for (let j = 0; j < valueBytes; j++) {
    out[length - 1 - j] = ((limbs[j >> 2] ?? 0) >>> (8 * (j & 3))) & 0xff;
  }
  return true;
}

/** decodeBase58Into a new array of `length` bytes: the bytes, or undefined. */
export function decodeBase58Exact(text: string, length: number): Uint8Array | undefined {
  const bytes = new Uint8Array(length);
  return decodeBase58Into(text, length, bytes) ? bytes : undefined;
}
