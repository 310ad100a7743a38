/**
 * Finds rows that repeat an earlier row's currency, address and amount: the classic payroll
 * mistake of a line pasted twice. Pure; memory stays flat at about 24 bytes a row (two 32-bit
 * hashes and a row number per slot, half the slots free) instead of a string per row.
 *
 * Stage validate/: may import journal, csv, api, schedule, sandbox, core (.dependency-cruiser.cjs).
 */
import type { ValidPayout } from '../core/types.js';

/** The key two payouts share when they pay the same amount of the same currency to the same recipient. */
export function payoutKey(payout: ValidPayout): string {
  return `${recipientKey(payout)}\u0000${payout.amount}`;
}

/** The key two payouts share when they pay the same recipient in the same currency, whatever the amount. */
export function recipientKey(payout: Pick<ValidPayout, 'currencyCode' | 'toAddress'>): string {
  return `${payout.currencyCode}\u0000${normalAddress(payout.toAddress)}`;
}

/** An address as compared: EVM hex and bech32 are case-insensitive, so one recipient typed two ways is one recipient. */
export function normalAddress(address: string): string {
  return /^0x|^(bc1|ltc1)/i.test(address) ? address.toLowerCase() : address;
}

/** Remembers every payout seen and tells, for each new one, which earlier row it repeats. */
export class DuplicateFinder {
  /**
   * Open addressing, one slot per 3 words side by side (hash A, hash B, value), so a probe reads
   * one cache line instead of three arrays' worth: the table outgrows the caches at 1M rows.
   */
  private slots: Uint32Array;
  private capacity: number;

  /**
   * `expectedKeys`: how many keys the caller expects (an estimate); the table starts big enough
   * to hold them without growing (growing costs a pass over the table and, for a moment, both
   * tables' memory). Capped, so that a wild estimate costs at most 2^22 slots (48 MB).
   */
  constructor(expectedKeys = 0) {
    let capacity = 1024;
    const wanted = Math.min(expectedKeys, MAX_PRESIZED_KEYS) / PRESIZE_LOAD;
    while (capacity < wanted) capacity *= 2;
    this.capacity = capacity;
    this.slots = new Uint32Array(capacity * 3);
  }
  private count = 0;

  /**
   * Returns the row number of an earlier identical payout, or undefined (and remembers this
   * one). Two different payouts share both 32-bit hashes with a chance of about 1 in 2^64 a
   * pair: a wrongly flagged row is then shown to the operator, never paid twice.
   */
  check(payout: ValidPayout, rowNumber: number): number | undefined {
    hashPayout(payout);
    return this.checkPair(payoutA, payoutB, rowNumber);
  }

  /** The same for the payout's recipient (currency and address, whatever the amount): `checkKey(recipientKey(payout), value)`. */
  checkRecipient(payout: Pick<ValidPayout, 'currencyCode' | 'toAddress'>, value: number): number | undefined {
    hashPayout(payout);
    return this.checkPair(recipientA, recipientB, value);
  }

  /** The value stored with an equal payout, without storing anything: `lookup(payoutKey(payout))`. */
  lookupPayout(payout: ValidPayout): number | undefined {
    if (this.count === 0) return undefined;
    hashPayout(payout);
    const stored = this.slots[this.probe(payoutA, payoutB) + 2] ?? 0;
    return stored === 0 ? undefined : stored;
  }

  /**
   * The same for any text key: returns the value stored with an equal key, or undefined after
   * storing `value` (a positive whole number below 2^32) with this one.
   */
  checkKey(key: string, value: number): number | undefined {
    hashPair(key);
    return this.checkPair(pairA, pairB, value);
  }

  private checkPair(a: number, b: number, value: number): number | undefined {
    const at = this.probe(a, b);
    const stored = this.slots[at + 2] ?? 0;
    if (stored !== 0) return stored;
    this.slots[at] = a;
    this.slots[at + 1] = b;
    this.slots[at + 2] = value;
    this.count += 1;
    if (this.count * 2 > this.capacity) this.grow();
    return undefined;
  }

  /** The value stored with an equal key, without storing anything. */
  lookup(key: string): number | undefined {
    hashPair(key);
    const stored = this.slots[this.probe(pairA, pairB) + 2] ?? 0;
    return stored === 0 ? undefined : stored;
  }

