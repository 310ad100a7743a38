/**
 * SHA-256d (SHA-256 applied twice) of a payload that fits one block (at most 55 bytes), as
 * base58check needs for its checksum (21-byte payloads). Written out here because the general
 * hashes pay for their generality on such tiny inputs: node:crypto's one-shot `hash` crosses into
 * C++ twice and allocates two Buffers (~1.4 µs for both rounds, createHash ~2.2 µs), and
 * @noble/hashes builds a hasher object per call (~2 µs); this one does the two compressions in
 * JS with reused arrays and allocates nothing (~0.65 µs).
 *
 * FIPS 180-4; checked against @noble/hashes on random inputs (test/validate/hashes.test.ts).
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */

/** The round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** The initial hash value: the first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

/** The longest payload that fits one padded block (64 bytes less the 0x80 byte and the 8-byte length). */
export const SHA256_ONE_BLOCK_MAX = 55;

/** The message schedule; its first 16 words are the block. Reused by every call (single-threaded). */
const w = new Int32Array(64);
/** The chaining value after a compression: the digest, as big-endian words. */
const state = new Int32Array(8);

/** Compresses the block in w[0..15] from the initial value into `state`. */
function compressFromIv(): void {
  for (let t = 16; t < 64; t++) {
    const w15 = w[t - 15] ?? 0;
    const w2 = w[t - 2] ?? 0;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[t] = ((w[t - 16] ?? 0) + s0 + (w[t - 7] ?? 0) + s1) | 0;
  }
  let a = IV[0] ?? 0;
  let b = IV[1] ?? 0;
  let c = IV[2] ?? 0;
  let d = IV[3] ?? 0;
  let e = IV[4] ?? 0;
  let f = IV[5] ?? 0;
  let g = IV[6] ?? 0;
  let h = IV[7] ?? 0;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + (K[t] ?? 0) + (w[t] ?? 0)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (a + (IV[0] ?? 0)) | 0;
  state[1] = (b + (IV[1] ?? 0)) | 0;
  state[2] = (c + (IV[2] ?? 0)) | 0;
  state[3] = (d + (IV[3] ?? 0)) | 0;
  state[4] = (e + (IV[4] ?? 0)) | 0;
  state[5] = (f + (IV[5] ?? 0)) | 0;
  state[6] = (g + (IV[6] ?? 0)) | 0;
  state[7] = (h + (IV[7] ?? 0)) | 0;
}

/** Leaves SHA-256d of the first `length` (≤ 55) bytes of `data` in `state`. */
function sha256dIntoState(data: Uint8Array, length: number): void {
  if (length > SHA256_ONE_BLOCK_MAX)
    throw new RangeError(`this SHA-256 takes at most ${SHA256_ONE_BLOCK_MAX} bytes, not ${length}`);
  // First round: the payload, the 0x80 terminator, zeros, and the length in bits (which fits the last word).
  for (let t = 0; t < 16; t++) w[t] = 0;
  for (let i = 0; i < length; i++) w[i >> 2] = (w[i >> 2] ?? 0) | ((data[i] ?? 0) << (24 - 8 * (i & 3)));
  w[length >> 2] = (w[length >> 2] ?? 0) | (0x80 << (24 - 8 * (length & 3)));
  w[15] = length * 8;
  compressFromIv();
  // Second round: the 32-byte digest, padded the same way (its length is 256 bits).
  for (let t = 0; t < 8; t++) w[t] = state[t] ?? 0;
  w[8] = 0x80000000 | 0;
  for (let t = 9; t < 15; t++) w[t] = 0;
  w[15] = 256;
  compressFromIv();
}

/**
 * The first four bytes of SHA-256d of `data[0..length)` (≤ 55 bytes) as a big-endian unsigned
 * integer: the base58check checksum, with no digest allocated.
 */
export function sha256dChecksum(data: Uint8Array, length = data.length): number {
  sha256dIntoState(data, length);
  return (state[0] ?? 0) >>> 0;
}

/** SHA-256d of a payload of at most 55 bytes, as 32 bytes. */
export function sha256dShort(data: Uint8Array): Uint8Array {
  sha256dIntoState(data, data.length);
  const digest = new Uint8Array(32);
  for (let i = 0; i < 32; i++) digest[i] = ((state[i >> 2] ?? 0) >>> (24 - 8 * (i & 3))) & 0xff;
  return digest;
}