  /** The index (in words) of the slot holding the key hashed to (a, b), or of the free slot where it belongs. */
  private probe(a: number, b: number): number {
    const { slots } = this;
    const mask = this.capacity - 1;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 3;
      if ((slots[at + 2] ?? 0) === 0 || (slots[at] === a && slots[at + 1] === b)) return at;
    }
  }

  /** How many distinct keys are stored. */
  get size(): number {
    return this.count;
  }

  private grow(): void {
    const old = this.slots;
    const oldCapacity = this.capacity;
    this.capacity = oldCapacity * 2;
    this.slots = new Uint32Array(this.capacity * 3);
    const mask = this.capacity - 1;
    for (let i = 0; i < oldCapacity; i += 1) {
      const row = old[i * 3 + 2] ?? 0;
      if (row === 0) continue;
      const a = old[i * 3] ?? 0;
      let slot = a & mask;
      while ((this.slots[slot * 3 + 2] ?? 0) !== 0) slot = (slot + 1) & mask;
      this.slots[slot * 3] = a;
      this.slots[slot * 3 + 1] = old[i * 3 + 1] ?? 0;
      this.slots[slot * 3 + 2] = row;
    }
  }
}

/**
 * A table grows past half full. A presized one holds its estimate at up to 0.6 full, so that an
 * estimate a little over a power of two does not double the table (it grows if the estimate was short).
 */
const PRESIZE_LOAD = 0.6;
const MAX_PRESIZED_KEYS = 1 << 21;

/** The two hashes of the last `hashPair` call (module state: no object per row). */
let pairA = 0;
let pairB = 0;
/** The hashes of the last `hashPayout` call: of its recipientKey and of its payoutKey. */
let recipientA = 0;
let recipientB = 0;
let payoutA = 0;
let payoutB = 0;

const SEED_A = 0x811c9dc5;
const SEED_B = 0x2f4a7c15;
const FNV_PRIME = 0x01000193;

/** The running state of the two FNV-1a hashes (module state: no object per row). */
let runA = 0;
let runB = 0;

/** Starts both hashes. */
function start(): void {
  runA = SEED_A;
  runB = SEED_B;
}

/** Runs both hashes over `text`'s UTF-16 code units. */
function mix(text: string): void {
  let a = runA;
  let b = runB;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, FNV_PRIME);
    b = Math.imul(b ^ c, FNV_PRIME);
  }
  runA = a;
  runB = b;
}

/** Runs both hashes over a NUL (the separator between a key's parts): `^ 0` changes nothing. */
function mixNul(): void {
  runA = Math.imul(runA, FNV_PRIME);
  runB = Math.imul(runB, FNV_PRIME);
}

/**
 * Runs both hashes over an address folded to small letters (ASCII); false, leaving the state
 * unchanged, when the address has a character beyond ASCII (toLowerCase's business: rare, a
 * valid address never has one).
 */
function mixFolded(address: string): boolean {
  let a = runA;
  let b = runB;
  for (let i = 0; i < address.length; i += 1) {
    let c = address.charCodeAt(i);
    if (c > 127) return false;
    if (c >= 65 && c <= 90) c += 32;
    a = Math.imul(a ^ c, FNV_PRIME);
    b = Math.imul(b ^ c, FNV_PRIME);
  }
  runA = a;
  runB = b;
  return true;
}

/**
 * `hashPair(recipientKey(payout))` and `hashPair(payoutKey(payout))` in one pass, without
 * building either string: the two keys share their start, and FNV-1a runs over code units in
 * order, so the payout key's hash carries on from the recipient key's. The address is folded
 * to small letters on the way where `normalAddress` would. A test holds both ways equal.
 */
function hashPayout(payout: Pick<ValidPayout, 'currencyCode' | 'toAddress'> & { amount?: string }): void {
  start();
  mix(payout.currencyCode);
  mixNul();
  const address = payout.toAddress;
  if (!foldsCase(address)) mix(address);
  else if (!mixFolded(address)) mix(address.toLowerCase());
  recipientA = finalise(runA);
  recipientB = (finalise(runB) | 1) >>> 0;
  mixNul();
  mix(payout.amount ?? '');
  payoutA = finalise(runA);
  payoutB = (finalise(runB) | 1) >>> 0;
}

/** Whether `normalAddress` folds this address to small letters (0x…, bc1…, ltc1…, in any case). */
function foldsCase(address: string): boolean {
  const c0 = address.charCodeAt(0) | 32;
  const c1 = address.charCodeAt(1) | 32;
  if (c0 === 48 /* 0 */ && address.charCodeAt(0) === 48) return c1 === 120; /* x */
  if (c0 === 98 /* b */) return c1 === 99 /* c */ && address.charCodeAt(2) === 49; /* 1 */
  if (c0 === 108 /* l */)
    return c1 === 116 /* t */ && (address.charCodeAt(2) | 32) === 99 && address.charCodeAt(3) === 49;
  return false;
}

/**
 * Two independent hashes of `text` in one pass: FNV-1a over UTF-16 code units from two seeds,
 * each with a murmur3 finaliser for a good spread. B is odd (`| 1`), so 0 never marks a slot.
 */
function hashPair(text: string): void {
  start();
  mix(text);
  pairA = finalise(runA);
  // `| 1` yields a signed int32: back to unsigned, or it never equals what the Uint32Array stored.
  pairB = (finalise(runB) | 1) >>> 0;
}

function finalise(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
